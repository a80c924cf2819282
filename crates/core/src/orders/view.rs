//! What the order manager reports: its view of an order, what an update or a fill did, and
//! its counters.

use super::state::OrderState;
use hlmm_types::commands::Tif;
use hlmm_types::{AssetId, Cloid, Nanos, Oid, Px, Side, Sz};

/// What the manager knows about one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderView {
    /// The instrument.
    pub asset: AssetId,
    /// Our client order id.
    pub cloid: Cloid,
    /// The venue's order id, once known (kept after the order closes, for late fills).
    pub oid: Option<Oid>,
    /// Buy or sell.
    pub side: Side,
    /// Limit price, in ticks.
    pub px: Px,
    /// Original size, in lots.
    pub sz: Sz,
    /// Filled so far, in lots (from fills of this order).
    pub filled: Sz,
    /// Time in force (adopted orders: `Gtc`, the venue snapshot does not say).
    pub tif: Tif,
    /// Sent reduce-only.
    pub reduce_only: bool,
    /// Lifecycle state.
    pub state: OrderState,
    /// When the place (or modify) was sent, ns since the epoch; adopted orders: adoption time.
    pub placed_at: Nanos,
    /// Last state change, ns since the epoch.
    pub updated_at: Nanos,
}

impl OrderView {
    /// Size not yet filled, in lots (never negative).
    pub fn remaining(&self) -> Sz {
        Sz((self.sz.0 - self.filled.0).max(0))
    }
}

/// What an order update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateDisposition {
    /// It belongs to a tracked order, now in `state`.
    Known {
        /// The order.
        cloid: Cloid,
        /// Its state after the update.
        state: OrderState,
    },
    /// Not a tracked order (external, from an earlier run, or evicted): hand it to
    /// reconciliation.
    UnknownOrder,
}

/// What a fill did to the order side. Whatever it says, a non-duplicate fill counts for the
/// position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillDisposition {
    /// A fill of a tracked order, applied once.
    Applied {
        /// The order.
        cloid: Cloid,
        /// Our side.
        side: Side,
        /// Fill size, in lots.
        sz: Sz,
        /// The order is now completely filled.
        complete: bool,
    },
    /// This `(asset, tid)` was seen before (snapshot replay, duplicate frame): ignore it.
    Duplicate,
    /// Not a tracked order: it still counts for the position; reconciliation looks at it.
    UnknownOrder,
}

/// Counters of everything unusual; exported by telemetry. Monotonic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderStats {
    /// Events the state table refused.
    pub invalid_transitions: u64,
    /// Outcomes for cloids not tracked.
    pub unknown_outcomes: u64,
    /// Order updates for orders not tracked.
    pub unknown_updates: u64,
    /// Fills for orders not tracked.
    pub unknown_fills: u64,
    /// Fills seen twice.
    pub duplicate_fills: u64,
    /// A slot was needed but every slot of the asset holds a live order.
    pub slots_exhausted: u64,
    /// An asset was seen but the asset table was full.
    pub assets_exhausted: u64,
    /// Targets skipped: off the price grid, non-positive size, or below the $10 minimum.
    pub invalid_targets: u64,
    /// Commands not pushed because the caller's buffer was at capacity.
    pub out_full: u64,
    /// Cancels re-sent after an ambiguous cancel.
    pub cancel_retries: u64,
    /// Orders adopted from a venue snapshot.
    pub adopted: u64,
}
