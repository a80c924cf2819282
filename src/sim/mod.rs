//! sim: the Hyperliquid-compatible venue simulator, the engine's default venue.
//!
//! - [`market`]: the pure synthetic-market generator (books, trades, contexts, funding).
//! - [`server`]: the network face: `POST /info`, `POST /exchange`, WS `/ws`, fault control.
//! - [`faults`]: the fault knobs.
//! - [`handle`]: [`SimHandle`] (own runtime thread, for sync callers and tests) and
//!   [`run_standalone`] (for `hlmm sim`); [`SimConfig`].
//!
//! The pure parts (`market`, and the matching engine and accounts) take `now` as an argument
//! and do no I/O; the server wraps them on the simulator's own tokio runtime.

pub mod faults;
pub mod handle;
pub mod market;
pub mod server;

pub use handle::{run_standalone, SimConfig, SimError, SimHandle};
