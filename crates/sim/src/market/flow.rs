//! Where the generator's house flow trades: the [`FlowVenue`] seam and the generator's own
//! books ([`LocalBooks`]).

use super::dynamics::{hash32, mix64};
use super::{CoinParams, TradePrint, HOUSE_MAKER_ADDR, HOUSE_TAKER_ADDR, LADDER_DEPTH};
use hlmm_types::events::Level;
use hlmm_types::{AssetId, InstrumentSpec, Nanos, Side, Sz, Tid};

/// Where the house makers and takers trade. [`LocalBooks`] is the generator's own book;
/// [`crate::venue::ExchangeVenue`] sends the flow to the matching engine as house-account
/// orders, where it meets the users' orders.
pub trait FlowVenue {
    /// Adds an empty book for a newly listed asset (`asset` is the next index).
    fn add_asset(&mut self, asset: AssetId, spec: InstrumentSpec, params: &CoinParams);

    /// Replaces the house makers' resting ladder of `asset`: `bids` highest first, `asks`
    /// lowest first, every price on the grid, every bid below every ask.
    fn quote_ladder(&mut self, asset: AssetId, bids: &[Level], asks: &[Level], now: Nanos);

    /// Removes every resting level of `asset` (delisting).
    fn clear(&mut self, asset: AssetId, now: Nanos);

    /// A house taker's IOC order: buys (`Side::Bid`) or sells up to `sz` lots, sweeping at
    /// most `max_levels` levels; appends one print per level touched to `out`.
    fn take(
        &mut self,
        asset: AssetId,
        side: Side,
        sz: Sz,
        max_levels: usize,
        now: Nanos,
        out: &mut Vec<TradePrint>,
    );

    /// One side of `asset`'s book, best first.
    fn side(&self, asset: AssetId, side: Side) -> &[Level];

    /// One side of the house makers' own ladder, best first (what they keep from block to
    /// block). Without other traders it is the whole book.
    fn house_side(&self, asset: AssetId, side: Side) -> &[Level] {
        self.side(asset, side)
    }

    /// Appends the trades of `asset` made since the last block by other traders (users'
    /// actions), so the block prints them with the house flow.
    fn drain_trades(&mut self, _asset: AssetId, _out: &mut Vec<TradePrint>) {}
}

/// The generator's own books: one ladder per side per asset.
#[derive(Debug, Default, Clone)]
pub struct LocalBooks {
    books: Vec<LocalBook>,
}

#[derive(Debug, Default, Clone)]
struct LocalBook {
    bids: Vec<Level>,
    asks: Vec<Level>,
    /// Trade ids are a per-asset counter mixed into 50 bits.
    next_trade: u64,
}

impl FlowVenue for LocalBooks {
    fn add_asset(&mut self, asset: AssetId, _spec: InstrumentSpec, _params: &CoinParams) {
        let i = asset.0 as usize;
        if self.books.len() <= i {
            self.books.resize_with(i + 1, LocalBook::default);
        }
        self.books[i].bids.reserve(LADDER_DEPTH);
        self.books[i].asks.reserve(LADDER_DEPTH);
    }

    fn quote_ladder(&mut self, asset: AssetId, bids: &[Level], asks: &[Level], _now: Nanos) {
        if let Some(b) = self.books.get_mut(asset.0 as usize) {
            b.bids.clear();
            b.bids.extend_from_slice(bids);
            b.asks.clear();
            b.asks.extend_from_slice(asks);
        }
    }

    fn clear(&mut self, asset: AssetId, _now: Nanos) {
        if let Some(b) = self.books.get_mut(asset.0 as usize) {
            b.bids.clear();
            b.asks.clear();
        }
    }

    fn take(
        &mut self,
        asset: AssetId,
        side: Side,
        sz: Sz,
        max_levels: usize,
        _now: Nanos,
        out: &mut Vec<TradePrint>,
    ) {
        let Some(book) = self.books.get_mut(asset.0 as usize) else { return };
        let resting = match side {
            Side::Bid => &mut book.asks,
            Side::Ask => &mut book.bids,
        };
        let mut left = sz.0;
        let mut emptied = 0;
        for level in resting.iter_mut().take(max_levels) {
            if left <= 0 {
                break;
            }
            let fill = left.min(level.sz.0);
            left -= fill;
            level.sz.0 -= fill;
            book.next_trade += 1;
            let key = mix64((u64::from(asset.0) << 40) ^ book.next_trade);
            out.push(TradePrint {
                asset,
                side,
                px: level.px,
                sz: Sz(fill),
                tid: Tid(key & ((1 << 50) - 1)),
                hash: hash32(key),
                // The house taker is the aggressor.
                buyer: if side == Side::Bid { HOUSE_TAKER_ADDR } else { HOUSE_MAKER_ADDR },
                seller: if side == Side::Bid { HOUSE_MAKER_ADDR } else { HOUSE_TAKER_ADDR },
            });
            if level.sz.0 == 0 {
                emptied += 1;
            } else {
                // The maker's orders at this level shrink; keep at least one order counted.
                level.n = level.n.max(1);
            }
        }
        resting.drain(..emptied);
    }

    fn side(&self, asset: AssetId, side: Side) -> &[Level] {
        match self.books.get(asset.0 as usize) {
            Some(b) => match side {
                Side::Bid => &b.bids,
                Side::Ask => &b.asks,
            },
            None => &[],
        }
    }
}
