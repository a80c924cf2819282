//! The simulator's venue state machine: `apply(user, action, now) → (response, events)`.
//!
//! [`Exchange`] owns every asset's [`OrderBook`], every [`Account`] and the id counters. The
//! venue rules ([`crate::rules`]), a test, a bench or the market generator call
//! [`Exchange::apply`] with an [`ExchangeAction`] and the block time, send the
//! [`ExchangeResponse`] and stream the [`SimEvent`]s. Timers (the `scheduleCancel` dead-man's switch) fire from
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
//!
//! Submodules hold the rest of the `impl`: `place` (validation, matching, fills), `orders`
//! (cancel, modify, `scheduleCancel`, leverage, timers), `funding`, `queries` (books,
//! accounts, `clearinghouseState`, invariants) and [`snapshot`] (state file).

#![forbid(unsafe_code)]

mod funding;
mod orders;
mod place;
mod queries;
pub mod snapshot;

use std::collections::HashMap;

pub use snapshot::ExchangeSnapshot;

use crate::accounts::{Account, Address, AssetConfig, FeeSchedule, PositionState};
use crate::actions::{
    CancelStatus, ExchangeAction, ExchangeResponse, LimitOrder, OrderStatusResp, SimEvent,
    CANCEL_MISSING,
};
use crate::matching::{MakerOutcome, OrderBook};
use hlmm_types::{AssetId, Nanos, Oid, Px, TxHash, Usd};
use hlmm_wire::action::OrderRef;

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
pub enum ExchangeError {
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
    pub fn add_asset(&mut self, cfg: AssetConfig) -> Result<(), ExchangeError> {
        if self.asset_index.contains_key(&cfg.spec.asset) {
            return Err(ExchangeError::DuplicateAsset(cfg.spec.asset.0));
        }
        self.asset_index.insert(cfg.spec.asset, self.assets.len());
        let lev = self.config.default_leverage.min(cfg.max_leverage).max(1);
        for a in &mut self.accounts {
            a.positions.push(PositionState::flat(lev));
        }
        self.assets.push(cfg);
        self.books.push(OrderBook::new());
        self.premiums.push((0, 0));
        self.dirty.push(false);
        Ok(())
    }

    /// Sets an asset's mark and oracle prices (from the market generator).
    pub fn set_prices(
        &mut self,
        asset: AssetId,
        mark: Px,
        oracle: Px,
    ) -> Result<(), ExchangeError> {
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

    fn market(&self, asset: AssetId) -> Result<usize, ExchangeError> {
        self.asset_index.get(&asset).copied().ok_or(ExchangeError::UnknownAsset(asset.0))
    }

    /// Applies one action of `user` at block time `now`; returns the response and the events.
    pub fn apply(
        &mut self,
        user: Address,
        action: &ExchangeAction,
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
        action: &ExchangeAction,
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
        let resp = self.dispatch(a, action, now, events);
        self.flush_dirty(events);
        resp
    }

    fn dispatch(
        &mut self,
        a: u32,
        action: &ExchangeAction,
        now: Nanos,
        events: &mut Vec<SimEvent>,
    ) -> ExchangeResponse {
        match action {
            ExchangeAction::Order { orders } => ExchangeResponse::Order(
                orders.iter().map(|o| self.place_status(a, o, o.tif, now, events)).collect(),
            ),
            ExchangeAction::Cancel(c) => ExchangeResponse::Cancel(
                c.cancels
                    .iter()
                    .map(|c| self.cancel_status(a, c.asset, OrderRef::Oid(c.oid), now, events))
                    .collect(),
            ),
            ExchangeAction::CancelByCloid(c) => ExchangeResponse::Cancel(
                c.cancels
                    .iter()
                    .map(|c| self.cancel_status(a, c.asset, OrderRef::Cloid(c.cloid), now, events))
                    .collect(),
            ),
            ExchangeAction::Modify { modify, always_place } => {
                match self.modify(a, modify, *always_place, now, events) {
                    Ok(_) => ExchangeResponse::Default,
                    Err(msg) => ExchangeResponse::Err(msg),
                }
            }
            ExchangeAction::BatchModify { modifies, always_place } => ExchangeResponse::Order(
                modifies
                    .iter()
                    .map(|m| {
                        self.modify(a, m, *always_place, now, events)
                            .unwrap_or_else(OrderStatusResp::Error)
                    })
                    .collect(),
            ),
            ExchangeAction::ScheduleCancel(s) => self.schedule_cancel(a, s.time, now),
            ExchangeAction::UpdateLeverage(u) => {
                self.update_leverage(a, u.asset, u.is_cross, u.leverage)
            }
            ExchangeAction::Noop => ExchangeResponse::Default,
        }
    }

    /// Places one order for `user` outside any action (the market generator's synthetic
    /// liquidity): the same rules as an `order` action, house accounts skip margin and caps.
    pub fn place_synthetic(
        &mut self,
        user: Address,
        order: &LimitOrder,
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
}

/// splitmix64's finaliser: a cheap, well-mixed 64-bit hash for ids and hashes.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
