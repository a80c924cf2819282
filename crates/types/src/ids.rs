//! Identifiers and small value types: assets, coins, order and trade ids, sides, time.
//!
//! All are `Copy` and fixed-size, so they travel through the rings without allocation.

use std::fmt;

/// The venue's asset id: for perps, the index in `meta.universe` (BTC = 0 on mainnet); spot
/// is `10000 + index`. Ids differ between mainnet and testnet, so they come from `meta` at
/// startup, never from a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct AssetId(pub u32);

/// The venue's order id, assigned when an order rests or fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Oid(pub u64);

/// The venue's trade id (a 50-bit hash of the two order ids). With the block time and coin it
/// identifies a fill; we deduplicate fills by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Tid(pub u64);

/// A point in time: nanoseconds since the Unix epoch. Venue times (ms) convert with
/// [`Nanos::from_millis`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Nanos(pub u64);

impl Nanos {
    /// Nanoseconds in one millisecond.
    pub const PER_MS: u64 = 1_000_000;

    /// From venue milliseconds since the epoch.
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms.saturating_mul(Self::PER_MS))
    }

    /// Whole milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0 / Self::PER_MS
    }

    /// `self - earlier` in nanoseconds, zero if `earlier` is later.
    pub const fn saturating_since(self, earlier: Self) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// Which side of the book. On the wire: `"B"` (bid, buy) and `"A"` (ask, sell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Bid: buying.
    Bid,
    /// Ask: selling.
    Ask,
}

impl Side {
    /// Parses the venue's one-letter side.
    pub fn from_wire(s: &[u8]) -> Option<Self> {
        match s {
            b"B" => Some(Self::Bid),
            b"A" => Some(Self::Ask),
            _ => None,
        }
    }

    /// The venue's one-letter side.
    pub const fn as_wire(self) -> &'static str {
        match self {
            Self::Bid => "B",
            Self::Ask => "A",
        }
    }

    /// The other side.
    pub const fn opposite(self) -> Self {
        match self {
            Self::Bid => Self::Ask,
            Self::Ask => Self::Bid,
        }
    }

    /// `+1` for a bid (a buy adds to the position), `-1` for an ask.
    pub const fn sign(self) -> i64 {
        match self {
            Self::Bid => 1,
            Self::Ask => -1,
        }
    }

    /// `true` for a bid, as the venue's `is_buy` / `b` field.
    pub const fn is_buy(self) -> bool {
        matches!(self, Self::Bid)
    }
}

/// Why an identifier string was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not `0x` followed by the expected number of hex digits.
    #[error("expected 0x and {expected} hex digits")]
    BadHex {
        /// How many hex digits were expected.
        expected: usize,
    },
    /// A coin name that is empty or longer than [`Coin::MAX_LEN`] bytes.
    #[error("coin name must be 1 to {max} bytes", max = Coin::MAX_LEN)]
    BadCoinLen,
}

/// A client order id: 128 bits, `0x` + 32 hex digits on the wire. Ours are deterministic:
/// instance prefix ‖ run id ‖ counter (built by the order manager), so a restarted engine
/// recognises its own orders.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cloid(pub u128);

impl Cloid {
    /// Parses `0x` + exactly 32 hex digits (either case).
    pub fn parse(s: &[u8]) -> Result<Self, IdError> {
        let bad = IdError::BadHex { expected: 32 };
        let hex = s.strip_prefix(b"0x").ok_or(bad)?;
        if hex.len() != 32 {
            return Err(bad);
        }
        let mut v: u128 = 0;
        for &b in hex {
            v = (v << 4) | u128::from(hex_val(b).ok_or(bad)?);
        }
        Ok(Self(v))
    }

    /// The wire form: `0x` + 32 lower-case hex digits, on the stack.
    pub fn to_wire(self) -> [u8; 34] {
        let mut out = [b'0'; 34];
        out[1] = b'x';
        for (i, slot) in out[2..].iter_mut().enumerate() {
            let nibble = (self.0 >> (4 * (31 - i))) & 0xf;
            *slot = HEX[nibble as usize];
        }
        out
    }
}

impl fmt::Display for Cloid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:032x}", self.0)
    }
}

impl fmt::Debug for Cloid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cloid(0x{:032x})", self.0)
    }
}

/// A 32-byte transaction hash (`hash` on trades and fills), kept with the trade id to
/// deduplicate fills across reconnects.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TxHash(pub [u8; 32]);

impl TxHash {
    /// Parses `0x` + 64 hex digits.
    pub fn parse(s: &[u8]) -> Result<Self, IdError> {
        let bad = IdError::BadHex { expected: 64 };
        let hex = s.strip_prefix(b"0x").ok_or(bad)?;
        if hex.len() != 64 {
            return Err(bad);
        }
        let mut out = [0u8; 32];
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            out[i] = (hex_val(pair[0]).ok_or(bad)? << 4) | hex_val(pair[1]).ok_or(bad)?;
        }
        Ok(Self(out))
    }
}

impl fmt::Debug for TxHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TxHash(0x")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

use crate::hex::digit_value as hex_val;

/// A coin name as the venue spells it (`BTC`, `kPEPE`, `@107`, `xyz:XYZ100`), stored inline so
/// it is `Copy` and never allocates.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Coin {
    len: u8,
    bytes: [u8; Self::MAX_LEN],
}

impl Coin {
    /// Longest coin name we hold, in bytes. Venue names are far shorter; HIP-3 names
    /// (`dex:COIN`) are the longest.
    pub const MAX_LEN: usize = 23;

    /// From the venue's bytes.
    pub fn new(name: &[u8]) -> Result<Self, IdError> {
        if name.is_empty() || name.len() > Self::MAX_LEN {
            return Err(IdError::BadCoinLen);
        }
        let mut bytes = [0u8; Self::MAX_LEN];
        bytes[..name.len()].copy_from_slice(name);
        Ok(Self { len: name.len() as u8, bytes })
    }

    /// The name's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// The name as text (names that are not UTF-8 show as empty; the parser only builds
    /// coins from JSON strings, which are UTF-8).
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or("")
    }
}

impl fmt::Display for Coin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Coin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Coin({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloid_round_trips_through_its_wire_form() {
        let c = Cloid(0x1e60_0000_0000_0000_0000_0000_0000_00ff);
        let wire = c.to_wire();
        assert_eq!(Cloid::parse(&wire), Ok(c));
        assert_eq!(std::str::from_utf8(&wire).ok(), Some("0x1e6000000000000000000000000000ff"));
        assert_eq!(c.to_string(), "0x1e6000000000000000000000000000ff");
    }

    #[test]
    fn cloid_rejects_wrong_lengths_and_digits() {
        for bad in ["", "0x", "1e60", "0x123", "0xzz000000000000000000000000000000"] {
            assert!(Cloid::parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn coin_holds_venue_names_inline() {
        for name in ["BTC", "kPEPE", "@107", "xyz:XYZ100"] {
            let c = Coin::new(name.as_bytes()).expect("valid name");
            assert_eq!(c.as_str(), name);
        }
        assert_eq!(Coin::new(b""), Err(IdError::BadCoinLen));
        assert_eq!(Coin::new(&[b'A'; 24]), Err(IdError::BadCoinLen));
    }

    #[test]
    fn side_maps_the_venue_letters() {
        assert_eq!(Side::from_wire(b"B"), Some(Side::Bid));
        assert_eq!(Side::from_wire(b"A"), Some(Side::Ask));
        assert_eq!(Side::from_wire(b"S"), None);
        assert_eq!(Side::Bid.opposite(), Side::Ask);
        assert_eq!(Side::Ask.sign(), -1);
    }

    #[test]
    fn tx_hash_parses_64_hex_digits() {
        let text = format!("0x{}", "ab".repeat(32));
        let h = TxHash::parse(text.as_bytes()).expect("valid hash");
        assert_eq!(h.0, [0xab; 32]);
        assert!(TxHash::parse(b"0xab").is_err());
    }
}
