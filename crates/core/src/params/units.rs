//! The units of per-symbol parameters, and the only conversions between the operator's units
//! (dollars, milliseconds: what the file and `mm_config` carry) and the core's (micro-dollars,
//! nanoseconds).
//!
//! The rules ([`super::rules`]) are written in the operator's units. The file config converts
//! to the core with [`millis_to_nanos`] and [`usd_from_dollars`]; the core reads its own values
//! back in the rules' units with [`nanos_as_millis`] and [`Usd::to_f64`]. Both directions are
//! here, so they cannot disagree.

use hlmm_types::Usd;

/// A duration in nanoseconds: the core's unit for every per-symbol duration.
pub type DurationNs = u64;

/// Nanoseconds per millisecond.
pub const NANOS_PER_MILLI: u64 = 1_000_000;

/// A duration written in milliseconds (the file, `mm_config`) as the core's nanoseconds.
/// Saturates, so a huge value stays out of every range instead of wrapping into one.
pub const fn millis_to_nanos(ms: u64) -> DurationNs {
    ms.saturating_mul(NANOS_PER_MILLI)
}

/// A core duration in whole milliseconds, rounded down: for the built-in defaults, which are
/// whole milliseconds.
pub const fn nanos_to_millis(ns: DurationNs) -> u64 {
    ns / NANOS_PER_MILLI
}

/// A core duration in milliseconds, fractions kept: how the core checks its durations against
/// a rule written in milliseconds (`99_999_999` ns is `99.999999` ms, below a 100 ms floor).
pub fn nanos_as_millis(ns: DurationNs) -> f64 {
    ns as f64 / NANOS_PER_MILLI as f64
}

/// Dollars as the core's micro-dollars, rounded to the nearest micro-dollar (as
/// [`Usd::from_f64`]). Saturates instead of failing: `+inf` and values past the range become
/// the largest amount, `-inf`, `NaN` and values below the range the most negative one. Every
/// dollar rule has a finite range with a floor of at least 0, so a value the rules refuse in
/// dollars is refused in micro-dollars too.
pub fn usd_from_dollars(dollars: f64) -> Usd {
    Usd::from_f64(dollars).unwrap_or(if dollars > 0.0 { Usd(i64::MAX) } else { Usd(i64::MIN) })
}

/// `dollars` at the core's resolution (micro-dollars), still in dollars: the value the core
/// will hold. The rules check dollar amounts at this resolution, so `1e-7` for a positive
/// amount is refused in the file as it would be in the core (where it is 0).
pub fn dollars_at_core_resolution(dollars: f64) -> f64 {
    (dollars * 1e6).round() / 1e6
}

/// What a per-symbol number measures, as the operator writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Basis points of a price (1 bps = 0.01 %).
    Bps,
    /// Basis points of the deployed notional per UTC day.
    BpsPerDay,
    /// US dollars (the core holds micro-dollars, [`Usd`]).
    Usd,
    /// A fraction of the position's notional (`0.05` = 5 %).
    Fraction,
    /// Milliseconds (the core holds nanoseconds, [`DurationNs`]).
    Millis,
    /// A multiple of the volatility's standard deviation.
    StdDevs,
    /// Half-spreads.
    HalfSpreads,
    /// Price ticks of the instrument.
    Ticks,
    /// Mid returns (samples).
    Samples,
    /// 1-minute bars.
    Bars,
    /// Full-size fills (one `notional_per_side` each) per day.
    FillsPerDay,
    /// Volatility as a fraction of the price per √second.
    PerSqrtSecond,
}

impl Unit {
    /// As written after a number in docs and messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Bps => "bps",
            Self::BpsPerDay => "bps/day",
            Self::Usd => "usd",
            Self::Fraction => "fraction",
            Self::Millis => "ms",
            Self::StdDevs => "std devs",
            Self::HalfSpreads => "half-spreads",
            Self::Ticks => "ticks",
            Self::Samples => "samples",
            Self::Bars => "bars",
            Self::FillsPerDay => "fills/day",
            Self::PerSqrtSecond => "1/√s",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_and_nanoseconds_convert_both_ways() {
        assert_eq!(millis_to_nanos(500), 500_000_000);
        assert_eq!(millis_to_nanos(u64::MAX), u64::MAX, "saturates");
        assert_eq!(nanos_to_millis(millis_to_nanos(86_400_000)), 86_400_000);
        assert_eq!(nanos_as_millis(99_999_999), 99.999_999);
    }

    #[test]
    fn dollars_round_to_micro_dollars_and_saturate() {
        assert_eq!(usd_from_dollars(10.0), Usd::from_dollars(10));
        assert_eq!(usd_from_dollars(9.999_999_7), Usd::from_dollars(10));
        assert_eq!(usd_from_dollars(f64::INFINITY), Usd(i64::MAX));
        assert_eq!(usd_from_dollars(1e300), Usd(i64::MAX));
        assert_eq!(usd_from_dollars(f64::NEG_INFINITY), Usd(i64::MIN));
        assert_eq!(usd_from_dollars(f64::NAN), Usd(i64::MIN));
        assert_eq!(dollars_at_core_resolution(9.999_999_7), 10.0);
        assert_eq!(usd_from_dollars(0.123_456_4).to_f64(), dollars_at_core_resolution(0.123_456_4));
    }
}
