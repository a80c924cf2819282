//! What the sync writes to Redis besides acks: position updates (through the outbox, to the
//! `mm_position_updates` stream and channel) and the `mm_metrics` document.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{unix_s, RedisSync, SyncStatus, FLUSH_PER_TICK};
use crate::runtime::Clock;
use crate::sync::desk::ConfigDesk;
use crate::sync::schema::{METRICS_KEY, POSITION_UPDATES};
use crate::telemetry::{CountersSnapshot, StageSummary};
use crate::types::Nanos;

impl RedisSync {
    /// Queues a position update after a fill, or every `position_interval_ms`.
    pub(super) fn position_updates(&mut self, now: Nanos, desk: &ConfigDesk) {
        let fill = self.book.fills() > self.published_fills;
        let due =
            now.saturating_since(self.last_position) >= self.redis.position_interval_ms * 1_000_000;
        if !fill && !due {
            return;
        }
        self.published_fills = self.book.fills();
        self.last_position = now;
        self.seq += 1;
        let update = self.book.position_update(
            self.seq,
            now,
            if fill { "fill" } else { "interval" },
            |coin| desk.applied_version(coin),
        );
        if let Ok(text) = serde_json::to_string(&update) {
            self.outbox.push(text);
        }
    }

    /// Sends what the outbox holds, oldest first, until Redis fails or the tick's share is done.
    pub(super) fn flush_outbox(&mut self) {
        let now = self.shared.clock.now();
        for _ in 0..FLUSH_PER_TICK {
            let Some(entry) = self.outbox.front().map(str::to_owned) else { return };
            let maxlen = self.redis.stream_maxlen;
            let sent = self.with_conn(now, |c| {
                redis::pipe()
                    .cmd("XADD")
                    .arg(POSITION_UPDATES)
                    .arg("MAXLEN")
                    .arg("~")
                    .arg(maxlen)
                    .arg("*")
                    .arg("data")
                    .arg(&entry)
                    .ignore()
                    .cmd("PUBLISH")
                    .arg(POSITION_UPDATES)
                    .arg(&entry)
                    .ignore()
                    .query::<()>(c)
            });
            if sent.is_none() {
                return;
            }
            self.outbox.pop_front();
            self.status.position_updates_published += 1;
        }
    }

    /// Writes the `mm_metrics` document.
    pub(super) fn write_metrics(&mut self, now: Nanos, desk: &ConfigDesk) {
        if self.conn.is_none() {
            return;
        }
        let risk: BTreeMap<String, RiskEntry> = self
            .book
            .iter()
            .map(|(spec, snap)| {
                let coin = spec.coin.as_str();
                (
                    coin.to_owned(),
                    RiskEntry {
                        state: snap
                            .map_or_else(|| "Unknown".to_owned(), |s| format!("{:?}", s.state)),
                        reason: snap
                            .map_or_else(|| "Unknown".to_owned(), |s| format!("{:?}", s.reason)),
                        config_version: desk.version(coin),
                        applied_config_version: desk.applied_version(coin),
                        scanner_selected: !desk.scanner_out(coin),
                    },
                )
            })
            .collect();
        let metrics = Metrics {
            timestamp: unix_s(now),
            timestamp_ms: now.0 / 1_000_000,
            stages: self.shared.histograms.snapshot(),
            counters: self.shared.counters.snapshot(),
            risk,
            redis: self.status(desk),
            scanner_selection: self.scanner.selected().to_vec(),
            scanner_needs_restart: self.needs_restart.clone(),
        };
        self.set_json(now, METRICS_KEY, &metrics);
    }
}

/// One coin in `mm_metrics.risk`.
#[derive(Debug, Serialize)]
struct RiskEntry {
    state: String,
    reason: String,
    config_version: u64,
    applied_config_version: u64,
    scanner_selected: bool,
}

/// The `mm_metrics` document.
#[derive(Debug, Serialize)]
struct Metrics {
    timestamp: u64,
    timestamp_ms: u64,
    stages: StageSummary,
    counters: CountersSnapshot,
    risk: BTreeMap<String, RiskEntry>,
    redis: SyncStatus,
    scanner_selection: Vec<String>,
    scanner_needs_restart: Vec<String>,
}
