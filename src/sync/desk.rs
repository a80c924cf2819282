//! [`ConfigDesk`]: the one config service of a run. Every per-symbol config change, from an
//! `mm_config` message, an `mm:config:<SYM>` key, the operator API or the scanner, is decided
//! here ([`ConfigService`]: validation, version bump, ack), queued to the quote thread over the
//! control ring, and confirmed by the quote thread's snapshots. The side thread owns it, with
//! Redis on or off; [`super::RedisSync`] only carries messages, keys and acks to and from Redis.

use std::collections::{BTreeMap, VecDeque};

use crate::config::Config;
use crate::core::CoreEvent;
use crate::msg::AssetSnapshot;
use crate::ring::LosslessTx;
use crate::types::{AssetId, InstrumentSpec};

use super::config_sync::{Apply, ConfigService, Decision};
use super::schema::{ConfigAck, StoredConfig};

/// Per-coin bookkeeping of config versions between side and core.
#[derive(Debug, Clone, Default)]
struct CoinSync {
    asset: AssetId,
    /// Versions of the Config events pushed and not yet confirmed by a snapshot, oldest first.
    in_flight: VecDeque<u64>,
    /// Config events the core reported applied / refused, as of the last snapshot.
    applied_seen: u64,
    refused_seen: u64,
    /// Version the core last confirmed.
    applied_version: u64,
    /// The scanner deselected the coin (with `follow_scanner`): forced hedge-only.
    scanner_out: bool,
}

/// Config decisions and their way to the core.
#[derive(Debug, Clone)]
pub struct ConfigDesk {
    service: ConfigService,
    coins: BTreeMap<String, CoinSync>,
    /// Config events waiting for room in the control ring, in order.
    pending: VecDeque<(String, CoreEvent)>,
    counts: DeskCounts,
}

/// What the desk decided since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeskCounts {
    /// Configs accepted (every source).
    pub accepted: u64,
    /// Configs refused (every source).
    pub refused: u64,
    /// Configs the core refused after the side accepted them (should stay 0).
    pub refused_by_core: u64,
}

impl ConfigDesk {
    /// Starts from the validated file config, for the core's `instruments`.
    pub fn new(config: Config, instruments: &[InstrumentSpec]) -> Self {
        let quoted: Vec<(String, AssetId)> =
            instruments.iter().map(|s| (s.coin.as_str().to_owned(), s.asset)).collect();
        let coins = quoted
            .iter()
            .map(|(c, a)| (c.clone(), CoinSync { asset: *a, ..CoinSync::default() }))
            .collect();
        Self {
            service: ConfigService::new(config, quoted),
            coins,
            pending: VecDeque::new(),
            counts: DeskCounts::default(),
        }
    }

    /// The decision rules (to decide on a message, a key or a patch).
    pub fn service(&mut self) -> &mut ConfigService {
        &mut self.service
    }

    /// The config in force (the file's, with every accepted update).
    pub fn config(&self) -> &Config {
        self.service.config()
    }

    /// `coin`'s accepted version (0 = the file's).
    pub fn version(&self, coin: &str) -> u64 {
        self.service.version(coin)
    }

    /// The version the core confirmed for `coin`.
    pub fn applied_version(&self, coin: &str) -> u64 {
        self.coins.get(coin).map_or(0, |c| c.applied_version)
    }

    /// The asset id of a coin the core trades.
    pub fn asset(&self, coin: &str) -> Option<AssetId> {
        self.coins.get(coin).map(|c| c.asset)
    }

    /// The coins the core trades.
    pub fn coins(&self) -> impl Iterator<Item = &str> {
        self.coins.keys().map(String::as_str)
    }

    /// Whether the scanner has deselected `coin`.
    pub fn scanner_out(&self, coin: &str) -> bool {
        self.coins.get(coin).is_some_and(|c| c.scanner_out)
    }

    /// Decisions since start.
    pub fn counts(&self) -> DeskCounts {
        self.counts
    }

    /// Records the scanner's verdict on `coin`; a change re-sends the coin's parameters.
    pub fn set_scanner_out(&mut self, coin: &str, out: bool) -> bool {
        let Some(c) = self.coins.get_mut(coin) else { return false };
        if c.scanner_out == out {
            return false;
        }
        c.scanner_out = out;
        self.queue_config(coin);
        true
    }

    /// Takes a decision: counts and logs it and, when accepted, queues the coin's new
    /// parameters for the quote thread. Returns the ack to publish and what to store under
    /// the coin's key.
    pub fn take(&mut self, decision: Decision) -> (ConfigAck, Option<StoredConfig>) {
        let Decision { ack, apply } = decision;
        let symbol = ack.symbol.as_deref().unwrap_or("");
        if ack.accepted {
            self.counts.accepted += 1;
            tracing::info!(
                symbol,
                version = ack.version.unwrap_or(0),
                source = ?ack.source,
                changes = %serde_json::to_string(&ack.changes).unwrap_or_default(),
                "Config accepted"
            );
        } else {
            self.counts.refused += 1;
            tracing::warn!(
                symbol,
                source = ?ack.source,
                errors = %serde_json::to_string(&ack.errors).unwrap_or_default(),
                "Config refused"
            );
        }
        let store = apply.and_then(|Apply { coin, store, .. }| {
            self.queue_config(&coin);
            store
        });
        (ack, store)
    }

    /// Queues `coin`'s effective parameters for the quote thread.
    fn queue_config(&mut self, coin: &str) {
        let Some(sync) = self.coins.get(coin) else { return };
        let config = self.service.config();
        let Some(mut params) = config.symbol_params(coin) else { return };
        // A disabled coin, or one the scanner dropped, only unwinds.
        params.hedge_only_mode |= !params.enabled || sync.scanner_out;
        let event =
            CoreEvent::Config { asset: sync.asset, params: params.core_params(&config.feed) };
        self.pending.push_back((coin.to_owned(), event));
    }

    /// Pushes the queued config events into the control ring, in order, while it has room.
    pub fn push_control(&mut self, control: &mut LosslessTx<CoreEvent>) {
        while let Some((coin, event)) = self.pending.pop_front() {
            if control.push(event).is_err() {
                // Full: the quote thread is behind; try again next tick, in order.
                self.pending.push_front((coin, event));
                return;
            }
            let version = self.service.version(&coin);
            if let Some(c) = self.coins.get_mut(&coin) {
                c.in_flight.push_back(version);
            }
        }
    }

    /// Takes one quote-thread snapshot of `coin`: confirms or counts the config events the
    /// core applied or refused since the last one.
    pub fn on_snapshot(&mut self, coin: &str, s: &AssetSnapshot) {
        let Some(c) = self.coins.get_mut(coin) else { return };
        while c.applied_seen < s.configs_applied {
            c.applied_seen += 1;
            if let Some(v) = c.in_flight.pop_front() {
                c.applied_version = v;
            }
        }
        while c.refused_seen < s.configs_refused {
            c.refused_seen += 1;
            c.in_flight.pop_front();
            self.counts.refused_by_core += 1;
            tracing::error!(asset = c.asset.0, "The core refused a config the side accepted");
        }
    }
}
