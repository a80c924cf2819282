//! The rule set of the per-symbol parameters: one [`Rule`] per numeric field, with its unit,
//! its range and what `0` means, plus the cross-field rules, and one [`check`] that applies
//! them.
//!
//! Everything that accepts per-symbol parameters calls [`check`]: the file config and its
//! `[defaults]` (`hlmm check-config`, `hlmm run`, after the `HLMM_*` overrides), a Redis
//! `mm_config` patch or `mm:config:<SYM>` key (through the same config validation), and the
//! core itself ([`SymbolParams::validate`](super::SymbolParams::validate), for every parameter
//! set it is given). The callers only say how to read a field as a number in the rule's unit;
//! so a value one of them accepts, all of them accept.
//!
//! Names are the operator's (the file's and `mm_config`'s field names), and values are in the
//! operator's units ([`Unit`]): dollars, milliseconds. The core reads its micro-dollars and
//! nanoseconds back into those units with [`super::units`].
//!
//! Pure and allocation-free: violations are reported through a callback, and their text is
//! written on display.

use std::fmt;

use super::units::{dollars_at_core_resolution, Unit};
use Bound::{Exclusive, Inclusive, Unbounded};
use Unit as U;

/// A numeric per-symbol parameter that has a rule. Non-numeric parameters (`enabled`,
/// `hedge_only_mode`, `prefer_modify`, `fair_value`, `vol_estimator`) take any value of their
/// type and have none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `daily_return_bps`.
    DailyReturnBps,
    /// `notional_per_side`.
    NotionalPerSide,
    /// `daily_pnl_stop_loss`.
    DailyPnlStopLoss,
    /// `trailing_take_profit`.
    TrailingTakeProfit,
    /// `trailing_stop_loss`.
    TrailingStopLoss,
    /// `force_quote_refresh_interval` (ms; the core's is in ns).
    ForceQuoteRefreshInterval,
    /// `max_long_usd`.
    MaxLongUsd,
    /// `max_short_usd`.
    MaxShortUsd,
    /// `min_half_spread_bps`.
    MinHalfSpreadBps,
    /// `max_half_spread_bps`.
    MaxHalfSpreadBps,
    /// `vol_k`.
    VolK,
    /// `vol_horizon_ms` (the core's `vol_horizon`, in ns).
    VolHorizon,
    /// `vol_halflife_ms` (the core's `ewma_half_life`, in ns).
    VolHalflife,
    /// `vol_warmup_samples`.
    VolWarmupSamples,
    /// `atr_bars`.
    AtrBars,
    /// `vol_prior` (`0` in the config is the core's `None`).
    VolPrior,
    /// `inventory_skew`.
    InventorySkew,
    /// `fills_per_day_prior`.
    FillsPerDayPrior,
    /// `fills_per_day_floor`.
    FillsPerDayFloor,
    /// `fill_rate_halflife_ms` (the core's `fill_rate_half_life`, in ns).
    FillRateHalflife,
    /// `requote_tolerance_ticks`.
    RequoteToleranceTicks,
    /// `flatten_ioc_after_ms` (the core's `flatten_ioc_after`, in ns).
    FlattenIocAfter,
    /// `flatten_ioc_slippage_bps`.
    FlattenIocSlippageBps,
    /// `maker_fee_bps`.
    MakerFeeBps,
    /// `edge_bps`.
    EdgeBps,
    /// `flow_skew_bps`.
    FlowSkewBps,
    /// `flow_halflife_ms`.
    FlowHalflife,
    /// `vol_breaker_ratio`.
    VolBreakerRatio,
    /// `vol_breaker_halflife_ms`.
    VolBreakerHalflife,
}

impl Field {
    /// How many fields have a rule.
    pub const COUNT: usize = RULES.len();

    /// Every field, in the order the file schema lists them (and errors are reported).
    pub fn all() -> impl Iterator<Item = Self> {
        RULES.iter().map(|r| r.field)
    }

    /// The field's rule.
    pub const fn rule(self) -> &'static Rule {
        &RULES[self as usize]
    }

    /// The operator's name of the field, as in the file and in `mm_config`.
    pub const fn name(self) -> &'static str {
        self.rule().name
    }

    /// The field called `name`, if it has a rule.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::all().find(|f| f.name() == name)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One end of a range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// The end value is in the range.
    Inclusive(f64),
    /// The end value is not in the range.
    Exclusive(f64),
    /// No limit on this side.
    Unbounded,
}

/// One field's rule: its unit, its range, whether `0` means "off", and how a value outside the
/// range is reported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// The field.
    pub field: Field,
    /// Its name in the file and in `mm_config`.
    pub name: &'static str,
    /// What it measures, as the operator writes it.
    pub unit: Unit,
    /// Lowest accepted value.
    pub min: Bound,
    /// Highest accepted value.
    pub max: Bound,
    /// `0` is accepted even when outside `min..max`, and turns the feature off.
    pub zero_disables: bool,
    /// The rule as reported for a value below `min`.
    pub below: &'static str,
    /// The rule as reported for a value above `max`.
    pub above: &'static str,
}

impl Rule {
    /// A rule reported with one text on both sides.
    const fn new(
        field: Field,
        name: &'static str,
        unit: Unit,
        min: Bound,
        max: Bound,
        text: &'static str,
    ) -> Self {
        Self { field, name, unit, min, max, zero_disables: false, below: text, above: text }
    }

    /// `0` turns the feature off.
    const fn zero_disables(self) -> Self {
        Self { zero_disables: true, ..self }
    }

    /// Reported for a value below `min` instead of the common text.
    const fn below(self, below: &'static str) -> Self {
        Self { below, ..self }
    }

    /// Checks `value`, in [`Rule::unit`]. Dollar amounts are checked at the core's
    /// resolution (micro-dollars), the value the core will hold.
    pub fn check(&self, value: f64) -> Result<(), Broken> {
        if !value.is_finite() {
            return Err(Broken::NotFinite);
        }
        let v = if self.unit == Unit::Usd { dollars_at_core_resolution(value) } else { value };
        if self.zero_disables && v == 0.0 {
            return Ok(());
        }
        let above_min = match self.min {
            Inclusive(min) => v >= min,
            Exclusive(min) => v > min,
            Unbounded => true,
        };
        let below_max = match self.max {
            Inclusive(max) => v <= max,
            Exclusive(max) => v < max,
            Unbounded => true,
        };
        match (above_min, below_max) {
            (false, _) => Err(Broken::Below),
            (_, false) => Err(Broken::Above),
            _ => Ok(()),
        }
    }
}

/// The largest dollar amount of any per-symbol parameter: far beyond any real order or limit,
/// and well inside the core's micro-dollar range.
pub const MAX_USD: f64 = 1e9;

/// The longest per-symbol duration, in milliseconds: a day.
pub const MAX_MS: f64 = 86_400_000.0;

/// Every rule, in [`Field`] order (checked at compile time).
pub const RULES: [Rule; 29] = [
    Rule::new(
        Field::DailyReturnBps,
        "daily_return_bps",
        U::BpsPerDay,
        Inclusive(0.0),
        Inclusive(10_000.0),
        "must be <= 10000 (100 % a day)",
    ),
    Rule::new(
        Field::NotionalPerSide,
        "notional_per_side",
        U::Usd,
        Inclusive(10.0),
        Inclusive(MAX_USD),
        "must be <= 1e9 usd",
    )
    .below("below the $10 minimum order value"),
    Rule::new(
        Field::DailyPnlStopLoss,
        "daily_pnl_stop_loss",
        U::Usd,
        Exclusive(0.0),
        Inclusive(MAX_USD),
        "must be <= 1e9 usd",
    )
    .below("must be > 0 (a loss limit in usd, written as a positive number)"),
    Rule::new(
        Field::TrailingTakeProfit,
        "trailing_take_profit",
        U::Fraction,
        Inclusive(0.0),
        Exclusive(1.0),
        "must be in [0, 1), a fraction of position notional (0.05 = 5 %); 0 disables it",
    )
    .zero_disables(),
    Rule::new(
        Field::TrailingStopLoss,
        "trailing_stop_loss",
        U::Fraction,
        Inclusive(0.0),
        Exclusive(1.0),
        "must be in [0, 1), a fraction of position notional (0.02 = 2 %); 0 disables it",
    )
    .zero_disables(),
    Rule::new(
        Field::ForceQuoteRefreshInterval,
        "force_quote_refresh_interval",
        U::Millis,
        Inclusive(100.0),
        Inclusive(MAX_MS),
        "must be in 100..=86400000 ms, or 0 to never force a refresh (faster than one batch \
         per block window only spends the action budget)",
    )
    .zero_disables(),
    Rule::new(
        Field::MaxLongUsd,
        "max_long_usd",
        U::Usd,
        Inclusive(0.0),
        Inclusive(MAX_USD),
        "must be <= 1e9 usd",
    )
    .below("must not be negative"),
    Rule::new(
        Field::MaxShortUsd,
        "max_short_usd",
        U::Usd,
        Inclusive(0.0),
        Inclusive(MAX_USD),
        "must be <= 1e9 usd",
    )
    .below("must not be negative"),
    Rule::new(
        Field::MinHalfSpreadBps,
        "min_half_spread_bps",
        U::Bps,
        Exclusive(0.0),
        Inclusive(1_000.0),
        "must be in (0, 1000] bps",
    ),
    Rule::new(
        Field::MaxHalfSpreadBps,
        "max_half_spread_bps",
        U::Bps,
        Exclusive(0.0),
        Inclusive(10_000.0),
        "must be in (0, 10000] bps",
    ),
    Rule::new(
        Field::VolK,
        "vol_k",
        U::StdDevs,
        Inclusive(0.0),
        Inclusive(100.0),
        "must be in 0..=100",
    ),
    Rule::new(
        Field::VolHorizon,
        "vol_horizon_ms",
        U::Millis,
        Inclusive(100.0),
        Inclusive(MAX_MS),
        "must be in 100..=86400000 ms",
    ),
    Rule::new(
        Field::VolHalflife,
        "vol_halflife_ms",
        U::Millis,
        Inclusive(1_000.0),
        Inclusive(MAX_MS),
        "must be in 1000..=86400000 ms",
    ),
    Rule::new(
        Field::VolWarmupSamples,
        "vol_warmup_samples",
        U::Samples,
        Inclusive(1.0),
        Unbounded,
        "must be >= 1 (mid returns before the estimate is used)",
    ),
    Rule::new(
        Field::AtrBars,
        "atr_bars",
        U::Bars,
        Inclusive(1.0),
        Inclusive(1_440.0),
        "must be in 1..=1440 bars (1-minute bars: at most a day)",
    ),
    Rule::new(
        Field::VolPrior,
        "vol_prior",
        U::PerSqrtSecond,
        Exclusive(0.0),
        Inclusive(1.0),
        "must be in (0, 1], a volatility per √second (0.0001 = 1 bps/√s), or 0 for no prior \
         (no quotes until the estimator is warm)",
    )
    .zero_disables(),
    Rule::new(
        Field::InventorySkew,
        "inventory_skew",
        U::HalfSpreads,
        Inclusive(0.0),
        Inclusive(10.0),
        "must be in 0..=10 half-spreads",
    ),
    Rule::new(
        Field::FillsPerDayPrior,
        "fills_per_day_prior",
        U::FillsPerDay,
        Exclusive(0.0),
        Inclusive(1_000_000.0),
        "must be in (0, 1000000] fills per day",
    ),
    Rule::new(
        Field::FillsPerDayFloor,
        "fills_per_day_floor",
        U::FillsPerDay,
        Exclusive(0.0),
        Inclusive(1_000_000.0),
        "must be in (0, 1000000] fills per day",
    ),
    Rule::new(
        Field::FillRateHalflife,
        "fill_rate_halflife_ms",
        U::Millis,
        Inclusive(1_000.0),
        Inclusive(MAX_MS),
        "must be in 1000..=86400000 ms",
    ),
    Rule::new(
        Field::RequoteToleranceTicks,
        "requote_tolerance_ticks",
        U::Ticks,
        Inclusive(0.0),
        Inclusive(10_000.0),
        "must be <= 10000",
    )
    .below("must not be negative"),
    Rule::new(
        Field::FlattenIocAfter,
        "flatten_ioc_after_ms",
        U::Millis,
        Inclusive(100.0),
        Inclusive(3_600_000.0),
        "must be in 100..=3600000 ms",
    ),
    Rule::new(
        Field::FlattenIocSlippageBps,
        "flatten_ioc_slippage_bps",
        U::Bps,
        Inclusive(0.0),
        Inclusive(1_000.0),
        "must be in 0..=1000 bps",
    ),
    Rule::new(
        Field::MakerFeeBps,
        "maker_fee_bps",
        U::Bps,
        Inclusive(-10.0),
        Inclusive(100.0),
        "must be in -10..=100 bps (negative: a rebate)",
    ),
    Rule::new(
        Field::EdgeBps,
        "edge_bps",
        U::Bps,
        Inclusive(0.0),
        Inclusive(1_000.0),
        "must be in 0..=1000 bps",
    ),
    Rule::new(
        Field::FlowSkewBps,
        "flow_skew_bps",
        U::Bps,
        Inclusive(0.0),
        Inclusive(100.0),
        "must be in 0..=100 bps",
    ),
    Rule::new(
        Field::FlowHalflife,
        "flow_halflife_ms",
        U::Millis,
        Inclusive(100.0),
        Inclusive(MAX_MS),
        "must be in 100..=86400000 ms",
    ),
    Rule::new(
        Field::VolBreakerRatio,
        "vol_breaker_ratio",
        U::StdDevs,
        Inclusive(0.0),
        Inclusive(100.0),
        "must be in 0..=100 (0 = off)",
    ),
    Rule::new(
        Field::VolBreakerHalflife,
        "vol_breaker_halflife_ms",
        U::Millis,
        Inclusive(100.0),
        Inclusive(MAX_MS),
        "must be in 100..=86400000 ms",
    ),
];

// `Field::rule` indexes `RULES` by the field: each rule must sit at its field's index.
const _: () = {
    let mut i = 0;
    while i < RULES.len() {
        assert!(RULES[i].field as usize == i, "RULES is not in Field order");
        i += 1;
    }
};

/// A rule between two fields: `field` must not exceed `at_most`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrossRule {
    /// The field reported.
    pub field: Field,
    /// The field it must not exceed.
    pub at_most: Field,
}

/// Every cross-field rule. Each is checked only when both its fields pass their own rules, so
/// one bad value gives one error.
pub const CROSS_RULES: [CrossRule; 2] = [
    // The core's spread floor may not exceed its cap.
    CrossRule { field: Field::MinHalfSpreadBps, at_most: Field::MaxHalfSpreadBps },
    // The fill rate the return term divides by is floored below its starting prior.
    CrossRule { field: Field::FillsPerDayFloor, at_most: Field::FillsPerDayPrior },
];

/// How many violations one [`check`] can report at most.
pub const MAX_VIOLATIONS: usize = RULES.len() + CROSS_RULES.len();

/// What is wrong with a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Broken {
    /// NaN or infinite.
    NotFinite,
    /// Below the rule's `min`.
    Below,
    /// Above the rule's `max`.
    Above,
    /// Above another field's value (a [`CrossRule`]).
    AboveField {
        /// The other field.
        other: Field,
        /// Its value.
        value: f64,
    },
}

/// One broken rule: the field, its value in the rule's unit, and what is wrong. Displays as
/// `trailing_take_profit = 2: must be in [0, 1), …`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Violation {
    /// The field.
    pub field: Field,
    /// Its value, in the field's [`Unit`].
    pub value: f64,
    /// What is wrong.
    pub broken: Broken,
}

impl Violation {
    /// The rule broken, without the field and value (`must be in 0..=100`).
    pub fn rule(&self) -> impl fmt::Display + '_ {
        RuleText(self)
    }

    /// The other field a cross-field rule involves, if any.
    pub fn other_field(&self) -> Option<Field> {
        match self.broken {
            Broken::AboveField { other, .. } => Some(other),
            _ => None,
        }
    }
}

struct RuleText<'a>(&'a Violation);

impl fmt::Display for RuleText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = self.0.field.rule();
        match self.0.broken {
            Broken::NotFinite => f.write_str("must be a finite number"),
            Broken::Below => f.write_str(rule.below),
            Broken::Above => f.write_str(rule.above),
            Broken::AboveField { other, value } => write!(f, "must be <= {other} ({value})"),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}: {}", self.field, self.value, self.rule())
    }
}

/// Checks a whole per-symbol parameter set: `value_of(field)` reads each field in its rule's
/// unit, and every violation is passed to `report`, field rules in [`Field`] order first, then
/// the cross-field rules.
pub fn check(value_of: impl Fn(Field) -> f64, mut report: impl FnMut(Violation)) {
    for rule in &RULES {
        let value = value_of(rule.field);
        if let Err(broken) = rule.check(value) {
            report(Violation { field: rule.field, value, broken });
        }
    }
    for cross in &CROSS_RULES {
        let (value, limit) = (value_of(cross.field), value_of(cross.at_most));
        let both_valid =
            cross.field.rule().check(value).is_ok() && cross.at_most.rule().check(limit).is_ok();
        if both_valid && value > limit {
            report(Violation {
                field: cross.field,
                value,
                broken: Broken::AboveField { other: cross.at_most, value: limit },
            });
        }
    }
}

#[cfg(test)]
mod tests;
