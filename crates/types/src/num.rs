//! Fixed-point quantities: prices in ticks, sizes in lots, USD in micro-dollars, rates.
//!
//! A `Px` or `Sz` is only meaningful together with its instrument's scale
//! ([`crate::InstrumentSpec`]); the arithmetic here is plain integer arithmetic, so the
//! order path never touches `f64`.

use std::ops::{Add, Neg, Sub};

/// A price, in units of `10^-D` USDC where `D = 6 − szDecimals` for perps (`8 − szDecimals`
/// for spot). Not every integer is a valid order price: see
/// [`crate::InstrumentSpec::is_valid_px`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Px(pub i64);

/// A size, in lots of `10^-szDecimals` of the coin. Signed where it is a position (`szi`):
/// positive long, negative short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Sz(pub i64);

/// A USD (USDC) amount, in micro-dollars (`10^-6`, USDC's own precision). Fees, PnL, notional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Usd(pub i64);

/// A dimensionless rate (funding, premium), in units of `10^-12`. The venue sends hourly
/// funding such as `"0.0000125"`, which is `12_500_000` here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rate(pub i64);

impl Usd {
    /// Decimal places of a [`Usd`] (micro-dollars).
    pub const SCALE: u8 = 6;
    /// One dollar.
    pub const ONE: Self = Self(1_000_000);
    /// The venue's minimum order value: $10.
    pub const MIN_ORDER_VALUE: Self = Self(10_000_000);

    /// From whole dollars.
    pub const fn from_dollars(d: i64) -> Self {
        Self(d * 1_000_000)
    }

    /// As `f64` dollars, for display and strategy internals only.
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// From `f64` dollars, rounded to the nearest micro-dollar; `None` if not finite or out of
    /// range. Used where configuration (given in dollars) meets the integer core.
    pub fn from_f64(d: f64) -> Option<Self> {
        let v = (d * 1e6).round();
        (v.is_finite() && v.abs() < 9.0e18).then_some(Self(v as i64))
    }
}

impl Rate {
    /// Decimal places of a [`Rate`].
    pub const SCALE: u8 = 12;

    /// As `f64`, for strategy internals and display.
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / 1e12
    }
}

macro_rules! int_ops {
    ($($t:ident),*) => {$(
        impl Add for $t {
            type Output = Self;
            #[inline]
            fn add(self, rhs: Self) -> Self {
                Self(self.0 + rhs.0)
            }
        }
        impl Sub for $t {
            type Output = Self;
            #[inline]
            fn sub(self, rhs: Self) -> Self {
                Self(self.0 - rhs.0)
            }
        }
        impl Neg for $t {
            type Output = Self;
            #[inline]
            fn neg(self) -> Self {
                Self(-self.0)
            }
        }
        impl $t {
            /// Zero.
            pub const ZERO: Self = Self(0);
            /// Absolute value.
            #[inline]
            pub const fn abs(self) -> Self {
                Self(self.0.abs())
            }
            /// `true` when zero.
            #[inline]
            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }
        }
    )*};
}
int_ops!(Px, Sz, Usd, Rate);
