//! The side thread: lowest OS priority; logs, summaries, the stall watchdog (later: Redis sync,
//! the symbol scanner, the operator API).
//!
//! Everything here is off the trading path. It reads counters, health flags and published
//! histograms (atomics and a `try_lock`ed snapshot); it never blocks the quote or exec thread.
//! If it stops, quoting goes on.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::health::{FeedHealth, Stream};
use super::pin::lower_current_thread_priority;
use super::shutdown::{Phase, Shutdown};
use crate::core::CoreEvent;
use crate::ring::LosslessTx;
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
    /// Shutdown state.
    pub shutdown: Shutdown,
}

/// How often the side loop wakes.
const TICK: Duration = Duration::from_millis(50);

/// Runs the side thread until the shutdown reaches [`Phase::Done`].
///
/// It owns the control ring into the quote thread. Its first duty there is the startup gate:
/// the core starts halted, and the side thread sends [`CoreEvent::Resume`] once the feed is
/// connected and every quoted coin's book is fresh (fail closed: never quote on no data).
pub fn run(settings: SideSettings, shared: SideShared, mut control: LosslessTx<CoreEvent>) {
    match lower_current_thread_priority(settings.nice) {
        Ok(()) => tracing::info!(nice = settings.nice, "Side thread priority lowered"),
        Err(e) => {
            tracing::warn!(nice = settings.nice, error = %e, "Side thread priority unchanged")
        }
    }
    let mut watchdog = Watchdog::new(settings.stall_after);
    let mut since_summary = Duration::ZERO;
    let mut resumed = false;
    loop {
        std::thread::sleep(TICK);
        since_summary += TICK;
        if !resumed && all_books_fresh(&shared.health) && !shared.shutdown.is_requested() {
            resumed = control.push(CoreEvent::Resume).is_ok();
            if resumed {
                tracing::info!("Every book is fresh: quoting enabled");
            }
        }
        let stalled = watchdog.check(&shared.heartbeats, TICK, shared.shutdown.is_requested());
        shared.stalled.store(stalled, Ordering::Relaxed);
        // Merges the intervals the feed and quote recorders handed over. A recorder can hand
        // over its next interval only after this, so it runs every tick (tens of µs here, on the
        // lowest-priority thread), not only for summaries.
        let _ = shared.histograms.snapshot();
        if since_summary >= settings.summary_interval {
            since_summary = Duration::ZERO;
            log_summary(&shared);
        }
        if shared.shutdown.reached(Phase::Done) {
            log_summary(&shared);
            return;
        }
    }
}

/// Whether the feed is connected and no quoted coin's book stream is stale.
fn all_books_fresh(health: &FeedHealth) -> bool {
    health.is_connected()
        && health.market_streams() > 0
        && (0..health.market_streams()).all(|i| !health.is_stale(Stream::Market(i)))
}

fn log_summary(shared: &SideShared) {
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
