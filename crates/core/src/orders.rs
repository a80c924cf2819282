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
//!
//! Where things are: [`OrderManager`], its slot table and its queries here; what the
//! strategy asks for ([`Targets`], [`RequotePolicy`], [`BudgetPressure`]) in `targets`; what
//! the manager reports ([`OrderView`], the dispositions, [`OrderStats`]) in `view`; the order
//! lifecycle table in [`state`]; turning targets into commands ([`OrderManager::sync`],
//! [`OrderManager::cancel_all`]) in `sync`; outcomes, updates, fills, expiries and
//! reconciliation's corrections in `events`; one slot of the table in `slot`.
//!
//! [`Command`]: hlmm_types::commands::Command

mod events;
mod slot;
pub mod state;
mod sync;
mod targets;
mod view;

use self::slot::{LiveSlots, Slot};
use hlmm_types::cloid::CloidGen;
use hlmm_types::{AssetId, Cloid, Nanos, Oid, Side, Sz, Tid};

pub use self::state::{InvalidOrderTransition, OrderEvent, OrderState};
pub use self::targets::{
    BudgetPressure, QuoteTarget, RequotePolicy, Targets, DEFAULT_CANCEL_RETRY_NS,
};
pub use self::view::{FillDisposition, OrderStats, OrderView, UpdateDisposition};

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
    #[inline]
    pub const fn prefix(&self) -> u32 {
        self.cloids.prefix()
    }

    /// Counters.
    #[inline]
    pub const fn stats(&self) -> &OrderStats {
        &self.stats
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

    /// Runs `event` through the table for slot `i`; counts refusals.
    fn apply(
        &mut self,
        i: usize,
        event: OrderEvent,
        now: Nanos,
    ) -> Result<(), InvalidOrderTransition> {
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
}
