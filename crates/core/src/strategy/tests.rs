use super::*;
use hlmm_types::{AssetId, Coin};

fn eth() -> InstrumentSpec {
    InstrumentSpec::perp(AssetId(1), Coin::new(b"ETH").expect("coin"), 4)
}

fn lvl(px: i64) -> Level {
    Level { px: Px(px), sz: Sz(10_000), n: 1 }
}

fn inputs(sigma: f64, position_usd: i64) -> QuoteInputs {
    QuoteInputs {
        fair: 2000.05,
        sigma,
        fills_per_day: 100.0,
        position_usd: Usd::from_dollars(position_usd),
        touch: (lvl(200_000), lvl(200_010)),
    }
}

fn params() -> SymbolParams {
    SymbolParams { min_half_spread_bps: 0.0, ..SymbolParams::default() }
}

fn width(q: &TwoSided) -> i64 {
    q.ask.expect("ask").0 .0 - q.bid.expect("bid").0 .0
}

#[test]
fn higher_volatility_widens_the_spread() {
    let p = params();
    let sigmas = [1e-5, 1e-4, 5e-4, 1e-3];
    let widths: Vec<i64> =
        sigmas.iter().map(|&s| width(&two_sided(&eth(), &p, &inputs(s, 0)).0)).collect();
    assert!(widths.windows(2).all(|w| w[1] > w[0]), "{widths:?}");
}

#[test]
fn higher_daily_return_bps_widens_the_spread() {
    let bps = [50u16, 100, 200, 400];
    let widths: Vec<i64> = bps
        .iter()
        .map(|&b| {
            let p = SymbolParams { daily_return_bps: b, ..params() };
            width(&two_sided(&eth(), &p, &inputs(1e-6, 0)).0)
        })
        .collect();
    assert!(widths.windows(2).all(|w| w[1] > w[0]), "{widths:?}");
}

#[test]
fn a_long_position_lowers_both_quotes_and_a_short_raises_them() {
    let p = params();
    let at = |pos| two_sided(&eth(), &p, &inputs(2e-4, pos)).0;
    let (flat, long, short) = (at(0), at(5_000), at(-5_000));
    let px = |q: &TwoSided| (q.bid.expect("bid").0, q.ask.expect("ask").0);
    assert!(px(&long).0 < px(&flat).0 && px(&long).1 < px(&flat).1, "{long:?} vs {flat:?}");
    assert!(px(&short).0 > px(&flat).0 && px(&short).1 > px(&flat).1, "{short:?} vs {flat:?}");
}

#[test]
fn the_half_spread_is_the_largest_term() {
    struct Case {
        name: &'static str,
        sigma: f64,
        fills: f64,
        tick: f64,
        floor_bps: f64,
        expect: fn(&HalfSpread) -> f64,
    }
    let cases = [
        Case {
            name: "tick dominates",
            sigma: 0.0,
            fills: 1e9,
            tick: 0.01,
            floor_bps: 1.0,
            expect: |h| h.tick,
        },
        Case {
            name: "floor dominates",
            sigma: 0.0,
            fills: 1e9,
            tick: 0.0,
            floor_bps: 5.0,
            expect: |h| h.floor,
        },
        Case {
            name: "volatility dominates",
            sigma: 1e-3,
            fills: 1e9,
            tick: 0.0,
            floor_bps: 0.0,
            expect: |h| h.vol,
        },
        Case {
            name: "return dominates",
            sigma: 0.0,
            fills: 10.0,
            tick: 0.0,
            floor_bps: 0.0,
            expect: |h| h.ret,
        },
    ];
    for c in cases {
        let p = SymbolParams { min_half_spread_bps: c.floor_bps, ..SymbolParams::default() };
        let h = half_spread(&p, c.sigma, c.fills, c.tick);
        assert_eq!(h.total, (c.expect)(&h), "{}: {h:?}", c.name);
    }
}

#[test]
fn return_term_follows_its_formula_and_cap() {
    // 10 bps/day on 2N at 20 full-size fills/day: 2 · 10e-4 / 20 = 1e-4.
    let p =
        SymbolParams { daily_return_bps: 10, fills_per_day_floor: 0.1, ..SymbolParams::default() };
    assert!((half_spread(&p, 0.0, 20.0, 0.0).ret - 1e-4).abs() < 1e-15);
    // No fills: the floor on n, then the cap, bound it.
    let h = half_spread(&p, 0.0, 0.0, 0.0);
    assert!((h.ret - p.max_half_spread_bps * BPS).abs() < 1e-15, "{h:?}");
}

#[test]
fn fill_rate_starts_at_the_prior_and_follows_fills() {
    let p = SymbolParams {
        fills_per_day_prior: 100.0,
        fill_rate_half_life: 3_600 * NANOS_PER_SEC,
        ..SymbolParams::default()
    };
    let mut r = FillRate::new(&p, Nanos(0));
    assert!((r.per_day(Nanos(0), &p) - 100.0).abs() < 1e-9);
    let hour = Nanos(3_600 * NANOS_PER_SEC);
    assert!((r.per_day(hour, &p) - 50.0).abs() < 1e-9, "one half-life halves it");
    r.on_fill(p.notional_per_side, hour, &p);
    assert!(r.per_day(hour, &p) > 50.0);
}

#[test]
fn no_order_below_ten_dollars() {
    let s = eth();
    let px = Px(200_000); // $2000.00
    let cases: [(&str, i64, Option<Sz>); 4] = [
        ("exactly $10 rounds to 0.005 ETH", 10_000_000, Some(Sz(50))),
        ("$9.99 is not quoted", 9_990_000, None),
        ("$10.19 still rounds down to $10", 10_190_000, Some(Sz(50))),
        ("zero is not quoted", 0, None),
    ];
    for (name, micros, want) in cases {
        assert_eq!(size_for(&s, px, Usd(micros)), want, "{name}");
    }
    // $10 at a price where lots do not divide evenly: rounding down lands below $10.
    assert_eq!(size_for(&s, Px(300_300), Usd(10_000_000)), None);
}

#[test]
fn quotes_stay_behind_the_opposite_touch() {
    let s = eth();
    // A model bid above the best ask is pulled back below it.
    // ETH near $2000 has a 0.1 tick (10 price units).
    let bid = bid_on_grid(&s, 2001.0, Some(lvl(200_010))).expect("bid");
    assert_eq!(bid, Px(200_000));
    let ask = ask_on_grid(&s, 1999.0, Some(lvl(200_000))).expect("ask");
    assert_eq!(ask, Px(200_010));
}

mod property_tests {
    use super::*;
    use hlmm_types::MarketKind;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn fast_notional_equals_the_venue_rule(
            szd in 0u8..=5,
            spot in any::<bool>(),
            px in 1i64..10_000_000_000,
            sz in -10_000_000_000i64..10_000_000_000,
        ) {
            let kind = if spot { MarketKind::Spot } else { MarketKind::Perp };
            let spec = InstrumentSpec { kind, ..InstrumentSpec::perp(AssetId(1), Coin::new(b"X").expect("coin"), szd) };
            prop_assert_eq!(notional(&spec, Px(px), Sz(sz)), spec.notional(Px(px), Sz(sz)));
        }
    }
}

#[test]
fn the_half_spread_floor_never_goes_inside_the_maker_fee_plus_the_edge() {
    // (name, min_half_spread_bps, maker_fee_bps, edge_bps, floor in bp)
    let cases = [
        ("a floor above the fee stands", 3.0, 1.5, 0.5, 3.0),
        ("a floor inside the fee is lifted to fee + edge", 1.0, 1.5, 0.5, 2.0),
        ("no edge: the fee alone", 0.5, 1.5, 0.0, 1.5),
        ("a rebate tier lets the configured floor rule", 0.2, -0.2, 0.1, 0.2),
        ("fee-blind (maker_fee_bps = 0): the configured floor", 1.0, 0.0, 0.0, 1.0),
    ];
    for (name, min, fee, edge, want) in cases {
        let p = SymbolParams {
            min_half_spread_bps: min,
            maker_fee_bps: fee,
            edge_bps: edge,
            ..SymbolParams::default()
        };
        let hs = half_spread(&p, 0.0, 1e6, 0.0);
        assert!((hs.floor * 1e4 - want).abs() < 1e-9, "{name}: floor {} bp", hs.floor * 1e4);
        assert!((hs.total - hs.floor).abs() < 1e-12, "{name}: nothing else is wider");
    }
}
