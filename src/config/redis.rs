//! `[redis]`: the optional Redis side channel (config hot reload, position updates, metrics) and
//! the symbol scanner. Read by `main` and handed to the side thread; never seen by the quote
//! thread. Without a `url` (and without `--redis` / `REDIS_URL`), Redis is off and the engine
//! runs on its file config alone.

use serde::{Deserialize, Serialize};

/// `[redis]` settings. Every field is optional in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisConfig {
    /// `redis://host:port[/db]`; unset = Redis off. `--redis URL` or `REDIS_URL` set it too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// How often the symbol scanner reads `metaAndAssetCtxs`, ms. 1 000..=3 600 000. Default
    /// 60 000.
    pub scan_interval_ms: u64,
    /// How many perps the scanner selects, by 24 h notional volume. 1..=100. Default 10.
    pub top_n: usize,
    /// Perps with less open interest than this (USD at the mark) are never selected. >= 0.
    /// Default 1 000 000.
    pub min_open_interest_usd: f64,
    /// Hysteresis of the selection, in ranks: a selected coin leaves only when it falls below
    /// rank `top_n + scanner_hysteresis`; a new one enters only within the top `top_n`.
    /// 0..=100. Default 2.
    pub scanner_hysteresis: usize,
    /// When `true`, a quoted coin the scanner does not select goes hedge-only (it unwinds its
    /// position and stops opening new ones) until it is selected again. Default `false`: the
    /// scanner only reports.
    pub follow_scanner: bool,
    /// Interval of position updates when nothing fills, ms (fills publish at once).
    /// 100..=60 000. Default 1 000.
    pub position_interval_ms: u64,
    /// Interval of the `mm_metrics` key, ms. 100..=60 000. Default 1 000.
    pub metrics_interval_ms: u64,
    /// Position updates kept while Redis is unreachable; beyond it the oldest are dropped and
    /// counted. 1..=1 000 000. Default 10 000.
    pub buffer_capacity: usize,
    /// Approximate length cap of the `mm_position_updates` stream (`XADD MAXLEN ~`).
    /// 1..=10 000 000. Default 100 000.
    pub stream_maxlen: u64,
    /// Reconnect backoff bounds, ms. 10 <= min <= max <= 60 000. Defaults 250 and 5 000.
    pub reconnect_min_ms: u64,
    /// See `reconnect_min_ms`.
    pub reconnect_max_ms: u64,
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            url: None,
            scan_interval_ms: 60_000,
            top_n: 10,
            min_open_interest_usd: 1_000_000.0,
            scanner_hysteresis: 2,
            follow_scanner: false,
            position_interval_ms: 1_000,
            metrics_interval_ms: 1_000,
            buffer_capacity: 10_000,
            stream_maxlen: 100_000,
            reconnect_min_ms: 250,
            reconnect_max_ms: 5_000,
        }
    }
}

impl RedisConfig {
    /// Whether Redis is on.
    pub fn enabled(&self) -> bool {
        self.url.is_some()
    }
}
