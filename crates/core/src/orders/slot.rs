//! One slot of the order table ([`Slot`]) and the iterator over an asset's live slots.

use super::state::OrderState;
use super::view::OrderView;
use hlmm_types::commands::Tif;
use hlmm_types::{AssetId, Cloid, Nanos, Px, Side, Sz};

/// One order's record in the flat slot array: its view plus what the manager needs to drive it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot {
    /// `false`: free.
    pub(super) used: bool,
    pub(super) view: OrderView,
    /// Set by `cancel_all`: cancel as soon as no action is in flight, whatever the targets.
    pub(super) cancel_requested: bool,
    /// New leg of a modify: the old leg's cloid.
    pub(super) replaces: Option<Cloid>,
    /// Old leg of a modify: the new leg's cloid.
    pub(super) replaced_by: Option<Cloid>,
    /// When the last command for this order was sent, ns.
    pub(super) action_at: Nanos,
}

impl Slot {
    pub(super) const FREE: Self = Self {
        used: false,
        view: OrderView {
            asset: AssetId(0),
            cloid: Cloid(0),
            oid: None,
            side: Side::Bid,
            px: Px(0),
            sz: Sz(0),
            filled: Sz(0),
            tif: Tif::Alo,
            reduce_only: false,
            state: OrderState::NotPlaced,
            placed_at: Nanos(0),
            updated_at: Nanos(0),
        },
        cancel_requested: false,
        replaces: None,
        replaced_by: None,
        action_at: Nanos(0),
    };

    #[inline]
    pub(super) fn live(&self) -> bool {
        self.used && !self.view.state.is_terminal()
    }

    /// A quote candidate: live, not on its way out.
    #[inline]
    pub(super) fn candidate(&self, side: Side) -> bool {
        self.live()
            && self.view.side == side
            && !self.view.state.is_leaving()
            && !self.cancel_requested
    }
}

/// Whether a cancel may be sent for an order in `state` now (no action in flight, may rest).
#[inline]
pub(super) const fn cancellable(state: OrderState) -> bool {
    matches!(
        state,
        OrderState::Open { .. }
            | OrderState::NewAmbiguous
            | OrderState::ModifyAmbiguous { .. }
            | OrderState::CancelAmbiguous { .. }
    )
}

/// Iterates the set bits of a live mask as absolute slot indices.
#[derive(Debug, Clone, Copy)]
pub(super) struct LiveSlots {
    pub(super) mask: u32,
    pub(super) base: usize,
}

impl Iterator for LiveSlots {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.mask == 0 {
            return None;
        }
        let k = self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(self.base + k)
    }
}
