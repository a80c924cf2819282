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
//! | [`core`] | the pure, synchronous decision core (book, strategy, risk, orders, positions) | quote |
//! | [`sim`] | the Hyperliquid-compatible venue simulator: the default venue | its own tokio runtime |
//! | [`runtime`] | the clock seam (`Clock`: system or manual time), reconnect backoff, ordered shutdown | all |
//! | [`msg`] | every ring message (`Stamped`, `Intent`, `ExecReport`, `AssetSnapshot`) and each ring's loss policy | all, one end each |
//! | [`telemetry`] | per-stage latency histograms and counters | all, recorded without allocation |
//! | [`ring`] | bounded SPSC rings with a loss policy per ring | all, one end each |
//! | [`config`] | the engine and per-symbol configuration, `validate()` | main, side |
//! | [`venue`] | clients of the exchange (sim, testnet, mainnet): `/info`, the account snapshot, subscriptions, admin actions, the order gateway seam (`OrderGateway`) and the Hyperliquid gateway (plan, sign, WS `post` with REST fallback, reply → outcome, rate budgets, dead-man's switch) | startup, exec, side |
//! | [`sync`] | Redis config hot reload, position updates, metrics; the symbol scanner | side |
//! | [`engine`] | the four threads, their wiring, pinning and startup | all |
//!
//! Crates: `engine → core → types`, `engine → wire → types`. Nothing in `core` or `types`
//! does I/O, reads a clock, logs, or knows about threads.
//!
//! Inside this package the modules are layered, lowest first, in the order of the table from
//! [`runtime`] to [`engine`]: a module imports only modules below it (`venue` uses `runtime`
//! and `msg`; `sync` also `ring`, `telemetry`, `config` and `venue`; `engine` all of them),
//! never one above, and no two files import each other, directly or round a cycle.
//! `tests/module_arrows.rs` checks both and lists the exceptions still left (each with its
//! reason; the test fails once one is gone, so the list only shrinks).

pub mod config;
pub mod engine;
pub mod msg;
pub mod ring;
pub mod runtime;
pub mod sync;
pub mod telemetry;
pub mod venue;

pub use hlmm_core as core;
#[cfg(feature = "sim")]
pub use hlmm_sim as sim;
pub use hlmm_types as types;
pub use hlmm_wire as wire;
