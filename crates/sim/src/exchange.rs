//! The simulator's venue state machine: `apply(user, action, now) → (response, events)`.
//!
//! [`Exchange`] owns every asset's [`OrderBook`], every [`Account`] and the id counters. The
//! server (or a test, a bench, the market generator) calls [`Exchange::apply`] with a typed
//! [`Action`] and the block time, sends the [`ExchangeResponse`] and streams the
//! [`SimEvent`]s. Timers (the `scheduleCancel` dead-man's switch) fire from
//! [`Exchange::on_time`], which `apply` also calls first; [`Exchange::next_timer`] says when to
//! call it next. Funding settles from [`Exchange::settle_funding`].
//!
//! Pure and deterministic: no I/O, no clock (time is an argument), no logging, no randomness
//! (hashes and trade ids derive from counters and oids). Same inputs, same outputs.
//!
//! Venue behaviour followed (hyperliquid.md §4, §8, §9): price-time priority; self-trade
//! prevention expires the maker (`selfTradeCanceled`, no fill, no fee, no trade); ALO rejects
//! with the bbo; IOC remainders are cancelled; modify is cancel-replace with a new oid;
//! `scheduleCancel` needs ≥ 5 s lead, ≤ 10 triggers per UTC day and (observed) $1 000 000 of
//! traded volume; the open-order cap is 1000 + 1 per $5M traded, at most 5000, and reduce-only
//! orders are refused at 1000.

#![forbid(unsafe_code)]

pub mod snapshot;

use std::collections::HashMap;

pub use snapshot::ExchangeSnapshot;

use crate::accounts::{
    mul_rate, position_margin, raw_to_usd, Account, Address, AssetConfig, FeeSchedule,
};
use crate::actions::{
    Action, CancelStatus, ClearinghouseState, ExchangeResponse, FillRecord, FundingRecord, L2Book,
    L2Level, ModifyRequest, OrderRef, OrderRequest, OrderStatusResp, OrderUpdateRecord,
    PositionSummary, SimEvent, SimOrderStatus, Tif, TradeRecord, CANCEL_MISSING, MODIFY_MISSING,
    MODIFY_PLACE_PREFIX,
};
use crate::matching::{check_static, MakerOutcome, OrderBook, RejectReason, RestingOrder};
use hlmm_types::{AssetId, DecimalStr, Nanos, Oid, Px, Rate, Side, Sz, Tid, TxHash, Usd};

/// Milliseconds in a UTC day: `scheduleCancel` trigger counts reset at 00:00 UTC.
const DAY_MS: u64 = 86_400_000;

/// A `scheduleCancel` time less than the minimum lead ahead. Not a documented venue string.
pub const SCHEDULE_TOO_EARLY: &str =
    "Scheduled cancel time must be at least 5 seconds in the future.";
/// A `scheduleCancel` after the day's triggers are used up. Not a documented venue string.
pub const SCHEDULE_TOO_MANY: &str = "Too many scheduled cancel triggers today.";
/// A modify to an IOC order without `a` (observed: batchModify replacements must rest).
pub const MODIFY_INVALID_NEW: &str = "Attempted to modify to invalid new order";
/// `updateLeverage` outside `1..=maxLeverage`. Not a documented venue string.
pub const INVALID_LEVERAGE: &str = "Invalid leverage value.";

/// Tunables of the simulated venue; [`Default`] is the venue's tier 0 and documented limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeConfig {
    /// Fees for accounts without an override.
    pub fees: FeeSchedule,
    /// Leverage of a new account in an asset (capped by the asset's max).
    pub default_leverage: u32,
    /// Base open-order cap; also the cap for new reduce-only orders.
    pub open_order_cap: u32,
    /// Highest open-order cap however much was traded.
    pub open_order_cap_max: u32,
    /// Traded volume that raises the cap by one order.
    pub open_order_cap_volume_step: Usd,
    /// Traded volume required before `scheduleCancel` is accepted (observed $1 000 000).
    pub schedule_cancel_min_volume: Usd,
    /// Minimum lead of a `scheduleCancel` time, ms.
    pub schedule_cancel_min_lead_ms: u64,
    /// Dead-man's-switch triggers allowed per UTC day.
    pub schedule_cancel_max_per_day: u32,
    /// Fills kept per account for `userFills` (the venue serves at most 10 000).
    pub fill_log_cap: usize,
    /// Terminal order updates kept per account for `orderStatus`.
    pub history_cap: usize,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        Self {
            fees: FeeSchedule::TIER_0,
            default_leverage: 20,
            open_order_cap: 1000,
            open_order_cap_max: 5000,
            open_order_cap_volume_step: Usd::from_dollars(5_000_000),
            schedule_cancel_min_volume: Usd::from_dollars(1_000_000),
            schedule_cancel_min_lead_ms: 5_000,
            schedule_cancel_max_per_day: 10,
            fill_log_cap: 10_000,
            history_cap: 1_000,
        }
    }
}

/// Setup and query errors (never on the action path, which answers with venue strings).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// `add_asset` with an id already listed.
    #[error("asset {0}: already listed")]
    DuplicateAsset(u32),
    /// An asset id that is not listed.
    #[error("asset {0}: not listed")]
    UnknownAsset(u32),
    /// A snapshot that does not describe a consistent state.
    #[error("snapshot: {0}")]
    BadSnapshot(String),
}

/// The simulated venue.
#[derive(Debug, Clone)]
pub struct Exchange {
    config: ExchangeConfig,
    /// Listed assets, in listing order; the index is the "market index" used everywhere.
    assets: Vec<AssetConfig>,
    /// One book per listed asset, same index.
    books: Vec<OrderBook>,
    asset_index: HashMap<AssetId, usize>,
    accounts: Vec<Account>,
    account_index: HashMap<Address, u32>,
    /// Per asset: Σ premium samples (Rate units) and their count, since the last settlement.
    premiums: Vec<(i64, u32)>,
    /// The next order id to assign.
    next_oid: u64,
    /// Counter behind action hashes.
    next_tx: u64,
    /// The current action's hash (shared by its fills and trades).
    tx_hash: TxHash,
    /// Books changed by the current call; `BookChanged` is emitted once per book per call.
    dirty: Vec<bool>,
    /// Reused buffer for matching outcomes.
    scratch: Vec<MakerOutcome>,
    /// Accounts whose position changed in the current match and that hold reduce-only orders.
    touched: Vec<u32>,
}

impl Exchange {
    /// An empty venue.
    pub fn new(config: ExchangeConfig) -> Self {
        Self {
            config,
            assets: Vec::new(),
            books: Vec::new(),
            asset_index: HashMap::new(),
            accounts: Vec::new(),
            account_index: HashMap::new(),
            premiums: Vec::new(),
            next_oid: 1,
            next_tx: 0,
            tx_hash: TxHash::default(),
            dirty: Vec::new(),
            scratch: Vec::with_capacity(64),
            touched: Vec::new(),
        }
    }

    /// The venue's configuration.
    pub fn config(&self) -> &ExchangeConfig {
        &self.config
    }

    /// Lists an asset.
    pub fn add_asset(&mut self, cfg: AssetConfig) -> Result<(), SimError> {
        if self.asset_index.contains_key(&cfg.spec.asset) {
            return Err(SimError::DuplicateAsset(cfg.spec.asset.0));
        }
        self.asset_index.insert(cfg.spec.asset, self.assets.len());
        let lev = self.config.default_leverage.min(cfg.max_leverage).max(1);
        for a in &mut self.accounts {
            a.positions.push(crate::accounts::Position::flat(lev));
        }
        self.assets.push(cfg);
        self.books.push(OrderBook::new());
        self.premiums.push((0, 0));
        self.dirty.push(false);
        Ok(())
    }

    /// Sets an asset's mark and oracle prices (from the market generator).
    pub fn set_prices(&mut self, asset: AssetId, mark: Px, oracle: Px) -> Result<(), SimError> {
        let m = self.market(asset)?;
        self.assets[m].mark_px = mark;
        self.assets[m].oracle_px = oracle;
        Ok(())
    }

    /// Credits `amount` to `user`, creating the account on first deposit.
    pub fn deposit(&mut self, user: Address, amount: Usd) {
        let a = self.account_or_create(user);
        self.accounts[a as usize].balance = self.accounts[a as usize].balance + amount;
    }

    /// Marks `user` as a house (market-generator) account: no margin check, no order cap.
    pub fn set_house(&mut self, user: Address, house: bool) {
        let a = self.account_or_create(user);
        self.accounts[a as usize].house = house;
    }

    /// Overrides `user`'s fee rates (`None`: the venue default).
    pub fn set_fees(&mut self, user: Address, fees: Option<FeeSchedule>) {
        let a = self.account_or_create(user);
        self.accounts[a as usize].fees = fees;
    }

    /// Adds traded volume to `user` without trading (tests, to open the `scheduleCancel` gate).
    pub fn credit_volume(&mut self, user: Address, volume: Usd) {
        let a = self.account_or_create(user);
        self.accounts[a as usize].cum_volume = self.accounts[a as usize].cum_volume + volume;
    }

    fn account_or_create(&mut self, user: Address) -> u32 {
        if let Some(&a) = self.account_index.get(&user) {
            return a;
        }
        let levs: Vec<u32> = self
            .assets
            .iter()
            .map(|c| self.config.default_leverage.min(c.max_leverage).max(1))
            .collect();
        let idx = self.accounts.len() as u32;
        self.accounts.push(Account::new(user, Usd::ZERO, levs.into_iter()));
        self.account_index.insert(user, idx);
        idx
    }

    fn market(&self, asset: AssetId) -> Result<usize, SimError> {
        self.asset_index.get(&asset).copied().ok_or(SimError::UnknownAsset(asset.0))
    }

    /// Applies one action of `user` at block time `now`; returns the response and the events.
    pub fn apply(
        &mut self,
        user: Address,
        action: &Action,
        now: Nanos,
    ) -> (ExchangeResponse, Vec<SimEvent>) {
        let mut events = Vec::new();
        let r = self.apply_into(user, action, now, &mut events);
        (r, events)
    }

    /// [`Exchange::apply`] appending events to a caller-owned buffer (reuse it to avoid
    /// allocating per action).
    pub fn apply_into(
        &mut self,
        user: Address,
        action: &Action,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> ExchangeResponse {
        self.on_time(now, events);
        let Some(&a) = self.account_index.get(&user) else {
            return ExchangeResponse::Err(format!(
                "Must deposit before performing actions. User: {user}"
            ));
        };
        self.begin_tx();
        let resp = match action {
            Action::Order { orders, .. } => ExchangeResponse::Order(
                orders.iter().map(|o| self.place_status(a, o, o.tif, now, events)).collect(),
            ),
            Action::Cancel { cancels } => ExchangeResponse::Cancel(
                cancels
                    .iter()
                    .map(|c| self.cancel_status(a, c.asset, OrderRef::Oid(c.oid), now, events))
                    .collect(),
            ),
            Action::CancelByCloid { cancels } => ExchangeResponse::Cancel(
                cancels
                    .iter()
                    .map(|c| self.cancel_status(a, c.asset, OrderRef::Cloid(c.cloid), now, events))
                    .collect(),
            ),
            Action::Modify { modify, always_place } => {
                match self.modify(a, modify, *always_place, now, events) {
                    Ok(_) => ExchangeResponse::Default,
                    Err(msg) => ExchangeResponse::Err(msg),
                }
            }
            Action::BatchModify { modifies, always_place } => ExchangeResponse::Order(
                modifies
                    .iter()
                    .map(|m| {
                        self.modify(a, m, *always_place, now, events)
                            .unwrap_or_else(OrderStatusResp::Error)
                    })
                    .collect(),
            ),
            Action::ScheduleCancel { time_ms } => self.schedule_cancel(a, *time_ms, now),
            Action::UpdateLeverage { asset, is_cross, leverage } => {
                self.update_leverage(a, *asset, *is_cross, *leverage)
            }
            Action::Noop => ExchangeResponse::Default,
        };
        self.flush_dirty(events);
        resp
    }

    /// Places one order for `user` outside any action (the market generator's synthetic
    /// liquidity): the same rules as an `order` action, house accounts skip margin and caps.
    pub fn place_synthetic(
        &mut self,
        user: Address,
        order: &OrderRequest,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> OrderStatusResp {
        let a = self.account_or_create(user);
        self.begin_tx();
        let r = self.place_status(a, order, order.tif, now, events);
        self.flush_dirty(events);
        r
    }

    /// Cancels one order of `user` outside any action.
    pub fn cancel_synthetic(
        &mut self,
        user: Address,
        asset: AssetId,
        oid: Oid,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> CancelStatus {
        let Some(&a) = self.account_index.get(&user) else {
            return CancelStatus::Error(CANCEL_MISSING.to_owned());
        };
        let r = self.cancel_status(a, asset, OrderRef::Oid(oid), now, events);
        self.flush_dirty(events);
        r
    }

    fn begin_tx(&mut self) {
        self.next_tx += 1;
        let mut h = [0u8; 32];
        for (i, chunk) in h.chunks_exact_mut(8).enumerate() {
            chunk.copy_from_slice(&mix64(self.next_tx ^ ((i as u64) << 56)).to_be_bytes());
        }
        self.tx_hash = TxHash(h);
    }

    fn flush_dirty(&mut self, events: &mut Vec<SimEvent>) {
        for (m, d) in self.dirty.iter_mut().enumerate() {
            if *d {
                *d = false;
                events.push(SimEvent::BookChanged(self.assets[m].spec.asset));
            }
        }
    }

    fn place_status(
        &mut self,
        a: u32,
        req: &OrderRequest,
        tif: Tif,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> OrderStatusResp {
        self.place(a, req, tif, now, events).unwrap_or_else(|r| OrderStatusResp::Error(r.message()))
    }

    fn open_order_cap(&self, acct: &Account) -> u32 {
        let step = self.config.open_order_cap_volume_step.0.max(1);
        let extra = (acct.cum_volume.0 / step).clamp(0, i64::from(u32::MAX)) as u32;
        self.config.open_order_cap.saturating_add(extra).min(self.config.open_order_cap_max)
    }

    /// Validates, matches and rests (or cancels) one order. `tif` may differ from the request's
    /// (a modify without `a` rests as ALO).
    fn place(
        &mut self,
        a: u32,
        req: &OrderRequest,
        tif: Tif,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> Result<OrderStatusResp, RejectReason> {
        let m = *self.asset_index.get(&req.asset).ok_or(RejectReason::UnknownAsset)?;
        let spec = self.assets[m].spec;
        let side = req.side();
        check_static(&spec, req.px, req.sz, req.reduce_only)?;
        let acct = &self.accounts[a as usize];
        if !acct.house {
            let cap = self.open_order_cap(acct);
            if acct.open_orders >= cap
                || (req.reduce_only && acct.open_orders >= self.config.open_order_cap)
            {
                return Err(RejectReason::TooManyOpenOrders);
            }
        }
        let mut sz = req.sz;
        if req.reduce_only {
            let szi = acct.positions[m].szi.0;
            if szi == 0 || (szi > 0) == side.is_buy() {
                return Err(RejectReason::ReduceOnly);
            }
            sz = Sz(sz.0.min(szi.abs()));
        }
        let book = &self.books[m];
        if tif == Tif::Alo && book.would_cross(side, req.px) {
            return Err(RejectReason::BadAloPx {
                bid: book.best_bid(),
                ask: book.best_ask(),
                px_decimals: spec.px_decimals(),
            });
        }
        if !acct.house && !req.reduce_only {
            let raw = i128::from(req.px.0) * i128::from(sz.0);
            let need = acct.margin_required(&self.assets, Some((m, side, raw)));
            if need > acct.account_value(&self.assets) {
                return Err(RejectReason::PerpMargin);
            }
        }
        if tif == Tif::Ioc && !book.would_cross(side, req.px) {
            return Err(RejectReason::IocCancel);
        }

        let oid = Oid(self.next_oid);
        self.next_oid += 1;
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let filled = self.books[m].match_taker(a, side, req.px, sz, &mut scratch);
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

        let remaining = Sz(sz.0 - filled.0);
        let avg_px = if filled.0 > 0 {
            let n = i128::from(filled.0);
            Px(((px_sz + n / 2) / n) as i64)
        } else {
            Px::ZERO
        };
        let filled_resp = OrderStatusResp::Filled { spec, total_sz: filled, avg_px, oid };
        let mut update = OrderUpdateRecord {
            spec,
            side,
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
                return Err(RejectReason::IocCancel);
            }
            update.status = SimOrderStatus::Canceled;
            self.emit_terminal(a, update, events);
            return Ok(filled_resp);
        }
        self.books[m].insert(RestingOrder {
            oid,
            owner: a,
            side,
            px: req.px,
            sz: remaining,
            orig_sz: req.sz,
            cloid: req.cloid,
            timestamp: now,
            reduce_only: req.reduce_only,
            tif,
        });
        self.dirty[m] = true;
        let acct = &mut self.accounts[a as usize];
        let pos = &mut acct.positions[m];
        let raw = i128::from(req.px.0) * i128::from(remaining.0);
        match side {
            Side::Bid => pos.bid_raw += raw,
            Side::Ask => pos.ask_raw += raw,
        }
        if req.reduce_only {
            pos.reduce_only_orders += 1;
        }
        acct.open_orders += 1;
        if let Some(c) = req.cloid {
            acct.cloids.insert(c, (m, oid));
        }
        update.status = SimOrderStatus::Open;
        events.push(SimEvent::OrderUpdate { user: acct.address, update });
        Ok(OrderStatusResp::Resting { oid, cloid: req.cloid })
    }

    /// Books one maker fill for both sides: positions, PnL, fees, volume, fill logs, trade.
    #[allow(clippy::too_many_arguments)]
    fn settle_fill(
        &mut self,
        m: usize,
        taker: u32,
        req: &OrderRequest,
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
        let legs = [
            (taker, taker_side, taker_oid, req.cloid, true),
            (maker.owner, maker.side, maker.oid, maker.cloid, false),
        ];
        for (idx, side, oid, cloid, crossed) in legs {
            let acct = &mut self.accounts[idx as usize];
            let fee = acct.fees.unwrap_or(self.config.fees).fee(notional, crossed);
            let pos = &mut acct.positions[m];
            let effect = pos.apply_fill(side, px, fill);
            if pos.reduce_only_orders > 0 && !self.touched.contains(&idx) {
                self.touched.push(idx);
            }
            let closed_pnl = raw_to_usd(&spec, effect.closed_raw);
            acct.balance = acct.balance + closed_pnl - fee;
            acct.cum_volume = acct.cum_volume + notional;
            let rec = FillRecord {
                spec,
                px,
                sz: fill,
                side,
                time: now,
                start_position: effect.start,
                dir: effect.dir,
                closed_pnl,
                hash: self.tx_hash,
                oid,
                crossed,
                fee,
                tid,
                cloid,
            };
            if self.config.fill_log_cap > 0 {
                if acct.fills.len() >= self.config.fill_log_cap {
                    acct.fills.pop_front();
                }
                acct.fills.push_back(rec);
            }
            events.push(SimEvent::Fill { user: acct.address, fill: rec });
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

    /// Bookkeeping after a resting order left the book (filled, cancelled, expired).
    fn on_removed(
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

    fn emit_terminal(&mut self, a: u32, update: OrderUpdateRecord, events: &mut Vec<SimEvent>) {
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
    fn recheck_reduce_only(&mut self, m: usize, now: Nanos, events: &mut Vec<SimEvent>) {
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

    /// Finds `user`'s resting order: (market index, oid).
    fn find(&self, a: u32, asset: Option<AssetId>, r: OrderRef) -> Option<(usize, Oid)> {
        let m_want = match asset {
            Some(id) => Some(*self.asset_index.get(&id)?),
            None => None,
        };
        let found = match r {
            OrderRef::Cloid(c) => self.accounts[a as usize].cloids.get(&c).copied(),
            OrderRef::Oid(oid) => match m_want {
                Some(m) => Some((m, oid)),
                None => (0..self.books.len())
                    .find(|&m| self.books[m].get(oid).is_some())
                    .map(|m| (m, oid)),
            },
        }?;
        let owned = self.books[found.0].get(found.1).is_some_and(|o| o.owner == a);
        (owned && m_want.is_none_or(|m| m == found.0)).then_some(found)
    }

    fn cancel_status(
        &mut self,
        a: u32,
        asset: AssetId,
        r: OrderRef,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> CancelStatus {
        match self.find(a, Some(asset), r) {
            Some((m, oid)) => {
                if let Some(order) = self.books[m].remove(oid) {
                    self.on_removed(m, &order, SimOrderStatus::Canceled, now, events);
                }
                CancelStatus::Success
            }
            None => CancelStatus::Error(CANCEL_MISSING.to_owned()),
        }
    }

    /// Cancel-replace. `Err` carries the venue's message.
    fn modify(
        &mut self,
        a: u32,
        req: &ModifyRequest,
        always_place: bool,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> Result<OrderStatusResp, String> {
        if !always_place && req.order.tif == Tif::Ioc {
            return Err(MODIFY_INVALID_NEW.to_owned());
        }
        match self.find(a, None, req.target) {
            Some((m, oid)) => {
                if let Some(order) = self.books[m].remove(oid) {
                    self.on_removed(m, &order, SimOrderStatus::Canceled, now, events);
                }
            }
            None if !always_place => return Err(MODIFY_MISSING.to_owned()),
            None => {}
        }
        // Without `a` the replacement must rest: a marketable GTC is refused like an ALO.
        let tif = if always_place { req.order.tif } else { Tif::Alo };
        self.place(a, &req.order, tif, now, events)
            .map_err(|r| format!("{MODIFY_PLACE_PREFIX}{}", r.message()))
    }

    fn schedule_cancel(&mut self, a: u32, time_ms: Option<u64>, now: Nanos) -> ExchangeResponse {
        let cfg = self.config;
        let acct = &mut self.accounts[a as usize];
        if acct.cum_volume < cfg.schedule_cancel_min_volume {
            // Whole dollars and cents, trailing zeros dropped: `$1000000`, `$45.63`, `$0`.
            let dollars = |u: Usd| DecimalStr::new(u.0 / 10_000, 2).as_str().to_owned();
            return ExchangeResponse::Err(format!(
                "Cannot set scheduled cancel time until enough volume traded. Required: ${}. Traded: ${}.",
                dollars(cfg.schedule_cancel_min_volume),
                dollars(acct.cum_volume)
            ));
        }
        let now_ms = now.as_millis();
        let sc = &mut acct.scheduled_cancel;
        if sc.day != now_ms / DAY_MS {
            sc.day = now_ms / DAY_MS;
            sc.triggers = 0;
        }
        match time_ms {
            None => {
                sc.at = None;
                ExchangeResponse::Default
            }
            Some(t) if t < now_ms.saturating_add(cfg.schedule_cancel_min_lead_ms) => {
                ExchangeResponse::Err(SCHEDULE_TOO_EARLY.to_owned())
            }
            Some(_) if sc.triggers >= cfg.schedule_cancel_max_per_day => {
                ExchangeResponse::Err(SCHEDULE_TOO_MANY.to_owned())
            }
            Some(t) => {
                sc.at = Some(Nanos::from_millis(t));
                ExchangeResponse::Default
            }
        }
    }

    fn update_leverage(
        &mut self,
        a: u32,
        asset: AssetId,
        is_cross: bool,
        leverage: u32,
    ) -> ExchangeResponse {
        let Some(&m) = self.asset_index.get(&asset) else {
            return ExchangeResponse::Err(RejectReason::UnknownAsset.message());
        };
        if leverage == 0 || leverage > self.assets[m].max_leverage {
            return ExchangeResponse::Err(INVALID_LEVERAGE.to_owned());
        }
        let pos = &mut self.accounts[a as usize].positions[m];
        pos.leverage = leverage;
        pos.is_cross = is_cross;
        ExchangeResponse::Default
    }

    /// Fires due timers: every armed dead-man's switch with a time `<= now` cancels all of its
    /// account's orders (`scheduledCancel`) and counts a trigger for that UTC day. Call at
    /// [`Exchange::next_timer`]; extra calls are no-ops.
    pub fn on_time(&mut self, now: Nanos, events: &mut Vec<SimEvent>) {
        for a in 0..self.accounts.len() {
            let sc = self.accounts[a].scheduled_cancel;
            let Some(at) = sc.at.filter(|&t| t <= now) else { continue };
            let day = at.as_millis() / DAY_MS;
            let sc = &mut self.accounts[a].scheduled_cancel;
            if sc.day != day {
                sc.day = day;
                sc.triggers = 0;
            }
            sc.triggers += 1;
            sc.at = None;
            for m in 0..self.books.len() {
                let oids: Vec<Oid> = self.books[m].orders_of(a as u32).map(|o| o.oid).collect();
                for oid in oids {
                    if let Some(order) = self.books[m].remove(oid) {
                        self.on_removed(m, &order, SimOrderStatus::ScheduledCancel, at, events);
                    }
                }
            }
        }
        self.flush_dirty(events);
    }

    /// The earliest armed timer, if any.
    pub fn next_timer(&self) -> Option<Nanos> {
        self.accounts.iter().filter_map(|a| a.scheduled_cancel.at).min()
    }

    /// The hourly funding rate from an average premium (hyperliquid.md §9):
    /// `F = P + clamp(0.0001 − P, −0.0005, 0.0005)` per 8 h, paid hourly as `F / 8`, capped at
    /// 4 % per hour.
    pub fn funding_rate_from_premium(avg_premium: Rate) -> Rate {
        let p = avg_premium.0;
        let f = p + (100_000_000 - p).clamp(-500_000_000, 500_000_000);
        Rate((f / 8).clamp(-40_000_000_000, 40_000_000_000))
    }

    /// Records one premium sample (every 5 s on the venue) for `asset`.
    pub fn sample_premium(&mut self, asset: AssetId, premium: Rate) -> Result<(), SimError> {
        let m = self.market(asset)?;
        self.premiums[m].0 = self.premiums[m].0.saturating_add(premium.0);
        self.premiums[m].1 += 1;
        Ok(())
    }

    /// Settles funding from the premiums sampled since the last settlement (none: the base
    /// rate) and returns the rate applied.
    pub fn settle_funding_from_premiums(
        &mut self,
        asset: AssetId,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> Result<Rate, SimError> {
        let m = self.market(asset)?;
        let (sum, n) = self.premiums[m];
        self.premiums[m] = (0, 0);
        let avg = if n == 0 { Rate::ZERO } else { Rate(sum / i64::from(n)) };
        let rate = Self::funding_rate_from_premium(avg);
        self.settle_funding(asset, rate, now, events)?;
        Ok(rate)
    }

    /// Pays funding at `rate` on every open position in `asset`:
    /// `payment = szi · oraclePx · rate`, positive rate: longs pay shorts.
    pub fn settle_funding(
        &mut self,
        asset: AssetId,
        rate: Rate,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> Result<(), SimError> {
        let m = self.market(asset)?;
        let cfg = self.assets[m];
        for acct in &mut self.accounts {
            let pos = &mut acct.positions[m];
            if pos.szi.0 == 0 {
                continue;
            }
            let value = raw_to_usd(&cfg.spec, pos.value_raw(cfg.oracle_px));
            let payment = mul_rate(value, rate);
            acct.balance = acct.balance - payment;
            let cf = &mut pos.cum_funding;
            cf.all_time = cf.all_time + payment;
            cf.since_open = cf.since_open + payment;
            cf.since_change = cf.since_change + payment;
            let funding =
                FundingRecord { spec: cfg.spec, time: now, usdc: -payment, szi: pos.szi, rate };
            events.push(SimEvent::Funding { user: acct.address, funding });
        }
        Ok(())
    }

    /// The listed assets, in listing order.
    pub fn assets(&self) -> &[AssetConfig] {
        &self.assets
    }

    /// One asset's configuration and prices.
    pub fn asset(&self, asset: AssetId) -> Option<&AssetConfig> {
        self.asset_index.get(&asset).map(|&m| &self.assets[m])
    }

    /// One asset's book.
    pub fn book(&self, asset: AssetId) -> Option<&OrderBook> {
        self.asset_index.get(&asset).map(|&m| &self.books[m])
    }

    /// An account.
    pub fn account(&self, user: Address) -> Option<&Account> {
        self.account_index.get(&user).map(|&a| &self.accounts[a as usize])
    }

    /// Every account.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// `l2Book`: up to `depth` levels per side (the venue sends ≤ 20).
    pub fn l2_book(&self, asset: AssetId, depth: usize, now: Nanos) -> Option<L2Book> {
        let m = *self.asset_index.get(&asset)?;
        let level = |d: crate::matching::DepthLevel| L2Level { px: d.px, sz: d.sz, n: d.n };
        Some(L2Book {
            spec: self.assets[m].spec,
            time: now,
            bids: self.books[m].depth(Side::Bid, depth).map(level).collect(),
            asks: self.books[m].depth(Side::Ask, depth).map(level).collect(),
        })
    }

    /// The best bid and ask of `asset`.
    pub fn bbo(&self, asset: AssetId) -> Option<(Option<Px>, Option<Px>)> {
        self.book(asset).map(|b| (b.best_bid(), b.best_ask()))
    }

    fn open_record(&self, m: usize, o: &RestingOrder) -> OrderUpdateRecord {
        OrderUpdateRecord {
            spec: self.assets[m].spec,
            side: o.side,
            limit_px: o.px,
            sz: o.sz,
            oid: o.oid,
            timestamp: o.timestamp,
            orig_sz: o.orig_sz,
            cloid: o.cloid,
            tif: o.tif,
            reduce_only: o.reduce_only,
            status: SimOrderStatus::Open,
            status_time: o.timestamp,
        }
    }

    /// `openOrders` of `user` (status `open`), per asset, newest first.
    pub fn open_orders(&self, user: Address) -> Vec<OrderUpdateRecord> {
        let Some(&a) = self.account_index.get(&user) else { return Vec::new() };
        (0..self.books.len())
            .flat_map(|m| self.books[m].orders_of(a).map(move |o| self.open_record(m, o)))
            .collect()
    }

    /// `orderStatus`: the resting order, or its last terminal update still in the history.
    pub fn order_status(&self, user: Address, r: OrderRef) -> Option<OrderUpdateRecord> {
        let a = *self.account_index.get(&user)?;
        if let Some((m, oid)) = self.find(a, None, r) {
            return self.books[m].get(oid).map(|o| self.open_record(m, o));
        }
        self.accounts[a as usize]
            .history
            .iter()
            .rev()
            .find(|u| match r {
                OrderRef::Oid(o) => u.oid == o,
                OrderRef::Cloid(c) => u.cloid == Some(c),
            })
            .copied()
    }

    /// The fills of `user` kept in the log, oldest first.
    pub fn user_fills(&self, user: Address) -> impl Iterator<Item = &FillRecord> + '_ {
        self.account(user).into_iter().flat_map(|a| a.fills.iter())
    }

    /// `clearinghouseState` of `user` at `now`.
    pub fn clearinghouse_state(&self, user: Address, now: Nanos) -> Option<ClearinghouseState> {
        let acct = self.account(user)?;
        let assets = &self.assets;
        let mut positions = Vec::new();
        let (mut ntl, mut signed) = (0i64, 0i64);
        for (i, (p, c)) in acct.positions.iter().zip(assets).enumerate() {
            if p.szi.0 == 0 {
                continue;
            }
            let value = raw_to_usd(&c.spec, p.value_raw(c.mark_px));
            ntl += value.0.abs();
            signed += value.0;
            let upnl = raw_to_usd(&c.spec, p.upnl_raw(c.mark_px));
            let entry_margin = raw_to_usd(&c.spec, p.entry_raw / i128::from(p.leverage.max(1)));
            let roe = if entry_margin.0 == 0 {
                0
            } else {
                (i128::from(upnl.0) * 1_000_000 / i128::from(entry_margin.0)) as i64
            };
            positions.push(PositionSummary {
                spec: c.spec,
                szi: p.szi,
                entry_px: p.entry_px(),
                leverage: p.leverage,
                is_cross: p.is_cross,
                liquidation_px: acct.liquidation_px(assets, i),
                margin_used: position_margin(p, c),
                max_leverage: c.max_leverage,
                position_value: value.abs(),
                return_on_equity_micro: roe,
                unrealized_pnl: upnl,
                cum_funding: p.cum_funding,
            });
        }
        let account_value = acct.account_value(assets);
        Some(ClearinghouseState {
            positions,
            account_value,
            total_ntl_pos: Usd(ntl),
            total_raw_usd: account_value - Usd(signed),
            total_margin_used: acct.position_margin(assets),
            maintenance_margin_used: acct.maintenance_margin(assets),
            withdrawable: acct.withdrawable(assets),
            time: now,
        })
    }

    /// Checks every invariant the state machine keeps (books uncrossed and consistent, order
    /// counters and reserved notional equal to the resting orders). O(orders); for tests.
    pub fn check_invariants(&self) -> Result<(), String> {
        for (m, book) in self.books.iter().enumerate() {
            book.check_invariants()
                .map_err(|e| format!("asset {}: {e}", self.assets[m].spec.asset.0))?;
        }
        for (a, acct) in self.accounts.iter().enumerate() {
            let mut count = 0u32;
            for (m, book) in self.books.iter().enumerate() {
                let (mut bid, mut ask, mut ro) = (0i128, 0i128, 0u32);
                for o in book.orders_of(a as u32) {
                    count += 1;
                    let raw = i128::from(o.px.0) * i128::from(o.sz.0);
                    match o.side {
                        Side::Bid => bid += raw,
                        Side::Ask => ask += raw,
                    }
                    ro += u32::from(o.reduce_only);
                }
                let p = &acct.positions[m];
                if (p.bid_raw, p.ask_raw, p.reduce_only_orders) != (bid, ask, ro) {
                    return Err(format!(
                        "account {}: asset {m}: reserved notional drifted",
                        acct.address
                    ));
                }
            }
            if count != acct.open_orders {
                return Err(format!(
                    "account {}: open_orders {} != {count}",
                    acct.address, acct.open_orders
                ));
            }
        }
        Ok(())
    }
}

/// splitmix64's finaliser: a cheap, well-mixed 64-bit hash for ids and hashes.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
