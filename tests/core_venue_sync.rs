//! `QuotingCore::reconcile`: what the core does with a venue snapshot at startup and
//! periodically (`fault-cases.md` cases 11 and 16). Pure: a simulated clock, no venue.

mod core_quote_support;

use core_quote_support::{params, Harness, MS};
use hlmm::core::reconcile::{VenuePosition, VenueSnapshot};
use hlmm::core::risk::{Reason, TradingState};
use hlmm::core::venue_sync::{ReconcileKind, ReconcileReport};
use hlmm::types::commands::Command;
use hlmm::types::{AssetId, Nanos, Px, Side, Sz};

const ASSET: AssetId = AssetId(1);

fn snapshot(szi: i64, entry: i64, as_of: Nanos) -> VenueSnapshot {
    VenueSnapshot {
        positions: if szi == 0 {
            vec![]
        } else {
            vec![VenuePosition { asset: ASSET, szi: Sz(szi) }]
        },
        entry_px: if szi == 0 { vec![] } else { vec![(ASSET, Px(entry))] },
        as_of,
        ..VenueSnapshot::default()
    }
}

fn reconcile(h: &mut Harness, venue: &VenueSnapshot, kind: ReconcileKind) -> ReconcileReport {
    let mut out: Vec<Command> = Vec::new();
    let report = h.core.reconcile(venue, kind, h.now, &mut out);
    h.settle(out);
    report
}

fn size(h: &Harness) -> i64 {
    h.core.position(ASSET).expect("quoted").size.0
}

#[test]
fn startup_takes_the_venue_position_and_does_not_count_its_fills_again() {
    let mut h = Harness::new(params());
    let as_of = h.now;
    let r = reconcile(&mut h, &snapshot(5_000, 200_000, as_of), ReconcileKind::Startup);
    assert_eq!((r.positions_adopted, r.position_mismatches), (1, 0));
    assert!(r.agreed());
    assert_eq!(size(&h), 5_000);
    assert_eq!(h.core.position(ASSET).expect("quoted").avg_entry, Some(Px(200_000)));
    // The userFills snapshot replays the fill that built it: stamped at or before `as_of`.
    h.fill(Side::Bid, 200_000, 5_000);
    assert_eq!(size(&h), 5_000, "already in the venue's size");
    assert_eq!(h.core.counters().fills_in_venue_snapshot, 1);
    // A new fill is applied.
    h.advance(MS);
    h.fill(Side::Bid, 200_000, 100);
    assert_eq!(size(&h), 5_100);
}

#[test]
fn a_periodic_mismatch_takes_the_venue_size_and_reduces_until_a_reconciliation_agrees() {
    let mut h = Harness::new(params());
    h.auto_ack = true;
    h.book(199_990, 200_010);
    h.fill(Side::Bid, 200_000, 1_000);
    assert_eq!(h.core.state(ASSET).map(|s| s.0), Some(TradingState::Active));
    h.advance(MS);
    let venue = snapshot(3_000, 200_000, h.now);
    let r = reconcile(&mut h, &venue, ReconcileKind::Periodic);
    assert_eq!(r.position_mismatches, 1);
    assert_eq!(r.first_mismatch, Some((ASSET, Sz(1_000), Sz(3_000))));
    assert!(!r.agreed());
    assert_eq!(size(&h), 3_000, "the venue's number is the truth");
    assert_eq!(h.core.state(ASSET), Some((TradingState::Reducing, Reason::ReconcileMismatch)));
    assert_eq!(h.core.reconcile_mismatch(ASSET), Some(true));

    h.advance(MS);
    let venue = snapshot(3_000, 200_000, h.now);
    let r = reconcile(&mut h, &venue, ReconcileKind::Periodic);
    assert_eq!((r.position_mismatches, r.mismatches_cleared), (0, 1));
    h.book(199_990, 200_010);
    assert_ne!(h.core.state(ASSET).map(|s| s.1), Some(Reason::ReconcileMismatch));
}

#[test]
fn a_fill_after_the_snapshots_venue_time_is_not_a_mismatch() {
    let mut h = Harness::new(params());
    let taken = h.now; // the venue's clock when it answered: flat
    h.advance(5 * MS);
    h.fill(Side::Ask, 200_000, 700); // lands before the snapshot is applied
    let r = reconcile(&mut h, &snapshot(0, 0, taken), ReconcileKind::Periodic);
    assert_eq!(r.position_mismatches, 0, "{r:?}");
    assert_eq!(size(&h), -700);
}

#[test]
fn a_mismatch_keeps_the_fills_that_came_after_the_snapshot() {
    let mut h = Harness::new(params());
    h.fill(Side::Bid, 200_000, 1_000);
    let taken = h.now;
    h.advance(5 * MS);
    h.fill(Side::Bid, 200_000, 200);
    // The venue had 1 500 at `taken` (a fill we never saw), then our 200 came.
    let r = reconcile(&mut h, &snapshot(1_500, 200_000, taken), ReconcileKind::Periodic);
    assert_eq!(r.first_mismatch, Some((ASSET, Sz(1_000), Sz(1_500))));
    assert_eq!(size(&h), 1_700);
}

#[test]
fn an_order_missing_from_the_snapshot_is_forgotten_only_if_it_predates_the_request() {
    for (requested_after_change, forgotten) in [(false, 0), (true, 1)] {
        let mut h = Harness::new(params());
        h.auto_ack = true;
        h.book(199_990, 200_010);
        let live = h.core.orders().open_orders(ASSET).count();
        assert!(live > 0, "the book was quoted");
        let changed = h.now;
        let requested_at =
            if requested_after_change { Nanos(changed.0 + MS) } else { Nanos(changed.0 - MS) };
        h.advance(2 * MS);
        let venue = VenueSnapshot { as_of: h.now, requested_at, ..VenueSnapshot::default() };
        let r = reconcile(&mut h, &venue, ReconcileKind::Periodic);
        assert_eq!(
            r.forgotten.min(1),
            forgotten,
            "requested {} the last change: {r:?}",
            if requested_after_change { "after" } else { "before" }
        );
    }
}

#[test]
fn under_budget_pressure_a_small_drift_keeps_the_resting_quotes() {
    use hlmm::core::orders::BudgetPressure;
    use hlmm::core::CoreEvent;
    // The same move of the market, re-quoted or not depending on the exec thread's budget.
    let mut moved = Vec::new();
    for pressure in [BudgetPressure::Normal, BudgetPressure::Low, BudgetPressure::Critical] {
        let mut h = Harness::new(hlmm::core::params::SymbolParams {
            requote_tolerance_ticks: 2,
            ..params()
        });
        h.auto_ack = true;
        h.send(CoreEvent::BudgetPressure(pressure)).expect("accepted");
        assert_eq!(h.core.budget_pressure(), pressure);
        h.book(199_990, 200_010);
        // Fair value moves 5 ticks: beyond 2, within 2 × 4 and 2 × 16.
        let cmds = h.book(200_040, 200_060); // +$0.50: 5 ticks of $0.10
        moved.push(!cmds.is_empty());
    }
    assert_eq!(moved, vec![true, false, false], "Normal re-quotes, Low and Critical hold");
}
