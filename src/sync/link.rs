//! [`RedisSync`]: the side thread's Redis work: config hot reload, position updates, metrics,
//! and the scanner's output; plus the subscriber thread that listens on `mm_config`.
//!
//! Runs on the side thread (and its helper threads `hlmm-redis-sub`, `hlmm-scanner`), never on
//! the trading path. Every Redis call has a short timeout; any error drops the connection, raises
//! `config_source_stale` and schedules a reconnect with backoff. Meanwhile quoting goes on with
//! the last good config, position updates wait in a bounded [`Outbox`], and on reconnect the
//! `mm:config:<SYM>` keys are read again, because pub/sub loses what was published while we
//! were away (`fault-cases.md` §10). It talks to the quote thread only through the control ring
//! (config events) and reads only atomics and published snapshots.
//!
//! Here: the connection, config messages and keys, and the control ring. In the submodules:
//! `subscriber` (the `mm_config` thread), `scan` (the scanner's rankings), `publish`
//! (position updates and `mm_metrics`).

mod client;
mod publish;
mod scan;
mod subscriber;

use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Serialize;

use crate::config::{Config, RedisConfig};
use crate::msg::AssetSnapshot;
use crate::runtime::{Backoff, SharedClock, Shutdown};
use crate::telemetry::{Counters, SharedStageHistograms};
use crate::types::{InstrumentSpec, Nanos};

use self::subscriber::SubEvent;
use super::config_sync::Decision;
use super::desk::ConfigDesk;
use super::outbox::Outbox;
use super::scanner::{spawn_scanner, ScanReply, Scanner, ScannerRules};
use super::schema::{config_key, ConfigAck, StoredConfig, SymbolMetrics, CONFIG_ACK_CHANNEL};
use super::snapshot::PositionBook;

/// Bound of every Redis call (connect, read, write). Loopback Redis answers in microseconds;
/// this only bounds how long a dead server can hold the side loop.
const IO_TIMEOUT: Duration = Duration::from_millis(300);
/// Most buffered updates flushed per side tick, so a long backlog does not hold the loop.
const FLUSH_PER_TICK: usize = 512;

/// What the side thread needs to run the Redis sync.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// The validated engine config (its `redis.url` is set).
    pub config: Config,
    /// The venue's `/info` URL, for the scanner.
    pub info_url: String,
    /// The core's instruments, in dense-index order.
    pub instruments: Vec<InstrumentSpec>,
    /// Seed of the reconnect jitter.
    pub seed: u64,
}

/// Shared state the sync reads for `mm_metrics`.
#[derive(Debug, Clone)]
pub struct SyncShared {
    /// Engine counters.
    pub counters: Arc<Counters>,
    /// Published stage histograms.
    pub histograms: Arc<SharedStageHistograms>,
    /// Shutdown state (the helper threads stop with it).
    pub shutdown: Shutdown,
    /// The clock documents are stamped with.
    pub clock: SharedClock,
}

/// Numbers for the summary log and `mm_metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// Redis is unreachable (or not yet reached), or `mm_config` is not subscribed: config
    /// changes cannot arrive, the engine runs on the last good config.
    pub config_source_stale: bool,
    /// Successful (re)connections of the command connection.
    pub connects: u64,
    /// Connection losses and failed attempts.
    pub connection_errors: u64,
    /// Position updates published (stream + channel).
    pub position_updates_published: u64,
    /// Position updates waiting in the outbox.
    pub position_updates_buffered: u64,
    /// Position updates dropped because the outbox was full.
    pub position_updates_dropped: u64,
    /// Configs accepted (channel and keys).
    pub configs_accepted: u64,
    /// Configs refused (channel and keys).
    pub configs_refused: u64,
    /// Configs the core refused after the side accepted them (should stay 0).
    pub configs_refused_by_core: u64,
    /// Acks that could not be published (Redis lost between message and ack).
    pub acks_lost: u64,
    /// Scans done and scans failed.
    pub scans: u64,
    /// Scans that failed (venue unreachable or malformed).
    pub scan_errors: u64,
}

/// The side thread's Redis state machine.
pub struct RedisSync {
    redis: RedisConfig,
    client: Option<redis::Client>,
    conn: Option<redis::Connection>,
    backoff: Backoff,
    next_attempt: Nanos,
    subscribed: bool,
    resync_pending: bool,
    sub_rx: Option<Receiver<SubEvent>>,
    scan_rx: Option<Receiver<ScanReply>>,
    threads: Vec<JoinHandle<()>>,
    scanner: Scanner,
    /// The coins the core trades.
    quoted: Vec<String>,
    book: PositionBook,
    outbox: Outbox,
    seq: u64,
    published_fills: u64,
    last_position: Nanos,
    last_metrics: Nanos,
    needs_restart: Vec<String>,
    /// The scanner's last ranking.
    ranking: Vec<SymbolMetrics>,
    status: SyncStatus,
    shared: SyncShared,
}

impl RedisSync {
    /// Sets up the sync and starts its helper threads (subscriber, scanner). Connecting happens
    /// in [`RedisSync::tick`], so a Redis that is down at start delays nothing.
    pub fn start(settings: SyncSettings, shared: SyncShared) -> Self {
        let redis = settings.config.redis.clone();
        let client = match client::open(&redis) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::error!(error = %e, "Redis client not created; Redis sync off");
                None
            }
        };
        let quoted: Vec<String> =
            settings.instruments.iter().map(|s| s.coin.as_str().to_owned()).collect();
        let scanner = Scanner::new(
            ScannerRules {
                top_n: redis.top_n,
                min_open_interest_usd: redis.min_open_interest_usd,
                hysteresis: redis.scanner_hysteresis,
            },
            quoted.iter().cloned(),
        );
        let mut threads = Vec::new();
        let sub_rx = client.as_ref().and_then(|client| {
            let backoff =
                Backoff::new(redis.reconnect_min_ms, redis.reconnect_max_ms, settings.seed);
            let shutdown = shared.shutdown.clone();
            subscriber::spawn(client.clone(), backoff, shutdown, IO_TIMEOUT, &mut threads)
        });
        let scan_rx = spawn_scan(&settings.info_url, &redis, shared.shutdown.clone(), &mut threads);
        Self {
            backoff: Backoff::new(
                redis.reconnect_min_ms,
                redis.reconnect_max_ms,
                settings.seed ^ 1,
            ),
            outbox: Outbox::new(redis.buffer_capacity),
            redis,
            client,
            conn: None,
            next_attempt: Nanos(0),
            subscribed: false,
            resync_pending: true,
            sub_rx,
            scan_rx,
            threads,
            scanner,
            quoted,
            book: PositionBook::new(settings.instruments),
            seq: 0,
            published_fills: 0,
            last_position: Nanos(0),
            last_metrics: Nanos(0),
            needs_restart: Vec::new(),
            ranking: Vec::new(),
            status: SyncStatus { config_source_stale: true, ..SyncStatus::default() },
            shared,
        }
    }

    /// The latest numbers, with the config desk's decisions.
    pub fn status(&self, desk: &ConfigDesk) -> SyncStatus {
        let mut s = self.status;
        let counts = desk.counts();
        s.configs_accepted = counts.accepted;
        s.configs_refused = counts.refused;
        s.configs_refused_by_core = counts.refused_by_core;
        s.config_source_stale = self.conn.is_none() || !self.subscribed;
        s.position_updates_buffered = self.outbox.len() as u64;
        s.position_updates_dropped = self.outbox.dropped();
        s
    }

    /// The scanner's last ranking and current selection.
    pub fn scanner_view(&self) -> (&[SymbolMetrics], &[String]) {
        (&self.ranking, self.scanner.selected())
    }

    /// Takes one quote-thread snapshot in (for the position updates).
    pub fn on_snapshot(&mut self, s: AssetSnapshot) {
        self.book.update(s);
    }

    /// One round of work: connection upkeep, config messages, scanner output, position updates
    /// and metrics. Every Redis call is bounded by `IO_TIMEOUT`.
    pub fn tick(&mut self, now: Nanos, desk: &mut ConfigDesk) {
        self.drain_subscriber(now, desk);
        self.keep_connected(now);
        if self.resync_pending && self.conn.is_some() && self.subscribed {
            self.resync(now, desk);
        }
        self.drain_scanner(now, desk);
        self.position_updates(now, desk);
        self.flush_outbox();
        if now.saturating_since(self.last_metrics) >= self.redis.metrics_interval_ms * 1_000_000 {
            self.last_metrics = now;
            self.write_metrics(now, desk);
        }
    }

    /// Stops the helper threads (the shutdown must already be requested) and waits for them.
    pub fn stop(mut self) {
        self.sub_rx = None;
        self.scan_rx = None;
        for h in self.threads.drain(..) {
            let _ = h.join();
        }
    }

    fn keep_connected(&mut self, now: Nanos) {
        if self.conn.is_some() || now < self.next_attempt {
            return;
        }
        let Some(client) = &self.client else { return };
        let attempt = client.get_connection_with_timeout(IO_TIMEOUT).and_then(|mut c| {
            c.set_read_timeout(Some(IO_TIMEOUT))?;
            c.set_write_timeout(Some(IO_TIMEOUT))?;
            redis::cmd("PING").query::<String>(&mut c)?;
            Ok(c)
        });
        match attempt {
            Ok(c) => {
                self.conn = Some(c);
                self.backoff.reset();
                self.status.connects += 1;
                self.resync_pending = true;
                tracing::info!(buffered = self.outbox.len(), "Redis connected");
            }
            Err(e) => self.lost(now, &e),
        }
    }

    /// Drops the connection after an error and schedules the next attempt.
    fn lost(&mut self, now: Nanos, e: &redis::RedisError) {
        if self.conn.take().is_some() || self.status.connection_errors == 0 {
            tracing::warn!(error = %e, "Redis unreachable: running on the last good config");
        }
        self.status.connection_errors += 1;
        self.resync_pending = true;
        let delay = self.backoff.next_delay_ms();
        self.next_attempt = Nanos(now.0 + delay * 1_000_000);
    }

    /// Runs `f` on the connection; on error drops it. `None` when down or failed.
    fn with_conn<T>(
        &mut self,
        now: Nanos,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Option<T> {
        let conn = self.conn.as_mut()?;
        match f(conn) {
            Ok(v) => Some(v),
            Err(e) => {
                self.lost(now, &e);
                None
            }
        }
    }

    fn drain_subscriber(&mut self, now: Nanos, desk: &mut ConfigDesk) {
        loop {
            let event = match self.sub_rx.as_ref().map(Receiver::try_recv) {
                Some(Ok(e)) => e,
                Some(Err(TryRecvError::Empty)) | None => return,
                Some(Err(TryRecvError::Disconnected)) => {
                    self.sub_rx = None;
                    self.subscribed = false;
                    return;
                }
            };
            match event {
                SubEvent::Subscribed => {
                    self.subscribed = true;
                    // Anything published while we were not subscribed is only in the keys.
                    self.resync_pending = true;
                }
                SubEvent::Lost => self.subscribed = false,
                SubEvent::Message(payload) => {
                    let decision = desk.service().on_message(&payload, unix_s(now));
                    self.apply(now, desk, decision);
                }
            }
        }
    }

    /// Reads every quoted coin's key and applies the newer ones; rewrites keys Redis lost.
    fn resync(&mut self, now: Nanos, desk: &mut ConfigDesk) {
        let coins = self.quoted.clone();
        let keys: Vec<String> = coins.iter().map(|c| config_key(c)).collect();
        let Some(values) =
            self.with_conn(now, |c| redis::cmd("MGET").arg(&keys).query::<Vec<Option<String>>>(c))
        else {
            return;
        };
        self.resync_pending = false;
        for (coin, value) in coins.iter().zip(values) {
            match value {
                Some(raw) => {
                    if let Some(decision) = desk.service().on_stored(coin, &raw, unix_s(now)) {
                        self.apply(now, desk, decision);
                    }
                }
                None => {
                    // Redis restarted empty: put back what is in force.
                    if let Some(stored) = desk.service().stored(coin, unix_s(now)) {
                        self.set_json(now, &config_key(coin), &stored);
                    }
                }
            }
        }
        tracing::info!(coins = coins.len(), "Config keys resynced");
    }

    fn apply(&mut self, now: Nanos, desk: &mut ConfigDesk, decision: Decision) {
        let (ack, store) = desk.take(decision);
        self.publish_decision(now, &ack, store.as_ref());
    }

    /// Writes an accepted config under its key and publishes the ack on `mm_config_ack`: what
    /// every decision of the [`ConfigDesk`] leaves in Redis, whatever its source.
    pub fn publish_decision(&mut self, now: Nanos, ack: &ConfigAck, store: Option<&StoredConfig>) {
        if let (Some(stored), Some(coin)) = (store, ack.symbol.as_deref()) {
            self.set_json(now, &config_key(coin), stored);
        }
        let published = serde_json::to_string(ack).ok().and_then(|text| {
            self.with_conn(now, |c| {
                redis::cmd("PUBLISH").arg(CONFIG_ACK_CHANNEL).arg(text).query::<i64>(c)
            })
        });
        if published.is_none() {
            self.status.acks_lost += 1;
        }
    }

    fn set_json(&mut self, now: Nanos, key: &str, value: &impl Serialize) {
        let Ok(text) = serde_json::to_string(value) else { return };
        self.with_conn(now, |c| redis::cmd("SET").arg(key).arg(text).query::<()>(c));
    }
}

impl std::fmt::Debug for RedisSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSync")
            .field("connected", &self.conn.is_some())
            .field("subscribed", &self.subscribed)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// Starts the scanner thread (it stops with `shutdown`); `None`, logged, if it cannot start.
fn spawn_scan(
    info_url: &str,
    redis: &RedisConfig,
    shutdown: Shutdown,
    threads: &mut Vec<JoinHandle<()>>,
) -> Option<Receiver<ScanReply>> {
    match spawn_scanner(
        info_url.to_owned(),
        Duration::from_millis(redis.scan_interval_ms),
        move || shutdown.is_requested(),
    ) {
        Ok((rx, h)) => {
            threads.push(h);
            Some(rx)
        }
        Err(e) => {
            tracing::error!(error = %e, "Cannot start the symbol scanner");
            None
        }
    }
}

fn unix_s(now: Nanos) -> u64 {
    now.0 / 1_000_000_000
}
