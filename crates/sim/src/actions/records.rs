//! What the exchange reports: fills, trades, order updates, funding payments, books and
//! account summaries ([`SimEvent`] and the records it carries), with their venue JSON forms.
//!
//! Pure data: no I/O, no clock.

use serde_json::{json, Map, Value};

use crate::accounts::{Address, CumFunding, Dir};
use hlmm_types::commands::Tif;
use hlmm_types::{
    AssetId, Cloid, DecimalStr, InstrumentSpec, Nanos, Oid, Px, Rate, Side, Sz, Tid, TxHash, Usd,
};

/// The wire form of a USD amount: micro-dollar precision, no trailing zeros.
pub fn usd_wire(u: Usd) -> DecimalStr {
    DecimalStr::new(u.0, Usd::SCALE)
}

/// The wire form of a rate.
pub fn rate_wire(r: Rate) -> DecimalStr {
    DecimalStr::new(r.0, Rate::SCALE)
}

fn hash_wire(h: &TxHash) -> String {
    let mut s = String::with_capacity(66);
    s.push_str("0x");
    for b in h.0 {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// One fill of one account (`userFills`, `user.fills`, `/info userFills`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillRecord {
    /// The instrument.
    pub spec: InstrumentSpec,
    /// Trade price, in ticks.
    pub px: Px,
    /// Lots traded.
    pub sz: Sz,
    /// This account's side.
    pub side: Side,
    /// Block time.
    pub time: Nanos,
    /// `szi` before the fill.
    pub start_position: Sz,
    /// What the fill did to the position.
    pub dir: Dir,
    /// PnL realised by the fill, before fees.
    pub closed_pnl: Usd,
    /// The action's hash.
    pub hash: TxHash,
    /// This account's order id.
    pub oid: Oid,
    /// `true` for the taker.
    pub crossed: bool,
    /// Fee paid (negative: rebate).
    pub fee: Usd,
    /// Trade id (shared by both sides).
    pub tid: Tid,
    /// This account's client order id.
    pub cloid: Option<Cloid>,
}

impl FillRecord {
    /// Signed lots: positive for a buy.
    pub const fn signed_sz(&self) -> i64 {
        self.side.sign() * self.sz.0
    }

    /// The venue JSON of this fill.
    pub fn to_venue_json(&self) -> Value {
        let s = &self.spec;
        let mut m = Map::new();
        m.insert("coin".into(), json!(s.coin.as_str()));
        m.insert("px".into(), json!(s.px_wire(self.px).as_str()));
        m.insert("sz".into(), json!(s.sz_wire(self.sz).as_str()));
        m.insert("side".into(), json!(self.side.as_wire()));
        m.insert("time".into(), json!(self.time.as_millis()));
        m.insert("startPosition".into(), json!(s.sz_wire(self.start_position).as_str()));
        m.insert("dir".into(), json!(self.dir.as_wire()));
        m.insert("closedPnl".into(), json!(usd_wire(self.closed_pnl).as_str()));
        m.insert("hash".into(), json!(hash_wire(&self.hash)));
        m.insert("oid".into(), json!(self.oid.0));
        m.insert("crossed".into(), json!(self.crossed));
        m.insert("fee".into(), json!(usd_wire(self.fee).as_str()));
        m.insert("tid".into(), json!(self.tid.0));
        m.insert("feeToken".into(), json!("USDC"));
        if let Some(c) = self.cloid {
            m.insert("cloid".into(), json!(c.to_string()));
        }
        Value::Object(m)
    }
}

/// One public trade (`trades`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TradeRecord {
    /// The instrument.
    pub spec: InstrumentSpec,
    /// The aggressor's side.
    pub side: Side,
    /// Price, in ticks.
    pub px: Px,
    /// Lots.
    pub sz: Sz,
    /// The action's hash.
    pub hash: TxHash,
    /// Block time.
    pub time: Nanos,
    /// Trade id.
    pub tid: Tid,
    /// Buyer's address.
    pub buyer: Address,
    /// Seller's address.
    pub seller: Address,
}

impl TradeRecord {
    /// The venue JSON of this trade.
    pub fn to_venue_json(&self) -> Value {
        let s = &self.spec;
        json!({
            "coin": s.coin.as_str(),
            "side": self.side.as_wire(),
            "px": s.px_wire(self.px).as_str(),
            "sz": s.sz_wire(self.sz).as_str(),
            "hash": hash_wire(&self.hash),
            "time": self.time.as_millis(),
            "tid": self.tid.0,
            "users": [self.buyer.to_string(), self.seller.to_string()],
        })
    }
}

/// An order status the simulator reports on `orderUpdates` and `orderStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimOrderStatus {
    /// Resting.
    Open,
    /// Completely filled.
    Filled,
    /// Cancelled by the user, or an IOC remainder.
    Canceled,
    /// Expired by self-trade prevention (as maker).
    SelfTradeCanceled,
    /// A reduce-only order that would now increase the position.
    ReduceOnlyCanceled,
    /// Cancelled by the dead-man's switch.
    ScheduledCancel,
}

impl SimOrderStatus {
    /// The venue's text.
    pub const fn as_wire(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Filled => "filled",
            Self::Canceled => "canceled",
            Self::SelfTradeCanceled => "selfTradeCanceled",
            Self::ReduceOnlyCanceled => "reduceOnlyCanceled",
            Self::ScheduledCancel => "scheduledCancel",
        }
    }
}

/// One `orderUpdates` item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderUpdateRecord {
    /// The instrument.
    pub spec: InstrumentSpec,
    /// The order's side.
    pub side: Side,
    /// Limit price, in ticks.
    pub limit_px: Px,
    /// Remaining lots.
    pub sz: Sz,
    /// Order id.
    pub oid: Oid,
    /// When the order was placed.
    pub timestamp: Nanos,
    /// Lots when placed.
    pub orig_sz: Sz,
    /// Client order id.
    pub cloid: Option<Cloid>,
    /// Time in force (for `orderStatus`).
    pub tif: Tif,
    /// Reduce only (for `orderStatus`).
    pub reduce_only: bool,
    /// The new status.
    pub status: SimOrderStatus,
    /// When the status changed.
    pub status_time: Nanos,
}

impl OrderUpdateRecord {
    /// The venue JSON of this update.
    pub fn to_venue_json(&self) -> Value {
        json!({ "order": self.order_json(), "status": self.status.as_wire(),
                "statusTimestamp": self.status_time.as_millis() })
    }

    /// The `/info orderStatus` answer for this order (hyperliquid.md §5): limit orders only,
    /// so the trigger fields carry the venue's values for a plain limit order.
    pub fn order_status_json(&self) -> Value {
        let s = &self.spec;
        json!({ "status": "order", "order": {
            "order": {
                "coin": s.coin.as_str(),
                "side": self.side.as_wire(),
                "limitPx": s.px_wire(self.limit_px).as_str(),
                "sz": s.sz_wire(self.sz).as_str(),
                "oid": self.oid.0,
                "timestamp": self.timestamp.as_millis(),
                "triggerCondition": "N/A",
                "isTrigger": false,
                "triggerPx": "0.0",
                "children": [],
                "isPositionTpsl": false,
                "reduceOnly": self.reduce_only,
                "orderType": "Limit",
                "origSz": s.sz_wire(self.orig_sz).as_str(),
                "tif": self.tif.as_wire(),
                "cloid": self.cloid.map(|c| c.to_string()),
            },
            "status": self.status.as_wire(),
            "statusTimestamp": self.status_time.as_millis(),
        }})
    }

    /// One `/info frontendOpenOrders` item.
    pub fn frontend_open_order_json(&self) -> Value {
        let mut v = self.order_json();
        if let Value::Object(m) = &mut v {
            m.insert("isPositionTpsl".into(), json!(false));
            m.insert("isTrigger".into(), json!(false));
            m.insert("orderType".into(), json!("Limit"));
            m.insert("reduceOnly".into(), json!(self.reduce_only));
            m.insert("triggerCondition".into(), json!("N/A"));
            m.insert("triggerPx".into(), json!("0.0"));
            m.insert("tif".into(), json!(self.tif.as_wire()));
        }
        v
    }

    /// The `order` object (`orderUpdates`, `openOrders`).
    pub fn order_json(&self) -> Value {
        let s = &self.spec;
        let mut m = Map::new();
        m.insert("coin".into(), json!(s.coin.as_str()));
        m.insert("side".into(), json!(self.side.as_wire()));
        m.insert("limitPx".into(), json!(s.px_wire(self.limit_px).as_str()));
        m.insert("sz".into(), json!(s.sz_wire(self.sz).as_str()));
        m.insert("oid".into(), json!(self.oid.0));
        m.insert("timestamp".into(), json!(self.timestamp.as_millis()));
        m.insert("origSz".into(), json!(s.sz_wire(self.orig_sz).as_str()));
        if let Some(c) = self.cloid {
            m.insert("cloid".into(), json!(c.to_string()));
        }
        Value::Object(m)
    }
}

/// One funding payment (`user` → `funding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FundingPayment {
    /// The instrument.
    pub spec: InstrumentSpec,
    /// Settlement time.
    pub time: Nanos,
    /// Amount credited to the account (negative: paid).
    pub usdc: Usd,
    /// Position at settlement.
    pub szi: Sz,
    /// The hourly rate applied.
    pub rate: Rate,
}

impl FundingPayment {
    /// The venue JSON: `{time, coin, usdc, szi, fundingRate}`.
    pub fn to_venue_json(&self) -> Value {
        json!({
            "time": self.time.as_millis(),
            "coin": self.spec.coin.as_str(),
            "usdc": usd_wire(self.usdc).as_str(),
            "szi": self.spec.sz_wire(self.szi).as_str(),
            "fundingRate": rate_wire(self.rate).as_str(),
        })
    }
}

/// What the exchange reports after a state change, for the server to stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimEvent {
    /// A public trade.
    Trade(TradeRecord),
    /// A fill of `user`.
    Fill {
        /// The account.
        user: Address,
        /// The fill.
        fill: FillRecord,
    },
    /// An order of `user` changed status.
    OrderUpdate {
        /// The account.
        user: Address,
        /// The update.
        update: OrderUpdateRecord,
    },
    /// A funding payment of `user`.
    Funding {
        /// The account.
        user: Address,
        /// The payment.
        funding: FundingPayment,
    },
    /// The book of this asset changed (once per call, after its other events).
    BookChanged(AssetId),
}

/// One level of `l2Book`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L2Level {
    /// Price, in ticks.
    pub px: Px,
    /// Σ lots.
    pub sz: Sz,
    /// Order count.
    pub n: u32,
}

/// An `l2Book` snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L2Book {
    /// The instrument.
    pub spec: InstrumentSpec,
    /// Snapshot time.
    pub time: Nanos,
    /// Bids, best first.
    pub bids: Vec<L2Level>,
    /// Asks, best first.
    pub asks: Vec<L2Level>,
}

impl L2Book {
    /// `{coin, time, levels:[[bids],[asks]]}` with levels `{px, sz, n}`.
    pub fn to_venue_json(&self) -> Value {
        let s = &self.spec;
        let side = |levels: &[L2Level]| -> Vec<Value> {
            levels
                .iter()
                .map(|l| {
                    json!({ "px": s.px_wire(l.px).as_str(), "sz": s.sz_wire(l.sz).as_str(), "n": l.n })
                })
                .collect()
        };
        json!({ "coin": s.coin.as_str(), "time": self.time.as_millis(),
                "levels": [side(&self.bids), side(&self.asks)] })
    }
}

/// One position line of `clearinghouseState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PositionSummary {
    /// The instrument.
    pub spec: InstrumentSpec,
    /// Signed lots.
    pub szi: Sz,
    /// Average entry, in ticks.
    pub entry_px: Option<Px>,
    /// Leverage.
    pub leverage: u32,
    /// Cross (true) or isolated.
    pub is_cross: bool,
    /// Liquidation price, in ticks, if any.
    pub liquidation_px: Option<Px>,
    /// Initial margin at mark.
    pub margin_used: Usd,
    /// The asset's max leverage.
    pub max_leverage: u32,
    /// |szi| · mark.
    pub position_value: Usd,
    /// Unrealised PnL / initial margin at entry, in millionths.
    pub return_on_equity_micro: i64,
    /// Unrealised PnL at mark.
    pub unrealized_pnl: Usd,
    /// Funding paid.
    pub cum_funding: CumFunding,
}

/// `clearinghouseState` of one account, in the exchange's integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearinghouseRecord {
    /// Non-flat positions.
    pub positions: Vec<PositionSummary>,
    /// Balance + unrealised PnL.
    pub account_value: Usd,
    /// Σ |szi| · mark.
    pub total_ntl_pos: Usd,
    /// Account value − Σ szi · mark.
    pub total_raw_usd: Usd,
    /// Σ initial margin of positions.
    pub total_margin_used: Usd,
    /// Σ maintenance margin.
    pub maintenance_margin_used: Usd,
    /// What could be withdrawn.
    pub withdrawable: Usd,
    /// Query time.
    pub time: Nanos,
}

impl ClearinghouseRecord {
    /// The venue JSON (hyperliquid.md §5).
    pub fn to_venue_json(&self) -> Value {
        let positions: Vec<Value> = self
            .positions
            .iter()
            .map(|p| {
                let s = &p.spec;
                json!({ "type": "oneWay", "position": {
                    "coin": s.coin.as_str(),
                    "szi": s.sz_wire(p.szi).as_str(),
                    "entryPx": p.entry_px.map(|e| s.px_wire(e).as_str().to_owned()),
                    "leverage": { "type": if p.is_cross { "cross" } else { "isolated" },
                                  "value": p.leverage },
                    "liquidationPx": p.liquidation_px.map(|e| s.px_wire(e).as_str().to_owned()),
                    "marginUsed": usd_wire(p.margin_used).as_str(),
                    "maxLeverage": p.max_leverage,
                    "positionValue": usd_wire(p.position_value).as_str(),
                    "returnOnEquity": DecimalStr::new(p.return_on_equity_micro, 6).as_str(),
                    "unrealizedPnl": usd_wire(p.unrealized_pnl).as_str(),
                    "cumFunding": {
                        "allTime": usd_wire(p.cum_funding.all_time).as_str(),
                        "sinceOpen": usd_wire(p.cum_funding.since_open).as_str(),
                        "sinceChange": usd_wire(p.cum_funding.since_change).as_str(),
                    },
                }})
            })
            .collect();
        let summary = json!({
            "accountValue": usd_wire(self.account_value).as_str(),
            "totalNtlPos": usd_wire(self.total_ntl_pos).as_str(),
            "totalRawUsd": usd_wire(self.total_raw_usd).as_str(),
            "totalMarginUsed": usd_wire(self.total_margin_used).as_str(),
        });
        json!({
            "assetPositions": positions,
            "marginSummary": summary,
            "crossMarginSummary": summary,
            "crossMaintenanceMarginUsed": usd_wire(self.maintenance_margin_used).as_str(),
            "withdrawable": usd_wire(self.withdrawable).as_str(),
            "time": self.time.as_millis(),
        })
    }
}
