//! backtest: the deterministic pair harness and what it measures.
//!
//! The real quoting core ([`hlmm_core::QuotingCore`]) trades against the simulator's pure
//! venue ([`hlmm_sim::state::VenueState`]: the market generator, matching, accounts, fees,
//! funding) in one thread, in simulated time: no sockets, no threads, no wall clock. A
//! latency model puts the venue's delays in between, so a quote can be stale when a taker
//! arrives. The same spec and seed give a byte-identical report.
//!
//! - [`spec`]: what a run is ([`BacktestSpec`], [`QuotedCoin`]).
//! - [`latency`]: the feed delay and the order round trip ([`LatencyModel`]).
//! - `convert`: commands to exchange actions, replies to outcomes, venue records to feed
//!   events (the typed shortcut of the wire the live path takes).
//! - [`harness`]: the event loop ([`Pair`]).
//! - [`metrics`]: PnL, markouts, inventory, drawdown, Sharpe, uptime, as the run goes.
//! - [`report`]: the figures as JSON; [`html`]: the same as a self-contained HTML page.
//! - [`sweep`]: a parameter grid over all cores.
//! - [`tape`]: recorded market data (books, trades, receive times) in a versioned layout;
//!   [`replay`]: the core against a tape, our orders placed in the recorded queues by the
//!   [`queue`] model.
//!
//! `hlmm backtest` (the binary) builds a spec from the engine's config file; the fault drills
//! and the strategy tests build one directly.

#![forbid(unsafe_code)]

mod convert;
mod flight;
pub mod harness;
pub mod html;
pub mod latency;
pub mod metrics;
pub mod queue;
pub mod record;
pub mod replay;
pub mod report;
pub mod spec;
pub mod sweep;
pub mod tape;

pub use harness::{Pair, BACKTEST_ACCOUNT};
pub use html::write_html;
pub use latency::LatencyModel;
pub use report::Report;
pub use spec::{BacktestSpec, QuotedCoin};

/// Why a backtest could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BacktestError {
    /// A field of the spec breaks its rule.
    #[error("{field}: {reason}")]
    Field {
        /// The field.
        field: &'static str,
        /// The rule.
        reason: &'static str,
    },
    /// A coin the simulator does not list.
    #[error("coin {0}: not a simulator coin")]
    UnknownCoin(String),
    /// The market generator refused its parameters.
    #[error("market: {0}")]
    Market(String),
    /// The core refused its parameters.
    #[error("core: {0}")]
    Core(String),
    /// A sweep axis that names no parameter or has no values.
    #[error("sweep: {0}")]
    Sweep(String),
}

/// Runs `spec` to its end; `progress` hears the share done, about every simulated minute.
pub fn run(spec: &BacktestSpec, progress: impl FnMut(f64)) -> Result<Report, BacktestError> {
    Ok(Pair::new(spec)?.run(progress))
}
