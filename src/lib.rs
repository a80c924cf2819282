//! hlmm: a low-latency market-making engine for Hyperliquid perpetuals.
//!
//! # Threads (see `../shared/docs/architecture.md`)
//!
//! ```text
//!  [feed] --market data (conflating ring)--> [quote] --intents (lossless)--> [exec]
//!    `----user stream (lossless ring)--------^   ^----outcomes, fills--------'
//!  [side] <--> [quote]: config in (lossless), snapshots out (conflated)
//! ```
//!
//! | module | what it is | which thread runs it |
//! |---|---|---|
//! | [`types`] | units and venue rules: `Px`, `Sz`, `Usd`, ids, rounding | all |
//! | [`wire`] | Hyperliquid wire formats: simd-json feed parsing into `Copy` events | feed |
//! | [`ring`] | bounded SPSC rings with a loss policy per ring | all, one end each |
//! | [`core`] | the pure, synchronous decision core (book, strategy, risk, orders, positions) | quote |
//! | [`engine`] | the four threads, their wiring, pinning and shutdown | all |
//! | [`telemetry`] | per-stage latency histograms and counters | all, recorded without allocation |
//! | [`sim`] | the Hyperliquid-compatible venue simulator: the default venue | its own tokio runtime |
//! | [`venue`] | HTTP and WebSocket clients of the exchange (sim, testnet, mainnet) | startup, exec, side |
//! | [`config`] | the engine and per-symbol configuration, `validate()` | main, side |
//! | [`sync`] | Redis config hot reload, position updates, metrics; the symbol scanner | side |
//!
//! Dependencies point inward: `engine → core → types`, `engine → wire → types`. Nothing in
//! `core` or `types` does I/O, reads a clock, logs, or knows about threads.

pub mod config;
pub mod core;
pub mod engine;
pub mod ring;
pub mod sim;
pub mod sync;
pub mod telemetry;
pub mod types;
pub mod venue;
pub mod wire;
