//! The `/exchange` body and its wire actions, parsed strictly (hyperliquid.md §3.2, §4).
//!
//! `{action, nonce, signature:{r,s,v}, vaultAddress, expiresAfter?}`: a missing or mistyped
//! field, an unknown action `type`, a bad tif or cloid is the venue's HTTP 422. Keys may come
//! in any order (the Rust SDK sends them sorted): the parse is by name, never by position, and
//! the action's JSON is kept as received for the authenticator to re-encode canonically.
//!
//! Per-order problems (a price off the grid, an unknown asset, a trigger order) are not parse
//! errors: they become that order's `{"error": …}` status, as on the venue.
//!
//! Pure: runs on a request task, no I/O.

use serde::Deserialize;
use serde_json::Value;

use crate::accounts::Address;
use crate::actions::{
    CancelByCloidRequest, CancelRequest, ModifyRequest, OrderRef, OrderRequest, Tif,
};
use crate::matching::validate::{parse_order_px, parse_order_sz};
use crate::matching::RejectReason;
use hlmm_types::{AssetId, Cloid, InstrumentSpec, Oid};

/// A trigger (TP/SL) order: the simulator rests limit orders only. Not a venue string.
pub const TRIGGER_UNSUPPORTED: &str = "simulator: trigger orders are not supported";

/// A parsed `/exchange` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeBody {
    /// The action as received (key order preserved only as far as serde_json keeps it: the
    /// authenticator must re-encode it canonically, never hash it as is).
    pub action: Value,
    /// The nonce, ms by convention.
    pub nonce: u64,
    /// The secp256k1 signature.
    pub signature: Signature,
    /// Sub-account or vault acted for (`null` or absent: the signer's account).
    #[serde(default)]
    pub vault_address: Option<Address>,
    /// Reject the action after this time, ms (`null` or absent: never).
    #[serde(default)]
    pub expires_after: Option<u64>,
}

/// `{r, s, v}`: `r`, `s` minimal hex, `v` = recovery id + 27.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Signature {
    /// `0x` + up to 64 hex.
    pub r: String,
    /// `0x` + up to 64 hex.
    pub s: String,
    /// 27 or 28.
    pub v: u8,
}

impl Signature {
    /// `r` and `s` as 32-byte big-endian integers, `None` if not `0x` + 1..=64 hex digits.
    pub fn rs_bytes(&self) -> Option<([u8; 32], [u8; 32])> {
        Some((hex32(&self.r)?, hex32(&self.s)?))
    }
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    let h = s.strip_prefix("0x")?.as_bytes();
    if h.is_empty() || h.len() > 64 {
        return None;
    }
    let mut out = [0u8; 32];
    // Right-align: minimal hex is left-padded with zeros.
    for (i, &c) in h.iter().rev().enumerate() {
        let v = (c as char).to_digit(16)? as u8;
        let byte = &mut out[31 - i / 2];
        *byte |= if i % 2 == 0 { v } else { v << 4 };
    }
    Some(out)
}

/// A wire order `{a, b, p, s, r, t, c?}`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireOrder {
    /// Asset id.
    pub a: u32,
    /// Buy.
    pub b: bool,
    /// Limit price text.
    pub p: String,
    /// Size text.
    pub s: String,
    /// Reduce only.
    pub r: bool,
    /// Order type.
    pub t: WireOrderType,
    /// Client order id.
    #[serde(default, deserialize_with = "cloid_opt")]
    pub c: Option<Cloid>,
}

/// `t`: `{limit:{tif}}` or `{trigger:{isMarket, triggerPx, tpsl}}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WireOrderType {
    /// A limit order.
    Limit {
        /// Time in force.
        tif: WireTif,
    },
    /// A trigger order (refused per order).
    Trigger {
        /// Market on trigger.
        #[serde(rename = "isMarket")]
        is_market: bool,
        /// Trigger price text.
        #[serde(rename = "triggerPx")]
        trigger_px: String,
        /// `tp` or `sl`.
        tpsl: String,
    },
}

/// `tif`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum WireTif {
    /// Post only.
    Alo,
    /// Immediate or cancel.
    Ioc,
    /// Good till cancelled.
    Gtc,
}

impl From<WireTif> for Tif {
    fn from(t: WireTif) -> Self {
        match t {
            WireTif::Alo => Self::Alo,
            WireTif::Ioc => Self::Ioc,
            WireTif::Gtc => Self::Gtc,
        }
    }
}

/// `{a, o}`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct WireCancel {
    /// Asset id.
    pub a: u32,
    /// Order id.
    pub o: u64,
}

/// `{asset, cloid}`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct WireCancelByCloid {
    /// Asset id.
    pub asset: u32,
    /// Client order id.
    #[serde(deserialize_with = "cloid")]
    pub cloid: Cloid,
}

/// A modify's target: an oid or a cloid string.
#[derive(Debug, Clone, Copy)]
pub struct WireOid(pub OrderRef);

impl<'de> Deserialize<'de> for WireOid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Oid(u64),
            Cloid(String),
        }
        match Raw::deserialize(d)? {
            Raw::Oid(o) => Ok(Self(OrderRef::Oid(Oid(o)))),
            Raw::Cloid(s) => Cloid::parse(s.as_bytes())
                .map(|c| Self(OrderRef::Cloid(c)))
                .map_err(serde::de::Error::custom),
        }
    }
}

/// `{oid, order}`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireModify {
    /// The order to replace.
    pub oid: WireOid,
    /// The replacement.
    pub order: WireOrder,
}

/// The actions the simulator executes.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum WireAction {
    /// `order`.
    Order {
        /// The orders.
        orders: Vec<WireOrder>,
        /// `na`, `normalTpsl`, `positionTpsl` or `{p: fee}`.
        grouping: Value,
        /// Builder fee (accepted, not charged).
        #[serde(default)]
        builder: Option<Value>,
    },
    /// `cancel`.
    Cancel {
        /// The cancels.
        cancels: Vec<WireCancel>,
        /// Fast cancel.
        #[serde(default)]
        f: Option<bool>,
    },
    /// `cancelByCloid`.
    CancelByCloid {
        /// The cancels.
        cancels: Vec<WireCancelByCloid>,
        /// Fast cancel.
        #[serde(default)]
        f: Option<bool>,
    },
    /// `modify`.
    Modify {
        /// Target.
        oid: WireOid,
        /// Replacement.
        order: WireOrder,
        /// Always place.
        #[serde(default)]
        a: Option<bool>,
    },
    /// `batchModify`.
    BatchModify {
        /// The modifies.
        modifies: Vec<WireModify>,
        /// Always place.
        #[serde(default)]
        a: Option<bool>,
    },
    /// `scheduleCancel`.
    ScheduleCancel {
        /// Ms since the epoch; absent clears.
        #[serde(default)]
        time: Option<u64>,
    },
    /// `updateLeverage`.
    UpdateLeverage {
        /// Asset id.
        asset: u32,
        /// Cross margin.
        #[serde(rename = "isCross")]
        is_cross: bool,
        /// Leverage.
        leverage: u32,
    },
    /// `noop`.
    Noop,
    /// `approveAgent`: user-signed (hyperliquid.md §3.4), not an L1 action.
    ApproveAgent(ApproveAgentWire),
}

/// The fields of `approveAgent`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApproveAgentWire {
    /// `"Mainnet"` or `"Testnet"`.
    pub hyperliquid_chain: String,
    /// The EIP-712 domain's chain id, hex (`"0x66eee"`).
    pub signature_chain_id: String,
    /// The agent approved.
    pub agent_address: Address,
    /// Named agent (absent or null: the unnamed one).
    #[serde(default)]
    pub agent_name: Option<String>,
    /// The nonce signed inside the action.
    pub nonce: u64,
}

/// Action types the venue has but the simulator does not execute: answered with a
/// whole-action error instead of 422.
const UNSUPPORTED: &[&str] = &[
    "updateIsolatedMargin",
    "reserveRequestWeight",
    "usdClassTransfer",
    "usdSend",
    "withdraw3",
    "spotSend",
    "approveBuilderFee",
    "twapOrder",
    "twapCancel",
    "vaultTransfer",
    "subAccountTransfer",
    "createSubAccount",
    "setReferrer",
    "evmUserModify",
];

/// Why a body could not be turned into an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// Malformed: HTTP 422 with [`super::DESERIALIZE_ERROR`].
    Malformed,
    /// Well formed but refused as a whole: `{"status":"err","response":<text>}`.
    Refused(String),
}

impl WireAction {
    /// Parses the action object of a body.
    pub fn parse(action: &Value) -> Result<Self, BodyError> {
        match Self::deserialize(action) {
            Ok(a) => Ok(a),
            Err(_) => match action.get("type").and_then(Value::as_str) {
                Some(t) if UNSUPPORTED.contains(&t) => {
                    Err(BodyError::Refused(format!("simulator: action {t} is not supported")))
                }
                _ => Err(BodyError::Malformed),
            },
        }
    }

    /// Requests this action counts against the address budget, and whether it is a cancel.
    pub fn weight(&self) -> (u64, bool) {
        match self {
            Self::Order { orders, .. } => (orders.len().max(1) as u64, false),
            Self::Cancel { cancels, .. } => (cancels.len().max(1) as u64, true),
            Self::CancelByCloid { cancels, .. } => (cancels.len().max(1) as u64, true),
            Self::BatchModify { modifies, .. } => (modifies.len().max(1) as u64, false),
            _ => (1, false),
        }
    }
}

/// Turns a wire order into a typed one, or the per-order error text. `spec` looks up a listed
/// asset.
pub fn order_request(
    o: &WireOrder,
    spec: impl Fn(AssetId) -> Option<InstrumentSpec>,
) -> Result<OrderRequest, String> {
    let asset = AssetId(o.a);
    let spec = spec(asset).ok_or_else(|| RejectReason::UnknownAsset.message())?;
    let tif = match &o.t {
        WireOrderType::Limit { tif } => Tif::from(*tif),
        WireOrderType::Trigger { .. } => return Err(TRIGGER_UNSUPPORTED.to_owned()),
    };
    let px = parse_order_px(&spec, o.p.as_bytes()).map_err(|r| r.message())?;
    let sz = parse_order_sz(&spec, o.s.as_bytes()).map_err(|r| r.message())?;
    Ok(OrderRequest { asset, is_buy: o.b, px, sz, reduce_only: o.r, tif, cloid: o.c })
}

/// A cancel by oid.
pub fn cancel_request(c: &WireCancel) -> CancelRequest {
    CancelRequest { asset: AssetId(c.a), oid: Oid(c.o) }
}

/// A cancel by cloid.
pub fn cancel_by_cloid_request(c: &WireCancelByCloid) -> CancelByCloidRequest {
    CancelByCloidRequest { asset: AssetId(c.asset), cloid: c.cloid }
}

/// A modify, or the error text of its replacement order.
pub fn modify_request(
    m: &WireModify,
    spec: impl Fn(AssetId) -> Option<InstrumentSpec>,
) -> Result<ModifyRequest, String> {
    Ok(ModifyRequest { target: m.oid.0, order: order_request(&m.order, spec)? })
}

fn cloid<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Cloid, D::Error> {
    let s = String::deserialize(d)?;
    Cloid::parse(s.as_bytes()).map_err(serde::de::Error::custom)
}

fn cloid_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cloid>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => Cloid::parse(s.as_bytes()).map(Some).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests;
