//! The order manager: desired quotes vs live and in-flight orders, per asset.
//!
//! Runs on the quote thread. [`OrderManager::sync`] compares the strategy's [`Targets`] with
//! the orders it tracks and pushes the [`Command`]s needed; outcomes, order updates and fills
//! drive each order through the [`OrderState`] table. It never does I/O, never reads a clock
//! and never allocates after [`OrderManager::new`]: every slot, the asset table and the memory
//! of recent trade ids are sized there, and commands go into the caller's preallocated buffer
//! (a full buffer is counted, never grown).
//!
//! Positions are not kept here: the positions module owns them, driven by fills deduplicated by
//! `tid`. [`OrderManager::on_fill`] reports only what a fill does to the order.
//!
//! Storage: each asset has [`SLOTS_PER_ASSET`] slots in one flat array. With two quotes per
//! asset, their modify legs and a tail of recently closed orders kept for late fills, a few
//! dozen slots suffice, and a linear scan over them (a contiguous run of structs, found by
//! comparing a `u128`) is as fast as hashing and needs no table to maintain or grow. A bit mask
//! of live slots per asset lets `sync` visit only the few live orders. Closed slots are reused
//! oldest first.

pub mod state;

pub use state::{InvalidTransition, OrderEvent, OrderState};

use crate::reconcile::{Correction, VenueOrder};
use hlmm_types::cloid::CloidGen;
use hlmm_types::commands::{Command, CommandKind, OrderRequest, Tif};
use hlmm_types::events::{Fill, OrderStatus, OrderUpdate};
use hlmm_types::outcome::{AcceptedStatus, CommandOutcome, OutcomeEvent, RejectReason};
use hlmm_types::{AssetId, Cloid, InstrumentSpec, Nanos, Oid, Px, Side, Sz, Tid};

/// Order slots per asset: live quotes, modify legs and recently closed orders.
pub const SLOTS_PER_ASSET: usize = 32;
// The live mask of an asset is a `u32`.
const _: () = assert!(SLOTS_PER_ASSET <= 32);

/// Sets of the memory of recent `(asset, tid)` pairs that flags duplicate fills; each set holds
/// [`TID_WAYS`] pairs, so about 4 096 recent fills are remembered. A duplicate is missed only
/// if four newer fills hashed into its set in between. A snapshot replay after a reconnect
/// repeats recent fills; older duplicates are the positions module's concern (it deduplicates
/// by `tid` for the position).
pub const TID_SETS: usize = 1024;
/// Pairs per set of the tid memory (replaced round-robin).
pub const TID_WAYS: usize = 4;
/// An empty entry of the tid memory (no venue asset id is `u32::MAX`).
const NO_TID: (AssetId, Tid) = (AssetId(u32::MAX), Tid(u64::MAX));

/// Default for [`RequotePolicy::cancel_retry_ns`]: 10 s, above a typical `expiresAfter`.
pub const DEFAULT_CANCEL_RETRY_NS: u64 = 10_000_000_000;

/// One desired quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteTarget {
    /// Limit price, in ticks; must be on the venue's grid (else the side is treated as having no
    /// target, and counted).
    pub px: Px,
    /// Size, in lots; positive.
    pub sz: Sz,
    /// Send reduce-only.
    pub reduce_only: bool,
    /// Time in force (quotes: `Alo`). An `Ioc` target is sent whenever its side has no live
    /// order, so the caller clears it once the hedge is done.
    pub tif: Tif,
}

/// The desired quotes of one asset: at most one level per side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Targets {
    /// Desired bid, or `None` for no bid (an existing bid is cancelled).
    pub bid: Option<QuoteTarget>,
    /// Desired ask, or `None` for no ask.
    pub ask: Option<QuoteTarget>,
}

impl Targets {
    /// No quotes on either side.
    pub const NONE: Self = Self { bid: None, ask: None };

    /// The target of `side`.
    pub const fn get(&self, side: Side) -> Option<QuoteTarget> {
        match side {
            Side::Bid => self.bid,
            Side::Ask => self.ask,
        }
    }
}

/// How close the exec thread's rate budget is to throttling us (`fault-cases.md` case 5). The
/// core re-quotes less as it rises, so the venue never has to throttle; cancels are never held
/// back (the budget keeps their room).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum BudgetPressure {
    /// Plenty left: re-quote per the symbol's parameters.
    #[default]
    Normal,
    /// Running low: quotes tolerate 4× the price drift and refresh 4× less often, and a
    /// resting size within 10 % of its target is kept.
    Low,
    /// Nearly spent (or backing off after a 429): 16×, and within 25 %.
    Critical,
}

impl BudgetPressure {
    /// The factor applied to the re-quote tolerance and the forced-refresh interval.
    pub const fn slowdown(self) -> i64 {
        match self {
            Self::Normal => 1,
            Self::Low => 4,
            Self::Critical => 16,
        }
    }

    /// From its wire/atomic form (`as u8`); unknown values read as `Critical` (fail safe).
    pub const fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::Normal,
            1 => Self::Low,
            _ => Self::Critical,
        }
    }

    /// This policy, slowed down for the pressure.
    pub const fn apply(self, p: RequotePolicy) -> RequotePolicy {
        let k = self.slowdown();
        let size_slack_bp = match self {
            Self::Normal => p.size_slack_bp,
            Self::Low => 1_000,
            Self::Critical => 2_500,
        };
        RequotePolicy {
            tolerance_ticks: p.tolerance_ticks.saturating_mul(k),
            force_refresh_ns: p.force_refresh_ns.saturating_mul(k as u64),
            size_slack_bp,
            ..p
        }
    }
}

/// When a live quote is kept and how it is re-quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequotePolicy {
    /// A resting quote within this many ticks (at the target price's tick size) of its target,
    /// with the same size, tif and reduce-only flag, is kept (its queue place is worth more).
    pub tolerance_ticks: i64,
    /// A quote placed at least this long ago (ns) is re-quoted even if within tolerance
    /// (`force_quote_refresh_interval`). `0` = never.
    pub force_refresh_ns: u64,
    /// Re-quote with one `Modify` (batchModify) rather than `Cancel` + `Place`. IOC targets are
    /// always cancel + place (a modify's new leg must be ALO or GTC).
    pub prefer_modify: bool,
    /// After an ambiguous cancel, `sync` re-sends the cancel once this long (ns) has passed.
    /// Set it at least to the actions' `expiresAfter`, so the first cancel can no longer land.
    pub cancel_retry_ns: u64,
    /// A resting quote whose size is within this much of its target (basis points of the
    /// target) is kept. `0` = sizes must match. Only budget pressure sets it: a kept quote may
    /// then exceed a limit-clipped target by at most this fraction of one quote.
    pub size_slack_bp: u32,
}

impl RequotePolicy {
    /// A policy with [`DEFAULT_CANCEL_RETRY_NS`].
    pub const fn new(tolerance_ticks: i64, force_refresh_ns: u64, prefer_modify: bool) -> Self {
        Self {
            tolerance_ticks,
            force_refresh_ns,
            prefer_modify,
            cancel_retry_ns: DEFAULT_CANCEL_RETRY_NS,
            size_slack_bp: 0,
        }
    }
}

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

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// `false`: free.
    used: bool,
    view: OrderView,
    /// Set by `cancel_all`: cancel as soon as no action is in flight, whatever the targets.
    cancel_requested: bool,
    /// New leg of a modify: the old leg's cloid.
    replaces: Option<Cloid>,
    /// Old leg of a modify: the new leg's cloid.
    replaced_by: Option<Cloid>,
    /// When the last command for this order was sent, ns.
    action_at: Nanos,
}

impl Slot {
    const FREE: Self = Self {
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

    fn live(&self) -> bool {
        self.used && !self.view.state.is_terminal()
    }

    /// A quote candidate: live, not on its way out.
    fn candidate(&self, side: Side) -> bool {
        self.live()
            && self.view.side == side
            && !self.view.state.is_leaving()
            && !self.cancel_requested
    }
}

/// Whether a cancel may be sent for an order in `state` now (no action in flight, may rest).
const fn cancellable(state: OrderState) -> bool {
    matches!(
        state,
        OrderState::Open { .. }
            | OrderState::NewAmbiguous
            | OrderState::ModifyAmbiguous { .. }
            | OrderState::CancelAmbiguous { .. }
    )
}

/// Tracks our orders per asset and turns targets into commands. See the module docs.
#[derive(Debug)]
pub struct OrderManager {
    /// Makes our cloids.
    cloids: CloidGen,
    /// Registered assets; index `a` owns slots `a * SLOTS_PER_ASSET ..`. Capacity fixed at
    /// `new`.
    assets: Vec<AssetId>,
    /// `max_assets * SLOTS_PER_ASSET` slots.
    slots: Vec<Slot>,
    /// Per asset, bit `k` set iff slot `k` holds a live order: loops visit only live slots
    /// (a handful) instead of all of them.
    live: Vec<u32>,
    /// Set-associative memory of recent `(asset, tid)` pairs: `TID_SETS` sets of `TID_WAYS`.
    tids: Vec<[(AssetId, Tid); TID_WAYS]>,
    /// Next way to replace, per set.
    tid_way: Vec<u8>,
    stats: OrderStats,
}

impl OrderManager {
    /// A manager for up to `max_assets` assets, making cloids `prefix ‖ run_id ‖ n`. Allocates
    /// everything it will ever use.
    pub fn new(prefix: u32, run_id: u32, max_assets: usize) -> Self {
        Self {
            cloids: CloidGen::new(prefix, run_id),
            assets: Vec::with_capacity(max_assets),
            slots: vec![Slot::FREE; max_assets * SLOTS_PER_ASSET],
            live: vec![0; max_assets],
            tids: vec![[NO_TID; TID_WAYS]; TID_SETS],
            tid_way: vec![0; TID_SETS],
            stats: OrderStats::default(),
        }
    }

    /// The instance prefix of our cloids.
    pub const fn prefix(&self) -> u32 {
        self.cloids.prefix()
    }

    /// Counters.
    pub const fn stats(&self) -> &OrderStats {
        &self.stats
    }

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

    /// A free slot of asset base `a` (never `not`): an unused one, else the closed order that
    /// changed state longest ago.
    fn free_slot(&self, a: usize, not: usize) -> Option<usize> {
        let range = a..a + SLOTS_PER_ASSET;
        if let Some(i) = range.clone().find(|&i| !self.slots[i].used) {
            return Some(i);
        }
        range
            .filter(|&i| i != not && self.slots[i].view.state.is_terminal())
            .min_by_key(|&i| self.slots[i].view.updated_at)
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

    /// Worst case if every live and in-flight order on `asset` filled completely: (bid lots,
    /// ask lots). Counts both legs of a modify and orders whose cancel is in flight or whose
    /// placement is ambiguous, because any of them may still fill.
    pub fn pending_exposure(&self, asset: AssetId) -> (Sz, Sz) {
        let (mut bid, mut ask) = (0i64, 0i64);
        for s in self.asset_slots(asset).iter().filter(|s| s.live()) {
            let r = s.view.remaining().0;
            match s.view.side {
                Side::Bid => bid += r,
                Side::Ask => ask += r,
            }
        }
        (Sz(bid), Sz(ask))
    }

    /// The live (non-terminal) orders of `asset`.
    pub fn open_orders(&self, asset: AssetId) -> impl Iterator<Item = &OrderView> {
        self.asset_slots(asset).iter().filter(|s| s.live()).map(|s| &s.view)
    }

    /// A tracked order (live or recently closed) by cloid.
    pub fn order(&self, asset: AssetId, cloid: Cloid) -> Option<&OrderView> {
        self.find_cloid(asset, cloid).map(|i| &self.slots[i].view)
    }

    /// Appends every live order of every asset to `out` (for reconciliation, which is periodic
    /// and may allocate).
    pub fn collect_live_orders(&self, out: &mut Vec<OrderView>) {
        out.extend(self.slots.iter().filter(|s| s.live()).map(|s| s.view));
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

    /// Runs `event` through the table for slot `i`; counts refusals.
    fn apply(&mut self, i: usize, event: OrderEvent, now: Nanos) -> Result<(), InvalidTransition> {
        let v = &mut self.slots[i].view;
        match v.state.transition(event) {
            Ok(next) => {
                if let Some(oid) = next.oid() {
                    v.oid = Some(oid);
                }
                if next != v.state {
                    v.updated_at = now;
                }
                v.state = next;
                self.mark(i);
                Ok(())
            }
            Err(e) => {
                self.stats.invalid_transitions += 1;
                Err(e)
            }
        }
    }

    /// Records whether slot `i` is live in its asset's mask.
    fn mark(&mut self, i: usize) {
        let bit = 1u32 << (i % SLOTS_PER_ASSET);
        let mask = &mut self.live[i / SLOTS_PER_ASSET];
        if self.slots[i].live() {
            *mask |= bit;
        } else {
            *mask &= !bit;
        }
    }

    /// The live slots of the asset whose first slot is `base`, as a snapshot of the mask (the
    /// caller may change slots while iterating).
    fn live_slots(&self, base: usize) -> LiveSlots {
        LiveSlots { mask: self.live[base / SLOTS_PER_ASSET], base }
    }

    fn asset_index(&self, asset: AssetId) -> Option<usize> {
        self.assets.iter().position(|&x| x == asset)
    }

    /// The first slot of `asset`, registering it if there is room.
    fn asset_slot_base(&mut self, asset: AssetId) -> Option<usize> {
        if let Some(a) = self.asset_index(asset) {
            return Some(a * SLOTS_PER_ASSET);
        }
        if self.assets.len() == self.assets.capacity() {
            return None;
        }
        self.assets.push(asset);
        Some((self.assets.len() - 1) * SLOTS_PER_ASSET)
    }

    fn asset_slots(&self, asset: AssetId) -> &[Slot] {
        match self.asset_index(asset) {
            Some(a) => &self.slots[a * SLOTS_PER_ASSET..(a + 1) * SLOTS_PER_ASSET],
            None => &[],
        }
    }

    fn find_cloid(&self, asset: AssetId, cloid: Cloid) -> Option<usize> {
        let a = self.asset_index(asset)? * SLOTS_PER_ASSET;
        (a..a + SLOTS_PER_ASSET).find(|&i| self.slots[i].used && self.slots[i].view.cloid == cloid)
    }

    /// By oid, preferring a live order (a modify may keep the oid, uncertain: the closed old
    /// leg and the live new leg would then share it).
    fn find_oid(&self, asset: AssetId, oid: Oid) -> Option<usize> {
        let a = self.asset_index(asset)? * SLOTS_PER_ASSET;
        let mut closed = None;
        for i in a..a + SLOTS_PER_ASSET {
            let s = &self.slots[i];
            if s.used && s.view.oid == Some(oid) {
                if s.live() {
                    return Some(i);
                }
                closed = Some(i);
            }
        }
        closed
    }
}

/// Iterates the set bits of a live mask as absolute slot indices.
#[derive(Debug, Clone, Copy)]
struct LiveSlots {
    mask: u32,
    base: usize,
}

impl Iterator for LiveSlots {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.mask == 0 {
            return None;
        }
        let k = self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(self.base + k)
    }
}
