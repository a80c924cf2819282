//! Zero allocations per event in steady state through `QuotingCore::on_event`, proven with a
//! counting global allocator: book updates that change nothing, book updates that re-quote
//! (modify), the outcomes that answer them, and timer ticks.

mod core_quote_support;

use core_quote_support::*;
use hlmm::core::CoreEvent;
use hlmm::types::commands::{Command, CommandKind};
use hlmm::types::events::{BookSnapshot, FeedEvent, Level};
use hlmm::types::outcome::{Accepted, AcceptedStatus, CommandOutcome, OutcomeEvent};
use hlmm::types::{AssetId, Nanos, Oid, Px, Sz};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

fn book(asset: AssetId, ms: u64, bid: i64) -> CoreEvent {
    let mut s = BookSnapshot { asset, time: Nanos::from_millis(ms), ..Default::default() };
    let _ = s.bids.push(Level { px: Px(bid), sz: Sz(100_000), n: 3 });
    let _ = s.asks.push(Level { px: Px(bid + 10), sz: Sz(100_000), n: 3 });
    CoreEvent::Feed(FeedEvent::Book(s))
}

/// The exec thread's answers, built into a preallocated buffer.
fn answers(cmds: &[Command], oid: &mut u64, into: &mut Vec<CoreEvent>) {
    for c in cmds {
        let (asset, cloid, kind) = match *c {
            Command::Place(r) => (r.asset, r.cloid, CommandKind::Place),
            Command::Modify { asset, cloid, .. } => (asset, cloid, CommandKind::Modify),
            Command::Cancel { asset, cloid } => (asset, cloid, CommandKind::Cancel),
            Command::CancelAll { .. } => continue,
        };
        *oid += 1;
        let status = if kind == CommandKind::Cancel {
            AcceptedStatus::Canceled
        } else {
            AcceptedStatus::Resting
        };
        let ev = OutcomeEvent::new(
            asset,
            cloid,
            kind,
            CommandOutcome::Accepted(Accepted { oid: Some(Oid(*oid)), status }),
        );
        into.push(CoreEvent::Outcome(ev));
    }
}

#[test]
fn zero_allocations_per_event_in_steady_state() {
    let n = 10;
    let mut h = Harness::with(&vec![params(); n], global());
    let assets = h.assets.clone();
    let mut core_out: Vec<Command> = Vec::with_capacity(1_024);
    let mut acks: Vec<CoreEvent> = Vec::with_capacity(1_024);
    let mut scratch: Vec<Command> = Vec::with_capacity(1_024);
    let mut oid = 0u64;
    let mut ms = START / MS;
    let mut now = Nanos(START);
    let mut requotes = 0u64;

    // Warm-up: quotes placed and acknowledged, a few re-quotes, the manager's tables used.
    let mut run = |core: &mut hlmm::core::QuotingCore, rounds: u64, counting: bool| {
        for r in 0..rounds {
            for &a in assets.iter() {
                ms += 100;
                now = Nanos(now.0 + 100 * MS);
                // Every third round the book moves by $5 (a re-quote), otherwise it repeats.
                let bid = 200_000 + if r % 3 == 0 { 500 * ((r / 3) % 2) as i64 } else { 0 };
                core_out.clear();
                if counting {
                    counting_alloc::resume();
                }
                core.on_event(&book(a, ms, bid), now, &mut core_out).expect("book");
                counting_alloc::pause();
                if counting {
                    requotes +=
                        core_out.iter().filter(|c| matches!(c, Command::Modify { .. })).count()
                            as u64;
                }
                acks.clear();
                answers(&core_out, &mut oid, &mut acks);
                for ev in acks.iter() {
                    scratch.clear();
                    if counting {
                        counting_alloc::resume();
                    }
                    core.on_event(ev, now, &mut scratch).expect("outcome");
                    counting_alloc::pause();
                }
            }
            core_out.clear();
            if counting {
                counting_alloc::resume();
            }
            core.on_timer(now, &mut core_out);
            counting_alloc::pause();
        }
    };
    counting_alloc::start();
    counting_alloc::pause();
    run(&mut h.core, 12, false);
    run(&mut h.core, 60, true);
    assert_eq!(counting_alloc::stop(), 0, "allocations in steady state");
    assert!(requotes >= 100, "the measured window re-quoted ({requotes} modifies)");
    assert!(h.core.orders().open_orders(assets[0]).count() >= 2);
}
