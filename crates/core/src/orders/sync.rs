//! Targets into commands: [`OrderManager::sync`] keeps, re-quotes or cancels each side's
//! quote, and [`OrderManager::cancel_all`] is the kill switch's sweep.

use super::slot::{cancellable, Slot};
use super::state::{OrderEvent, OrderState};
use super::targets::{QuoteTarget, RequotePolicy, Targets};
use super::view::OrderView;
use super::{OrderManager, SLOTS_PER_ASSET};
use hlmm_types::commands::{Command, OrderRequest, Tif};
use hlmm_types::{AssetId, Cloid, InstrumentSpec, Nanos, Oid, Side, Sz};

impl OrderManager {
    /// Compares `targets` with the live and in-flight orders of `spec.asset` and pushes the
    /// commands needed into `out`. Call after every event that may change the targets; extra
    /// calls are no-ops.
    ///
    /// Per side: a resting quote within tolerance is kept (queue place) unless older than
    /// `force_refresh_ns`; a moved quote is re-quoted by `Modify` or `Cancel` + `Place`; a side
    /// without a target is cancelled. Never a second action while one is in flight, never a
    /// new order on a side whose earlier placement is still ambiguous, and extra live orders on
    /// a side are cancelled. Orders marked by [`Self::cancel_all`] and the old leg of an
    /// ambiguous modify are cancelled as soon as possible; an ambiguous cancel is re-sent after
    /// `cancel_retry_ns`.
    pub fn sync(
        &mut self,
        spec: &InstrumentSpec,
        targets: &Targets,
        policy: &RequotePolicy,
        now: Nanos,
        out: &mut Vec<Command>,
    ) {
        let Some(a) = self.asset_slot_base(spec.asset) else {
            self.stats.assets_exhausted += 1;
            return;
        };
        for i in self.live_slots(a) {
            let s = &self.slots[i];
            let retry_due = matches!(s.view.state, OrderState::CancelAmbiguous { .. })
                && now.saturating_since(s.action_at) >= policy.cancel_retry_ns;
            if retry_due {
                self.stats.cancel_retries += 1;
                self.send_cancel(i, now, out);
            } else if matches!(s.view.state, OrderState::ModifyAmbiguous { .. }) {
                // We meant to replace it: if the modify landed it is gone already ("never
                // placed" is then the normal reply), else the cancel pulls a stale quote.
                self.send_cancel(i, now, out);
            } else if s.cancel_requested && cancellable(s.view.state) {
                self.send_cancel(i, now, out);
            }
        }
        for side in [Side::Bid, Side::Ask] {
            let target = targets.get(side).filter(|t| self.target_is_valid(spec, t));
            self.sync_side(spec, a, side, target, policy, now, out);
        }
    }

    fn target_is_valid(&mut self, spec: &InstrumentSpec, t: &QuoteTarget) -> bool {
        // The venue's $10 minimum is uncertain for reduce-only closes (hyperliquid.md §6), so
        // it is enforced only on orders that can open a position.
        let ok = t.sz.0 > 0
            && spec.is_valid_px(t.px)
            && (t.reduce_only || spec.meets_min_notional(t.px, t.sz));
        if !ok {
            self.stats.invalid_targets += 1;
        }
        ok
    }

    #[allow(clippy::too_many_arguments)]
    fn sync_side(
        &mut self,
        spec: &InstrumentSpec,
        a: usize,
        side: Side,
        target: Option<QuoteTarget>,
        policy: &RequotePolicy,
        now: Nanos,
        out: &mut Vec<Command>,
    ) {
        // The newest candidate is the side's quote; any other is a leftover to cancel.
        let mut keep: Option<usize> = None;
        let mut blocked = false;
        for i in self.live_slots(a) {
            let s = &self.slots[i];
            if s.view.side == side && s.view.state.is_unresolved_placement() {
                blocked = true;
            }
            if !s.candidate(side) {
                continue;
            }
            keep = match keep {
                Some(k) if self.slots[k].view.placed_at > s.view.placed_at => Some(k),
                _ => Some(i),
            };
        }
        for i in self.live_slots(a) {
            if Some(i) != keep
                && self.slots[i].candidate(side)
                && cancellable(self.slots[i].view.state)
            {
                self.send_cancel(i, now, out);
            }
        }
        let Some(k) = keep else {
            if let Some(t) = target {
                if !blocked {
                    self.place(spec.asset, a, side, &t, None, now, out);
                }
            }
            return;
        };
        let view = self.slots[k].view;
        let Some(t) = target else {
            if cancellable(view.state) {
                self.send_cancel(k, now, out);
            }
            return;
        };
        match view.state {
            OrderState::NewAmbiguous if !Self::within(spec, &view, &t, policy) => {
                // Pull it; nothing new goes on this side until the placement resolves.
                self.send_cancel(k, now, out);
            }
            OrderState::Open { oid } => {
                let fresh = policy.force_refresh_ns == 0
                    || now.saturating_since(view.placed_at) < policy.force_refresh_ns;
                if fresh && Self::within(spec, &view, &t, policy) {
                    return;
                }
                self.requote(spec.asset, a, k, oid, &t, policy, now, out);
            }
            // PendingNew: in flight. NewAmbiguous within tolerance: wait for it to resolve.
            _ => {}
        }
    }

    fn within(spec: &InstrumentSpec, v: &OrderView, t: &QuoteTarget, p: &RequotePolicy) -> bool {
        let tick = spec.tick_at(t.px).max(1);
        let diff = (i128::from(v.px.0) - i128::from(t.px.0)).abs();
        // The quote's size against the target, within the slack either way.
        let (size, target) = (i128::from(v.sz.0), i128::from(t.sz.0));
        let size_ok = (size - target).abs() * 10_000 <= target * i128::from(p.size_slack_bp);
        diff <= i128::from(p.tolerance_ticks.max(0)) * i128::from(tick)
            && size_ok
            && v.tif == t.tif
            && v.reduce_only == t.reduce_only
    }

    #[allow(clippy::too_many_arguments)]
    fn requote(
        &mut self,
        asset: AssetId,
        a: usize,
        k: usize,
        oid: Oid,
        t: &QuoteTarget,
        policy: &RequotePolicy,
        now: Nanos,
        out: &mut Vec<Command>,
    ) {
        let use_modify =
            policy.prefer_modify && t.tif != Tif::Ioc && self.slots[k].view.tif != Tif::Ioc;
        if !use_modify {
            if out.capacity() - out.len() < 2 {
                self.stats.out_full += 1;
                return;
            }
            self.send_cancel(k, now, out);
            self.place(asset, a, self.slots[k].view.side, t, None, now, out);
            return;
        }
        if out.len() >= out.capacity() {
            self.stats.out_full += 1;
            return;
        }
        let Some(j) = self.free_slot(a, k) else {
            self.stats.slots_exhausted += 1;
            return;
        };
        if self.apply(k, OrderEvent::ModifySent, now).is_err() {
            return;
        }
        let old = self.slots[k].view.cloid;
        let req = self.new_order(asset, j, self.slots[k].view.side, t, Some(old), now);
        self.slots[k].replaced_by = Some(req.cloid);
        self.slots[k].action_at = now;
        out.push(Command::Modify { asset, cloid: old, oid: Some(oid), new: req });
    }

    #[allow(clippy::too_many_arguments)]
    fn place(
        &mut self,
        asset: AssetId,
        a: usize,
        side: Side,
        t: &QuoteTarget,
        replaces: Option<Cloid>,
        now: Nanos,
        out: &mut Vec<Command>,
    ) {
        if out.len() >= out.capacity() {
            self.stats.out_full += 1;
            return;
        }
        let Some(j) = self.free_slot(a, usize::MAX) else {
            self.stats.slots_exhausted += 1;
            return;
        };
        let req = self.new_order(asset, j, side, t, replaces, now);
        out.push(Command::Place(req));
    }

    /// Fills slot `j` with a new order in `PendingNew` and returns its request.
    fn new_order(
        &mut self,
        asset: AssetId,
        j: usize,
        side: Side,
        t: &QuoteTarget,
        replaces: Option<Cloid>,
        now: Nanos,
    ) -> OrderRequest {
        let cloid = self.cloids.next_cloid();
        self.slots[j] = Slot {
            used: true,
            view: OrderView {
                asset,
                cloid,
                oid: None,
                side,
                px: t.px,
                sz: t.sz,
                filled: Sz(0),
                tif: t.tif,
                reduce_only: t.reduce_only,
                state: OrderState::PendingNew,
                placed_at: now,
                updated_at: now,
            },
            cancel_requested: false,
            replaces,
            replaced_by: None,
            action_at: now,
        };
        self.mark(j);
        OrderRequest {
            asset,
            cloid,
            side,
            px: t.px,
            sz: t.sz,
            tif: t.tif,
            reduce_only: t.reduce_only,
        }
    }

    fn send_cancel(&mut self, i: usize, now: Nanos, out: &mut Vec<Command>) {
        if out.len() >= out.capacity() {
            self.stats.out_full += 1;
            return;
        }
        if self.apply(i, OrderEvent::CancelSent, now).is_ok() {
            let v = &self.slots[i].view;
            out.push(Command::Cancel { asset: v.asset, cloid: v.cloid });
            self.slots[i].action_at = now;
        }
    }

    /// Cancels every order of ours on `asset` (`None` = all assets): each order with no action
    /// in flight gets a `Cancel` now; the others are marked and cancelled by the next `sync` or
    /// `cancel_all` once their action resolves. Extra calls are no-ops (an ambiguous cancel is
    /// re-sent: cancels are idempotent).
    pub fn cancel_all(&mut self, asset: Option<AssetId>, now: Nanos, out: &mut Vec<Command>) {
        for a in 0..self.assets.len() {
            if asset.is_some_and(|x| x != self.assets[a]) {
                continue;
            }
            let base = a * SLOTS_PER_ASSET;
            for i in self.live_slots(base) {
                self.slots[i].cancel_requested = true;
                if cancellable(self.slots[i].view.state) {
                    self.send_cancel(i, now, out);
                }
            }
        }
    }
}
