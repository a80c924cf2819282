//! The ledger turns activity records into what the operator reads: one outcome per command,
//! rejections by class, each fill once.

use super::*;
use crate::core::risk::{Reason, TradingState, Transition};
use crate::types::cloid;
use crate::types::commands::{CommandKind, Tif};
use crate::types::events::Fill as VenueFill;
use crate::types::outcome::{Accepted, AmbiguousReason, NotSentReason, RejectReason};
use crate::types::{Coin, Oid, Px, Sz, Tid};

fn eth() -> InstrumentSpec {
    InstrumentSpec::perp(AssetId(1), Coin::new(b"ETH").expect("coin"), 4)
}

fn place(n: u64) -> Command {
    Command::Place(OrderRequest {
        asset: AssetId(1),
        cloid: cloid::make(7, 1, n),
        side: Side::Bid,
        px: Px(18_923),
        sz: Sz(5_000),
        tif: Tif::Alo,
        reduce_only: false,
    })
}

fn outcome(n: u64, outcome: CommandOutcome) -> Activity {
    Activity::Outcome {
        outcome: OutcomeEvent {
            asset: AssetId(1),
            cloid: cloid::make(7, 1, n),
            command: CommandKind::Place,
            outcome,
            modify_old_leg_canceled: false,
        },
        at: Nanos(2_000_000),
    }
}

fn sent(n: u64) -> Activity {
    Activity::Sent { command: place(n), at: Nanos(1_000_000) }
}

fn fill(oid: u64, tid: u64) -> Activity {
    Activity::Fill(VenueFill {
        asset: AssetId(1),
        side: Side::Ask,
        px: Px(18_930),
        sz: Sz(2_500),
        time: Nanos(3_000_000),
        oid: Oid(oid),
        tid: Tid(tid),
        ..VenueFill::default()
    })
}

#[test]
fn each_command_outcome_becomes_one_history_record_with_its_name() {
    let resting =
        CommandOutcome::Accepted(Accepted { oid: Some(Oid(9)), status: AcceptedStatus::Resting });
    let filled = CommandOutcome::Accepted(Accepted {
        oid: Some(Oid(9)),
        status: AcceptedStatus::Filled { total_sz: Sz(5_000), avg_px: Px(18_923) },
    });
    let cases: &[(&str, CommandOutcome, &str, Option<&str>)] = &[
        ("resting place", resting, "resting", None),
        ("filled on arrival", filled, "filled", None),
        (
            "refused for margin",
            CommandOutcome::Rejected(RejectReason::Margin),
            "rejected",
            Some("margin"),
        ),
        (
            "throttled before sending",
            CommandOutcome::NotSent(NotSentReason::Throttled),
            "not_sent",
            Some("throttled"),
        ),
        (
            "timed out",
            CommandOutcome::Ambiguous(AmbiguousReason::Timeout),
            "unknown",
            Some("timeout"),
        ),
    ];
    for (name, result, want, class) in cases {
        let mut ledger = Ledger::new(&[eth()]);
        ledger.on_activity(&sent(1));
        ledger.on_activity(&outcome(1, *result));
        let history = ledger.history(10);
        assert_eq!(history.len(), 1, "{name}: one record per command");
        let record = &history[0];
        assert_eq!(record.outcome, *want, "{name}");
        assert_eq!(record.class.as_deref(), *class, "{name}");
        assert_eq!((record.symbol.as_str(), record.action.as_str()), ("ETH", "place"), "{name}");
        assert_eq!(record.price, Some(189.23), "{name}: ticks shown as a price (2 price decimals)");
        assert_eq!(record.size, Some(0.5), "{name}: lots shown as a size");
        assert_eq!(record.time_ms, 2, "{name}: time of the outcome, in ms");
    }
}

#[test]
fn rejections_are_counted_by_class_and_the_fill_rate_is_fills_per_placed_order() {
    let mut ledger = Ledger::new(&[eth()]);
    for n in 0..4 {
        ledger.on_activity(&sent(n));
    }
    ledger.on_activity(&outcome(0, CommandOutcome::Rejected(RejectReason::Margin)));
    ledger.on_activity(&outcome(1, CommandOutcome::Rejected(RejectReason::Margin)));
    ledger.on_activity(&outcome(2, CommandOutcome::Rejected(RejectReason::Tick)));
    ledger.on_activity(&fill(9, 1));
    let m = ledger.metrics();
    assert_eq!(m.placed, 4);
    assert_eq!(m.filled, 1);
    assert_eq!(m.rejected.get("margin"), Some(&2));
    assert_eq!(m.rejected.get("tick"), Some(&1));
    assert!((m.fill_rate - 0.25).abs() < 1e-12, "1 fill / 4 placed, got {}", m.fill_rate);
}

#[test]
fn a_fill_replayed_by_a_snapshot_is_recorded_once() {
    let mut ledger = Ledger::new(&[eth()]);
    let first = ledger.on_activity(&fill(9, 1));
    let replay = ledger.on_activity(&fill(9, 1));
    let next = ledger.on_activity(&fill(9, 2));
    assert!(
        matches!(first, Noted::Fill(ref f) if f.tid == 1 && f.symbol == "ETH" && f.side == "Ask")
    );
    assert_eq!(replay, Noted::Quiet, "the same (oid, tid) is not a new fill");
    assert!(matches!(next, Noted::Fill(ref f) if f.tid == 2));
    let fills = ledger.fills(10);
    assert_eq!(
        fills.iter().map(|f| f.tid).collect::<Vec<_>>(),
        vec![2, 1],
        "newest first, each once"
    );
    assert_eq!(ledger.metrics().filled, 2);
}

#[test]
fn a_risk_transition_is_audited_and_reported_as_a_risk_change() {
    let mut ledger = Ledger::new(&[eth()]);
    let noted = ledger.on_activity(&Activity::Audit(Transition {
        asset: AssetId(1),
        from: TradingState::Active,
        to: TradingState::Halted,
        reason: Reason::OperatorHalt,
        time: Nanos(5_000_000),
    }));
    assert_eq!(noted, Noted::RiskChanged);
    let audit = ledger.audit();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (
            audit[0].symbol.as_str(),
            audit[0].from.as_str(),
            audit[0].to.as_str(),
            audit[0].reason.as_str()
        ),
        ("ETH", "Active", "Halted", "OperatorHalt")
    );
    assert_eq!(audit[0].time_ms, 5);
}

#[test]
fn an_outcome_for_a_command_never_sent_changes_nothing() {
    let mut ledger = Ledger::new(&[eth()]);
    let noted = ledger.on_activity(&outcome(42, CommandOutcome::Rejected(RejectReason::Tick)));
    assert_eq!(noted, Noted::Quiet);
    assert!(ledger.history(10).is_empty());
    assert!(ledger.rejected().is_empty(), "no record, no count");
}
