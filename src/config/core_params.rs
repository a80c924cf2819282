//! From the file schema to the core: the one place where a [`SymbolConfig`] becomes the core's
//! [`SymbolParams`](CoreParams) (dollars to micro-dollars, milliseconds to nanoseconds, `0` to
//! `None`), and where it is read in the units of the per-symbol [`rules`] it is validated by.
//!
//! The conversions themselves are the core's ([`units`]); the rules are the core's too, so a
//! set `validate()` accepts here is a set the core accepts after this conversion (the tests in
//! `tests/params_one_rule_set.rs` hold both to the same verdicts).
//!
//! [`rules`]: crate::core::params::rules

use crate::core::params::units::{self, millis_to_nanos};
use crate::core::params::{Field, SymbolParams as CoreParams};

use super::sections::FeedConfig;
use super::symbol::SymbolConfig;

impl SymbolConfig {
    /// The core's parameters for this symbol. The feed's book staleness
    /// (`feed.stale_after_ms.books`) becomes the core's `stale_book_after`, so the two agree on
    /// what "stale" means.
    ///
    /// Meant for a validated config. An invalid one still converts to a set the core refuses
    /// for the same fields: money saturates ([`units::usd_from_dollars`]), durations saturate.
    pub fn core_params(&self, feed: &FeedConfig) -> CoreParams {
        let usd = units::usd_from_dollars;
        CoreParams {
            daily_return_bps: self.daily_return_bps,
            notional_per_side: usd(self.notional_per_side),
            daily_pnl_stop_loss: usd(self.daily_pnl_stop_loss),
            trailing_take_profit: self.trailing_take_profit,
            trailing_stop_loss: self.trailing_stop_loss,
            hedge_only_mode: self.hedge_only_mode,
            force_quote_refresh_interval: self.force_quote_refresh_interval.to_nanos(),
            max_long_usd: usd(self.max_long_usd),
            max_short_usd: usd(self.max_short_usd),
            fair_value: self.fair_value.model(),
            vol_estimator: self.vol_estimator.estimator(),
            vol_k: self.vol_k,
            vol_horizon: millis_to_nanos(self.vol_horizon_ms),
            ewma_half_life: millis_to_nanos(self.vol_halflife_ms),
            vol_warmup_samples: self.vol_warmup_samples,
            atr_bars: self.atr_bars,
            // `0` (and `-0`) is "no prior"; anything else is checked as a prior.
            vol_prior: (self.vol_prior != 0.0).then_some(self.vol_prior),
            min_half_spread_bps: self.min_half_spread_bps,
            max_half_spread_bps: self.max_half_spread_bps,
            inventory_skew: self.inventory_skew,
            fills_per_day_prior: self.fills_per_day_prior,
            fills_per_day_floor: self.fills_per_day_floor,
            fill_rate_half_life: millis_to_nanos(self.fill_rate_halflife_ms),
            requote_tolerance_ticks: i64::from(self.requote_tolerance_ticks),
            prefer_modify: self.prefer_modify,
            stale_book_after: millis_to_nanos(feed.stale_after_ms.books),
            flatten_ioc_after: millis_to_nanos(self.flatten_ioc_after_ms),
            flatten_ioc_slippage_bps: self.flatten_ioc_slippage_bps,
            maker_fee_bps: self.maker_fee_bps,
            edge_bps: self.edge_bps,
            flow_skew_bps: self.flow_skew_bps,
            flow_half_life: millis_to_nanos(self.flow_halflife_ms),
            vol_breaker_ratio: self.vol_breaker_ratio,
            vol_breaker_half_life: millis_to_nanos(self.vol_breaker_halflife_ms),
        }
    }

    /// `field` as the rules read it, in their units (the file's: dollars, milliseconds).
    pub fn rule_value(&self, field: Field) -> f64 {
        match field {
            Field::DailyReturnBps => f64::from(self.daily_return_bps),
            Field::NotionalPerSide => self.notional_per_side,
            Field::DailyPnlStopLoss => self.daily_pnl_stop_loss,
            Field::TrailingTakeProfit => self.trailing_take_profit,
            Field::TrailingStopLoss => self.trailing_stop_loss,
            Field::ForceQuoteRefreshInterval => self.force_quote_refresh_interval.0 as f64,
            Field::MaxLongUsd => self.max_long_usd,
            Field::MaxShortUsd => self.max_short_usd,
            Field::MinHalfSpreadBps => self.min_half_spread_bps,
            Field::MaxHalfSpreadBps => self.max_half_spread_bps,
            Field::VolK => self.vol_k,
            Field::VolHorizon => self.vol_horizon_ms as f64,
            Field::VolHalflife => self.vol_halflife_ms as f64,
            Field::VolWarmupSamples => f64::from(self.vol_warmup_samples),
            Field::AtrBars => f64::from(self.atr_bars),
            Field::VolPrior => self.vol_prior,
            Field::InventorySkew => self.inventory_skew,
            Field::FillsPerDayPrior => self.fills_per_day_prior,
            Field::FillsPerDayFloor => self.fills_per_day_floor,
            Field::FillRateHalflife => self.fill_rate_halflife_ms as f64,
            Field::RequoteToleranceTicks => f64::from(self.requote_tolerance_ticks),
            Field::FlattenIocAfter => self.flatten_ioc_after_ms as f64,
            Field::FlattenIocSlippageBps => self.flatten_ioc_slippage_bps,
            Field::MakerFeeBps => self.maker_fee_bps,
            Field::EdgeBps => self.edge_bps,
            Field::FlowSkewBps => self.flow_skew_bps,
            Field::FlowHalflife => self.flow_halflife_ms as f64,
            Field::VolBreakerRatio => self.vol_breaker_ratio,
            Field::VolBreakerHalflife => self.vol_breaker_halflife_ms as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, SYMBOL_FIELDS};
    use crate::core::params::units::NANOS_PER_MILLI;
    use crate::types::Usd;

    #[test]
    fn the_shipped_defaults_become_valid_core_parameters() {
        let config = Config::default();
        for (coin, p) in config.resolved_symbols() {
            let core = p.core_params(&config.feed);
            assert_eq!(core.validate(), Ok(()), "{coin}");
        }
    }

    #[test]
    fn units_are_converted() {
        let config = Config::default();
        let (_, p) = config.resolved_symbols().next().expect("a default symbol");
        let core = p.core_params(&config.feed);
        assert_eq!(core.notional_per_side, Usd::from_f64(p.notional_per_side).expect("finite"));
        assert_eq!(
            core.force_quote_refresh_interval,
            p.force_quote_refresh_interval.0 * NANOS_PER_MILLI
        );
        assert_eq!(core.stale_book_after, config.feed.stale_after_ms.books * NANOS_PER_MILLI);
        assert_eq!(core.vol_prior, None, "0 is no prior");
    }

    #[test]
    fn the_model_fields_default_to_the_cores_defaults() {
        let core = SymbolConfig::default().core_params(&FeedConfig::default());
        let d = CoreParams::DEFAULT;
        assert_eq!(
            (core.fair_value, core.vol_estimator, core.vol_warmup_samples, core.atr_bars),
            (d.fair_value, d.vol_estimator, d.vol_warmup_samples, d.atr_bars)
        );
        assert_eq!(core.vol_prior, d.vol_prior);
        assert_eq!((core.max_half_spread_bps, core.prefer_modify), (d.max_half_spread_bps, true));
        assert_eq!(
            (core.fills_per_day_prior, core.fills_per_day_floor, core.fill_rate_half_life),
            (d.fills_per_day_prior, d.fills_per_day_floor, d.fill_rate_half_life)
        );
        assert_eq!(
            (core.flatten_ioc_after, core.flatten_ioc_slippage_bps),
            (d.flatten_ioc_after, d.flatten_ioc_slippage_bps)
        );
    }

    #[test]
    fn every_rule_is_a_field_of_the_file_schema() {
        for field in Field::all() {
            assert!(SYMBOL_FIELDS.contains(&field.name()), "{field} is not a file field");
        }
    }
}
