//! wire: Hyperliquid wire formats.
//!
//! - [`events`]: the fixed-size `Copy` events the feed thread produces.
//! - `feed` (being built): simd-json parsing of WebSocket frames into those events.
//! - [`action`]: typed L1 actions and their canonical msgpack / JSON encodings.
//! - [`sign`]: connection id, EIP-712 `Agent` digest, signing and signer recovery.
//! - [`keys`]: the agent key (zeroized, redacted) and Ethereum addresses.
//! - [`nonce`]: the per-signer nonce counter.
//!
//! Parsing runs on the feed thread, signing on the exec thread, verification in the simulator.
//! Never panics on venue input; never allocates per frame or per signed action in steady state.

pub mod action;
pub mod events;
pub mod keys;
pub mod nonce;
pub mod sign;
