//! Placing one order: the static and stateful checks, matching against the book, settling each
//! fill for both sides, and the bookkeeping when a resting order leaves the book.

use super::{mix64, Exchange};
use crate::accounts::{raw_to_usd, Account};
use crate::actions::{
    FillRecord, LimitOrder, OrderStatusResp, OrderUpdateRecord, SimEvent, SimOrderStatus,
    TradeRecord,
};
use crate::matching::{check_static, MakerOutcome, OrderRejection, RestingOrder};
use hlmm_types::commands::Tif;
use hlmm_types::{Cloid, Nanos, Oid, Px, Side, Sz, Tid, Usd};

/// One maker fill, as both of its sides are booked.
#[derive(Debug, Clone, Copy)]
struct Trade {
    /// Market index.
    m: usize,
    px: Px,
    sz: Sz,
    notional: Usd,
    tid: Tid,
    time: Nanos,
}

/// One side of a [`Trade`].
#[derive(Debug, Clone, Copy)]
struct Leg {
    account: u32,
    side: Side,
    oid: Oid,
    cloid: Option<Cloid>,
    /// The taker.
    crossed: bool,
}

impl Exchange {
    pub(super) fn place_status(
        &mut self,
        a: u32,
        req: &LimitOrder,
        tif: Tif,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> OrderStatusResp {
        self.place(a, req, tif, now, events).unwrap_or_else(|r| OrderStatusResp::Error(r.message()))
    }

    pub(super) fn open_order_cap(&self, acct: &Account) -> u32 {
        let step = self.config.open_order_cap_volume_step.0.max(1);
        let extra = (acct.cum_volume.0 / step).clamp(0, i64::from(u32::MAX)) as u32;
        self.config.open_order_cap.saturating_add(extra).min(self.config.open_order_cap_max)
    }

    /// Validates, matches and rests (or cancels) one order. `tif` may differ from the request's
    /// (a modify without `a` rests as ALO).
    pub(super) fn place(
        &mut self,
        a: u32,
        req: &LimitOrder,
        tif: Tif,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> Result<OrderStatusResp, OrderRejection> {
        let m = *self.asset_index.get(&req.asset).ok_or(OrderRejection::UnknownAsset)?;
        let spec = self.assets[m].spec;
        let sz = self.check_order(a, m, req, tif)?;
        let oid = Oid(self.next_oid);
        self.next_oid += 1;
        let (filled, avg_px) = self.take(m, a, req, oid, sz, now, events);
        let remaining = Sz(sz.0 - filled.0);
        let filled_resp = OrderStatusResp::Filled { spec, total_sz: filled, avg_px, oid };
        let mut update = OrderUpdateRecord {
            spec,
            side: req.side(),
            limit_px: req.px,
            sz: remaining,
            oid,
            timestamp: now,
            orig_sz: req.sz,
            cloid: req.cloid,
            tif,
            reduce_only: req.reduce_only,
            status: SimOrderStatus::Filled,
            status_time: now,
        };
        if remaining.0 == 0 {
            self.emit_terminal(a, update, events);
            return Ok(filled_resp);
        }
        if tif == Tif::Ioc {
            if filled.0 == 0 {
                return Err(OrderRejection::IocCancel);
            }
            update.status = SimOrderStatus::Canceled;
            self.emit_terminal(a, update, events);
            return Ok(filled_resp);
        }
        self.rest(m, a, update, events);
        Ok(OrderStatusResp::Resting { oid, cloid: req.cloid })
    }

    /// The checks before matching, in the venue's order: grid and minimum, open-order cap,
    /// reduce-only, ALO crossing, margin, IOC with nothing to take. The size to trade (a
    /// reduce-only order is cut to the position).
    fn check_order(
        &self,
        a: u32,
        m: usize,
        req: &LimitOrder,
        tif: Tif,
    ) -> Result<Sz, OrderRejection> {
        let spec = self.assets[m].spec;
        let side = req.side();
        check_static(&spec, req.px, req.sz, req.reduce_only)?;
        let acct = &self.accounts[a as usize];
        if !acct.house {
            let cap = self.open_order_cap(acct);
            if acct.open_orders >= cap
                || (req.reduce_only && acct.open_orders >= self.config.open_order_cap)
            {
                return Err(OrderRejection::TooManyOpenOrders);
            }
        }
        let mut sz = req.sz;
        if req.reduce_only {
            let szi = acct.positions[m].szi.0;
            if szi == 0 || (szi > 0) == side.is_buy() {
                return Err(OrderRejection::ReduceOnly);
            }
            sz = Sz(sz.0.min(szi.abs()));
        }
        let book = &self.books[m];
        if tif == Tif::Alo && book.would_cross(side, req.px) {
            return Err(OrderRejection::BadAloPx {
                bid: book.best_bid(),
                ask: book.best_ask(),
                px_decimals: spec.px_decimals(),
            });
        }
        if !acct.house && !req.reduce_only {
            let raw = i128::from(req.px.0) * i128::from(sz.0);
            let need = acct.margin_required(&self.assets, Some((m, side, raw)));
            if need > acct.account_value(&self.assets) {
                return Err(OrderRejection::PerpMargin);
            }
        }
        if tif == Tif::Ioc && !book.would_cross(side, req.px) {
            return Err(OrderRejection::IocCancel);
        }
        Ok(sz)
    }

    /// Matches `sz` of the taker order `oid` against the book: each maker fill settled, each
    /// self-trade expiring the maker. The lots filled and their average price (nearest tick).
    #[allow(clippy::too_many_arguments)]
    fn take(
        &mut self,
        m: usize,
        a: u32,
        req: &LimitOrder,
        oid: Oid,
        sz: Sz,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> (Sz, Px) {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let filled = self.books[m].match_taker(a, req.side(), req.px, sz, &mut scratch);
        let mut px_sz = 0i128;
        for outcome in &scratch {
            match *outcome {
                MakerOutcome::SelfTrade { order } => {
                    self.on_removed(m, &order, SimOrderStatus::SelfTradeCanceled, now, events);
                }
                MakerOutcome::Fill { order, fill } => {
                    px_sz += i128::from(order.px.0) * i128::from(fill.0);
                    self.settle_fill(m, a, req, oid, &order, fill, now, events);
                }
            }
        }
        if !scratch.is_empty() {
            self.dirty[m] = true;
        }
        self.scratch = scratch;
        if !self.touched.is_empty() {
            self.recheck_reduce_only(m, now, events);
        }
        let avg_px = if filled.0 > 0 {
            let n = i128::from(filled.0);
            Px(((px_sz + n / 2) / n) as i64)
        } else {
            Px::ZERO
        };
        (filled, avg_px)
    }

    /// Rests the remainder described by `update` (its `sz`) in the book of account `a`:
    /// reserved notional, reduce-only count, order count, cloid index, `open` update.
    fn rest(
        &mut self,
        m: usize,
        a: u32,
        mut update: OrderUpdateRecord,
        events: &mut Vec<SimEvent>,
    ) {
        let (oid, side, px, remaining) = (update.oid, update.side, update.limit_px, update.sz);
        self.books[m].insert(RestingOrder {
            oid,
            owner: a,
            side,
            px,
            sz: remaining,
            orig_sz: update.orig_sz,
            cloid: update.cloid,
            timestamp: update.timestamp,
            reduce_only: update.reduce_only,
            tif: update.tif,
        });
        self.dirty[m] = true;
        let acct = &mut self.accounts[a as usize];
        let pos = &mut acct.positions[m];
        let raw = i128::from(px.0) * i128::from(remaining.0);
        match side {
            Side::Bid => pos.bid_raw += raw,
            Side::Ask => pos.ask_raw += raw,
        }
        if update.reduce_only {
            pos.reduce_only_orders += 1;
        }
        acct.open_orders += 1;
        if let Some(c) = update.cloid {
            acct.cloids.insert(c, (m, oid));
        }
        update.status = SimOrderStatus::Open;
        events.push(SimEvent::OrderUpdate { user: acct.address, update });
    }

    /// Books one maker fill for both sides: positions, PnL, fees, volume, fill logs, trade.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn settle_fill(
        &mut self,
        m: usize,
        taker: u32,
        req: &LimitOrder,
        taker_oid: Oid,
        maker: &RestingOrder,
        fill: Sz,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) {
        let spec = self.assets[m].spec;
        let px = maker.px;
        let notional = spec.notional(px, fill);
        let tid = Tid(mix64(taker_oid.0.rotate_left(32) ^ maker.oid.0) & ((1 << 50) - 1));
        let taker_side = req.side();
        let (buyer, seller) = match taker_side {
            Side::Bid => (taker, maker.owner),
            Side::Ask => (maker.owner, taker),
        };
        events.push(SimEvent::Trade(TradeRecord {
            spec,
            side: taker_side,
            px,
            sz: fill,
            hash: self.tx_hash,
            time: now,
            tid,
            buyer: self.accounts[buyer as usize].address,
            seller: self.accounts[seller as usize].address,
        }));
        let trade = Trade { m, px, sz: fill, notional, tid, time: now };
        let legs = [
            Leg {
                account: taker,
                side: taker_side,
                oid: taker_oid,
                cloid: req.cloid,
                crossed: true,
            },
            Leg {
                account: maker.owner,
                side: maker.side,
                oid: maker.oid,
                cloid: maker.cloid,
                crossed: false,
            },
        ];
        for leg in legs {
            self.settle_leg(&trade, leg, events);
        }
        // The maker's resting notional shrinks by what traded.
        let raw = i128::from(px.0) * i128::from(fill.0);
        let pos = &mut self.accounts[maker.owner as usize].positions[m];
        match maker.side {
            Side::Bid => pos.bid_raw -= raw,
            Side::Ask => pos.ask_raw -= raw,
        }
        if maker.sz.0 == 0 {
            // Fully filled: `order` carries zero remaining, nothing left to unreserve.
            self.on_removed(m, maker, SimOrderStatus::Filled, now, events);
        }
    }

    /// Books one side of a trade: position, closed PnL, fee, volume, fill log, `Fill` event.
    fn settle_leg(&mut self, t: &Trade, leg: Leg, events: &mut Vec<SimEvent>) {
        let spec = self.assets[t.m].spec;
        let acct = &mut self.accounts[leg.account as usize];
        let fee = acct.fees.unwrap_or(self.config.fees).fee(t.notional, leg.crossed);
        let pos = &mut acct.positions[t.m];
        let effect = pos.apply_fill(leg.side, t.px, t.sz);
        if pos.reduce_only_orders > 0 && !self.touched.contains(&leg.account) {
            self.touched.push(leg.account);
        }
        let closed_pnl = raw_to_usd(&spec, effect.closed_raw);
        acct.balance = acct.balance + closed_pnl - fee;
        acct.cum_volume = acct.cum_volume + t.notional;
        let rec = FillRecord {
            spec,
            px: t.px,
            sz: t.sz,
            side: leg.side,
            time: t.time,
            start_position: effect.start,
            dir: effect.dir,
            closed_pnl,
            hash: self.tx_hash,
            oid: leg.oid,
            crossed: leg.crossed,
            fee,
            tid: t.tid,
            cloid: leg.cloid,
        };
        if self.config.fill_log_cap > 0 {
            if acct.fills.len() >= self.config.fill_log_cap {
                acct.fills.pop_front();
            }
            acct.fills.push_back(rec);
        }
        events.push(SimEvent::Fill { user: acct.address, fill: rec });
    }

    /// Bookkeeping after a resting order left the book (filled, cancelled, expired).
    pub(super) fn on_removed(
        &mut self,
        m: usize,
        order: &RestingOrder,
        status: SimOrderStatus,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) {
        let acct = &mut self.accounts[order.owner as usize];
        let pos = &mut acct.positions[m];
        let raw = i128::from(order.px.0) * i128::from(order.sz.0);
        match order.side {
            Side::Bid => pos.bid_raw -= raw,
            Side::Ask => pos.ask_raw -= raw,
        }
        if order.reduce_only {
            pos.reduce_only_orders -= 1;
        }
        acct.open_orders -= 1;
        if let Some(c) = order.cloid {
            if acct.cloids.get(&c).is_some_and(|&(_, o)| o == order.oid) {
                acct.cloids.remove(&c);
            }
        }
        let update = OrderUpdateRecord {
            spec: self.assets[m].spec,
            side: order.side,
            limit_px: order.px,
            sz: order.sz,
            oid: order.oid,
            timestamp: order.timestamp,
            orig_sz: order.orig_sz,
            cloid: order.cloid,
            tif: order.tif,
            reduce_only: order.reduce_only,
            status,
            status_time: now,
        };
        self.dirty[m] = true;
        self.emit_terminal(order.owner, update, events);
    }

    pub(super) fn emit_terminal(
        &mut self,
        a: u32,
        update: OrderUpdateRecord,
        events: &mut Vec<SimEvent>,
    ) {
        let acct = &mut self.accounts[a as usize];
        if self.config.history_cap > 0 {
            if acct.history.len() >= self.config.history_cap {
                acct.history.pop_front();
            }
            acct.history.push_back(update);
        }
        events.push(SimEvent::OrderUpdate { user: acct.address, update });
    }

    /// Cancels resting reduce-only orders that would now increase the position of an account
    /// whose position just changed (`reduceOnlyCanceled`).
    pub(super) fn recheck_reduce_only(&mut self, m: usize, now: Nanos, events: &mut Vec<SimEvent>) {
        let touched = std::mem::take(&mut self.touched);
        for &a in &touched {
            let szi = self.accounts[a as usize].positions[m].szi.0;
            let stale: Vec<Oid> = self.books[m]
                .orders_of(a)
                .filter(|o| o.reduce_only && (szi == 0 || (szi > 0) == o.side.is_buy()))
                .map(|o| o.oid)
                .collect();
            for oid in stale {
                if let Some(order) = self.books[m].remove(oid) {
                    self.on_removed(m, &order, SimOrderStatus::ReduceOnlyCanceled, now, events);
                }
            }
        }
        self.touched = touched;
        self.touched.clear();
    }
}
