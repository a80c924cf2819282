//! Exact conversion between Hyperliquid decimal strings and fixed-point integers.
//!
//! The venue sends every price, size and amount as a decimal string (`"97000.0"`, `"0.0123"`,
//! `"-1.5"`). We hold them as `i64` counts of `10^-scale` units, so the conversion must be exact:
//! a string with more significant fractional digits than the scale allows is an error, never a
//! silent rounding. Trailing zeros beyond the scale are fine (`"97000.0"` at scale 0).
//!
//! Runs on the feed thread for every frame: no allocation, no panics on any input.

use std::fmt;

/// Largest scale we accept (10^-18 units). Hyperliquid uses at most 8 decimals for prices and
/// 6 for USDC amounts; funding rates use a few more.
pub const MAX_SCALE: u8 = 18;

/// Why a decimal string could not be converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    /// The string was empty, or just a sign or a dot.
    #[error("empty number")]
    Empty,
    /// A byte that is not a digit, a leading `-`, or a single `.`.
    #[error("invalid character in number")]
    InvalidChar,
    /// More non-zero fractional digits than the scale can hold.
    #[error("too many decimals for scale {scale}")]
    TooPrecise {
        /// The target scale.
        scale: u8,
    },
    /// The value does not fit in an `i64` at this scale.
    #[error("number out of range")]
    Overflow,
    /// A negative number where only non-negative ones are valid.
    #[error("negative number not allowed")]
    Negative,
    /// A scale above [`MAX_SCALE`].
    #[error("scale {0} above the maximum")]
    BadScale(u8),
}

/// `10^exp` as `i64`, for `exp <= 18`.
#[inline]
pub const fn pow10(exp: u8) -> i64 {
    const TABLE: [i64; 19] = [
        1,
        10,
        100,
        1_000,
        10_000,
        100_000,
        1_000_000,
        10_000_000,
        100_000_000,
        1_000_000_000,
        10_000_000_000,
        100_000_000_000,
        1_000_000_000_000,
        10_000_000_000_000,
        100_000_000_000_000,
        1_000_000_000_000_000,
        10_000_000_000_000_000,
        100_000_000_000_000_000,
        1_000_000_000_000_000_000,
    ];
    TABLE[exp as usize]
}

/// Parses a decimal string into `value · 10^scale`, exactly.
///
/// Accepts an optional leading `-`, digits, and at most one `.`. No exponent, no `+`, no
/// whitespace: the venue never sends them, and accepting them would hide a schema change.
#[inline]
pub fn parse_fixed(bytes: &[u8], scale: u8) -> Result<i64, DecimalError> {
    match parse_fixed_short(bytes, scale) {
        Some(v) => Ok(v),
        None => parse_fixed_checked(bytes, scale),
    }
}

/// The common case of [`parse_fixed`] without per-digit overflow checks: at most 18 bytes
/// after the sign, so at most 18 digits, and `10^18 − 1` fits an `i64`. `None` for anything
/// else (errors, more fractional digits than `scale` even if zeros, longer strings): the
/// checked loop then decides, so both agree on every input (property test below).
///
/// Why: two of these run per book level, 80 per 20-level `l2Book` frame; the checked loop
/// was ~11 ns a string (perf/parse.md).
#[inline]
fn parse_fixed_short(bytes: &[u8], scale: u8) -> Option<i64> {
    if scale > MAX_SCALE {
        return None;
    }
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if digits.len() > 18 {
        return None;
    }
    let mut acc: u64 = 0;
    // Index of the '.', or `digits.len()` when there is none.
    let mut dot = digits.len();
    for (i, &b) in digits.iter().enumerate() {
        let d = b.wrapping_sub(b'0');
        if d < 10 {
            // At most 18 digits: acc < 10^18, no overflow.
            acc = acc * 10 + u64::from(d);
        } else if b == b'.' && dot == digits.len() {
            dot = i;
        } else {
            return None;
        }
    }
    let has_dot = dot < digits.len();
    // No digit at all ("", "-", ".") is the checked loop's `Empty`.
    if digits.len() == usize::from(has_dot) {
        return None;
    }
    let frac = if has_dot { digits.len() - dot - 1 } else { 0 };
    let frac = u8::try_from(frac).ok().filter(|&f| f <= scale)?;
    let value = i64::try_from(acc).ok()?.checked_mul(pow10(scale - frac))?;
    Some(if negative { -value } else { value })
}

/// [`parse_fixed`] one byte at a time with checked arithmetic: any length, exact errors.
fn parse_fixed_checked(bytes: &[u8], scale: u8) -> Result<i64, DecimalError> {
    if scale > MAX_SCALE {
        return Err(DecimalError::BadScale(scale));
    }
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    let mut acc: i64 = 0;
    let mut seen_digit = false;
    let mut seen_dot = false;
    let mut frac_digits: u8 = 0;
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                seen_digit = true;
                let d = i64::from(b - b'0');
                if seen_dot {
                    if frac_digits == scale {
                        // Beyond the scale only zeros are allowed: "97000.0" at scale 0.
                        if d != 0 {
                            return Err(DecimalError::TooPrecise { scale });
                        }
                        continue;
                    }
                    frac_digits += 1;
                }
                acc = acc
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(d))
                    .ok_or(DecimalError::Overflow)?;
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return Err(DecimalError::InvalidChar),
        }
    }
    if !seen_digit {
        return Err(DecimalError::Empty);
    }
    let value = acc.checked_mul(pow10(scale - frac_digits)).ok_or(DecimalError::Overflow)?;
    Ok(if negative { -value } else { value })
}

/// Like [`parse_fixed`], but a negative value is an error.
pub fn parse_fixed_unsigned(bytes: &[u8], scale: u8) -> Result<i64, DecimalError> {
    let v = parse_fixed(bytes, scale)?;
    if v < 0 {
        return Err(DecimalError::Negative);
    }
    Ok(v)
}

/// A decimal number formatted on the stack, in the venue's wire form: no exponent, no trailing
/// zeros after the point, no point for integers (`"2000"`, `"1892.3"`, `"-0.05"`).
#[derive(Clone, Copy)]
pub struct DecimalStr {
    buf: [u8; 40],
    len: u8,
}

impl DecimalStr {
    /// Formats `value · 10^-scale`.
    pub fn new(value: i64, scale: u8) -> Self {
        let scale = scale.min(MAX_SCALE);
        let mut out = Self { buf: [0; 40], len: 0 };
        // Work in u64 magnitude so i64::MIN formats without overflow.
        let negative = value < 0;
        let mag = value.unsigned_abs();
        let div = pow10(scale) as u64;
        let int_part = mag / div;
        let mut frac = mag % div;
        if negative {
            out.push(b'-');
        }
        out.push_u64(int_part);
        if frac != 0 {
            let mut width = scale;
            while frac % 10 == 0 {
                frac /= 10;
                width -= 1;
            }
            out.push(b'.');
            let mut digits = [b'0'; 20];
            let mut i = width as usize;
            while i > 0 {
                i -= 1;
                digits[i] = b'0' + (frac % 10) as u8;
                frac /= 10;
            }
            for &d in &digits[..width as usize] {
                out.push(d);
            }
        }
        out
    }

    fn push(&mut self, b: u8) {
        self.buf[self.len as usize] = b;
        self.len += 1;
    }

    fn push_u64(&mut self, mut v: u64) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        for &d in &tmp[i..] {
            self.push(d);
        }
    }

    /// The formatted text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits, '-' and '.' are ever pushed.
        std::str::from_utf8(&self.buf[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Display for DecimalStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for DecimalStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_venue_strings_exactly() {
        struct Case {
            name: &'static str,
            text: &'static str,
            scale: u8,
            want: Result<i64, DecimalError>,
        }
        let cases = [
            Case { name: "integer with .0", text: "97000.0", scale: 1, want: Ok(970_000) },
            Case { name: "integer at scale 0", text: "97000.0", scale: 0, want: Ok(97_000) },
            Case { name: "fraction", text: "1892.3", scale: 2, want: Ok(189_230) },
            Case { name: "leading dot", text: ".5", scale: 1, want: Ok(5) },
            Case { name: "negative", text: "-0.0123", scale: 6, want: Ok(-12_300) },
            Case { name: "zero", text: "0", scale: 6, want: Ok(0) },
            Case { name: "trailing zeros past scale", text: "1.2300", scale: 2, want: Ok(123) },
            Case {
                name: "too precise",
                text: "1.234",
                scale: 2,
                want: Err(DecimalError::TooPrecise { scale: 2 }),
            },
            Case { name: "empty", text: "", scale: 2, want: Err(DecimalError::Empty) },
            Case { name: "lone sign", text: "-", scale: 2, want: Err(DecimalError::Empty) },
            Case { name: "lone dot", text: ".", scale: 2, want: Err(DecimalError::Empty) },
            Case { name: "exponent", text: "1e5", scale: 2, want: Err(DecimalError::InvalidChar) },
            Case {
                name: "two dots",
                text: "1.2.3",
                scale: 2,
                want: Err(DecimalError::InvalidChar),
            },
            Case { name: "plus sign", text: "+1", scale: 2, want: Err(DecimalError::InvalidChar) },
            Case { name: "space", text: " 1", scale: 2, want: Err(DecimalError::InvalidChar) },
            Case {
                name: "overflow",
                text: "99999999999999999999",
                scale: 0,
                want: Err(DecimalError::Overflow),
            },
            Case {
                name: "overflow by scale",
                text: "9999999999999",
                scale: 8,
                want: Err(DecimalError::Overflow),
            },
        ];
        for c in cases {
            assert_eq!(parse_fixed(c.text.as_bytes(), c.scale), c.want, "{}", c.name);
        }
    }

    #[test]
    fn formats_without_trailing_zeros() {
        let cases: [(i64, u8, &str); 8] = [
            (2_000_000, 3, "2000"),
            (18_923, 1, "1892.3"),
            (-50, 3, "-0.05"),
            (0, 6, "0"),
            (12_300, 6, "0.0123"),
            (970_000, 1, "97000"),
            (i64::MIN, 0, "-9223372036854775808"),
            (1, 18, "0.000000000000000001"),
        ];
        for (v, scale, want) in cases {
            assert_eq!(DecimalStr::new(v, scale).as_str(), want, "{v} at scale {scale}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 20_000,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// The fast path and the checked loop agree on every input, errors included.
        #[test]
        fn short_path_agrees_with_the_checked_loop(
            text in "-?[0-9.]{0,22}|[-0-9.e+ x]{0,6}|-?[0-9]{0,19}\\.?[0-9]{0,19}",
            scale in 0u8..=20,
        ) {
            proptest::prop_assert_eq!(
                parse_fixed(text.as_bytes(), scale),
                parse_fixed_checked(text.as_bytes(), scale)
            );
        }
    }

    #[test]
    fn short_path_edges() {
        // 18 digits take the fast path; 19 go to the checked loop; both exact.
        assert_eq!(parse_fixed(b"999999999999999999", 0), Ok(999_999_999_999_999_999));
        assert_eq!(parse_fixed(b"9999999999999999999", 0), Err(DecimalError::Overflow));
        assert_eq!(parse_fixed(b"-99999999999999999.9", 1), Ok(-999_999_999_999_999_999));
        assert_eq!(parse_fixed(b"999999999999999999", 1), Err(DecimalError::Overflow));
        assert_eq!(parse_fixed(b"-.", 3), Err(DecimalError::Empty));
        assert_eq!(parse_fixed(b"1.", 3), Ok(1_000));
        assert_eq!(parse_fixed(b"1", 19), Err(DecimalError::BadScale(19)));
    }

    #[test]
    fn negative_rejected_where_unsigned() {
        assert_eq!(parse_fixed_unsigned(b"-1", 0), Err(DecimalError::Negative));
        assert_eq!(parse_fixed_unsigned(b"1", 0), Ok(1));
    }
}
