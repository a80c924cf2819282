//! wire: Hyperliquid wire formats.
//!
//! - [`events`](hlmm_types::events): the fixed-size `Copy` events the feed thread produces.
//! - [`feed`]: simd-json parsing of WebSocket frames into those events, the counters it keeps,
//!   and the outgoing `subscribe` / `ping` frames.
//! - [`reference`](mod@reference): a plain serde_json parser of `l2Book` into the same
//!   [`BookSnapshot`], kept only as the baseline for `benches/parse.rs`.
//! - [`action`]: typed L1 actions and their canonical msgpack / JSON encodings.
//! - [`sign`]: connection id, EIP-712 `Agent` digest, signing and signer recovery.
//! - [`keys`]: the agent key (zeroized, redacted) and Ethereum addresses.
//! - [`nonce`]: the per-signer nonce counter.
//! - `rfc6979`: the deterministic ECDSA nonces our signatures use (SHA extensions, not portable C).
//!
//! [`BookSnapshot`]: hlmm_types::events::BookSnapshot
//!
//! Parsing runs on the feed thread, signing on the exec thread, verification in the simulator.
//! Never panics on venue input; never allocates per frame or per signed action in steady state.

pub mod action;
pub mod feed;
pub mod keys;
pub mod nonce;
pub mod reference;
mod rfc6979;
pub mod sign;

pub use feed::{FeedCounters, FeedParser, InstrumentTable, ParseError, Subscription};
