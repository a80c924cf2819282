//! The venue's price and size rules for one instrument, in one place.
//!
//! Hyperliquid (`tick-and-lot-size`): a price has at most 5 significant figures and at most
//! `MAX_DECIMALS − szDecimals` decimals (`MAX_DECIMALS` = 6 for perps, 8 for spot), and an
//! integer price is always valid. A size has at most `szDecimals` decimals. An order is worth at
//! least $10 (px × sz at the limit price).
//!
//! With `v = price · 10^D` (`D = MAX_DECIMALS − szDecimals`) as the integer [`Px`], a price is
//! valid iff `v % 10^D == 0` (an integer price) or `v % 10^max(0, digits(v) − 5) == 0` (at most
//! five significant figures). So the tick grows with the price: ETH (szDecimals 4, D = 2) has a
//! tick of 0.1 below 10 000 and 1 above.
//!
//! The engine and the simulator both use this module, so they cannot disagree on a rule.

use super::decimal::{parse_fixed, parse_fixed_unsigned, pow10, DecimalError, DecimalStr};
use super::ids::{AssetId, Coin};
use super::num::{Px, Sz, Usd};

/// Maximum significant figures of a non-integer price.
pub const MAX_SIG_FIGS: u32 = 5;

/// Perpetual or spot: they differ in the maximum number of price decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MarketKind {
    /// A perpetual future (`MAX_DECIMALS` = 6).
    Perp,
    /// A spot pair (`MAX_DECIMALS` = 8).
    Spot,
}

impl MarketKind {
    /// The venue's `MAX_DECIMALS` for prices.
    pub const fn max_decimals(self) -> u8 {
        match self {
            Self::Perp => 6,
            Self::Spot => 8,
        }
    }
}

/// One tradable instrument and its scales, built from the venue's `meta` at startup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InstrumentSpec {
    /// The venue's asset id (index in `meta.universe` for perps).
    pub asset: AssetId,
    /// The coin name as the venue spells it.
    pub coin: Coin,
    /// Perp or spot.
    pub kind: MarketKind,
    /// Decimals of the size (a lot is `10^-szDecimals` coins).
    pub sz_decimals: u8,
}

impl InstrumentSpec {
    /// A perpetual with the given `szDecimals`.
    pub fn perp(asset: AssetId, coin: Coin, sz_decimals: u8) -> Self {
        Self { asset, coin, kind: MarketKind::Perp, sz_decimals }
    }

    /// `D`: the price scale, decimals of one [`Px`] unit.
    pub const fn px_decimals(&self) -> u8 {
        self.kind.max_decimals().saturating_sub(self.sz_decimals)
    }

    /// Parses a venue price string into ticks. Exact: more decimals than `D` is an error.
    pub fn parse_px(&self, s: &[u8]) -> Result<Px, DecimalError> {
        parse_fixed_unsigned(s, self.px_decimals()).map(Px)
    }

    /// Parses a venue size string into lots (non-negative).
    pub fn parse_sz(&self, s: &[u8]) -> Result<Sz, DecimalError> {
        parse_fixed_unsigned(s, self.sz_decimals).map(Sz)
    }

    /// Parses a signed size (`szi`, `startPosition`) into lots.
    pub fn parse_signed_sz(&self, s: &[u8]) -> Result<Sz, DecimalError> {
        parse_fixed(s, self.sz_decimals).map(Sz)
    }

    /// The wire form of a price: no trailing zeros, no exponent (`"1892.3"`, `"2000"`).
    pub fn px_wire(&self, px: Px) -> DecimalStr {
        DecimalStr::new(px.0, self.px_decimals())
    }

    /// The wire form of a size.
    pub fn sz_wire(&self, sz: Sz) -> DecimalStr {
        DecimalStr::new(sz.0, self.sz_decimals)
    }

    /// Whether the venue accepts `px` as an order price.
    pub fn is_valid_px(&self, px: Px) -> bool {
        let v = px.0;
        if v <= 0 {
            return false;
        }
        v % pow10(self.px_decimals()) == 0 || v % sig_fig_step(v) == 0
    }

    /// The distance from `px` to the next valid price above it on the venue's grid, in ticks.
    /// This is the smallest price increment the venue allows near `px`.
    pub fn tick_at(&self, px: Px) -> i64 {
        sig_fig_step(px.0.max(1)).min(pow10(self.px_decimals()))
    }

    /// The largest valid price `<= px`: where a bid at `px` must rest. `Px(0)` (never a valid
    /// order) if `px < 1`.
    pub fn round_bid(&self, px: Px) -> Px {
        let v = px.0;
        if v < 1 {
            return Px(0);
        }
        let by_sig_figs = v - v % sig_fig_step(v);
        let unit = pow10(self.px_decimals());
        let by_integer = v - v % unit;
        Px(by_sig_figs.max(by_integer))
    }

    /// The smallest valid price `>= px`: where an ask at `px` must rest. Prices below one tick
    /// round up to the smallest valid price, `Px(1)`.
    pub fn round_ask(&self, px: Px) -> Px {
        let v = px.0.max(1);
        let step = sig_fig_step(v);
        // Rounding up within the same number of digits never passes 10^digits, which is a
        // multiple of `step` and itself valid, so one step is enough.
        let by_sig_figs = ceil_to(v, step);
        let by_integer = ceil_to(v, pow10(self.px_decimals()));
        Px(by_sig_figs.min(by_integer))
    }

    /// A bid price from a model price in USDC: the largest valid price `<=` it. `None` if the
    /// input is not a finite positive number or does not fit.
    pub fn bid_from_f64(&self, price: f64) -> Option<Px> {
        let v = self.ticks_from_f64(price)?;
        let px = self.round_bid(Px(v.floor() as i64));
        (px.0 > 0).then_some(px)
    }

    /// An ask price from a model price in USDC: the smallest valid price `>=` it.
    pub fn ask_from_f64(&self, price: f64) -> Option<Px> {
        let v = self.ticks_from_f64(price)?;
        Some(self.round_ask(Px(v.ceil() as i64)))
    }

    fn ticks_from_f64(&self, price: f64) -> Option<f64> {
        let v = price * pow10(self.px_decimals()) as f64;
        // Prices above 9e15 ticks do not occur on the venue and would lose integer precision.
        (v.is_finite() && v > 0.0 && v < 9.0e15).then_some(v)
    }

    /// A size from a model quantity in coins, rounded down to whole lots. `None` if not finite
    /// or negative.
    pub fn sz_from_f64_down(&self, qty: f64) -> Option<Sz> {
        let v = qty * pow10(self.sz_decimals) as f64;
        (v.is_finite() && (0.0..9.0e15).contains(&v)).then(|| Sz(v.floor() as i64))
    }

    /// A price in USDC as `f64`, for strategy internals and display only.
    pub fn px_to_f64(&self, px: Px) -> f64 {
        px.0 as f64 / pow10(self.px_decimals()) as f64
    }

    /// A size in coins as `f64`, for strategy internals and display only.
    pub fn sz_to_f64(&self, sz: Sz) -> f64 {
        sz.0 as f64 / pow10(self.sz_decimals) as f64
    }

    /// `px × |sz|` in USD, truncated to the micro-dollar. For perps `D + szDecimals = 6`, so the
    /// product of the two integers is already in micro-dollars.
    pub fn notional(&self, px: Px, sz: Sz) -> Usd {
        let raw = i128::from(px.0) * i128::from(sz.0.abs());
        let scale = i32::from(self.px_decimals()) + i32::from(self.sz_decimals) - 6;
        let micros = if scale >= 0 {
            raw / i128::from(pow10(scale as u8))
        } else {
            raw * i128::from(pow10((-scale) as u8))
        };
        Usd(micros.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
    }

    /// Whether an order of `sz` at `px` meets the venue's $10 minimum value.
    pub fn meets_min_notional(&self, px: Px, sz: Sz) -> bool {
        self.notional(px, sz) >= Usd::MIN_ORDER_VALUE
    }

    /// The smallest size in lots whose value at `px` is at least $10, or `None` if `px` is not
    /// positive.
    pub fn min_order_sz(&self, px: Px) -> Option<Sz> {
        if px.0 <= 0 {
            return None;
        }
        let per_lot = self.notional(px, Sz(1)).0.max(0);
        if per_lot == 0 {
            // One lot is worth less than a micro-dollar: search is not worth it for any
            // instrument the venue lists; treat as unquotable.
            return None;
        }
        let mut lots = (Usd::MIN_ORDER_VALUE.0 + per_lot - 1) / per_lot;
        // `notional` truncates, so step up until the rule is met (at most a step or two).
        while !self.meets_min_notional(px, Sz(lots)) {
            lots += 1;
        }
        Some(Sz(lots))
    }
}

/// `10^max(0, digits(v) − 5)`: the grid step that keeps `v` at five significant figures.
#[inline]
fn sig_fig_step(v: i64) -> i64 {
    let digits = v.unsigned_abs().checked_ilog10().map_or(1, |d| d + 1);
    if digits > MAX_SIG_FIGS {
        pow10((digits - MAX_SIG_FIGS) as u8)
    } else {
        1
    }
}

#[inline]
fn ceil_to(v: i64, step: i64) -> i64 {
    let rem = v % step;
    if rem == 0 {
        v
    } else {
        v + (step - rem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(sz_decimals: u8) -> InstrumentSpec {
        InstrumentSpec::perp(AssetId(0), Coin::new(b"X").expect("coin"), sz_decimals)
    }

    fn spot(sz_decimals: u8) -> InstrumentSpec {
        InstrumentSpec { kind: MarketKind::Spot, ..spec(sz_decimals) }
    }

    fn px(s: &InstrumentSpec, text: &str) -> Px {
        s.parse_px(text.as_bytes()).expect("parsable price")
    }

    #[test]
    fn venue_examples_of_valid_and_invalid_prices() {
        // The examples of hyperliquid.md §6 (tick-and-lot-size).
        let cases: [(&str, InstrumentSpec, &str, bool); 9] = [
            ("integer price with 6 figures is valid", spec(0), "123456", true),
            ("6 significant figures with a decimal is invalid", spec(0), "12345.6", false),
            ("1234.5 is valid", spec(0), "1234.5", true),
            ("1234.56 is invalid", spec(0), "1234.56", false),
            ("0.001234 is valid", spec(0), "0.001234", true),
            ("szDecimals 1: 0.01234 is valid", spec(1), "0.01234", true),
            ("zero is never valid", spec(0), "0", false),
            ("ETH below 10000 has a 0.1 tick", spec(4), "3456.7", true),
            ("ETH above 10000 has a 1 tick", spec(4), "12345.6", false),
        ];
        for (name, s, text, valid) in cases {
            assert_eq!(s.is_valid_px(px(&s, text)), valid, "{name}");
        }
    }

    #[test]
    fn prices_beyond_the_decimal_limit_do_not_parse() {
        // 0.0012345 has 7 decimals; perps allow 6 − szDecimals.
        assert!(spec(0).parse_px(b"0.0012345").is_err());
        assert!(spec(1).parse_px(b"0.012345").is_err());
        // Spot allows 8 − szDecimals.
        assert!(spot(0).parse_px(b"0.0012345").is_ok());
    }

    #[test]
    fn bids_round_down_and_asks_round_up_onto_the_grid() {
        let s = spec(5); // BTC-like: D = 1
        let cases: [(&str, &str, &str); 4] = [
            ("97000.0 is the integer 97000", "97000.0", "97000"),
            ("97001.3 has six figures", "97001.3", "97001"),
            ("integer prices stay", "97001", "97001"),
            ("small prices keep one decimal", "1234.5", "1234.5"),
        ];
        for (name, input, bid) in cases {
            let got = s.round_bid(px(&s, input));
            assert_eq!(s.px_wire(got).as_str(), bid, "{name}");
        }
        assert_eq!(s.px_wire(s.round_ask(px(&s, "97001.3"))).as_str(), "97002");
        // A price just below a power of ten rounds up to it.
        let eth = spec(4);
        assert_eq!(eth.px_wire(eth.round_ask(px(&eth, "9999.95"))).as_str(), "10000");
    }

    #[test]
    fn integer_rule_beats_the_sig_fig_grid_when_closer() {
        // 123456.7 at D = 1: the 5-figure grid gives 123450, the integer rule 123456.
        let s = spec(5);
        assert_eq!(s.px_wire(s.round_bid(px(&s, "123456.7"))).as_str(), "123456");
        assert_eq!(s.px_wire(s.round_ask(px(&s, "123456.7"))).as_str(), "123457");
    }

    #[test]
    fn perp_notional_is_px_times_sz_in_micro_dollars() {
        let s = spec(4); // ETH: D = 2, lots of 0.0001
        let p = px(&s, "2500.5");
        let q = s.parse_sz(b"0.004").expect("size");
        assert_eq!(s.notional(p, q), Usd(10_002_000));
        assert!(s.meets_min_notional(p, q));
        assert!(!s.meets_min_notional(p, Sz(39)));
    }

    #[test]
    fn min_order_size_is_the_smallest_that_meets_ten_dollars() {
        let s = spec(4);
        let p = px(&s, "2500.5");
        let min = s.min_order_sz(p).expect("positive price");
        assert!(s.meets_min_notional(p, min));
        assert!(!s.meets_min_notional(p, Sz(min.0 - 1)));
    }

    #[test]
    fn model_prices_cross_into_ticks_in_the_named_direction() {
        let s = spec(4);
        assert_eq!(
            s.bid_from_f64(2500.56).map(|p| s.px_wire(p).as_str().to_owned()),
            Some("2500.5".into())
        );
        assert_eq!(
            s.ask_from_f64(2500.51).map(|p| s.px_wire(p).as_str().to_owned()),
            Some("2500.6".into())
        );
        assert_eq!(s.bid_from_f64(f64::NAN), None);
        assert_eq!(s.ask_from_f64(-1.0), None);
        assert_eq!(s.sz_from_f64_down(0.00459), Some(Sz(45)));
    }

    #[test]
    fn tick_grows_with_magnitude() {
        let eth = spec(4);
        assert_eq!(eth.tick_at(px(&eth, "3456.7")), 10); // 0.1 USDC = 10 ticks of 0.01
        assert_eq!(eth.tick_at(px(&eth, "12345")), 100); // 1 USDC
    }
}
