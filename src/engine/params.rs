//! From the operator's configuration to the core's parameters: the one place where dollars
//! become micro-dollars and milliseconds become nanoseconds.
//!
//! The file config ([`crate::config::SymbolParams`], and later Redis patches) uses the design
//! document's names and human units; the core ([`crate::core::params::SymbolParams`]) uses
//! fixed-point money and ns. Model parameters the config does not expose keep the core's
//! documented defaults.

use crate::config::{FeedConfig, SymbolParams as ConfigParams};
use crate::core::params::{GlobalParams, SymbolParams as CoreParams};
use crate::types::{Nanos, Usd};

const NS_PER_MS: u64 = 1_000_000;

/// The core parameters for one symbol's validated config.
pub fn core_params(p: &ConfigParams, feed: &FeedConfig) -> CoreParams {
    let usd = |v: f64| Usd::from_f64(v).unwrap_or(Usd::ZERO);
    CoreParams {
        daily_return_bps: p.daily_return_bps,
        notional_per_side: usd(p.notional_per_side),
        daily_pnl_stop_loss: usd(p.daily_pnl_stop_loss),
        trailing_take_profit: p.trailing_take_profit,
        trailing_stop_loss: p.trailing_stop_loss,
        hedge_only_mode: p.hedge_only_mode,
        force_quote_refresh_interval: p.force_quote_refresh_interval.saturating_mul(NS_PER_MS),
        max_long_usd: usd(p.max_long_usd),
        max_short_usd: usd(p.max_short_usd),
        vol_k: p.vol_k,
        vol_horizon: p.vol_horizon_ms.saturating_mul(NS_PER_MS),
        ewma_half_life: p.vol_halflife_ms.saturating_mul(NS_PER_MS),
        min_half_spread_bps: p.min_half_spread_bps,
        inventory_skew: p.inventory_skew,
        requote_tolerance_ticks: i64::from(p.requote_tolerance_ticks),
        // The core pulls a symbol's quotes when its book is older than the feed's staleness
        // threshold, so the two agree on what "stale" means.
        stale_book_after: feed.stale_after_ms.books.saturating_mul(NS_PER_MS),
        ..CoreParams::default()
    }
}

/// Engine-wide core parameters. The cloid prefix marks this engine's orders across restarts;
/// the run id (from the start time) keeps runs from colliding.
pub fn global_params(now: Nanos) -> GlobalParams {
    GlobalParams {
        global_daily_pnl_stop_loss: Usd::ZERO,
        cloid_prefix: CLOID_PREFIX,
        run_id: (now.0 / 1_000_000_000) as u32,
    }
}

/// The instance prefix of our cloids: "hlmm" in ASCII.
pub const CLOID_PREFIX: u32 = u32::from_be_bytes(*b"hlmm");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_defaults_become_valid_core_parameters() {
        let config = crate::config::Config::default();
        for (coin, p) in config.resolved_symbols() {
            let core = core_params(&p, &config.feed);
            assert_eq!(core.validate(), Ok(()), "{coin}");
        }
    }

    #[test]
    fn units_are_converted() {
        let config = crate::config::Config::default();
        let (_, p) = config.resolved_symbols().next().expect("a default symbol");
        let core = core_params(&p, &config.feed);
        assert_eq!(core.notional_per_side, Usd::from_f64(p.notional_per_side).expect("finite"));
        assert_eq!(core.force_quote_refresh_interval, p.force_quote_refresh_interval * NS_PER_MS);
        assert_eq!(core.stale_book_after, config.feed.stale_after_ms.books * NS_PER_MS);
    }
}
