//! Snapshot and restore of the whole [`Exchange`] state as serde data (`hlmm sim` state
//! dump/load).
//!
//! The snapshot holds what cannot be derived: configuration, assets and prices, account
//! balances and positions, dead-man's switches, resting orders in priority order and the id
//! counters. Derived state (reserved notional, order counters, cloid index) is rebuilt on
//! restore. Fill logs, order history and premium samples are not kept: a restored venue starts
//! with empty `userFills` and a fresh funding interval.

use serde::{Deserialize, Serialize};

use super::{Exchange, ExchangeConfig, ExchangeError};
use crate::accounts::{Account, Address, AssetConfig, FeeSchedule};
use crate::matching::RestingOrder;
use hlmm_types::commands::Tif;
use hlmm_types::{
    AssetId, Cloid, Coin, InstrumentSpec, MarketKind, Nanos, Oid, Px, Rate, Side, Sz, Usd,
};

/// Snapshot format version.
pub const SNAPSHOT_VERSION: u32 = 1;

/// The whole venue state. Amounts are integers in their fixed-point units (ticks, lots,
/// micro-dollars, `10^-12` rates, ns); addresses and cloids are `0x` hex strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeSnapshot {
    /// [`SNAPSHOT_VERSION`].
    pub version: u32,
    /// Venue tunables.
    pub config: SnapshotConfig,
    /// Listed assets in listing order.
    pub assets: Vec<SnapshotAsset>,
    /// Accounts in creation order.
    pub accounts: Vec<SnapshotAccount>,
    /// Resting orders, per asset in priority order.
    pub orders: Vec<SnapshotOrder>,
    /// Next order id.
    pub next_oid: u64,
    /// Action counter behind hashes.
    pub next_tx: u64,
}

/// [`ExchangeConfig`] in plain integers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct SnapshotConfig {
    pub taker_fee: i64,
    pub maker_fee: i64,
    pub default_leverage: u32,
    pub open_order_cap: u32,
    pub open_order_cap_max: u32,
    pub open_order_cap_volume_step: i64,
    pub schedule_cancel_min_volume: i64,
    pub schedule_cancel_min_lead_ms: u64,
    pub schedule_cancel_max_per_day: u32,
    pub fill_log_cap: usize,
    pub history_cap: usize,
}

/// One listed asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct SnapshotAsset {
    pub asset: u32,
    pub coin: String,
    pub spot: bool,
    pub sz_decimals: u8,
    pub max_leverage: u32,
    pub mark_px: i64,
    pub oracle_px: i64,
}

/// One account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct SnapshotAccount {
    pub address: Address,
    pub balance: i64,
    pub house: bool,
    /// Fee override (taker, maker), `10^-12`.
    pub fees: Option<(i64, i64)>,
    pub cum_volume: i64,
    /// Per asset, same order as `assets`.
    pub positions: Vec<SnapshotPosition>,
    /// Armed dead-man's switch, ns.
    pub scheduled_cancel_ns: Option<u64>,
    pub scheduled_cancel_day: u64,
    pub scheduled_cancel_triggers: u32,
}

/// One position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct SnapshotPosition {
    pub szi: i64,
    /// Σ entry ticks · lots, as a decimal string (it is an `i128`).
    pub entry_raw: String,
    pub leverage: u32,
    pub is_cross: bool,
    pub cum_funding: (i64, i64, i64),
}

/// One resting order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct SnapshotOrder {
    pub asset: u32,
    pub oid: u64,
    pub user: Address,
    /// `"B"` or `"A"`.
    pub side: String,
    pub px: i64,
    pub sz: i64,
    pub orig_sz: i64,
    pub cloid: Option<String>,
    pub timestamp_ns: u64,
    pub reduce_only: bool,
    /// `"Gtc"` or `"Alo"`.
    pub tif: String,
}

impl SnapshotAccount {
    fn of(a: &Account) -> Self {
        Self {
            address: a.address,
            balance: a.balance.0,
            house: a.house,
            fees: a.fees.map(|f| (f.taker.0, f.maker.0)),
            cum_volume: a.cum_volume.0,
            positions: a
                .positions
                .iter()
                .map(|p| SnapshotPosition {
                    szi: p.szi.0,
                    entry_raw: p.entry_raw.to_string(),
                    leverage: p.leverage,
                    is_cross: p.is_cross,
                    cum_funding: (
                        p.cum_funding.all_time.0,
                        p.cum_funding.since_open.0,
                        p.cum_funding.since_change.0,
                    ),
                })
                .collect(),
            scheduled_cancel_ns: a.scheduled_cancel.at.map(|t| t.0),
            scheduled_cancel_day: a.scheduled_cancel.day,
            scheduled_cancel_triggers: a.scheduled_cancel.triggers,
        }
    }
}

fn bad(msg: impl Into<String>) -> ExchangeError {
    ExchangeError::BadSnapshot(msg.into())
}

impl Exchange {
    /// The whole state as serde data.
    pub fn snapshot(&self) -> ExchangeSnapshot {
        let c = &self.config;
        let config = SnapshotConfig {
            taker_fee: c.fees.taker.0,
            maker_fee: c.fees.maker.0,
            default_leverage: c.default_leverage,
            open_order_cap: c.open_order_cap,
            open_order_cap_max: c.open_order_cap_max,
            open_order_cap_volume_step: c.open_order_cap_volume_step.0,
            schedule_cancel_min_volume: c.schedule_cancel_min_volume.0,
            schedule_cancel_min_lead_ms: c.schedule_cancel_min_lead_ms,
            schedule_cancel_max_per_day: c.schedule_cancel_max_per_day,
            fill_log_cap: c.fill_log_cap,
            history_cap: c.history_cap,
        };
        let assets = self
            .assets
            .iter()
            .map(|a| SnapshotAsset {
                asset: a.spec.asset.0,
                coin: a.spec.coin.as_str().to_owned(),
                spot: a.spec.kind == MarketKind::Spot,
                sz_decimals: a.spec.sz_decimals,
                max_leverage: a.max_leverage,
                mark_px: a.mark_px.0,
                oracle_px: a.oracle_px.0,
            })
            .collect();
        let accounts = self.accounts.iter().map(SnapshotAccount::of).collect();
        let mut orders = Vec::new();
        for (m, book) in self.books.iter().enumerate() {
            for o in book.orders_in_priority() {
                orders.push(SnapshotOrder {
                    asset: self.assets[m].spec.asset.0,
                    oid: o.oid.0,
                    user: self.accounts[o.owner as usize].address,
                    side: o.side.as_wire().to_owned(),
                    px: o.px.0,
                    sz: o.sz.0,
                    orig_sz: o.orig_sz.0,
                    cloid: o.cloid.map(|c| c.to_string()),
                    timestamp_ns: o.timestamp.0,
                    reduce_only: o.reduce_only,
                    tif: o.tif.as_wire().to_owned(),
                });
            }
        }
        ExchangeSnapshot {
            version: SNAPSHOT_VERSION,
            config,
            assets,
            accounts,
            orders,
            next_oid: self.next_oid,
            next_tx: self.next_tx,
        }
    }

    /// Rebuilds a venue from a snapshot, checking that it is consistent.
    pub fn restore(s: &ExchangeSnapshot) -> Result<Self, ExchangeError> {
        if s.version != SNAPSHOT_VERSION {
            return Err(bad(format!("version {} (expected {SNAPSHOT_VERSION})", s.version)));
        }
        let c = &s.config;
        let mut ex = Self::new(ExchangeConfig {
            fees: FeeSchedule { taker: Rate(c.taker_fee), maker: Rate(c.maker_fee) },
            default_leverage: c.default_leverage,
            open_order_cap: c.open_order_cap,
            open_order_cap_max: c.open_order_cap_max,
            open_order_cap_volume_step: Usd(c.open_order_cap_volume_step),
            schedule_cancel_min_volume: Usd(c.schedule_cancel_min_volume),
            schedule_cancel_min_lead_ms: c.schedule_cancel_min_lead_ms,
            schedule_cancel_max_per_day: c.schedule_cancel_max_per_day,
            fill_log_cap: c.fill_log_cap,
            history_cap: c.history_cap,
        });
        for a in &s.assets {
            let coin =
                Coin::new(a.coin.as_bytes()).map_err(|e| bad(format!("coin {}: {e}", a.coin)))?;
            let kind = if a.spot { MarketKind::Spot } else { MarketKind::Perp };
            let spec =
                InstrumentSpec { asset: AssetId(a.asset), coin, kind, sz_decimals: a.sz_decimals };
            ex.add_asset(AssetConfig {
                spec,
                max_leverage: a.max_leverage,
                mark_px: Px(a.mark_px),
                oracle_px: Px(a.oracle_px),
            })?;
        }
        for a in &s.accounts {
            if ex.account_index.contains_key(&a.address) {
                return Err(bad(format!("account {} listed twice", a.address)));
            }
            if a.positions.len() != ex.assets.len() {
                return Err(bad(format!("account {}: {} positions", a.address, a.positions.len())));
            }
            let idx = ex.account_or_create(a.address);
            let acct = &mut ex.accounts[idx as usize];
            acct.balance = Usd(a.balance);
            acct.house = a.house;
            acct.fees = a.fees.map(|(t, m)| FeeSchedule { taker: Rate(t), maker: Rate(m) });
            acct.cum_volume = Usd(a.cum_volume);
            acct.scheduled_cancel.at = a.scheduled_cancel_ns.map(Nanos);
            acct.scheduled_cancel.day = a.scheduled_cancel_day;
            acct.scheduled_cancel.triggers = a.scheduled_cancel_triggers;
            for (p, ps) in acct.positions.iter_mut().zip(&a.positions) {
                p.szi = Sz(ps.szi);
                p.entry_raw = ps.entry_raw.parse().map_err(|_| {
                    bad(format!("account {}: entry_raw {}", a.address, ps.entry_raw))
                })?;
                p.leverage = ps.leverage;
                p.is_cross = ps.is_cross;
                p.cum_funding.all_time = Usd(ps.cum_funding.0);
                p.cum_funding.since_open = Usd(ps.cum_funding.1);
                p.cum_funding.since_change = Usd(ps.cum_funding.2);
            }
        }
        for o in &s.orders {
            ex.restore_order(o, s.next_oid)?;
        }
        ex.next_oid = s.next_oid;
        ex.next_tx = s.next_tx;
        ex.check_invariants().map_err(bad)?;
        Ok(ex)
    }

    fn restore_order(&mut self, o: &SnapshotOrder, next_oid: u64) -> Result<(), ExchangeError> {
        let m = self.market(AssetId(o.asset))?;
        let owner = *self
            .account_index
            .get(&o.user)
            .ok_or_else(|| bad(format!("order {}: unknown user {}", o.oid, o.user)))?;
        let side = Side::from_wire(o.side.as_bytes())
            .ok_or_else(|| bad(format!("order {}: side {}", o.oid, o.side)))?;
        let tif = match o.tif.as_str() {
            "Gtc" => Tif::Gtc,
            "Alo" => Tif::Alo,
            other => return Err(bad(format!("order {}: tif {other}", o.oid))),
        };
        let cloid = match &o.cloid {
            Some(c) => Some(
                Cloid::parse(c.as_bytes())
                    .map_err(|e| bad(format!("order {}: cloid: {e}", o.oid)))?,
            ),
            None => None,
        };
        if o.oid >= next_oid || self.books.iter().any(|b| b.get(Oid(o.oid)).is_some()) {
            return Err(bad(format!("order {}: oid reused or beyond next_oid", o.oid)));
        }
        if o.sz <= 0 || self.books[m].would_cross(side, Px(o.px)) {
            return Err(bad(format!("order {}: empty or crossing", o.oid)));
        }
        let order = RestingOrder {
            oid: Oid(o.oid),
            owner,
            side,
            px: Px(o.px),
            sz: Sz(o.sz),
            orig_sz: Sz(o.orig_sz),
            cloid,
            timestamp: Nanos(o.timestamp_ns),
            reduce_only: o.reduce_only,
            tif,
        };
        self.books[m].insert(order);
        let acct = &mut self.accounts[owner as usize];
        let pos = &mut acct.positions[m];
        let raw = i128::from(o.px) * i128::from(o.sz);
        match side {
            Side::Bid => pos.bid_raw += raw,
            Side::Ask => pos.ask_raw += raw,
        }
        pos.reduce_only_orders += u32::from(o.reduce_only);
        acct.open_orders += 1;
        if let Some(c) = cloid {
            acct.cloids.insert(c, (m, Oid(o.oid)));
        }
        Ok(())
    }

    /// The snapshot as pretty JSON text.
    pub fn snapshot_json(&self) -> String {
        // Serialising plain structs of integers and strings cannot fail.
        serde_json::to_string_pretty(&self.snapshot()).unwrap_or_default()
    }

    /// Restores from JSON text.
    pub fn restore_json(text: &str) -> Result<Self, ExchangeError> {
        let s: ExchangeSnapshot =
            serde_json::from_str(text).map_err(|e| bad(format!("json: {e}")))?;
        Self::restore(&s)
    }
}
