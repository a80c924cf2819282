//! The signature as the venue takes it: `{r, s, v}` with minimal hex words, in and out of JSON.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::action::write_u64;
use hlmm_types::hex::{decode as decode_hex, encode as encode_hex};

/// A recoverable secp256k1 signature, low-S, as the venue takes it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature {
    /// `r`, 32 bytes big-endian.
    pub r: [u8; 32],
    /// `s`, 32 bytes big-endian.
    pub s: [u8; 32],
    /// Recovery id + 27: 27 or 28.
    pub v: u8,
}

impl Signature {
    /// `r ‖ s ‖ v` (65 bytes), the Ethereum byte form.
    pub fn to_bytes(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out[..32].copy_from_slice(&self.r);
        out[32..64].copy_from_slice(&self.s);
        out[64] = self.v;
        out
    }

    /// Appends `{"r":"0x…","s":"0x…","v":27}` with `r`/`s` as minimal hex (no leading zero
    /// digits, `"0x0"` for zero): what the SDK's ethers `U256` serialisation emits.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"r\":\"");
        out.extend_from_slice(minimal_hex(&self.r).as_bytes());
        out.extend_from_slice(b"\",\"s\":\"");
        out.extend_from_slice(minimal_hex(&self.s).as_bytes());
        out.extend_from_slice(b"\",\"v\":");
        write_u64(out, u64::from(self.v));
        out.push(b'}');
    }
}

/// `0x` + hex of a 32-byte big-endian integer without leading zero digits, on the stack.
pub(super) struct MinimalHex {
    buf: [u8; 66],
    len: usize,
}

impl MinimalHex {
    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
    pub(super) fn as_str(&self) -> &str {
        // "0x" and hex digits only.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

pub(super) fn minimal_hex(word: &[u8; 32]) -> MinimalHex {
    let mut full = [0u8; 64];
    encode_hex(word, &mut full);
    let first = full.iter().position(|&c| c != b'0').unwrap_or(63);
    let digits = &full[first..];
    let mut buf = [0u8; 66];
    buf[0] = b'0';
    buf[1] = b'x';
    buf[2..2 + digits.len()].copy_from_slice(digits);
    MinimalHex { buf, len: 2 + digits.len() }
}

/// Parses `0x` + 1 to 64 hex digits (minimal or zero-padded) into a big-endian 32-byte word.
pub(super) fn parse_word(s: &str) -> Option<[u8; 32]> {
    let hex = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?.as_bytes();
    if hex.is_empty() || hex.len() > 64 {
        return None;
    }
    let mut padded = [b'0'; 64];
    padded[64 - hex.len()..].copy_from_slice(hex);
    let mut out = [0u8; 32];
    decode_hex(&padded, &mut out)?;
    Some(out)
}

impl fmt::Display for Signature {
    /// `r ‖ s ‖ v` as 130 lower-case hex digits without `0x`, like ethers' `Signature`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut hex = [0u8; 130];
        encode_hex(&self.to_bytes(), &mut hex);
        f.write_str(std::str::from_utf8(&hex).unwrap_or_default())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({self})")
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = ser.serialize_struct("Signature", 3)?;
        st.serialize_field("r", minimal_hex(&self.r).as_str())?;
        st.serialize_field("s", minimal_hex(&self.s).as_str())?;
        st.serialize_field("v", &self.v)?;
        st.end()
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            r: Word,
            s: Word,
            v: u8,
        }
        let raw = Raw::deserialize(d)?;
        if raw.v != 27 && raw.v != 28 {
            return Err(de::Error::custom(format_args!("signature v = {}: not 27 or 28", raw.v)));
        }
        Ok(Self { r: raw.r.0, s: raw.s.0, v: raw.v })
    }
}

/// A 32-byte word from `0x` + 1..=64 hex digits.
struct Word([u8; 32]);

impl<'de> Deserialize<'de> for Word {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Word;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("0x + 1 to 64 hex digits")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Word, E> {
                parse_word(s)
                    .map(Word)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
            }
        }
        d.deserialize_str(V)
    }
}
