//! Symbol parameters for the quoting benches (`quote`, `pipeline`): the prior volatility
//! throughout and a constant fill rate, so every event is judged the same way however long a
//! bench runs, and a book that did not move changes nothing.

use hlmm::core::params::SymbolParams;

/// See the module docs.
pub(crate) fn steady_params() -> SymbolParams {
    SymbolParams {
        vol_prior: Some(1e-4),
        vol_warmup_samples: u32::MAX,
        fills_per_day_floor: 100.0,
        fills_per_day_prior: 100.0,
        force_quote_refresh_interval: 0,
        ..SymbolParams::default()
    }
}
