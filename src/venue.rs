//! venue: clients for the exchange's HTTP and WebSocket APIs (the simulator, testnet, mainnet:
//! the same code, only the URLs differ).
//!
//! - [`info`]: `POST /info` requests used at startup and for reconciliation (`meta`, …).
//! - [`exec`]: the order gateway (signed actions over WS `post`, REST fallback, ambiguity
//!   resolution).
//! - [`subscriptions`]: the WebSocket subscribe frames for the coins we quote and our account.
//!
//! Runs on the exec and side threads and at startup; never on the quote thread.

pub mod account;
pub mod admin;
pub mod exec;
pub mod info;
pub mod subscriptions;
