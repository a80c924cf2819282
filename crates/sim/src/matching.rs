//! The simulator's matching engine: per-asset order books and the venue's validation rules.
//!
//! - [`book`]: price-time priority on integer ticks and lots, self-trade prevention that
//!   expires the maker, O(1) cancel, depth for `l2Book`.
//! - [`validate`]: the venue's per-order rejection reasons and their exact strings.
//!
//! Pure and synchronous, driven by [`crate::exchange::Exchange`]: no I/O, no clock, no
//! logging, no allocation in steady state.

#![forbid(unsafe_code)]

pub mod book;
pub mod validate;

pub use book::{DepthLevel, MakerOutcome, OrderBook, RestingOrder};
pub use validate::{check_static, parse_order_px, parse_order_sz, OrderRejection};
