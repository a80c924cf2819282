//! The lifecycle of one order: states, events and the single transition table.
//!
//! Pure and `Copy`; driven by [`super::OrderManager`] on the quote thread. An unlisted
//! `(state, event)` pair is an [`InvalidOrderTransition`] error, returned (and counted by the
//! manager), never a panic and never a silent no-op.
//!
//! In-flight rule: a command is outstanding exactly in the `Pending*` states and in
//! `OpenPendingAck` ([`OrderState::has_action_in_flight`]), and the manager
//! only sends a command for an order in `Open`, `NewAmbiguous`, `ModifyAmbiguous` or
//! `CancelAmbiguous`, so there is never more than one action in flight per order. A terminal
//! state may be reached while an outcome is still outstanding (a fill beats the cancel ack);
//! the late outcome is then absorbed by the terminal state.

use hlmm_types::outcome::RejectReason;
use hlmm_types::Oid;

/// Where an order stands, as far as we know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderState {
    /// `Place` sent (or the new leg of a `Modify`), outcome not yet back. No oid yet.
    PendingNew,
    /// `Place` outcome not yet back, but an update or a fill already showed the order
    /// resting with this oid (the stream overtook the reply). Still in flight: nothing else is
    /// sent until the outcome arrives, and an ambiguous outcome cannot undo what we saw.
    OpenPendingAck {
        /// The venue's order id.
        oid: Oid,
    },
    /// The placement's outcome was `Ambiguous`: it may rest at the venue. Never re-sent; waits
    /// for an update, a fill, `orderStatus` or reconciliation.
    NewAmbiguous,
    /// Resting at the venue (possibly partially filled).
    Open {
        /// The venue's order id.
        oid: Oid,
    },
    /// `Cancel` sent, outcome not yet back. `oid` is `None` when cancelling a placement whose
    /// outcome was ambiguous (cancel by cloid, it may never have landed).
    PendingCancel {
        /// The venue's order id, if known.
        oid: Option<Oid>,
    },
    /// The cancel's outcome was `Ambiguous`. Cancels are idempotent, so it may be re-sent once
    /// the first can no longer land.
    CancelAmbiguous {
        /// The venue's order id, if known.
        oid: Option<Oid>,
    },
    /// This order is the old leg of a `Modify` that was sent; outcome not yet back. The new
    /// leg is a separate order in `PendingNew`.
    PendingModify {
        /// The old leg's order id.
        oid: Oid,
    },
    /// The modify's outcome was `Ambiguous`: the old leg may or may not have been cancelled.
    ModifyAmbiguous {
        /// The old leg's order id.
        oid: Oid,
    },
    /// Completely filled. Terminal.
    Filled,
    /// Cancelled (by us, by a modify's cancel leg, or by the venue). Terminal; a late fill is
    /// still accounted.
    Canceled,
    /// The venue refused the placement. Terminal.
    Rejected(RejectReason),
    /// Never reached the venue: `NotSent`, or an ambiguous placement whose `expiresAfter`
    /// passed with `orderStatus` answering `unknownOid`. Terminal.
    NotPlaced,
}

/// Something that happened to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvent {
    /// Place outcome: `resting` with this oid.
    PlaceAccepted {
        /// The venue's order id.
        oid: Oid,
    },
    /// Place outcome: `filled` on arrival.
    PlaceFilled,
    /// Place outcome: rejected.
    PlaceRejected(RejectReason),
    /// Place outcome: not sent.
    PlaceNotSent,
    /// Place outcome: ambiguous.
    PlaceAmbiguous,
    /// We sent a `Cancel`.
    CancelSent,
    /// Cancel outcome: `success`.
    CancelAccepted,
    /// Cancel outcome: rejected (`CancelUnknownOrder` is the normal race).
    CancelRejected(RejectReason),
    /// Cancel outcome: not sent.
    CancelNotSent,
    /// Cancel outcome: ambiguous.
    CancelAmbiguous,
    /// We sent a `Modify` that replaces this order (old leg).
    ModifySent,
    /// Modify outcome (old leg): the replacement was placed, so this leg is cancelled.
    ModifyAccepted,
    /// Modify outcome (old leg): rejected. `old_leg_gone` when the venue says this leg was
    /// cancelled or filled anyway.
    ModifyRejected {
        /// Whether this leg no longer rests.
        old_leg_gone: bool,
    },
    /// Modify outcome (old leg): not sent.
    ModifyNotSent,
    /// Modify outcome (old leg): ambiguous.
    ModifyAmbiguous,
    /// Order update: `open` (or `triggered`).
    VenueOpen {
        /// The venue's order id.
        oid: Oid,
    },
    /// Order update: `filled`.
    VenueFilled,
    /// Order update: any cancelled status (ours, margin, self-trade, scheduled, delisted, …).
    VenueCanceled,
    /// Order update: a `…Rejected` status.
    VenueRejected,
    /// A fill of this order.
    Fill {
        /// The venue's order id, from the fill.
        oid: Oid,
        /// Whether the cumulative filled size now reaches the order's size.
        complete: bool,
    },
    /// The action's `expiresAfter` passed and `orderStatus` by cloid said `unknownOid`: the
    /// ambiguous action never landed.
    NeverLanded,
}

/// An event that the state does not accept. The state is left unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("order in state {from:?} cannot take event {event:?}")]
pub struct InvalidOrderTransition {
    /// The state the order was in.
    pub from: OrderState,
    /// The refused event.
    pub event: OrderEvent,
}

impl OrderState {
    /// The venue's order id, when this state knows it.
    pub const fn oid(&self) -> Option<Oid> {
        match *self {
            Self::Open { oid }
            | Self::OpenPendingAck { oid }
            | Self::PendingModify { oid }
            | Self::ModifyAmbiguous { oid } => Some(oid),
            Self::PendingCancel { oid } | Self::CancelAmbiguous { oid } => oid,
            _ => None,
        }
    }

    /// `true` once the order can never rest again.
    pub const fn is_terminal(&self) -> bool {
        matches!(self, Self::Filled | Self::Canceled | Self::Rejected(_) | Self::NotPlaced)
    }

    /// `true` while a command for this order awaits its outcome.
    pub const fn has_action_in_flight(&self) -> bool {
        matches!(
            self,
            Self::PendingNew
                | Self::OpenPendingAck { .. }
                | Self::PendingCancel { .. }
                | Self::PendingModify { .. }
        )
    }

    /// `true` for an order on its way out (cancel or modify sent or unresolved).
    pub const fn is_leaving(&self) -> bool {
        matches!(
            self,
            Self::PendingCancel { .. }
                | Self::CancelAmbiguous { .. }
                | Self::PendingModify { .. }
                | Self::ModifyAmbiguous { .. }
        )
    }

    /// `true` when the order may rest at the venue although its placement was never confirmed:
    /// nothing new may be placed on its side until this resolves (never re-send blindly).
    pub const fn is_unresolved_placement(&self) -> bool {
        matches!(
            self,
            Self::NewAmbiguous
                | Self::PendingCancel { oid: None }
                | Self::CancelAmbiguous { oid: None }
        )
    }

    /// Applies `event`. The one transition table of the order lifecycle.
    pub fn transition(self, event: OrderEvent) -> Result<Self, InvalidOrderTransition> {
        use OrderEvent as E;
        let next = match (self, event) {
            // Placement in flight. Updates and fills may overtake the outcome ("fill before
            // the ack"); the order stays PendingNew until the outcome arrives, so no second
            // action is sent meanwhile, unless the venue already says it is over.
            (Self::PendingNew, E::PlaceAccepted { oid }) => Self::Open { oid },
            (Self::PendingNew, E::PlaceFilled) => Self::Filled,
            (Self::PendingNew, E::PlaceRejected(r)) => Self::Rejected(r),
            (Self::PendingNew, E::PlaceNotSent) => Self::NotPlaced,
            (Self::PendingNew, E::PlaceAmbiguous) => Self::NewAmbiguous,
            (Self::PendingNew, E::VenueOpen { oid } | E::Fill { oid, complete: false }) => {
                Self::OpenPendingAck { oid }
            }
            (Self::PendingNew, E::VenueFilled) => Self::Filled,
            (Self::PendingNew, E::VenueCanceled) => Self::Canceled,
            (Self::PendingNew, E::VenueRejected) => Self::Rejected(RejectReason::Other),
            (Self::PendingNew, E::Fill { complete: true, .. }) => Self::Filled,

            // Seen resting before the outcome: the outcome completes it, an ambiguous one too.
            (Self::OpenPendingAck { oid }, E::PlaceAccepted { .. } | E::PlaceAmbiguous) => {
                Self::Open { oid }
            }
            (
                Self::OpenPendingAck { oid },
                E::VenueOpen { .. } | E::Fill { complete: false, .. },
            ) => Self::OpenPendingAck { oid },
            (
                Self::OpenPendingAck { .. },
                E::PlaceFilled | E::VenueFilled | E::Fill { complete: true, .. },
            ) => Self::Filled,
            (Self::OpenPendingAck { .. }, E::VenueCanceled) => Self::Canceled,

            // Ambiguous placement: only the venue resolves it.
            (Self::NewAmbiguous, E::VenueOpen { oid }) => Self::Open { oid },
            (Self::NewAmbiguous, E::VenueFilled) => Self::Filled,
            (Self::NewAmbiguous, E::VenueCanceled) => Self::Canceled,
            (Self::NewAmbiguous, E::VenueRejected) => Self::Rejected(RejectReason::Other),
            (Self::NewAmbiguous, E::Fill { oid, complete: false }) => Self::Open { oid },
            (Self::NewAmbiguous, E::Fill { complete: true, .. }) => Self::Filled,
            (Self::NewAmbiguous, E::NeverLanded) => Self::NotPlaced,
            (Self::NewAmbiguous, E::CancelSent) => Self::PendingCancel { oid: None },

            // Resting.
            (Self::Open { oid }, E::CancelSent) => Self::PendingCancel { oid: Some(oid) },
            (Self::Open { oid }, E::ModifySent) => Self::PendingModify { oid },
            (Self::Open { .. }, E::VenueOpen { oid }) => Self::Open { oid },
            (Self::Open { .. }, E::VenueFilled) => Self::Filled,
            (Self::Open { .. }, E::VenueCanceled) => Self::Canceled,
            (Self::Open { .. }, E::Fill { oid, complete: false }) => Self::Open { oid },
            (Self::Open { .. }, E::Fill { complete: true, .. }) => Self::Filled,

            // Cancel in flight or ambiguous. A fill may race the cancel (fault case 8); a
            // cancel of an order that is already gone is normal.
            (Self::PendingCancel { .. }, E::CancelAccepted) => Self::Canceled,
            (
                Self::PendingCancel { oid: None },
                E::CancelRejected(RejectReason::CancelUnknownOrder),
            ) => {
                // The placement was ambiguous: it may still land, or have filled. Keep waiting.
                Self::NewAmbiguous
            }
            (
                Self::PendingCancel { oid: Some(_) },
                E::CancelRejected(RejectReason::CancelUnknownOrder),
            ) => {
                // Already filled or cancelled; the fill stream settles which.
                Self::Canceled
            }
            (Self::PendingCancel { oid: Some(oid) }, E::CancelRejected(_) | E::CancelNotSent) => {
                Self::Open { oid }
            }
            (Self::PendingCancel { oid: None }, E::CancelRejected(_) | E::CancelNotSent) => {
                Self::NewAmbiguous
            }
            (Self::PendingCancel { oid }, E::CancelAmbiguous) => Self::CancelAmbiguous { oid },
            (Self::CancelAmbiguous { oid }, E::CancelSent) => Self::PendingCancel { oid },
            (
                Self::PendingCancel { oid: None } | Self::CancelAmbiguous { oid: None },
                E::NeverLanded,
            ) => Self::NotPlaced,
            (
                Self::PendingCancel { .. } | Self::CancelAmbiguous { .. },
                E::VenueFilled | E::Fill { complete: true, .. },
            ) => Self::Filled,
            (Self::PendingCancel { .. } | Self::CancelAmbiguous { .. }, E::VenueCanceled) => {
                Self::Canceled
            }
            (
                Self::PendingCancel { .. },
                E::VenueOpen { oid } | E::Fill { oid, complete: false },
            ) => Self::PendingCancel { oid: Some(oid) },
            (
                Self::CancelAmbiguous { .. },
                E::VenueOpen { oid } | E::Fill { oid, complete: false },
            ) => Self::CancelAmbiguous { oid: Some(oid) },

            // Old leg of a modify (cancel-replace).
            (Self::PendingModify { .. }, E::ModifyAccepted) => Self::Canceled,
            (Self::PendingModify { .. }, E::ModifyRejected { old_leg_gone: true }) => {
                Self::Canceled
            }
            (Self::PendingModify { oid }, E::ModifyRejected { old_leg_gone: false }) => {
                Self::Open { oid }
            }
            (Self::PendingModify { oid }, E::ModifyNotSent) => Self::Open { oid },
            (Self::PendingModify { oid }, E::ModifyAmbiguous) => Self::ModifyAmbiguous { oid },
            (Self::ModifyAmbiguous { oid }, E::NeverLanded) => Self::Open { oid },
            (Self::ModifyAmbiguous { oid }, E::CancelSent) => {
                Self::PendingCancel { oid: Some(oid) }
            }
            (
                Self::PendingModify { .. } | Self::ModifyAmbiguous { .. },
                E::VenueFilled | E::Fill { complete: true, .. },
            ) => Self::Filled,
            (Self::PendingModify { .. } | Self::ModifyAmbiguous { .. }, E::VenueCanceled) => {
                Self::Canceled
            }
            // An `open` update or a partial fill of the old leg: it still rests for now.
            (
                Self::PendingModify { oid },
                E::VenueOpen { .. } | E::Fill { complete: false, .. },
            ) => Self::PendingModify { oid },
            (
                Self::ModifyAmbiguous { oid },
                E::VenueOpen { .. } | E::Fill { complete: false, .. },
            ) => Self::ModifyAmbiguous { oid },

            // Filled is final: stale updates, duplicate fills and late outcomes are absorbed.
            (
                Self::Filled,
                E::VenueOpen { .. }
                | E::VenueFilled
                | E::VenueCanceled
                | E::Fill { .. }
                | E::PlaceAccepted { .. }
                | E::PlaceFilled
                | E::PlaceAmbiguous
                | E::CancelAccepted
                | E::CancelRejected(_)
                | E::CancelNotSent
                | E::CancelAmbiguous
                | E::ModifyAccepted
                | E::ModifyRejected { .. }
                | E::ModifyNotSent
                | E::ModifyAmbiguous,
            ) => Self::Filled,

            // Canceled: a fill that happened before the cancel still arrives afterwards
            // ("Canceled + Fill", fault case 8) and completes the order if it was the last lot.
            (Self::Canceled, E::VenueFilled | E::Fill { complete: true, .. } | E::PlaceFilled) => {
                Self::Filled
            }
            (
                Self::Canceled,
                E::VenueOpen { .. }
                | E::VenueCanceled
                | E::Fill { complete: false, .. }
                | E::PlaceAccepted { .. }
                | E::PlaceAmbiguous
                | E::CancelAccepted
                | E::CancelRejected(_)
                | E::CancelNotSent
                | E::CancelAmbiguous
                | E::ModifyAccepted
                | E::ModifyRejected { .. }
                | E::ModifyNotSent
                | E::ModifyAmbiguous,
            ) => Self::Canceled,

            // Rejected: the outcome may refine a `…Rejected` update that came first.
            (Self::Rejected(_), E::PlaceRejected(r)) => Self::Rejected(r),
            (Self::Rejected(r), E::VenueRejected | E::VenueCanceled) => Self::Rejected(r),

            // NotPlaced after an expiry resolution: the venue's word wins if it contradicts.
            (Self::NotPlaced, E::VenueOpen { oid } | E::Fill { oid, complete: false }) => {
                Self::Open { oid }
            }
            (Self::NotPlaced, E::VenueFilled | E::Fill { complete: true, .. }) => Self::Filled,
            (Self::NotPlaced, E::VenueCanceled) => Self::Canceled,
            (Self::NotPlaced, E::VenueRejected) => Self::Rejected(RejectReason::Other),
            (
                Self::NotPlaced,
                E::CancelAccepted
                | E::CancelRejected(_)
                | E::CancelNotSent
                | E::CancelAmbiguous
                | E::NeverLanded,
            ) => Self::NotPlaced,

            (from, event) => return Err(InvalidOrderTransition { from, event }),
        };
        Ok(next)
    }
}
