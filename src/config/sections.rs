//! `[threads]`, `[feed]` and `[telemetry]`: how the engine runs, independent of what it quotes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How a pinned thread waits for work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpinPolicy {
    /// Poll without pause: the lowest wake-up latency, one full core per pinned thread.
    #[default]
    Busy,
    /// Spin briefly, then `yield_now`: for hosts with fewer free cores than pinned threads. The
    /// engine falls back to this on its own when it cannot give each pinned thread a core.
    SpinThenYield,
}

impl SpinPolicy {
    /// The names accepted in the file and in `HLMM_SPIN`.
    pub const NAMES: [&'static str; 2] = ["busy", "spin_then_yield"];

    /// The name used in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Busy => "busy",
            Self::SpinThenYield => "spin_then_yield",
        }
    }
}

impl fmt::Display for SpinPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SpinPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Busy, Self::SpinThenYield]
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("expected one of {}", Self::NAMES.join(", ")))
    }
}

/// `[threads]`: core pinning and priorities. Core ids are the operating system's CPU numbers
/// (`lscpu`); leave a field out to let the scheduler place that thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThreadsConfig {
    /// CPU the feed thread (WebSocket reads, parsing) is pinned to. Default: not pinned.
    pub feed_core: Option<usize>,
    /// CPU the quote thread (the busy-polling decision loop) is pinned to. Default: not pinned.
    /// Give it an isolated core (`isolcpus`/`nohz_full`) when latency matters.
    pub quote_core: Option<usize>,
    /// CPU the exec thread (signing, order I/O) is pinned to. Default: not pinned.
    pub exec_core: Option<usize>,
    /// OS nice value of the side thread (Redis, scanner, API), -20..=19. Default 19, the lowest
    /// priority: it must never take time from the trading threads.
    pub side_nice: i8,
    /// How pinned threads wait for work: `busy` (default) or `spin_then_yield`.
    pub spin: SpinPolicy,
}

impl Default for ThreadsConfig {
    fn default() -> Self {
        Self {
            feed_core: None,
            quote_core: None,
            exec_core: None,
            side_nice: 19,
            spin: SpinPolicy::Busy,
        }
    }
}

impl ThreadsConfig {
    /// The pinned threads as `(field name, core id)`, in a fixed order.
    pub fn pinned(&self) -> impl Iterator<Item = (&'static str, usize)> {
        [
            ("feed_core", self.feed_core),
            ("quote_core", self.quote_core),
            ("exec_core", self.exec_core),
        ]
        .into_iter()
        .filter_map(|(name, core)| core.map(|core| (name, core)))
    }
}

/// `[feed.stale_after_ms]`: how long a stream may stay silent before the engine treats it as stale
/// and pulls the quotes that depend on it, in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StaleAfterMs {
    /// Per-coin `l2Book`: no update for this long pulls that coin's quotes. Default 3 000: the
    /// venue publishes a book on every change and liquid books change every block.
    pub books: u64,
    /// The user stream (fills, order updates). It can be quiet for minutes, so it is judged by
    /// any frame including pongs; must exceed `ping_interval_ms`. Default 45 000.
    pub user: u64,
}

impl Default for StaleAfterMs {
    fn default() -> Self {
        Self { books: 3_000, user: 45_000 }
    }
}

/// `[feed]`: the WebSocket feed handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedConfig {
    /// Interval between `{"method":"ping"}` frames, in ms. Default 20 000. The venue closes a
    /// socket it has heard nothing from for 60 s, so this stays at or below 50 000.
    pub ping_interval_ms: u64,
    /// Silence, per stream kind, after which a stream is stale.
    pub stale_after_ms: StaleAfterMs,
    /// First reconnect delay after a dropped socket, in ms; doubles up to `reconnect_max_ms`.
    /// Default 250. At least 50: the venue allows 30 new connections per minute per IP.
    pub reconnect_min_ms: u64,
    /// Ceiling of the reconnect backoff, in ms. Default 5 000, at most 300 000.
    pub reconnect_max_ms: u64,
    /// Slots in the market-data ring (feed → quote, conflating). A power of two. Default 1 024.
    pub md_ring_capacity: usize,
    /// Slots in the user-stream ring (feed → quote, lossless: a full ring halts quoting). A power
    /// of two. Default 4 096.
    pub user_ring_capacity: usize,
    /// Book levels kept per side, 1..=20 (the venue sends at most 20). Default 20.
    pub book_depth: usize,
}

impl Default for FeedConfig {
    fn default() -> Self {
        Self {
            ping_interval_ms: 20_000,
            stale_after_ms: StaleAfterMs::default(),
            reconnect_min_ms: 250,
            reconnect_max_ms: 5_000,
            md_ring_capacity: 1_024,
            user_ring_capacity: 4_096,
            book_depth: 20,
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable, one line per event: for a terminal.
    #[default]
    Pretty,
    /// One JSON object per line: for production log collection.
    Json,
}

impl LogFormat {
    /// The names accepted in the file, `HLMM_LOG_FORMAT` and `--log-format`.
    pub const NAMES: [&'static str; 2] = ["pretty", "json"];

    /// The name used in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pretty => "pretty",
            Self::Json => "json",
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Pretty, Self::Json]
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("expected one of {}", Self::NAMES.join(", ")))
    }
}

/// `[telemetry]`: logs and the periodic summary. Log levels come from `RUST_LOG` (default `info`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// `pretty` (default) or `json`.
    pub log_format: LogFormat,
    /// Interval of the summary log line (positions, PnL, latency percentiles, counters), in ms.
    /// 1 000..=3 600 000. Default 10 000.
    pub summary_interval_ms: u64,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self { log_format: LogFormat::Pretty, summary_interval_ms: 10_000 }
    }
}
