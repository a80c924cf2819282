//! The `order` action: one order as signed ([`OrderWire`]), its type (limit or trigger), and
//! the action around a list of them ([`OrderAction`]).

use serde::Deserialize;

use super::deserialize::{de_asset, de_opt_cloid};
use super::values::WireNum;
use hlmm_types::commands::Tif;
use hlmm_types::{Address, AssetId, Cloid, InstrumentSpec, Px, Side, Sz};

/// Take-profit or stop-loss, for trigger orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tpsl {
    /// Take profit.
    Tp,
    /// Stop loss.
    Sl,
}

impl Tpsl {
    /// The venue's text.
    pub const fn as_wire(self) -> &'static str {
        match self {
            Self::Tp => "tp",
            Self::Sl => "sl",
        }
    }
}

/// `t.limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// Time in force.
    pub tif: Tif,
}

/// `t.trigger`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Trigger {
    /// Fill at market when triggered (else as a limit order at `p`).
    pub is_market: bool,
    /// Trigger price, wire text.
    pub trigger_px: WireNum,
    /// Take profit or stop loss.
    pub tpsl: Tpsl,
}

/// `t`: the order type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OrderType {
    /// `{"limit":{"tif":…}}`.
    Limit(Limit),
    /// `{"trigger":{"isMarket":…,"triggerPx":…,"tpsl":…}}`.
    Trigger(Trigger),
}

/// One order as signed: `{a, b, p, s, r, t, c?}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderWire {
    /// `a`: the asset id.
    #[serde(rename = "a", deserialize_with = "de_asset")]
    pub asset: AssetId,
    /// `b`: buy (`true`) or sell.
    #[serde(rename = "b")]
    pub is_buy: bool,
    /// `p`: limit price, wire text.
    #[serde(rename = "p")]
    pub px: WireNum,
    /// `s`: size in coins, wire text.
    #[serde(rename = "s")]
    pub sz: WireNum,
    /// `r`: reduce only. Always encoded, `false` included (the SDKs do).
    #[serde(rename = "r")]
    pub reduce_only: bool,
    /// `t`: limit or trigger.
    #[serde(rename = "t")]
    pub order_type: OrderType,
    /// `c`: client order id, omitted when absent; encoded as `0x` + 32 lower-case hex digits.
    #[serde(rename = "c", default, deserialize_with = "de_opt_cloid")]
    pub cloid: Option<Cloid>,
}

impl OrderWire {
    /// A limit order from the engine's integer price and size; the text comes from
    /// [`InstrumentSpec::px_wire`]/[`InstrumentSpec::sz_wire`] on the stack. The caller has
    /// already rounded `px` to the venue's grid.
    #[inline]
    pub fn limit(
        spec: &InstrumentSpec,
        side: Side,
        px: Px,
        sz: Sz,
        tif: Tif,
        reduce_only: bool,
        cloid: Option<Cloid>,
    ) -> Self {
        Self {
            asset: spec.asset,
            is_buy: side.is_buy(),
            px: spec.px_wire(px).into(),
            sz: spec.sz_wire(sz).into(),
            reduce_only,
            order_type: OrderType::Limit(Limit { tif }),
            cloid,
        }
    }

    /// A trigger (TP/SL) order; `px` is the limit price used when `is_market` is false.
    #[allow(clippy::too_many_arguments)] // mirrors the wire fields one to one
    pub fn trigger(
        spec: &InstrumentSpec,
        side: Side,
        px: Px,
        sz: Sz,
        trigger_px: Px,
        is_market: bool,
        tpsl: Tpsl,
        reduce_only: bool,
        cloid: Option<Cloid>,
    ) -> Self {
        Self {
            asset: spec.asset,
            is_buy: side.is_buy(),
            px: spec.px_wire(px).into(),
            sz: spec.sz_wire(sz).into(),
            reduce_only,
            order_type: OrderType::Trigger(Trigger {
                is_market,
                trigger_px: spec.px_wire(trigger_px).into(),
                tpsl,
            }),
            cloid,
        }
    }
}

/// How the orders of one `order` action relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Grouping {
    /// Independent orders.
    #[default]
    Na,
    /// TP/SL children of the first order.
    NormalTpsl,
    /// TP/SL attached to the position.
    PositionTpsl,
}

impl Grouping {
    /// The venue's text.
    pub const fn as_wire(self) -> &'static str {
        match self {
            Self::Na => "na",
            Self::NormalTpsl => "normalTpsl",
            Self::PositionTpsl => "positionTpsl",
        }
    }
}

/// `builder`: a builder-fee recipient, `{b, f}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Builder {
    /// `b`: the builder's address, encoded lower-case.
    #[serde(rename = "b")]
    pub address: Address,
    /// `f`: fee in tenths of a basis point.
    #[serde(rename = "f")]
    pub fee_tenth_bps: u64,
}

/// `order`: `{type, orders, grouping, builder?}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderAction {
    /// The orders, placed in sequence.
    pub orders: Vec<OrderWire>,
    /// Grouping.
    pub grouping: Grouping,
    /// Optional builder fee.
    #[serde(default)]
    pub builder: Option<Builder>,
}
