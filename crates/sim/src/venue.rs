//! sim::venue: the market generator's flow traded on the matching engine.
//!
//! [`ExchangeVenue`] implements [`FlowVenue`](crate::market::FlowVenue) over an [`Exchange`]: the house makers' ladders
//! become resting GTC orders of [`HOUSE_MAKER_ADDR`], the house takers' sweeps become IOC
//! orders of [`HOUSE_TAKER_ADDR`]. Both are house accounts (no margin check, no order cap). The
//! users' orders rest in the same books, so they meet the synthetic liquidity, and the book and
//! the trades the server publishes are the exchange's.
//!
//! The venue also collects what the server must publish: trades made between blocks by users'
//! actions (printed with the next block through
//! [`FlowVenue::drain_trades`](crate::market::FlowVenue::drain_trades)) and the users'
//! fills, order updates and funding payments ([`ExchangeVenue::take_user_events`]). House
//! accounts' own fills and order updates are not collected: nobody can subscribe to them
//! usefully and they would cost a serialisation per block.
//!
//! Re-quoting a ladder keeps every house order whose price and remaining size the generator
//! kept, cancels the rest, then places the new levels (cancels first, so the house never
//! trades with itself); a new level that crosses a user's resting order trades with it, as a
//! market moving through a stale quote does.
//!
//! Pure: no clock (time is an argument), no I/O, no logging; its own buffers are reused from
//! block to block (the exchange's event and fill logs are bounded). Runs inside a
//! [`crate::state::VenueState`] (under the server's venue lock, or in a backtest).

#![forbid(unsafe_code)]

mod flow;

use crate::accounts::Address;
use crate::actions::{ExchangeAction, ExchangeResponse, LimitOrder, OrderStatusResp, SimEvent};
use crate::exchange::Exchange;
use crate::market::{TradePrint, HOUSE_MAKER_ADDR, HOUSE_TAKER_ADDR, LADDER_DEPTH};
use hlmm_types::commands::Tif;
use hlmm_types::events::Level;
use hlmm_types::{AssetId, InstrumentSpec, Nanos, Oid, Px, Rate, Side, Usd};

/// Levels per side kept in the cached depth: the house ladder plus room for users' prices.
const DEPTH_CACHE: usize = 2 * LADDER_DEPTH;

/// Collateral credited to each house account at start, USD: enough that its account value
/// stays positive in `clearinghouseState` however long the simulator runs.
const HOUSE_COLLATERAL: i64 = 1_000_000_000;

/// One resting order of the house maker.
#[derive(Debug, Clone, Copy)]
struct HouseOrder {
    oid: Oid,
    px: Px,
    /// The order count the generator drew for the level (printed on the house ladder only).
    n: u32,
}

#[derive(Debug, Default)]
struct VenueBook {
    /// `None` until listed.
    spec: Option<InstrumentSpec>,
    /// The exchange's depth, best first (what `side` returns).
    bids: Vec<Level>,
    asks: Vec<Level>,
    /// The house maker's resting orders, best first.
    house_bids: Vec<HouseOrder>,
    house_asks: Vec<HouseOrder>,
    /// The house ladder as levels (what `house_side` returns), best first.
    house_bid_levels: Vec<Level>,
    house_ask_levels: Vec<Level>,
    /// Trades made by users' actions since the last block.
    trades: Vec<TradePrint>,
    dirty: bool,
}

/// The market generator's venue backed by the matching engine.
#[derive(Debug)]
pub struct ExchangeVenue {
    exchange: Exchange,
    /// By asset id.
    books: Vec<VenueBook>,
    /// Users' fills, order updates and funding, in order, for the server to publish.
    user_events: Vec<SimEvent>,
    /// Reused event buffer.
    scratch: Vec<SimEvent>,
    /// Reused ladder-diff marks.
    keep: Vec<bool>,
    /// Reused event buffer of a re-quote (both sides).
    requote_events: Vec<SimEvent>,
    /// Reused lists of a re-quote: house orders to cancel, house orders placed.
    cancels: Vec<Oid>,
    placed: Vec<HouseOrder>,
}

impl ExchangeVenue {
    /// A venue over `exchange` (empty, or restored from a snapshot). The house accounts are
    /// created and funded; house orders left in a restored exchange are cancelled, as the
    /// ladders are rebuilt on the first block.
    pub fn new(mut exchange: Exchange) -> Self {
        let mut scratch = Vec::new();
        for house in [HOUSE_MAKER_ADDR, HOUSE_TAKER_ADDR] {
            let fresh = exchange.account(house).is_none();
            exchange.set_house(house, true);
            if fresh {
                exchange.deposit(house, Usd::from_dollars(HOUSE_COLLATERAL));
            }
            for o in exchange.open_orders(house) {
                // Restored house quotes are stale; the time only stamps the cancel.
                exchange.cancel_synthetic(house, o.spec.asset, o.oid, o.timestamp, &mut scratch);
            }
        }
        scratch.clear();
        Self {
            exchange,
            books: Vec::new(),
            user_events: Vec::new(),
            scratch,
            keep: Vec::new(),
            requote_events: Vec::new(),
            cancels: Vec::new(),
            placed: Vec::new(),
        }
    }

    /// The exchange, for queries.
    pub fn exchange(&self) -> &Exchange {
        &self.exchange
    }

    /// The exchange, for setup (deposits, fees). Actions go through [`Self::apply`] so their
    /// events are collected.
    pub fn exchange_mut(&mut self) -> &mut Exchange {
        &mut self.exchange
    }

    /// Applies a user's action at `now`; its trades print with the next block, its user
    /// events wait in [`Self::take_user_events`].
    pub fn apply(
        &mut self,
        user: Address,
        action: &ExchangeAction,
        now: Nanos,
    ) -> ExchangeResponse {
        let mut events = std::mem::take(&mut self.scratch);
        events.clear();
        let resp = self.exchange.apply_into(user, action, now, &mut events);
        self.route(&mut events, None);
        self.scratch = events;
        resp
    }

    /// Fires the exchange's timers (`scheduleCancel`) due at `now`.
    pub fn on_time(&mut self, now: Nanos) {
        let mut events = std::mem::take(&mut self.scratch);
        events.clear();
        self.exchange.on_time(now, &mut events);
        self.route(&mut events, None);
        self.scratch = events;
    }

    /// Sets `asset`'s mark and oracle prices (from the generator's context).
    pub fn set_prices(&mut self, asset: AssetId, mark: Px, oracle: Px) {
        // An asset the exchange does not list has no positions to mark.
        let _ = self.exchange.set_prices(asset, mark, oracle);
    }

    /// Pays funding at the hourly `rate` on every position in `asset`.
    pub fn settle_funding(&mut self, asset: AssetId, rate: Rate, now: Nanos) {
        let mut events = std::mem::take(&mut self.scratch);
        events.clear();
        // Unlisted asset: nothing to settle.
        let _ = self.exchange.settle_funding(asset, rate, now, &mut events);
        self.route(&mut events, None);
        self.scratch = events;
    }

    /// Moves the users' pending events (in the order they happened) into `out`.
    pub fn take_user_events(&mut self, out: &mut Vec<SimEvent>) {
        out.append(&mut self.user_events);
    }

    fn is_house(&self, user: Address) -> bool {
        user == HOUSE_MAKER_ADDR || user == HOUSE_TAKER_ADDR
    }

    /// Sorts `events`: trades to `trades` (or the asset's between-block list), users' events
    /// to the pending list; then refreshes the depth of every book that changed.
    fn route(&mut self, events: &mut Vec<SimEvent>, mut trades: Option<&mut Vec<TradePrint>>) {
        for ev in events.drain(..) {
            match ev {
                SimEvent::Trade(t) => {
                    let print = TradePrint {
                        asset: t.spec.asset,
                        side: t.side,
                        px: t.px,
                        sz: t.sz,
                        tid: t.tid,
                        hash: t.hash.0,
                        buyer: t.buyer,
                        seller: t.seller,
                    };
                    match trades.as_deref_mut() {
                        Some(out) => out.push(print),
                        None => {
                            if let Some(b) = self.books.get_mut(t.spec.asset.0 as usize) {
                                b.trades.push(print);
                            }
                        }
                    }
                }
                SimEvent::BookChanged(a) => {
                    if let Some(b) = self.books.get_mut(a.0 as usize) {
                        b.dirty = true;
                    }
                }
                SimEvent::Fill { user, .. }
                | SimEvent::OrderUpdate { user, .. }
                | SimEvent::Funding { user, .. } => {
                    if !self.is_house(user) {
                        self.user_events.push(ev);
                    }
                }
            }
        }
        for i in 0..self.books.len() {
            if self.books[i].dirty {
                self.refresh(AssetId(i as u32));
            }
        }
    }

    /// Rebuilds the cached depth and house ladder of `asset` from the exchange's book.
    fn refresh(&mut self, asset: AssetId) {
        let Some(vb) = self.books.get_mut(asset.0 as usize) else { return };
        vb.dirty = false;
        let Some(book) = self.exchange.book(asset) else { return };
        let level = |d: crate::matching::DepthLevel| Level { px: d.px, sz: d.sz, n: d.n };
        vb.bids.clear();
        vb.bids.extend(book.depth(Side::Bid, DEPTH_CACHE).map(level));
        vb.asks.clear();
        vb.asks.extend(book.depth(Side::Ask, DEPTH_CACHE).map(level));
        for (orders, levels) in [
            (&mut vb.house_bids, &mut vb.house_bid_levels),
            (&mut vb.house_asks, &mut vb.house_ask_levels),
        ] {
            // Orders filled away by users leave the ladder; one oid lookup per order serves
            // both the filter and the level (this runs for every re-quoted book every block).
            levels.clear();
            orders.retain(|o| match book.get(o.oid) {
                Some(r) if r.sz.0 > 0 => {
                    levels.push(Level { px: o.px, sz: r.sz, n: o.n });
                    true
                }
                _ => false,
            });
        }
    }

    /// Replaces one side of the house ladder. Returns nothing: orders the exchange refuses
    /// (below the minimum notional) are simply absent from the book.
    fn requote_side(
        &mut self,
        asset: AssetId,
        side: Side,
        ladder: &[Level],
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) {
        let mut keep = std::mem::take(&mut self.keep);
        keep.clear();
        keep.resize(ladder.len(), false);
        self.cancel_unkept(asset, side, ladder, &mut keep, now, events);
        self.place_levels(asset, side, ladder, &keep, now, events);
        self.books[asset.0 as usize].dirty = true;
        self.keep = keep;
    }

    /// Cancels the house orders of `side` the new ladder does not keep (same price, same
    /// remaining size), marking the kept levels in `keep`. The house orders and the ladder are
    /// both sorted best first: one merge walk; the remaining size comes from the book itself
    /// (an order may have traded or been expired since the last refresh).
    fn cancel_unkept(
        &mut self,
        asset: AssetId,
        side: Side,
        ladder: &[Level],
        keep: &mut [bool],
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) {
        let book = self.exchange.book(asset);
        let orders = self.books[asset.0 as usize].house_side_mut(side);
        let mut cancels = std::mem::take(&mut self.cancels);
        cancels.clear();
        let better = |a: Px, b: Px| if side == Side::Bid { a > b } else { a < b };
        let mut k = 0;
        orders.retain(|o| {
            let current = book.and_then(|b| b.get(o.oid)).map(|r| r.sz);
            while k < ladder.len() && better(ladder[k].px, o.px) {
                k += 1;
            }
            let kept = k < ladder.len()
                && !keep[k]
                && ladder[k].px == o.px
                && current == Some(ladder[k].sz);
            if kept {
                keep[k] = true;
            } else if current.is_some() {
                cancels.push(o.oid);
            }
            kept
        });
        for &oid in &cancels {
            self.exchange.cancel_synthetic(HOUSE_MAKER_ADDR, asset, oid, now, events);
        }
        self.cancels = cancels;
    }

    /// Places the ladder's levels not in `keep`, best first, and merges them into the house
    /// orders of `side`.
    fn place_levels(
        &mut self,
        asset: AssetId,
        side: Side,
        ladder: &[Level],
        keep: &[bool],
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) {
        let mut placed = std::mem::take(&mut self.placed);
        placed.clear();
        for (k, l) in ladder.iter().enumerate() {
            if keep[k] {
                continue;
            }
            let req = LimitOrder {
                asset,
                is_buy: side == Side::Bid,
                px: l.px,
                sz: l.sz,
                reduce_only: false,
                tif: Tif::Gtc,
                cloid: None,
            };
            if let OrderStatusResp::Resting { oid, .. } =
                self.exchange.place_synthetic(HOUSE_MAKER_ADDR, &req, now, events)
            {
                placed.push(HouseOrder { oid, px: l.px, n: l.n });
            }
        }
        let better = |a: Px, b: Px| if side == Side::Bid { a > b } else { a < b };
        let orders = self.books[asset.0 as usize].house_side_mut(side);
        // Both the kept orders and the placed ones are sorted best first: merge them from the
        // back in place (a sort here was ~8 % of a block in the fan-out profile).
        let kept = orders.len();
        orders.extend_from_slice(&placed);
        let (mut o, mut j, mut w) = (kept, placed.len(), orders.len());
        while j > 0 {
            w -= 1;
            if o > 0 && better(placed[j - 1].px, orders[o - 1].px) {
                orders[w] = orders[o - 1];
                o -= 1;
            } else {
                orders[w] = placed[j - 1];
                j -= 1;
            }
        }
        self.placed = placed;
    }
}

impl VenueBook {
    /// The house maker's resting orders on `side`, best first.
    fn house_side_mut(&mut self, side: Side) -> &mut Vec<HouseOrder> {
        match side {
            Side::Bid => &mut self.house_bids,
            Side::Ask => &mut self.house_asks,
        }
    }
}

#[cfg(test)]
mod tests;
