//! venue: clients for the exchange's HTTP and WebSocket APIs (the simulator, testnet, mainnet:
//! the same code, only the URLs differ).
//!
//! - [`info`]: `POST /info` requests used at startup and for reconciliation (`meta`, …).
//! - [`account`]: the account's snapshot (`clearinghouseState` + `frontendOpenOrders`).
//! - [`admin`]: signed startup actions (`updateLeverage`, `cancelByCloid`).
//! - [`gateway`]: the [`OrderGateway`](gateway::OrderGateway) seam the exec thread drives.
//! - [`exec`]: the Hyperliquid order gateway (signed actions over WS `post`, REST fallback,
//!   ambiguity resolution).
//! - [`subscriptions`]: the WebSocket subscribe frames for the coins we quote and our account.
//!
//! Runs on the exec and side threads and at startup; never on the quote thread. It uses
//! [`crate::runtime`] (the clock) and [`crate::msg`] (intents and exec reports), never the
//! engine that drives it.

pub mod account;
pub mod admin;
pub mod exec;
pub mod gateway;
pub mod info;
pub mod subscriptions;
