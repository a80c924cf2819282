//! `OrderManager`: targets in, commands out, outcomes, updates and fills applied.

use hlmm::core::orders::{
    FillDisposition, OrderManager, OrderState, QuoteTarget, RequotePolicy, Targets,
    UpdateDisposition,
};
use hlmm::types::commands::{Command, CommandKind, Tif};
use hlmm::types::events::{Fill, OrderStatus, OrderUpdate};
use hlmm::types::outcome::{
    Accepted, AcceptedStatus, AmbiguousReason, CommandOutcome, NotSentReason, OutcomeEvent,
    RejectReason,
};
use hlmm::types::{AssetId, Cloid, Coin, InstrumentSpec, Nanos, Oid, Px, Side, Sz, Tid};

const ASSET: AssetId = AssetId(1);
const MS: u64 = 1_000_000;

fn eth() -> InstrumentSpec {
    // szDecimals 4: prices in 0.01, tick 0.1 (10 units) around 1 900.
    InstrumentSpec::perp(ASSET, Coin::new(b"ETH").expect("coin"), 4)
}

fn alo(px: i64) -> QuoteTarget {
    QuoteTarget { px: Px(px), sz: Sz(100), reduce_only: false, tif: Tif::Alo }
}

fn policy(prefer_modify: bool) -> RequotePolicy {
    RequotePolicy::new(2, 500 * MS, prefer_modify)
}

struct H {
    om: OrderManager,
    out: Vec<Command>,
    now: Nanos,
    spec: InstrumentSpec,
    next_oid: u64,
    next_tid: u64,
}

impl H {
    fn new() -> Self {
        Self {
            om: OrderManager::new(0xabcd, 1, 4),
            out: Vec::with_capacity(16),
            now: Nanos(1_000_000_000),
            spec: eth(),
            next_oid: 100,
            next_tid: 1,
        }
    }

    fn sync(&mut self, targets: Targets, p: RequotePolicy) -> Vec<Command> {
        self.out.clear();
        self.om.sync(&self.spec, &targets, &p, self.now, &mut self.out);
        self.out.clone()
    }

    fn advance_ms(&mut self, ms: u64) {
        self.now = Nanos(self.now.0 + ms * MS);
    }

    fn outcome(&mut self, cloid: Cloid, command: CommandKind, outcome: CommandOutcome) {
        self.om.on_outcome(&OutcomeEvent::new(ASSET, cloid, command, outcome), self.now);
    }

    fn resting(&mut self, cloid: Cloid, command: CommandKind) -> Oid {
        self.next_oid += 1;
        let oid = Oid(self.next_oid);
        let acc = Accepted { oid: Some(oid), status: AcceptedStatus::Resting };
        self.outcome(cloid, command, CommandOutcome::Accepted(acc));
        oid
    }

    fn update(&mut self, cloid: Cloid, oid: Oid, status: OrderStatus) -> UpdateDisposition {
        let upd =
            OrderUpdate { asset: ASSET, oid, cloid: Some(cloid), status, ..OrderUpdate::default() };
        self.om.on_order_update(&upd, self.now)
    }

    fn fill(&mut self, cloid: Cloid, oid: Oid, sz: i64) -> (Tid, FillDisposition) {
        self.next_tid += 1;
        let tid = Tid(self.next_tid);
        (tid, self.fill_tid(cloid, oid, sz, tid))
    }

    fn fill_tid(&mut self, cloid: Cloid, oid: Oid, sz: i64, tid: Tid) -> FillDisposition {
        let f = Fill { asset: ASSET, sz: Sz(sz), oid, tid, cloid: Some(cloid), ..Fill::default() };
        self.om.on_fill(&f, self.now)
    }

    fn state(&self, cloid: Cloid) -> OrderState {
        self.om.order(ASSET, cloid).expect("tracked").state
    }

    /// Places a bid at `px` and acks it resting; returns (cloid, oid).
    fn resting_bid(&mut self, px: i64, p: RequotePolicy) -> (Cloid, Oid) {
        let cmds = self.sync(Targets { bid: Some(alo(px)), ask: None }, p);
        let cloid = placed(&cmds[0]);
        let oid = self.resting(cloid, CommandKind::Place);
        (cloid, oid)
    }
}

fn placed(c: &Command) -> Cloid {
    match c {
        Command::Place(r) => r.cloid,
        other => panic!("expected a place, got {other:?}"),
    }
}

fn bid_only(px: i64) -> Targets {
    Targets { bid: Some(alo(px)), ask: None }
}

#[test]
fn a_new_target_is_placed_post_only_with_a_fresh_cloid() {
    let mut h = H::new();
    let cmds = h.sync(Targets { bid: Some(alo(189_230)), ask: Some(alo(189_250)) }, policy(true));
    assert_eq!(cmds.len(), 2);
    let (Command::Place(b), Command::Place(a)) = (cmds[0], cmds[1]) else { panic!("{cmds:?}") };
    assert_eq!(
        (b.side, b.px, b.sz, b.tif, b.reduce_only),
        (Side::Bid, Px(189_230), Sz(100), Tif::Alo, false)
    );
    assert_eq!((a.side, a.px), (Side::Ask, Px(189_250)));
    assert_ne!(a.cloid, b.cloid);
    assert!(hlmm::types::cloid::is_ours(a.cloid, 0xabcd));
}

#[test]
fn a_quote_within_tolerance_is_kept() {
    let mut h = H::new();
    h.resting_bid(189_230, policy(true));
    h.advance_ms(100);
    // Two ticks (0.2) away, tolerance 2 ticks.
    assert!(h.sync(bid_only(189_250), policy(true)).is_empty());
    assert!(h.sync(bid_only(189_210), policy(true)).is_empty());
}

#[test]
fn a_quote_older_than_force_quote_refresh_interval_is_refreshed() {
    let mut h = H::new();
    let (cloid, oid) = h.resting_bid(189_230, policy(false));
    h.advance_ms(499);
    assert!(h.sync(bid_only(189_230), policy(false)).is_empty());
    h.advance_ms(1);
    let cmds = h.sync(bid_only(189_230), policy(false));
    assert_eq!(cmds[0], Command::Cancel { asset: ASSET, cloid });
    assert_ne!(placed(&cmds[1]), cloid, "a fresh cloid for the refreshed quote");
    assert_eq!(h.state(cloid), OrderState::PendingCancel { oid: Some(oid) });
}

#[test]
fn a_moved_quote_is_requoted_with_modify() {
    let mut h = H::new();
    let (cloid, oid) = h.resting_bid(189_230, policy(true));
    let cmds = h.sync(bid_only(189_300), policy(true));
    let [Command::Modify { asset, cloid: old, oid: Some(o), new }] = cmds[..] else {
        panic!("{cmds:?}")
    };
    assert_eq!((asset, old, o), (ASSET, cloid, oid));
    assert_ne!(new.cloid, cloid, "the new leg has a fresh cloid");
    assert_eq!((new.px, new.sz, new.side, new.tif), (Px(189_300), Sz(100), Side::Bid, Tif::Alo));
    assert_eq!(h.state(cloid), OrderState::PendingModify { oid });
    assert_eq!(h.state(new.cloid), OrderState::PendingNew);
}

#[test]
fn a_moved_quote_is_cancelled_and_replaced_when_modify_is_not_preferred() {
    let mut h = H::new();
    let (cloid, _) = h.resting_bid(189_230, policy(false));
    let cmds = h.sync(bid_only(189_300), policy(false));
    assert_eq!(cmds.len(), 2);
    assert_eq!(cmds[0], Command::Cancel { asset: ASSET, cloid });
    let Command::Place(r) = cmds[1] else { panic!("{cmds:?}") };
    assert_eq!(r.px, Px(189_300));
}

#[test]
fn a_changed_size_or_reduce_only_flag_is_requoted_even_at_the_same_price() {
    let mut h = H::new();
    h.resting_bid(189_230, policy(false));
    let bigger = QuoteTarget { sz: Sz(200), ..alo(189_230) };
    assert_eq!(h.sync(Targets { bid: Some(bigger), ask: None }, policy(false)).len(), 2);
}

#[test]
fn no_second_action_while_one_is_in_flight() {
    let mut h = H::new();
    let cmds = h.sync(bid_only(189_230), policy(true));
    let cloid = placed(&cmds[0]);
    assert!(h.sync(bid_only(189_500), policy(true)).is_empty(), "place in flight");
    assert!(h.sync(Targets::NONE, policy(true)).is_empty(), "cannot cancel before the ack");
    h.resting(cloid, CommandKind::Place);
    assert_eq!(h.sync(Targets::NONE, policy(true)).len(), 1);
    assert!(h.sync(Targets::NONE, policy(true)).is_empty(), "cancel in flight");
    assert!(
        h.sync(bid_only(189_230), policy(true)).len() == 1,
        "a new quote beside the leaving one"
    );
}

#[test]
fn an_ambiguous_order_is_never_re_sent() {
    let mut h = H::new();
    let cloid = placed(&h.sync(bid_only(189_230), policy(true))[0]);
    h.outcome(cloid, CommandKind::Place, CommandOutcome::Ambiguous(AmbiguousReason::Timeout));
    assert_eq!(h.state(cloid), OrderState::NewAmbiguous);
    h.advance_ms(10_000);
    assert!(h.sync(bid_only(189_230), policy(true)).is_empty(), "same target: wait");
    let cmds = h.sync(bid_only(189_500), policy(true));
    assert_eq!(
        cmds,
        vec![Command::Cancel { asset: ASSET, cloid }],
        "moved: pull it, place nothing"
    );
    h.outcome(
        cloid,
        CommandKind::Cancel,
        CommandOutcome::Rejected(RejectReason::CancelUnknownOrder),
    );
    assert_eq!(
        h.state(cloid),
        OrderState::NewAmbiguous,
        "unknown to the venue yet: may still land"
    );
    assert!(h
        .sync(bid_only(189_500), policy(true))
        .iter()
        .all(|c| !matches!(c, Command::Place(_))));
    assert!(h.om.on_expiry_passed(ASSET, cloid, h.now));
    assert_eq!(h.state(cloid), OrderState::NotPlaced);
    let cmds = h.sync(bid_only(189_500), policy(true));
    assert!(matches!(cmds[..], [Command::Place(r)] if r.cloid != cloid));
}

#[test]
fn an_ambiguous_order_resolved_by_an_update_is_managed_normally() {
    let mut h = H::new();
    let cloid = placed(&h.sync(bid_only(189_230), policy(true))[0]);
    h.outcome(
        cloid,
        CommandKind::Place,
        CommandOutcome::Ambiguous(AmbiguousReason::ConnectionLost),
    );
    assert_eq!(
        h.update(cloid, Oid(9), OrderStatus::Open),
        UpdateDisposition::Known { cloid, state: OrderState::Open { oid: Oid(9) } }
    );
    assert!(h.sync(bid_only(189_230), policy(true)).is_empty());
}

#[test]
fn a_side_with_no_target_is_cancelled() {
    let mut h = H::new();
    let (cloid, _) = h.resting_bid(189_230, policy(true));
    assert_eq!(h.sync(Targets::NONE, policy(true)), vec![Command::Cancel { asset: ASSET, cloid }]);
    h.outcome(
        cloid,
        CommandKind::Cancel,
        CommandOutcome::Accepted(Accepted { oid: None, status: AcceptedStatus::Canceled }),
    );
    assert_eq!(h.state(cloid), OrderState::Canceled);
    assert_eq!(h.om.open_orders(ASSET).count(), 0);
}

#[test]
fn reduce_only_target_is_sent_reduce_only() {
    let mut h = H::new();
    // Below the $10 minimum: allowed for reduce-only closes (the venue rule is uncertain there).
    let t = QuoteTarget { px: Px(189_250), sz: Sz(10), reduce_only: true, tif: Tif::Ioc };
    let cmds = h.sync(Targets { bid: None, ask: Some(t) }, policy(true));
    let [Command::Place(r)] = cmds[..] else { panic!("{cmds:?}") };
    assert!(r.reduce_only);
    assert_eq!((r.side, r.tif, r.sz), (Side::Ask, Tif::Ioc, Sz(10)));
}

#[test]
fn an_invalid_target_is_treated_as_no_target_and_counted() {
    let mut h = H::new();
    let (cloid, _) = h.resting_bid(189_230, policy(true));
    let off_grid = alo(189_231);
    let tiny = QuoteTarget { sz: Sz(1), ..alo(189_230) };
    for t in [off_grid, tiny] {
        let cmds = h.sync(Targets { bid: Some(t), ask: None }, policy(true));
        assert!(cmds.iter().all(|c| !matches!(c, Command::Place(_) | Command::Modify { .. })));
    }
    assert_eq!(
        h.state(cloid),
        OrderState::PendingCancel { oid: h.om.order(ASSET, cloid).and_then(|v| v.oid) }
    );
    assert_eq!(h.om.stats().invalid_targets, 2);
}

fn modified(h: &mut H) -> (Cloid, Oid, Cloid) {
    let (old, oid) = h.resting_bid(189_230, policy(true));
    let cmds = h.sync(bid_only(189_300), policy(true));
    let [Command::Modify { new, .. }] = cmds[..] else { panic!("{cmds:?}") };
    (old, oid, new.cloid)
}

#[test]
fn modify_accepted_then_canceled_old_then_open_new() {
    let mut h = H::new();
    let (old, old_oid, new) = modified(&mut h);
    let new_oid = h.resting(old, CommandKind::Modify);
    assert_eq!(h.state(old), OrderState::Canceled);
    assert_eq!(h.state(new), OrderState::Open { oid: new_oid });
    h.update(old, old_oid, OrderStatus::Canceled);
    h.update(new, new_oid, OrderStatus::Open);
    assert_eq!(
        (h.state(old), h.state(new)),
        (OrderState::Canceled, OrderState::Open { oid: new_oid })
    );
    assert_eq!(h.om.stats().invalid_transitions, 0);
}

#[test]
fn modify_updates_arrive_before_the_outcome_in_either_order() {
    for old_first in [true, false] {
        let mut h = H::new();
        let (old, old_oid, new) = modified(&mut h);
        let new_oid = Oid(555);
        if old_first {
            h.update(old, old_oid, OrderStatus::Canceled);
            h.update(new, new_oid, OrderStatus::Open);
        } else {
            h.update(new, new_oid, OrderStatus::Open);
            h.update(old, old_oid, OrderStatus::Canceled);
        }
        assert_eq!(h.state(old), OrderState::Canceled);
        assert_eq!(
            h.state(new),
            OrderState::OpenPendingAck { oid: new_oid },
            "outcome still outstanding"
        );
        let acc = Accepted { oid: Some(new_oid), status: AcceptedStatus::Resting };
        h.outcome(old, CommandKind::Modify, CommandOutcome::Accepted(acc));
        assert_eq!(h.state(new), OrderState::Open { oid: new_oid });
        assert_eq!(h.om.stats().invalid_transitions, 0, "old_first = {old_first}");
        assert!(h.sync(bid_only(189_300), policy(true)).is_empty());
    }
}

#[test]
fn fills_on_either_leg_of_a_modify_are_applied_to_that_leg() {
    let mut h = H::new();
    let (old, old_oid, new) = modified(&mut h);
    let (_, d) = h.fill(old, old_oid, 40);
    assert_eq!(
        d,
        FillDisposition::Applied { cloid: old, side: Side::Bid, sz: Sz(40), complete: false }
    );
    let new_oid = h.resting(old, CommandKind::Modify);
    let (_, d) = h.fill(new, new_oid, 100);
    assert!(matches!(d, FillDisposition::Applied { cloid, complete: true, .. } if cloid == new));
    assert_eq!(h.state(new), OrderState::Filled);
    assert_eq!(h.om.order(ASSET, old).map(|v| v.filled), Some(Sz(40)));
}

#[test]
fn error_placing_new_order_during_modify_means_the_old_leg_is_gone() {
    let mut h = H::new();
    let (old, _, new) = modified(&mut h);
    let (reason, gone) = RejectReason::from_modify_message(
        "Error placing new order during modify: Post only order would have immediately matched, bbo was 1893@1893.1.",
        Some(&h.spec),
    );
    let mut ev =
        OutcomeEvent::new(ASSET, old, CommandKind::Modify, CommandOutcome::Rejected(reason));
    ev.modify_old_leg_canceled = gone;
    h.om.on_outcome(&ev, h.now);
    assert_eq!(h.state(old), OrderState::Canceled);
    assert!(matches!(
        h.state(new),
        OrderState::Rejected(RejectReason::AloWouldCross { bbo: Some(_) })
    ));
    assert!(matches!(h.sync(bid_only(189_300), policy(true))[..], [Command::Place(_)]));
}

#[test]
fn a_whole_action_modify_reject_leaves_the_old_leg_open_and_it_is_requoted_again() {
    let mut h = H::new();
    let (old, old_oid, new) = modified(&mut h);
    h.outcome(old, CommandKind::Modify, CommandOutcome::Rejected(RejectReason::Nonce));
    assert_eq!(h.state(old), OrderState::Open { oid: old_oid });
    assert_eq!(h.state(new), OrderState::Rejected(RejectReason::Nonce));
    assert!(
        matches!(h.sync(bid_only(189_300), policy(true))[..], [Command::Modify { cloid, .. }] if cloid == old)
    );
}

#[test]
fn an_ambiguous_modify_that_never_landed_leaves_the_old_leg_open() {
    let mut h = H::new();
    let (old, old_oid, new) = modified(&mut h);
    h.outcome(old, CommandKind::Modify, CommandOutcome::Ambiguous(AmbiguousReason::ServerError));
    assert_eq!(h.state(old), OrderState::ModifyAmbiguous { oid: old_oid });
    assert_eq!(h.state(new), OrderState::NewAmbiguous);
    assert_eq!(h.om.pending_exposure(ASSET), (Sz(200), Sz(0)), "both legs may rest");
    assert!(h.om.on_expiry_passed(ASSET, new, h.now));
    assert_eq!(
        (h.state(old), h.state(new)),
        (OrderState::Open { oid: old_oid }, OrderState::NotPlaced)
    );
}

#[test]
fn an_ambiguous_modify_pulls_the_old_leg_and_places_nothing_until_the_new_leg_resolves() {
    let mut h = H::new();
    let (old, old_oid, new) = modified(&mut h);
    h.outcome(old, CommandKind::Modify, CommandOutcome::Ambiguous(AmbiguousReason::Timeout));
    assert_eq!(
        h.sync(bid_only(189_300), policy(true)),
        vec![Command::Cancel { asset: ASSET, cloid: old }]
    );
    assert_eq!(h.state(old), OrderState::PendingCancel { oid: Some(old_oid) });
    assert!(h.sync(bid_only(189_300), policy(true)).is_empty(), "new leg unresolved: wait");
    h.outcome(old, CommandKind::Cancel, CommandOutcome::Rejected(RejectReason::CancelUnknownOrder));
    assert_eq!(h.state(old), OrderState::Canceled, "the modify had landed: old leg already gone");
    h.update(new, Oid(77), OrderStatus::Open);
    assert_eq!(h.state(new), OrderState::Open { oid: Oid(77) });
}

#[test]
fn not_sent_place_is_terminal_and_the_target_is_placed_again() {
    let mut h = H::new();
    let cloid = placed(&h.sync(bid_only(189_230), policy(true))[0]);
    h.outcome(cloid, CommandKind::Place, CommandOutcome::NotSent(NotSentReason::Throttled));
    assert_eq!(h.state(cloid), OrderState::NotPlaced);
    assert!(
        matches!(h.sync(bid_only(189_230), policy(true))[..], [Command::Place(r)] if r.cloid != cloid)
    );
}

#[test]
fn a_rejected_place_does_not_loop_within_one_sync() {
    let mut h = H::new();
    let cloid = placed(&h.sync(bid_only(189_230), policy(true))[0]);
    h.outcome(
        cloid,
        CommandKind::Place,
        CommandOutcome::Rejected(RejectReason::AloWouldCross { bbo: None }),
    );
    assert_eq!(h.state(cloid), OrderState::Rejected(RejectReason::AloWouldCross { bbo: None }));
    assert_eq!(
        h.sync(bid_only(189_230), policy(true)).len(),
        1,
        "one new attempt per sync, never more"
    );
}

#[test]
fn a_fill_before_the_ack_is_applied_and_the_ack_still_opens_the_order() {
    let mut h = H::new();
    let cloid = placed(&h.sync(bid_only(189_230), policy(true))[0]);
    let (_, d) = h.fill(cloid, Oid(42), 30);
    assert!(matches!(d, FillDisposition::Applied { complete: false, .. }));
    assert_eq!(h.state(cloid), OrderState::OpenPendingAck { oid: Oid(42) });
    let acc = Accepted { oid: Some(Oid(42)), status: AcceptedStatus::Resting };
    h.outcome(cloid, CommandKind::Place, CommandOutcome::Accepted(acc));
    assert_eq!(h.state(cloid), OrderState::Open { oid: Oid(42) });
    assert_eq!(h.om.pending_exposure(ASSET), (Sz(70), Sz(0)));
}

#[test]
fn a_fill_racing_the_cancel_is_applied_and_the_cancel_reject_is_normal() {
    let mut h = H::new();
    let (cloid, oid) = h.resting_bid(189_230, policy(true));
    h.sync(Targets::NONE, policy(true));
    let (_, d) = h.fill(cloid, oid, 100);
    assert!(matches!(d, FillDisposition::Applied { complete: true, .. }));
    h.outcome(
        cloid,
        CommandKind::Cancel,
        CommandOutcome::Rejected(RejectReason::CancelUnknownOrder),
    );
    assert_eq!(h.state(cloid), OrderState::Filled);
    assert_eq!(h.om.stats().invalid_transitions, 0);
}

#[test]
fn a_duplicate_fill_is_flagged_and_not_applied_twice() {
    let mut h = H::new();
    let (cloid, oid) = h.resting_bid(189_230, policy(true));
    let (tid, _) = h.fill(cloid, oid, 60);
    assert_eq!(h.fill_tid(cloid, oid, 60, tid), FillDisposition::Duplicate);
    assert_eq!(h.om.order(ASSET, cloid).map(|v| v.filled), Some(Sz(60)));
    assert_eq!(h.state(cloid), OrderState::Open { oid });
}

#[test]
fn updates_and_fills_of_unknown_orders_go_to_reconciliation() {
    let mut h = H::new();
    h.resting_bid(189_230, policy(true));
    assert_eq!(h.update(Cloid(5), Oid(5), OrderStatus::Open), UpdateDisposition::UnknownOrder);
    assert_eq!(h.fill(Cloid(5), Oid(5), 1).1, FillDisposition::UnknownOrder);
    let f = Fill { asset: AssetId(99), tid: Tid(777), ..Fill::default() };
    assert_eq!(h.om.on_fill(&f, h.now), FillDisposition::UnknownOrder);
    assert_eq!((h.om.stats().unknown_updates, h.om.stats().unknown_fills), (1, 2));
}

#[test]
fn an_update_without_cloid_is_matched_by_oid() {
    let mut h = H::new();
    let (cloid, oid) = h.resting_bid(189_230, policy(true));
    let upd = OrderUpdate {
        asset: ASSET,
        oid,
        cloid: None,
        status: OrderStatus::SelfTradeCanceled,
        ..OrderUpdate::default()
    };
    assert_eq!(
        h.om.on_order_update(&upd, h.now),
        UpdateDisposition::Known { cloid, state: OrderState::Canceled }
    );
}

#[test]
fn cancel_all_cancels_what_it_can_now_and_the_rest_once_acked() {
    let mut h = H::new();
    let (bid, _) = h.resting_bid(189_230, policy(true));
    let both = Targets { bid: Some(alo(189_230)), ask: Some(alo(189_300)) };
    let ask = placed(&h.sync(both, policy(true))[0]);
    h.out.clear();
    h.om.cancel_all(Some(ASSET), h.now, &mut h.out);
    assert_eq!(h.out, vec![Command::Cancel { asset: ASSET, cloid: bid }]);
    h.resting(ask, CommandKind::Place);
    // Halted: the caller passes no targets; the marked order is cancelled once acked.
    let cmds = h.sync(Targets::NONE, policy(true));
    assert_eq!(
        cmds,
        vec![Command::Cancel { asset: ASSET, cloid: ask }],
        "marked orders stay cancelled"
    );
    h.out.clear();
    h.om.cancel_all(None, h.now, &mut h.out);
    assert!(h.out.is_empty(), "extra calls are no-ops");
}

#[test]
fn an_ambiguous_cancel_is_re_sent_only_after_the_retry_interval() {
    let mut h = H::new();
    let (cloid, oid) = h.resting_bid(189_230, policy(true));
    h.sync(Targets::NONE, policy(true));
    h.outcome(cloid, CommandKind::Cancel, CommandOutcome::Ambiguous(AmbiguousReason::NoPostReply));
    assert_eq!(h.state(cloid), OrderState::CancelAmbiguous { oid: Some(oid) });
    assert!(h.sync(Targets::NONE, policy(true)).is_empty());
    h.advance_ms(10_000);
    assert_eq!(h.sync(Targets::NONE, policy(true)), vec![Command::Cancel { asset: ASSET, cloid }]);
    assert_eq!(h.om.stats().cancel_retries, 1);
}

#[test]
fn pending_exposure_counts_live_in_flight_and_leaving_orders() {
    let mut h = H::new();
    let (bid, oid) = h.resting_bid(189_230, policy(false));
    h.fill(bid, oid, 25);
    let t = Targets { bid: Some(alo(189_100)), ask: Some(alo(189_500)) };
    h.sync(t, policy(false));
    // Old bid (75 left, cancel in flight) + new bid 100 + new ask 100.
    assert_eq!(h.om.pending_exposure(ASSET), (Sz(175), Sz(100)));
    assert_eq!(h.om.pending_exposure(AssetId(77)), (Sz(0), Sz(0)));
}

#[test]
fn a_full_command_buffer_sends_nothing_and_changes_nothing() {
    let mut h = H::new();
    let (cloid, oid) = h.resting_bid(189_230, policy(false));
    let mut tiny = Vec::with_capacity(1);
    tiny.push(Command::CancelAll { asset: None });
    h.om.sync(&h.spec, &bid_only(189_500), &policy(false), h.now, &mut tiny);
    assert_eq!(tiny.len(), 1);
    assert_eq!(h.state(cloid), OrderState::Open { oid });
    assert!(h.om.stats().out_full >= 1);
}

#[test]
fn closed_slots_are_reused_so_the_manager_runs_forever() {
    let mut h = H::new();
    for i in 0..500 {
        let px = 189_000 + 10 * (i % 50);
        let cmds = h.sync(bid_only(px), policy(true));
        for c in cmds {
            match c {
                Command::Place(r) => {
                    h.resting(r.cloid, CommandKind::Place);
                }
                Command::Modify { cloid, .. } => {
                    h.resting(cloid, CommandKind::Modify);
                }
                Command::Cancel { cloid, .. } => {
                    let acc = Accepted { oid: None, status: AcceptedStatus::Canceled };
                    h.outcome(cloid, CommandKind::Cancel, CommandOutcome::Accepted(acc));
                }
                Command::CancelAll { .. } => {}
            }
        }
        h.advance_ms(10);
    }
    assert_eq!(h.om.open_orders(ASSET).count(), 1);
    assert_eq!(h.om.stats().slots_exhausted, 0);
    assert_eq!(h.om.stats().invalid_transitions, 0);
}
