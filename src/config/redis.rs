//! `[redis]`: the optional Redis side channel (config hot reload, position updates, metrics) and
//! the symbol scanner. Read by `main` and handed to the side thread; never seen by the quote
//! thread. Without a `url` (and without `--redis` / `REDIS_URL`), Redis is off and the engine
//! runs on its file config alone.
//!
//! Authentication: a password (and an ACL user) in the URL (`redis://user:secret@host`, the
//! `REDIS_URL` convention), or `username` and `password_file` here, or `HLMM_REDIS_PASSWORD`.
//! The password is never printed: everything that shows the URL shows
//! [`RedisConfig::redacted_url`].

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Env var holding the Redis password (when neither the URL nor `password_file` has one).
pub const PASSWORD_VAR: &str = "HLMM_REDIS_PASSWORD";

/// `[redis]` settings. Every field is optional in the file. `Debug` shows the URL redacted.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisConfig {
    /// `redis://[user[:password]@]host:port[/db]`; unset = Redis off. `--redis URL` or
    /// `REDIS_URL` set it too. Printed only redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// ACL user (Redis 6+), when not in the URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// File holding the password (its first line), when not in the URL; env
    /// `HLMM_REDIS_PASSWORD_FILE`. Else `HLMM_REDIS_PASSWORD` is read at start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
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
            username: None,
            password_file: None,
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

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &self.url.as_ref().map(|_| self.redacted_url()))
            .field("username", &self.username)
            .field("password_file", &self.password_file)
            .field("scan_interval_ms", &self.scan_interval_ms)
            .field("top_n", &self.top_n)
            .field("min_open_interest_usd", &self.min_open_interest_usd)
            .field("scanner_hysteresis", &self.scanner_hysteresis)
            .field("follow_scanner", &self.follow_scanner)
            .field("position_interval_ms", &self.position_interval_ms)
            .field("metrics_interval_ms", &self.metrics_interval_ms)
            .field("buffer_capacity", &self.buffer_capacity)
            .field("stream_maxlen", &self.stream_maxlen)
            .field("reconnect_min_ms", &self.reconnect_min_ms)
            .field("reconnect_max_ms", &self.reconnect_max_ms)
            .finish()
    }
}

impl RedisConfig {
    /// Whether Redis is on.
    pub fn enabled(&self) -> bool {
        self.url.is_some()
    }

    /// The URL with any password replaced by `***` (`off` when unset): what logs and errors
    /// show.
    pub fn redacted_url(&self) -> String {
        self.url.as_deref().map_or_else(|| "off".to_owned(), redact_url)
    }
}

/// `url` with the password of its user info (if any) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match split_user_info(url) {
        (Some(info), rest) => {
            let scheme_end = url.find("://").map_or(0, |i| i + 3);
            let shown = match info.split_once(':') {
                Some((user, _)) => format!("{user}:***"),
                None => info.to_owned(),
            };
            format!("{}{shown}@{}", &url[..scheme_end], &rest[scheme_end..])
        }
        (None, _) => url.to_owned(),
    }
}

/// Splits `scheme://user:pass@rest` into the user info and the URL without it.
pub(super) fn split_user_info(url: &str) -> (Option<&str>, String) {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else { return (None, url.to_owned()) };
    let after = &url[scheme_end..];
    let authority_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    match after[..authority_end].rfind('@') {
        Some(at) => {
            let info = &after[..at];
            (Some(info), format!("{}{}", &url[..scheme_end], &after[at + 1..]))
        }
        None => (None, url.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_the_url_is_redacted_and_the_rest_kept() {
        let cases = [
            ("redis://:s3cret@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
            ("redis://hlmm:s3cret@host:6379", "redis://hlmm:***@host:6379"),
            ("redis://hlmm@host:6379", "redis://hlmm@host:6379"),
            ("redis://host:6379/2", "redis://host:6379/2"),
            ("redis://u:p@ss:w@rd@host", "redis://u:***@host"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact_url(url), shown, "{url}");
            assert!(!redact_url(url).contains("s3cret"));
        }
    }

    #[test]
    fn the_user_info_splits_off_the_url() {
        assert_eq!(split_user_info("redis://u:p@h:1/0"), (Some("u:p"), "redis://h:1/0".to_owned()));
        assert_eq!(split_user_info("redis://h:1/0"), (None, "redis://h:1/0".to_owned()));
    }
}
