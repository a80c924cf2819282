//! backtest::record: a tape of the simulator's public market data, in simulated time: what a
//! recorder connected to `hlmm sim` would have received (books and trades of the spec's coins,
//! each block, `feed_ms` after the block), without anyone of ours trading. The shipped sample
//! `tests/fixtures/tape-sim` is one.

use std::path::Path;

use hlmm_types::{AssetId, Nanos};

use crate::convert::published;
use crate::harness::venue_for;
use crate::spec::BacktestSpec;
use crate::tape::{TapeCoin, TapeError, TapeMeta, TapeWriter, TAPE_VERSION};
use crate::BacktestError;

/// Why a recording failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The spec.
    #[error(transparent)]
    Spec(#[from] BacktestError),
    /// The tape.
    #[error(transparent)]
    Tape(#[from] TapeError),
}

/// Records `spec`'s market (its coins, seed, informed flow, `hours`) into `dir`; returns the
/// records written.
pub fn record_simulator(spec: &BacktestSpec, dir: &Path) -> Result<u64, RecordError> {
    spec.validate()?;
    let mut venue = venue_for(spec)?;
    let coins = venue
        .market()
        .coins()
        .map(|c| TapeCoin {
            name: c.spec.coin.as_str().to_owned(),
            asset: c.spec.asset.0,
            sz_decimals: c.spec.sz_decimals,
        })
        .collect();
    let meta = TapeMeta {
        version: TAPE_VERSION,
        source: format!(
            "hlmm simulator, seed {}, informed share {} lead {} ms",
            spec.seed, spec.informed.share, spec.informed.lead_ms
        ),
        coins,
    };
    let mut tape = TapeWriter::create(dir, &meta)?;
    let feed_ns = (spec.latency.feed_ms * 1e6) as u64;
    let block_ns = spec.block_ms * 1_000_000;
    let start = spec.start_ms * 1_000_000;
    let mut t = start;
    while t <= start + spec.span_ns() {
        if t > start {
            venue.step(Nanos(t));
        }
        let recv = Nanos(t + feed_ns);
        for i in 0..spec.coins.len() {
            let Some(view) = venue.market().coin(AssetId(i as u32)) else { continue };
            let mut failed = None;
            published(&view, t, |ev| {
                if failed.is_none() {
                    failed = tape.write(recv, &ev).err();
                }
            });
            if let Some(e) = failed {
                return Err(e.into());
            }
        }
        t += block_ns;
    }
    Ok(tape.finish()?)
}
