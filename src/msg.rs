//! msg: the messages on the rings between threads, and the policy of each ring.
//!
//! | ring | from → to | message | when full |
//! |---|---|---|---|
//! | market data | feed → quote | [`Stamped`] (book, bbo, trades, mids, ctx, control) | conflates: latest per (asset, kind) wins, counted |
//! | user stream | feed → quote | [`Stamped`] (fills, order updates, funding, …) | lossless: a fault that halts quoting, counted |
//! | intents | quote → exec | [`Intent`] | lossless: a fault that halts quoting, counted |
//! | outcomes | exec → quote | [`ExecReport`] | lossless: a fault that halts quoting, counted |
//! | control | side → quote | `CoreEvent` (config, kill, resume; from the core) | lossless: the side thread keeps it and retries |
//! | snapshots | quote → side | [`AssetSnapshot`] (with the coin's open orders) | conflates: latest per coin wins |
//! | activity | quote → side | [`Activity`] (commands sent, outcomes, fills, audit records) | drops the newest, counted: the operator's history, never the trading state |
//! | reconcile | reconciler ⇄ quote | the core's `VenueSnapshot` out, `ReconcileReport` back | a round is skipped / a log line lost |
//!
//! Every message is `Copy` and fixed-size except the boxed venue snapshot (every 30–60 s, off
//! the frame path). This module sits below the threads that use it and the gateway that answers
//! intents: it imports only the types and the core.

use crate::core::orders::OrderView;
use crate::core::positions::PositionSnapshot;
use crate::core::risk::{Reason, TradingState, Transition};
use crate::types::commands::Command;
use crate::types::events::{FeedEvent, Fill, OrderUpdate};
use crate::types::outcome::OutcomeEvent;
use crate::types::{AssetId, Cloid, Nanos};

/// A feed event with the times the telemetry needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamped {
    /// When the frame's bytes were received (ns since the epoch).
    pub recv: Nanos,
    /// When parsing finished.
    pub parsed: Nanos,
    /// The event.
    pub event: FeedEvent,
}

/// An order command on its way to the exec thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intent {
    /// What to do.
    pub command: Command,
    /// Receive time of the frame that caused it (`Nanos(0)` for timer-driven commands).
    pub frame_recv: Nanos,
    /// When the core decided.
    pub decided: Nanos,
}

/// What the exec thread reports to the quote thread over the lossless outcome ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecReport {
    /// The outcome of one command (exactly one per command).
    Outcome(OutcomeEvent),
    /// What the venue said about an order whose action was ambiguous (`orderStatus` by cloid):
    /// applied like an `orderUpdates` item.
    Update(OrderUpdate),
    /// An ambiguous action can no longer land: its `expiresAfter` passed and the venue does
    /// not know the cloid.
    NeverLanded {
        /// The instrument.
        asset: AssetId,
        /// The order (a placement's, or a modify's new leg's).
        cloid: Cloid,
    },
}

/// How often the quote thread publishes snapshots while idle, ns.
pub const SNAPSHOT_INTERVAL_NS: u64 = 100_000_000;

/// One coin's state as the quote thread last saw it. The quote thread pushes it into a
/// conflating ring (latest per coin wins) while idle, every [`SNAPSHOT_INTERVAL_NS`], and right
/// after a fill or a config change, never between a frame and its intents.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AssetSnapshot {
    /// Dense index of the coin (its place in the instrument table).
    pub index: usize,
    /// The coin's asset id.
    pub asset: AssetId,
    /// Position numbers.
    pub position: PositionSnapshot,
    /// Trading state and why.
    pub state: TradingState,
    /// Why the state is what it is.
    pub reason: Reason,
    /// Fill batches the quote thread has processed, every coin together, since start.
    pub fills: u64,
    /// `CoreEvent::Config` events for this coin the core applied, since start.
    pub configs_applied: u64,
    /// `CoreEvent::Config` events for this coin the core refused, since start.
    pub configs_refused: u64,
    /// Place and modify commands issued for this coin since start (its quotes on the wire).
    pub quotes_sent: u64,
    /// The coin's live orders (the first [`SNAPSHOT_OPEN_ORDERS`]), as the order manager
    /// tracks them.
    pub open_orders: [Option<OrderView>; SNAPSHOT_OPEN_ORDERS],
    /// How many live orders the coin has (may exceed what `open_orders` holds).
    pub open_total: u16,
    /// When it was taken.
    pub taken: Nanos,
}

/// Most open orders of one coin a snapshot carries: a quote per side, with both legs of a
/// modify in flight and a cancel or two, is at most six.
pub const SNAPSHOT_OPEN_ORDERS: usize = 8;

/// What the quote thread did, for the operator's history (quote → side, after a frame's
/// intents are pushed: never inside the frame → intent span). Fixed-size, `Copy`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activity {
    /// A command went into the exec ring.
    Sent {
        /// The command.
        command: Command,
        /// When the core decided it.
        at: Nanos,
    },
    /// The outcome of one command came back from exec.
    Outcome {
        /// The outcome.
        outcome: OutcomeEvent,
        /// When the quote thread applied it.
        at: Nanos,
    },
    /// One of our fills, as the venue reported it (snapshot fills included; the side thread
    /// keeps each `(oid, tid)` once).
    Fill(Fill),
    /// A change of a symbol's trading state, drained from the core's audit ring.
    Audit(Transition),
}

/// Kinds of market data that conflate independently of each other: a newer book must not
/// replace a pending trade batch, only an older book of the same coin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum MdKind {
    /// `l2Book` snapshots.
    Book = 0,
    /// `bbo` updates.
    Bbo = 1,
    /// Public trades.
    Trades = 2,
    /// Asset contexts.
    AssetCtx = 3,
}

impl MdKind {
    /// Number of per-asset kinds.
    pub const COUNT: usize = 4;
}

/// Maps venue asset ids to dense indexes `0..n` (position in the instrument table), for ring
/// keys, health slots and per-asset arrays. Built once; lookups are an array index.
#[derive(Debug, Clone)]
pub struct AssetIndex {
    /// `dense[asset id] = index + 1`, 0 = not ours.
    dense: Box<[u16]>,
    /// Number of assets.
    len: usize,
}

impl AssetIndex {
    /// Largest asset id we index. Perp ids are small (their position in `meta.universe`);
    /// spot (10000+) and HIP-3 (100000+) ids are not quoted.
    pub const MAX_ASSET_ID: u32 = 9_999;

    /// Builds the index; assets above [`AssetIndex::MAX_ASSET_ID`] are ignored.
    pub fn new(assets: impl IntoIterator<Item = AssetId>) -> Self {
        let assets: Vec<AssetId> =
            assets.into_iter().filter(|a| a.0 <= Self::MAX_ASSET_ID).collect();
        let max = assets.iter().map(|a| a.0 as usize).max().map_or(0, |m| m + 1);
        let mut dense = vec![0u16; max].into_boxed_slice();
        let mut len = 0;
        for a in &assets {
            let slot = &mut dense[a.0 as usize];
            if *slot == 0 {
                len += 1;
                *slot = len as u16;
            }
        }
        Self { dense, len }
    }

    /// The dense index of `asset`, if it is one of ours.
    #[inline]
    pub fn get(&self, asset: AssetId) -> Option<usize> {
        match self.dense.get(asset.0 as usize) {
            Some(&v) if v != 0 => Some(v as usize - 1),
            _ => None,
        }
    }

    /// Number of assets.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// `true` when there are no assets.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of conflation keys for a market-data ring over these assets: one per (asset,
    /// kind), plus one shared key for mids and one for control events.
    pub const fn md_keys(&self) -> usize {
        self.len * MdKind::COUNT + 2
    }

    /// The conflation key of a market-data event. Events of unknown assets share the control
    /// key (the parser already skips coins we do not know).
    pub fn md_key(&self, event: &FeedEvent) -> usize {
        let per_asset = |asset: AssetId, kind: MdKind| {
            self.get(asset)
                .map_or(self.len * MdKind::COUNT + 1, |i| i * MdKind::COUNT + kind as usize)
        };
        match event {
            FeedEvent::Book(b) => per_asset(b.asset, MdKind::Book),
            FeedEvent::Bbo(b) => per_asset(b.asset, MdKind::Bbo),
            FeedEvent::Trades(t) => t
                .as_slice()
                .first()
                .map_or(self.len * MdKind::COUNT + 1, |tr| per_asset(tr.asset, MdKind::Trades)),
            FeedEvent::AssetCtx(c) => per_asset(c.asset, MdKind::AssetCtx),
            FeedEvent::Mids(_) => self.len * MdKind::COUNT,
            _ => self.len * MdKind::COUNT + 1,
        }
    }

    /// The asset a market-data event is about (for per-stream health), if any.
    pub fn market_asset(event: &FeedEvent) -> Option<AssetId> {
        match event {
            FeedEvent::Book(b) => Some(b.asset),
            FeedEvent::Bbo(b) => Some(b.asset),
            FeedEvent::Trades(t) => t.as_slice().first().map(|tr| tr.asset),
            FeedEvent::AssetCtx(c) => Some(c.asset),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::events::{BookSnapshot, MidBatch};

    #[test]
    fn dense_indexes_follow_the_instrument_order() {
        let idx = AssetIndex::new([AssetId(0), AssetId(5), AssetId(1)]);
        assert_eq!(idx.len(), 3);
        assert_eq!(idx.get(AssetId(0)), Some(0));
        assert_eq!(idx.get(AssetId(5)), Some(1));
        assert_eq!(idx.get(AssetId(1)), Some(2));
        assert_eq!(idx.get(AssetId(2)), None);
        assert_eq!(idx.get(AssetId(10_000)), None);
    }

    #[test]
    fn books_of_different_coins_never_share_a_key() {
        let idx = AssetIndex::new([AssetId(0), AssetId(1)]);
        let book = |a| FeedEvent::Book(BookSnapshot { asset: AssetId(a), ..Default::default() });
        assert_ne!(idx.md_key(&book(0)), idx.md_key(&book(1)));
        assert_ne!(idx.md_key(&book(0)), idx.md_key(&FeedEvent::Mids(MidBatch::default())));
        assert!(idx.md_key(&book(1)) < idx.md_keys());
        assert!(idx.md_key(&FeedEvent::Pong) < idx.md_keys());
    }
}
