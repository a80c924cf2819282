//! core: the pure, synchronous decision core, run by the quote thread.
//!
//! It takes events and `now: Nanos` as arguments and pushes commands into caller-owned
//! buffers. It never does I/O, reads a clock, logs, spawns threads or allocates in steady state;
//! the same code runs live, against the simulator, in replays and in benches.
//!
//! Order side (this file's modules): [`commands`] (what the core asks the exec thread to do),
//! [`outcome`] (what exec reports back), [`cloid`] (deterministic client order ids),
//! [`orders`] (the order state machine and the order manager), [`reconcile`] (local state vs a
//! venue snapshot).
#![forbid(unsafe_code)]

pub mod cloid;
pub mod commands;
pub mod orders;
pub mod outcome;
pub mod reconcile;
