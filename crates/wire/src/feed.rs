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
//! `l2Book` frames in the venue's exact layout take a fast path ([`book`]): simd-json's stage 1
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
//! Unknown fields are ignored (the venue adds them over time); missing required fields are
//! errors. Prices and sizes must fit the instrument's scale exactly, except reference prices
//! that the venue computes rather than takes from orders (`allMids` mids and the
//! `activeAssetCtx` prices and day volume), which are rounded half up to the scale.

mod book;
mod subscribe;
mod tape;

use std::fmt;
use std::mem;

use simd_json::{Buffers, ErrorType, Node, Tape};

use self::tape::{opt, req, Val};
use hlmm_types::events::{
    AssetCtx, Bbo, BookSide, Channel, FeedEvent, Fill, FillBatch, FillSource, Funding, InlineVec,
    Level, Liquidation, Mid, NonUserCancel, OrderStatus, OrderUpdate, PostReplyKind, Trade,
    VenueErrorKind, MAX_BOOK_LEVELS,
};
use hlmm_types::{
    parse_fixed, Cloid, DecimalError, InstrumentSpec, Nanos, Oid, Px, Rate, Side, Sz, Tid, TxHash,
    Usd,
};

pub use self::subscribe::{subscribe_message, unsubscribe_message, Address, Subscription, PING};

/// Why a frame was rejected. Small and `Copy`: the feed thread counts it and logs a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The frame is text that does not open a JSON object or array (`Websocket connection
    /// established.`).
    #[error("frame is not json")]
    NotJson,
    /// simd-json rejected the frame (truncated, invalid UTF-8, bad syntax, …).
    #[error("invalid json")]
    Json,
    /// A required field is absent.
    #[error("missing field {0}")]
    MissingField(&'static str),
    /// A field has the wrong JSON type (a number where a string belongs, …).
    #[error("field {0} has the wrong json type")]
    WrongType(&'static str),
    /// A decimal string or an integer that does not convert exactly.
    #[error("field {field}: {err}")]
    BadNumber {
        /// The field.
        field: &'static str,
        /// Why it did not convert.
        err: DecimalError,
    },
    /// A string or array that is not one of the values the venue documents.
    #[error("field {0} has an unexpected value")]
    BadValue(&'static str),
    /// An `l2Book` side with more than [`MAX_BOOK_LEVELS`] levels.
    #[error("l2Book side with more than {MAX_BOOK_LEVELS} levels")]
    TooManyLevels,
    /// A side that is neither `"B"` nor `"A"`.
    #[error("side is neither B nor A")]
    BadSide,
    /// A hash or cloid that is not `0x` and the right number of hex digits.
    #[error("field {0} is not a well-formed id")]
    BadId(&'static str),
}

impl ParseError {
    /// `false` only for [`ParseError::NotJson`]: the venue greets every connection with one
    /// text frame, which is expected, not a malformed frame.
    pub const fn is_malformed(&self) -> bool {
        !matches!(self, Self::NotJson)
    }
}

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
    pub const fn unknown_channels(&self) -> u64 {
        self.frames[Channel::Unknown.index()]
    }

    /// Malformed frames over all channels.
    pub fn bad_frames_total(&self) -> u64 {
        self.bad_frames.iter().sum()
    }
}

/// Coin name → instrument, built once; lookups allocate nothing.
#[derive(Debug, Clone, Default)]
pub struct InstrumentTable {
    /// Sorted by coin bytes for binary search; the first spec given for a coin wins.
    specs: Vec<InstrumentSpec>,
}

impl InstrumentTable {
    /// The table of `instruments`. If a coin appears twice, the first entry is kept.
    pub fn new(instruments: &[InstrumentSpec]) -> Self {
        let mut specs = instruments.to_vec();
        // Stable sort: among equal coins the first given stays first and survives the dedup.
        specs.sort_by(|a, b| a.coin.as_bytes().cmp(b.coin.as_bytes()));
        specs.dedup_by(|later, first| later.coin == first.coin);
        Self { specs }
    }

    /// The instrument named `coin`, as the venue spells it.
    #[inline]
    pub fn get(&self, coin: &[u8]) -> Option<&InstrumentSpec> {
        self.specs
            .binary_search_by(|s| s.coin.as_bytes().cmp(coin))
            .ok()
            .and_then(|i| self.specs.get(i))
    }

    /// Number of instruments.
    pub fn len(&self) -> usize {
        self.specs.len()
    }

    /// `true` when there are none.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
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
    pub fn counters(&self) -> &FeedCounters {
        &self.counters
    }

    /// The instruments this parser converts.
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

/// Items a well-formed frame skipped, for the counters.
#[derive(Debug, Clone, Copy, Default)]
struct Skipped {
    /// Market-data items on unknown coins.
    market: u32,
    /// User-stream items on unknown coins.
    user: u32,
    /// `user` frames of a kind we do not know.
    user_events: u32,
}

type Failed = (Channel, ParseError);

fn channel_from_wire(name: &[u8]) -> Channel {
    match name {
        b"l2Book" => Channel::L2Book,
        b"bbo" => Channel::Bbo,
        b"trades" => Channel::Trades,
        b"allMids" => Channel::AllMids,
        b"orderUpdates" => Channel::OrderUpdates,
        b"userFills" => Channel::UserFills,
        b"user" => Channel::User,
        b"activeAssetCtx" => Channel::ActiveAssetCtx,
        b"subscriptionResponse" => Channel::SubscriptionResponse,
        b"pong" => Channel::Pong,
        b"post" => Channel::Post,
        b"error" => Channel::Error,
        _ => Channel::Unknown,
    }
}

/// The channel a subscription `type` is answered on (`userEvents` → `user`).
fn channel_of_subscription_type(name: &[u8]) -> Channel {
    match name {
        b"userEvents" => Channel::User,
        // `user` is a channel name, not a subscription type.
        b"user" => Channel::Unknown,
        other => channel_from_wire(other),
    }
}

fn parse_frame(
    instruments: &InstrumentTable,
    nodes: &[Node<'_>],
    out: &mut impl FnMut(FeedEvent),
) -> Result<(Channel, Skipped), Failed> {
    let unknown = |e| (Channel::Unknown, e);
    let root = Val::first(nodes).ok_or(unknown(ParseError::Json))?;
    let mut channel = None;
    let mut data = None;
    for (key, val) in root.obj("frame").map_err(unknown)? {
        match key {
            b"channel" => channel = Some(val),
            b"data" => data = Some(val),
            _ => {}
        }
    }
    let name = req(channel, "channel").and_then(|v| v.bytes("channel")).map_err(unknown)?;
    let channel = channel_from_wire(name);
    let t = instruments;
    let data = || req(data, "data");
    let result = match channel {
        Channel::L2Book => data().and_then(|d| l2_book(t, d, out)),
        Channel::Bbo => data().and_then(|d| bbo(t, d, out)),
        Channel::Trades => data().and_then(|d| trades(t, d, out)),
        Channel::AllMids => data().and_then(|d| all_mids(t, d, out)),
        Channel::OrderUpdates => data().and_then(|d| order_updates(t, d, out)),
        Channel::UserFills => data().and_then(|d| user_fills(t, d, out)),
        Channel::User => data().and_then(|d| user_event(t, d, out)),
        Channel::ActiveAssetCtx => data().and_then(|d| active_asset_ctx(t, d, out)),
        Channel::SubscriptionResponse => data().and_then(|d| subscription_response(t, d, out)),
        Channel::Post => data().and_then(|d| post_reply(d, out)),
        Channel::Error => data().and_then(|d| venue_error(d, out)),
        Channel::Pong => {
            out(FeedEvent::Pong);
            Ok(Skipped::default())
        }
        Channel::Unknown => Ok(Skipped::default()),
    };
    result.map(|skipped| (channel, skipped)).map_err(|e| (channel, e))
}

// ---- field conversions ----

#[inline]
fn px(spec: &InstrumentSpec, v: Val<'_, '_>, field: &'static str) -> Result<Px, ParseError> {
    spec.parse_px(v.bytes(field)?).map_err(|err| ParseError::BadNumber { field, err })
}

#[inline]
fn sz(spec: &InstrumentSpec, v: Val<'_, '_>, field: &'static str) -> Result<Sz, ParseError> {
    spec.parse_sz(v.bytes(field)?).map_err(|err| ParseError::BadNumber { field, err })
}

#[inline]
fn signed_sz(spec: &InstrumentSpec, v: Val<'_, '_>, field: &'static str) -> Result<Sz, ParseError> {
    spec.parse_signed_sz(v.bytes(field)?).map_err(|err| ParseError::BadNumber { field, err })
}

#[inline]
fn usd(v: Val<'_, '_>, field: &'static str) -> Result<Usd, ParseError> {
    parse_fixed(v.bytes(field)?, Usd::SCALE)
        .map(Usd)
        .map_err(|err| ParseError::BadNumber { field, err })
}

#[inline]
fn rate(v: Val<'_, '_>, field: &'static str) -> Result<Rate, ParseError> {
    parse_fixed(v.bytes(field)?, Rate::SCALE)
        .map(Rate)
        .map_err(|err| ParseError::BadNumber { field, err })
}

/// A reference price (mid, mark, oracle), rounded half up to the instrument's price scale.
#[inline]
fn ref_px(spec: &InstrumentSpec, v: Val<'_, '_>, field: &'static str) -> Result<Px, ParseError> {
    let bytes = v.bytes(field)?;
    let value = parse_nearest(bytes, spec.px_decimals())
        .map_err(|err| ParseError::BadNumber { field, err })?;
    if value < 0 {
        return Err(ParseError::BadNumber { field, err: DecimalError::Negative });
    }
    Ok(Px(value))
}

/// `bytes` at `scale`, rounding extra fractional digits half away from zero (so `-0.05` at
/// scale 1 is `-1`, i.e. −0.1) where [`parse_fixed`] would refuse them.
fn parse_nearest(bytes: &[u8], scale: u8) -> Result<i64, DecimalError> {
    let Some(dot) = bytes.iter().position(|&b| b == b'.') else {
        return parse_fixed(bytes, scale);
    };
    let keep = dot + 1 + usize::from(scale);
    let Some((kept, extra)) = bytes.split_at_checked(keep) else {
        return parse_fixed(bytes, scale);
    };
    let Some(&first_extra) = extra.first() else {
        return parse_fixed(bytes, scale);
    };
    if !extra.iter().all(u8::is_ascii_digit) {
        return Err(DecimalError::InvalidChar);
    }
    let value = parse_fixed(kept, scale)?;
    if first_extra < b'5' {
        return Ok(value);
    }
    let negative = bytes.first() == Some(&b'-');
    let step = if negative { -1 } else { 1 };
    value.checked_add(step).ok_or(DecimalError::Overflow)
}

#[inline]
fn millis(v: Val<'_, '_>, field: &'static str) -> Result<Nanos, ParseError> {
    v.u64(field).map(Nanos::from_millis)
}

#[inline]
fn side(v: Val<'_, '_>, field: &'static str) -> Result<Side, ParseError> {
    Side::from_wire(v.bytes(field)?).ok_or(ParseError::BadSide)
}

#[inline]
fn cloid(v: Option<Val<'_, '_>>) -> Result<Option<Cloid>, ParseError> {
    opt(v)
        .map(|v| Cloid::parse(v.bytes("cloid")?).map_err(|_| ParseError::BadId("cloid")))
        .transpose()
}

#[inline]
fn tx_hash(v: Val<'_, '_>) -> Result<TxHash, ParseError> {
    TxHash::parse(v.bytes("hash")?).map_err(|_| ParseError::BadId("hash"))
}

#[inline]
fn level(spec: &InstrumentSpec, v: Val<'_, '_>) -> Result<Level, ParseError> {
    // Up to 40 levels a frame: take the venue's exact `{px, sz, n}` shape without a key scan
    // (measured: ~4 % of an l2Book parse).
    let [px_v, sz_v, n_v] = match v.exact_fields([b"px", b"sz", b"n"]) {
        Some(vals) => vals.map(Some),
        None => {
            let (mut px_v, mut sz_v, mut n_v) = (None, None, None);
            for (key, val) in v.obj("level")? {
                match key {
                    b"px" => px_v = Some(val),
                    b"sz" => sz_v = Some(val),
                    b"n" => n_v = Some(val),
                    _ => {}
                }
            }
            [px_v, sz_v, n_v]
        }
    };
    let n = req(n_v, "n")?.u64("n")?;
    Ok(Level {
        px: px(spec, req(px_v, "px")?, "px")?,
        sz: sz(spec, req(sz_v, "sz")?, "sz")?,
        n: u32::try_from(n)
            .map_err(|_| ParseError::BadNumber { field: "n", err: DecimalError::Overflow })?,
    })
}

// ---- batching ----

/// Events emitted and items skipped by [`emit_batches`].
#[derive(Debug, Clone, Copy, Default)]
struct Emitted {
    events: u32,
    skipped: u32,
}

/// Converts `items` (`None` = skipped) into batches of up to `N`, emitted in order, all or
/// nothing. The common frame fits one batch and is converted once; a frame needing several
/// events is converted in full before the first goes out, then again to emit (rare: user
/// snapshots, books of hundreds of mids).
fn emit_batches<I, T, const N: usize>(
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
fn report_unknown_user(channel: Channel, skipped: u32, out: &mut impl FnMut(FeedEvent)) -> Skipped {
    if skipped > 0 {
        out(FeedEvent::UnknownCoinUserData { channel, items: skipped });
    }
    Skipped { user: skipped, ..Skipped::default() }
}

// ---- channels ----

fn l2_book(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let (mut coin, mut time, mut levels) = (None, None, None);
    for (key, val) in data.obj("data")? {
        match key {
            b"coin" => coin = Some(val),
            b"time" => time = Some(val),
            b"levels" => levels = Some(val),
            _ => {}
        }
    }
    let coin = req(coin, "coin")?.bytes("coin")?;
    let time = millis(req(time, "time")?, "time")?;
    let mut levels = req(levels, "levels")?.arr("levels")?;
    if levels.len() != 2 {
        return Err(ParseError::BadValue("levels"));
    }
    let Some(spec) = t.get(coin) else {
        return Ok(Skipped { market: 1, ..Skipped::default() });
    };
    let bids = levels.next().ok_or(ParseError::MissingField("levels"))?;
    let asks = levels.next().ok_or(ParseError::MissingField("levels"))?;
    // Built in place: a book event is ~1 KiB, so it is filled where it will be moved from.
    let mut event = FeedEvent::Book(Default::default());
    if let FeedEvent::Book(book) = &mut event {
        book.asset = spec.asset;
        book.time = time;
        book_side(spec, bids, &mut book.bids)?;
        book_side(spec, asks, &mut book.asks)?;
    }
    out(event);
    Ok(Skipped::default())
}

#[inline]
fn book_side(spec: &InstrumentSpec, v: Val<'_, '_>, side: &mut BookSide) -> Result<(), ParseError> {
    let levels = v.arr("levels")?;
    if levels.len() > MAX_BOOK_LEVELS {
        return Err(ParseError::TooManyLevels);
    }
    for lv in levels {
        side.push(level(spec, lv)?).map_err(|_| ParseError::TooManyLevels)?;
    }
    Ok(())
}

fn bbo(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let (mut coin, mut time, mut best) = (None, None, None);
    for (key, val) in data.obj("data")? {
        match key {
            b"coin" => coin = Some(val),
            b"time" => time = Some(val),
            b"bbo" => best = Some(val),
            _ => {}
        }
    }
    let coin = req(coin, "coin")?.bytes("coin")?;
    let time = millis(req(time, "time")?, "time")?;
    let mut best = req(best, "bbo")?.arr("bbo")?;
    if best.len() != 2 {
        return Err(ParseError::BadValue("bbo"));
    }
    let Some(spec) = t.get(coin) else {
        return Ok(Skipped { market: 1, ..Skipped::default() });
    };
    let bid = opt(best.next()).map(|v| level(spec, v)).transpose()?;
    let ask = opt(best.next()).map(|v| level(spec, v)).transpose()?;
    out(FeedEvent::Bbo(Bbo { asset: spec.asset, time, bid, ask }));
    Ok(Skipped::default())
}

fn trades(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let done = emit_batches(data.arr("data")?, |v| trade(t, v), FeedEvent::Trades, out)?;
    Ok(Skipped { market: done.skipped, ..Skipped::default() })
}

#[inline]
fn trade(t: &InstrumentTable, v: Val<'_, '_>) -> Result<Option<Trade>, ParseError> {
    let (mut coin, mut side_v, mut px_v, mut sz_v, mut time, mut tid) =
        (None, None, None, None, None, None);
    for (key, val) in v.obj("trade")? {
        match key {
            b"coin" => coin = Some(val),
            b"side" => side_v = Some(val),
            b"px" => px_v = Some(val),
            b"sz" => sz_v = Some(val),
            b"time" => time = Some(val),
            b"tid" => tid = Some(val),
            _ => {}
        }
    }
    let Some(spec) = t.get(req(coin, "coin")?.bytes("coin")?) else {
        return Ok(None);
    };
    Ok(Some(Trade {
        asset: spec.asset,
        side: side(req(side_v, "side")?, "side")?,
        px: px(spec, req(px_v, "px")?, "px")?,
        sz: sz(spec, req(sz_v, "sz")?, "sz")?,
        time: millis(req(time, "time")?, "time")?,
        tid: Tid(req(tid, "tid")?.u64("tid")?),
    }))
}

fn all_mids(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let mut mids = None;
    for (key, val) in data.obj("data")? {
        if key == b"mids" {
            mids = Some(val);
        }
    }
    let mids = req(mids, "mids")?.obj("mids")?;
    let convert = |(coin, v): (&[u8], Val<'_, '_>)| -> Result<Option<Mid>, ParseError> {
        let Some(spec) = t.get(coin) else { return Ok(None) };
        Ok(Some(Mid { asset: spec.asset, px: ref_px(spec, v, "mids")? }))
    };
    // Unknown coins are not counted: allMids lists every coin on the venue.
    emit_batches(mids, convert, FeedEvent::Mids, out)?;
    Ok(Skipped::default())
}

fn order_updates(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let done =
        emit_batches(data.arr("data")?, |v| order_update(t, v), FeedEvent::OrderUpdates, out)?;
    Ok(report_unknown_user(Channel::OrderUpdates, done.skipped, out))
}

fn order_update(t: &InstrumentTable, v: Val<'_, '_>) -> Result<Option<OrderUpdate>, ParseError> {
    let (mut order, mut status, mut status_time) = (None, None, None);
    for (key, val) in v.obj("orderUpdate")? {
        match key {
            b"order" => order = Some(val),
            b"status" => status = Some(val),
            b"statusTimestamp" => status_time = Some(val),
            _ => {}
        }
    }
    let status = OrderStatus::from_wire(req(status, "status")?.bytes("status")?);
    let status_time = millis(req(status_time, "statusTimestamp")?, "statusTimestamp")?;
    let (
        mut coin,
        mut side_v,
        mut limit_px,
        mut sz_v,
        mut oid,
        mut timestamp,
        mut orig_sz,
        mut cloid_v,
    ) = (None, None, None, None, None, None, None, None);
    for (key, val) in req(order, "order")?.obj("order")? {
        match key {
            b"coin" => coin = Some(val),
            b"side" => side_v = Some(val),
            b"limitPx" => limit_px = Some(val),
            b"sz" => sz_v = Some(val),
            b"oid" => oid = Some(val),
            b"timestamp" => timestamp = Some(val),
            b"origSz" => orig_sz = Some(val),
            b"cloid" => cloid_v = Some(val),
            _ => {}
        }
    }
    let Some(spec) = t.get(req(coin, "coin")?.bytes("coin")?) else {
        return Ok(None);
    };
    Ok(Some(OrderUpdate {
        asset: spec.asset,
        side: side(req(side_v, "side")?, "side")?,
        limit_px: px(spec, req(limit_px, "limitPx")?, "limitPx")?,
        sz: sz(spec, req(sz_v, "sz")?, "sz")?,
        orig_sz: sz(spec, req(orig_sz, "origSz")?, "origSz")?,
        oid: Oid(req(oid, "oid")?.u64("oid")?),
        cloid: cloid(cloid_v)?,
        timestamp: millis(req(timestamp, "timestamp")?, "timestamp")?,
        status,
        status_time,
    }))
}

fn user_fills(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let (mut is_snapshot, mut fills) = (None, None);
    for (key, val) in data.obj("data")? {
        match key {
            b"isSnapshot" => is_snapshot = Some(val),
            b"fills" => fills = Some(val),
            _ => {}
        }
    }
    let is_snapshot = opt(is_snapshot).map(|v| v.bool("isSnapshot")).transpose()?.unwrap_or(false);
    let fills = req(fills, "fills")?.arr("fills")?;
    let done = emit_fills(t, fills, is_snapshot, FillSource::UserFills, out)?;
    if is_snapshot && done.events == 0 {
        // The (re)subscription's snapshot arrived with nothing in it: say so, so the consumer
        // knows the snapshot is complete.
        out(FeedEvent::Fills(FillBatch {
            is_snapshot,
            source: FillSource::UserFills,
            fills: InlineVec::default(),
        }));
    }
    Ok(report_unknown_user(Channel::UserFills, done.skipped, out))
}

fn emit_fills(
    t: &InstrumentTable,
    fills: tape::Arr<'_, '_>,
    is_snapshot: bool,
    source: FillSource,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Emitted, ParseError> {
    emit_batches(
        fills,
        |v| fill(t, v),
        |fills| FeedEvent::Fills(FillBatch { is_snapshot, source, fills }),
        out,
    )
}

fn fill(t: &InstrumentTable, v: Val<'_, '_>) -> Result<Option<Fill>, ParseError> {
    let (mut coin, mut px_v, mut sz_v, mut side_v, mut time, mut start_position, mut closed_pnl) =
        (None, None, None, None, None, None, None);
    let (mut hash, mut oid, mut crossed, mut fee, mut tid, mut cloid_v, mut liquidation) =
        (None, None, None, None, None, None, None);
    for (key, val) in v.obj("fill")? {
        match key {
            b"coin" => coin = Some(val),
            b"px" => px_v = Some(val),
            b"sz" => sz_v = Some(val),
            b"side" => side_v = Some(val),
            b"time" => time = Some(val),
            b"startPosition" => start_position = Some(val),
            b"closedPnl" => closed_pnl = Some(val),
            b"hash" => hash = Some(val),
            b"oid" => oid = Some(val),
            b"crossed" => crossed = Some(val),
            b"fee" => fee = Some(val),
            b"tid" => tid = Some(val),
            b"cloid" => cloid_v = Some(val),
            b"liquidation" => liquidation = Some(val),
            _ => {}
        }
    }
    let Some(spec) = t.get(req(coin, "coin")?.bytes("coin")?) else {
        return Ok(None);
    };
    Ok(Some(Fill {
        asset: spec.asset,
        side: side(req(side_v, "side")?, "side")?,
        px: px(spec, req(px_v, "px")?, "px")?,
        sz: sz(spec, req(sz_v, "sz")?, "sz")?,
        time: millis(req(time, "time")?, "time")?,
        start_position: signed_sz(spec, req(start_position, "startPosition")?, "startPosition")?,
        closed_pnl: usd(req(closed_pnl, "closedPnl")?, "closedPnl")?,
        fee: usd(req(fee, "fee")?, "fee")?,
        oid: Oid(req(oid, "oid")?.u64("oid")?),
        tid: Tid(req(tid, "tid")?.u64("tid")?),
        hash: tx_hash(req(hash, "hash")?)?,
        cloid: cloid(cloid_v)?,
        crossed: req(crossed, "crossed")?.bool("crossed")?,
        liquidation: opt(liquidation).is_some(),
    }))
}

fn user_event(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let (mut fills, mut funding_v, mut liquidation, mut cancels) = (None, None, None, None);
    for (key, val) in data.obj("data")? {
        match key {
            b"fills" => fills = Some(val),
            b"funding" => funding_v = Some(val),
            b"liquidation" => liquidation = Some(val),
            b"nonUserCancel" => cancels = Some(val),
            _ => {}
        }
    }
    if fills.is_none() && funding_v.is_none() && liquidation.is_none() && cancels.is_none() {
        return Ok(Skipped { user_events: 1, ..Skipped::default() });
    }
    // Convert everything before emitting anything, so the frame stays all or nothing.
    let funding_ev = funding_v.map(|v| funding(t, v)).transpose()?;
    let liquidation_ev = liquidation.map(liquidation_event).transpose()?;
    let mut skipped = 0;
    if let Some(cancels) = cancels {
        // Checked first; emitted after the fills below.
        emit_batches(
            cancels.arr("nonUserCancel")?,
            |v| non_user_cancel(t, v),
            FeedEvent::NonUserCancels,
            &mut |_| {},
        )?;
    }
    if let Some(fills) = fills {
        skipped += emit_fills(t, fills.arr("fills")?, false, FillSource::UserEvents, out)?.skipped;
    }
    match funding_ev {
        Some(Some(f)) => out(FeedEvent::Funding(f)),
        Some(None) => skipped += 1,
        None => {}
    }
    if let Some(l) = liquidation_ev {
        out(FeedEvent::Liquidation(l));
    }
    if let Some(cancels) = cancels {
        let arr = cancels.arr("nonUserCancel")?;
        skipped +=
            emit_batches(arr, |v| non_user_cancel(t, v), FeedEvent::NonUserCancels, out)?.skipped;
    }
    Ok(report_unknown_user(Channel::User, skipped, out))
}

fn funding(t: &InstrumentTable, v: Val<'_, '_>) -> Result<Option<Funding>, ParseError> {
    let (mut time, mut coin, mut usdc, mut szi, mut rate_v) = (None, None, None, None, None);
    for (key, val) in v.obj("funding")? {
        match key {
            b"time" => time = Some(val),
            b"coin" => coin = Some(val),
            b"usdc" => usdc = Some(val),
            b"szi" => szi = Some(val),
            b"fundingRate" => rate_v = Some(val),
            _ => {}
        }
    }
    let Some(spec) = t.get(req(coin, "coin")?.bytes("coin")?) else {
        return Ok(None);
    };
    Ok(Some(Funding {
        asset: spec.asset,
        time: millis(req(time, "time")?, "time")?,
        usdc: usd(req(usdc, "usdc")?, "usdc")?,
        szi: signed_sz(spec, req(szi, "szi")?, "szi")?,
        rate: rate(req(rate_v, "fundingRate")?, "fundingRate")?,
    }))
}

fn liquidation_event(v: Val<'_, '_>) -> Result<Liquidation, ParseError> {
    let (mut lid, mut ntl_pos, mut account_value) = (None, None, None);
    for (key, val) in v.obj("liquidation")? {
        match key {
            b"lid" => lid = Some(val),
            b"liquidated_ntl_pos" => ntl_pos = Some(val),
            b"liquidated_account_value" => account_value = Some(val),
            _ => {}
        }
    }
    Ok(Liquidation {
        lid: req(lid, "lid")?.u64("lid")?,
        liquidated_ntl_pos: usd(req(ntl_pos, "liquidated_ntl_pos")?, "liquidated_ntl_pos")?,
        liquidated_account_value: usd(
            req(account_value, "liquidated_account_value")?,
            "liquidated_account_value",
        )?,
    })
}

fn non_user_cancel(
    t: &InstrumentTable,
    v: Val<'_, '_>,
) -> Result<Option<NonUserCancel>, ParseError> {
    let (mut coin, mut oid) = (None, None);
    for (key, val) in v.obj("nonUserCancel")? {
        match key {
            b"coin" => coin = Some(val),
            b"oid" => oid = Some(val),
            _ => {}
        }
    }
    let oid = Oid(req(oid, "oid")?.u64("oid")?);
    let Some(spec) = t.get(req(coin, "coin")?.bytes("coin")?) else {
        return Ok(None);
    };
    Ok(Some(NonUserCancel { asset: spec.asset, oid }))
}

fn active_asset_ctx(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let (mut coin, mut ctx) = (None, None);
    for (key, val) in data.obj("data")? {
        match key {
            b"coin" => coin = Some(val),
            b"ctx" => ctx = Some(val),
            _ => {}
        }
    }
    let coin = req(coin, "coin")?.bytes("coin")?;
    let ctx = req(ctx, "ctx")?.obj("ctx")?;
    let Some(spec) = t.get(coin) else {
        return Ok(Skipped { market: 1, ..Skipped::default() });
    };
    let (
        mut day_ntl_vlm,
        mut prev_day_px,
        mut mark_px,
        mut mid_px,
        mut funding_v,
        mut oi,
        mut oracle_px,
    ) = (None, None, None, None, None, None, None);
    for (key, val) in ctx {
        match key {
            b"dayNtlVlm" => day_ntl_vlm = Some(val),
            b"prevDayPx" => prev_day_px = Some(val),
            b"markPx" => mark_px = Some(val),
            b"midPx" => mid_px = Some(val),
            b"funding" => funding_v = Some(val),
            b"openInterest" => oi = Some(val),
            b"oraclePx" => oracle_px = Some(val),
            _ => {}
        }
    }
    let day_ntl_vlm = req(day_ntl_vlm, "dayNtlVlm")?.bytes("dayNtlVlm")?;
    out(FeedEvent::AssetCtx(AssetCtx {
        asset: spec.asset,
        day_ntl_vlm: parse_nearest(day_ntl_vlm, Usd::SCALE)
            .map(Usd)
            .map_err(|err| ParseError::BadNumber { field: "dayNtlVlm", err })?,
        prev_day_px: ref_px(spec, req(prev_day_px, "prevDayPx")?, "prevDayPx")?,
        mark_px: ref_px(spec, req(mark_px, "markPx")?, "markPx")?,
        mid_px: opt(mid_px).map(|v| ref_px(spec, v, "midPx")).transpose()?,
        oracle_px: ref_px(spec, req(oracle_px, "oraclePx")?, "oraclePx")?,
        funding: rate(req(funding_v, "funding")?, "funding")?,
        open_interest: sz(spec, req(oi, "openInterest")?, "openInterest")?,
    }));
    Ok(Skipped::default())
}

fn subscription_response(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let (mut method, mut subscription) = (None, None);
    for (key, val) in data.obj("data")? {
        match key {
            b"method" => method = Some(val),
            b"subscription" => subscription = Some(val),
            _ => {}
        }
    }
    let method = req(method, "method")?.bytes("method")?;
    let (mut kind, mut coin) = (None, None);
    for (key, val) in req(subscription, "subscription")?.obj("subscription")? {
        match key {
            b"type" => kind = Some(val),
            b"coin" => coin = Some(val),
            _ => {}
        }
    }
    let channel = channel_of_subscription_type(req(kind, "type")?.bytes("type")?);
    let asset = match opt(coin) {
        Some(coin) => t.get(coin.bytes("coin")?).map(|s| s.asset),
        None => None,
    };
    match method {
        b"subscribe" => out(FeedEvent::Subscribed { channel, asset }),
        // We only unsubscribe on purpose, and the echo carries nothing to act on.
        b"unsubscribe" => {}
        _ => return Err(ParseError::BadValue("method")),
    }
    Ok(Skipped::default())
}

fn post_reply(data: Val<'_, '_>, out: &mut impl FnMut(FeedEvent)) -> Result<Skipped, ParseError> {
    let (mut id, mut response) = (None, None);
    for (key, val) in data.obj("data")? {
        match key {
            b"id" => id = Some(val),
            b"response" => response = Some(val),
            _ => {}
        }
    }
    let id = req(id, "id")?.u64("id")?;
    let mut kind = None;
    for (key, val) in req(response, "response")?.obj("response")? {
        if key == b"type" {
            kind = Some(val);
        }
    }
    let kind = match req(kind, "type")?.bytes("type")? {
        b"info" => PostReplyKind::Info,
        b"action" => PostReplyKind::Action,
        b"error" => PostReplyKind::Error,
        _ => return Err(ParseError::BadValue("type")),
    };
    out(FeedEvent::PostReply { id, kind });
    Ok(Skipped::default())
}

fn venue_error(data: Val<'_, '_>, out: &mut impl FnMut(FeedEvent)) -> Result<Skipped, ParseError> {
    out(FeedEvent::VenueError(venue_error_kind(data.bytes("data")?)));
    Ok(Skipped::default())
}

/// Classifies the text of a venue `error` frame by its prefix (hyperliquid.md §2).
pub fn venue_error_kind(text: &[u8]) -> VenueErrorKind {
    const PREFIXES: [(&[u8], VenueErrorKind); 5] = [
        (b"Already subscribed", VenueErrorKind::AlreadySubscribed),
        (b"Cannot track more than", VenueErrorKind::TooManyUsers),
        (b"Cannot subscribe to more than", VenueErrorKind::TooManyChannels),
        (b"Cannot send more than", VenueErrorKind::TooManyMessages),
        (b"too many pending post requests", VenueErrorKind::TooManyPendingPosts),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| text.starts_with(prefix))
        .map_or(VenueErrorKind::Other, |&(_, kind)| kind)
}

#[cfg(test)]
mod tests;
