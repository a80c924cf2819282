//! `[caps]`: hard caps on the per-symbol risk limits that no runtime patch (Redis `mm_config`
//! or the operator API) can exceed (`fault-cases.md` case 13: whoever can publish a patch must
//! not be able to raise a limit without bound). A patch may move a capped value anywhere up to
//! its cap; raising a cap takes a file edit and a restart. `validate()` enforces them, so the
//! file, env overrides, `mm_config` and API patches all meet the same check.
//!
//! Opt-in: a field left out of `[caps]` is bounded only by its validation range, because the
//! design document's own `mm_config` examples raise limits above the built-in defaults. Set
//! `[caps]` in production (`config/sim.toml` and the testnet / mainnet examples do).

use serde::{Deserialize, Serialize};

use super::symbol::SymbolConfig;

/// Reads one field of a coin's parameters.
type Read = fn(&SymbolConfig) -> f64;

/// The capped fields, by name, with how to read each from a coin's parameters.
pub(super) const CAPPED: [(&str, Read); 4] = [
    ("max_long_usd", |s| s.max_long_usd),
    ("max_short_usd", |s| s.max_short_usd),
    ("notional_per_side", |s| s.notional_per_side),
    ("daily_pnl_stop_loss", |s| s.daily_pnl_stop_loss),
];

/// The `[caps]` section: USD, each optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CapsConfig {
    /// Largest `max_long_usd` a patch may set, USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_long_usd: Option<f64>,
    /// Largest `max_short_usd` a patch may set, USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_short_usd: Option<f64>,
    /// Largest `notional_per_side` a patch may set, USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notional_per_side: Option<f64>,
    /// Largest `daily_pnl_stop_loss` a patch may set, USD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_pnl_stop_loss: Option<f64>,
}

impl CapsConfig {
    /// The configured cap of `field`, if any.
    pub fn get(&self, field: &str) -> Option<f64> {
        match field {
            "max_long_usd" => self.max_long_usd,
            "max_short_usd" => self.max_short_usd,
            "notional_per_side" => self.notional_per_side,
            "daily_pnl_stop_loss" => self.daily_pnl_stop_loss,
            _ => None,
        }
    }

    /// Every capped field of `params` above its cap: (field, value, cap).
    pub fn exceeded(&self, params: &SymbolConfig) -> Vec<(&'static str, f64, f64)> {
        CAPPED
            .iter()
            .filter_map(|(name, read)| {
                let cap = self.get(name)?;
                let value = read(params);
                (value > cap).then_some((*name, value, cap))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fields_with_a_cap_are_held_to_it() {
        let caps = CapsConfig { max_long_usd: Some(2_000.0), ..CapsConfig::default() };
        let params = SymbolConfig {
            max_long_usd: 2_500.0,
            max_short_usd: 1_000_000.0,
            ..SymbolConfig::default()
        };
        assert_eq!(caps.exceeded(&params), [("max_long_usd", 2_500.0, 2_000.0)]);
        assert_eq!(caps.get("vol_k"), None, "not a capped field");
    }
}
