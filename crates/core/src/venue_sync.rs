//! Applying a venue snapshot to the core: startup adoption and periodic reconciliation.
//!
//! The pure comparison lives in [`super::reconcile`]; this module owns what the core does with
//! its result ([`QuotingCore::reconcile`]):
//!
//! - **Startup** (`fault-cases.md` case 11): every position is taken from the venue (size and
//!   entry), orders of ours (by cloid prefix) on quoted coins are adopted and then re-quoted or
//!   cancelled by the normal order sync, other accounts' orders are left alone.
//! - **Periodic** (case 16): local orders the venue no longer has are closed, placements the
//!   venue confirms are opened, untracked orders of ours are adopted. A position that differs
//!   from the venue's *at the snapshot's venue time* is a mismatch: the venue's size is taken,
//!   and the coin goes `Reducing` (reason `ReconcileMismatch`) until a later reconciliation
//!   agrees again. The comparison is made at the snapshot's time ([`Position::size_at`]), so a
//!   fill that lands between the snapshot and its application is not a false alarm.
//!
//! Runs on the quote thread every 30–60 s, not per event: it may allocate (the snapshot and the
//! correction list), which the hot-path rule allows for work no frame waits on.

use super::orders::OrderView;
use super::positions::Position;
use super::reconcile::{
    reconcile_with, CancelReason, Correction, LocalView, ReconcileOptions, VenueSnapshot,
};
use super::QuotingCore;
use hlmm_types::commands::Command;
use hlmm_types::{AssetId, Nanos, Sz};

/// Which reconciliation this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReconcileKind {
    /// Before the first resume: positions are taken from the venue, nothing is a mismatch.
    Startup,
    /// While running: differences are mismatches.
    Periodic,
}

/// What one reconciliation found and did (`Copy`: it goes back to the side thread by ring).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReconcileReport {
    /// Venue time of the snapshot.
    pub as_of: Nanos,
    /// Orders of ours the venue had and we did not track: now tracked.
    pub adopted: u32,
    /// Placements of ours whose outcome was unknown, confirmed open.
    pub confirmed: u32,
    /// Local orders the venue no longer has: closed locally.
    pub forgotten: u32,
    /// Cancels issued for orders of ours the core should not have (policy `Cancel`).
    pub cancels: u32,
    /// Orders of ours on coins this engine does not quote: the core cannot cancel them (the
    /// engine's startup sweep does).
    pub ours_elsewhere: u32,
    /// Orders of other tools or the UI, left alone.
    pub external: u32,
    /// Positions taken from the venue at startup (non-zero ones).
    pub positions_adopted: u32,
    /// Coins whose position differed from the venue's; the venue's size was taken.
    pub position_mismatches: u32,
    /// The first mismatch: coin, our size and the venue's, lots.
    pub first_mismatch: Option<(AssetId, Sz, Sz)>,
    /// Coins that were `Reducing` for a mismatch and now agree again.
    pub mismatches_cleared: u32,
}

impl ReconcileReport {
    /// Whether local state agreed with the venue (external orders and startup adoption aside).
    pub fn agreed(&self) -> bool {
        self.confirmed == 0
            && self.forgotten == 0
            && self.cancels == 0
            && self.ours_elsewhere == 0
            && self.position_mismatches == 0
    }
}

impl QuotingCore {
    /// Reconciles the core with `venue` (taken at venue time `venue.as_of`), applies the
    /// corrections and pushes the commands they call for (cancels, re-quotes) into `out`.
    pub fn reconcile(
        &mut self,
        venue: &VenueSnapshot,
        kind: ReconcileKind,
        now: Nanos,
        out: &mut Vec<Command>,
    ) -> ReconcileReport {
        let mut report = ReconcileReport { as_of: venue.as_of, ..ReconcileReport::default() };
        let mut orders: Vec<OrderView> = Vec::new();
        self.orders.collect_live_orders(&mut orders);
        let local = LocalView {
            orders,
            positions: self
                .symbols
                .iter()
                .map(|s| (s.spec.asset, position_at(&s.position, venue.as_of)))
                .collect(),
            quoted_assets: self.symbols.iter().map(|s| s.spec.asset).collect(),
        };
        let corrections =
            reconcile_with(&local, venue, &ReconcileOptions::new(self.global.cloid_prefix));
        for c in &corrections.items {
            match *c {
                Correction::AdoptOrder(_) => {
                    report.adopted += u32::from(self.orders.apply_correction(c, now));
                }
                Correction::ConfirmOrder { .. } => {
                    report.confirmed += u32::from(self.orders.apply_correction(c, now));
                }
                Correction::ForgetOrder { .. } => {
                    report.forgotten += u32::from(self.orders.apply_correction(c, now));
                }
                Correction::CancelOrder { order, reason } => match reason {
                    CancelReason::OursOnUnquotedAsset => report.ours_elsewhere += 1,
                    CancelReason::OursNotTracked | CancelReason::External => {
                        if let Some(cloid) = order.cloid {
                            out.push(Command::Cancel { asset: order.asset, cloid });
                            report.cancels += 1;
                        }
                    }
                },
                Correction::LeaveExternal(_) => report.external += 1,
                Correction::PositionMismatch { asset, local, venue: venue_sz } => {
                    let Some(i) = self.index(asset) else { continue };
                    let entry = venue.entry_px.iter().find(|e| e.0 == asset).map(|e| e.1);
                    self.symbols[i].position.reset_to_venue(venue_sz, entry, venue.as_of);
                    match kind {
                        ReconcileKind::Startup => {}
                        ReconcileKind::Periodic => {
                            self.symbols[i].reconcile_mismatch = true;
                            report.position_mismatches += 1;
                            report.first_mismatch.get_or_insert((asset, local, venue_sz));
                        }
                    }
                }
            }
        }
        let mismatched: Vec<AssetId> = corrections.mismatched_assets().collect();
        for s in &mut self.symbols {
            if kind == ReconcileKind::Startup {
                // Fills up to the snapshot are in the venue's size, even for a flat coin.
                let size = s.position.size();
                let entry = venue.entry_px.iter().find(|e| e.0 == s.spec.asset).map(|e| e.1);
                s.position.reset_to_venue(size, entry, venue.as_of);
                report.positions_adopted += u32::from(size.0 != 0);
            } else if s.reconcile_mismatch && !mismatched.contains(&s.spec.asset) {
                s.reconcile_mismatch = false;
                report.mismatches_cleared += 1;
            }
        }
        self.refresh_all(now, out);
        report
    }
}

/// Our size at venue time `t`, or the current size when the fills since `t` are not all
/// remembered (then a mismatch may be a false alarm, which a later reconciliation clears).
fn position_at(p: &Position, t: Nanos) -> Sz {
    p.size_at(t).unwrap_or_else(|| p.size())
}
