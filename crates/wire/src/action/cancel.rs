//! The `cancel` (by venue oid) and `cancelByCloid` actions.

use serde::Deserialize;

use super::deserialize::{de_asset, de_cloid, de_oid};
use hlmm_types::{AssetId, Cloid, Oid};

/// One cancel by oid: `{a, o}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelWire {
    /// `a`: the asset id.
    #[serde(rename = "a", deserialize_with = "de_asset")]
    pub asset: AssetId,
    /// `o`: the venue order id.
    #[serde(rename = "o", deserialize_with = "de_oid")]
    pub oid: Oid,
}

/// `cancel`: `{type, cancels, f?}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelAction {
    /// The cancels.
    pub cancels: Vec<CancelWire>,
    /// `f`: fast cancel; omitted when false (hashing `f:false` is rejected).
    #[serde(rename = "f", default)]
    pub fast: bool,
}

/// One cancel by client id: `{asset, cloid}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelByCloidWire {
    /// The asset id.
    #[serde(deserialize_with = "de_asset")]
    pub asset: AssetId,
    /// The client order id.
    #[serde(deserialize_with = "de_cloid")]
    pub cloid: Cloid,
}

/// `cancelByCloid`: `{type, cancels, f?}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelByCloidAction {
    /// The cancels.
    pub cancels: Vec<CancelByCloidWire>,
    /// `f`: fast cancel; omitted when false.
    #[serde(rename = "f", default)]
    pub fast: bool,
}
