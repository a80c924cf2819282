//! sim: the Hyperliquid-compatible venue simulator (being built).

pub mod accounts;
pub mod actions;
pub mod exchange;
pub mod matching;

pub use accounts::Address;
