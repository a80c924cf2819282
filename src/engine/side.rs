//! The side thread: lowest OS priority; the startup gate, the stall watchdog, summaries, and,
//! when Redis is configured, the Redis sync and symbol scanner ([`crate::sync::RedisSync`]).
//!
//! Everything here is off the trading path. It reads counters, health flags, published
//! histograms and the quote thread's snapshot ring; it writes only the control ring. It never
//! blocks the quote or exec thread: every Redis call has a short timeout, and the scanner's
//! HTTP calls run on their own thread. If it stops, quoting goes on with the last good config.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::health::{FeedHealth, Stream};
use super::pin::lower_current_thread_priority;
use super::report::{CoinSummary, Summary};
use super::shutdown::{Phase, Shutdown};
use crate::core::CoreEvent;
use crate::ring::{ConflatingRx, LosslessTx};
use crate::sync::{AssetSnapshot, PositionBook, RedisSync, SyncSettings, SyncShared, SyncStatus};
use crate::telemetry::{Counters, SharedStageHistograms, Stage};

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
    pub instruments: Vec<crate::types::InstrumentSpec>,
    /// Print the per-coin table to stdout with each summary (`hlmm run` at a terminal).
    pub print_table: bool,
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
    pub stalled: Arc<std::sync::atomic::AtomicBool>,
    /// Set once the core agreed with the venue (startup or a later reconciliation): the
    /// startup gate waits for it.
    pub reconciled: Arc<std::sync::atomic::AtomicBool>,
    /// The order gateway's gauges (rate budget, dead-man's switch); `None` without one.
    pub gateway: Option<Arc<crate::venue::exec::GatewayStats>>,
    /// Shutdown state.
    pub shutdown: Shutdown,
}

/// How often the side loop wakes without Redis.
const TICK: Duration = Duration::from_millis(50);
/// How often it wakes with Redis: acks and fill-driven position updates wait at most this.
const REDIS_TICK: Duration = Duration::from_millis(10);
/// How often the side thread merges the stage histograms the busy threads handed over.
const HISTOGRAM_MERGE_INTERVAL: Duration = Duration::from_millis(50);

/// The side thread's ring ends and optional Redis sync.
#[derive(Debug)]
pub struct SideIo {
    /// Control into the quote thread (startup gate, config updates).
    pub control: LosslessTx<CoreEvent>,
    /// Snapshots from the quote thread.
    pub snapshots: ConflatingRx<AssetSnapshot>,
    /// Redis sync settings; `None` = Redis off.
    pub sync: Option<SyncSettings>,
}

/// Runs the side thread until the shutdown reaches [`Phase::Done`].
///
/// It owns the control ring into the quote thread. Its first duty there is the startup gate:
/// the core starts halted, and the side thread sends [`CoreEvent::Resume`] once the feed is
/// connected, every quoted coin's book is fresh and the core agrees with the venue
/// (fail closed: never quote on no data or on an unreconciled account).
pub fn run(settings: SideSettings, shared: SideShared, io: SideIo) {
    let SideIo { mut control, mut snapshots, sync } = io;
    match lower_current_thread_priority(settings.nice) {
        Ok(()) => tracing::info!(nice = settings.nice, "Side thread priority lowered"),
        Err(e) => {
            tracing::warn!(nice = settings.nice, error = %e, "Side thread priority unchanged")
        }
    }
    let started = Instant::now();
    let mut book = PositionBook::new(settings.instruments.clone());
    let mut redis = sync.map(|settings| {
        let sync_shared = SyncShared {
            counters: Arc::clone(&shared.counters),
            histograms: Arc::clone(&shared.histograms),
            shutdown: shared.shutdown.clone(),
        };
        RedisSync::start(settings, sync_shared)
    });
    let tick = if redis.is_some() { REDIS_TICK } else { TICK };
    let mut watchdog = Watchdog::new(settings.stall_after);
    let mut since_summary = Duration::ZERO;
    let mut since_merge = Duration::ZERO;
    let mut resumed = false;
    let mut last = Instant::now();
    loop {
        std::thread::sleep(tick);
        let elapsed = last.elapsed();
        last = Instant::now();
        since_summary += elapsed;
        while let Some(snapshot) = snapshots.pop() {
            book.update(snapshot);
            if let Some(r) = redis.as_mut() {
                r.on_snapshot(snapshot);
            }
        }
        if let Some(r) = redis.as_mut() {
            r.tick(super::clock::wall_now(), &mut control);
        }
        if !resumed
            && all_books_fresh(&shared.health)
            && shared.reconciled.load(Ordering::Relaxed)
            && !shared.shutdown.is_requested()
        {
            resumed = control.push(CoreEvent::Resume).is_ok();
            if resumed {
                tracing::info!(
                    "Reconciled with the venue and every book is fresh: quoting enabled"
                );
            }
        }
        let stalled = watchdog.check(&shared.heartbeats, elapsed, shared.shutdown.is_requested());
        shared.stalled.store(stalled, Ordering::Relaxed);
        // Merges the intervals the feed and quote recorders handed over. A recorder can hand
        // over its next interval only after this, so it runs every 50 ms (a fraction of a ms on
        // the lowest-priority thread), not only for summaries.
        since_merge += elapsed;
        if since_merge >= HISTOGRAM_MERGE_INTERVAL {
            since_merge = Duration::ZERO;
            let _ = shared.histograms.snapshot();
        }
        let status = redis.as_ref().map(RedisSync::status);
        if since_summary >= settings.summary_interval {
            since_summary = Duration::ZERO;
            log_summary(&shared, status);
            if settings.print_table {
                print!("{}", summary(&book, &shared, started).render());
            }
        }
        if shared.shutdown.reached(Phase::Done) {
            if let Some(mut r) = redis.take() {
                // The quote thread's last snapshots (after its final cancel) and a last update.
                while let Some(snapshot) = snapshots.pop() {
                    book.update(snapshot);
                    r.on_snapshot(snapshot);
                }
                r.tick(super::clock::wall_now(), &mut control);
                let status = r.status();
                r.stop();
                log_summary(&shared, Some(status));
            } else {
                log_summary(&shared, None);
            }
            return;
        }
    }
}

/// The per-coin summary from the latest snapshots.
fn summary(book: &PositionBook, shared: &SideShared, started: Instant) -> Summary {
    let coins = book
        .iter()
        .enumerate()
        .map(|(i, (spec, snap))| match snap {
            Some(s) => CoinSummary::from_snapshot(spec, s),
            None => CoinSummary::from_snapshot(spec, &super::report::startup_snapshot(i, spec)),
        })
        .collect();
    Summary::new(
        started.elapsed().as_secs_f64(),
        coins,
        &shared.histograms.snapshot(),
        shared.counters.snapshot(),
    )
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
            pressure = ?crate::core::orders::BudgetPressure::from_u8(g.pressure.load(Ordering::Relaxed)),
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
