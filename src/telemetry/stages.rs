//! Latency histograms for the stages of the hot path, from a WebSocket frame to an order intent.
//!
//! Each hot thread (feed, quote) owns one [`StageRecorder`] and calls
//! [`record`](StageRecorder::record) between the stamps it takes; that call never allocates, locks
//! or makes a syscall. When the thread is idle (never between a frame and its intent) it calls
//! [`publish`](StageRecorder::publish), which adds its interval into the process-wide
//! [`SharedStageHistograms`] if it gets the lock at once, and otherwise keeps it for next time.
//! The side thread reads [`SharedStageHistograms::snapshot`] for logs and metrics.
//!
//! All durations are nanoseconds from one monotonic clock shared by the threads, recorded to
//! 3 significant digits between 1 ns and 60 s; a value outside that range is clamped to it.

use std::fmt;

use hdrhistogram::Histogram;
use parking_lot::Mutex;
use serde::Serialize;

/// Smallest duration recorded, in ns.
const LOWEST_NS: u64 = 1;
/// Largest duration recorded, in ns (60 s); longer ones are clamped to it.
const HIGHEST_NS: u64 = 60_000_000_000;
/// Significant decimal digits kept: values within 0.1 % of each other may share a bucket.
const SIGNIFICANT_DIGITS: u8 = 3;

/// A stage of the hot path. Every duration is in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Stage {
    /// Frame received (the socket read returned it) → parsed into a feed event. Feed thread.
    Parse,
    /// Parsed → pushed into the feed → quote ring. Feed thread.
    FeedToRing,
    /// Pushed into the feed → quote ring → popped by the quote thread. Recorded by the quote
    /// thread from the push stamp the event carries.
    RingWait,
    /// Popped → the core's decision is made (commands produced). Quote thread.
    Decide,
    /// Decided → the last intent of that decision is in the quote → exec ring. Quote thread.
    IntentPush,
    /// Frame received → intent in the quote → exec ring: the whole span, for frames that led to
    /// an intent. Recorded by the quote thread from the receive stamp the event carries.
    FrameToIntent,
}

impl Stage {
    /// Number of stages.
    pub const COUNT: usize = 6;

    /// Every stage, in hot-path order.
    pub const ALL: [Self; Self::COUNT] = [
        Self::Parse,
        Self::FeedToRing,
        Self::RingWait,
        Self::Decide,
        Self::IntentPush,
        Self::FrameToIntent,
    ];

    /// Name for logs and metrics keys.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Parse => "parse",
            Self::FeedToRing => "feed_to_ring",
            Self::RingWait => "ring_wait",
            Self::Decide => "decide",
            Self::IntentPush => "intent_push",
            Self::FrameToIntent => "frame_to_intent",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// One histogram per stage.
type StageHistograms = [Histogram<u64>; Stage::COUNT];

fn new_histograms() -> StageHistograms {
    std::array::from_fn(|_| {
        Histogram::new_with_bounds(LOWEST_NS, HIGHEST_NS, SIGNIFICANT_DIGITS)
            .expect("constant bounds: 1 <= low, 2 * low <= high, sigfig <= 5")
    })
}

/// Per-stage latencies recorded by one thread since its last successful publish.
///
/// Owned by the thread that records (feed or quote); not shared.
pub struct StageRecorder {
    /// Indexed by `Stage::index`; all with the same bounds as the shared ones, so adding them
    /// never resizes (never allocates).
    interval: StageHistograms,
}

impl StageRecorder {
    /// Allocates every histogram now (about 1.3 MB in all), so recording never does.
    pub fn new() -> Self {
        Self { interval: new_histograms() }
    }

    /// Records one duration of `stage`, in ns, clamped to 1 ns ..= 60 s.
    ///
    /// Never allocates, locks or makes a syscall: safe between a frame and its intent.
    #[inline]
    pub fn record(&mut self, stage: Stage, ns: u64) {
        self.interval[stage.index()].saturating_record(ns);
    }

    /// Durations of `stage` recorded since the last successful publish.
    pub fn count(&self, stage: Stage) -> u64 {
        self.interval[stage.index()].len()
    }

    /// Adds this interval into `shared` and starts a new one, if `shared` can be locked at once.
    ///
    /// Returns `false` (and keeps the interval, to publish next time) when the side thread holds
    /// the lock. Takes tens of microseconds: call it when idle, never between a frame and its
    /// intent. Does not allocate.
    pub fn publish(&mut self, shared: &SharedStageHistograms) -> bool {
        let Some(mut cumulative) = shared.cumulative.try_lock() else {
            return false;
        };
        for (total, interval) in cumulative.iter_mut().zip(&mut self.interval) {
            total.add(&*interval).expect("same bounds as the interval, so every value fits");
            interval.reset();
        }
        true
    }
}

impl Default for StageRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for StageRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for stage in Stage::ALL {
            map.entry(&stage.name(), &self.count(stage));
        }
        map.finish()
    }
}

/// Per-stage latencies since start, added to by every recorder's `publish`. Shared by `Arc`;
/// read by the side thread.
pub struct SharedStageHistograms {
    /// Indexed by `Stage::index`. Recorders only `try_lock` it, so holding it never stalls them.
    cumulative: Mutex<StageHistograms>,
}

impl SharedStageHistograms {
    /// Allocates every histogram now (about 1.3 MB in all).
    pub fn new() -> Self {
        Self { cumulative: Mutex::new(new_histograms()) }
    }

    /// Count and percentiles per stage since start. Side thread only: it holds the lock while
    /// it computes (about a millisecond), during which recorders keep their intervals.
    pub fn snapshot(&self) -> StageSummary {
        let cumulative = self.cumulative.lock();
        let stats = |stage: Stage| StageStats::of(&cumulative[stage.index()]);
        StageSummary {
            parse: stats(Stage::Parse),
            feed_to_ring: stats(Stage::FeedToRing),
            ring_wait: stats(Stage::RingWait),
            decide: stats(Stage::Decide),
            intent_push: stats(Stage::IntentPush),
            frame_to_intent: stats(Stage::FrameToIntent),
        }
    }
}

impl Default for SharedStageHistograms {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SharedStageHistograms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedStageHistograms").finish_non_exhaustive()
    }
}

/// Latency of one stage. All values in ns, to 3 significant digits (each is the top of its
/// bucket, so it may read up to 0.1 % high); all zero when nothing was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct StageStats {
    /// Durations recorded.
    pub count: u64,
    /// Median, in ns.
    pub p50_ns: u64,
    /// 90th percentile, in ns.
    pub p90_ns: u64,
    /// 99th percentile, in ns.
    pub p99_ns: u64,
    /// 99.9th percentile, in ns.
    pub p999_ns: u64,
    /// Largest duration recorded, in ns (clamped to 60 s).
    pub max_ns: u64,
}

impl StageStats {
    fn of(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return Self::default();
        }
        Self {
            count: h.len(),
            p50_ns: h.value_at_quantile(0.5),
            p90_ns: h.value_at_quantile(0.9),
            p99_ns: h.value_at_quantile(0.99),
            p999_ns: h.value_at_quantile(0.999),
            max_ns: h.max(),
        }
    }
}

/// Latency of every stage since start: plain data for logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct StageSummary {
    /// [`Stage::Parse`].
    pub parse: StageStats,
    /// [`Stage::FeedToRing`].
    pub feed_to_ring: StageStats,
    /// [`Stage::RingWait`].
    pub ring_wait: StageStats,
    /// [`Stage::Decide`].
    pub decide: StageStats,
    /// [`Stage::IntentPush`].
    pub intent_push: StageStats,
    /// [`Stage::FrameToIntent`].
    pub frame_to_intent: StageStats,
}

impl StageSummary {
    /// The stats of `stage`.
    pub const fn get(&self, stage: Stage) -> &StageStats {
        match stage {
            Stage::Parse => &self.parse,
            Stage::FeedToRing => &self.feed_to_ring,
            Stage::RingWait => &self.ring_wait,
            Stage::Decide => &self.decide,
            Stage::IntentPush => &self.intent_push,
            Stage::FrameToIntent => &self.frame_to_intent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_interval_shows_in_the_snapshot_with_its_percentiles() {
        let shared = SharedStageHistograms::new();
        let mut recorder = StageRecorder::new();
        for ns in 1..=1000 {
            recorder.record(Stage::Decide, ns);
        }
        assert!(recorder.publish(&shared));
        let decide = shared.snapshot().decide;
        assert_eq!(decide.count, 1000);
        assert_eq!(decide.p50_ns, 500);
        assert_eq!(decide.p90_ns, 900);
        assert_eq!(decide.p99_ns, 990);
        assert_eq!(decide.p999_ns, 999);
        assert_eq!(decide.max_ns, 1000);
        assert_eq!(shared.snapshot().parse, StageStats::default());
    }

    #[test]
    fn publishing_starts_a_new_interval_and_the_shared_side_accumulates() {
        let shared = SharedStageHistograms::new();
        let (mut feed, mut quote) = (StageRecorder::new(), StageRecorder::new());
        feed.record(Stage::Parse, 1_000);
        assert!(feed.publish(&shared));
        assert_eq!(feed.count(Stage::Parse), 0);
        feed.record(Stage::Parse, 1_900);
        quote.record(Stage::FrameToIntent, 9_000);
        assert!(feed.publish(&shared));
        assert!(quote.publish(&shared));
        let summary = shared.snapshot();
        assert_eq!(summary.get(Stage::Parse).count, 2);
        assert_eq!(summary.get(Stage::Parse).max_ns, 1_900);
        assert_eq!(summary.get(Stage::FrameToIntent).count, 1);
    }

    #[test]
    fn a_busy_shared_side_keeps_the_interval_for_the_next_publish() {
        let shared = SharedStageHistograms::new();
        let mut recorder = StageRecorder::new();
        recorder.record(Stage::RingWait, 150);
        {
            let _held = shared.cumulative.lock();
            assert!(!recorder.publish(&shared));
        }
        assert_eq!(recorder.count(Stage::RingWait), 1);
        assert!(recorder.publish(&shared));
        assert_eq!(shared.snapshot().ring_wait.count, 1);
    }

    #[test]
    fn durations_outside_1ns_to_60s_are_clamped_not_dropped() {
        let shared = SharedStageHistograms::new();
        let mut recorder = StageRecorder::new();
        recorder.record(Stage::IntentPush, 0);
        recorder.record(Stage::IntentPush, u64::MAX);
        assert!(recorder.publish(&shared));
        let stats = shared.snapshot().intent_push;
        assert_eq!(stats.count, 2);
        assert!(stats.max_ns >= HIGHEST_NS && stats.max_ns <= HIGHEST_NS / 1000 * 1001);
    }

    #[test]
    fn summary_serializes_with_stage_names() {
        let json = serde_json::to_value(StageSummary::default()).expect("plain data serializes");
        for stage in Stage::ALL {
            assert_eq!(json[stage.name()]["count"], 0, "{}", stage.name());
        }
    }
}
