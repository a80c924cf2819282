//! Property tests of the quoting core: random books, acks, rejects, ambiguous outcomes, fills
//! (with duplicates), timers and config changes. After every step:
//! - no new order takes the position past its limit (position at the mark + every other live,
//!   not-leaving order on that side + the order itself, at its price);
//! - nothing new is sent while halted, and only reduce-only orders while reducing;
//! - the position equals the sum of the fills, each tid counted once.

mod core_quote_support;

use std::collections::HashSet;

use core_quote_support::*;
use hlmm::core::orders::OrderState;
use hlmm::core::params::SymbolParams;
use hlmm::core::risk::TradingState;
use hlmm::core::CoreEvent;
use hlmm::types::commands::{Command, CommandKind};
use hlmm::types::events::{FeedEvent, Fill, FillBatch};
use hlmm::types::outcome::{
    Accepted, AcceptedStatus, AmbiguousReason, CommandOutcome, OutcomeEvent, RejectReason,
};
use hlmm::types::{AssetId, Cloid, Oid, Px, Side, Sz, Tid, Usd};
use proptest::prelude::*;

const A: AssetId = AssetId(1);

#[derive(Debug, Clone)]
enum Op {
    /// Move the mid by this many 0.1 ticks and send a book.
    Book(i64),
    /// Answer the oldest `n` outstanding commands with this kind of outcome (0 accept, 1 reject,
    /// 2 ambiguous, 3 margin reject).
    Ack(usize, u8),
    /// Fill a fraction (per mille) of a resting order, with a tid from a small range (so some
    /// repeat).
    Fill(usize, u16, u64),
    /// Advance and run the timer.
    Timer(u64),
    /// New limits in dollars.
    Limits(i64, i64),
    Kill,
    Resume,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (-20i64..=20).prop_map(Op::Book),
        6 => (1usize..6, prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)]).prop_map(|(n, k)| Op::Ack(n, k)),
        4 => (0usize..4, 1u16..=1000, 0u64..40).prop_map(|(i, f, t)| Op::Fill(i, f, t)),
        2 => (1u64..8_000).prop_map(Op::Timer),
        1 => (0i64..6_000, 0i64..6_000).prop_map(|(l, s)| Op::Limits(l, s)),
        1 => Just(Op::Kill),
        1 => Just(Op::Resume),
    ]
}

fn outcome(cmd: &Command, kind: u8, oid: u64) -> Option<OutcomeEvent> {
    let (asset, cloid, ck) = match *cmd {
        Command::Place(r) => (r.asset, r.cloid, CommandKind::Place),
        Command::Modify { asset, cloid, .. } => (asset, cloid, CommandKind::Modify),
        Command::Cancel { asset, cloid } => (asset, cloid, CommandKind::Cancel),
        Command::CancelAll { .. } => return None,
    };
    let o = match (kind, ck) {
        (0, CommandKind::Cancel) => {
            CommandOutcome::Accepted(Accepted { oid: None, status: AcceptedStatus::Canceled })
        }
        (0, _) => CommandOutcome::Accepted(Accepted {
            oid: Some(Oid(oid)),
            status: AcceptedStatus::Resting,
        }),
        (1, _) => CommandOutcome::Rejected(RejectReason::Other),
        (2, _) => CommandOutcome::Ambiguous(AmbiguousReason::Timeout),
        _ => CommandOutcome::Rejected(RejectReason::Margin),
    };
    Some(OutcomeEvent::new(asset, cloid, ck, o))
}

struct World {
    h: Harness,
    mid: i64,
    unacked: Vec<Command>,
    next_oid: u64,
    tids: HashSet<u64>,
    sum: i64,
}

impl World {
    fn check(&self, cmds: &[Command]) -> Result<(), TestCaseError> {
        let core = &self.h.core;
        let p = *core.params(A).expect("params");
        let pos = core.position(A).expect("position");
        let (state, reason) = core.state(A).expect("state");
        let news = new_orders(cmds);
        if state == TradingState::Halted {
            prop_assert!(news.is_empty(), "new orders while halted ({reason:?}): {news:?}");
        }
        for o in &news {
            if state == TradingState::Reducing {
                prop_assert!(o.reduce_only, "not reduce-only while reducing: {o:?}");
            }
            if o.reduce_only {
                continue;
            }
            let other: i64 = core
                .orders()
                .open_orders(A)
                .filter(|v| v.side == o.side && v.cloid != o.cloid && !v.state.is_leaving())
                .map(|v| v.remaining().0)
                .sum();
            let (limit, toward) = match o.side {
                Side::Bid => (p.max_long_usd.0, pos.notional.0),
                Side::Ask => (p.max_short_usd.0, -pos.notional.0),
            };
            let orders_usd = i128::from(other + o.sz.0) * i128::from(o.px.0);
            prop_assert!(
                i128::from(toward) + orders_usd <= i128::from(limit),
                "{o:?} past the limit: position {toward}, other {other} lots, limit {limit}"
            );
        }
        prop_assert_eq!(pos.size, Sz(self.sum));
        Ok(())
    }

    fn apply(&mut self, op: &Op) -> Result<Vec<Command>, TestCaseError> {
        let cmds = match *op {
            Op::Book(d) => {
                self.mid = (self.mid + 10 * d).clamp(150_000, 250_000);
                let m = self.mid - self.mid % 10;
                self.h.book(m, m + 10)
            }
            Op::Ack(n, kind) => {
                let take: Vec<Command> = self.unacked.drain(..n.min(self.unacked.len())).collect();
                let mut out = Vec::new();
                for c in take {
                    self.next_oid += 1;
                    if let Some(ev) = outcome(&c, kind, self.next_oid) {
                        let produced = self.h.send(CoreEvent::Outcome(ev)).expect("outcome");
                        self.check(&produced)?;
                        out.extend(produced);
                    }
                }
                out
            }
            Op::Fill(i, per_mille, tid) => {
                let resting: Vec<(Cloid, Option<Oid>, Side, Px, Sz)> = self
                    .h
                    .core
                    .orders()
                    .open_orders(A)
                    .filter(|v| matches!(v.state, OrderState::Open { .. }))
                    .map(|v| (v.cloid, v.oid, v.side, v.px, v.remaining()))
                    .collect();
                let Some(&(cloid, oid, side, px, rem)) = resting.get(i % resting.len().max(1))
                else {
                    return Ok(Vec::new());
                };
                let sz = (rem.0 * i64::from(per_mille) / 1000).max(1);
                let fresh = self.tids.insert(tid);
                let sz = if fresh {
                    self.sum += side.sign() * sz;
                    sz
                } else {
                    sz // a replay under the same tid: must not count
                };
                let mut batch = FillBatch::default();
                let _ = batch.fills.push(Fill {
                    asset: A,
                    side,
                    px,
                    sz: Sz(sz),
                    time: self.h.now,
                    oid: oid.unwrap_or_default(),
                    tid: Tid(tid),
                    cloid: Some(cloid),
                    ..Fill::default()
                });
                self.h.send(CoreEvent::Feed(FeedEvent::Fills(batch))).expect("fill")
            }
            Op::Timer(ms) => {
                self.h.advance(ms * MS);
                self.h.timer()
            }
            Op::Limits(l, s) => {
                let p = SymbolParams {
                    max_long_usd: Usd::from_dollars(l),
                    max_short_usd: Usd::from_dollars(s),
                    ..*self.h.core.params(A).expect("params")
                };
                self.h.send(CoreEvent::Config { asset: A, params: p }).expect("valid limits")
            }
            Op::Kill => self.h.send(CoreEvent::Kill).expect("kill"),
            Op::Resume => self.h.send(CoreEvent::Resume).expect("resume"),
        };
        Ok(cmds)
    }
}

proptest! {

    #[test]
    fn no_order_is_sent_past_a_limit_and_position_is_the_sum_of_fills(ops in prop::collection::vec(op(), 1..150)) {
        let p = SymbolParams {
            max_long_usd: Usd::from_dollars(3_000),
            max_short_usd: Usd::from_dollars(3_000),
            daily_pnl_stop_loss: Usd::from_dollars(1_000_000),
            ..params()
        };
        let mut w = World { h: Harness::new(p), mid: 200_000, unacked: Vec::new(), next_oid: 1_000, tids: HashSet::new(), sum: 0 };
        for op in &ops {
            let cmds = w.apply(op)?;
            w.check(&cmds)?;
            w.unacked.extend(cmds);
        }
    }
}
