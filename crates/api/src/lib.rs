//! hlmm-api: the operator's surface. An API gateway (REST under `/api/v1`, a WebSocket stream,
//! `/metrics` for Prometheus, an OpenAPI document) and the web dashboard, served from files
//! embedded in the binary. The contract, with every JSON shape, is `docs/api.md`.
//!
//! Where it sits: the gateway runs on its own low-priority thread with a small tokio runtime
//! and reads and commands only through one [`DataSource`]. The engine implements it over the
//! side thread (`hlmm::operator`): reads come from a view the side thread refreshes, control
//! requests go to the side thread, which owns the control ring into the quote thread and the
//! config service. So nothing here can touch the trading path. A standalone gateway can
//! implement [`DataSource`] over Redis instead.
//!
//! | module | job |
//! |---|---|
//! | [`model`] | the JSON documents |
//! | [`source`] | the [`DataSource`] interface, live events, metric families |
//! | [`auth`] | bearer tokens with read / control scopes, constant-time checks |
//! | [`guard`] | stream tickets, `Host` / `Origin` checks, the control rate limit |
//! | [`server`] | the thread, the listener and the router |
//! | `state` | what every handler shares: source, tokens, guards, the stream sender |
//! | `handlers` | REST reads and control calls |
//! | `stream` | the WebSocket hub and clients |
//! | [`metrics`] | the Prometheus exposition |
//! | `assets`, `openapi` | the embedded dashboard and the API description |

pub mod auth;
pub mod error;
pub mod guard;
pub mod metrics;
pub mod model;
pub mod server;
pub mod source;

mod assets;
mod handlers;
mod openapi;
mod state;
mod stream;

pub use auth::{Scope, Token, TokenSet};
pub use server::{start, ApiHandle, ApiSettings, StartError};
pub use source::{DataSource, LiveEvent, MetricsSnapshot, Unavailable};
