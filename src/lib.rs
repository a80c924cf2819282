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
//! | [`types`] (crate `hlmm-types`) | units and venue rules: `Px`, `Sz`, `Usd`, ids, `Address`, `Tif`, rounding; feed events, core commands and outcomes | all |
//! | [`wire`] (crate `hlmm-wire`) | Hyperliquid wire formats: simd-json feed parsing into `Copy` events (feed); typed L1 actions, msgpack, EIP-712 signing and recovery, agent keys, nonces (exec, sim) | feed, exec, sim |
//! | [`core`] (crate `hlmm-core`) | the pure, synchronous decision core (book, strategy, risk, orders, positions, the per-symbol parameter rules) | quote |
//! | [`sim`] (crate `hlmm-sim`) | the Hyperliquid-compatible venue simulator: the default venue | its own tokio runtime |
//! | [`runtime`] | the clock seam (`Clock`: system or manual time), reconnect backoff, ordered shutdown | all |
//! | [`msg`] | every ring message (`Stamped`, `Intent`, `ExecReport`, `AssetSnapshot`) and each ring's loss policy | all, one end each |
//! | [`telemetry`] | per-stage latency histograms and counters | all, recorded without allocation |
//! | [`ring`] | bounded SPSC rings with a loss policy per ring | all, one end each |
//! | [`config`] | the engine and per-symbol configuration, `validate()` | main, side |
//! | [`venue`] | clients of the exchange (sim, testnet, mainnet): `/info`, the account snapshot, subscriptions, admin actions, the order gateway seam (`OrderGateway`) and the Hyperliquid gateway (plan, sign, WS `post` with REST fallback, reply → outcome, rate budgets, dead-man's switch) | startup, exec, side |
//! | [`sync`] | Redis config hot reload, position updates, metrics; the symbol scanner | side |
//! | [`engine`] | the four threads, their wiring, pinning and startup | all |
//! | `backtest` (feature `sim`) | the config file as a backtest spec (crate `hlmm-backtest`), sweep grids | main (`hlmm backtest`) |
//!
//! # Crates (a cargo workspace; the crate graph is the architecture)
//!
//! ```text
//!  hlmm ──▶ hlmm-core ───────────────▶ hlmm-types
//!   │ └───▶ hlmm-wire ───────────────▶ hlmm-types
//!   ├─────▶ hlmm-sim (feature `sim`) ─▶ hlmm-wire, hlmm-types
//!   └─────▶ hlmm-backtest (feature `sim`) ─▶ hlmm-core, hlmm-sim, hlmm-wire, hlmm-types
//! ```
//!
//! | crate | job | may depend on |
//! |---|---|---|
//! | `hlmm-types` (`crates/types`) | the vocabulary: units, ids, `Address`, `Tif`, venue rounding rules, feed events, core commands and outcomes | serde, thiserror: no I/O |
//! | `hlmm-core` (`crates/core`) | the pure decision core: book, strategy, risk, orders, positions, parameter rules, reconcile | `hlmm-types` only: no tokio, no clock, no logging; `forbid(unsafe_code)` |
//! | `hlmm-wire` (`crates/wire`) | feed parsing (simd-json), L1 actions, msgpack, EIP-712 signing, agent keys, nonces | `hlmm-types`, parsers, crypto |
//! | `hlmm-sim` (`crates/sim`) | the venue simulator: a pure venue core (matching, accounts, market, venue rules, fault state; `now` injected) and the HTTP/WebSocket server on top (feature `server`) | `hlmm-types`, `hlmm-wire`; tokio and axum only in `server` |
//! | `hlmm-backtest` (`crates/backtest`) | the deterministic pair harness: the core against the pure venue in simulated time, latency model, trading-quality metrics, JSON/HTML reports, parallel sweeps | `hlmm-core`, `hlmm-sim` (pure), `hlmm-wire`, `hlmm-types`: no clock, no I/O but the caller's |
//! | `hlmm` (this package) | threads, venue clients, Redis sync, config, telemetry, rings, the binary | all of the above |
//!
//! Arrows point one way: nothing below `hlmm` knows about threads, sockets to the venue or
//! Redis, and the core's Cargo.toml is its purity guarantee. The crates are re-exported here
//! under their old module names ([`types`], [`core`], [`wire`], [`sim`]).
//!
//! Nothing in `core` or `types` does I/O, reads a clock, logs, or knows about threads, and the
//! compiler holds them to it: their manifests name no crate that could
//! (`tests/core_boundary.rs` checks the manifests and `cargo tree -p hlmm-core`).
//!
//! # Modules of this package
//!
//! Inside this package the modules are layered, lowest first, in the order of the table from
//! [`runtime`] to [`engine`]: a module imports only modules below it (`venue` uses `runtime`
//! and `msg`; `sync` also `ring`, `telemetry`, `config` and `venue`; `engine` all of them),
//! never one above, and no two files import each other, directly or round a cycle.
//! `tests/module_arrows.rs` checks both; it has no exception left.

#[cfg(feature = "sim")]
pub mod backtest;
pub mod config;
pub mod engine;
pub mod msg;
pub mod operator;
pub mod ring;
pub mod runtime;
pub mod sync;
pub mod telemetry;
pub mod venue;

#[cfg(feature = "sim")]
pub use hlmm_backtest as backtest_harness;
pub use hlmm_core as core;
#[cfg(feature = "sim")]
pub use hlmm_sim as sim;
pub use hlmm_types as types;
pub use hlmm_wire as wire;
