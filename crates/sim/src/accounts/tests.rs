use super::*;
use hlmm_types::{AssetId, Coin};

fn eth() -> AssetConfig {
    AssetConfig {
        spec: InstrumentSpec::perp(AssetId(1), Coin::new(b"ETH").expect("coin"), 4),
        max_leverage: 25,
        mark_px: Px(200_000), // 2000.00
        oracle_px: Px(200_000),
    }
}

#[test]
fn address_round_trips_in_lower_case() {
    let text = "0xAbCdEf0123456789abcdef0123456789ABCDEF01";
    let a = Address::parse(text.as_bytes()).expect("valid");
    assert_eq!(a.to_string(), text.to_lowercase());
    assert!(Address::parse(b"0x12").is_err());
}

#[test]
fn fill_directions_follow_the_position() {
    let cases: [(&str, i64, Side, i64, Dir, i64); 6] = [
        ("buy from flat opens long", 0, Side::Bid, 5, Dir::OpenLong, 5),
        ("sell from flat opens short", 0, Side::Ask, 5, Dir::OpenShort, -5),
        ("selling part of a long closes long", 10, Side::Ask, 4, Dir::CloseLong, 6),
        ("buying part of a short closes short", -10, Side::Bid, 4, Dir::CloseShort, -6),
        ("selling through zero flips long to short", 3, Side::Ask, 5, Dir::LongToShort, -2),
        ("buying through zero flips short to long", -3, Side::Bid, 5, Dir::ShortToLong, 2),
    ];
    for (name, start, side, sz, dir, end) in cases {
        let mut p = PositionState::flat(10);
        if start != 0 {
            p.apply_fill(if start > 0 { Side::Bid } else { Side::Ask }, Px(100), Sz(start.abs()));
        }
        let e = p.apply_fill(side, Px(100), Sz(sz));
        assert_eq!(e.dir, dir, "{name}");
        assert_eq!(e.start, Sz(start), "{name}");
        assert_eq!(p.szi, Sz(end), "{name}");
    }
}

#[test]
fn closing_a_long_above_entry_realises_the_difference() {
    let mut p = PositionState::flat(10);
    p.apply_fill(Side::Bid, Px(100), Sz(10));
    p.apply_fill(Side::Bid, Px(110), Sz(10));
    assert_eq!(p.entry_px(), Some(Px(105)));
    let e = p.apply_fill(Side::Ask, Px(120), Sz(5));
    assert_eq!(e.closed_raw, 75); // (120 − 105) · 5
    assert_eq!(p.entry_px(), Some(Px(105)));
    let e = p.apply_fill(Side::Ask, Px(100), Sz(20));
    assert_eq!(e.closed_raw, -75); // (100 − 105) · 15
    assert_eq!(p.szi, Sz(-5));
    assert_eq!(p.entry_px(), Some(Px(100)));
}

#[test]
fn fees_round_to_the_micro_dollar_and_rebates_are_negative() {
    let notional = Usd::from_dollars(10_000);
    assert_eq!(FeeSchedule::TIER_0.fee(notional, true), Usd(4_500_000));
    assert_eq!(FeeSchedule::TIER_0.fee(notional, false), Usd(1_500_000));
    let rebate = FeeSchedule { taker: Rate(450_000_000), maker: Rate(-20_000_000) };
    assert_eq!(rebate.fee(notional, false), Usd(-200_000));
}

#[test]
fn liquidation_price_of_a_long_lies_below_the_mark() {
    let a = [eth()];
    let mut acct = Account::new(Address::default(), Usd::from_dollars(1_000), [20].into_iter());
    // 1 ETH long at 2000 with $1000: liquidation near 2000 − 1000·50/(1·49) ≈ 979.6 less
    // the maintenance margin.
    acct.positions[0].apply_fill(Side::Bid, Px(200_000), Sz(10_000));
    let liq = acct.liquidation_px(&a, 0).expect("long has a liquidation price");
    assert!(liq < a[0].mark_px);
    assert!(liq.0 > 90_000 && liq.0 < 110_000, "liq {liq:?}");
}
