//! The symbol scanner: ranks the venue's perps by 24 h notional volume, with a minimum open
//! interest, and keeps a top-N selection with hysteresis; reports listings, delistings and
//! selection changes.
//!
//! [`Scanner`] is pure (input: one `metaAndAssetCtxs` reply and the time); [`spawn_scanner`]
//! runs the `/info` calls on their own low-priority thread so a slow venue never delays the side
//! loop. Neither touches the quote thread: the side thread turns selection changes into config
//! events.

use std::collections::BTreeSet;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::venue::info::{InfoClient, Meta, PerpCtx};

use super::schema::{ScannerEvent, ScannerEventKind, SymbolMetrics};

/// One perp as read from the venue.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// Coin name.
    pub symbol: String,
    /// 24 h notional volume, USD.
    pub volume_24h: f64,
    /// Open interest, USD at the mark.
    pub open_interest_usd: f64,
    /// Listed and not delisted.
    pub active: bool,
}

/// The listings of a `metaAndAssetCtxs` reply, in universe order.
pub fn listings(meta: &Meta, ctxs: &[PerpCtx]) -> Vec<Listing> {
    meta.universe
        .iter()
        .zip(ctxs)
        .map(|(u, c)| Listing {
            symbol: u.name.clone(),
            volume_24h: finite(c.day_ntl_vlm),
            open_interest_usd: finite(c.open_interest * c.mark_px),
            active: !u.is_delisted,
        })
        .collect()
}

fn finite(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

/// Selection rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScannerRules {
    /// Size of the selection.
    pub top_n: usize,
    /// Minimum open interest, USD.
    pub min_open_interest_usd: f64,
    /// A selected coin stays while its rank is below `top_n + hysteresis`.
    pub hysteresis: usize,
}

/// What one scan produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanOutcome {
    /// Every perp, by volume, largest first (`mm_symbol_metrics`).
    pub metrics: Vec<SymbolMetrics>,
    /// The selection after this scan, by volume, largest first.
    pub selected: Vec<String>,
    /// Listings, delistings and selection changes since the previous scan.
    pub events: Vec<ScannerEvent>,
}

/// The scanner's memory between scans.
#[derive(Debug, Clone)]
pub struct Scanner {
    rules: ScannerRules,
    /// Coins active at the last scan; `None` before the first.
    active: Option<BTreeSet<String>>,
    selected: Vec<String>,
    /// Coins the engine quotes, for `quoted_by_engine` in events.
    quoted: BTreeSet<String>,
}

impl Scanner {
    /// A scanner with `rules`; `quoted` are the coins in the engine's instrument set.
    pub fn new(rules: ScannerRules, quoted: impl IntoIterator<Item = String>) -> Self {
        Self { rules, active: None, selected: Vec::new(), quoted: quoted.into_iter().collect() }
    }

    /// The current selection.
    pub fn selected(&self) -> &[String] {
        &self.selected
    }

    /// Ranks `listings`, updates the selection and reports what changed. `now_s`: Unix seconds.
    pub fn scan(&mut self, listings: &[Listing], now_s: u64) -> ScanOutcome {
        let mut ranked: Vec<&Listing> = listings.iter().collect();
        // Largest volume first; ties by name so the order is total and repeatable.
        ranked.sort_by(|a, b| {
            b.volume_24h.total_cmp(&a.volume_24h).then_with(|| a.symbol.cmp(&b.symbol))
        });
        let metrics = ranked
            .iter()
            .map(|l| SymbolMetrics {
                symbol: l.symbol.clone(),
                volume_24h: l.volume_24h,
                open_interest: l.open_interest_usd,
                is_active: l.active,
                last_updated: now_s,
            })
            .collect();
        let eligible: Vec<&str> = ranked
            .iter()
            .filter(|l| l.active && l.open_interest_usd >= self.rules.min_open_interest_usd)
            .map(|l| l.symbol.as_str())
            .collect();
        // Incumbency advantage: a selected coin competes as if it ranked `hysteresis` places
        // higher, and stays eligible while its rank is below `top_n + hysteresis`; a newcomer
        // must rank within the top N. So a newcomer displaces an incumbent only when it ranks
        // more than `hysteresis` places above it, and a shuffle at the boundary does not flap.
        let (top_n, h) = (self.rules.top_n, self.rules.hysteresis);
        let mut next: Vec<(usize, bool, usize, &str)> = eligible
            .iter()
            .enumerate()
            .filter_map(|(rank, coin)| {
                let incumbent = self.selected.iter().any(|s| s == coin);
                let effective = if incumbent { rank.saturating_sub(h) } else { rank };
                let stays = if incumbent { rank < top_n + h } else { rank < top_n };
                // `!incumbent` sorts incumbents first among equal effective ranks.
                stays.then_some((effective, !incumbent, rank, *coin))
            })
            .collect();
        next.sort_unstable();
        next.truncate(top_n);
        // Reported by volume, largest first.
        next.sort_unstable_by_key(|&(_, _, rank, _)| rank);
        let next: Vec<String> = next.into_iter().map(|(.., c)| c.to_owned()).collect();

        let mut events = Vec::new();
        let event = |kind, symbol: &str| ScannerEvent {
            event: kind,
            symbol: symbol.to_owned(),
            quoted_by_engine: self.quoted.contains(symbol),
            timestamp: now_s,
        };
        let active: BTreeSet<String> =
            listings.iter().filter(|l| l.active).map(|l| l.symbol.clone()).collect();
        if let Some(before) = &self.active {
            for coin in active.difference(before) {
                events.push(event(ScannerEventKind::Listed, coin));
            }
            for coin in before.difference(&active) {
                events.push(event(ScannerEventKind::Delisted, coin));
            }
        }
        for coin in next.iter().filter(|c| !self.selected.contains(c)) {
            events.push(event(ScannerEventKind::Selected, coin));
        }
        for coin in self.selected.iter().filter(|c| !next.contains(c)) {
            events.push(event(ScannerEventKind::Deselected, coin));
        }
        self.active = Some(active);
        self.selected = next.clone();
        ScanOutcome { metrics, selected: next, events }
    }
}

/// One scan's raw result, from the scanner thread.
pub type ScanReply = Result<Vec<Listing>, String>;

/// Starts the scanner thread: one `metaAndAssetCtxs` call now and then every `interval`, each
/// reply sent on the returned channel (dropped if the side thread has not taken the previous
/// one). Ends when `stop` returns `true` or the receiver is gone.
pub fn spawn_scanner(
    info_url: String,
    interval: Duration,
    stop: impl Fn() -> bool + Send + 'static,
) -> std::io::Result<(Receiver<ScanReply>, JoinHandle<()>)> {
    let (tx, rx) = std::sync::mpsc::sync_channel(2);
    let handle = std::thread::Builder::new()
        .name("hlmm-scanner".to_owned())
        .spawn(move || scanner_loop(&info_url, interval, &stop, &tx))?;
    Ok((rx, handle))
}

fn scanner_loop(
    info_url: &str,
    interval: Duration,
    stop: &dyn Fn() -> bool,
    tx: &SyncSender<ScanReply>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.try_send(Err(format!("scanner runtime: {e}")));
            return;
        }
    };
    // The timeout bounds one scan; it is below the minimum scan interval.
    let info = match InfoClient::new(info_url, Duration::from_secs(5)) {
        Ok(i) => i,
        Err(e) => {
            let _ = tx.try_send(Err(e.to_string()));
            return;
        }
    };
    let step = Duration::from_millis(50);
    loop {
        let reply = runtime
            .block_on(info.meta_and_asset_ctxs())
            .map(|(meta, ctxs)| listings(&meta, &ctxs))
            .map_err(|e| e.to_string());
        if let Err(TrySendError::Disconnected(_)) = tx.try_send(reply) {
            return;
        }
        let mut waited = Duration::ZERO;
        while waited < interval {
            if stop() {
                return;
            }
            std::thread::sleep(step);
            waited += step;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(symbol: &str, volume: f64, oi: f64) -> Listing {
        Listing { symbol: symbol.into(), volume_24h: volume, open_interest_usd: oi, active: true }
    }

    fn rules(top_n: usize, hysteresis: usize) -> ScannerRules {
        ScannerRules { top_n, min_open_interest_usd: 100.0, hysteresis }
    }

    #[test]
    fn selects_the_top_n_by_volume_among_coins_with_enough_open_interest() {
        let mut s = Scanner::new(rules(2, 0), []);
        let out = s.scan(
            &[
                listing("A", 10.0, 1e6),
                listing("B", 30.0, 50.0),
                listing("C", 20.0, 1e6),
                listing("D", 5.0, 1e6),
            ],
            1,
        );
        assert_eq!(out.selected, ["C", "A"], "B has too little open interest");
        let order: Vec<&str> = out.metrics.iter().map(|m| m.symbol.as_str()).collect();
        assert_eq!(order, ["B", "C", "A", "D"], "metrics list every coin by volume");
        assert!(out.events.iter().all(|e| e.event == ScannerEventKind::Selected));
    }

    #[test]
    fn a_newcomer_displaces_an_incumbent_only_when_it_ranks_more_than_the_band_above_it() {
        let mut s = Scanner::new(rules(3, 1), []);
        let coins = |v: [(&str, f64); 5]| v.map(|(c, vol)| listing(c, vol, 1e6));
        s.scan(&coins([("A", 50.0), ("B", 40.0), ("C", 30.0), ("D", 20.0), ("E", 10.0)]), 1);
        assert_eq!(s.selected(), ["A", "B", "C"]);
        // D overtakes C by one rank: inside the band, C stays (no flapping at the boundary).
        let out =
            s.scan(&coins([("A", 50.0), ("B", 40.0), ("C", 20.0), ("D", 30.0), ("E", 10.0)]), 2);
        assert_eq!(out.selected, ["A", "B", "C"]);
        assert!(out.events.is_empty());
        // E jumps to the top: C (now rank 4, outside the band) leaves, E enters.
        let out =
            s.scan(&coins([("A", 50.0), ("B", 40.0), ("C", 20.0), ("D", 30.0), ("E", 90.0)]), 3);
        assert_eq!(out.selected, ["E", "A", "B"]);
        let kinds: Vec<(ScannerEventKind, &str)> =
            out.events.iter().map(|e| (e.event, e.symbol.as_str())).collect();
        assert_eq!(kinds, [(ScannerEventKind::Selected, "E"), (ScannerEventKind::Deselected, "C")]);
    }

    #[test]
    fn without_hysteresis_the_selection_is_exactly_the_top_n() {
        let mut s = Scanner::new(rules(2, 0), []);
        s.scan(&[listing("A", 30.0, 1e6), listing("B", 20.0, 1e6), listing("C", 10.0, 1e6)], 1);
        let out =
            s.scan(&[listing("A", 30.0, 1e6), listing("B", 10.0, 1e6), listing("C", 20.0, 1e6)], 2);
        assert_eq!(out.selected, ["A", "C"]);
    }

    #[test]
    fn listings_and_delistings_are_reported_after_the_first_scan() {
        let mut s = Scanner::new(rules(5, 0), ["A".to_owned()]);
        let first = s.scan(&[listing("A", 3.0, 1e6), listing("B", 2.0, 1e6)], 1);
        assert!(first.events.iter().all(|e| e.event == ScannerEventKind::Selected));
        let mut gone = listing("B", 2.0, 1e6);
        gone.active = false;
        let out = s.scan(&[listing("A", 3.0, 1e6), gone, listing("NEW", 9.0, 1e6)], 2);
        let kinds: Vec<(ScannerEventKind, &str, bool)> =
            out.events.iter().map(|e| (e.event, e.symbol.as_str(), e.quoted_by_engine)).collect();
        assert!(kinds.contains(&(ScannerEventKind::Listed, "NEW", false)), "{kinds:?}");
        assert!(kinds.contains(&(ScannerEventKind::Delisted, "B", false)), "{kinds:?}");
        assert!(kinds.contains(&(ScannerEventKind::Selected, "NEW", false)), "{kinds:?}");
        assert!(kinds.contains(&(ScannerEventKind::Deselected, "B", false)), "{kinds:?}");
        assert_eq!(out.selected, ["NEW", "A"]);
    }
}
