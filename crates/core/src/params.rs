//! Per-symbol parameters as the core sees them: resolved, typed, integer where money is involved.
//!
//! The file/Redis schema (the main crate's `config::SymbolConfig`) is the user's surface; it is
//! converted onto [`SymbolParams`] in one function (`SymbolConfig::core_params`), with the unit
//! conversions of [`units`]. Field names of the design document (`daily_return_bps`,
//! `notional_per_side`, `daily_pnl_stop_loss`, `trailing_take_profit`, `trailing_stop_loss`,
//! `hedge_only_mode`, `force_quote_refresh_interval`, `max_long_usd`, `max_short_usd`) are kept
//! as they are: they are the user's contract.
//!
//! What a valid parameter set is lives in [`rules`]: one rule per field, with its unit and
//! range, used by the file config, `check-config`, Redis patches and
//! [`SymbolParams::validate`] alike, so every set the config accepts is accepted here.
//! [`SymbolParams::validate`] checks a whole parameter set and reports every error at once, so
//! a rejected hot config names everything that is wrong. Validation runs on the quote thread
//! only when a config arrives (rare), never per market event; it does not allocate either.
//!
//! Pure: no I/O, no clock, no allocation.

pub mod rules;
pub mod units;

use std::fmt;

use hlmm_types::Usd;

pub use rules::{Field, Violation};
pub use units::DurationNs;

use units::{millis_to_nanos, nanos_as_millis};

/// Nanoseconds per second, for the `_ns` durations below.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

/// Which volatility estimator feeds the spread. Both always run, so switching between them by
/// hot config needs no new warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolEstimator {
    /// Exponentially weighted variance of mid log-returns per unit time.
    Ewma,
    /// Average true range of 1-minute mid bars, converted to a per-√second volatility.
    Atr,
}

/// Which price is the fair value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FairValueModel {
    /// `(best bid + best ask) / 2`.
    Mid,
    /// Top-of-book size-weighted: `(bid · ask_sz + ask · bid_sz) / (bid_sz + ask_sz)`; leans
    /// towards the side with less size, where the price is more likely to move.
    Microprice,
}

/// One symbol's parameters, as resolved for the core. `Copy`, so a hot config travels through
/// the lossless config ring without allocation.
///
/// Each numeric field has its rule (range, unit, what `0` means) in [`rules::RULES`], under
/// the name the file config gives it; where that name differs it is noted below.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SymbolParams {
    /// Target return per UTC day on the deployed notional (`2 × notional_per_side`), in basis
    /// points. Drives the return term of the half-spread (see `strategy`).
    pub daily_return_bps: u16,
    /// Size of each quote, in USD at the quote's price; rounded down to lots, never below the
    /// venue's $10 minimum order value.
    pub notional_per_side: Usd,
    /// Daily loss limit in USD (positive): when this symbol's PnL since 00:00 UTC reaches
    /// `−daily_pnl_stop_loss`, it flattens and halts until the next UTC day.
    pub daily_pnl_stop_loss: Usd,
    /// Fraction of position notional (`0.05` = 5 %); once unrealised PnL reaches it, stop adding
    /// (hedge-only). `0` disables it.
    pub trailing_take_profit: f64,
    /// Fraction of position notional; exit when unrealised PnL falls more than this below its
    /// peak since the position opened. `0` disables it.
    pub trailing_stop_loss: f64,
    /// Quote only the side that reduces the position (nothing when flat).
    pub hedge_only_mode: bool,
    /// Re-send a resting quote at least this often even if unchanged, in ns; `0` never forces.
    /// The file's `force_quote_refresh_interval` is in ms.
    pub force_quote_refresh_interval: DurationNs,
    /// Largest long position, in USD notional at the quote price, counting live and in-flight
    /// bids.
    pub max_long_usd: Usd,
    /// Largest short position, in USD notional (positive), counting live and in-flight asks.
    pub max_short_usd: Usd,

    /// Fair value model.
    pub fair_value: FairValueModel,
    /// Volatility estimator that feeds the spread.
    pub vol_estimator: VolEstimator,
    /// Multiplier `k` of the volatility term `k · σ · √horizon`.
    pub vol_k: f64,
    /// Horizon of the volatility term, in ns: how long a quote is exposed before it is
    /// refreshed or filled. The file's `vol_horizon_ms`.
    pub vol_horizon: DurationNs,
    /// Half-life of the EWMA variance, in ns. The file's `vol_halflife_ms`.
    pub ewma_half_life: DurationNs,
    /// Mid returns the EWMA needs before its estimate is used.
    pub vol_warmup_samples: u32,
    /// Number of 1-minute bars in the ATR (Wilder smoothing); also the ATR warm-up in bars.
    pub atr_bars: u32,
    /// Volatility used until the estimator is warm, as a fraction per √second (`None`: do not
    /// quote until warm; the file writes `None` as `vol_prior = 0`).
    pub vol_prior: Option<f64>,
    /// Floor of the half-spread, in basis points of the fair value.
    pub min_half_spread_bps: f64,
    /// Cap of the return term of the half-spread, in basis points (the return term alone can
    /// grow without bound when fills stop; see `strategy`). Tick, floor and volatility terms
    /// are not capped.
    pub max_half_spread_bps: f64,
    /// Reservation-price shift at a full position, in half-spreads: at `q = position / limit =
    /// 1` the reservation price moves `inventory_skew × half_spread` against the inventory.
    pub inventory_skew: f64,
    /// Fill rate assumed before any fill is seen, in full-size fills (one `notional_per_side`
    /// each) per day.
    pub fills_per_day_prior: f64,
    /// Lowest fill rate the return term divides by, in full-size fills per day.
    pub fills_per_day_floor: f64,
    /// Half-life of the observed fill rate, in ns. The file's `fill_rate_halflife_ms`.
    pub fill_rate_half_life: DurationNs,
    /// A resting quote within this many ticks of its target is left alone.
    pub requote_tolerance_ticks: i64,
    /// Replace a quote by modify (`true`) or by cancel + new order.
    pub prefer_modify: bool,
    /// A book older than this (receive time, ns) is stale: the symbol's quotes are pulled.
    /// Not per symbol in the file: the feed's `stale_after_ms.books`, for every symbol.
    pub stale_book_after: DurationNs,
    /// While flattening, passive reduce-only quotes at the touch are used for this long (ns),
    /// then a reduce-only IOC is sent (and again every such interval until flat). The file's
    /// `flatten_ioc_after_ms`.
    pub flatten_ioc_after: DurationNs,
    /// How far through the opposite touch a flattening IOC is priced, in basis points.
    pub flatten_ioc_slippage_bps: f64,
    /// The account's maker fee, in basis points (negative: a rebate). The half-spread never
    /// goes below `maker_fee_bps + edge_bps`, so no quote is inside its own fee.
    pub maker_fee_bps: f64,
    /// Edge required above the maker fee, in basis points (see `maker_fee_bps`).
    pub edge_bps: f64,
    /// Fair-value shift at a one-sided taker flow, in basis points: the fair value moves by
    /// `flow_skew_bps × I`, `I ∈ [−1, 1]` the recent signed share of taker volume (buys
    /// positive). `0` disables it.
    pub flow_skew_bps: f64,
    /// Half-life of the taker-flow imbalance, in ns. The file's `flow_halflife_ms`.
    pub flow_half_life: DurationNs,
    /// Volatility circuit breaker: two-sided quoting pauses while the short-horizon
    /// volatility exceeds this multiple of the spread's volatility, and resumes once it is
    /// back under 0.7 of it. `0` disables it.
    pub vol_breaker_ratio: f64,
    /// Half-life of the short-horizon volatility the breaker watches, in ns. The file's
    /// `vol_breaker_halflife_ms`.
    pub vol_breaker_half_life: DurationNs,
}

impl SymbolParams {
    /// The design document's example values for the user's fields; conservative model values.
    /// A field the file config does not set takes the file's built-in default, which for the
    /// model fields is this one.
    pub const DEFAULT: Self = Self {
        daily_return_bps: 10,
        notional_per_side: Usd::from_dollars(1_000),
        daily_pnl_stop_loss: Usd::from_dollars(100),
        trailing_take_profit: 0.05,
        trailing_stop_loss: 0.02,
        hedge_only_mode: false,
        force_quote_refresh_interval: millis_to_nanos(500),
        max_long_usd: Usd::from_dollars(10_000),
        max_short_usd: Usd::from_dollars(10_000),
        fair_value: FairValueModel::Microprice,
        vol_estimator: VolEstimator::Ewma,
        vol_k: 1.0,
        vol_horizon: 30 * NANOS_PER_SEC,
        ewma_half_life: 300 * NANOS_PER_SEC,
        vol_warmup_samples: 120,
        atr_bars: 14,
        vol_prior: None,
        min_half_spread_bps: 1.0,
        max_half_spread_bps: 50.0,
        inventory_skew: 1.0,
        fills_per_day_prior: 100.0,
        fills_per_day_floor: 10.0,
        fill_rate_half_life: 3_600 * NANOS_PER_SEC,
        requote_tolerance_ticks: 0,
        prefer_modify: true,
        stale_book_after: 5 * NANOS_PER_SEC,
        flatten_ioc_after: 10 * NANOS_PER_SEC,
        flatten_ioc_slippage_bps: 10.0,
        maker_fee_bps: 1.5,
        edge_bps: 0.0,
        flow_skew_bps: 0.0,
        flow_half_life: 10 * NANOS_PER_SEC,
        vol_breaker_ratio: 0.0,
        vol_breaker_half_life: 10 * NANOS_PER_SEC,
    };
}

impl Default for SymbolParams {
    /// [`SymbolParams::DEFAULT`].
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// One thing wrong with a [`SymbolParams`]. Values are carried for the message; dollars as
/// `f64` and durations in milliseconds, the units of the rules.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum ParamError {
    /// A per-symbol rule ([`rules`]) is broken: the same rule, and the same message, as the
    /// file config reports.
    #[error("{0}")]
    Rule(Violation),
    /// `vol_prior = Some(0)`: the core's "no prior" is `None` (a config's `vol_prior = 0`
    /// converts to `None`).
    #[error("vol_prior = 0: must be > 0 (no prior is None, not Some(0))")]
    ZeroPrior,
    /// A core-only duration that must not be zero (`stale_book_after`, which comes from the
    /// feed's `stale_after_ms.books`, itself at least 100 ms).
    #[error("{field}: must not be zero")]
    Zero {
        /// Which field.
        field: &'static str,
    },
}

/// Every error of one validation, inline (at most one per check, so the capacity is never
/// exceeded).
#[derive(Clone, Copy, PartialEq)]
pub struct ParamErrors {
    len: usize,
    items: [Option<ParamError>; Self::CAPACITY],
}

impl ParamErrors {
    /// At least the number of checks in [`SymbolParams::validate`].
    pub const CAPACITY: usize = 40;

    const fn new() -> Self {
        Self { len: 0, items: [None; Self::CAPACITY] }
    }

    fn push(&mut self, e: ParamError) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = Some(e);
            self.len += 1;
        }
    }

    /// The errors, in field order.
    pub fn iter(&self) -> impl Iterator<Item = &ParamError> + '_ {
        self.items[..self.len].iter().flatten()
    }

    /// How many errors.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// `true` when there is none.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for ParamErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl fmt::Display for ParamErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

// Every rule plus the two core-only checks fit.
const _: () = assert!(rules::MAX_VIOLATIONS + 2 <= ParamErrors::CAPACITY);

impl SymbolParams {
    /// Checks the whole set against the per-symbol [`rules`] (the same the file config and
    /// Redis patches are checked against) and the core's own representation; returns every
    /// error found, or `Ok` if the set may be applied.
    // The error list is inline (about 1 KiB) on purpose: a rejection happens on the quote
    // thread, rarely, and must not allocate there; it is not on the per-event path.
    #[allow(clippy::result_large_err)]
    pub fn validate(&self) -> Result<(), ParamErrors> {
        let mut errs = ParamErrors::new();
        rules::check(|field| self.rule_value(field), |v| errs.push(ParamError::Rule(v)));
        if self.vol_prior == Some(0.0) {
            errs.push(ParamError::ZeroPrior);
        }
        if self.stale_book_after == 0 {
            errs.push(ParamError::Zero { field: "stale_book_after" });
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }

    /// `field` in its rule's unit: dollars for [`Usd`], milliseconds for durations, `0` for no
    /// `vol_prior`.
    pub fn rule_value(&self, field: Field) -> f64 {
        match field {
            Field::DailyReturnBps => f64::from(self.daily_return_bps),
            Field::NotionalPerSide => self.notional_per_side.to_f64(),
            Field::DailyPnlStopLoss => self.daily_pnl_stop_loss.to_f64(),
            Field::TrailingTakeProfit => self.trailing_take_profit,
            Field::TrailingStopLoss => self.trailing_stop_loss,
            Field::ForceQuoteRefreshInterval => nanos_as_millis(self.force_quote_refresh_interval),
            Field::MaxLongUsd => self.max_long_usd.to_f64(),
            Field::MaxShortUsd => self.max_short_usd.to_f64(),
            Field::MinHalfSpreadBps => self.min_half_spread_bps,
            Field::MaxHalfSpreadBps => self.max_half_spread_bps,
            Field::VolK => self.vol_k,
            Field::VolHorizon => nanos_as_millis(self.vol_horizon),
            Field::VolHalflife => nanos_as_millis(self.ewma_half_life),
            Field::VolWarmupSamples => f64::from(self.vol_warmup_samples),
            Field::AtrBars => f64::from(self.atr_bars),
            Field::VolPrior => self.vol_prior.unwrap_or(0.0),
            Field::InventorySkew => self.inventory_skew,
            Field::FillsPerDayPrior => self.fills_per_day_prior,
            Field::FillsPerDayFloor => self.fills_per_day_floor,
            Field::FillRateHalflife => nanos_as_millis(self.fill_rate_half_life),
            Field::RequoteToleranceTicks => self.requote_tolerance_ticks as f64,
            Field::FlattenIocAfter => nanos_as_millis(self.flatten_ioc_after),
            Field::FlattenIocSlippageBps => self.flatten_ioc_slippage_bps,
            Field::MakerFeeBps => self.maker_fee_bps,
            Field::EdgeBps => self.edge_bps,
            Field::FlowSkewBps => self.flow_skew_bps,
            Field::FlowHalflife => nanos_as_millis(self.flow_half_life),
            Field::VolBreakerRatio => self.vol_breaker_ratio,
            Field::VolBreakerHalflife => nanos_as_millis(self.vol_breaker_half_life),
        }
    }
}

/// Parameters that apply across symbols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalParams {
    /// Global daily loss limit in USD (positive): when the sum over all symbols of PnL since
    /// 00:00 UTC reaches `−global_daily_pnl_stop_loss`, every symbol flattens and halts until
    /// the next UTC day. `Usd::ZERO` disables the global stop (per-symbol stops still apply).
    pub global_daily_pnl_stop_loss: Usd,
    /// Instance prefix of our cloids (recognises our orders across restarts).
    pub cloid_prefix: u32,
    /// Run id of this process (keeps runs from colliding).
    pub run_id: u32,
}

#[cfg(test)]
mod tests;
