//! backtest: from the engine's config file to a backtest ([`hlmm_backtest`]), and the
//! parameter grids of a sweep.
//!
//! The quoted coins are the config's enabled symbols, each with the core parameters
//! `hlmm run` would give it ([`SymbolConfig::core_params`](crate::config::SymbolConfig)); the
//! market is the simulator's, for the same coins and seed. A sweep axis names a per-symbol
//! field as the file and `mm_config` spell it (`vol_k=1,1.5,2`); each point of the grid is
//! applied to every coin as an `mm_config` patch would be, so it passes the same validation
//! (and the same `[caps]`) or is refused with the field and the reason.

mod execute;
mod live;
mod spec;

pub use execute::{execute, record, summary, Execution};
pub use live::{record_live, LiveRecording};
pub use spec::{
    parse_seeds, parse_sweep, spec_from_config, sweep_configs, BacktestOptions, BacktestSetupError,
    SweepAxis,
};
