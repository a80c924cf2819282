//! The scanner's side of the sync: each ranking the scanner thread sends becomes Redis
//! documents, listing events and (with `follow_scanner`) config changes.

use std::sync::mpsc::{Receiver, TryRecvError};

use super::{unix_s, RedisSync};
use crate::sync::desk::ConfigDesk;
use crate::sync::schema::{
    SelectionDoc, SymbolMetricsDoc, SYMBOL_EVENTS_CHANNEL, SYMBOL_METRICS_KEY, SYMBOL_SELECTION_KEY,
};
use crate::types::Nanos;

impl RedisSync {
    /// Takes the scanner's latest ranking, if one came: selection, metrics and events to Redis;
    /// coins it dropped (or took back) change quoting when `follow_scanner` is set.
    pub(super) fn drain_scanner(&mut self, now: Nanos, desk: &mut ConfigDesk) {
        let reply = match self.scan_rx.as_ref().map(Receiver::try_recv) {
            Some(Ok(r)) => r,
            Some(Err(TryRecvError::Disconnected)) => {
                self.scan_rx = None;
                return;
            }
            _ => return,
        };
        self.status.scans += 1;
        let listings = match reply {
            Ok(l) => l,
            Err(e) => {
                self.status.scan_errors += 1;
                tracing::warn!(error = %e, "Symbol scan failed; selection unchanged");
                return;
            }
        };
        let ts = unix_s(now);
        let outcome = self.scanner.scan(&listings, ts);
        let needs_restart: Vec<String> =
            outcome.selected.iter().filter(|c| !self.quoted.contains(*c)).cloned().collect();
        for coin in needs_restart.iter().filter(|c| !self.needs_restart.contains(c)) {
            tracing::warn!(coin = %coin, "Scanner selected a coin this engine does not quote: restart to add it");
        }
        self.needs_restart.clone_from(&needs_restart);
        self.ranking.clone_from(&outcome.metrics);
        self.set_json(now, SYMBOL_METRICS_KEY, &SymbolMetricsDoc { symbols: outcome.metrics });
        let selection =
            SelectionDoc { symbols: outcome.selected.clone(), needs_restart, timestamp: ts };
        self.set_json(now, SYMBOL_SELECTION_KEY, &selection);
        for event in &outcome.events {
            tracing::info!(event = ?event.event, coin = %event.symbol, "Scanner event");
            if let Ok(text) = serde_json::to_string(event) {
                self.with_conn(now, |c| {
                    redis::cmd("PUBLISH").arg(SYMBOL_EVENTS_CHANNEL).arg(text).query::<i64>(c)
                });
            }
        }
        if self.redis.follow_scanner {
            for coin in &self.quoted {
                let out = !outcome.selected.contains(coin);
                if desk.set_scanner_out(coin, out) {
                    tracing::info!(coin = %coin, "Scanner selection changed the coin's quoting");
                }
            }
        }
    }
}
