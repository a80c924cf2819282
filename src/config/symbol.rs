//! Per-symbol parameters in their three shapes: resolved ([`SymbolConfig`]), as written in a
//! `[symbols.<COIN>]` table ([`SymbolOverrides`]) and as a live Redis update
//! ([`SymbolConfigPatch`]).
//!
//! The field names are the user's contract: the design document's `EnhancedMarketMakerConfig`
//! and its Redis `mm_config` JSON. The fields are listed once, in `symbol_fields!`, so the three
//! shapes cannot drift apart. What values they accept is not written here: every numeric field
//! has its one rule (unit, range, what `0` means) in the core's
//! [`rules`](crate::core::params::rules), which `validate()` and the core both apply; the
//! conversion to the core's [`SymbolParams`](crate::core::params::SymbolParams) is
//! [`SymbolConfig::core_params`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::params::units::{millis_to_nanos, nanos_to_millis, DurationNs};
use crate::core::params::{FairValueModel, SymbolParams as CoreParams, VolEstimator};

/// The core's defaults, which the model fields of the file take when nothing sets them.
const CORE: CoreParams = CoreParams::DEFAULT;

macro_rules! symbol_fields {
    ($( $(#[$doc:meta])* $name:ident: $ty:ty = $default:expr; )*) => {
        /// The parameters of one symbol with every field resolved: the symbol's overrides, then
        /// `[defaults]`, then the built-in defaults. In a file, `[defaults]` has this shape; a
        /// field it leaves out takes the built-in default.
        #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct SymbolConfig {
            $( $(#[$doc])* pub $name: $ty, )*
        }

        impl Default for SymbolConfig {
            /// The built-in defaults: small and conservative, valid for every venue.
            fn default() -> Self {
                Self { $( $name: $default, )* }
            }
        }

        /// A `[symbols.<COIN>]` table: the fields this coin sets itself; `None` falls back to
        /// `[defaults]`. The field docs are those of [`SymbolConfig`].
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
        /// `{"symbol":"BTC", ...any subset of the SymbolConfig fields}`. Unknown fields are
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
            pub fn resolve(&self, base: &SymbolConfig) -> SymbolConfig {
                SymbolConfig { $( $name: self.$name.unwrap_or(base.$name), )* }
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

/// A duration in milliseconds, for a field whose name cannot carry the unit (it is the user's
/// contract, as `force_quote_refresh_interval`). Written as a plain integer.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Millis(pub u64);

impl Millis {
    /// As the core's nanoseconds ([`millis_to_nanos`], saturating).
    pub const fn to_nanos(self) -> DurationNs {
        millis_to_nanos(self.0)
    }
}

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// `fair_value` as written: `"mid"` or `"microprice"`. The model itself is the core's
/// [`FairValueModel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FairValueName {
    /// `(best bid + best ask) / 2`.
    Mid,
    /// Top-of-book size-weighted mid, leaning towards the side with less size.
    Microprice,
}

impl FairValueName {
    /// The name of the core's `model`.
    pub const fn of(model: FairValueModel) -> Self {
        match model {
            FairValueModel::Mid => Self::Mid,
            FairValueModel::Microprice => Self::Microprice,
        }
    }

    /// The core's model of this name.
    pub const fn model(self) -> FairValueModel {
        match self {
            Self::Mid => FairValueModel::Mid,
            Self::Microprice => FairValueModel::Microprice,
        }
    }
}

/// `vol_estimator` as written: `"ewma"` or `"atr"`. The estimators are the core's
/// [`VolEstimator`]; both always run, so switching needs no new warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VolEstimatorName {
    /// Exponentially weighted variance of mid returns (`vol_halflife_ms`,
    /// `vol_warmup_samples`).
    Ewma,
    /// Average true range of 1-minute mid bars (`atr_bars`).
    Atr,
}

impl VolEstimatorName {
    /// The name of the core's `estimator`.
    pub const fn of(estimator: VolEstimator) -> Self {
        match estimator {
            VolEstimator::Ewma => Self::Ewma,
            VolEstimator::Atr => Self::Atr,
        }
    }

    /// The core's estimator of this name.
    pub const fn estimator(self) -> VolEstimator {
        match self {
            Self::Ewma => VolEstimator::Ewma,
            Self::Atr => VolEstimator::Atr,
        }
    }
}

// Each field: what it does, its unit, and its built-in default. Its range is its rule in
// `crate::core::params::rules` (the README's table lists them).
symbol_fields! {
    /// Quote this coin. `false` keeps it configured (its orders are cancelled, its position is
    /// still tracked) without quoting it. Default `true`.
    enabled: bool = true;
    /// Target return per day, in basis points of the deployed notional (2 × `notional_per_side`):
    /// an input to the spread. Default 10.
    daily_return_bps: u16 = 10;
    /// Size of each quote, in USD at the quote price; at least $10, the venue's minimum order
    /// value. Default 100.
    notional_per_side: f64 = 100.0;
    /// Daily loss limit for this coin, in USD, as a positive number: when the day's PnL (realised
    /// and unrealised, since 00:00 UTC) falls to minus this, the coin flattens and halts until
    /// the next UTC day. Default 100.
    daily_pnl_stop_loss: f64 = 100.0;
    /// Trailing take-profit, as a fraction of position notional (0.05 = 5 %): once unrealised
    /// PnL reaches it, the coin stops adding (hedge-only) and unwinds, while the trailing stop
    /// protects the peak. `0` disables it. Default 0.05.
    trailing_take_profit: f64 = 0.05;
    /// Trailing stop, as a fraction of position notional (0.02 = 2 %): the position is flattened
    /// when unrealised PnL falls this far below its peak. `0` disables it. Default 0.02.
    trailing_stop_loss: f64 = 0.02;
    /// Only send orders that reduce the position (the risk state `Reducing`). Default `false`.
    hedge_only_mode: bool = false;
    /// Longest a resting quote may stay off its desired price (within
    /// `requote_tolerance_ticks`), in ms, before it is moved anyway; `0` never forces a refresh.
    /// The exec thread sends one batch per ~100 ms block window, so a shorter interval only
    /// spends the per-address action budget. Default 5 000.
    force_quote_refresh_interval: Millis = Millis(5_000);
    /// Largest long position, in USD notional at the mark price; bids are shrunk to stay within
    /// it (`0`: never long). Default 1 000.
    max_long_usd: f64 = 1_000.0;
    /// Largest short position, in USD notional at the mark price; asks are shrunk to stay within
    /// it (`0`: never short). Default 1 000.
    max_short_usd: f64 = 1_000.0;
    /// Smallest distance from fair value to each quote, in basis points of fair value, whatever
    /// the volatility. At most `max_half_spread_bps`. Default 2.
    min_half_spread_bps: f64 = 2.0;
    /// Cap of the return term of the half spread, in basis points of fair value (the return
    /// term grows when fills stop). Default 50.
    max_half_spread_bps: f64 = CORE.max_half_spread_bps;
    /// The fair value quotes are placed around: `"mid"` or `"microprice"`. Default
    /// `"microprice"`.
    fair_value: FairValueName = FairValueName::of(CORE.fair_value);
    /// The volatility estimator that feeds the spread: `"ewma"` or `"atr"`. Default `"ewma"`.
    vol_estimator: VolEstimatorName = VolEstimatorName::of(CORE.vol_estimator);
    /// Volatility multiplier, in standard deviations: the half spread is at least `vol_k`
    /// standard deviations of the price move over `vol_horizon_ms`. Default 1.
    vol_k: f64 = 1.0;
    /// Horizon the volatility is scaled to, in ms: about how long a quote is expected to rest
    /// before it fills. Default 1 000.
    vol_horizon_ms: u64 = 1_000;
    /// Half-life of the exponentially weighted volatility estimate, in ms. Default 60 000.
    vol_halflife_ms: u64 = 60_000;
    /// Mid returns the EWMA estimator needs before its estimate is used. Default 120.
    vol_warmup_samples: u32 = CORE.vol_warmup_samples;
    /// 1-minute bars in the ATR estimator (Wilder smoothing), which is also its warm-up.
    /// Default 14.
    atr_bars: u32 = CORE.atr_bars;
    /// Volatility used until the estimator is warm, as a fraction of the price per √second
    /// (0.0001 = 1 bps/√s); `0` = no prior: the coin is not quoted until the estimator is warm.
    /// Default 0.
    vol_prior: f64 = CORE.vol_prior.unwrap_or(0.0);
    /// Inventory skew: how far both quotes shift against the position when it is at its limit
    /// (`max_long_usd` / `max_short_usd`), in half-spreads (1.0 = the reservation price moves by
    /// one half-spread); linear in between. Default 1.
    inventory_skew: f64 = 1.0;
    /// Fill rate assumed before any fill is seen, in full-size fills (one `notional_per_side`
    /// each) per day. Default 100.
    fills_per_day_prior: f64 = CORE.fills_per_day_prior;
    /// Lowest fill rate the return term divides by, in full-size fills per day; at most
    /// `fills_per_day_prior`. Default 10.
    fills_per_day_floor: f64 = CORE.fills_per_day_floor;
    /// Half-life of the observed fill rate, in ms. Default 3 600 000 (an hour).
    fill_rate_halflife_ms: u64 = nanos_to_millis(CORE.fill_rate_half_life);
    /// A live quote within this many price ticks of its desired price is left alone (no modify),
    /// which keeps queue position and the action budget. 0 = move on any change. Default 1.
    requote_tolerance_ticks: u32 = 1;
    /// Move a quote by modify (`true`) or by cancel and a new order (`false`). Default `true`.
    prefer_modify: bool = CORE.prefer_modify;
    /// While flattening after a stop, passive reduce-only quotes at the touch are used for this
    /// long, in ms, then a reduce-only IOC (and again every such interval until flat).
    /// Default 10 000.
    flatten_ioc_after_ms: u64 = nanos_to_millis(CORE.flatten_ioc_after);
    /// How far through the opposite touch a flattening IOC is priced, in basis points.
    /// Default 10.
    flatten_ioc_slippage_bps: f64 = CORE.flatten_ioc_slippage_bps;
    /// The account's maker fee, in basis points (negative: a rebate); the venue's tier 0 is
    /// 1.5. The half-spread never goes below `maker_fee_bps + edge_bps`: no quote inside its
    /// own fee. Default 1.5.
    maker_fee_bps: f64 = CORE.maker_fee_bps;
    /// Edge required above the maker fee, in basis points. Default 0.
    edge_bps: f64 = CORE.edge_bps;
    /// Fair-value shift at a one-sided taker flow, in basis points: the fair value moves by
    /// `flow_skew_bps` × the recent signed share of taker volume (buys positive, −1..1), so
    /// quotes lean the way the flow trades. 0 = off. Default 0.
    flow_skew_bps: f64 = CORE.flow_skew_bps;
    /// Half-life of that taker-flow share, in ms. Default 10 000.
    flow_halflife_ms: u64 = nanos_to_millis(CORE.flow_half_life);
    /// Volatility circuit breaker: two-sided quotes pause while the short-horizon volatility
    /// is above this multiple of the spread's volatility, and resume once it is back under 0.7
    /// of it (reducing quotes still go out). 0 = off. Default 0.
    vol_breaker_ratio: f64 = CORE.vol_breaker_ratio;
    /// Half-life of the short-horizon volatility the breaker watches, in ms. Default 10 000.
    vol_breaker_halflife_ms: u64 = nanos_to_millis(CORE.vol_breaker_half_life);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_resolve_field_by_field_over_the_base() {
        let base = SymbolConfig::default();
        let overrides =
            SymbolOverrides { notional_per_side: Some(250.0), ..SymbolOverrides::default() };
        let resolved = overrides.resolve(&base);
        assert_eq!(resolved, SymbolConfig { notional_per_side: 250.0, ..base });
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
