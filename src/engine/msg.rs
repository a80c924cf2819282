//! The messages on the rings between threads, and the policy of each ring.
//!
//! | ring | from → to | message | when full |
//! |---|---|---|---|
//! | market data | feed → quote | [`Stamped`] (book, bbo, trades, mids, ctx, control) | conflates: latest per (asset, kind) wins, counted |
//! | user stream | feed → quote | [`Stamped`] (fills, order updates, funding, …) | lossless: a fault that halts quoting, counted |
//!
//! The intent, outcome and config rings are lossless too; their messages come from the core.

use crate::types::events::FeedEvent;
use crate::types::{AssetId, Nanos};

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
