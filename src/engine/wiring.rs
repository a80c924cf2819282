//! The threads of one run: their rings, the state they share, where each is pinned, and the
//! order they start and stop in.
//!
//! Runs on the main thread, between startup ([`super::boot`]) and the final report.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::config::{Config, SpinPolicy};
use crate::core::{CoreEvent, QuotingCore};
use crate::msg::{Activity, AssetIndex, AssetSnapshot, Intent};
use crate::operator::OperatorHub;
use crate::ring::{self, ConflatingRx, LosslessRx, LosslessTx};
use crate::runtime::{Clock, Phase, SharedClock, Shutdown, SystemClock};
use crate::sync::SyncSettings;
use crate::telemetry::{Counters, CountersSnapshot, SharedStageHistograms, StageSummary};
use crate::types::commands::Command;
use crate::types::{Address, InstrumentSpec, Nanos};
use crate::venue::exec::GatewayStats;
use crate::venue::gateway::OrderGateway;
use crate::venue::subscriptions::subscribe_frames;

use super::boot::{Orders, VenueTarget};
use super::error::EngineError;
use super::exec::{self, ExecRings, ExecSettings, ExecShared};
use super::feed::{FeedHandler, FeedRings, FeedSettings, FeedShared};
use super::gateway;
use super::health::FeedHealth;
use super::idle::{IdlePolicy, Idler};
use super::pin::{self, PinPlan, PinRequest, PinnedThread};
use super::quote::{QuoteLoop, QuoteRings, QuoteShared};
use super::reconciler::{self, ReconcilerSettings};
use super::side::{self, Heartbeats, SideIo, SideSettings, SideShared};

/// Capacity of the quote → exec intent ring and the exec → quote outcome ring. A burst of
/// re-quotes over every coin is tens of commands; thousands means exec is wedged, which the
/// halt on a full lossless ring handles.
const ORDER_RING_CAPACITY: usize = 4_096;
/// Capacity of the side → quote control ring (config updates, kill, resume).
const CONTROL_RING_CAPACITY: usize = 256;
/// Capacity of the quote → side activity ring (the operator's history). The side thread drains
/// it every 10–50 ms; a burst of re-quotes over every coin is tens of records.
const ACTIVITY_RING_CAPACITY: usize = 16_384;

/// What a run's threads are built from.
pub(super) struct Launch<'a> {
    pub(super) config: &'a Config,
    pub(super) venue: &'a VenueTarget,
    /// The quoted instruments, in the core's dense-index order.
    pub(super) instruments: &'a [InstrumentSpec],
    pub(super) shutdown: &'a Shutdown,
    pub(super) clock: &'a SharedClock,
    /// Counters to report into (a test watches them); `None` = fresh ones.
    pub(super) counters: Option<Arc<Counters>>,
    /// Print the per-coin table with each summary.
    pub(super) print_summary: bool,
}

/// The atomics and published histograms the threads share.
struct Shared {
    counters: Arc<Counters>,
    histograms: Arc<SharedStageHistograms>,
    health: Arc<FeedHealth>,
    heartbeats: Arc<Heartbeats>,
    /// Set by the side thread's watchdog; the quote thread halts on it.
    stalled: Arc<AtomicBool>,
}

/// Every ring of a run, grouped by the thread that holds each end.
struct Rings {
    feed: FeedRings,
    quote: QuoteRings,
    exec: ExecRings,
    /// The side thread's ends: control into the quote thread, snapshots and activity out of it.
    control: LosslessTx<CoreEvent>,
    snapshots: ConflatingRx<AssetSnapshot>,
    activity: LosslessRx<Activity>,
}

/// The engine's threads while they run.
pub(super) struct Running {
    feed: JoinHandle<()>,
    quote: JoinHandle<QuotingCore>,
    exec: JoinHandle<()>,
    side: JoinHandle<()>,
    reconciler: Option<JoinHandle<()>>,
    /// What the API gateway serves and commands through.
    operator: Arc<OperatorHub>,
    counters: Arc<Counters>,
    histograms: Arc<SharedStageHistograms>,
    clock: SharedClock,
    /// Monotonic time the threads started.
    started: Nanos,
}

/// What the threads left behind.
pub(super) struct Stopped {
    /// The core as the quote thread left it; `None` if that thread panicked.
    pub(super) core: Option<QuotingCore>,
    pub(super) counters: CountersSnapshot,
    pub(super) stages: StageSummary,
    /// From the start of the threads to the end of the drain.
    pub(super) elapsed: Duration,
}

/// Builds every thread of the run around `core` and the order path startup left, and starts
/// them: exec, quote, feed, side, and the reconciler when there is an account.
pub(super) fn start(
    launch: &Launch<'_>,
    core: QuotingCore,
    orders: Orders,
) -> Result<Running, EngineError> {
    let Launch { config, instruments, clock, .. } = *launch;
    let now = clock.now();
    let Rings {
        feed: feed_rings,
        quote: mut quote_rings,
        exec: exec_rings,
        control,
        snapshots,
        activity,
    } = rings(config, instruments, orders.startup_commands, now)?;
    let shared = Shared {
        counters: launch.counters.clone().unwrap_or_else(|| Arc::new(Counters::new())),
        histograms: Arc::new(SharedStageHistograms::new()),
        health: Arc::new(FeedHealth::new(instruments.len())),
        heartbeats: Arc::new(Heartbeats::default()),
        stalled: Arc::new(AtomicBool::new(false)),
    };
    let plan = pin_plan(config);
    let feed = feed_handler(launch, orders.account, feed_rings, &shared, now);
    let (reconciler, reconciled) =
        start_reconciler(launch, orders.account, orders.agreed, &mut quote_rings)?;
    let quote = quote_loop(launch, core, quote_rings, &shared, orders.stats.clone(), &plan);
    let (side_settings, side_shared) = side_parts(launch, &shared, reconciled, orders.stats);
    let (operator, inbox) = OperatorHub::new();
    let side_io = SideIo {
        control,
        snapshots,
        sync: sync_settings(launch, now),
        activity,
        operator: (Arc::clone(&operator), inbox),
    };

    let started = clock.monotonic();
    let exec = spawn_exec(launch, &plan, orders.gateway, exec_rings, &shared)?;
    let quote = spawn(&plan, PinnedThread::Quote, move || quote.run())?;
    let feed = spawn(&plan, PinnedThread::Feed, move || feed.run())?;
    let side = std::thread::Builder::new()
        .name("hlmm-side".to_owned())
        .spawn(move || side::run(side_settings, side_shared, side_io))
        .map_err(|e| EngineError::Spawn { thread: "hlmm-side", reason: e.to_string() })?;
    Ok(Running {
        feed,
        quote,
        exec,
        side,
        reconciler,
        operator,
        counters: shared.counters,
        histograms: shared.histograms,
        clock: Arc::clone(clock),
        started,
    })
}

/// With an account, the reconciler thread, linked to the quote thread's rings. Returns it and
/// the flag the startup gate reads (set once a reconciliation agreed; `agreed` at first).
fn start_reconciler(
    launch: &Launch<'_>,
    account: Option<Address>,
    agreed: bool,
    quote: &mut QuoteRings,
) -> Result<(Option<JoinHandle<()>>, Arc<AtomicBool>), EngineError> {
    let (io, link) = reconciler::link(agreed);
    let reconciled = Arc::clone(&link.agreed);
    let Some(account) = account else { return Ok((None, reconciled)) };
    let settings = ReconcilerSettings {
        info_url: launch.venue.info_url.clone(),
        account,
        instruments: launch.instruments.to_vec(),
        interval: Duration::from_millis(launch.config.venue.reconcile_interval_ms),
        clock: Arc::clone(launch.clock),
    };
    quote.reconcile = Some(link);
    let thread = reconciler::spawn(settings, io, launch.shutdown.clone())?;
    Ok((Some(thread), reconciled))
}

/// The quote loop around `core`, on the system clock (read per frame, so not behind the
/// shared clock's indirect call).
fn quote_loop(
    launch: &Launch<'_>,
    core: QuotingCore,
    rings: QuoteRings,
    shared: &Shared,
    gateway: Option<Arc<GatewayStats>>,
    plan: &PinPlan,
) -> QuoteLoop {
    let assets: Vec<_> = launch.instruments.iter().map(|s| s.asset).collect();
    let quote_shared = QuoteShared {
        counters: Arc::clone(&shared.counters),
        histograms: Arc::clone(&shared.histograms),
        health: Arc::clone(&shared.health),
        heartbeats: Arc::clone(&shared.heartbeats),
        stalled: Arc::clone(&shared.stalled),
        shutdown: launch.shutdown.clone(),
        gateway,
        clock: SystemClock,
    };
    QuoteLoop::new(core, &assets, rings, quote_shared, Idler::new(plan.policy))
}

/// Starts the exec thread around the order gateway.
fn spawn_exec(
    launch: &Launch<'_>,
    plan: &PinPlan,
    gateway: Box<dyn OrderGateway>,
    rings: ExecRings,
    shared: &Shared,
) -> Result<JoinHandle<()>, EngineError> {
    let exec_shared = ExecShared {
        counters: Arc::clone(&shared.counters),
        heartbeats: Arc::clone(&shared.heartbeats),
        shutdown: launch.shutdown.clone(),
        clock: Arc::clone(launch.clock),
    };
    let settings = ExecSettings { batch_window: Duration::from_millis(2), max_batch: 64 };
    let policy = plan.policy;
    spawn(plan, PinnedThread::Exec, move || {
        exec::run(settings, gateway, rings, exec_shared, Idler::new(policy));
    })
}

/// The Redis sync's settings when Redis is configured.
fn sync_settings(launch: &Launch<'_>, now: Nanos) -> Option<SyncSettings> {
    let config = launch.config;
    config.redis.enabled().then(|| SyncSettings {
        config: config.clone(),
        info_url: launch.venue.info_url.clone(),
        instruments: launch.instruments.to_vec(),
        seed: config.venue.seed ^ now.0 ^ 0x5eed,
    })
}

/// The rings of a run, with the startup reconciliation's commands already in the intent ring.
fn rings(
    config: &Config,
    instruments: &[InstrumentSpec],
    startup_commands: Vec<Command>,
    now: Nanos,
) -> Result<Rings, EngineError> {
    let index = AssetIndex::new(instruments.iter().map(|s| s.asset));
    let (md_tx, md_rx) = ring::conflating(config.feed.md_ring_capacity, index.md_keys());
    // Fills, intents and outcomes are never lost: each producer spills what its full ring cannot
    // take (as much again as the ring holds) and the quote thread halts on the first spill.
    let user = config.feed.user_ring_capacity;
    let (user_tx, user_rx) = ring::lossless_spilling(user, user);
    let (mut intent_tx, intent_rx) =
        ring::lossless_spilling(ORDER_RING_CAPACITY, ORDER_RING_CAPACITY);
    for command in startup_commands {
        // The ring is empty and far larger than a startup's cancels.
        if intent_tx.push(Intent { command, frame_recv: Nanos(0), decided: now }).is_err() {
            return Err(EngineError::Core("startup commands exceed the intent ring".to_owned()));
        }
    }
    let (outcome_tx, outcome_rx) =
        ring::lossless_spilling(ORDER_RING_CAPACITY, ORDER_RING_CAPACITY);
    let (control_tx, control_rx) = ring::lossless::<CoreEvent>(CONTROL_RING_CAPACITY);
    // One key per coin; room for a few rounds so the side thread rarely sees conflation.
    let (snapshot_tx, snapshot_rx) =
        ring::conflating(instruments.len().max(1) * 4, instruments.len().max(1));
    let (activity_tx, activity_rx) = ring::lossless::<Activity>(ACTIVITY_RING_CAPACITY);
    Ok(Rings {
        feed: FeedRings { md: md_tx, user: user_tx },
        quote: QuoteRings {
            md: md_rx,
            user: user_rx,
            outcomes: outcome_rx,
            control: control_rx,
            intents: intent_tx,
            snapshots: snapshot_tx,
            activity: activity_tx,
            reconcile: None,
        },
        exec: ExecRings { intents: intent_rx, outcomes: outcome_tx },
        control: control_tx,
        snapshots: snapshot_rx,
        activity: activity_rx,
    })
}

/// Where each busy thread runs and how it waits; a degraded placement is a warning.
fn pin_plan(config: &Config) -> PinPlan {
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
    plan
}

/// The feed thread: every quoted coin's market data, and the account's user streams.
fn feed_handler(
    launch: &Launch<'_>,
    account: Option<Address>,
    rings: FeedRings,
    shared: &Shared,
    now: Nanos,
) -> FeedHandler {
    let Launch { config, venue, instruments, shutdown, .. } = *launch;
    let coins: Vec<_> = instruments.iter().map(|s| s.coin).collect();
    // The user streams are the account's (never the agent's): fills and order updates reach
    // the core through them.
    let account_text =
        account.map(gateway::address_text).or_else(|| config.venue.account_address.clone());
    let settings = FeedSettings::from_config(
        &config.feed,
        venue.ws_url.clone(),
        subscribe_frames(&coins, account_text.as_deref()),
        config.venue.seed ^ now.0,
    );
    let shared = FeedShared {
        health: Arc::clone(&shared.health),
        counters: Arc::clone(&shared.counters),
        histograms: Arc::clone(&shared.histograms),
        shutdown: shutdown.clone(),
        clock: SystemClock,
    };
    FeedHandler::new(settings, instruments, rings, shared)
}

/// The side thread's settings and shared state.
fn side_parts(
    launch: &Launch<'_>,
    shared: &Shared,
    reconciled: Arc<AtomicBool>,
    gateway: Option<Arc<GatewayStats>>,
) -> (SideSettings, SideShared) {
    let Launch { config, instruments, shutdown, clock, print_summary, .. } = *launch;
    let settings = SideSettings {
        nice: i32::from(config.threads.side_nice),
        summary_interval: Duration::from_millis(config.telemetry.summary_interval_ms),
        stall_after: Duration::from_secs(2),
        instruments: instruments.to_vec(),
        print_table: print_summary,
        config: config.clone(),
        venue: config.venue.kind.to_string(),
        instance: instance_id(),
    };
    let shared = SideShared {
        counters: Arc::clone(&shared.counters),
        histograms: Arc::clone(&shared.histograms),
        health: Arc::clone(&shared.health),
        heartbeats: Arc::clone(&shared.heartbeats),
        stalled: Arc::clone(&shared.stalled),
        reconciled,
        gateway,
        shutdown: shutdown.clone(),
        clock: Arc::clone(clock),
    };
    (settings, shared)
}

/// This engine's id for the operator: `HLMM_INSTANCE`, else `hlmm-<pid>`.
fn instance_id() -> String {
    std::env::var("HLMM_INSTANCE")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| format!("hlmm-{}", std::process::id()))
}

impl Running {
    /// What the API gateway serves and commands through.
    pub(super) fn operator(&self) -> &Arc<OperatorHub> {
        &self.operator
    }

    /// Waits until `shutdown` is requested, then stops the threads in dependency order: the
    /// feed stops reading, the quote thread drains and pulls every quote, exec drains the
    /// intent ring and sweeps the venue, the side thread flushes last.
    pub(super) fn stop_when_requested(self, shutdown: &Shutdown) -> Stopped {
        while !shutdown.is_requested() {
            std::thread::sleep(Duration::from_millis(20));
        }
        tracing::info!("Shutdown requested: stopping the feed, then draining quote and exec");
        shutdown.advance(Phase::StopInput);
        join("hlmm-feed", self.feed);
        // The feed moves the phase to DrainQuote when it has stopped; make sure even if it died.
        shutdown.advance(Phase::DrainQuote);
        let core = join_value("hlmm-quote", self.quote);
        shutdown.advance(Phase::DrainExec);
        join("hlmm-exec", self.exec);
        shutdown.advance(Phase::Done);
        join("hlmm-side", self.side);
        if let Some(t) = self.reconciler {
            join("hlmm-reconcile", t);
        }
        let elapsed = self.clock.monotonic().saturating_since(self.started);
        Stopped {
            core,
            counters: self.counters.snapshot(),
            stages: self.histograms.snapshot(),
            elapsed: Duration::from_nanos(elapsed),
        }
    }
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
