//! core: the pure, synchronous decision core (work in progress).
#![forbid(unsafe_code)]

pub mod book;
pub mod fair_value;
pub mod params;
pub mod positions;
pub mod risk;
pub mod strategy;
pub mod volatility;
