//! The simulator's resolved `/exchange` actions, its responses and the records it emits, with
//! their venue JSON forms.
//!
//! An [`ExchangeAction`] is what [`crate::exchange::Exchange::apply`] executes: the orders of a
//! signed wire action ([`hlmm_wire::action::Action`]) resolved to integer ticks and lots
//! ([`LimitOrder`]); the payloads that need no resolving (cancels, `scheduleCancel`,
//! `updateLeverage`) are the wire types themselves. [`crate::rules`] builds them from the
//! parsed, signature-checked wire action; the market generator and tests build them directly.
//!
//! The exchange answers with an [`ExchangeResponse`], sent verbatim as
//! [`ExchangeResponse::to_venue_json`], and reports [`SimEvent`]s (`records` submodule) that
//! feed `userFills`, `orderUpdates`, `trades`, `user` and `l2Book`. The JSON helpers write
//! decimal strings through [`InstrumentSpec::px_wire`]/`sz_wire` and ids and times (ms) as
//! JSON integers, as the venue does (hyperliquid.md §1, §2, §4).
//!
//! Pure data: no I/O, no clock.

#![forbid(unsafe_code)]

mod records;

use serde_json::{json, Map, Value};

pub use records::{
    rate_wire, usd_wire, ClearinghouseRecord, FillRecord, FundingPayment, L2Book, L2Level,
    OrderUpdateRecord, PositionSummary, SimEvent, SimOrderStatus, TradeRecord,
};

use hlmm_types::commands::Tif;
use hlmm_types::{AssetId, Cloid, InstrumentSpec, Oid, Px, Side, Sz};
use hlmm_wire::action::{
    CancelAction, CancelByCloidAction, OrderRef, ScheduleCancelAction, UpdateLeverageAction,
};

/// One limit order resolved to the asset's grid: `orders[i]` of an `order` action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitOrder {
    /// `a`: the asset id.
    pub asset: AssetId,
    /// `b`: buy.
    pub is_buy: bool,
    /// `p`: limit price, in ticks.
    pub px: Px,
    /// `s`: size, in lots.
    pub sz: Sz,
    /// `r`: reduce only.
    pub reduce_only: bool,
    /// `t.limit.tif`.
    pub tif: Tif,
    /// `c`: client order id.
    pub cloid: Option<Cloid>,
}

impl LimitOrder {
    /// The order's side.
    pub const fn side(&self) -> Side {
        if self.is_buy {
            Side::Bid
        } else {
            Side::Ask
        }
    }
}

/// One modify: cancel `target`, place `order` (a new oid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModifyRequest {
    /// The order to replace.
    pub target: OrderRef,
    /// The replacement.
    pub order: LimitOrder,
}

/// An `/exchange` action as the exchange executes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeAction {
    /// `order` with grouping `na` (independent orders: the only grouping the simulator runs).
    Order {
        /// The orders, processed in sequence.
        orders: Vec<LimitOrder>,
    },
    /// `cancel` (`f` is accepted and ignored).
    Cancel(CancelAction),
    /// `cancelByCloid`.
    CancelByCloid(CancelByCloidAction),
    /// `modify`: answered `{"type":"default"}` or a whole-action error.
    Modify {
        /// The modify.
        modify: ModifyRequest,
        /// `a`: place the new order even if the cancel failed, and as given (may take).
        always_place: bool,
    },
    /// `batchModify`: answered with order statuses.
    BatchModify {
        /// The modifies.
        modifies: Vec<ModifyRequest>,
        /// `a`.
        always_place: bool,
    },
    /// `scheduleCancel`: arm (`Some`, ms since epoch) or clear (`None`) the dead-man's switch.
    ScheduleCancel(ScheduleCancelAction),
    /// `updateLeverage`.
    UpdateLeverage(UpdateLeverageAction),
    /// `noop`: uses a nonce, changes nothing.
    Noop,
}

/// One order's status in an `order` or `batchModify` response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderStatusResp {
    /// `{"resting":{"oid":n,"cloid"?}}`.
    Resting {
        /// New order id.
        oid: Oid,
        /// Echoed client id.
        cloid: Option<Cloid>,
    },
    /// `{"filled":{"totalSz","avgPx","oid"}}`.
    Filled {
        /// The instrument, for formatting.
        spec: InstrumentSpec,
        /// Lots traded.
        total_sz: Sz,
        /// Size-weighted average price, rounded to the nearest tick unit.
        avg_px: Px,
        /// Order id.
        oid: Oid,
    },
    /// `{"error":"…"}`.
    Error(String),
}

impl OrderStatusResp {
    /// The venue JSON of this status.
    pub fn to_venue_json(&self) -> Value {
        match self {
            Self::Resting { oid, cloid } => {
                let mut m = Map::new();
                m.insert("oid".into(), json!(oid.0));
                if let Some(c) = cloid {
                    m.insert("cloid".into(), json!(c.to_string()));
                }
                json!({ "resting": m })
            }
            Self::Filled { spec, total_sz, avg_px, oid } => json!({
                "filled": {
                    "totalSz": spec.sz_wire(*total_sz).as_str(),
                    "avgPx": spec.px_wire(*avg_px).as_str(),
                    "oid": oid.0,
                }
            }),
            Self::Error(msg) => json!({ "error": msg }),
        }
    }
}

/// One cancel's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelStatus {
    /// `"success"`.
    Success,
    /// `{"error":"…"}`.
    Error(String),
}

/// The cancel error for an order that is not resting (or not the caller's).
pub const CANCEL_MISSING: &str = "Order was never placed, already canceled, or filled.";
/// A modify whose target is not resting.
pub const MODIFY_MISSING: &str = "Cannot modify canceled or filled order";
/// Prefix of a modify whose replacement order was refused (the cancel leg already happened).
pub const MODIFY_PLACE_PREFIX: &str = "Error placing new order during modify: ";

impl CancelStatus {
    /// The venue JSON of this status.
    pub fn to_venue_json(&self) -> Value {
        match self {
            Self::Success => json!("success"),
            Self::Error(msg) => json!({ "error": msg }),
        }
    }
}

/// The response to one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeResponse {
    /// `{"type":"order","data":{"statuses":[…]}}` (`order`, `batchModify`).
    Order(Vec<OrderStatusResp>),
    /// `{"type":"cancel","data":{"statuses":[…]}}`.
    Cancel(Vec<CancelStatus>),
    /// `{"type":"default"}`.
    Default,
    /// A whole-action error: `{"status":"err","response":"<msg>"}`.
    Err(String),
}

impl ExchangeResponse {
    /// The full HTTP body the venue sends (status 200 in every case).
    pub fn to_venue_json(&self) -> Value {
        match self {
            Self::Order(s) => json!({
                "status": "ok",
                "response": { "type": "order", "data": {
                    "statuses": s.iter().map(OrderStatusResp::to_venue_json).collect::<Vec<_>>()
                }}
            }),
            Self::Cancel(s) => json!({
                "status": "ok",
                "response": { "type": "cancel", "data": {
                    "statuses": s.iter().map(CancelStatus::to_venue_json).collect::<Vec<_>>()
                }}
            }),
            Self::Default => json!({ "status": "ok", "response": { "type": "default" } }),
            Self::Err(msg) => json!({ "status": "err", "response": msg }),
        }
    }
}
