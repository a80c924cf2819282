//! operator: the engine's side of the operator surface (the API gateway and dashboard of
//! `hlmm-api`, `docs/api.md`). Runs on the side thread, off the trading path.
//!
//! Data flow: the quote thread publishes [`AssetSnapshot`](crate::msg::AssetSnapshot)s (with
//! open orders) and [`Activity`](crate::msg::Activity) records after its intents are pushed;
//! the side thread's [`Station`] turns them into the documents an [`OperatorHub`] serves, and
//! answers the gateway's control calls, which reach the quote thread only through the side
//! thread's control ring (kill, resume, per-symbol halt) or the one config service
//! ([`ConfigDesk`](crate::sync::ConfigDesk)) that `mm_config` uses too.
//!
//! - [`hub`]: [`OperatorHub`], the [`hlmm_api::DataSource`] the gateway reads and commands;
//! - [`ledger`]: [`Ledger`], order history, fills, audit and execution counts;
//! - [`view`]: the documents, built from the side thread's state;
//! - [`station`]: [`Station`], the side thread's operator duties.

pub mod hub;
pub mod ledger;
pub mod station;
pub mod view;

pub use hub::{OperatorHub, OperatorInbox, Published};
pub use ledger::Ledger;
pub use station::{CallContext, Station};
