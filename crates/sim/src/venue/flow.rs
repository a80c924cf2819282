//! The market generator's side of [`ExchangeVenue`]: listing, house ladders, house takers, the
//! depth the generator reads back, and the trades it prints.

use super::{ExchangeVenue, VenueBook};
use crate::accounts::{Address, AssetConfig};
use crate::actions::LimitOrder;
use crate::market::{CoinParams, FlowVenue, TradePrint, HOUSE_TAKER_ADDR};
use hlmm_types::commands::Tif;
use hlmm_types::events::Level;
use hlmm_types::{AssetId, InstrumentSpec, Nanos, Oid, Px, Side, Sz};

impl FlowVenue for ExchangeVenue {
    fn add_asset(&mut self, asset: AssetId, spec: InstrumentSpec, params: &CoinParams) {
        let i = asset.0 as usize;
        if self.books.len() <= i {
            self.books.resize_with(i + 1, VenueBook::default);
        }
        self.books[i].spec = Some(spec);
        if self.exchange.asset(asset).is_none() {
            let px = spec.bid_from_f64(params.px).unwrap_or(Px(1));
            let cfg =
                AssetConfig { spec, max_leverage: params.max_leverage, mark_px: px, oracle_px: px };
            // Not listed yet (checked above), so this cannot be a duplicate.
            let _ = self.exchange.add_asset(cfg);
        }
        self.refresh(asset);
    }

    fn quote_ladder(&mut self, asset: AssetId, bids: &[Level], asks: &[Level], now: Nanos) {
        if self.books.get(asset.0 as usize).is_none_or(|b| b.spec.is_none()) {
            return;
        }
        // Cancel-side first on both sides would be cleaner, but each side's new levels are
        // behind the other side's old ones (the generator's ladder is uncrossed and moves by
        // a few ticks a block), and self-trade prevention covers the rest.
        let mut events = std::mem::take(&mut self.requote_events);
        events.clear();
        self.requote_side(asset, Side::Bid, bids, now, &mut events);
        self.requote_side(asset, Side::Ask, asks, now, &mut events);
        // Trades of a re-quote (a level crossing a user's order) print with this block.
        let i = asset.0 as usize;
        let mut trades = std::mem::take(&mut self.books[i].trades);
        self.route(&mut events, Some(&mut trades));
        self.books[i].trades = trades;
        self.requote_events = events;
    }

    fn clear(&mut self, asset: AssetId, now: Nanos) {
        let mut events = std::mem::take(&mut self.scratch);
        events.clear();
        let owners: Vec<(Address, Oid)> = match self.exchange.book(asset) {
            Some(book) => book
                .orders_in_priority()
                .filter_map(|o| {
                    self.exchange.accounts().get(o.owner as usize).map(|a| (a.address, o.oid))
                })
                .collect(),
            None => Vec::new(),
        };
        for (owner, oid) in owners {
            self.exchange.cancel_synthetic(owner, asset, oid, now, &mut events);
        }
        if let Some(b) = self.books.get_mut(asset.0 as usize) {
            b.house_bids.clear();
            b.house_asks.clear();
            b.dirty = true;
        }
        self.route(&mut events, None);
        self.scratch = events;
    }

    fn take(
        &mut self,
        asset: AssetId,
        side: Side,
        sz: Sz,
        max_levels: usize,
        now: Nanos,
        out: &mut Vec<TradePrint>,
    ) {
        let Some(vb) = self.books.get(asset.0 as usize) else { return };
        let resting = match side {
            Side::Bid => &vb.asks,
            Side::Ask => &vb.bids,
        };
        let deepest = max_levels.max(1).min(resting.len());
        let Some(limit) = deepest.checked_sub(1).and_then(|i| resting.get(i)).map(|l| l.px) else {
            return;
        };
        let req = LimitOrder {
            asset,
            is_buy: side == Side::Bid,
            px: limit,
            sz,
            reduce_only: false,
            tif: Tif::Ioc,
            cloid: None,
        };
        let mut events = std::mem::take(&mut self.scratch);
        events.clear();
        // A refusal (below $10) is a taker that did not trade.
        let _ = self.exchange.place_synthetic(HOUSE_TAKER_ADDR, &req, now, &mut events);
        self.route(&mut events, Some(out));
        self.scratch = events;
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

    fn house_side(&self, asset: AssetId, side: Side) -> &[Level] {
        match self.books.get(asset.0 as usize) {
            Some(b) => match side {
                Side::Bid => &b.house_bid_levels,
                Side::Ask => &b.house_ask_levels,
            },
            None => &[],
        }
    }

    fn drain_trades(&mut self, asset: AssetId, out: &mut Vec<TradePrint>) {
        if let Some(b) = self.books.get_mut(asset.0 as usize) {
            out.append(&mut b.trades);
        }
    }
}
