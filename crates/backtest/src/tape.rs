//! backtest::tape: recorded public market data (books and trades with their receive times),
//! in a compact, versioned binary layout, and its reader.
//!
//! A tape is a directory:
//! - `meta.json`: `{"version": 1, "source": "…", "coins": [{"name": "BTC", "asset": 0,
//!   "sz_decimals": 5}, …]}`: what the integer prices and sizes mean.
//! - `feed.tape`: the magic `HLMMTAPE`, a little-endian `u16` version (1), then records, each
//!   `u64` receive time (ns since the epoch) · `u8` kind · `u32` asset, and:
//!   - kind 1, **book**: `u8` bid count · `u8` ask count · that many levels, best first, each
//!     `i64` price (ticks) · `i64` size (lots) · `u32` order count;
//!   - kind 2, **trade**: `u8` aggressor side (0 buy, 1 sell) · `i64` price · `i64` size ·
//!     `u64` trade id.
//!
//! Prices are in the instrument's ticks and sizes in lots (`hlmm_types::InstrumentSpec` for
//! `sz_decimals`), exactly as the feed parser produces them, so a replay sees what the live
//! core saw. Records are in receive order. A truncated last record (a recorder killed
//! mid-write) ends the tape; anything else malformed is an error naming the offset.

use std::io::{BufWriter, Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use hlmm_types::events::{BookSnapshot, FeedEvent, Level, Trade, TradeBatch};
use hlmm_types::{AssetId, Coin, InstrumentSpec, Nanos, Px, Side, Sz, Tid};

/// The layout version this code writes and reads.
pub const TAPE_VERSION: u16 = 1;
const MAGIC: &[u8; 8] = b"HLMMTAPE";
const KIND_BOOK: u8 = 1;
const KIND_TRADE: u8 = 2;
/// Bytes of one level.
const LEVEL_BYTES: usize = 20;

/// One coin of a tape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TapeCoin {
    /// The coin's name.
    pub name: String,
    /// Its asset id on the recorded venue.
    pub asset: u32,
    /// The venue's `szDecimals`.
    pub sz_decimals: u8,
}

impl TapeCoin {
    /// The instrument (perp) this coin's integers are in.
    pub fn spec(&self) -> Result<InstrumentSpec, TapeError> {
        let coin = Coin::new(self.name.as_bytes())
            .map_err(|_| TapeError::Meta(format!("coin name {:?}", self.name)))?;
        Ok(InstrumentSpec::perp(AssetId(self.asset), coin, self.sz_decimals))
    }
}

/// `meta.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TapeMeta {
    /// Layout version.
    pub version: u16,
    /// Where it was recorded (a venue URL, or the simulator and its seed).
    pub source: String,
    /// The coins.
    pub coins: Vec<TapeCoin>,
}

/// Why a tape could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum TapeError {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// `meta.json` is not a tape's.
    #[error("meta.json: {0}")]
    Meta(String),
    /// `feed.tape` is malformed.
    #[error("feed.tape at byte {offset}: {reason}")]
    Malformed {
        /// Where.
        offset: usize,
        /// What.
        reason: &'static str,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> TapeError + '_ {
    move |source| TapeError::Io { path: path.display().to_string(), source }
}

/// Writes a tape.
#[derive(Debug)]
pub struct TapeWriter {
    out: BufWriter<std::fs::File>,
    path: std::path::PathBuf,
    records: u64,
}

impl TapeWriter {
    /// Creates `dir` (if needed) with its `meta.json` and an empty `feed.tape`.
    pub fn create(dir: &Path, meta: &TapeMeta) -> Result<Self, TapeError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let meta_path = dir.join("meta.json");
        let text =
            serde_json::to_string_pretty(meta).map_err(|e| TapeError::Meta(e.to_string()))?;
        std::fs::write(&meta_path, text).map_err(io(&meta_path))?;
        let path = dir.join("feed.tape");
        let file = std::fs::File::create(&path).map_err(io(&path))?;
        let mut out = BufWriter::new(file);
        out.write_all(MAGIC).map_err(io(&path))?;
        out.write_all(&TAPE_VERSION.to_le_bytes()).map_err(io(&path))?;
        Ok(Self { out, path, records: 0 })
    }

    /// Appends a book or trades received at `recv`; other events are not recorded.
    pub fn write(&mut self, recv: Nanos, ev: &FeedEvent) -> Result<(), TapeError> {
        let mut buf = Vec::with_capacity(16 + 40 * LEVEL_BYTES);
        match ev {
            FeedEvent::Book(b) => {
                head(&mut buf, recv, KIND_BOOK, b.asset);
                buf.push(b.bids.len() as u8);
                buf.push(b.asks.len() as u8);
                for l in b.bids.as_slice().iter().chain(b.asks.as_slice()) {
                    buf.extend_from_slice(&l.px.0.to_le_bytes());
                    buf.extend_from_slice(&l.sz.0.to_le_bytes());
                    buf.extend_from_slice(&l.n.to_le_bytes());
                }
            }
            FeedEvent::Trades(batch) => {
                for t in batch.as_slice() {
                    head(&mut buf, recv, KIND_TRADE, t.asset);
                    buf.push(u8::from(t.side == Side::Ask));
                    buf.extend_from_slice(&t.px.0.to_le_bytes());
                    buf.extend_from_slice(&t.sz.0.to_le_bytes());
                    buf.extend_from_slice(&t.tid.0.to_le_bytes());
                }
            }
            _ => return Ok(()),
        }
        self.out.write_all(&buf).map_err(io(&self.path))?;
        self.records += match ev {
            FeedEvent::Trades(batch) => batch.len() as u64,
            _ => 1,
        };
        Ok(())
    }

    /// Records written.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Flushes to disk.
    pub fn finish(mut self) -> Result<u64, TapeError> {
        self.out.flush().map_err(io(&self.path))?;
        Ok(self.records)
    }
}

fn head(buf: &mut Vec<u8>, recv: Nanos, kind: u8, asset: AssetId) {
    buf.extend_from_slice(&recv.0.to_le_bytes());
    buf.push(kind);
    buf.extend_from_slice(&asset.0.to_le_bytes());
}

/// A tape read into memory: its meta and its events in receive order.
#[derive(Debug, Clone)]
pub struct Tape {
    /// `meta.json`.
    pub meta: TapeMeta,
    /// (receive time, event): books and single-trade batches.
    pub events: Vec<(Nanos, FeedEvent)>,
}

impl Tape {
    /// Reads `dir`.
    pub fn read(dir: &Path) -> Result<Self, TapeError> {
        let meta_path = dir.join("meta.json");
        let text = std::fs::read_to_string(&meta_path).map_err(io(&meta_path))?;
        let meta: TapeMeta =
            serde_json::from_str(&text).map_err(|e| TapeError::Meta(e.to_string()))?;
        if meta.version != TAPE_VERSION {
            return Err(TapeError::Meta(format!(
                "version {} (this build reads {TAPE_VERSION})",
                meta.version
            )));
        }
        let path = dir.join("feed.tape");
        let mut bytes = Vec::new();
        std::fs::File::open(&path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(io(&path))?;
        Ok(Self { events: parse(&bytes)?, meta })
    }
}

/// Reads every record of `bytes` (a `feed.tape`).
pub fn parse(bytes: &[u8]) -> Result<Vec<(Nanos, FeedEvent)>, TapeError> {
    let bad = |offset, reason| TapeError::Malformed { offset, reason };
    if bytes.len() < 10 || &bytes[..8] != MAGIC {
        return Err(bad(0, "not a tape (no HLMMTAPE magic)"));
    }
    if u16::from_le_bytes([bytes[8], bytes[9]]) != TAPE_VERSION {
        return Err(bad(8, "unknown layout version"));
    }
    let mut r = Reader { bytes, at: 10 };
    let mut out = Vec::new();
    while r.at < bytes.len() {
        let start = r.at;
        let Some(ev) = r.record().map_err(|reason| bad(start, reason))? else { break };
        out.push(ev);
    }
    Ok(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let s = self.bytes.get(self.at..self.at + N)?;
        self.at += N;
        s.try_into().ok()
    }

    /// One record; `Ok(None)` for a truncated last one.
    fn record(&mut self) -> Result<Option<(Nanos, FeedEvent)>, &'static str> {
        let (Some(recv), Some([kind]), Some(asset)) =
            (self.take::<8>(), self.take::<1>(), self.take::<4>())
        else {
            return Ok(None);
        };
        let recv = Nanos(u64::from_le_bytes(recv));
        let asset = AssetId(u32::from_le_bytes(asset));
        match kind {
            KIND_BOOK => {
                let (Some([nb]), Some([na])) = (self.take::<1>(), self.take::<1>()) else {
                    return Ok(None);
                };
                let mut b = BookSnapshot { asset, time: recv, ..Default::default() };
                for i in 0..(usize::from(nb) + usize::from(na)) {
                    let (Some(px), Some(sz), Some(n)) =
                        (self.take::<8>(), self.take::<8>(), self.take::<4>())
                    else {
                        return Ok(None);
                    };
                    let l = Level {
                        px: Px(i64::from_le_bytes(px)),
                        sz: Sz(i64::from_le_bytes(sz)),
                        n: u32::from_le_bytes(n),
                    };
                    let side = if i < usize::from(nb) { &mut b.bids } else { &mut b.asks };
                    side.push(l).map_err(|_| "more levels than a book event carries")?;
                }
                Ok(Some((recv, FeedEvent::Book(b))))
            }
            KIND_TRADE => {
                let (Some([side]), Some(px), Some(sz), Some(tid)) =
                    (self.take::<1>(), self.take::<8>(), self.take::<8>(), self.take::<8>())
                else {
                    return Ok(None);
                };
                let side = match side {
                    0 => Side::Bid,
                    1 => Side::Ask,
                    _ => return Err("trade side is neither 0 nor 1"),
                };
                let mut batch = TradeBatch::default();
                let _ = batch.push(Trade {
                    asset,
                    side,
                    px: Px(i64::from_le_bytes(px)),
                    sz: Sz(i64::from_le_bytes(sz)),
                    time: recv,
                    tid: Tid(u64::from_le_bytes(tid)),
                });
                Ok(Some((recv, FeedEvent::Trades(batch))))
            }
            _ => Err("unknown record kind"),
        }
    }
}

#[cfg(test)]
mod tests;
