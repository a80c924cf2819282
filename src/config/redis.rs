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

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn redis_is_off_by_default_and_the_defaults_are_valid() {
        let config = Config::default();
        assert!(!config.redis.enabled());
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn each_bad_redis_setting_is_reported_by_name() {
        let cases = [
            ("url = \"http://localhost:6379\"", "redis.url"),
            ("url = \"redis://user:pw@localhost:6379\"", "redis.url"),
            ("scan_interval_ms = 10", "redis.scan_interval_ms"),
            ("top_n = 0", "redis.top_n"),
            ("min_open_interest_usd = -1.0", "redis.min_open_interest_usd"),
            ("position_interval_ms = 5", "redis.position_interval_ms"),
            ("metrics_interval_ms = 0", "redis.metrics_interval_ms"),
            ("buffer_capacity = 0", "redis.buffer_capacity"),
            ("stream_maxlen = 0", "redis.stream_maxlen"),
            ("reconnect_min_ms = 5", "redis.reconnect_min_ms"),
            ("reconnect_min_ms = 500\nreconnect_max_ms = 100", "redis.reconnect_max_ms"),
        ];
        for (line, field) in cases {
            let toml = format!("[redis]\n{line}\n[symbols.BTC]\n");
            let config = Config::parse_toml(&toml).expect("schema-valid");
            let errors = config.validate().expect_err(line);
            assert!(errors.iter().any(|e| e.field == field), "{line}: {errors:?}");
        }
    }

    #[test]
    fn a_plain_redis_url_is_accepted_and_unknown_fields_are_not() {
        let ok = "[redis]\nurl = \"redis://127.0.0.1:6379/0\"\ntop_n = 5\n[symbols.BTC]\n";
        let config = Config::from_toml_str(ok).expect("valid");
        assert!(config.redis.enabled());
        assert!(Config::parse_toml("[redis]\nurll = \"x\"\n[symbols.BTC]\n").is_err());
    }
}
