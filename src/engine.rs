//! engine: the four threads (feed, quote, exec, side), their wiring, pinning and shutdown.
//!
//! - [`feed`]: the WebSocket feed handler (parse, stamp, push; reconnect; staleness).
//! - [`quote`]: the pinned, busy-polling loop around the pure core.
//! - [`exec`]: the tokio execution loop and its venue gateway.
//! - [`side`]: the low-priority thread (summaries, watchdog, startup gate, Redis sync and
//!   scanner via [`crate::sync`]).
//! - [`msg`]: ring messages and their loss policies; [`health`]: per-stream liveness.
//! - [`idle`], [`pin`]: waiting and core pinning; [`shutdown`]: SIGINT/SIGTERM → ordered stop;
//!   [`backoff`]: reconnect delays; [`clock`]: the one wall clock; [`params`]: config → core.
//!
//! [`run`] starts everything for a validated [`Config`](crate::config::Config) and returns when
//! a signal (or [`Shutdown::request`]) has stopped every thread and drained every ring.

pub mod backoff;
pub mod clock;
pub mod exec;
pub mod feed;
pub mod gateway;
pub mod health;
pub mod idle;
pub mod msg;
pub mod params;
pub mod pin;
pub mod quote;
pub mod reconciler;
pub mod report;
pub mod shutdown;
pub mod side;
pub mod startup;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::config::{Config, SpinPolicy, VenueKind};
use crate::core::{CoreEvent, QuotingCore};
use crate::ring;
#[cfg(feature = "sim")]
use crate::sim::handle::{AgentEntry, FundAccount};
#[cfg(feature = "sim")]
use crate::sim::{SimConfig, SimHandle};
use crate::telemetry::{Counters, CountersSnapshot, SharedStageHistograms, Stage, StageSummary};
use crate::types::{InstrumentSpec, Nanos};
use crate::venue::info::InfoClient;
use crate::venue::subscriptions::subscribe_frames;

use self::exec::{DisconnectedGateway, ExecRings, ExecSettings, ExecShared, OrderGateway};
use self::feed::{FeedHandler, FeedRings, FeedSettings, FeedShared};
use self::health::FeedHealth;
use self::idle::{IdlePolicy, Idler};
use self::pin::{PinPlan, PinRequest, PinnedThread};
use self::quote::{QuoteLoop, QuoteRings, QuoteShared};
pub use self::shutdown::{Phase, Shutdown};
use self::side::{Heartbeats, SideIo, SideSettings, SideShared};

/// Errors that stop the engine before or while it starts. Once running, faults are handled
/// inside the threads (halt, cancel, reconnect) and do not end the process.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A thread could not be started.
    #[error("cannot start thread {thread}: {reason}")]
    Spawn {
        /// Which thread.
        thread: &'static str,
        /// Why.
        reason: String,
    },
    /// Signal handlers could not be installed.
    #[error("cannot install signal handlers: {0}")]
    Signals(String),
    /// The built-in simulator did not start.
    #[error("cannot start the built-in simulator: {0}")]
    Simulator(String),
    /// The venue could not be reached or answered something unusable at startup.
    #[error("venue startup failed: {0}")]
    Venue(String),
    /// A configured coin is not listed by the venue.
    #[error("symbol {0}: not listed by the venue (not in meta.universe, or delisted)")]
    UnknownSymbol(String),
    /// The core refused the configuration.
    #[error("core refused the configuration: {0}")]
    Core(String),
    /// Configured symbols do not fit the engine's preallocated tables.
    #[error("config: {0}")]
    Config(String),
}

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
    pub venue: Option<gateway::VenueSnapshot>,
    /// How long the engine ran, from the start of its threads to the end of the drain.
    pub elapsed: Duration,
}

/// Capacity of the quote → exec intent ring and the exec → quote outcome ring. A burst of
/// re-quotes over every coin is tens of commands; thousands means exec is wedged, which the
/// halt on a full lossless ring handles.
const ORDER_RING_CAPACITY: usize = 4_096;
/// Capacity of the side → quote control ring (config updates, kill, resume).
const CONTROL_RING_CAPACITY: usize = 256;

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
                line.venue_position_lots = self.venue.as_ref().and_then(|v| {
                    v.positions.iter().find(|(a, _)| *a == spec.asset).map(|(_, sz)| sz.0)
                });
                line
            })
            .collect();
        let mut summary =
            report::Summary::new(self.elapsed.as_secs_f64(), coins, &self.stages, self.counters);
        summary.venue_open_orders = self.venue.as_ref().map(|v| v.open_orders);
        summary
    }
}

/// Where the engine connects, and who trades there.
struct VenueTarget {
    /// The in-process simulator, kept alive for the run (venue `sim`).
    #[cfg(feature = "sim")]
    sim: Option<SimHandle>,
    info_url: String,
    exchange_url: String,
    ws_url: String,
    /// The signing key and account; `None` = no order gateway (market data only).
    identity: Option<gateway::Identity>,
}

/// Paper trading goes through the same signed path: a fresh agent and account, funded and
/// approved by the in-process simulator at start.
#[cfg(feature = "sim")]
fn start_builtin_sim(config: &Config) -> Result<VenueTarget, EngineError> {
    let identity = gateway::paper_identity()?;
    let account = identity.account;
    let sim_config = SimConfig {
        listen: config.venue.listen,
        seed: config.venue.seed,
        fund: vec![FundAccount { address: account, usdc: config.venue.paper_balance_usd }],
        agents: vec![AgentEntry { agent: identity.key.address(), account }],
        ..SimConfig::ephemeral()
    };
    let sim = SimHandle::start(sim_config).map_err(|e| EngineError::Simulator(e.to_string()))?;
    tracing::info!(
        addr = %sim.addr(),
        seed = config.venue.seed,
        account = %gateway::address_text(identity.account),
        "Built-in simulator started with a paper account"
    );
    Ok(VenueTarget {
        info_url: sim.info_url(),
        exchange_url: sim.exchange_url(),
        ws_url: sim.ws_url(),
        sim: Some(sim),
        identity: Some(identity),
    })
}

/// A live-only build (without the `sim` feature) has no simulator to start.
#[cfg(not(feature = "sim"))]
fn start_builtin_sim(_config: &Config) -> Result<VenueTarget, EngineError> {
    Err(EngineError::Simulator(
        "venue sim: this build has no simulator (built without the `sim` feature)".to_owned(),
    ))
}

fn start_venue(config: &Config) -> Result<VenueTarget, EngineError> {
    if config.venue.kind == VenueKind::Sim {
        return start_builtin_sim(config);
    }
    let endpoints = config
        .venue
        .endpoints()
        .ok_or_else(|| EngineError::Venue("no endpoints for this venue kind".to_owned()))?;
    let identity = gateway::configured_identity(config)?;
    if identity.is_none() {
        if config.venue.kind.is_hyperliquid() {
            return Err(EngineError::Venue(
                "testnet and mainnet need venue.account_address and an agent key".to_owned(),
            ));
        }
        tracing::warn!("No account or agent key configured: market data only, no orders");
    }
    Ok(VenueTarget {
        #[cfg(feature = "sim")]
        sim: None,
        info_url: endpoints.info,
        exchange_url: endpoints.exchange,
        ws_url: endpoints.ws,
        identity,
    })
}

/// Loads the instrument table from the venue and picks the configured, enabled coins, in
/// config order, with their core parameters.
#[allow(clippy::type_complexity)] // three parallel lists, named at the one call site
fn select_instruments(
    config: &Config,
    info_url: &str,
) -> Result<
    (Vec<InstrumentSpec>, Vec<crate::core::params::SymbolParams>, Vec<startup::Listed>),
    EngineError,
> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| EngineError::Venue(e.to_string()))?;
    let info = InfoClient::new(info_url, Duration::from_secs(10))
        .map_err(|e| EngineError::Venue(e.to_string()))?;
    let meta = runtime.block_on(info.meta()).map_err(|e| EngineError::Venue(e.to_string()))?;
    let listed: Vec<startup::Listed> = meta
        .instruments()
        .into_iter()
        .map(|spec| startup::Listed {
            spec,
            max_leverage: meta.universe.get(spec.asset.0 as usize).map_or(0, |u| u.max_leverage),
        })
        .collect();
    let mut instruments = Vec::new();
    let mut params = Vec::new();
    for (coin, symbol) in config.resolved_symbols() {
        if !symbol.enabled {
            continue;
        }
        let spec = listed
            .iter()
            .find(|l| l.spec.coin.as_str() == coin)
            .ok_or_else(|| EngineError::UnknownSymbol(coin.to_owned()))?;
        instruments.push(spec.spec);
        params.push(symbol.core_params(&config.feed));
    }
    if instruments.len() > msg::AssetIndex::MAX_ASSET_ID as usize {
        return Err(EngineError::Config("too many symbols".to_owned()));
    }
    Ok((instruments, params, listed))
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
}

/// Runs until `shutdown` is requested, then stops in order and reports. Tests call this with a
/// [`Shutdown`] they control.
pub fn run_until(config: &Config, shutdown: Shutdown) -> Result<RunReport, EngineError> {
    run_until_with(config, shutdown, RunOptions::default())
}

/// [`run_until`] with [`RunOptions`].
pub fn run_until_with(
    config: &Config,
    shutdown: Shutdown,
    options: RunOptions,
) -> Result<RunReport, EngineError> {
    let mut venue = start_venue(config)?;
    let (instruments, mut params, listed) = select_instruments(config, &venue.info_url)?;
    if let Some(prior) = options.vol_prior {
        for p in &mut params {
            p.vol_prior = Some(prior);
        }
    }
    let now = clock::wall_now();
    let global = params::global_params(now);
    let mut core = QuotingCore::new(&instruments, &params, global, now)
        .map_err(|e| EngineError::Core(e.to_string()))?;
    tracing::info!(
        coins = %instruments.iter().map(|s| s.coin.as_str()).collect::<Vec<_>>().join(","),
        venue = config.venue.kind.as_str(),
        "Instruments loaded"
    );

    // Halted until the side thread's gate opens: leverage, the account's snapshot and the
    // startup reconciliation happen here, before any thread runs.
    let mut startup_commands = Vec::new();
    let mut reconcile_agreed = true;
    let mut account = None;
    let mut gateway_stats = None;
    let order_gateway: Box<dyn OrderGateway> = match venue.identity.take() {
        Some(identity) => {
            let outcome = startup::prepare_account(
                config,
                identity,
                (&venue.exchange_url, &venue.info_url),
                &listed,
                &instruments,
                &mut core,
            )?;
            reconcile_agreed = outcome.agreed();
            account = Some(outcome.account);
            startup_commands = outcome.commands;
            let gw = gateway::build_gateway(
                config,
                outcome.signer,
                outcome.nonces,
                outcome.account,
                (&venue.exchange_url, &venue.info_url, &venue.ws_url),
                &instruments,
            )?;
            gateway_stats = Some(gw.stats());
            Box::new(gw)
        }
        None => Box::new(DisconnectedGateway),
    };

    let index = msg::AssetIndex::new(instruments.iter().map(|s| s.asset));
    let (md_tx, md_rx) = ring::conflating(config.feed.md_ring_capacity, index.md_keys());
    let (user_tx, user_rx) = ring::lossless(config.feed.user_ring_capacity);
    let (mut intent_tx, intent_rx) = ring::lossless(ORDER_RING_CAPACITY);
    for command in startup_commands {
        // The ring is empty and far larger than a startup's cancels.
        if intent_tx.push(quote::Intent { command, frame_recv: Nanos(0), decided: now }).is_err() {
            return Err(EngineError::Core("startup commands exceed the intent ring".to_owned()));
        }
    }
    let (outcome_tx, outcome_rx) = ring::lossless(ORDER_RING_CAPACITY);
    let (control_tx, control_rx) = ring::lossless::<CoreEvent>(CONTROL_RING_CAPACITY);
    // One key per coin; room for a few rounds so the side thread rarely sees conflation.
    let (snapshot_tx, snapshot_rx) =
        ring::conflating(instruments.len().max(1) * 4, instruments.len().max(1));

    let counters = options.counters.unwrap_or_else(|| Arc::new(Counters::new()));
    let histograms = Arc::new(SharedStageHistograms::new());
    let health = Arc::new(FeedHealth::new(instruments.len()));
    let heartbeats = Arc::new(Heartbeats::default());
    let stalled = Arc::new(AtomicBool::new(false));

    let plan = PinPlan::decide(
        PinRequest {
            feed: config.threads.feed_core,
            quote: config.threads.quote_core,
            exec: config.threads.exec_core,
            policy: Some(match config.threads.spin {
                SpinPolicy::Busy => IdlePolicy::BusySpin,
                SpinPolicy::SpinThenYield => IdlePolicy::SPIN_THEN_YIELD,
            }),
        },
        &pin::available_cores(),
    );
    for warning in &plan.warnings {
        tracing::warn!(warning = %warning, "Thread placement degraded");
    }

    let coins: Vec<_> = instruments.iter().map(|s| s.coin).collect();
    // The user streams are the account's (never the agent's): fills and order updates reach
    // the core through them.
    let account_text =
        account.map(gateway::address_text).or_else(|| config.venue.account_address.clone());
    let feed_settings = FeedSettings {
        ws_url: venue.ws_url.clone(),
        subscribe_frames: subscribe_frames(&coins, account_text.as_deref()),
        ping_interval: Duration::from_millis(config.feed.ping_interval_ms),
        market_stale_after: Duration::from_millis(config.feed.stale_after_ms.books),
        user_stale_after: Duration::from_millis(config.feed.stale_after_ms.user),
        // No frame at all (not even a pong) for two ping intervals: the socket is dead.
        reconnect_after_silence: Duration::from_millis(config.feed.ping_interval_ms * 2 + 5_000),
        reconnect_min_ms: config.feed.reconnect_min_ms,
        reconnect_max_ms: config.feed.reconnect_max_ms,
        seed: config.venue.seed ^ now.0,
        connect_timeout: Duration::from_secs(10),
    };
    let feed = FeedHandler::new(
        feed_settings,
        &instruments,
        FeedRings { md: md_tx, user: user_tx },
        FeedShared {
            health: Arc::clone(&health),
            counters: Arc::clone(&counters),
            histograms: Arc::clone(&histograms),
            shutdown: shutdown.clone(),
        },
    );
    let assets: Vec<_> = instruments.iter().map(|s| s.asset).collect();
    let (reconciler_io, reconcile_link) = reconciler::link(reconcile_agreed);
    let reconciled = Arc::clone(&reconcile_link.agreed);
    let reconciler_thread = match account {
        Some(account) => Some(reconciler::spawn(
            reconciler::ReconcilerSettings {
                info_url: venue.info_url.clone(),
                account,
                instruments: instruments.clone(),
                interval: Duration::from_millis(config.venue.reconcile_interval_ms),
            },
            reconciler_io,
            shutdown.clone(),
        )?),
        None => None,
    };
    let quote = QuoteLoop::new(
        core,
        &assets,
        QuoteRings {
            md: md_rx,
            user: user_rx,
            outcomes: outcome_rx,
            control: control_rx,
            intents: intent_tx,
            snapshots: snapshot_tx,
            reconcile: account.is_some().then_some(reconcile_link),
        },
        QuoteShared {
            counters: Arc::clone(&counters),
            histograms: Arc::clone(&histograms),
            health: Arc::clone(&health),
            heartbeats: Arc::clone(&heartbeats),
            stalled: Arc::clone(&stalled),
            shutdown: shutdown.clone(),
            gateway: gateway_stats.clone(),
        },
        Idler::new(plan.policy),
    );
    let exec_rings = ExecRings { intents: intent_rx, outcomes: outcome_tx };
    let exec_shared = ExecShared {
        counters: Arc::clone(&counters),
        heartbeats: Arc::clone(&heartbeats),
        shutdown: shutdown.clone(),
    };
    let exec_settings = ExecSettings { batch_window: Duration::from_millis(2), max_batch: 64 };
    let side_settings = SideSettings {
        nice: i32::from(config.threads.side_nice),
        summary_interval: Duration::from_millis(config.telemetry.summary_interval_ms),
        stall_after: Duration::from_secs(2),
        instruments: instruments.clone(),
        print_table: options.print_summary,
    };
    let side_shared = SideShared {
        counters: Arc::clone(&counters),
        histograms: Arc::clone(&histograms),
        health: Arc::clone(&health),
        heartbeats: Arc::clone(&heartbeats),
        stalled,
        reconciled,
        gateway: gateway_stats,
        shutdown: shutdown.clone(),
    };

    let side_io = SideIo {
        control: control_tx,
        snapshots: snapshot_rx,
        sync: config.redis.enabled().then(|| crate::sync::SyncSettings {
            config: config.clone(),
            info_url: venue.info_url.clone(),
            instruments: instruments.clone(),
            seed: config.venue.seed ^ now.0 ^ 0x5eed,
        }),
    };

    let started = std::time::Instant::now();
    let exec_policy = plan.policy;
    let exec_thread = spawn(&plan, PinnedThread::Exec, move || {
        exec::run(exec_settings, order_gateway, exec_rings, exec_shared, Idler::new(exec_policy));
    })?;
    let quote_thread = spawn(&plan, PinnedThread::Quote, move || quote.run())?;
    let feed_thread = spawn(&plan, PinnedThread::Feed, move || feed.run())?;
    let side_thread = std::thread::Builder::new()
        .name("hlmm-side".to_owned())
        .spawn(move || side::run(side_settings, side_shared, side_io))
        .map_err(|e| EngineError::Spawn { thread: "hlmm-side", reason: e.to_string() })?;

    while !shutdown.is_requested() {
        std::thread::sleep(Duration::from_millis(20));
    }
    tracing::info!("Shutdown requested: stopping the feed, then draining quote and exec");
    shutdown.advance(Phase::StopInput);
    join("hlmm-feed", feed_thread);
    // The feed moves the phase to DrainQuote when it has stopped; make sure even if it died.
    shutdown.advance(Phase::DrainQuote);
    let core = join_value("hlmm-quote", quote_thread);
    shutdown.advance(Phase::DrainExec);
    join("hlmm-exec", exec_thread);
    shutdown.advance(Phase::Done);
    join("hlmm-side", side_thread);
    if let Some(t) = reconciler_thread {
        join("hlmm-reconcile", t);
    }
    let snapshot = match account {
        Some(account) => match gateway::venue_snapshot(&venue.info_url, account, &instruments) {
            Ok(s) => {
                tracing::info!(
                    open_orders = s.open_orders,
                    positions = ?s.positions,
                    "Venue state after shutdown"
                );
                Some(s)
            }
            Err(e) => {
                tracing::warn!(error = %e, "Venue state after shutdown unknown");
                None
            }
        },
        None => None,
    };
    #[cfg(feature = "sim")]
    if let Some(sim) = venue.sim {
        if let Err(e) = sim.shutdown() {
            tracing::warn!(error = %e, "Simulator shutdown reported an error");
        }
    }
    let core = core.ok_or_else(|| EngineError::Spawn {
        thread: "hlmm-quote",
        reason: "the quote thread panicked".to_owned(),
    })?;
    Ok(RunReport {
        counters: counters.snapshot(),
        stages: histograms.snapshot(),
        instruments,
        core,
        venue: snapshot,
        elapsed: started.elapsed(),
    })
}

/// Spawns a named thread, pinned per the plan (a refused pin is a warning, not an error).
fn spawn<T: Send + 'static>(
    plan: &PinPlan,
    thread: PinnedThread,
    body: impl FnOnce() -> T + Send + 'static,
) -> Result<JoinHandle<T>, EngineError> {
    let core = plan.core_for(thread);
    std::thread::Builder::new()
        .name(thread.name().to_owned())
        .spawn(move || {
            if let Some(core) = core {
                if !pin::pin_current_thread(core) {
                    tracing::warn!(
                        thread = thread.name(),
                        core,
                        "Pinning refused; running unpinned"
                    );
                }
            }
            body()
        })
        .map_err(|e| EngineError::Spawn { thread: thread.name(), reason: e.to_string() })
}

fn join(name: &'static str, handle: JoinHandle<()>) {
    if handle.join().is_err() {
        tracing::error!(thread = name, "Thread panicked");
    }
}

fn join_value<T>(name: &'static str, handle: JoinHandle<T>) -> Option<T> {
    match handle.join() {
        Ok(v) => Some(v),
        Err(_) => {
            tracing::error!(thread = name, "Thread panicked");
            None
        }
    }
}
