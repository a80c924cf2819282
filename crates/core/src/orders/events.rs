//! What happens to our orders: command outcomes from the exec thread, order updates and fills
//! from the venue, expiries, and reconciliation's corrections. Each drives the order through
//! the [`OrderState`] table.

use super::slot::Slot;
use super::state::{OrderEvent, OrderState};
use super::view::{FillDisposition, OrderView, UpdateDisposition};
use super::{OrderManager, TID_SETS, TID_WAYS};
use crate::correction::{Correction, VenueOrder};
use hlmm_types::commands::{CommandKind, Tif};
use hlmm_types::events::{Fill, OrderStatus, OrderUpdate};
use hlmm_types::outcome::{AcceptedStatus, CommandOutcome, OutcomeEvent, RejectReason};
use hlmm_types::{AssetId, Cloid, Nanos, Sz};

impl OrderManager {
    /// Applies the outcome of a command to the order(s) it concerns.
    pub fn on_outcome(&mut self, ev: &OutcomeEvent, now: Nanos) {
        let Some(i) = self.find_cloid(ev.asset, ev.cloid) else {
            if ev.command != CommandKind::CancelAll {
                self.stats.unknown_outcomes += 1;
            }
            return;
        };
        match ev.command {
            CommandKind::Place => {
                let e = match ev.outcome {
                    CommandOutcome::Accepted(acc) => match (acc.status, acc.oid) {
                        (AcceptedStatus::Resting, Some(oid)) => OrderEvent::PlaceAccepted { oid },
                        (AcceptedStatus::Filled { .. }, _) => OrderEvent::PlaceFilled,
                        (AcceptedStatus::Canceled, _) => OrderEvent::VenueCanceled,
                        // Landed, but without an oid: wait for the update, as if ambiguous.
                        _ => OrderEvent::PlaceAmbiguous,
                    },
                    CommandOutcome::Rejected(r) => OrderEvent::PlaceRejected(r),
                    CommandOutcome::NotSent(_) => OrderEvent::PlaceNotSent,
                    CommandOutcome::Ambiguous(_) => OrderEvent::PlaceAmbiguous,
                };
                let _ = self.apply(i, e, now);
            }
            CommandKind::Cancel => {
                let e = match ev.outcome {
                    CommandOutcome::Accepted(_) => OrderEvent::CancelAccepted,
                    CommandOutcome::Rejected(r) => OrderEvent::CancelRejected(r),
                    CommandOutcome::NotSent(_) => OrderEvent::CancelNotSent,
                    CommandOutcome::Ambiguous(_) => OrderEvent::CancelAmbiguous,
                };
                let _ = self.apply(i, e, now);
            }
            CommandKind::Modify => self.on_modify_outcome(ev, i, now),
            CommandKind::CancelAll => {}
        }
    }

    fn on_modify_outcome(&mut self, ev: &OutcomeEvent, i: usize, now: Nanos) {
        // Accept either leg's cloid; the documented one is the old leg's.
        let (old, new) = match (self.slots[i].replaced_by, self.slots[i].replaces) {
            (Some(n), _) => (Some(i), self.find_cloid(ev.asset, n)),
            (None, Some(o)) => (self.find_cloid(ev.asset, o), Some(i)),
            (None, None) => {
                self.stats.unknown_outcomes += 1;
                return;
            }
        };
        let (old_ev, new_ev) = match ev.outcome {
            CommandOutcome::Accepted(acc) => (
                OrderEvent::ModifyAccepted,
                match (acc.status, acc.oid) {
                    (AcceptedStatus::Resting, Some(oid)) => OrderEvent::PlaceAccepted { oid },
                    (AcceptedStatus::Filled { .. }, _) => OrderEvent::PlaceFilled,
                    (AcceptedStatus::Canceled, _) => OrderEvent::VenueCanceled,
                    _ => OrderEvent::PlaceAmbiguous,
                },
            ),
            CommandOutcome::Rejected(r) => {
                let gone =
                    ev.modify_old_leg_canceled || r == RejectReason::ModifyOfCanceledOrFilled;
                (OrderEvent::ModifyRejected { old_leg_gone: gone }, OrderEvent::PlaceRejected(r))
            }
            CommandOutcome::NotSent(_) => (OrderEvent::ModifyNotSent, OrderEvent::PlaceNotSent),
            CommandOutcome::Ambiguous(_) => {
                (OrderEvent::ModifyAmbiguous, OrderEvent::PlaceAmbiguous)
            }
        };
        if let Some(o) = old {
            let _ = self.apply(o, old_ev, now);
        }
        if let Some(n) = new {
            let _ = self.apply(n, new_ev, now);
        }
    }

    /// Applies an `orderUpdates` item. Found by cloid, else by oid.
    pub fn on_order_update(&mut self, upd: &OrderUpdate, now: Nanos) -> UpdateDisposition {
        let found = upd
            .cloid
            .and_then(|c| self.find_cloid(upd.asset, c))
            .or_else(|| self.find_oid(upd.asset, upd.oid));
        let Some(i) = found else {
            self.stats.unknown_updates += 1;
            return UpdateDisposition::UnknownOrder;
        };
        let e = match upd.status {
            OrderStatus::Open | OrderStatus::Triggered => OrderEvent::VenueOpen { oid: upd.oid },
            OrderStatus::Filled => OrderEvent::VenueFilled,
            OrderStatus::Rejected => OrderEvent::VenueRejected,
            OrderStatus::Canceled
            | OrderStatus::MarginCanceled
            | OrderStatus::VaultWithdrawalCanceled
            | OrderStatus::OpenInterestCapCanceled
            | OrderStatus::SelfTradeCanceled
            | OrderStatus::ReduceOnlyCanceled
            | OrderStatus::SiblingFilledCanceled
            | OrderStatus::DelistedCanceled
            | OrderStatus::LiquidatedCanceled
            | OrderStatus::ScheduledCancel
            | OrderStatus::Unknown => OrderEvent::VenueCanceled,
        };
        if self.slots[i].view.oid.is_none() {
            self.slots[i].view.oid = Some(upd.oid);
        }
        let _ = self.apply(i, e, now);
        let v = &self.slots[i].view;
        UpdateDisposition::Known { cloid: v.cloid, state: v.state }
    }

    /// Applies a fill to its order's state. Flags a repeated `(asset, tid)` as `Duplicate`.
    pub fn on_fill(&mut self, fill: &Fill, now: Nanos) -> FillDisposition {
        let key = (fill.asset, fill.tid);
        // Tids are already hashes; the multiply mixes in the asset and spreads the low bits.
        let h = (fill.tid.0 ^ u64::from(fill.asset.0)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let set = (h >> 54) as usize % TID_SETS;
        if self.tids[set].contains(&key) {
            self.stats.duplicate_fills += 1;
            return FillDisposition::Duplicate;
        }
        let way = usize::from(self.tid_way[set]) % TID_WAYS;
        self.tids[set][way] = key;
        self.tid_way[set] = ((way + 1) % TID_WAYS) as u8;
        let found = fill
            .cloid
            .and_then(|c| self.find_cloid(fill.asset, c))
            .or_else(|| self.find_oid(fill.asset, fill.oid));
        let Some(i) = found else {
            self.stats.unknown_fills += 1;
            return FillDisposition::UnknownOrder;
        };
        let v = &mut self.slots[i].view;
        v.filled = Sz(v.filled.0.saturating_add(fill.sz.0.max(0)));
        if v.oid.is_none() {
            v.oid = Some(fill.oid);
        }
        let complete = v.filled >= v.sz;
        let cloid = v.cloid;
        let _ = self.apply(i, OrderEvent::Fill { oid: fill.oid, complete }, now);
        FillDisposition::Applied { cloid, side: fill.side, sz: fill.sz, complete }
    }

    /// Resolves an ambiguous action that can no longer land: call once the action's
    /// `expiresAfter` has passed **and** `orderStatus` by cloid answered `unknownOid`.
    /// `cloid` may name either leg of a modify. Returns `false` if nothing was resolved.
    pub fn on_expiry_passed(&mut self, asset: AssetId, cloid: Cloid, now: Nanos) -> bool {
        let Some(i) = self.find_cloid(asset, cloid) else {
            self.stats.unknown_outcomes += 1;
            return false;
        };
        let linked = self.slots[i]
            .replaces
            .or(self.slots[i].replaced_by)
            .and_then(|c| self.find_cloid(asset, c));
        let mut resolved = false;
        for j in [Some(i), linked].into_iter().flatten() {
            let s = self.slots[j].view.state;
            if s.is_unresolved_placement() || matches!(s, OrderState::ModifyAmbiguous { .. }) {
                resolved |= self.apply(j, OrderEvent::NeverLanded, now).is_ok();
            }
        }
        resolved
    }

    /// Applies one reconciliation correction. `AdoptOrder` starts tracking an order of ours as
    /// `Open` (replacing a closed local record of the same cloid: the snapshot is the venue's
    /// word); `ConfirmOrder` resolves a placement to `Open`; `ForgetOrder` closes a local order
    /// the venue does not have. Others are for the caller (cancels, positions). Returns whether
    /// something changed.
    pub fn apply_correction(&mut self, c: &Correction, now: Nanos) -> bool {
        match *c {
            Correction::AdoptOrder(o) => self.adopt(&o, now),
            Correction::ConfirmOrder { asset, cloid, oid } => {
                let Some(i) = self.find_cloid(asset, cloid) else { return false };
                self.slots[i].view.oid = Some(oid);
                self.apply(i, OrderEvent::VenueOpen { oid }, now).is_ok()
            }
            Correction::ForgetOrder { asset, cloid, .. } => {
                let Some(i) = self.find_cloid(asset, cloid) else { return false };
                if self.slots[i].view.state.is_terminal() {
                    return false;
                }
                self.apply(i, OrderEvent::VenueCanceled, now).is_ok()
            }
            Correction::CancelOrder { .. }
            | Correction::LeaveExternal(_)
            | Correction::PositionMismatch { .. } => false,
        }
    }

    fn adopt(&mut self, o: &VenueOrder, now: Nanos) -> bool {
        let Some(cloid) = o.cloid else { return false };
        let Some(a) = self.asset_slot_base(o.asset) else {
            self.stats.assets_exhausted += 1;
            return false;
        };
        let slot = match self.find_cloid(o.asset, cloid) {
            Some(i) if self.slots[i].live() => return false,
            Some(i) => Some(i),
            None => self.free_slot(a, usize::MAX),
        };
        let Some(j) = slot else {
            self.stats.slots_exhausted += 1;
            return false;
        };
        self.slots[j] = Slot {
            used: true,
            view: OrderView {
                asset: o.asset,
                cloid,
                oid: Some(o.oid),
                side: o.side,
                px: o.px,
                sz: o.sz,
                filled: Sz(0),
                tif: Tif::Gtc,
                reduce_only: false,
                state: OrderState::Open { oid: o.oid },
                placed_at: now,
                updated_at: now,
            },
            cancel_requested: false,
            replaces: None,
            replaced_by: None,
            action_at: now,
        };
        self.mark(j);
        self.stats.adopted += 1;
        true
    }
}
