//! Telemetry: per-stage latency histograms and health counters.
//!
//! - [`stages`]: hdrhistogram latencies of the hot path (frame → parse → ring → decision →
//!   intent), recorded per thread without allocation and published to the side thread when idle.
//! - [`counters`]: relaxed atomic counters (frames, bad frames, conflations, halts, ...) shared by
//!   every thread.
//!
//! Recording is safe on the pinned quote thread: it never allocates, locks, logs or makes a
//! syscall. Reading, formatting and shipping (logs, Redis) belong to the side thread.

pub mod counters;
pub mod stages;

pub use counters::{ChannelCounts, Counter, Counters, CountersSnapshot};
pub use stages::{SharedStageHistograms, Stage, StageRecorder, StageStats, StageSummary};
