//! The leaf values of an action: decimal numbers kept as the signer's text ([`WireNum`]) and the
//! reference to the order a modify replaces ([`OrderRef`]).

use std::fmt;

use hlmm_types::{Cloid, DecimalStr, Oid};

/// Longest decimal string accepted in `p`, `s` or `triggerPx`, in bytes. The venue's numbers
/// are at most ~20 characters; [`DecimalStr`] holds 40, so every formatted number fits.
pub const WIRE_NUM_CAP: usize = 40;

/// Why an action could not be built or parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// A decimal string longer than [`WIRE_NUM_CAP`] bytes.
    #[error("decimal string of {len} bytes: longer than {WIRE_NUM_CAP}")]
    NumTooLong {
        /// Its length in bytes.
        len: usize,
    },
}

/// A decimal number as the venue's wire text (`"1892.3"`, `"2000.0"`), stored inline.
///
/// Kept as text, not as an integer, because the signature covers the exact bytes the signer
/// wrote: `"2000.0"` and `"2000"` hash differently (the SDK's own test vectors use `"2000.0"`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct WireNum {
    /// The text's bytes; only `..len` is used.
    buf: [u8; WIRE_NUM_CAP],
    /// Length of the text in bytes.
    len: u8,
}

impl WireNum {
    /// Takes `s` verbatim. Any text up to [`WIRE_NUM_CAP`] bytes is accepted: the venue, not
    /// the encoder, judges whether it is a valid price.
    pub fn new(s: &str) -> Result<Self, ActionError> {
        let bytes = s.as_bytes();
        if bytes.len() > WIRE_NUM_CAP {
            return Err(ActionError::NumTooLong { len: bytes.len() });
        }
        let mut buf = [0u8; WIRE_NUM_CAP];
        buf[..bytes.len()].copy_from_slice(bytes);
        Ok(Self { buf, len: bytes.len() as u8 })
    }

    /// The text.
    #[inline]
    pub fn as_str(&self) -> &str {
        // Built only from a whole `&str`, so the bytes are valid UTF-8.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The text's bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

impl From<DecimalStr> for WireNum {
    #[inline]
    fn from(d: DecimalStr) -> Self {
        let s = d.as_str().as_bytes();
        let mut buf = [0u8; WIRE_NUM_CAP];
        // A DecimalStr holds at most 40 bytes, the same capacity.
        let len = s.len().min(WIRE_NUM_CAP);
        buf[..len].copy_from_slice(&s[..len]);
        Self { buf, len: len as u8 }
    }
}

impl fmt::Debug for WireNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl fmt::Display for WireNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The order a modify replaces: a venue oid (a msgpack integer) or a cloid (a string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderRef {
    /// By venue order id.
    Oid(Oid),
    /// By client order id.
    Cloid(Cloid),
}
