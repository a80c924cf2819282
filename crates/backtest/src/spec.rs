//! backtest::spec: what a run is: the market, the quoted coins with their parameters, the
//! latency model and the horizon. Built by `hlmm backtest` from the engine's config file, or
//! by tests directly.

use hlmm_core::params::SymbolParams;
use hlmm_sim::market::{default_coins, CoinParams, InformedFlow};

use crate::latency::LatencyModel;
use crate::BacktestError;

/// Venue time of the first block: 2026-01-01T00:00:00Z, ms. Fixed, so a run does not depend
/// on the day it is started.
pub const DEFAULT_START_MS: u64 = 1_767_225_600_000;

/// One quoted coin: the simulator's generator parameters and the core's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotedCoin {
    /// The market generator's coin.
    pub market: CoinParams,
    /// The core's parameters for it.
    pub params: SymbolParams,
}

impl QuotedCoin {
    /// A built-in simulator coin by name with `params`.
    pub fn builtin(name: &str, params: SymbolParams) -> Result<Self, BacktestError> {
        let market = default_coins()
            .into_iter()
            .find(|c| c.name == name)
            .ok_or_else(|| BacktestError::UnknownCoin(name.to_owned()))?;
        Ok(Self { market, params })
    }
}

/// A whole run.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestSpec {
    /// Seed of the market generator; the latency draws use a stream derived from it.
    pub seed: u64,
    /// Simulated hours.
    pub hours: f64,
    /// Time between blocks, ms (the simulator's default is 500).
    pub block_ms: u64,
    /// Informed takers and the mid's lag.
    pub informed: InformedFlow,
    /// The venue's delays.
    pub latency: LatencyModel,
    /// USDC credited to our account at start.
    pub balance_usd: f64,
    /// Venue time of the first block, ms since the epoch.
    pub start_ms: u64,
    /// How often the core's timer runs, ms (the quote loop calls it every few ms of quiet;
    /// in simulated time, between events, this is enough for its staleness and flatten clocks).
    pub timer_ms: u64,
    /// Points of the PnL and inventory curves in the report.
    pub curve_points: usize,
    /// The coins, in the order the venue lists them (asset id = index).
    pub coins: Vec<QuotedCoin>,
}

impl BacktestSpec {
    /// A spec with the simulator's defaults for `coins`.
    pub fn new(seed: u64, hours: f64, coins: Vec<QuotedCoin>) -> Self {
        Self {
            seed,
            hours,
            block_ms: 500,
            informed: InformedFlow::default(),
            latency: LatencyModel::default(),
            balance_usd: 100_000.0,
            start_ms: DEFAULT_START_MS,
            timer_ms: 100,
            curve_points: 1_000,
            coins,
        }
    }

    /// Every rule a spec must meet; the error names the field.
    pub fn validate(&self) -> Result<(), BacktestError> {
        let bad = |field, reason| Err(BacktestError::Field { field, reason });
        if !(self.hours.is_finite() && self.hours > 0.0 && self.hours <= 24.0 * 365.0) {
            return bad("hours", "must be in (0, 8760]");
        }
        if self.block_ms == 0 || self.block_ms > 60_000 {
            return bad("block_ms", "must be in [1, 60000]");
        }
        if self.timer_ms == 0 || self.timer_ms > 10_000 {
            return bad("timer_ms", "must be in [1, 10000]");
        }
        if !(self.balance_usd.is_finite() && self.balance_usd > 0.0) {
            return bad("balance_usd", "must be positive");
        }
        if self.coins.is_empty() {
            return bad("coins", "must name at least one coin");
        }
        if self.curve_points < 2 {
            return bad("curve_points", "must be at least 2");
        }
        self.informed.validate().map_err(|_| BacktestError::Field {
            field: "informed.share",
            reason: "must be in [0, 1]",
        })?;
        self.latency.validate()
    }

    /// The simulated span, ns.
    pub fn span_ns(&self) -> u64 {
        (self.hours * 3_600e9) as u64
    }
}
