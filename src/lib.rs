//! hlmm: a low-latency market-making engine for Hyperliquid perpetuals.
//!
//! # Threads (see `../shared/docs/architecture.md`)
//!
//! ```text
//!  [feed] --market data (conflating ring)--> [quote] --intents (lossless)--> [exec] --> venue
//!    `----user stream (lossless ring)--------^   ^----outcomes (lossless)---'
//!  [side] <--> [quote]: config, kill, resume in (lossless); snapshots out (conflated)
//!  [side] <--> Redis (optional): mm_config, mm_position_updates, mm_metrics, scanner
//! ```
//!
//! | module | what it is | which thread runs it |
//! |---|---|---|
//! | [`types`] | units and venue rules: `Px`, `Sz`, `Usd`, ids, rounding | all |
//! | [`wire`] | Hyperliquid wire formats: simd-json feed parsing into `Copy` events (feed); typed L1 actions, msgpack, EIP-712 signing and recovery, agent keys, nonces (exec, sim) | feed, exec, sim |
//! | [`ring`] | bounded SPSC rings with a loss policy per ring | all, one end each |
//! | [`core`] | the pure, synchronous decision core (book, strategy, risk, orders, positions) | quote |
//! | [`engine`] | the four threads, their wiring, pinning and shutdown | all |
//! | [`telemetry`] | per-stage latency histograms and counters | all, recorded without allocation |
//! | [`sim`] | the Hyperliquid-compatible venue simulator: the default venue | its own tokio runtime |
//! | [`venue`] | clients of the exchange (sim, testnet, mainnet): `/info`, subscriptions, the order gateway (plan, sign, WS `post` with REST fallback, reply → outcome, rate budgets, dead-man's switch) | startup, exec, side |
//! | [`config`] | the engine and per-symbol configuration, `validate()` | main, side |
//! | [`sync`] | Redis config hot reload, position updates, metrics; the symbol scanner | side |
//!
//! Dependencies point inward: `engine → core → types`, `engine → wire → types`. Nothing in
//! `core` or `types` does I/O, reads a clock, logs, or knows about threads.

pub mod config;
pub mod engine;
pub mod ring;
pub mod sync;
pub mod telemetry;
pub mod venue;

pub use hlmm_core as core;
#[cfg(feature = "sim")]
pub use hlmm_sim as sim;
pub use hlmm_types as types;
pub use hlmm_wire as wire;
