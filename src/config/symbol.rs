//! Per-symbol parameters in their three shapes: resolved ([`SymbolParams`]), as written in a
//! `[symbols.<COIN>]` table ([`SymbolOverrides`]) and as a live Redis update
//! ([`SymbolConfigPatch`]).
//!
//! The field names are the user's contract: the design document's `EnhancedMarketMakerConfig`
//! and its Redis `mm_config` JSON. The fields are listed once, in `symbol_fields!`, so the three
//! shapes cannot drift apart.

use serde::{Deserialize, Serialize};

macro_rules! symbol_fields {
    ($( $(#[$doc:meta])* $name:ident: $ty:ty = $default:expr; )*) => {
        /// The parameters of one symbol with every field resolved: the symbol's overrides, then
        /// `[defaults]`, then the built-in defaults. In a file, `[defaults]` has this shape; a
        /// field it leaves out takes the built-in default.
        #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct SymbolParams {
            $( $(#[$doc])* pub $name: $ty, )*
        }

        impl Default for SymbolParams {
            /// The built-in defaults: small and conservative, valid for every venue.
            fn default() -> Self {
                Self { $( $name: $default, )* }
            }
        }

        /// A `[symbols.<COIN>]` table: the fields this coin sets itself; `None` falls back to
        /// `[defaults]`. The field docs are those of [`SymbolParams`].
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct SymbolOverrides {
            $(
                $(#[$doc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $name: Option<$ty>,
            )*
        }

        /// A live update of one symbol, as published on the Redis `mm_config` channel:
        /// `{"symbol":"BTC", ...any subset of the SymbolParams fields}`. Unknown fields are
        /// rejected. Applied with [`Config::apply_patch`](super::Config::apply_patch).
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct SymbolConfigPatch {
            /// The coin to change; must already be configured.
            pub symbol: String,
            $(
                $(#[$doc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $name: Option<$ty>,
            )*
        }

        /// The per-symbol field names, as in the file and in `mm_config`.
        pub const SYMBOL_FIELDS: &[&str] = &[$( stringify!($name), )*];

        impl SymbolOverrides {
            /// These overrides on top of `base`.
            pub fn resolve(&self, base: &SymbolParams) -> SymbolParams {
                SymbolParams { $( $name: self.$name.unwrap_or(base.$name), )* }
            }

            /// Whether this coin sets `field` itself.
            pub(crate) fn is_set(&self, field: &str) -> bool {
                debug_assert!(SYMBOL_FIELDS.contains(&field), "unknown symbol field {field}");
                match field {
                    $( stringify!($name) => self.$name.is_some(), )*
                    _ => false,
                }
            }

            /// Takes every field the patch sets; leaves the others as they are.
            pub(crate) fn merge(&mut self, patch: &SymbolConfigPatch) {
                $( if patch.$name.is_some() { self.$name = patch.$name; } )*
            }
        }
    };
}

symbol_fields! {
    /// Quote this coin. `false` keeps it configured (its orders are cancelled, its position is
    /// still tracked) without quoting it. Default `true`.
    enabled: bool = true;
    /// Target return per day, in basis points of the deployed notional (2 × `notional_per_side`):
    /// an input to the spread. 0..=10 000. Default 10.
    daily_return_bps: u16 = 10;
    /// Size of each quote, in USD at the quote price. At least $10, the venue's minimum order
    /// value. Default 100.
    notional_per_side: f64 = 100.0;
    /// Daily loss limit for this coin, in USD, as a positive number: when the day's PnL (realised
    /// and unrealised, since 00:00 UTC) falls to minus this, the coin goes hedge-only. Default 100.
    daily_pnl_stop_loss: f64 = 100.0;
    /// Trailing take-profit trigger, as a fraction of the position's entry notional (0.05 =
    /// +5 %): once the open position's return reaches it, the exit trails the best return seen.
    /// 0 < x < 10. Default 0.05.
    trailing_take_profit: f64 = 0.05;
    /// Trailing stop, as a fraction (0.02 = 2 %): the position is reduced when its return falls
    /// this far below the best seen. 0 < x < 1. Default 0.02.
    trailing_stop_loss: f64 = 0.02;
    /// Only send orders that reduce the position (the risk state `Reducing`). Default `false`.
    hedge_only_mode: bool = false;
    /// Longest a resting quote may stay off its desired price (within
    /// `requote_tolerance_ticks`), in ms, before it is moved anyway. At least 100: the exec thread
    /// sends one batch per ~100 ms block window, so a shorter interval only spends the
    /// per-address action budget (each order in a batch counts). At most 86 400 000 (a day).
    /// Default 5 000.
    force_quote_refresh_interval: u64 = 5_000;
    /// Largest long position, in USD notional at the mark price; bids stop at this limit. At
    /// least `notional_per_side`. Default 1 000.
    max_long_usd: f64 = 1_000.0;
    /// Largest short position, in USD notional at the mark price; asks stop at this limit. At
    /// least `notional_per_side`. Default 1 000.
    max_short_usd: f64 = 1_000.0;
    /// Smallest distance from fair value to each quote, in basis points of fair value, whatever
    /// the volatility. 0 < x <= 1 000. Default 2.
    min_half_spread_bps: f64 = 2.0;
    /// Volatility multiplier: the half spread is at least `vol_k` standard deviations of the
    /// price move over `vol_horizon_ms`. 0..=100. Default 1.
    vol_k: f64 = 1.0;
    /// Horizon the volatility is scaled to, in ms: about how long a quote is expected to rest
    /// before it fills. 100..=86 400 000. Default 1 000.
    vol_horizon_ms: u64 = 1_000;
    /// Half-life of the exponentially weighted volatility estimate, in ms. 1 000..=86 400 000.
    /// Default 60 000.
    vol_halflife_ms: u64 = 60_000;
    /// Inventory skew: how far both quotes shift against the position when it is at its limit
    /// (`max_long_usd` / `max_short_usd`), in half-spreads (1.0 = the reservation price moves by
    /// one half-spread); linear in between. 0..=10. Default 1.
    inventory_skew: f64 = 1.0;
    /// A live quote within this many price ticks of its desired price is left alone (no modify),
    /// which keeps queue position and the action budget. 0 = move on any change. 0..=10 000.
    /// Default 1.
    requote_tolerance_ticks: u32 = 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_resolve_field_by_field_over_the_base() {
        let base = SymbolParams::default();
        let overrides =
            SymbolOverrides { notional_per_side: Some(250.0), ..SymbolOverrides::default() };
        let resolved = overrides.resolve(&base);
        assert_eq!(resolved, SymbolParams { notional_per_side: 250.0, ..base });
        assert!(overrides.is_set("notional_per_side"));
        assert!(!overrides.is_set("max_long_usd"));
    }

    #[test]
    fn merge_takes_only_the_fields_a_patch_sets() {
        let mut overrides =
            SymbolOverrides { max_long_usd: Some(500.0), ..SymbolOverrides::default() };
        let patch: SymbolConfigPatch =
            serde_json::from_str(r#"{"symbol":"BTC","hedge_only_mode":true}"#)
                .expect("a valid patch");
        overrides.merge(&patch);
        assert_eq!(overrides.max_long_usd, Some(500.0));
        assert_eq!(overrides.hedge_only_mode, Some(true));
    }
}
