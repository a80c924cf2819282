//! sim: the Hyperliquid-compatible venue simulator, the engine's default venue.
//!
//! - [`market`]: the pure synthetic-market generator (books, trades, contexts, funding).
//! - [`matching`], [`accounts`], [`actions`], [`exchange`]: the pure venue core: price-time
//!   matching on integer ticks, validation with the venue's exact strings, cross-margin
//!   accounts, fees, funding, and `Exchange::apply(user, action, now)`.
//! - [`server`]: the network face: `POST /info`, `POST /exchange`, WS `/ws`, fault control.
//! - [`venue`]: the generator's house flow traded on the exchange ([`venue::ExchangeVenue`]).
//! - [`faults`]: the fault knobs.
//! - [`handle`]: [`SimHandle`] (own runtime thread, for sync callers and tests) and
//!   [`run_standalone`] (for `hlmm sim`); [`SimConfig`].
//!
//! The pure parts take `now` as an argument and do no I/O; the server wraps them on the
//! simulator's own tokio runtime.

pub mod accounts;
pub mod actions;
pub mod exchange;
#[cfg(feature = "server")]
pub mod faults;
#[cfg(feature = "server")]
pub mod handle;
pub mod market;
pub mod matching;
#[cfg(feature = "server")]
pub mod server;
pub mod venue;

pub use accounts::Address;
#[cfg(feature = "server")]
pub use handle::{run_standalone, SimConfig, SimError, SimHandle};
