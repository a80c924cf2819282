//! The `modify` and `batchModify` actions (cancel-replace in one action).

use serde::Deserialize;

use super::order::OrderWire;
use super::values::OrderRef;

/// `modify`: `{type, oid, order, a?}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModifyAction {
    /// The order to replace.
    pub oid: OrderRef,
    /// The replacement.
    pub order: OrderWire,
    /// `a`: always place the new order; omitted when false.
    #[serde(rename = "a", default)]
    pub always_place: bool,
}

/// One element of `batchModify`: `{oid, order}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModifyWire {
    /// The order to replace.
    pub oid: OrderRef,
    /// The replacement.
    pub order: OrderWire,
}

/// `batchModify`: `{type, modifies, a?}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchModifyAction {
    /// The modifies.
    pub modifies: Vec<ModifyWire>,
    /// `a`: always place; omitted when false.
    #[serde(rename = "a", default)]
    pub always_place: bool,
}
