//! Reconciliation: local order and position state against a venue snapshot.
//!
//! A pure function ([`reconcile`]) from what we believe (a [`LocalView`]) and what the venue
//! reports (a [`VenueSnapshot`]: `frontendOpenOrders` + `clearinghouseState`) to a list of
//! [`Correction`]s, each naming what to do and why. It runs at startup (fault case 11) and
//! every 30–60 s (case 16), not per event, so it may allocate. It never does I/O: the exec
//! thread fetches the snapshot, the quote thread applies the corrections
//! ([`crate::orders::OrderManager::apply_correction`]) and moves a coin with a position
//! mismatch to `Reducing`.

use crate::orders::OrderView;
use hlmm_types::cloid::is_ours;
use hlmm_types::{AssetId, Nanos, Px, Sz};

pub use crate::correction::{CancelReason, Correction, VenueOrder};

/// One position as the venue reports it. Assets without an entry are flat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VenuePosition {
    /// The instrument.
    pub asset: AssetId,
    /// Signed size, in lots (`szi`).
    pub szi: Sz,
}

/// The venue's state at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VenueSnapshot {
    /// Non-zero positions.
    pub positions: Vec<VenuePosition>,
    /// Every open order of the account.
    pub open_orders: Vec<VenueOrder>,
    /// Entry price of each open position, ticks (rounded to the nearest tick: the venue's
    /// `entryPx` is an average and may have more decimals than a price).
    pub entry_px: Vec<(AssetId, Px)>,
    /// Venue time of the positions (`clearinghouseState.time`): every fill stamped at or before
    /// it is in them.
    pub as_of: Nanos,
    /// Local wall-clock time the snapshot was requested. A local order changed at or after it
    /// may be missing from the snapshot for that reason alone, so it is not forgotten.
    /// `Nanos(0)` = no such bound (every local order is comparable).
    pub requested_at: Nanos,
}

/// What we believe.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalView {
    /// Our live orders ([`crate::orders::OrderManager::collect_live_orders`]).
    pub orders: Vec<OrderView>,
    /// Our positions from fills, signed lots; assets without an entry are flat.
    pub positions: Vec<(AssetId, Sz)>,
    /// Assets we quote: an order of ours elsewhere is unwanted.
    pub quoted_assets: Vec<AssetId>,
}

/// What to do with orders of ours that we do not track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownOurs {
    /// Track them (a restart keeps its quotes; `sync` re-quotes or cancels them).
    #[default]
    Adopt,
    /// Cancel them.
    Cancel,
}

/// Reconciliation settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconcileOptions {
    /// Our cloid prefix ([`hlmm_types::cloid`]).
    pub prefix: u32,
    /// Orders of ours (by prefix) that we do not track, on quoted assets.
    pub unknown_ours: UnknownOurs,
    /// Cancel orders that are not ours (placed from the UI, other tools). Default: leave them.
    pub cancel_external: bool,
}

impl ReconcileOptions {
    /// Adopt ours, leave external orders alone.
    pub const fn new(prefix: u32) -> Self {
        Self { prefix, unknown_ours: UnknownOurs::Adopt, cancel_external: false }
    }
}

/// The corrections found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corrections {
    /// In order: orders (venue order by venue order), forgotten local orders, positions.
    pub items: Vec<Correction>,
}

impl Corrections {
    /// `true` if local state matches the venue (external orders left alone do not count).
    pub fn is_clean(&self) -> bool {
        self.items.iter().all(|c| matches!(c, Correction::LeaveExternal(_)))
    }

    /// Assets whose position differs.
    pub fn mismatched_assets(&self) -> impl Iterator<Item = AssetId> + '_ {
        self.items.iter().filter_map(|c| match c {
            Correction::PositionMismatch { asset, .. } => Some(*asset),
            _ => None,
        })
    }
}

/// [`reconcile_with`] with default options: adopt ours, leave external orders.
pub fn reconcile(local: &LocalView, venue: &VenueSnapshot, prefix: u32) -> Corrections {
    reconcile_with(local, venue, &ReconcileOptions::new(prefix))
}

/// Compares `local` with `venue` and lists the corrections.
///
/// A local order still in flight (`PendingNew`, `PendingCancel`, `PendingModify`) is never
/// forgotten: the snapshot may predate it, and its outcome will settle it.
pub fn reconcile_with(
    local: &LocalView,
    venue: &VenueSnapshot,
    opts: &ReconcileOptions,
) -> Corrections {
    let mut items = Vec::new();
    for vo in &venue.open_orders {
        let tracked = local.orders.iter().find(|lo| {
            lo.asset == vo.asset
                && match vo.cloid {
                    Some(c) => lo.cloid == c,
                    None => lo.oid == Some(vo.oid),
                }
        });
        if let Some(lo) = tracked {
            if lo.oid != Some(vo.oid) || lo.state.is_unresolved_placement() {
                items.push(Correction::ConfirmOrder {
                    asset: vo.asset,
                    cloid: lo.cloid,
                    oid: vo.oid,
                });
            }
            continue;
        }
        let ours = vo.cloid.is_some_and(|c| is_ours(c, opts.prefix));
        let c = if !ours {
            if opts.cancel_external {
                Correction::CancelOrder { order: *vo, reason: CancelReason::External }
            } else {
                Correction::LeaveExternal(*vo)
            }
        } else if !local.quoted_assets.contains(&vo.asset) {
            Correction::CancelOrder { order: *vo, reason: CancelReason::OursOnUnquotedAsset }
        } else if opts.unknown_ours == UnknownOurs::Cancel {
            Correction::CancelOrder { order: *vo, reason: CancelReason::OursNotTracked }
        } else {
            Correction::AdoptOrder(*vo)
        };
        items.push(c);
    }
    for lo in &local.orders {
        let at_venue = venue.open_orders.iter().any(|vo| {
            vo.asset == lo.asset
                && match vo.cloid {
                    Some(c) => c == lo.cloid,
                    None => lo.oid == Some(vo.oid),
                }
        });
        let newer_than_snapshot = venue.requested_at.0 != 0 && lo.updated_at >= venue.requested_at;
        if !at_venue && !lo.state.has_action_in_flight() && !newer_than_snapshot {
            items.push(Correction::ForgetOrder { asset: lo.asset, cloid: lo.cloid, oid: lo.oid });
        }
    }
    let mut assets: Vec<AssetId> = local
        .positions
        .iter()
        .map(|p| p.0)
        .chain(venue.positions.iter().map(|p| p.asset))
        .collect();
    assets.sort_unstable();
    assets.dedup();
    for asset in assets {
        let local_sz = local.positions.iter().filter(|p| p.0 == asset).map(|p| p.1 .0).sum();
        let venue_sz = venue.positions.iter().filter(|p| p.asset == asset).map(|p| p.szi.0).sum();
        if local_sz != venue_sz {
            items.push(Correction::PositionMismatch {
                asset,
                local: Sz(local_sz),
                venue: Sz(venue_sz),
            });
        }
    }
    Corrections { items }
}
