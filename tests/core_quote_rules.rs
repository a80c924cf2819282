//! The quote side's rules, driven through `QuotingCore::on_event` / `on_timer` step by step.

mod core_quote_support;

use core_quote_support::*;
use hlmm::core::params::{GlobalParams, SymbolParams};
use hlmm::core::risk::{Reason, TradingState};
use hlmm::core::{CoreError, CoreEvent};
use hlmm::types::commands::{Command, CommandKind, Tif};
use hlmm::types::events::{FeedEvent, Trade, TradeBatch};
use hlmm::types::outcome::{CommandOutcome, NotSentReason, OutcomeEvent};
use hlmm::types::{AssetId, Px, Side, Sz, Usd};

const A: AssetId = AssetId(1);

fn spread(cmds: &[Command]) -> i64 {
    let bid = on_side(cmds, Side::Bid).expect("a bid");
    let ask = on_side(cmds, Side::Ask).expect("an ask");
    ask.px.0 - bid.px.0
}

#[test]
fn nothing_is_quoted_before_the_first_resume() {
    let specs = [eth(1)];
    let mut core =
        hlmm::core::QuotingCore::new(&specs, &[params()], global(), hlmm::types::Nanos(START))
            .expect("core");
    let mut out = Vec::with_capacity(16);
    let mut h = Harness::new(params());
    // Same events into a core that was never resumed.
    let ev = {
        let mut s = hlmm::types::events::BookSnapshot {
            asset: A,
            time: hlmm::types::Nanos::from_millis(START / MS + 1),
            ..Default::default()
        };
        let _ = s.bids.push(hlmm::types::events::Level { px: Px(200_000), sz: Sz(100_000), n: 1 });
        let _ = s.asks.push(hlmm::types::events::Level { px: Px(200_010), sz: Sz(100_000), n: 1 });
        CoreEvent::Feed(FeedEvent::Book(s))
    };
    core.on_event(&ev, hlmm::types::Nanos(START + MS), &mut out).expect("book");
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(core.state(A), Some((TradingState::Halted, Reason::Startup)));
    core.on_event(&CoreEvent::Resume, hlmm::types::Nanos(START + 2 * MS), &mut out)
        .expect("resume");
    assert_eq!(new_orders(&out).len(), 2);
    // The harness resumes at construction.
    assert_eq!(new_orders(&h.book(200_000, 200_010)).len(), 2);
}

#[test]
fn estimator_does_not_quote_before_warm_up() {
    let p = SymbolParams { vol_prior: None, vol_warmup_samples: 5, ..params() };
    let mut h = Harness::new(p);
    // The first book gives a price, each later one a return: 4 returns are not enough.
    for k in 0..5 {
        let cmds = h.book(200_000 + 10 * (k % 2), 200_010 + 10 * (k % 2));
        assert!(new_orders(&cmds).is_empty(), "book {k}: {cmds:?}");
    }
    let cmds = h.book(200_000, 200_010);
    assert_eq!(new_orders(&cmds).len(), 2, "warm after 5 returns");
    // With a prior instead, the very first book quotes.
    let mut h = Harness::new(SymbolParams { vol_prior: Some(1e-4), ..p });
    assert_eq!(new_orders(&h.book(200_000, 200_010)).len(), 2);
}

#[test]
fn higher_volatility_widens_the_spread() {
    let widths: Vec<i64> = [1e-5, 1e-4, 5e-4]
        .iter()
        .map(|&v| {
            Harness::new(SymbolParams { vol_prior: Some(v), ..params() }).book(200_000, 200_010)
        })
        .map(|cmds| spread(&cmds))
        .collect();
    assert!(widths.windows(2).all(|w| w[1] > w[0]), "{widths:?}");
}

#[test]
fn higher_daily_return_bps_widens_the_spread() {
    let widths: Vec<i64> = [100u16, 400, 1_000]
        .iter()
        .map(|&b| {
            let p = SymbolParams { daily_return_bps: b, vol_prior: Some(1e-6), ..params() };
            Harness::new(p).book(200_000, 200_010)
        })
        .map(|cmds| spread(&cmds))
        .collect();
    assert!(widths.windows(2).all(|w| w[1] > w[0]), "{widths:?}");
}

#[test]
fn a_long_position_lowers_both_quotes() {
    let flat = Harness::new(params()).book(200_000, 200_010);
    let mut h = Harness::new(params());
    h.fill(Side::Bid, 200_000, 20_000); // 2 ETH, $4000 of a $10000 limit
    let long = h.book(200_000, 200_010);
    for side in [Side::Bid, Side::Ask] {
        let (f, l) = (on_side(&flat, side).expect("flat"), on_side(&long, side).expect("long"));
        assert!(l.px < f.px, "{side:?}: long {:?} flat {:?}", l.px, f.px);
    }
}

#[test]
fn at_max_long_usd_no_bid_is_quoted() {
    let mut h = Harness::new(params());
    let first = h.book(200_000, 200_010);
    h.settle(first);
    // 5 ETH at $2000 is exactly the $10000 limit.
    let cmds = h.fill(Side::Bid, 200_000, 50_000);
    assert!(on_side(&cmds, Side::Bid).is_none(), "{cmds:?}");
    assert_eq!(cancels(&cmds), 1, "the resting bid is pulled at once: {cmds:?}");
    h.settle(cmds);
    let cmds = h.book(199_990, 200_000);
    assert!(on_side(&cmds, Side::Bid).is_none(), "{cmds:?}");
    let open_bids = h.core.orders().open_orders(A).filter(|o| o.side == Side::Bid).count();
    assert_eq!(open_bids, 0);
    assert!(
        h.core.orders().open_orders(A).any(|o| o.side == Side::Ask),
        "the reducing side is still quoted"
    );
}

#[test]
fn a_bid_near_the_limit_is_shrunk_to_fit() {
    let mut h = Harness::new(params());
    h.fill(Side::Bid, 200_000, 48_000); // $9600 of $10000
    let cmds = h.book(200_000, 200_010);
    let bid = on_side(&cmds, Side::Bid).expect("bid");
    let ask = on_side(&cmds, Side::Ask).expect("ask");
    assert!(bid.sz.0 < ask.sz.0, "bid {:?} ask {:?}", bid.sz, ask.sz);
    // (48000 + bid) lots at the bid price stay within $10000.
    let value = (48_000 + bid.sz.0) as i128 * bid.px.0 as i128;
    assert!(value <= 10_000_000_000, "{value}");
}

#[test]
fn hedge_only_when_flat_quotes_nothing() {
    let p = SymbolParams { hedge_only_mode: true, ..params() };
    let mut h = Harness::new(p);
    assert!(new_orders(&h.book(200_000, 200_010)).is_empty());
    assert_eq!(h.core.state(A), Some((TradingState::Reducing, Reason::HedgeOnlyConfig)));
    // With a long position only the reducing ask is quoted, reduce-only.
    let cmds = h.fill(Side::Bid, 200_000, 1_000);
    let orders = new_orders(&cmds);
    assert_eq!(orders.len(), 1, "{cmds:?}");
    assert_eq!((orders[0].side, orders[0].reduce_only), (Side::Ask, true));
    assert_eq!(orders[0].sz.0, 1_000, "never more than the position");
}

#[test]
fn stale_book_pulls_quotes() {
    let mut h = Harness::new(params());
    let first = h.book(200_000, 200_010);
    h.settle(first);
    h.advance(4 * SEC);
    assert!(h.timer().is_empty(), "still fresh");
    h.advance(2 * SEC);
    let cmds = h.timer();
    assert_eq!(cancels(&cmds), 2, "{cmds:?}");
    assert!(new_orders(&cmds).is_empty());
    assert_eq!(h.core.state(A), Some((TradingState::Halted, Reason::StaleBook)));
    h.settle(cmds);
    assert_eq!(new_orders(&h.book(200_000, 200_010)).len(), 2, "a fresh book resumes quoting");
}

#[test]
fn stale_book_pulls_quotes_for_that_coin_only() {
    let mut h = Harness::with(&[params(), params()], global());
    let a = h.book_on(1, 200_000, 200_010);
    let b = h.book_on(2, 200_000, 200_010);
    h.settle(a);
    h.settle(b);
    h.advance(4 * SEC);
    h.book_on(2, 200_000, 200_010);
    h.advance(2 * SEC);
    let cmds = h.timer();
    assert!(cmds.iter().all(|c| c.asset() == Some(AssetId(1))), "{cmds:?}");
    assert_eq!(cancels(&cmds), 2);
}

#[test]
fn kill_switch_needs_an_explicit_resume() {
    let mut h = Harness::new(params());
    let first = h.book(200_000, 200_010);
    h.settle(first);
    let cmds = h.send(CoreEvent::Kill).expect("kill");
    assert_eq!(cancels(&cmds), 2, "{cmds:?}");
    h.settle(cmds);
    for _ in 0..5 {
        assert!(new_orders(&h.book(200_000, 200_010)).is_empty());
        h.advance(SEC);
        assert!(new_orders(&h.timer()).is_empty());
    }
    assert_eq!(h.core.state(A), Some((TradingState::Halted, Reason::Kill)));
    h.book(200_000, 200_010);
    let cmds = h.send(CoreEvent::Resume).expect("resume");
    assert_eq!(new_orders(&cmds).len(), 2);
    let audit: Vec<_> =
        std::iter::from_fn(|| h.core.pop_audit()).map(|t| (t.from, t.to, t.reason)).collect();
    assert!(
        audit.contains(&(TradingState::Active, TradingState::Halted, Reason::Kill)),
        "{audit:?}"
    );
    assert!(
        audit.ends_with(&[(TradingState::Halted, TradingState::Active, Reason::Clear)]),
        "{audit:?}"
    );
}

#[test]
fn an_operator_halt_pulls_one_coin_until_that_coin_is_resumed() {
    let mut h = Harness::with(&[params(), params()], global());
    let a = h.book_on(1, 200_000, 200_010);
    let b = h.book_on(2, 200_000, 200_010);
    h.settle(a);
    h.settle(b);
    let cmds = h.send(CoreEvent::HaltSymbol(AssetId(1))).expect("halt");
    assert!(cmds.iter().all(|c| c.asset() == Some(AssetId(1))), "{cmds:?}");
    assert_eq!(cancels(&cmds), 2, "both quotes of the halted coin pulled: {cmds:?}");
    h.settle(cmds);
    assert_eq!(h.core.state(AssetId(1)), Some((TradingState::Halted, Reason::OperatorHalt)));
    assert_eq!(h.core.state(AssetId(2)).map(|s| s.0), Some(TradingState::Active));
    // A kill and a resume of the whole engine do not lift the coin's own halt.
    let killed = h.send(CoreEvent::Kill).expect("kill");
    h.settle(killed);
    let resumed = h.send(CoreEvent::Resume).expect("resume");
    assert!(resumed.iter().all(|c| c.asset() != Some(AssetId(1))), "{resumed:?}");
    h.settle(resumed);
    assert!(new_orders(&h.book_on(1, 200_000, 200_010)).is_empty());
    assert_eq!(h.core.state(AssetId(1)), Some((TradingState::Halted, Reason::OperatorHalt)));
    let cmds = h.send(CoreEvent::ResumeSymbol(AssetId(1))).expect("resume symbol");
    assert_eq!(new_orders(&cmds).len(), 2, "{cmds:?}");
    assert_eq!(h.core.state(AssetId(1)).map(|s| s.0), Some(TradingState::Active));
}

#[test]
fn halting_an_unknown_coin_is_refused_and_changes_nothing() {
    let mut h = Harness::new(params());
    let first = h.book(200_000, 200_010);
    h.settle(first);
    let err = h.send(CoreEvent::HaltSymbol(AssetId(99))).expect_err("unknown asset");
    assert!(matches!(err, CoreError::UnknownAsset(99)), "{err:?}");
    assert_eq!(h.core.state(A).map(|s| s.0), Some(TradingState::Active));
}

#[test]
fn no_order_below_ten_dollars() {
    // $10 per side rounds down below $10 at any price where lots do not divide it exactly.
    let mut h = Harness::new(SymbolParams { notional_per_side: Usd::from_dollars(10), ..params() });
    for (bid, ask) in [(200_000, 200_010), (300_300, 300_310), (123_450, 123_460)] {
        let cmds = h.book(bid, ask);
        for o in new_orders(&cmds) {
            let value = o.sz.0 as i128 * o.px.0 as i128;
            assert!(value >= 10_000_000, "{o:?}");
        }
    }
    let mut h = Harness::new(SymbolParams { notional_per_side: Usd(10_500_000), ..params() });
    let cmds = h.book(300_300, 300_310);
    assert_eq!(new_orders(&cmds).len(), 2);
    assert!(new_orders(&cmds).iter().all(|o| o.sz.0 as i128 * o.px.0 as i128 >= 10_000_000));
}

#[test]
fn a_rejected_config_changes_nothing() {
    let mut h = Harness::new(params());
    let first = h.book(200_000, 200_010);
    h.settle(first);
    let before = *h.core.params(A).expect("params");
    let bad = SymbolParams {
        notional_per_side: Usd::from_dollars(5),
        stale_book_after: 0,
        max_long_usd: Usd::ZERO,
        ..before
    };
    h.out.clear();
    let err = h
        .core
        .on_event(&CoreEvent::Config { asset: A, params: bad }, h.now, &mut h.out)
        .expect_err("rejected");
    let CoreError::ConfigRejected { errors, .. } = err else { panic!("{err:?}") };
    assert_eq!(errors.len(), 2, "{errors}");
    assert_eq!(
        err.to_string(),
        "symbol C1: notional_per_side = 5: below the $10 minimum order value; stale_book_after: must not be zero"
    );
    assert!(h.out.is_empty());
    assert_eq!(*h.core.params(A).expect("params"), before);
    assert_eq!(h.core.counters().configs_rejected, 1);
    assert!(h.book(200_000, 200_010).is_empty(), "quoting goes on unchanged");
}

#[test]
fn a_config_is_applied_at_once_and_limits_are_rechecked() {
    let mut h = Harness::new(params());
    h.fill(Side::Bid, 200_000, 40_000); // $8000 long
    let first = h.book(200_000, 200_010);
    assert!(on_side(&first, Side::Bid).is_some());
    h.settle(first);
    let tighter = SymbolParams { max_long_usd: Usd::from_dollars(8_000), ..params() };
    let cmds = h.send(CoreEvent::Config { asset: A, params: tighter }).expect("valid");
    assert_eq!(cancels(&cmds), 1, "the bid goes in the config event itself: {cmds:?}");
    assert!(on_side(&cmds, Side::Bid).is_none());
    assert_eq!(h.core.params(A).map(|p| p.max_long_usd), Some(Usd::from_dollars(8_000)));
}

#[test]
fn daily_stop_halts_until_the_next_utc_day() {
    let p = SymbolParams {
        daily_pnl_stop_loss: Usd::from_dollars(100),
        flatten_ioc_after: 10 * SEC,
        ..params()
    };
    let mut h = Harness::new(p);
    h.auto_ack = true;
    h.book(200_000, 200_010);
    h.fill(Side::Bid, 200_000, 10_000); // 1 ETH at $2000
                                        // $2000 → $1890: −$110 unrealised, past the $100 stop.
    let cmds = h.book(189_000, 189_010);
    assert_eq!(h.core.state(A), Some((TradingState::Reducing, Reason::DailyStop)));
    let ask = on_side(&cmds, Side::Ask).expect("a flattening ask");
    assert_eq!(
        (ask.px.0, ask.sz.0, ask.reduce_only, ask.tif),
        (189_010, 10_000, true, Tif::Alo),
        "at the touch"
    );
    assert!(on_side(&cmds, Side::Bid).is_none());
    // Passive for flatten_ioc_after, then a reduce-only IOC through the book.
    let mut ioc = None;
    for _ in 0..11 {
        h.advance(900 * MS);
        let cmds = h.book(189_000, 189_010);
        if let Some(o) = new_orders(&cmds).into_iter().find(|o| o.tif == Tif::Ioc) {
            ioc = Some(o);
            break;
        }
    }
    let ioc = ioc.expect("an IOC after the timeout");
    assert!(ioc.reduce_only && ioc.side == Side::Ask && ioc.sz.0 == 10_000, "{ioc:?}");
    assert!(ioc.px.0 < 189_000, "through the bid: {ioc:?}");
    // It fills: flat, and halted for the rest of the day.
    h.fill(Side::Ask, 188_900, 10_000);
    assert_eq!(h.core.state(A), Some((TradingState::Halted, Reason::DailyStop)));
    h.advance(3_600 * SEC);
    assert!(new_orders(&h.book(200_000, 200_010)).is_empty());
    // 00:00 UTC: a new day.
    let midnight = (h.now.0 / DAY + 1) * DAY;
    h.advance(midnight - h.now.0 - 50 * MS);
    let cmds = h.book(200_000, 200_010);
    assert_eq!(h.core.state(A), Some((TradingState::Active, Reason::Clear)));
    assert_eq!(new_orders(&cmds).len(), 2);
    assert_eq!(h.core.position(A).map(|p| p.daily_pnl), Some(Usd::ZERO));
}

#[test]
fn global_daily_stop_flattens_every_symbol() {
    let g = GlobalParams { global_daily_pnl_stop_loss: Usd::from_dollars(150), ..global() };
    let mut h = Harness::with(&[params(), params()], g);
    h.book_on(1, 200_000, 200_010);
    h.book_on(2, 200_000, 200_010);
    h.fill_with(1, Side::Bid, 200_000, 10_000, None);
    h.fill_with(2, Side::Bid, 200_000, 10_000, None);
    // Each loses $80: under its own $100 stop, over $150 together.
    h.book_on(1, 191_995, 192_005);
    assert_eq!(h.core.state(AssetId(1)).map(|s| s.0), Some(TradingState::Active));
    h.book_on(2, 191_995, 192_005);
    for a in [1, 2] {
        assert_eq!(
            h.core.state(AssetId(a)),
            Some((TradingState::Reducing, Reason::GlobalDailyStop)),
            "asset {a}"
        );
    }
}

#[test]
fn trailing_stop_exits_after_a_retrace_of_more_than_trailing_stop_loss_from_the_peak() {
    let p = SymbolParams { trailing_stop_loss: 0.02, ..params() };
    let mut h = Harness::new(p);
    h.auto_ack = true;
    h.book(200_000, 200_010);
    h.fill(Side::Bid, 200_005, 10_000); // 1 ETH at the mid
                                        // Up $50 (the peak), back to +$15: a $35 retrace, under 2 % of ~$2015.
    h.book(205_000, 205_010);
    h.book(201_500, 201_510);
    assert_eq!(h.core.state(A), Some((TradingState::Active, Reason::Clear)));
    // To +$5: a $45 retrace, over 2 % of ~$2005.
    let cmds = h.book(200_500, 200_510);
    assert_eq!(h.core.state(A), Some((TradingState::Reducing, Reason::TrailingStop)));
    let ask = on_side(&cmds, Side::Ask).expect("exit");
    assert!(ask.reduce_only && ask.sz.0 == 10_000 && ask.px.0 == 200_510, "{ask:?}");
    // Once flat, back to market making.
    h.fill(Side::Ask, 200_510, 10_000);
    assert_eq!(h.core.state(A), Some((TradingState::Active, Reason::Clear)));
}

#[test]
fn duplicate_fills_move_the_position_once() {
    let mut h = Harness::new(params());
    h.book(200_000, 200_010);
    h.fill_with(1, Side::Bid, 200_000, 5_000, Some(42));
    h.fill_with(1, Side::Bid, 200_000, 5_000, Some(42));
    assert_eq!(h.core.position(A).map(|p| p.size.0), Some(5_000));
    assert_eq!(h.core.counters().duplicate_fills, 1);
}

/// Answers every placement in `cmds` with `NotSent` (a gateway that cannot send); returns the
/// placements it answered and what the core did in response.
fn refuse_all(h: &mut Harness, cmds: &[Command]) -> (usize, Vec<Command>) {
    let mut refused = 0;
    let mut produced = Vec::new();
    for c in cmds {
        if let Command::Place(r) = *c {
            refused += 1;
            let outcome = CommandOutcome::NotSent(NotSentReason::NoConnection);
            let ev = OutcomeEvent::new(r.asset, r.cloid, CommandKind::Place, outcome);
            produced.extend(h.send(CoreEvent::Outcome(ev)).expect("outcome"));
        }
    }
    (refused, produced)
}

#[test]
fn a_refused_send_pauses_new_quotes_with_a_doubling_pause_instead_of_a_storm() {
    let mut h = Harness::new(params());
    let mut placed = 0;
    let mut cmds = h.book(200_000, 200_010);
    assert_eq!(new_orders(&cmds).len(), 2, "both sides quoted");
    // 50 books, 100 ms apart (5 s); every placement refused before it leaves.
    for _ in 0..50 {
        loop {
            let (refused, produced) = refuse_all(&mut h, &cmds);
            placed += refused;
            assert!(new_orders(&produced).is_empty(), "no re-quote in answer to a refusal");
            if produced.is_empty() {
                break;
            }
            cmds = produced;
        }
        cmds = h.book(200_000, 200_010);
    }
    // Attempts at 0, 0.1, 0.3, 0.7, 1.5, 3.1 s per side: 6 each. Without the pause: every book.
    assert!((2..=2 * 7).contains(&placed), "{placed} placements in 5 s of refusals");
    // The venue answers again: the streak ends and quoting is normal at once.
    h.advance(5 * SEC);
    let cmds = h.book(200_000, 200_010);
    assert_eq!(new_orders(&cmds).len(), 2, "after the pause both sides are tried again");
    h.settle(cmds);
    let requote = h.book(200_100, 200_110);
    assert!(!requote.is_empty(), "accepted: the next move re-quotes without waiting");
}

fn buys(lots: i64) -> CoreEvent {
    let mut batch = TradeBatch::default();
    let trade =
        Trade { asset: A, side: Side::Bid, px: Px(200_010), sz: Sz(lots), ..Trade::default() };
    let _ = batch.push(trade);
    CoreEvent::Feed(FeedEvent::Trades(batch))
}

#[test]
fn one_sided_taker_buying_lifts_both_quotes_when_flow_skew_is_set() {
    let p = SymbolParams { flow_skew_bps: 1.0, vol_prior: Some(1e-6), ..params() };
    let quiet = Harness::new(p).book(200_000, 200_010);
    let mut h = Harness::new(p);
    h.send(buys(10_000)).expect("trades");
    let leaned = h.book(200_000, 200_010);
    for side in [Side::Bid, Side::Ask] {
        let (q, l) =
            (on_side(&quiet, side).expect("quoted"), on_side(&leaned, side).expect("quoted"));
        assert!(l.px > q.px, "{side:?}: {} after buying vs {} without", l.px.0, q.px.0);
    }
    // Without flow_skew_bps the same trades change nothing.
    let off = SymbolParams { flow_skew_bps: 0.0, ..p };
    let mut h = Harness::new(off);
    h.send(buys(10_000)).expect("trades");
    assert_eq!(h.book(200_000, 200_010), Harness::new(off).book(200_000, 200_010));
}

#[test]
fn a_volatility_burst_pauses_two_sided_quotes_until_calm_returns() {
    // The spread's volatility is the 1 bp/√s prior (the estimator never warms); the breaker
    // trips above 3 bp/√s of 2 s half-life volatility.
    let p = SymbolParams {
        vol_breaker_ratio: 3.0,
        vol_breaker_half_life: 2 * SEC,
        vol_warmup_samples: 1_000_000,
        ..params()
    };
    let mut h = Harness::new(p);
    let calm = |h: &mut Harness, k: i64| {
        let cmds = h.book(200_000 + k % 2, 200_010 + k % 2);
        h.settle(cmds.clone());
        cmds
    };
    let mut quoted = 0;
    for k in 0..30 {
        quoted += new_orders(&calm(&mut h, k)).len();
    }
    assert!(quoted >= 2, "two-sided while calm");
    // A burst: the mid jumps 50 bp back and forth every 100 ms.
    let mut last = Vec::new();
    for k in 0..10 {
        let off = if k % 2 == 0 { 1_000 } else { 0 };
        last = h.book(200_000 + off, 200_010 + off);
        h.settle(last.clone());
    }
    assert!(new_orders(&last).is_empty(), "{last:?}");
    assert_eq!(h.core.orders().open_orders(A).count(), 0, "every quote pulled");
    // Calm again: once the short volatility is back under 0.7 of the trip level, quoting resumes.
    let resumed = (0..600).any(|k| new_orders(&calm(&mut h, k)).len() == 2);
    assert!(resumed, "quoting resumes by rule");
}
