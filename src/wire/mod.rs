//! wire: Hyperliquid wire formats.
//!
//! - [`events`]: the fixed-size `Copy` events the feed thread produces.
//! - `feed` (being built): simd-json parsing of WebSocket frames into those events.
//!
//! Runs on the feed thread. Never panics on venue input; never allocates per frame in steady
//! state.

pub mod events;
