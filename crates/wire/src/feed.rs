//! Feed parsing: Hyperliquid WebSocket frames into fixed-size `Copy` [`FeedEvent`]s.
//!
//! Runs on the feed thread, once per received frame. [`FeedParser::parse`] parses the frame in
//! place with simd-json (the frame's bytes are overwritten: copy first anything you want to
//! keep), walks the tape once per object (each key visited once, no repeated lookups) and
//! emits events through a callback, in frame order. It never panics on venue input, and after
//! a few frames of warm-up it never allocates: the simd-json buffers and the tape's `Vec` are
//! kept across frames. [`FeedParser::parse_padded`] takes the frame in a buffer with
//! [`FRAME_PADDING`] spare bytes, which spares simd-json a copy of its own.
//!
//! `l2Book` frames in the venue's exact layout take a fast path (`book`): simd-json's stage 1
//! (the SIMD structural index) and a walk over those indexes, without the tape. Any other
//! layout, and every error, falls back to the tape path, so results and counters are the same
//! either way ([`FeedParser::parse_via_tape`] forces the tape path; `tests/parse_fast_book.rs`).
//!
//! What happens to each kind of frame (every outcome is counted in [`FeedCounters`]):
//!
//! | frame | result | counter |
//! |---|---|---|
//! | a known channel, well formed | `Ok(channel)`, its events | `frames[channel]` |
//! | a channel we do not parse (`candle`, `activeSpotAssetCtx`, …) | `Ok(Channel::Unknown)`, no event | `frames[Unknown]` |
//! | text that does not open a JSON object or array (`Websocket connection established.`) | `Err(NotJson)` | `text_frames` only: not malformed, [`ParseError::is_malformed`] is `false` |
//! | invalid JSON, not an object, or no `channel` | `Err(Json / WrongType("frame") / MissingField("channel") / …)` | `bad_frames[Unknown]` |
//! | a known channel with a missing field, wrong type, bad number, > 20 levels, … | `Err(…)`, **no event at all** from that frame | `bad_frames[channel]` |
//!
//! A frame is all or nothing: a bad item late in a frame never leaves the events of its earlier
//! items emitted (large frames are checked in full before their first event goes out).
//!
//! Coins we do not trade (not in the instrument table given to [`FeedParser::new`]) carry no
//! scale to convert their prices into, so their items are skipped, never an error:
//! - market data (`l2Book`, `bbo`, `trades`, `activeAssetCtx`): counted in
//!   `unknown_coin_market`. `allMids` lists every coin of the venue by design, so its unknown
//!   coins are not counted.
//! - user data (`orderUpdates`, fills, funding, `nonUserCancel`): counted in
//!   `unknown_coin_user` **and** reported in-band by [`FeedEvent::UnknownCoinUserData`] after the
//!   frame's other events, because activity on a coin we do not manage means reconciliation
//!   must look at the account.
//!
//! Where things are: [`FeedParser`] (this file) owns the buffers, picks the path and keeps the
//! counters; `frame` reads the envelope and hands `data` to the channel's decoder in `market`
//! (`l2Book`, `bbo`, `trades`, `allMids`, `activeAssetCtx`), `user` (`orderUpdates`,
//! `userFills`, `user`) or `control` (`subscriptionResponse`, `post`, `error`); `fields`
//! converts venue text into units and ids, `emit` batches items into events all or nothing,
//! `tape` reads simd-json's tape, `book` is the `l2Book` fast path, and `subscribe` writes the
//! outgoing frames.
//!
//! Unknown fields are ignored (the venue adds them over time); missing required fields are
//! errors. Prices and sizes must fit the instrument's scale exactly, except reference prices
//! that the venue computes rather than takes from orders (`allMids` mids and the
//! `activeAssetCtx` prices and day volume), which are rounded half up to the scale.

mod book;
mod control;
mod emit;
mod error;
mod fields;
mod frame;
mod instruments;
mod market;
mod subscribe;
mod tape;
mod user;

use std::fmt;
use std::mem;

use simd_json::{Buffers, ErrorType, Tape};

use self::frame::parse_frame;
use hlmm_types::events::{Channel, FeedEvent};
use hlmm_types::InstrumentSpec;

pub use self::control::venue_error_kind;
pub use self::error::ParseError;
pub use self::instruments::InstrumentTable;
pub use self::subscribe::{subscribe_message, unsubscribe_message, Address, Subscription, PING};

/// What the parser has seen, as plain counters owned by the feed thread (which copies them into
/// the shared atomic health counters). Arrays are indexed by [`Channel::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedCounters {
    /// Frames accepted, per channel. `frames[Channel::Unknown]` counts frames of channels we do
    /// not parse.
    pub frames: [u64; Channel::COUNT],
    /// Frames rejected as malformed, per channel. `bad_frames[Channel::Unknown]` counts frames
    /// whose channel could not be read (invalid JSON, no `channel`).
    pub bad_frames: [u64; Channel::COUNT],
    /// Text frames that are not JSON objects ([`ParseError::NotJson`]).
    pub text_frames: u64,
    /// Market-data items skipped because their coin is not in our instrument table.
    pub unknown_coin_market: u64,
    /// User-stream items skipped because their coin is not in our instrument table (each frame
    /// with any also emits [`FeedEvent::UnknownCoinUserData`]).
    pub unknown_coin_user: u64,
    /// `user` frames holding none of `fills`, `funding`, `liquidation`, `nonUserCancel`.
    pub unknown_user_events: u64,
}

impl FeedCounters {
    /// Frames of channels we do not parse.
    #[inline]
    pub const fn unknown_channels(&self) -> u64 {
        self.frames[Channel::Unknown.index()]
    }

    /// Malformed frames over all channels.
    pub fn bad_frames_total(&self) -> u64 {
        self.bad_frames.iter().sum()
    }
}
/// The feed parser: one per feed thread, reused for every frame.
pub struct FeedParser {
    /// Which coins we convert, and their scales.
    instruments: InstrumentTable,
    /// simd-json's scratch space (structural indexes, padded input copy, string buffer), kept
    /// so a steady-state frame allocates nothing.
    buffers: Buffers,
    /// The same for the `l2Book` fast path ([`book`]), built with a nesting limit of 0: stage 2
    /// then stops at the root `{` with `DepthLimitExceeded` once stage 1 has filled the
    /// structural indexes, which is all that path reads.
    stage1: Buffers,
    /// The tape's allocation, kept empty between frames. `'static` because it holds no nodes
    /// then; [`Tape::reset`] re-lifetimes it to each frame's borrow.
    tape: Tape<'static>,
    /// What we have seen.
    counters: FeedCounters,
}

impl fmt::Debug for FeedParser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FeedParser")
            .field("instruments", &self.instruments)
            .field("tape_capacity", &self.tape.0.capacity())
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

/// Frame size the buffers start sized for (a 20-level book is ~2.5 KiB; user snapshots are
/// larger and grow the buffers once).
const INITIAL_FRAME_CAPACITY: usize = 16 * 1024;
/// Tape nodes reserved up front (a 20-level book is ~250 nodes).
const INITIAL_TAPE_NODES: usize = 1024;

impl FeedParser {
    /// A parser converting the coins of `instruments`; any other coin is skipped and counted.
    pub fn new(instruments: &[InstrumentSpec]) -> Self {
        Self {
            instruments: InstrumentTable::new(instruments),
            buffers: Buffers::new(INITIAL_FRAME_CAPACITY),
            stage1: Buffers::with_max_depth(INITIAL_FRAME_CAPACITY, 0),
            tape: Tape(Vec::with_capacity(INITIAL_TAPE_NODES)),
            counters: FeedCounters::default(),
        }
    }

    /// The counters so far.
    #[inline]
    pub fn counters(&self) -> &FeedCounters {
        &self.counters
    }

    /// The instruments this parser converts.
    #[inline]
    pub fn instruments(&self) -> &InstrumentTable {
        &self.instruments
    }

    /// Parses one text frame in place (simd-json overwrites `frame`) and passes its events to
    /// `out` in frame order. Returns the frame's channel, or why it was rejected; a rejected
    /// frame has emitted nothing. See the module docs for every outcome and its counter.
    pub fn parse(
        &mut self,
        frame: &mut [u8],
        out: &mut impl FnMut(FeedEvent),
    ) -> Result<Channel, ParseError> {
        let len = frame.len();
        self.parse_inner(frame, len, false, true, out)
    }

    /// [`FeedParser::parse`] without the `l2Book` fast path: every frame goes through
    /// simd-json's general tape. Same results and counters; for the benches and tests that
    /// compare the two paths.
    pub fn parse_via_tape(
        &mut self,
        frame: &mut [u8],
        out: &mut impl FnMut(FeedEvent),
    ) -> Result<Channel, ParseError> {
        let len = frame.len();
        self.parse_inner(frame, len, false, false, out)
    }

    /// Like [`FeedParser::parse`] for a frame in `buf[..len]` followed by at least
    /// [`FRAME_PADDING`] bytes of any content (left unchanged). This spares simd-json its own
    /// padded copy of the frame: the feed thread already copies each received frame into a
    /// reusable buffer (parsing is destructive), so it can keep the padding there. A `buf`
    /// with less padding is rejected as [`ParseError::Json`].
    pub fn parse_padded(
        &mut self,
        buf: &mut [u8],
        len: usize,
        out: &mut impl FnMut(FeedEvent),
    ) -> Result<Channel, ParseError> {
        self.parse_inner(buf, len, true, true, out)
    }

    fn parse_inner(
        &mut self,
        buf: &mut [u8],
        len: usize,
        padded: bool,
        fast: bool,
        out: &mut impl FnMut(FeedEvent),
    ) -> Result<Channel, ParseError> {
        let frame = buf.get(..len).unwrap_or(&[]);
        // The venue's greeting is plain text; anything not opening a JSON container is text.
        if !matches!(frame.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{' | b'[')) {
            self.counters.text_frames += 1;
            return Err(ParseError::NotJson);
        }
        if fast && frame.starts_with(book::PREFIX) && self.l2_book_fast(buf, len, padded, out) {
            self.counters.frames[Channel::L2Book.index()] += 1;
            return Ok(Channel::L2Book);
        }
        self.parse_tape(buf, len, padded, out)
    }

    /// The `l2Book` fast path ([`book`]): `true` if it parsed the frame and emitted its event,
    /// `false` (nothing emitted, `buf` unchanged) if the frame must take the tape path.
    fn l2_book_fast(
        &mut self,
        buf: &mut [u8],
        len: usize,
        padded: bool,
        out: &mut impl FnMut(FeedEvent),
    ) -> bool {
        let mut tape = mem::replace(&mut self.tape, Tape(Vec::new())).reset();
        let stage1 = if padded {
            simd_json::fill_tape_padded(buf, len, &mut self.stage1, &mut tape)
        } else {
            simd_json::fill_tape(buf, &mut self.stage1, &mut tape)
        };
        self.tape = tape.reset();
        // With a nesting limit of 0 a frame opening with `{` fails exactly this way when stage
        // 1 succeeded; any other error (invalid UTF-8, an unclosed string, …) is the tape
        // path's to report.
        if !matches!(stage1, Err(e) if *e.error() == ErrorType::DepthLimitExceeded) {
            return false;
        }
        let Some(frame) = buf.get(..len) else { return false };
        // Built in place: a book event is ~1 KiB, so it is filled where it will be moved from.
        let mut event = FeedEvent::Book(Default::default());
        let FeedEvent::Book(snapshot) = &mut event else { return false };
        if book::l2_book(&self.instruments, frame, self.stage1.structural_indexes(), snapshot)
            .is_none()
        {
            return false;
        }
        out(event);
        true
    }

    /// Every channel: simd-json's tape, then one pass over each object's keys.
    fn parse_tape(
        &mut self,
        buf: &mut [u8],
        len: usize,
        padded: bool,
        out: &mut impl FnMut(FeedEvent),
    ) -> Result<Channel, ParseError> {
        let mut tape = mem::replace(&mut self.tape, Tape(Vec::new())).reset();
        let filled = if padded {
            simd_json::fill_tape_padded(buf, len, &mut self.buffers, &mut tape)
        } else {
            simd_json::fill_tape(buf, &mut self.buffers, &mut tape)
        };
        let result = match filled {
            Ok(()) => parse_frame(&self.instruments, &tape.0, out),
            Err(_) => Err((Channel::Unknown, ParseError::Json)),
        };
        self.tape = tape.reset();
        match result {
            Ok((channel, skipped)) => {
                self.counters.frames[channel.index()] += 1;
                self.counters.unknown_coin_market += u64::from(skipped.market);
                self.counters.unknown_coin_user += u64::from(skipped.user);
                self.counters.unknown_user_events += u64::from(skipped.user_events);
                Ok(channel)
            }
            Err((channel, err)) => {
                self.counters.bad_frames[channel.index()] += 1;
                Err(err)
            }
        }
    }
}

/// Bytes [`FeedParser::parse_padded`] needs after the frame.
pub const FRAME_PADDING: usize = simd_json::INPUT_PADDING;

#[cfg(test)]
mod tests;
