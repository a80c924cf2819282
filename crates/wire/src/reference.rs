//! A plain serde_json parser of `l2Book` frames into the same [`BookSnapshot`] as
//! [`super::feed::FeedParser`]: the baseline `benches/parse.rs` compares simd-json against.
//!
//! Not used by the engine. Two variants, both with `#[derive(Deserialize)]` on borrowed
//! structs (prices and sizes stay `&str` into the frame until converted):
//! - [`parse_l2_book`]: the idiomatic shape, each side a `Vec` of levels (two allocations per
//!   frame).
//! - [`parse_l2_book_inline`]: each side collected straight into a fixed array, so the serde
//!   baseline allocates nothing either; the stricter comparison.
//!
//! Same rules as the feed parser: exact decimal conversion, at most 20 levels per side.

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use super::feed::InstrumentTable;
use hlmm_types::events::{BookSide, BookSnapshot, InlineVec, Level, MAX_BOOK_LEVELS};
use hlmm_types::{DecimalError, InstrumentSpec, Nanos};

/// Why the reference parser rejected a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// serde_json rejected the frame.
    #[error("invalid json or shape")]
    Json,
    /// Not an `l2Book` frame.
    #[error("not an l2Book frame")]
    NotL2Book,
    /// A coin that is not in the table.
    #[error("unknown coin")]
    UnknownCoin,
    /// A side with more than 20 levels.
    #[error("more than {MAX_BOOK_LEVELS} levels on a side")]
    TooManyLevels,
    /// A price or size that does not convert exactly.
    #[error("bad number: {0}")]
    BadNumber(DecimalError),
}

#[derive(Deserialize)]
struct Frame<'a, B> {
    #[serde(borrow)]
    channel: &'a str,
    data: B,
}

#[derive(Deserialize)]
struct VecBook<'a> {
    #[serde(borrow)]
    coin: &'a str,
    time: u64,
    #[serde(borrow)]
    levels: [Vec<RawLevel<'a>>; 2],
}

#[derive(Deserialize)]
struct InlineBook<'a> {
    #[serde(borrow)]
    coin: &'a str,
    time: u64,
    #[serde(borrow)]
    levels: [RawSide<'a>; 2],
}

#[derive(Deserialize, Clone, Copy, Default)]
struct RawLevel<'a> {
    px: &'a str,
    sz: &'a str,
    n: u32,
}

/// Up to 20 raw levels, collected without a `Vec`.
#[derive(Default)]
struct RawSide<'a>(InlineVec<RawLevel<'a>, MAX_BOOK_LEVELS>);

impl<'de: 'a, 'a> Deserialize<'de> for RawSide<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SideVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for SideVisitor<'a> {
            type Value = RawSide<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of at most 20 levels")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut side = RawSide::default();
                while let Some(level) = seq.next_element::<RawLevel<'a>>()? {
                    side.0.push(level).map_err(|_| de::Error::custom("too many levels"))?;
                }
                Ok(side)
            }
        }
        d.deserialize_seq(SideVisitor(std::marker::PhantomData))
    }
}

fn convert_side<'a>(
    spec: &InstrumentSpec,
    raw: impl ExactSizeIterator<Item = &'a RawLevel<'a>>,
    side: &mut BookSide,
) -> Result<(), ReferenceError> {
    if raw.len() > MAX_BOOK_LEVELS {
        return Err(ReferenceError::TooManyLevels);
    }
    for l in raw {
        let level = Level {
            px: spec.parse_px(l.px.as_bytes()).map_err(ReferenceError::BadNumber)?,
            sz: spec.parse_sz(l.sz.as_bytes()).map_err(ReferenceError::BadNumber)?,
            n: l.n,
        };
        side.push(level).map_err(|_| ReferenceError::TooManyLevels)?;
    }
    Ok(())
}

fn spec_of<'t>(
    table: &'t InstrumentTable,
    channel: &str,
    coin: &str,
) -> Result<&'t InstrumentSpec, ReferenceError> {
    if channel != "l2Book" {
        return Err(ReferenceError::NotL2Book);
    }
    table.get(coin.as_bytes()).ok_or(ReferenceError::UnknownCoin)
}

/// Parses an `l2Book` frame the idiomatic serde way (`Vec` per side).
pub fn parse_l2_book(
    frame: &[u8],
    table: &InstrumentTable,
) -> Result<BookSnapshot, ReferenceError> {
    let f: Frame<'_, VecBook<'_>> =
        serde_json::from_slice(frame).map_err(|_| ReferenceError::Json)?;
    let spec = spec_of(table, f.channel, f.data.coin)?;
    let [bids, asks] = &f.data.levels;
    let mut book = BookSnapshot {
        asset: spec.asset,
        time: Nanos::from_millis(f.data.time),
        ..BookSnapshot::default()
    };
    convert_side(spec, bids.iter(), &mut book.bids)?;
    convert_side(spec, asks.iter(), &mut book.asks)?;
    Ok(book)
}

/// Parses an `l2Book` frame with serde, collecting levels into fixed arrays (no allocation).
pub fn parse_l2_book_inline(
    frame: &[u8],
    table: &InstrumentTable,
) -> Result<BookSnapshot, ReferenceError> {
    let f: Frame<'_, InlineBook<'_>> =
        serde_json::from_slice(frame).map_err(|_| ReferenceError::Json)?;
    let spec = spec_of(table, f.channel, f.data.coin)?;
    let [bids, asks] = &f.data.levels;
    let mut book = BookSnapshot {
        asset: spec.asset,
        time: Nanos::from_millis(f.data.time),
        ..BookSnapshot::default()
    };
    convert_side(spec, bids.0.as_slice().iter(), &mut book.bids)?;
    convert_side(spec, asks.0.as_slice().iter(), &mut book.asks)?;
    Ok(book)
}
