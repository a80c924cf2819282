//! `Deserialize` for received actions (the simulator's side): the hand-written impls and the
//! `deserialize_with` helpers the derived ones name. Every action type derives `Deserialize`
//! where it is defined; what needs more than a derive lives here.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::values::{OrderRef, WireNum};
use hlmm_types::{AssetId, Cloid, Oid};

impl<'de> Deserialize<'de> for WireNum {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = WireNum;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<WireNum, E> {
                WireNum::new(s).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for OrderRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = OrderRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an oid (unsigned integer) or a cloid (0x + 32 hex digits)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<OrderRef, E> {
                Ok(OrderRef::Oid(Oid(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<OrderRef, E> {
                u64::try_from(v)
                    .map(|v| OrderRef::Oid(Oid(v)))
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<OrderRef, E> {
                Cloid::parse(s.as_bytes()).map(OrderRef::Cloid).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

pub(super) fn de_asset<'de, D: Deserializer<'de>>(d: D) -> Result<AssetId, D::Error> {
    u32::deserialize(d).map(AssetId)
}

pub(super) fn de_oid<'de, D: Deserializer<'de>>(d: D) -> Result<Oid, D::Error> {
    u64::deserialize(d).map(Oid)
}

pub(super) fn de_cloid<'de, D: Deserializer<'de>>(d: D) -> Result<Cloid, D::Error> {
    CloidText::deserialize(d).map(|c| c.0)
}

pub(super) fn de_opt_cloid<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cloid>, D::Error> {
    Option::<CloidText>::deserialize(d).map(|o| o.map(|c| c.0))
}

/// A cloid read through `visit_str`, which serves borrowed and owned strings alike
/// (`serde_json::Value` and internally tagged enums hand out owned ones).
struct CloidText(Cloid);

impl<'de> Deserialize<'de> for CloidText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = CloidText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a cloid: 0x + 32 hex digits")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<CloidText, E> {
                Cloid::parse(s.as_bytes()).map(CloidText).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}
