//! `hlmm record` against a live venue (Hyperliquid, or a `hlmm sim` over the network): the
//! engine's own feed thread ([`FeedHandler`]: the WebSocket, pings, reconnects with backoff,
//! the simd-json parser) subscribes to the books and trades of the chosen coins, with no
//! account, and this thread writes what it delivers to a tape, stamped with the receive times
//! the feed took. The recorder is not on any engine's hot path: it is its own process.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::engine::feed::{FeedHandler, FeedRings, FeedSettings, FeedShared};
use crate::engine::health::FeedHealth;
use crate::msg::AssetIndex;
use crate::ring;
use crate::runtime::clock::SystemClock;
use crate::runtime::shutdown::{Phase, Shutdown};
use crate::telemetry::counters::Counters;
use crate::telemetry::stages::SharedStageHistograms;
use crate::types::events::FeedEvent;
use crate::types::InstrumentSpec;
use crate::venue::info::InfoClient;
use crate::venue::subscriptions::subscribe_frames;
use hlmm_backtest::tape::{TapeCoin, TapeMeta, TapeWriter, TAPE_VERSION};

use super::spec::BacktestSetupError;

/// Market-data ring between the feed thread and the writer: large, so that a writer that
/// falls behind for a moment loses nothing to conflation (which is counted if it happens).
const RING_CAPACITY: usize = 1 << 16;

/// What a recording did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveRecording {
    /// Records written (a book, or a trade).
    pub records: u64,
    /// Books the ring conflated because the writer fell behind (0 in a healthy run).
    pub conflated: u64,
}

/// Records `coins` (the config's enabled coins when `None`) from the venue at `info_url` /
/// `ws_url` into `dir`, until `duration` passes or `shutdown` is requested.
pub fn record_live(
    config: &Config,
    info_url: &str,
    ws_url: &str,
    coins: Option<&[String]>,
    dir: &Path,
    duration: Option<Duration>,
    shutdown: &Shutdown,
) -> Result<LiveRecording, BacktestSetupError> {
    let fail = |reason: String| BacktestSetupError::Output { path: info_url.to_owned(), reason };
    let instruments = listed_instruments(config, info_url, coins)?;
    let mut tape = open_tape(dir, ws_url, &instruments)?;
    let index = AssetIndex::new(instruments.iter().map(|s| s.asset));
    let (md_tx, mut md_rx) = ring::conflating(RING_CAPACITY, index.md_keys());
    let conflated = md_tx.conflated_counter();
    // No account: the user ring carries nothing, but the feed thread owns one.
    let (user_tx, _user_rx) = ring::lossless_spilling(16, 16);
    let coin_names: Vec<_> = instruments.iter().map(|s| s.coin).collect();
    let frames = subscribe_frames(&coin_names, None);
    let settings =
        FeedSettings::from_config(&config.feed, ws_url.to_owned(), frames, config.venue.seed);
    let feed_shutdown = Shutdown::new();
    let shared = FeedShared {
        health: Arc::new(FeedHealth::new(instruments.len())),
        counters: Arc::new(Counters::new()),
        histograms: Arc::new(SharedStageHistograms::new()),
        shutdown: feed_shutdown.clone(),
        clock: SystemClock,
    };
    let handler =
        FeedHandler::new(settings, &instruments, FeedRings { md: md_tx, user: user_tx }, shared);
    let feed = std::thread::Builder::new()
        .name("hlmm-record-feed".to_owned())
        .spawn(move || handler.run())
        .map_err(|e| fail(e.to_string()))?;
    let started = Instant::now();
    let write_err = |e: hlmm_backtest::tape::TapeError| BacktestSetupError::Output {
        path: dir.display().to_string(),
        reason: e.to_string(),
    };
    let mut result = Ok(());
    loop {
        let done = shutdown.is_requested() || duration.is_some_and(|d| started.elapsed() >= d);
        if done {
            feed_shutdown.advance(Phase::StopInput);
        }
        let mut idle = true;
        while let Some(s) = md_rx.pop() {
            idle = false;
            if matches!(s.event, FeedEvent::Book(_) | FeedEvent::Trades(_)) {
                if let Err(e) = tape.write(s.recv, &s.event) {
                    result = Err(write_err(e));
                    feed_shutdown.advance(Phase::StopInput);
                }
            }
        }
        if (done || result.is_err()) && feed.is_finished() {
            break;
        }
        if idle {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let _ = feed.join();
    // What the feed delivered between the last drain and its stop.
    while let Some(s) = md_rx.pop() {
        if result.is_ok() && matches!(s.event, FeedEvent::Book(_) | FeedEvent::Trades(_)) {
            result = tape.write(s.recv, &s.event).map_err(write_err);
        }
    }
    result?;
    let records = tape.finish().map_err(write_err)?;
    Ok(LiveRecording { records, conflated: conflated.load(std::sync::atomic::Ordering::Relaxed) })
}

/// The venue's instruments for `coins` (the config's enabled coins when `None`).
fn listed_instruments(
    config: &Config,
    info_url: &str,
    coins: Option<&[String]>,
) -> Result<Vec<InstrumentSpec>, BacktestSetupError> {
    let fail = |reason: String| BacktestSetupError::Output { path: info_url.to_owned(), reason };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let info =
        InfoClient::new(info_url, Duration::from_secs(10)).map_err(|e| fail(e.to_string()))?;
    let meta = runtime.block_on(info.meta()).map_err(|e| fail(e.to_string()))?;
    let wanted: Vec<String> = match coins {
        Some(c) => c.to_vec(),
        None => config
            .resolved_symbols()
            .filter(|(_, s)| s.enabled)
            .map(|(c, _)| c.to_owned())
            .collect(),
    };
    let listed = meta.instruments();
    let mut instruments: Vec<InstrumentSpec> = Vec::new();
    for name in &wanted {
        let spec = listed.iter().find(|s| s.coin.as_str() == name).ok_or_else(|| {
            BacktestSetupError::NotConfigured(format!("{name} (not listed by the venue)"))
        })?;
        instruments.push(*spec);
    }
    Ok(instruments)
}

/// A new tape in `dir` for `instruments`, its source the venue's WebSocket.
fn open_tape(
    dir: &Path,
    ws_url: &str,
    instruments: &[InstrumentSpec],
) -> Result<TapeWriter, BacktestSetupError> {
    let tape_meta = TapeMeta {
        version: TAPE_VERSION,
        source: ws_url.to_owned(),
        coins: instruments
            .iter()
            .map(|s| TapeCoin {
                name: s.coin.as_str().to_owned(),
                asset: s.asset.0,
                sz_decimals: s.sz_decimals,
            })
            .collect(),
    };
    TapeWriter::create(dir, &tape_meta).map_err(|e| BacktestSetupError::Output {
        path: dir.display().to_string(),
        reason: e.to_string(),
    })
}
