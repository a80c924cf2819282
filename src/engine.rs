//! engine: the four threads (feed, quote, exec, side), their wiring, pinning and startup.
//!
//! - [`feed`]: the WebSocket feed handler (parse, stamp, push; reconnect; staleness).
//! - [`quote`]: the pinned, busy-polling loop around the pure core.
//! - [`exec`]: the tokio execution loop that drives an order gateway
//!   ([`crate::venue::gateway::OrderGateway`]).
//! - [`side`]: the low-priority thread (summaries, watchdog, startup gate, Redis sync and
//!   scanner via [`crate::sync`]); [`reconciler`]: the periodic venue reconciliation.
//! - [`health`]: per-stream liveness; [`idle`], [`pin`]: waiting and core pinning;
//!   [`params`]: config → core; [`report`]: the run summary.
//! - `boot`, [`startup`], [`gateway`]: the venue, instruments, account and order gateway
//!   before the threads start; `wiring`: the rings and threads of a run, started and stopped
//!   in order.
//!
//! Ring messages are in [`crate::msg`]; the clock, backoff and shutdown in [`crate::runtime`].
//!
//! [`run`] starts everything for a validated [`Config`] and returns when a signal (or
//! [`Shutdown::request`]) has stopped every thread and drained every ring.

mod api;
mod boot;
mod error;
pub mod exec;
pub mod feed;
pub mod gateway;
pub mod health;
pub mod idle;
pub mod params;
pub mod pin;
pub mod quote;
pub mod reconciler;
pub mod report;
pub mod side;
pub mod startup;
mod wiring;

use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::core::QuotingCore;
use crate::runtime::{Clock, Shutdown, SystemClock};
use crate::telemetry::{Counters, CountersSnapshot, Stage, StageSummary};
use crate::types::InstrumentSpec;
use crate::venue::account::AccountSnapshot;

pub use self::error::EngineError;
use self::wiring::Launch;

/// What a finished run reports: the last counters and latency summary.
#[derive(Debug)]
pub struct RunReport {
    /// Counters at the end.
    pub counters: CountersSnapshot,
    /// Stage latencies over the run.
    pub stages: StageSummary,
    /// The instruments quoted.
    pub instruments: Vec<InstrumentSpec>,
    /// The core as the quote thread left it (positions, states, order manager).
    pub core: QuotingCore,
    /// What the venue held for our account after the shutdown sweep (`None` without an order
    /// gateway, or if the venue could not be asked).
    pub venue: Option<AccountSnapshot>,
    /// How long the engine ran, from the start of its threads to the end of the drain.
    pub elapsed: Duration,
}

/// Runs the engine for `config` until SIGINT or SIGTERM, or for `duration` if given; then
/// stops every thread in order, drains every ring and returns the report.
pub fn run(
    config: Config,
    options: RunOptions,
    duration: Option<Duration>,
) -> Result<RunReport, EngineError> {
    let shutdown = Shutdown::new();
    shutdown.install_signal_handlers().map_err(|e| EngineError::Signals(e.to_string()))?;
    if let Some(duration) = duration {
        let timer = shutdown.clone();
        std::thread::Builder::new()
            .name("hlmm-duration".to_owned())
            .spawn(move || {
                let end = std::time::Instant::now() + duration;
                while std::time::Instant::now() < end && !timer.is_requested() {
                    std::thread::sleep(Duration::from_millis(50));
                }
                if !timer.is_requested() {
                    tracing::info!(secs = duration.as_secs_f64(), "Run duration reached");
                    timer.request();
                }
            })
            .map_err(|e| EngineError::Spawn { thread: "hlmm-duration", reason: e.to_string() })?;
    }
    let report = run_until_with(&config, shutdown, options)?;
    tracing::info!(
        frames = report.counters.frames,
        intents = report.counters.intents_sent,
        fills = report.counters.user_fills,
        frame_to_intent_p50_ns = report.stages.get(Stage::FrameToIntent).p50_ns,
        frame_to_intent_p99_ns = report.stages.get(Stage::FrameToIntent).p99_ns,
        "Engine stopped"
    );
    Ok(report)
}

impl RunReport {
    /// The final summary: each coin from the core's last state, with the venue's position and
    /// open orders after the shutdown sweep when the venue answered.
    pub fn summary(&self) -> report::Summary {
        let coins = self
            .instruments
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let mut snap = report::startup_snapshot(i, spec);
                if let (Some(position), Some((state, reason))) =
                    (self.core.position(spec.asset), self.core.state(spec.asset))
                {
                    snap.position = position;
                    snap.state = state;
                    snap.reason = reason;
                }
                snap.quotes_sent = self.core.quotes_sent(spec.asset).unwrap_or(0);
                let mut line = report::CoinSummary::from_snapshot(spec, &snap);
                line.venue_position_lots = self.venue.as_ref().map(|v| v.position(spec.asset).0);
                line
            })
            .collect();
        let mut summary =
            report::Summary::new(self.elapsed.as_secs_f64(), coins, &self.stages, self.counters);
        summary.venue_open_orders = self.venue.as_ref().map(AccountSnapshot::open_order_count);
        summary
    }
}

/// Knobs of a run that are not operator configuration: for tests and short paper runs.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Volatility (fraction per √second) the core uses until its estimator is warm, for every
    /// symbol; `None` keeps the core's default (no quotes until warm, which takes
    /// `vol_warmup_samples` book updates).
    pub vol_prior: Option<f64>,
    /// Counters to report into (a test watches them while the engine runs); `None` = fresh.
    pub counters: Option<Arc<Counters>>,
    /// Print the per-coin summary table to stdout every `telemetry.summary_interval_ms`.
    pub print_summary: bool,
    /// Filled with the API gateway's address once it listens (a test reads it).
    pub api_addr: Option<Arc<std::sync::OnceLock<std::net::SocketAddr>>>,
}

/// Runs until `shutdown` is requested, then stops in order and reports. Tests call this with a
/// [`Shutdown`] they control.
pub fn run_until(config: &Config, shutdown: Shutdown) -> Result<RunReport, EngineError> {
    run_until_with(config, shutdown, RunOptions::default())
}

/// [`run_until`] with [`RunOptions`]: startup against the venue, the threads until
/// `shutdown`, then the account's state at the venue.
pub fn run_until_with(
    config: &Config,
    shutdown: Shutdown,
    options: RunOptions,
) -> Result<RunReport, EngineError> {
    let clock = SystemClock::shared();
    let mut venue = boot::start_venue(config)?;
    let market = boot::load_market(config, &venue.info_url, options.vol_prior)?;
    // Halted until the side thread's gate opens: leverage, the account's snapshot and the
    // startup reconciliation happen here, before any thread runs.
    let mut core = boot::new_core(&market, clock.now())?;
    let orders = boot::prepare_orders(config, &mut venue, &market, &mut core, &clock)?;
    let account = orders.account;
    let launch = Launch {
        config,
        venue: &venue,
        instruments: &market.instruments,
        shutdown: &shutdown,
        clock: &clock,
        counters: options.counters.clone(),
        print_summary: options.print_summary,
    };
    let running = wiring::start(&launch, core, orders)?;
    let api = match api::start(config, running.operator()) {
        Ok(api) => api,
        Err(e) => {
            // The threads run: stop them cleanly before reporting why.
            shutdown.request();
            let _ = running.stop_when_requested(&shutdown);
            venue.stop();
            return Err(e);
        }
    };
    if let (Some(cell), Some(api)) = (&options.api_addr, &api) {
        let _ = cell.set(api.addr());
    }
    let stopped = running.stop_when_requested(&shutdown);
    if let Some(api) = api {
        api.stop();
    }
    let final_account =
        account.and_then(|a| boot::final_account(&venue.info_url, a, &market.instruments, &clock));
    venue.stop();
    let core = stopped.core.ok_or_else(|| EngineError::Spawn {
        thread: "hlmm-quote",
        reason: "the quote thread panicked".to_owned(),
    })?;
    Ok(RunReport {
        counters: stopped.counters,
        stages: stopped.stages,
        instruments: market.instruments,
        core,
        venue: final_account,
        elapsed: stopped.elapsed,
    })
}
