//! The venue's JSON shapes, as the simulator writes them (`hyperliquid.md` §2, §5, §11).
//!
//! Account shapes (here) are plain structs of wire strings, filled by whoever implements
//! [`super::seams::AccountView`]. Market shapes (`market` submodule) borrow the generator's state
//! and format numbers while serialising, so a frame is built without intermediate strings.
//!
//! Numbers are decimal strings; ids, times, `n`, `szDecimals` and leverage are integers. Prices
//! and sizes of whole numbers carry `.0` (`"97000.0"`), as the venue writes them.

mod market;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

pub use market::{
    px, rate, sz, usd, write_l2book_frame, ActiveCtxJson, BboJson, BookJson, CtxJson, Envelope,
    FundingJson, Hex32, LevelJson, Num, SideJson, TradesJson,
};

/// `clearinghouseState`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClearinghouseState {
    /// Open positions.
    pub asset_positions: Vec<AssetPosition>,
    /// Whole-account summary.
    pub margin_summary: MarginSummary,
    /// Cross-margin summary.
    pub cross_margin_summary: MarginSummary,
    /// USD.
    pub cross_maintenance_margin_used: String,
    /// USD.
    pub withdrawable: String,
    /// Venue time, ms.
    pub time: u64,
}

impl ClearinghouseState {
    /// An account with nothing in it.
    pub fn empty(now_ms: u64) -> Self {
        Self {
            asset_positions: Vec::new(),
            margin_summary: MarginSummary::zero(),
            cross_margin_summary: MarginSummary::zero(),
            cross_maintenance_margin_used: "0.0".into(),
            withdrawable: "0.0".into(),
            time: now_ms,
        }
    }
}

/// `marginSummary` / `crossMarginSummary`, all USD strings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarginSummary {
    /// Account value.
    pub account_value: String,
    /// Total notional of positions.
    pub total_ntl_pos: String,
    /// Raw USD balance.
    pub total_raw_usd: String,
    /// Margin in use.
    pub total_margin_used: String,
}

impl MarginSummary {
    /// All zero.
    pub fn zero() -> Self {
        Self {
            account_value: "0.0".into(),
            total_ntl_pos: "0.0".into(),
            total_raw_usd: "0.0".into(),
            total_margin_used: "0.0".into(),
        }
    }
}

/// One `assetPositions` item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetPosition {
    /// Always `"oneWay"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The position.
    pub position: PositionDetail,
}

/// The position inside an `assetPositions` item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionDetail {
    /// Coin name.
    pub coin: String,
    /// Signed size, coins.
    pub szi: String,
    /// Average entry price; `null` when flat.
    pub entry_px: Option<String>,
    /// Leverage setting.
    pub leverage: Leverage,
    /// Liquidation price; `null` when none.
    pub liquidation_px: Option<String>,
    /// USD.
    pub margin_used: String,
    /// The asset's maximum leverage.
    pub max_leverage: u32,
    /// USD.
    pub position_value: String,
    /// Fraction.
    pub return_on_equity: String,
    /// USD.
    pub unrealized_pnl: String,
    /// Funding paid, USD.
    pub cum_funding: CumFundingDetail,
}

/// `leverage`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Leverage {
    /// `"cross"` or `"isolated"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The leverage.
    pub value: u32,
    /// Isolated only: raw USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_usd: Option<String>,
}

/// `cumFunding` of a position, USD strings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CumFundingDetail {
    /// Since the account began.
    pub all_time: String,
    /// Since the position opened.
    pub since_open: String,
    /// Since its size last changed.
    pub since_change: String,
}

/// An `openOrders` item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenOrder {
    /// Coin name.
    pub coin: String,
    /// Limit price.
    pub limit_px: String,
    /// Venue order id.
    pub oid: u64,
    /// `"B"` or `"A"`.
    pub side: String,
    /// Remaining size.
    pub sz: String,
    /// Creation time, ms.
    pub timestamp: u64,
    /// Original size.
    pub orig_sz: String,
    /// Client order id, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloid: Option<String>,
}

/// A `frontendOpenOrders` item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FrontendOpenOrder {
    /// Coin name.
    pub coin: String,
    /// Limit price.
    pub limit_px: String,
    /// Venue order id.
    pub oid: u64,
    /// `"B"` or `"A"`.
    pub side: String,
    /// Remaining size.
    pub sz: String,
    /// Creation time, ms.
    pub timestamp: u64,
    /// Original size.
    pub orig_sz: String,
    /// Client order id, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloid: Option<String>,
    /// TP/SL for the whole position.
    pub is_position_tpsl: bool,
    /// A trigger order.
    pub is_trigger: bool,
    /// `"Limit"`, `"Stop Market"`, …
    pub order_type: String,
    /// Reduce-only.
    pub reduce_only: bool,
    /// `"N/A"` for limit orders.
    pub trigger_condition: String,
    /// `"0.0"` for limit orders.
    pub trigger_px: String,
    /// `"Alo"`, `"Ioc"`, `"Gtc"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tif: Option<String>,
}

/// A fill (`userFills`, `userFillsByTime`, WS `userFills` and `user.fills`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserFill {
    /// Coin name.
    pub coin: String,
    /// Price.
    pub px: String,
    /// Size.
    pub sz: String,
    /// Our side, `"B"` or `"A"`.
    pub side: String,
    /// Venue time, ms.
    pub time: u64,
    /// Signed position before the fill.
    pub start_position: String,
    /// `"Open Long"`, `"Close Short"`, …
    pub dir: String,
    /// USD.
    pub closed_pnl: String,
    /// Transaction hash, `0x` + 64 hex.
    pub hash: String,
    /// Venue order id.
    pub oid: u64,
    /// `true` if taker.
    pub crossed: bool,
    /// USD; negative is a rebate.
    pub fee: String,
    /// Trade id.
    pub tid: u64,
    /// `"USDC"`.
    pub fee_token: String,
    /// Client order id, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloid: Option<String>,
    /// Builder fee, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub builder_fee: Option<String>,
}

/// `orderStatus`'s answer.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderStatusReply {
    /// `{"status":"order","order":{…}}`.
    Order(Box<OrderStatusEntry>),
    /// `{"status":"unknownOid"}`.
    UnknownOid,
}

impl Serialize for OrderStatusReply {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match self {
            Self::Order(entry) => {
                m.serialize_entry("status", "order")?;
                m.serialize_entry("order", entry)?;
            }
            Self::UnknownOid => m.serialize_entry("status", "unknownOid")?,
        }
        m.end()
    }
}

/// `order` of an `orderStatus` answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderStatusEntry {
    /// The order.
    pub order: OrderDetail,
    /// Its status (`open`, `filled`, `canceled`, `…Rejected`, …).
    pub status: String,
    /// When the status was set, ms.
    pub status_timestamp: u64,
}

/// The order inside an `orderStatus` answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderDetail {
    /// Coin name.
    pub coin: String,
    /// `"B"` or `"A"`.
    pub side: String,
    /// Limit price.
    pub limit_px: String,
    /// Remaining size.
    pub sz: String,
    /// Venue order id.
    pub oid: u64,
    /// Creation time, ms.
    pub timestamp: u64,
    /// `"N/A"` for limit orders.
    pub trigger_condition: String,
    /// A trigger order.
    pub is_trigger: bool,
    /// `"0.0"` for limit orders.
    pub trigger_px: String,
    /// TP/SL children (empty for plain orders).
    pub children: Vec<serde_json::Value>,
    /// TP/SL for the whole position.
    pub is_position_tpsl: bool,
    /// Reduce-only.
    pub reduce_only: bool,
    /// `"Limit"`, …
    pub order_type: String,
    /// Original size.
    pub orig_sz: String,
    /// Never null (the SDK requires a string).
    pub tif: String,
    /// Client order id or `null`.
    pub cloid: Option<String>,
}

/// `userRateLimit`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRateLimit {
    /// Cumulative volume traded, USD.
    pub cum_vlm: String,
    /// Requests used.
    pub n_requests_used: u64,
    /// Request cap (10 000 + 1 per USDC traded).
    pub n_requests_cap: u64,
    /// Bought with `reserveRequestWeight`.
    pub n_requests_surplus: u64,
}

impl UserRateLimit {
    /// An account that has neither traded nor sent anything.
    pub fn fresh() -> Self {
        Self {
            cum_vlm: "0.0".into(),
            n_requests_used: 0,
            n_requests_cap: 10_000,
            n_requests_surplus: 0,
        }
    }
}

/// One `orderUpdates` item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WsOrderUpdate {
    /// The order.
    pub order: WsOrder,
    /// New status.
    pub status: String,
    /// When, ms.
    pub status_timestamp: u64,
}

/// The order inside an `orderUpdates` item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WsOrder {
    /// Coin name.
    pub coin: String,
    /// `"B"` or `"A"`.
    pub side: String,
    /// Limit price.
    pub limit_px: String,
    /// Remaining size.
    pub sz: String,
    /// Venue order id.
    pub oid: u64,
    /// Creation time, ms.
    pub timestamp: u64,
    /// Original size.
    pub orig_sz: String,
    /// Client order id, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloid: Option<String>,
}

/// A `user` (userEvents) message: exactly one of its variants.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum UserEvent {
    /// `{"fills":[…]}`.
    Fills(Vec<UserFill>),
    /// `{"funding":{time, coin, usdc, szi, fundingRate}}`.
    Funding(serde_json::Value),
    /// `{"liquidation":{…}}`.
    Liquidation(serde_json::Value),
    /// `{"nonUserCancel":[{coin, oid}]}`.
    NonUserCancel(Vec<serde_json::Value>),
}

#[cfg(test)]
mod tests;
