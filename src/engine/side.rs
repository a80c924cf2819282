//! The side thread: lowest OS priority; the startup gate, the stall watchdog, summaries, and,
//! when Redis is configured, the Redis sync and symbol scanner ([`crate::sync::RedisSync`]).
//!
//! Everything here is off the trading path. It reads counters, health flags, published
//! histograms and the quote thread's snapshot ring; it writes only the control ring. It never
//! blocks the quote or exec thread: every Redis call has a short timeout, and the scanner's
//! HTTP calls run on their own thread. If it stops, quoting goes on with the last good config.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::health::{FeedHealth, Stream};
use super::pin::lower_current_thread_priority;
use super::report::{CoinSummary, Summary};
use crate::config::Config;
use crate::core::orders::BudgetPressure;
use crate::core::CoreEvent;
use crate::msg::{Activity, AssetSnapshot};
use crate::operator::view::ViewInputs;
use crate::operator::{CallContext, OperatorHub, OperatorInbox, Station};
use crate::ring::{ConflatingRx, LosslessRx, LosslessTx};
use crate::runtime::{Clock, Phase, SharedClock, Shutdown};
use crate::sync::{ConfigDesk, PositionBook, RedisSync, SyncSettings, SyncShared, SyncStatus};
use crate::telemetry::{Counters, SharedStageHistograms, Stage};
use crate::types::{InstrumentSpec, Nanos};
use crate::venue::exec::GatewayStats;

/// Loop counters the busy threads bump so the watchdog can tell a stalled loop from an idle one.
#[derive(Debug, Default)]
pub struct Heartbeats {
    /// Quote-loop iterations (wrapping).
    pub quote: AtomicU64,
    /// Exec-loop iterations (wrapping).
    pub exec: AtomicU64,
}

impl Heartbeats {
    /// Bumps a heartbeat. Relaxed: the watchdog only needs to see the value change eventually.
    #[inline]
    pub fn beat(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Settings of the side thread.
#[derive(Debug, Clone)]
pub struct SideSettings {
    /// Nice value to run at (19 = lowest priority).
    pub nice: i32,
    /// How often a summary is logged.
    pub summary_interval: Duration,
    /// A busy loop whose heartbeat has not moved for this long is reported stalled.
    pub stall_after: Duration,
    /// The quoted coins, in dense-index order (the summary's lines).
    pub instruments: Vec<InstrumentSpec>,
    /// Print the per-coin table to stdout with each summary (`hlmm run` at a terminal).
    pub print_table: bool,
    /// The validated config: the config service starts from it.
    pub config: Config,
    /// The venue's name for the operator (`sim`, `testnet`, …).
    pub venue: String,
    /// This engine's id for the operator.
    pub instance: String,
}

/// Shared state the side thread reads.
#[derive(Debug, Clone)]
pub struct SideShared {
    /// Engine counters.
    pub counters: Arc<Counters>,
    /// Published stage histograms.
    pub histograms: Arc<SharedStageHistograms>,
    /// Feed health.
    pub health: Arc<FeedHealth>,
    /// Loop heartbeats.
    pub heartbeats: Arc<Heartbeats>,
    /// Stall flag the quote thread reads: set while a busy loop looks stalled.
    pub stalled: Arc<AtomicBool>,
    /// Set once the core agreed with the venue (startup or a later reconciliation): the
    /// startup gate waits for it.
    pub reconciled: Arc<AtomicBool>,
    /// The order gateway's gauges (rate budget, dead-man's switch); `None` without one.
    pub gateway: Option<Arc<GatewayStats>>,
    /// Shutdown state.
    pub shutdown: Shutdown,
    /// The clock: wall time for Redis documents, monotonic time for the loop's intervals.
    pub clock: SharedClock,
}

/// How often the side loop wakes without Redis.
const TICK: Duration = Duration::from_millis(50);
/// How often it wakes with Redis: acks and fill-driven position updates wait at most this.
const REDIS_TICK: Duration = Duration::from_millis(10);
/// How often the side thread merges the stage histograms the busy threads handed over.
const HISTOGRAM_MERGE_INTERVAL: Duration = Duration::from_millis(50);
/// How often the documents the API gateway serves are rebuilt.
const OPERATOR_REFRESH_INTERVAL: Duration = Duration::from_millis(250);

/// The side thread's ring ends and optional Redis sync.
#[derive(Debug)]
pub struct SideIo {
    /// Control into the quote thread (startup gate, config updates).
    pub control: LosslessTx<CoreEvent>,
    /// Snapshots from the quote thread.
    pub snapshots: ConflatingRx<AssetSnapshot>,
    /// Redis sync settings; `None` = Redis off.
    pub sync: Option<SyncSettings>,
    /// The quote thread's activity records (the operator's history).
    pub activity: LosslessRx<Activity>,
    /// What the API gateway reads, and its control calls.
    pub operator: (Arc<OperatorHub>, OperatorInbox),
}

/// Runs the side thread until the shutdown reaches [`Phase::Done`].
///
/// It owns the control ring into the quote thread. Its first duty there is the startup gate:
/// the core starts halted, and the side thread sends [`CoreEvent::Resume`] once the feed is
/// connected, every quoted coin's book is fresh and the core agrees with the venue
/// (fail closed: never quote on no data or on an unreconciled account).
pub fn run(settings: SideSettings, shared: SideShared, io: SideIo) {
    match lower_current_thread_priority(settings.nice) {
        Ok(()) => tracing::info!(nice = settings.nice, "Side thread priority lowered"),
        Err(e) => {
            tracing::warn!(nice = settings.nice, error = %e, "Side thread priority unchanged")
        }
    }
    let mut side = SideLoop::start(settings, shared, io);
    let tick = if side.redis.is_some() { REDIS_TICK } else { TICK };
    loop {
        std::thread::sleep(tick);
        if side.turn() {
            return;
        }
    }
}

/// The side thread's state between ticks.
#[derive(Debug)]
struct SideLoop {
    settings: SideSettings,
    shared: SideShared,
    control: LosslessTx<CoreEvent>,
    snapshots: ConflatingRx<AssetSnapshot>,
    /// The latest snapshot of every coin, for the summaries.
    book: PositionBook,
    /// The one config service (Redis, the API, the scanner).
    desk: ConfigDesk,
    /// The operator's history, control calls and API documents.
    station: Station,
    redis: Option<RedisSync>,
    watchdog: Watchdog,
    /// Monotonic time the thread started, and of the last turn.
    started: Nanos,
    last: Nanos,
    since_summary: Duration,
    since_merge: Duration,
    since_refresh: Duration,
    /// The startup gate has sent `Resume`.
    resumed: bool,
    /// Per instrument: its first quote has been logged.
    first_quote_logged: Vec<bool>,
}

impl SideLoop {
    fn start(settings: SideSettings, shared: SideShared, io: SideIo) -> Self {
        let SideIo { control, snapshots, sync, activity, operator: (hub, inbox) } = io;
        let redis = sync.map(|sync| {
            let sync_shared = SyncShared {
                counters: Arc::clone(&shared.counters),
                histograms: Arc::clone(&shared.histograms),
                shutdown: shared.shutdown.clone(),
                clock: Arc::clone(&shared.clock),
            };
            RedisSync::start(sync, sync_shared)
        });
        let started = shared.clock.monotonic();
        let settings_len = settings.instruments.len();
        Self {
            book: PositionBook::new(settings.instruments.clone()),
            desk: ConfigDesk::new(settings.config.clone(), &settings.instruments),
            station: Station::new(hub, inbox, activity, &settings.instruments),
            watchdog: Watchdog::new(settings.stall_after),
            settings,
            shared,
            control,
            snapshots,
            redis,
            started,
            last: started,
            since_summary: Duration::ZERO,
            since_merge: Duration::ZERO,
            since_refresh: OPERATOR_REFRESH_INTERVAL,
            resumed: false,
            first_quote_logged: vec![false; settings_len],
        }
    }

    /// One tick of work. Returns `true` once the shutdown reached [`Phase::Done`] and the
    /// last flush is done.
    fn turn(&mut self) -> bool {
        let now = self.shared.clock.monotonic();
        let elapsed = Duration::from_nanos(now.saturating_since(self.last));
        self.last = now;
        self.take_snapshots();
        self.station.drain_activity();
        let wall = self.shared.clock.now();
        let answered = self.station.answer_calls(&mut CallContext {
            now: wall,
            desk: &mut self.desk,
            redis: self.redis.as_mut(),
            gate_open: self.resumed,
            book: &self.book,
        });
        if let Some(r) = self.redis.as_mut() {
            r.tick(wall, &mut self.desk);
        }
        self.station.push_control(&mut self.control);
        self.desk.push_control(&mut self.control);
        self.open_gate_when_ready();
        let shared = &self.shared;
        let stalled =
            self.watchdog.check(&shared.heartbeats, elapsed, shared.shutdown.is_requested());
        shared.stalled.store(stalled, Ordering::Relaxed);
        // Merges the intervals the feed and quote recorders handed over. A recorder can hand
        // over its next interval only after this, so it runs every 50 ms (a fraction of a ms on
        // the lowest-priority thread), not only for summaries.
        self.since_merge += elapsed;
        if self.since_merge >= HISTOGRAM_MERGE_INTERVAL {
            self.since_merge = Duration::ZERO;
            let _ = shared.histograms.snapshot();
        }
        self.since_refresh += elapsed;
        if self.since_refresh >= OPERATOR_REFRESH_INTERVAL || answered > 0 {
            self.since_refresh = Duration::ZERO;
            self.refresh_operator_view(wall, now);
        }
        self.station.deliver_answers();
        let shared = &self.shared;
        self.since_summary += elapsed;
        if self.since_summary >= self.settings.summary_interval {
            self.since_summary = Duration::ZERO;
            log_summary(shared, self.redis.as_ref().map(|r| r.status(&self.desk)));
            if self.settings.print_table {
                print!("{}", self.summary().render());
            }
        }
        if !self.shared.shutdown.reached(Phase::Done) {
            return false;
        }
        self.finish();
        true
    }

    fn take_snapshots(&mut self) {
        while let Some(snapshot) = self.snapshots.pop() {
            self.book.update(snapshot);
            self.log_first_quote(&snapshot);
            if let Some(spec) = self.settings.instruments.get(snapshot.index) {
                self.desk.on_snapshot(spec.coin.as_str(), &snapshot);
            }
            if let Some(r) = self.redis.as_mut() {
                r.on_snapshot(snapshot);
            }
        }
    }

    /// Logs once per coin when its first quote went out, with the time since the engine
    /// started: the books arrive after the start, so this bounds the time from the first book
    /// to the first quote (the warm start's promise: seconds, not the estimator's minute).
    fn log_first_quote(&mut self, snapshot: &AssetSnapshot) {
        let Some(logged) = self.first_quote_logged.get_mut(snapshot.index) else { return };
        if *logged || snapshot.quotes_sent == 0 {
            return;
        }
        *logged = true;
        // Seen here a side-thread turn after it was taken: a bound, never an understatement.
        let now = self.shared.clock.monotonic();
        let after = Duration::from_nanos(now.saturating_since(self.started));
        if let Some(spec) = self.settings.instruments.get(snapshot.index) {
            tracing::info!(
                coin = spec.coin.as_str(),
                after_start_s = format_args!("{:.1}", after.as_secs_f64()),
                "First quote sent"
            );
        }
    }

    /// Rebuilds what the API gateway serves (every [`OPERATOR_REFRESH_INTERVAL`]).
    fn refresh_operator_view(&mut self, wall: Nanos, monotonic: Nanos) {
        let shared = &self.shared;
        let uptime_s = Duration::from_nanos(monotonic.saturating_since(self.started)).as_secs_f64();
        let redis = self.redis.as_ref();
        let desk = &self.desk;
        let book = &self.book;
        let settings = &self.settings;
        let seq = self.station.next_seq();
        let station = &self.station;
        station.publish(&ViewInputs {
            now: wall,
            uptime_s,
            venue: &settings.venue,
            instance: &settings.instance,
            connected: shared.health.is_connected(),
            killed: station.killed(),
            book,
            desk,
            ledger: station.ledger(),
            control_audit: station.control_audit(),
            counters: shared.counters.snapshot(),
            histograms: &shared.histograms,
            gateway: shared.gateway.as_deref(),
            redis: redis.map(|r| r.status(desk)),
            scanner: redis.map(RedisSync::scanner_view),
            seq,
        });
    }

    /// The startup gate: `Resume` once the feed is fresh everywhere and the core agrees with
    /// the venue (retried next tick if the control ring is full).
    fn open_gate_when_ready(&mut self) {
        let shared = &self.shared;
        if !self.resumed
            && !self.station.killed()
            && all_books_fresh(&shared.health)
            && shared.reconciled.load(Ordering::Relaxed)
            && !shared.shutdown.is_requested()
        {
            self.resumed = self.control.push(CoreEvent::Resume).is_ok();
            if self.resumed {
                tracing::info!(
                    "Reconciled with the venue and every book is fresh: quoting enabled"
                );
            }
        }
    }

    /// At [`Phase::Done`]: the quote thread's last snapshots (after its final cancel), a last
    /// Redis update, and the last summary.
    fn finish(&mut self) {
        let Some(mut r) = self.redis.take() else {
            log_summary(&self.shared, None);
            return;
        };
        while let Some(snapshot) = self.snapshots.pop() {
            self.book.update(snapshot);
            r.on_snapshot(snapshot);
        }
        r.tick(self.shared.clock.now(), &mut self.desk);
        let status = r.status(&self.desk);
        r.stop();
        log_summary(&self.shared, Some(status));
    }

    /// The per-coin summary from the latest snapshots.
    fn summary(&self) -> Summary {
        let coins = self
            .book
            .iter()
            .enumerate()
            .map(|(i, (spec, snap))| match snap {
                Some(s) => CoinSummary::from_snapshot(spec, s),
                None => CoinSummary::from_snapshot(spec, &super::report::startup_snapshot(i, spec)),
            })
            .collect();
        let elapsed = self.shared.clock.monotonic().saturating_since(self.started);
        Summary::new(
            Duration::from_nanos(elapsed).as_secs_f64(),
            coins,
            &self.shared.histograms.snapshot(),
            self.shared.counters.snapshot(),
        )
    }
}

/// Whether the feed is connected and no quoted coin's book stream is stale.
fn all_books_fresh(health: &FeedHealth) -> bool {
    health.is_connected()
        && health.market_streams() > 0
        && (0..health.market_streams()).all(|i| !health.is_stale(Stream::Market(i)))
}

fn log_summary(shared: &SideShared, redis: Option<SyncStatus>) {
    let c = shared.counters.snapshot();
    let s = shared.histograms.snapshot();
    let stale = (0..shared.health.market_streams())
        .filter(|&i| shared.health.is_stale(Stream::Market(i)))
        .count();
    let f2i = s.get(Stage::FrameToIntent);
    let parse = s.get(Stage::Parse);
    tracing::info!(
        connected = shared.health.is_connected(),
        stale_books = stale,
        frames = c.frames,
        bad_frames = c.bad_frames,
        conflated = c.conflated_books,
        reconnects = c.reconnects,
        lossless_full = c.lossless_ring_full,
        intents_sent = c.intents_sent,
        user_fills = c.user_fills,
        parse_p50_ns = parse.p50_ns,
        parse_p99_ns = parse.p99_ns,
        frame_to_intent_p50_ns = f2i.p50_ns,
        frame_to_intent_p99_ns = f2i.p99_ns,
        "Engine summary"
    );
    if let Some(g) = &shared.gateway {
        let headroom = g.address_headroom.load(Ordering::Relaxed);
        tracing::info!(
            pressure = ?BudgetPressure::from_u8(g.pressure.load(Ordering::Relaxed)),
            ip_weight_left = g.ip_tokens.load(Ordering::Relaxed),
            address_headroom = (headroom != u64::MAX).then_some(headroom),
            throttled = g.throttled.load(Ordering::Relaxed),
            dead_man = g.dead_man.load(Ordering::Relaxed),
            "Rate budget"
        );
    }
    if let Some(r) = redis {
        tracing::info!(
            config_source_stale = r.config_source_stale,
            connects = r.connects,
            connection_errors = r.connection_errors,
            configs_accepted = r.configs_accepted,
            configs_refused = r.configs_refused,
            position_updates_published = r.position_updates_published,
            position_updates_buffered = r.position_updates_buffered,
            position_updates_dropped = r.position_updates_dropped,
            scans = r.scans,
            scan_errors = r.scan_errors,
            "Redis summary"
        );
    }
}

/// Detects a busy loop whose heartbeat stopped moving (fault case 15).
#[derive(Debug)]
struct Watchdog {
    stall_after: Duration,
    last: [u64; 2],
    unchanged_for: [Duration; 2],
}

impl Watchdog {
    fn new(stall_after: Duration) -> Self {
        Self { stall_after, last: [0; 2], unchanged_for: [Duration::ZERO; 2] }
    }

    /// Returns whether any loop is stalled. While stopping, loops legitimately end, so no
    /// stall is reported.
    fn check(&mut self, beats: &Heartbeats, elapsed: Duration, stopping: bool) -> bool {
        let now = [beats.quote.load(Ordering::Relaxed), beats.exec.load(Ordering::Relaxed)];
        let mut stalled = false;
        for ((beat, last), unchanged) in
            now.iter().zip(self.last.iter_mut()).zip(self.unchanged_for.iter_mut())
        {
            if beat == last {
                *unchanged += elapsed;
            } else {
                *unchanged = Duration::ZERO;
                *last = *beat;
            }
            stalled |= *unchanged >= self.stall_after;
        }
        stalled && !stopping
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_whose_heartbeat_stops_is_reported_stalled() {
        let beats = Heartbeats::default();
        let mut w = Watchdog::new(Duration::from_millis(200));
        for _ in 0..3 {
            Heartbeats::beat(&beats.quote);
            Heartbeats::beat(&beats.exec);
            assert!(!w.check(&beats, Duration::from_millis(100), false));
        }
        Heartbeats::beat(&beats.exec);
        assert!(!w.check(&beats, Duration::from_millis(100), false));
        Heartbeats::beat(&beats.exec);
        assert!(w.check(&beats, Duration::from_millis(100), false), "quote stopped beating");
        assert!(!w.check(&beats, Duration::from_millis(100), true), "not while stopping");
    }
}
