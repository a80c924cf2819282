//! types: units and venue rules shared by every thread and by the simulator.
//!
//! - [`Px`], [`Sz`], [`Usd`], [`Rate`]: fixed-point integers (ticks, lots, micro-dollars,
//!   `10^-12`); no `f64` in the order path.
//! - [`InstrumentSpec`]: one instrument's scales and the venue's price and size rules
//!   (5 significant figures, `MAX_DECIMALS − szDecimals`, lots, $10 minimum), with rounding
//!   helpers whose names say the direction (`round_bid` down, `round_ask` up).
//! - Ids: [`AssetId`], [`Coin`], [`Cloid`], [`Oid`], [`Tid`], [`TxHash`], [`Side`], [`Nanos`].
//!
//! Pure and synchronous: no I/O, no clock, no allocation.

pub mod address;
pub mod cloid;
pub mod commands;
pub mod decimal;
pub mod events;
pub mod hex;
pub mod ids;
pub mod instrument;
pub mod num;
pub mod outcome;

pub use address::Address;
pub use decimal::{parse_fixed, DecimalError, DecimalStr};
pub use ids::{AssetId, Cloid, Coin, IdError, Nanos, Oid, Side, Tid, TxHash};
pub use instrument::{InstrumentSpec, MarketKind};
pub use num::{Px, Rate, Sz, Usd};

#[cfg(test)]
mod property_tests {
    use super::*;
    use proptest::prelude::*;

    fn any_spec() -> impl Strategy<Value = InstrumentSpec> {
        (0u8..=5, prop::bool::ANY).prop_map(|(szd, spot)| InstrumentSpec {
            asset: AssetId(1),
            coin: Coin::new(b"T").expect("coin"),
            kind: if spot { MarketKind::Spot } else { MarketKind::Perp },
            sz_decimals: szd,
        })
    }

    proptest! {
        #[test]
        fn price_text_round_trips(spec in any_spec(), v in 1i64..10_000_000_000_000) {
            let text = spec.px_wire(Px(v));
            prop_assert_eq!(spec.parse_px(text.as_str().as_bytes()), Ok(Px(v)));
        }

        #[test]
        fn size_text_round_trips(spec in any_spec(), v in -10_000_000_000_000i64..10_000_000_000_000) {
            let text = spec.sz_wire(Sz(v));
            prop_assert_eq!(spec.parse_signed_sz(text.as_str().as_bytes()), Ok(Sz(v)));
        }

        #[test]
        fn every_rounded_price_is_valid(spec in any_spec(), v in 1i64..10_000_000_000_000) {
            prop_assert!(spec.is_valid_px(spec.round_bid(Px(v))));
            prop_assert!(spec.is_valid_px(spec.round_ask(Px(v))));
        }

        #[test]
        fn rounding_never_crosses_the_intended_side(spec in any_spec(), v in 1i64..10_000_000_000_000) {
            let bid = spec.round_bid(Px(v));
            let ask = spec.round_ask(Px(v));
            prop_assert!(bid.0 <= v, "bid {} above {}", bid.0, v);
            prop_assert!(ask.0 >= v, "ask {} below {}", ask.0, v);
        }

        #[test]
        fn rounding_is_tight(spec in any_spec(), v in 1i64..10_000_000_000_000) {
            // No valid price lies strictly between the rounded price and the input.
            let bid = spec.round_bid(Px(v));
            let ask = spec.round_ask(Px(v));
            let tick = spec.tick_at(bid);
            prop_assert!(v - bid.0 < tick.max(spec.tick_at(Px(v))));
            prop_assert!(ask.0 - v < spec.tick_at(Px(v)).max(spec.tick_at(ask)));
            prop_assert_eq!(spec.round_bid(Px(v)) == Px(v), spec.is_valid_px(Px(v)));
        }

        #[test]
        fn valid_prices_are_fixed_points(spec in any_spec(), v in 1i64..10_000_000_000_000) {
            let p = spec.round_bid(Px(v));
            prop_assert_eq!(spec.round_bid(p), p);
            prop_assert_eq!(spec.round_ask(p), p);
        }

        #[test]
        fn model_prices_never_cross(spec in any_spec(), price in 0.0001f64..200_000.0) {
            if let Some(bid) = spec.bid_from_f64(price) {
                prop_assert!(spec.px_to_f64(bid) <= price * (1.0 + 1e-12));
                prop_assert!(spec.is_valid_px(bid));
            }
            if let Some(ask) = spec.ask_from_f64(price) {
                prop_assert!(spec.px_to_f64(ask) >= price * (1.0 - 1e-12));
                prop_assert!(spec.is_valid_px(ask));
            }
        }
    }
}
