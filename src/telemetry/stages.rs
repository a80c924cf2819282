//! Latency histograms for the stages of the hot path, from a WebSocket frame to an order intent.
//!
//! Each hot thread (feed, quote) owns one [`StageRecorder`] and calls
//! [`record`](StageRecorder::record) between the stamps it takes; that call never allocates, locks
//! or makes a syscall. When the thread is idle it calls [`publish`](StageRecorder::publish), which
//! only swaps its filled histograms for cleared ones through its own mailbox: constant time, no
//! allocation, and a `try_lock` that never waits. The heavy part, adding about 28 000 buckets
//! per stage into the process-wide totals and clearing them (a few hundred microseconds), runs on
//! the side thread inside [`SharedStageHistograms::snapshot`], never on a hot thread.
//!
//! All durations are nanoseconds from one monotonic clock shared by the threads, recorded to
//! 3 significant digits between 1 ns and 60 s; a value outside that range is clamped to it.

use std::sync::Arc;
use std::{fmt, mem};

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

/// One histogram per stage, indexed by `Stage::index`. About 1.3 MB.
type StageHistograms = [Histogram<u64>; Stage::COUNT];

fn new_histograms() -> Box<StageHistograms> {
    Box::new(std::array::from_fn(|_| {
        Histogram::new_with_bounds(LOWEST_NS, HIGHEST_NS, SIGNIFICANT_DIGITS)
            .expect("constant bounds: 1 <= low, 2 * low <= high, sigfig <= 5")
    }))
}

/// Where one recorder hands finished intervals to the side thread and gets cleared ones back.
/// Each lock is held only to move a `Box`.
#[derive(Debug)]
struct Mailbox {
    /// A published interval the side thread has not merged yet.
    full: Option<Box<StageHistograms>>,
    /// A cleared set, swapped in by the recorder's next publish.
    empty: Option<Box<StageHistograms>>,
}

/// Per-stage latencies recorded by one thread since its last successful publish.
///
/// Owned by the thread that records (feed or quote); not shared.
pub struct StageRecorder {
    /// The interval being recorded. Same bounds as every other set, so merging never resizes.
    interval: Box<StageHistograms>,
    /// This recorder's hand-over slot, also registered in the shared side.
    mailbox: Arc<Mutex<Mailbox>>,
}

impl StageRecorder {
    /// Creates a recorder that publishes into `shared`. Allocates its histograms and a cleared
    /// spare set now (about 2.6 MB), so neither recording nor publishing ever does. Call at
    /// startup, not on a hot path.
    pub fn new(shared: &SharedStageHistograms) -> Self {
        let mailbox = Arc::new(Mutex::new(Mailbox { full: None, empty: Some(new_histograms()) }));
        shared.mailboxes.lock().push(Arc::clone(&mailbox));
        Self { interval: new_histograms(), mailbox }
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

    /// Hands this interval to the side thread and starts a new one.
    ///
    /// Constant time (a `try_lock` and a pointer swap), no allocation; still, call it when idle,
    /// not between a frame and its intent. Returns `false` and keeps recording into the same
    /// interval, to hand it over next time, while the side thread has not yet merged the previous
    /// one (see [`SharedStageHistograms::snapshot`]) or holds the mailbox right now.
    pub fn publish(&mut self) -> bool {
        let Some(mut mailbox) = self.mailbox.try_lock() else {
            return false;
        };
        if mailbox.full.is_some() {
            return false;
        }
        let Some(mut fresh) = mailbox.empty.take() else {
            return false;
        };
        mem::swap(&mut self.interval, &mut fresh);
        mailbox.full = Some(fresh);
        true
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

/// Per-stage latencies since start, fed by every [`StageRecorder`] created on it. Shared by `Arc`;
/// read by the side thread.
pub struct SharedStageHistograms {
    /// Every recorder's mailbox. Locked when a recorder is created and by `snapshot`; never by a
    /// hot path.
    mailboxes: Mutex<Vec<Arc<Mutex<Mailbox>>>>,
    /// Totals since start. Only `snapshot` (the side thread) locks it.
    cumulative: Mutex<Box<StageHistograms>>,
}

impl SharedStageHistograms {
    /// Allocates the totals now (about 1.3 MB).
    pub fn new() -> Self {
        Self { mailboxes: Mutex::new(Vec::new()), cumulative: Mutex::new(new_histograms()) }
    }

    /// Merges every interval published since the last call, then returns count and percentiles
    /// per stage since start.
    ///
    /// Side thread only: it takes a few hundred microseconds per merged interval plus about
    /// 0.1 ms to compute. Call it periodically (every second or so), since a recorder can hand
    /// over its next interval only once its previous one has been merged here.
    pub fn snapshot(&self) -> StageSummary {
        let mut cumulative = self.cumulative.lock();
        for mailbox in self.mailboxes.lock().iter() {
            let Some(mut interval) = mailbox.lock().full.take() else {
                continue;
            };
            for (total, stage) in cumulative.iter_mut().zip(interval.iter_mut()) {
                total.add(&*stage).expect("same bounds as the totals, so every value fits");
                stage.reset();
            }
            mailbox.lock().empty = Some(interval);
        }
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

impl SharedStageHistograms {
    /// Samples at or below each bound (ns), per stage, since start: cumulative histogram
    /// buckets for `/metrics` and the dashboard. Reads the totals as of the last
    /// [`SharedStageHistograms::snapshot`]; side thread only.
    pub fn buckets(&self, bounds_ns: &[u64]) -> [Vec<u64>; Stage::COUNT] {
        let cumulative = self.cumulative.lock();
        std::array::from_fn(|i| {
            let h = &cumulative[i];
            bounds_ns.iter().map(|&b| h.count_between(0, b)).collect()
        })
    }
}

impl Default for SharedStageHistograms {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SharedStageHistograms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedStageHistograms")
            .field("recorders", &self.mailboxes.lock().len())
            .finish_non_exhaustive()
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
    /// The percentiles of one histogram of nanoseconds (empty: all zero).
    pub fn of(h: &Histogram<u64>) -> Self {
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
        let mut recorder = StageRecorder::new(&shared);
        for ns in 1..=1000 {
            recorder.record(Stage::Decide, ns);
        }
        assert!(recorder.publish());
        let summary = shared.snapshot();
        let decide = summary.decide;
        assert_eq!(decide.count, 1000);
        assert_eq!(decide.p50_ns, 500);
        assert_eq!(decide.p90_ns, 900);
        assert_eq!(decide.p99_ns, 990);
        assert_eq!(decide.p999_ns, 999);
        assert_eq!(decide.max_ns, 1000);
        assert_eq!(summary.parse, StageStats::default());
    }

    #[test]
    fn unpublished_durations_are_not_in_the_snapshot_yet() {
        let shared = SharedStageHistograms::new();
        let mut recorder = StageRecorder::new(&shared);
        recorder.record(Stage::Parse, 700);
        assert_eq!(shared.snapshot().parse.count, 0);
        assert_eq!(recorder.count(Stage::Parse), 1);
    }

    #[test]
    fn the_totals_accumulate_every_recorder_and_every_interval() {
        let shared = SharedStageHistograms::new();
        let (mut feed, mut quote) = (StageRecorder::new(&shared), StageRecorder::new(&shared));
        feed.record(Stage::Parse, 1_000);
        assert!(feed.publish());
        assert_eq!(feed.count(Stage::Parse), 0);
        shared.snapshot();
        feed.record(Stage::Parse, 1_900);
        quote.record(Stage::FrameToIntent, 9_000);
        assert!(feed.publish());
        assert!(quote.publish());
        let summary = shared.snapshot();
        assert_eq!(summary.get(Stage::Parse).count, 2);
        assert_eq!(summary.get(Stage::Parse).max_ns, 1_900);
        assert_eq!(summary.get(Stage::FrameToIntent).count, 1);
    }

    #[test]
    fn a_recorder_keeps_its_interval_until_the_side_thread_merged_the_previous_one() {
        let shared = SharedStageHistograms::new();
        let mut recorder = StageRecorder::new(&shared);
        recorder.record(Stage::RingWait, 150);
        assert!(recorder.publish());
        recorder.record(Stage::RingWait, 160);
        assert!(!recorder.publish());
        assert_eq!(recorder.count(Stage::RingWait), 1);
        assert_eq!(shared.snapshot().ring_wait.count, 1);
        assert!(recorder.publish());
        assert_eq!(shared.snapshot().ring_wait.count, 2);
    }

    #[test]
    fn a_busy_mailbox_makes_publish_return_at_once_without_losing_anything() {
        let shared = SharedStageHistograms::new();
        let mut recorder = StageRecorder::new(&shared);
        recorder.record(Stage::IntentPush, 80);
        let mailbox = Arc::clone(&recorder.mailbox);
        {
            let _held = mailbox.lock();
            assert!(!recorder.publish());
        }
        assert!(recorder.publish());
        assert_eq!(shared.snapshot().intent_push.count, 1);
    }

    #[test]
    fn durations_outside_1ns_to_60s_are_clamped_not_dropped() {
        let shared = SharedStageHistograms::new();
        let mut recorder = StageRecorder::new(&shared);
        recorder.record(Stage::IntentPush, 0);
        recorder.record(Stage::IntentPush, u64::MAX);
        assert!(recorder.publish());
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
