//! Emitting a frame's items as batched events, all or nothing, and counting what was skipped.

use super::error::ParseError;
use hlmm_types::events::{Channel, FeedEvent, InlineVec};

/// Items a well-formed frame skipped, for the counters.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Skipped {
    /// Market-data items on unknown coins.
    pub(super) market: u32,
    /// User-stream items on unknown coins.
    pub(super) user: u32,
    /// `user` frames of a kind we do not know.
    pub(super) user_events: u32,
}

/// Events emitted and items skipped by [`emit_batches`].
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Emitted {
    pub(super) events: u32,
    pub(super) skipped: u32,
}

/// Converts `items` (`None` = skipped) into batches of up to `N`, emitted in order, all or
/// nothing. The common frame fits one batch and is converted once; a frame needing several
/// events is converted in full before the first goes out, then again to emit (rare: user
/// snapshots, books of hundreds of mids).
pub(super) fn emit_batches<I, T, const N: usize>(
    items: I,
    mut convert: impl FnMut(I::Item) -> Result<Option<T>, ParseError>,
    mut wrap: impl FnMut(InlineVec<T, N>) -> FeedEvent,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Emitted, ParseError>
where
    I: Iterator + Clone,
    T: Copy + Default,
{
    let mut batch = InlineVec::<T, N>::default();
    let mut done = Emitted::default();
    let mut overflow = false;
    for item in items.clone() {
        match convert(item)? {
            Some(x) => {
                if batch.push(x).is_err() {
                    overflow = true;
                    break;
                }
            }
            None => done.skipped += 1,
        }
    }
    if !overflow {
        if !batch.is_empty() {
            out(wrap(batch));
            done.events = 1;
        }
        return Ok(done);
    }
    for item in items.clone() {
        convert(item)?;
    }
    let mut done = Emitted::default();
    batch.clear();
    for item in items {
        let Some(x) = convert(item)? else {
            done.skipped += 1;
            continue;
        };
        if let Err(x) = batch.push(x) {
            out(wrap(batch));
            done.events += 1;
            batch.clear();
            // An empty batch has room for one item (N ≥ 1 for every batch type).
            let _ = batch.push(x);
        }
    }
    if !batch.is_empty() {
        out(wrap(batch));
        done.events += 1;
    }
    Ok(done)
}

/// Reports user-stream items skipped for an unknown coin, in-band.
pub(super) fn report_unknown_user(
    channel: Channel,
    skipped: u32,
    out: &mut impl FnMut(FeedEvent),
) -> Skipped {
    if skipped > 0 {
        out(FeedEvent::UnknownCoinUserData { channel, items: skipped });
    }
    Skipped { user: skipped, ..Skipped::default() }
}
