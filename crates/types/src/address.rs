//! [`Address`]: the one 20-byte account address of the engine, the signer and the simulator.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::hex;
use crate::IdError;

/// A 20-byte Ethereum address (an account, a vault or an agent wallet): `0x` + 40 hex digits on
/// the wire, written lower case.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Address(pub [u8; 20]);

impl Address {
    /// Parses `0x` + 40 hex digits in any case (checksummed addresses are mixed case; the
    /// checksum is not verified).
    pub fn parse(s: &[u8]) -> Result<Self, IdError> {
        let bad = IdError::BadHex { expected: 40 };
        let digits = s.strip_prefix(b"0x").or_else(|| s.strip_prefix(b"0X")).ok_or(bad)?;
        let mut out = [0u8; 20];
        hex::decode(digits, &mut out).ok_or(bad)?;
        Ok(Self(out))
    }

    /// The wire form on the stack: `0x` + 40 lower-case hex digits.
    pub fn to_wire(self) -> [u8; 42] {
        let mut out = [0u8; 42];
        out[0] = b'0';
        out[1] = b'x';
        hex::encode(&self.0, &mut out[2..]);
        out
    }

    /// An address whose last 8 bytes are `n`, for tests and synthetic house accounts.
    pub fn from_low_u64(n: u64) -> Self {
        let mut out = [0u8; 20];
        out[12..].copy_from_slice(&n.to_be_bytes());
        Self(out)
    }
}

impl std::str::FromStr for Address {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Self::parse(s.as_bytes())
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let wire = self.to_wire();
        // Only "0x" and hex digits, so always UTF-8.
        f.write_str(std::str::from_utf8(&wire).unwrap_or_default())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Address;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an address: 0x + 40 hex digits")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Address, E> {
                Address::parse(s.as_bytes()).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_either_case_and_writes_lower_case() {
        let a: Address = "0xABCDEF0123456789abcdef0123456789ABCDEF01".parse().expect("address");
        assert_eq!(a.to_string(), "0xabcdef0123456789abcdef0123456789abcdef01");
    }

    #[test]
    fn refuses_a_missing_prefix_a_wrong_length_or_a_bad_digit() {
        for text in
            ["abcdef0123456789abcdef0123456789abcdef01", "0xabc", &format!("0x{}", "g".repeat(40))]
        {
            assert!(Address::parse(text.as_bytes()).is_err(), "{text}");
        }
    }

    #[test]
    fn low_u64_fills_the_last_eight_bytes() {
        assert_eq!(Address::from_low_u64(1).0[19], 1);
        assert_eq!(Address::from_low_u64(1).0[..12], [0u8; 12]);
    }
}
