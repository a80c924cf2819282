//! wire: Hyperliquid wire formats.
//!
//! - [`events`]: the fixed-size `Copy` events the feed thread produces.
//! - [`feed`]: simd-json parsing of WebSocket frames into those events, the counters it keeps,
//!   and the outgoing `subscribe` / `ping` frames.
//! - [`reference`](mod@reference): a plain serde_json parser of `l2Book` into the same
//!   [`events::BookSnapshot`], kept only as the baseline for `benches/parse.rs`.
//!
//! Runs on the feed thread. Never panics on venue input; never allocates per frame in steady
//! state.

pub mod events;
pub mod feed;
pub mod reference;

pub use feed::{Address, FeedCounters, FeedParser, InstrumentTable, ParseError, Subscription};
