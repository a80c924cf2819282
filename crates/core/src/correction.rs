//! The vocabulary between reconciliation and the order manager: what the venue says about one
//! order ([`VenueOrder`]) and what to fix ([`Correction`]). [`crate::reconcile`] produces
//! corrections and re-exports these types; [`crate::orders::OrderManager::apply_correction`]
//! applies them. Kept apart from both so neither module depends on the other's file.

use hlmm_types::{AssetId, Cloid, Oid, Px, Side, Sz};

/// One open order as the venue reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VenueOrder {
    /// The instrument.
    pub asset: AssetId,
    /// The venue's order id.
    pub oid: Oid,
    /// The client order id, if the order has one.
    pub cloid: Option<Cloid>,
    /// Buy or sell.
    pub side: Side,
    /// Limit price, in ticks.
    pub px: Px,
    /// Remaining size, in lots.
    pub sz: Sz,
}

/// Why an order is to be cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// Ours, on an asset we do not quote.
    OursOnUnquotedAsset,
    /// Ours, not tracked, and the policy is to cancel such orders.
    OursNotTracked,
    /// Not ours, and the policy is to cancel external orders.
    External,
}

/// One thing to fix, with its reason in its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correction {
    /// Ours by cloid prefix, resting at the venue, unknown locally: start tracking it.
    AdoptOrder(VenueOrder),
    /// Tracked locally without a confirmed placement (ambiguous), and resting at the venue:
    /// it is `Open` with this oid.
    ConfirmOrder {
        /// The instrument.
        asset: AssetId,
        /// The order.
        cloid: Cloid,
        /// Its venue id.
        oid: Oid,
    },
    /// Live locally but not at the venue, with no action in flight: it is closed (filled or
    /// cancelled; the fill stream settles which).
    ForgetOrder {
        /// The instrument.
        asset: AssetId,
        /// The order.
        cloid: Cloid,
        /// Its venue id, if it was known.
        oid: Option<Oid>,
    },
    /// Cancel this venue order.
    CancelOrder {
        /// The order.
        order: VenueOrder,
        /// Why.
        reason: CancelReason,
    },
    /// Not ours: left alone, reported.
    LeaveExternal(VenueOrder),
    /// Local position differs from the venue's: the caller moves the coin to `Reducing` (and
    /// alerts); the venue's number is the truth.
    PositionMismatch {
        /// The instrument.
        asset: AssetId,
        /// Ours, signed lots.
        local: Sz,
        /// The venue's, signed lots.
        venue: Sz,
    },
}
