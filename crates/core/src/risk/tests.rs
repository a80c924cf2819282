use super::*;
use hlmm_types::{Coin, InstrumentSpec, Px, Side};

const SEC: u64 = 1_000_000_000;

fn inputs(now: u64) -> RiskInputs {
    RiskInputs {
        now: Nanos(now),
        position: Sz::ZERO,
        notional: Usd::ZERO,
        upnl: Usd::ZERO,
        daily_pnl: Usd::ZERO,
        book_fresh: true,
        kill: false,
        operator_halt: false,
        startup: false,
        global_stop: false,
        reject_halt: false,
        reject_reduce: false,
        reconcile_mismatch: false,
    }
}

fn long(now: u64, notional: i64, upnl: i64) -> RiskInputs {
    RiskInputs {
        position: Sz(10),
        notional: Usd::from_dollars(notional),
        upnl: Usd::from_dollars(upnl),
        ..inputs(now)
    }
}

fn eval(r: &mut SymbolRisk, i: RiskInputs, p: &SymbolParams) -> (TradingState, Reason) {
    let mut audit = AuditRing::new(8);
    r.evaluate(&i, p, &mut audit);
    (r.state(), r.reason())
}

#[test]
fn every_move_between_different_states_is_a_transition_and_staying_is_not() {
    use TradingState::{Active, Halted, Reducing};
    let all = [Active, Reducing, Halted];
    for from in all {
        for to in all {
            assert_eq!(from.transition(to).is_ok(), from != to, "{from:?} -> {to:?}");
        }
    }
}

#[test]
fn state_follows_the_highest_priority_condition() {
    struct Case {
        name: &'static str,
        edit: fn(&mut RiskInputs, &mut SymbolParams),
        want: (TradingState, Reason),
    }
    let cases = [
        Case {
            name: "nothing set is active",
            edit: |_, _| {},
            want: (TradingState::Active, Reason::Clear),
        },
        Case {
            name: "hedge-only config reduces",
            edit: |_, p| p.hedge_only_mode = true,
            want: (TradingState::Reducing, Reason::HedgeOnlyConfig),
        },
        Case {
            name: "stale book halts even in hedge-only",
            edit: |i, p| {
                i.book_fresh = false;
                p.hedge_only_mode = true;
            },
            want: (TradingState::Halted, Reason::StaleBook),
        },
        Case {
            name: "kill beats everything",
            edit: |i, _| {
                i.kill = true;
                i.book_fresh = false;
                i.startup = true;
            },
            want: (TradingState::Halted, Reason::Kill),
        },
        Case {
            name: "startup halts until resumed",
            edit: |i, _| i.startup = true,
            want: (TradingState::Halted, Reason::Startup),
        },
        Case {
            name: "flat at the daily stop halts",
            edit: |i, _| i.daily_pnl = Usd::from_dollars(-100),
            want: (TradingState::Halted, Reason::DailyStop),
        },
        Case {
            name: "global stop with a position flattens",
            edit: |i, _| {
                *i = long(i.now.0, 1_000, 0);
                i.global_stop = true;
            },
            want: (TradingState::Reducing, Reason::GlobalDailyStop),
        },
    ];
    for c in cases {
        let mut i = inputs(SEC);
        let mut p = SymbolParams::default();
        (c.edit)(&mut i, &mut p);
        let mut r = SymbolRisk::new(AssetId(1));
        assert_eq!(eval(&mut r, i, &p), c.want, "{}", c.name);
    }
}

#[test]
fn hedge_only_when_flat_quotes_nothing_but_is_not_halted() {
    let p = SymbolParams { hedge_only_mode: true, ..SymbolParams::default() };
    let mut r = SymbolRisk::new(AssetId(1));
    eval(&mut r, inputs(SEC), &p);
    assert_eq!(r.mode(Nanos(SEC), &p), QuoteMode::ReduceOnly);
}

#[test]
fn daily_stop_halts_until_the_next_utc_day() {
    let p = SymbolParams::default();
    let mut r = SymbolRisk::new(AssetId(1));
    let day = NANOS_PER_DAY;
    let t0 = 10 * day + 3_600 * SEC;
    // Loss reaches the limit with a position: flatten first.
    let mut i = long(t0, 1_000, -100);
    i.daily_pnl = Usd::from_dollars(-100);
    assert_eq!(eval(&mut r, i, &p), (TradingState::Reducing, Reason::DailyStop));
    // Flat, PnL recovered (it does not matter): halted for the rest of the day.
    let i = RiskInputs { daily_pnl: Usd::from_dollars(50), ..inputs(t0 + SEC) };
    assert_eq!(eval(&mut r, i, &p), (TradingState::Halted, Reason::DailyStop));
    let i = RiskInputs { daily_pnl: Usd::ZERO, ..inputs(11 * day - 1) };
    assert_eq!(eval(&mut r, i, &p), (TradingState::Halted, Reason::DailyStop));
    // 00:00 UTC.
    assert_eq!(eval(&mut r, inputs(11 * day), &p), (TradingState::Active, Reason::Clear));
}

#[test]
fn trailing_stop_exits_after_a_retrace_of_more_than_trailing_stop_loss_from_the_peak() {
    // 2 % of a $1000 position is $20.
    let p = SymbolParams {
        trailing_stop_loss: 0.02,
        trailing_take_profit: 0.0,
        ..SymbolParams::default()
    };
    let cases: [(&str, &[i64], Reason); 4] = [
        ("rising PnL never exits", &[0, 10, 30, 50], Reason::Clear),
        ("a retrace of exactly 2 % stays", &[0, 30, 10], Reason::Clear),
        ("a retrace of more than 2 % exits", &[0, 30, 9], Reason::TrailingStop),
        ("a loss of more than 2 % from open exits", &[0, -21], Reason::TrailingStop),
    ];
    for (name, path, want) in cases {
        let mut r = SymbolRisk::new(AssetId(1));
        let mut last = (TradingState::Halted, Reason::Startup);
        for (k, &u) in path.iter().enumerate() {
            last = eval(&mut r, long(SEC * (k as u64 + 1), 1_000, u), &p);
        }
        assert_eq!(last.1, want, "{name}");
    }
    // The exit ends once flat.
    let mut r = SymbolRisk::new(AssetId(1));
    eval(&mut r, long(SEC, 1_000, 0), &p);
    eval(&mut r, long(2 * SEC, 1_000, -25), &p);
    assert_eq!(r.mode(Nanos(2 * SEC), &p), QuoteMode::Flatten { ioc: false });
    assert_eq!(eval(&mut r, inputs(3 * SEC), &p), (TradingState::Active, Reason::Clear));
}

#[test]
fn a_position_below_the_minimum_order_value_counts_as_flat_so_no_stop_strands_it() {
    // Found by the backtest: a partial fill left 0.00002 BTC ($2) short, the trailing stop
    // fired on it, and the coin stayed Reducing for ever: no reduce-only order under $10
    // can be placed. Dust is flat to the stops; two-sided quoting trades it away.
    let p = SymbolParams { trailing_stop_loss: 0.02, ..SymbolParams::default() };
    let mut r = SymbolRisk::new(AssetId(1));
    eval(&mut r, long(SEC, 2, 0), &p);
    let dust = eval(&mut r, long(2 * SEC, 2, -1), &p);
    assert_eq!(dust, (TradingState::Active, Reason::Clear), "a $2 position: no trailing stop");
    // A stop already running on a real position ends once only dust is left.
    let mut r = SymbolRisk::new(AssetId(1));
    eval(&mut r, long(SEC, 1_000, 0), &p);
    assert_eq!(eval(&mut r, long(2 * SEC, 1_000, -25), &p).1, Reason::TrailingStop);
    assert_eq!(eval(&mut r, long(3 * SEC, 9, 0), &p), (TradingState::Active, Reason::Clear));
}

#[test]
fn take_profit_stops_adding_until_flat() {
    let p = SymbolParams {
        trailing_take_profit: 0.05,
        trailing_stop_loss: 0.5,
        ..SymbolParams::default()
    };
    let mut r = SymbolRisk::new(AssetId(1));
    assert_eq!(eval(&mut r, long(SEC, 1_000, 49), &p).0, TradingState::Active);
    assert_eq!(
        eval(&mut r, long(2 * SEC, 1_000, 50), &p),
        (TradingState::Reducing, Reason::TakeProfit)
    );
    assert_eq!(r.mode(Nanos(2 * SEC), &p), QuoteMode::ReduceOnly);
    // Still reducing after PnL eases, until the position is closed.
    assert_eq!(eval(&mut r, long(3 * SEC, 1_000, 40), &p).0, TradingState::Reducing);
    assert_eq!(eval(&mut r, inputs(4 * SEC), &p).0, TradingState::Active);
}

#[test]
fn flattening_sends_an_ioc_after_the_timeout_and_then_every_timeout() {
    let p = SymbolParams { flatten_ioc_after: 10 * SEC, ..SymbolParams::default() };
    let mut r = SymbolRisk::new(AssetId(1));
    let mut i = long(SEC, 1_000, 0);
    i.daily_pnl = Usd::from_dollars(-200);
    eval(&mut r, i, &p);
    assert_eq!(r.mode(Nanos(10 * SEC), &p), QuoteMode::Flatten { ioc: false });
    assert_eq!(r.mode(Nanos(11 * SEC), &p), QuoteMode::Flatten { ioc: true });
    r.ioc_sent(Nanos(11 * SEC));
    assert_eq!(r.mode(Nanos(12 * SEC), &p), QuoteMode::Flatten { ioc: false });
    assert_eq!(r.mode(Nanos(21 * SEC), &p), QuoteMode::Flatten { ioc: true });
}

#[test]
fn every_change_is_audited_with_from_to_reason_and_time() {
    let p = SymbolParams::default();
    let mut r = SymbolRisk::new(AssetId(7));
    let mut audit = AuditRing::new(8);
    r.evaluate(&inputs(SEC), &p, &mut audit);
    r.evaluate(&inputs(2 * SEC), &p, &mut audit);
    r.evaluate(&RiskInputs { kill: true, ..inputs(3 * SEC) }, &p, &mut audit);
    let got: Vec<Transition> = std::iter::from_fn(|| audit.pop()).collect();
    assert_eq!(
        got,
        [
            Transition {
                asset: AssetId(7),
                from: TradingState::Halted,
                to: TradingState::Active,
                reason: Reason::Clear,
                time: Nanos(SEC)
            },
            Transition {
                asset: AssetId(7),
                from: TradingState::Active,
                to: TradingState::Halted,
                reason: Reason::Kill,
                time: Nanos(3 * SEC)
            },
        ]
    );
}

#[test]
fn audit_ring_overwrites_the_oldest_and_counts_it() {
    let mut ring = AuditRing::new(2);
    let t = |s| Transition {
        asset: AssetId(0),
        from: TradingState::Halted,
        to: TradingState::Active,
        reason: Reason::Clear,
        time: Nanos(s),
    };
    for s in 1..=3 {
        ring.push(t(s));
    }
    assert_eq!(ring.overwritten(), 1);
    assert_eq!(ring.pop().map(|x| x.time), Some(Nanos(2)));
    assert_eq!(ring.pop().map(|x| x.time), Some(Nanos(3)));
    assert_eq!(ring.pop(), None);
}

#[test]
fn limits_count_position_and_other_orders() {
    let spec = InstrumentSpec::perp(AssetId(1), Coin::new(b"ETH").expect("coin"), 4);
    let p = SymbolParams {
        max_long_usd: Usd::from_dollars(1_000),
        max_short_usd: Usd::from_dollars(500),
        ..SymbolParams::default()
    };
    let px = Px(200_000); // $2000: a lot is $0.20, $1000 is 5000 lots
                          // (name, side, position in dollars at the mark, other lots, wanted lots, allowed lots)
    let cases: [(&str, Side, i64, i64, i64, i64); 7] = [
        ("flat, full bid fits", Side::Bid, 0, 0, 1_000, 1_000),
        ("long near the limit clips the bid", Side::Bid, 900, 0, 1_000, 500),
        ("in-flight bids count", Side::Bid, 800, 800, 1_000, 200),
        ("at the long limit no bid", Side::Bid, 1_000, 0, 1_000, 0),
        ("past the limit no bid", Side::Bid, 1_200, 0, 1_000, 0),
        (
            "long position leaves room to sell through to the short limit",
            Side::Ask,
            200,
            0,
            9_000,
            3_500,
        ),
        ("short at its limit no ask", Side::Ask, -500, 0, 1_000, 0),
    ];
    for (name, side, pos, other, want, got) in cases {
        let pos = Usd::from_dollars(pos);
        assert_eq!(clip_to_limit(&spec, side, px, Sz(want), pos, Sz(other), &p), Sz(got), "{name}");
    }
}
