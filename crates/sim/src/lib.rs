//! sim: the Hyperliquid-compatible venue simulator, the engine's default venue.
//!
//! Two layers.
//!
//! **The pure venue** (always built; `cargo check -p hlmm-sim --no-default-features`): every
//! rule of the venue, with `now` as an argument. No I/O, no clock, no runtime, no logging, so
//! the backtest and the fault drills drive it in simulated time and get the same answers the
//! server gives.
//! - [`market`]: the synthetic-market generator (books, trades, contexts, funding).
//! - [`matching`], [`accounts`], [`actions`], [`exchange`]: price-time matching on integer
//!   ticks, validation with the venue's exact strings, cross-margin accounts, fees, funding,
//!   and `Exchange::apply(user, action, now)`.
//! - [`venue`]: the generator's house flow traded on the exchange ([`venue::ExchangeVenue`]).
//! - [`rules`]: everything between a received `/exchange` body and the exchange: the body
//!   parsed once into the signed `hlmm_wire` types, signatures (agent and user-signed),
//!   agents, nonces, address request budgets, `expiresAfter`, vault refusal, and the
//!   resolution of wire orders into exchange actions.
//! - [`faults`]: the fault knobs and their state ([`faults::FaultState`]): HTTP faults, the
//!   maintenance outage and post-only window, order rejects, frame faults.
//! - [`state`]: [`state::VenueState`], all of the above in one value: `step(now)` for a block,
//!   `submit(body, signers, gate, now)` for an action.
//!
//! **The server** (feature `server`, on by default): a thin layer that reads the clock, holds
//! the [`state::VenueState`] behind one lock and speaks HTTP and WebSocket.
//! - `server`: `POST /info`, `POST /exchange`, WS `/ws`, fault control, per-IP limits, the
//!   shared fault knobs (`server::Faults`, a lock and tokio's clock around a
//!   [`faults::FaultState`]).
//! - `handle`: `SimHandle` (own runtime thread, for sync callers and tests) and
//!   `run_standalone` (for `hlmm sim`); `SimConfig`.

pub mod accounts;
pub mod actions;
pub mod exchange;
pub mod faults;
#[cfg(feature = "server")]
pub mod handle;
pub mod market;
pub mod matching;
pub mod rules;
#[cfg(feature = "server")]
pub mod server;
pub mod state;
pub mod venue;

pub use accounts::Address;
#[cfg(feature = "server")]
pub use handle::{run_standalone, SimConfig, SimError, SimHandle};
