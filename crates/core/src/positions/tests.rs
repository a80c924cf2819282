use super::*;
use hlmm_types::{AssetId, Coin, Side, Tid};

const DAY: u64 = 86_400 * 1_000_000_000;

fn spec() -> InstrumentSpec {
    // szDecimals 4: prices in 0.01, lots of 0.0001; ticks × lots are micro-dollars.
    InstrumentSpec::perp(AssetId(1), Coin::new(b"ETH").expect("coin"), 4)
}

fn fill(tid: u64, side: Side, px: i64, sz: i64, fee: i64) -> Fill {
    Fill {
        asset: AssetId(1),
        side,
        px: Px(px),
        sz: Sz(sz),
        tid: Tid(tid),
        fee: Usd(fee),
        ..Fill::default()
    }
}

#[test]
fn average_entry_and_realised_pnl_across_flips() {
    struct Step {
        fill: Fill,
        size: i64,
        avg: Option<i64>,
        realised: i64,
    }
    // $100.00 = 10_000 ticks; 1.0 ETH = 10_000 lots. Realised in micro-dollars.
    let steps = [
        Step {
            fill: fill(1, Side::Bid, 10_000, 10_000, 0),
            size: 10_000,
            avg: Some(10_000),
            realised: 0,
        },
        Step {
            fill: fill(2, Side::Bid, 10_200, 10_000, 0),
            size: 20_000,
            avg: Some(10_100),
            realised: 0,
        },
        // Sell 0.5 at $103: (103 − 101) × 0.5 = $1.
        Step {
            fill: fill(3, Side::Ask, 10_300, 5_000, 0),
            size: 15_000,
            avg: Some(10_100),
            realised: 1_000_000,
        },
        // Sell 2.5 at $99: closes 1.5 at (99 − 101) = −$3, opens 1.0 short at $99.
        Step {
            fill: fill(4, Side::Ask, 9_900, 25_000, 0),
            size: -10_000,
            avg: Some(9_900),
            realised: -2_000_000,
        },
        // Buy 1.0 at $98: short closed at +$1.
        Step {
            fill: fill(5, Side::Bid, 9_800, 10_000, 0),
            size: 0,
            avg: None,
            realised: -1_000_000,
        },
    ];
    let mut p = Position::new(spec(), Nanos(0));
    for (k, s) in steps.iter().enumerate() {
        assert_eq!(
            p.on_fill(&s.fill),
            FillApplied::New(spec().notional(s.fill.px, s.fill.sz)),
            "step {k}"
        );
        assert_eq!(p.size(), Sz(s.size), "step {k} size");
        assert_eq!(p.avg_entry(), s.avg.map(Px), "step {k} avg");
        assert_eq!(p.realised(), Usd(s.realised), "step {k} realised");
    }
}

#[test]
fn fees_and_rebates_enter_pnl() {
    let mut p = Position::new(spec(), Nanos(0));
    p.set_mark(Px(10_000));
    p.on_fill(&fill(1, Side::Bid, 10_000, 10_000, 45_000)); // taker fee $0.045
    p.on_fill(&fill(2, Side::Ask, 10_000, 10_000, -1_000)); // maker rebate $0.001
    let s = p.snapshot();
    assert_eq!(s.fees, Usd(44_000));
    assert_eq!(s.daily_pnl, Usd(-44_000));
}

#[test]
fn funding_enters_pnl_once_per_payment() {
    let mut p = Position::new(spec(), Nanos(0));
    let pay =
        Funding { asset: AssetId(1), time: Nanos(5), usdc: Usd(-250_000), ..Funding::default() };
    assert!(p.on_funding(&pay));
    assert!(!p.on_funding(&pay), "a replayed payment is ignored");
    assert!(p.on_funding(&Funding { time: Nanos(6), usdc: Usd(100_000), ..pay }));
    assert_eq!(p.snapshot().funding, Usd(-150_000));
    assert_eq!(p.daily_pnl(), Usd(-150_000));
}

#[test]
fn duplicate_tid_is_counted_once() {
    let mut p = Position::new(spec(), Nanos(0));
    let f = fill(77, Side::Bid, 10_000, 10_000, 10);
    assert!(matches!(p.on_fill(&f), FillApplied::New(_)));
    assert_eq!(p.on_fill(&f), FillApplied::Duplicate);
    assert_eq!(p.size(), Sz(10_000));
    assert_eq!(p.snapshot().fees, Usd(10));
    assert_eq!(p.fill_counts(), (1, 1));
}

#[test]
fn day_rolls_at_midnight_utc() {
    let mut p = Position::new(spec(), Nanos(3 * DAY + 10));
    p.set_mark(Px(10_000));
    p.on_fill(&fill(1, Side::Bid, 10_000, 10_000, 0));
    p.set_mark(Px(10_500));
    assert_eq!(p.daily_pnl(), Usd(5_000_000));
    p.roll_day(Nanos(4 * DAY - 1));
    assert_eq!(p.daily_pnl(), Usd(5_000_000), "still the same day");
    p.roll_day(Nanos(4 * DAY));
    assert_eq!(p.daily_pnl(), Usd::ZERO, "a new day starts at zero");
    p.set_mark(Px(10_400));
    assert_eq!(p.daily_pnl(), Usd(-1_000_000), "measured from the mark at midnight");
    assert_eq!(p.unrealised(), Usd(4_000_000), "unrealised itself does not reset");
}

#[test]
fn tid_window_forgets_only_the_oldest() {
    let mut s = TidSet::new(4);
    for t in 0..4 {
        assert!(s.insert(Tid(t)));
    }
    assert!(!s.insert(Tid(2)));
    assert!(s.insert(Tid(4)));
    assert!(!s.contains(Tid(0)), "oldest forgotten");
    for t in 1..=4 {
        assert!(s.contains(Tid(t)), "{t} kept");
    }
}

mod property_tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    proptest! {
        #[test]
        fn position_is_the_sum_of_unique_fills_and_no_tid_counts_twice(
            fills in prop::collection::vec((0u64..60, any::<bool>(), 9_000i64..11_000, 1i64..30_000), 1..200),
            mark in 9_000i64..11_000,
        ) {
            let mut p = Position::with_tid_window(spec(), Nanos(0), 64);
            let mut seen = HashSet::new();
            let (mut sum, mut cash) = (0i64, 0i128);
            for (tid, buy, px, sz) in fills {
                let side = if buy { Side::Bid } else { Side::Ask };
                let applied = p.on_fill(&fill(tid, side, px, sz, 0));
                prop_assert_eq!(matches!(applied, FillApplied::New(_)), seen.insert(tid));
                if matches!(applied, FillApplied::New(_)) {
                    sum += side.sign() * sz;
                    cash -= i128::from(side.sign() * sz) * i128::from(px);
                }
            }
            p.set_mark(Px(mark));
            prop_assert_eq!(p.size(), Sz(sum));
            prop_assert_eq!(p.fill_counts().0 as usize, seen.len());
            prop_assert_eq!(p.accounting_residual(cash), 0);
        }

        #[test]
        fn tid_set_agrees_with_a_reference_window(tids in prop::collection::vec(0u64..300, 1..2_000)) {
            let mut s = TidSet::new(64);
            let mut window = std::collections::VecDeque::new();
            for t in tids {
                let fresh = !window.contains(&t);
                prop_assert_eq!(s.insert(Tid(t)), fresh);
                if fresh {
                    if window.len() == 64 {
                        window.pop_front();
                    }
                    window.push_back(t);
                }
                for w in &window {
                    prop_assert!(s.contains(Tid(*w)));
                }
            }
        }
    }
}
