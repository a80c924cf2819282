//! `l2Book` fast path: simd-json's stage 1 (the SIMD structural index) and a walk over those
//! indexes specialised to the venue's compact `l2Book` layout, instead of simd-json's stage 2
//! building a general tape.
//!
//! Why: on a 20-level book (1.6 KiB, ~250 tape nodes) the tape build was ~70 % of the parse,
//! while the structural index it starts from costs a fraction of that (perf/parse.md). The
//! book is the one frame sent many times a second per coin, so it alone gets a fast path.
//!
//! What stage 1 guarantees and what this walk checks itself:
//! - stage 1 (simd-json): the frame is valid UTF-8, its quotes pair up, strings hold no raw
//!   control bytes, and the index lists every structural byte (`{ } [ ] : ,`), every string's
//!   opening quote and every number's first byte, in order, outside strings.
//! - here: the sequence of structurals is exactly the grammar of the expected `l2Book` shape,
//!   each value runs right up to the next structural (the venue writes no whitespace), numbers
//!   are plain JSON integers, and nothing follows the root object.
//!
//! Anything else — another key order, extra fields, whitespace, escapes, an unknown coin, a
//! number that does not convert, more than
//! [`MAX_BOOK_LEVELS`](hlmm_types::events::MAX_BOOK_LEVELS) levels, invalid JSON — returns
//! `None` and the caller parses the frame again through the general tape path, which owns every
//! error and every counter. So this path only ever produces what the tape path would have
//! produced for the same frame (`tests/parse_fast_book.rs` checks both paths agree).
//!
//! Runs on the feed thread for every `l2Book` frame; allocates nothing, never panics.

use hlmm_types::events::{BookSide, BookSnapshot, Level};
use hlmm_types::Nanos;

use super::instruments::InstrumentTable;

/// How every `l2Book` frame from the venue starts; frames that do not are left to the tape path.
pub(super) const PREFIX: &[u8] = br#"{"channel":"l2Book","#;

/// Reads the frame's structural bytes in order.
struct Cursor<'a> {
    /// The frame (unchanged by stage 1).
    src: &'a [u8],
    /// Byte offsets of the structurals into `src`, from simd-json's stage 1.
    idx: &'a [u32],
    /// Next entry of `idx` to read.
    next: usize,
}

impl<'a> Cursor<'a> {
    /// Byte offset of the `k`-th structural from here.
    #[inline]
    fn at(&self, k: usize) -> Option<usize> {
        self.idx.get(self.next + k).map(|&p| p as usize)
    }

    /// The byte at the next structural, not consumed.
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.src.get(self.at(0)?).copied()
    }

    /// Consumes the structural byte `c`, or `None` if the next one is another.
    #[inline]
    fn punct(&mut self, c: u8) -> Option<()> {
        if self.peek()? != c {
            return None;
        }
        self.next += 1;
        Some(())
    }

    /// Consumes a scalar: its bytes run from its structural to the next one. With no
    /// whitespace in the frame, that is the whole value (for a string, its quotes included).
    #[inline]
    fn token(&mut self) -> Option<&'a [u8]> {
        let (start, end) = (self.at(0)?, self.at(1)?);
        self.next += 1;
        self.src.get(start..end)
    }

    /// Consumes a string and returns its raw content between the quotes (escapes not
    /// decoded: callers reject any `\`, or use parsers that refuse it).
    #[inline]
    fn string(&mut self) -> Option<&'a [u8]> {
        self.token()?.strip_prefix(b"\"")?.strip_suffix(b"\"")
    }

    /// Consumes the object key `quoted` (quotes included, written exactly so) and its colon.
    #[inline]
    fn key(&mut self, quoted: &[u8]) -> Option<()> {
        if self.token()? != quoted {
            return None;
        }
        self.punct(b':')
    }

    /// Consumes a non-negative JSON integer (no sign, fraction, exponent or leading zero).
    #[inline]
    fn uint(&mut self) -> Option<u64> {
        let digits = self.token()?;
        if digits.len() > 1 && digits.first() == Some(&b'0') {
            return None;
        }
        let (first, rest) = digits.split_first()?;
        let mut v = u64::from(first.checked_sub(b'0').filter(|d| *d <= 9)?);
        for &b in rest {
            let d = b.checked_sub(b'0').filter(|d| *d <= 9)?;
            v = v.checked_mul(10)?.checked_add(u64::from(d))?;
        }
        Some(v)
    }

    /// `true` once every structural has been consumed.
    #[inline]
    fn done(&self) -> bool {
        self.next == self.idx.len()
    }
}

/// Fills `book` from an `l2Book` frame laid out as the venue sends it, or `None` (then `book`
/// holds garbage and the frame must go through the tape path). `src` is the frame, `idx` its
/// structural indexes from simd-json's stage 1 over exactly `src`.
pub(super) fn l2_book(
    t: &InstrumentTable,
    src: &[u8],
    idx: &[u32],
    book: &mut BookSnapshot,
) -> Option<()> {
    let mut c = Cursor { src, idx, next: 0 };
    c.punct(b'{')?;
    c.key(br#""channel""#)?;
    if c.token()? != br#""l2Book""# {
        return None;
    }
    c.punct(b',')?;
    c.key(br#""data""#)?;
    c.punct(b'{')?;
    // The venue writes coin, time, levels; the levels need the coin's scales first.
    c.key(br#""coin""#)?;
    let coin = c.string()?;
    if coin.contains(&b'\\') {
        return None;
    }
    // Unknown coins are counted by the tape path.
    let spec = t.get(coin)?;
    c.punct(b',')?;
    c.key(br#""time""#)?;
    book.time = Nanos::from_millis(c.uint()?);
    c.punct(b',')?;
    c.key(br#""levels""#)?;
    c.punct(b'[')?;
    side(&mut c, spec, &mut book.bids)?;
    c.punct(b',')?;
    side(&mut c, spec, &mut book.asks)?;
    c.punct(b']')?;
    c.punct(b'}')?;
    c.punct(b'}')?;
    if !c.done() {
        return None;
    }
    book.asset = spec.asset;
    Some(())
}

/// One side: `[]` or `[{"px":"…","sz":"…","n":…},…]`, at most
/// [`MAX_BOOK_LEVELS`](hlmm_types::events::MAX_BOOK_LEVELS) levels.
#[inline]
fn side(c: &mut Cursor<'_>, spec: &hlmm_types::InstrumentSpec, out: &mut BookSide) -> Option<()> {
    c.punct(b'[')?;
    if c.peek()? == b']' {
        c.next += 1;
        return Some(());
    }
    loop {
        c.punct(b'{')?;
        c.key(br#""px""#)?;
        // parse_px refuses anything but digits and one dot, escapes included.
        let px = spec.parse_px(c.string()?).ok()?;
        c.punct(b',')?;
        c.key(br#""sz""#)?;
        let sz = spec.parse_sz(c.string()?).ok()?;
        c.punct(b',')?;
        c.key(br#""n""#)?;
        let n = u32::try_from(c.uint()?).ok()?;
        c.punct(b'}')?;
        // Full side: more than MAX_BOOK_LEVELS levels is the tape path's TooManyLevels.
        out.push(Level { px, sz, n }).ok()?;
        match c.peek()? {
            b',' => c.next += 1,
            b']' => {
                c.next += 1;
                return Some(());
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hlmm_types::{AssetId, Coin, InstrumentSpec};

    /// The fast path's answer for `frame`, run the way `FeedParser` runs it.
    fn fast(frame: &[u8]) -> Option<BookSnapshot> {
        let coin = |n: &str| Coin::new(n.as_bytes()).expect("coin");
        let t = InstrumentTable::new(&[
            InstrumentSpec::perp(AssetId(0), coin("BTC"), 5),
            InstrumentSpec::perp(AssetId(1), coin("ETH"), 4),
        ]);
        let mut buf = frame.to_vec();
        let mut buffers = simd_json::Buffers::with_max_depth(buf.len(), 0);
        let mut tape = simd_json::Tape::null().reset();
        let stage1 = simd_json::fill_tape(&mut buf, &mut buffers, &mut tape);
        assert!(
            matches!(&stage1, Err(e) if *e.error() == simd_json::ErrorType::DepthLimitExceeded),
            "{stage1:?}"
        );
        drop(tape);
        let mut book = BookSnapshot::default();
        l2_book(&t, frame, buffers.structural_indexes(), &mut book).map(|()| book)
    }

    fn fixture(name: &str) -> Vec<u8> {
        // The frame fixtures live with the workspace's integration tests.
        let path = format!("{}/../../tests/fixtures/frames/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
    }

    #[test]
    fn venue_books_take_the_fast_path() {
        for (name, bids, asks) in [
            ("l2book_btc.json", 3, 3),
            ("l2book_btc_20.json", 20, 20),
            ("l2book_eth_no_asks.json", 1, 0),
        ] {
            let frame = fixture(name);
            assert!(frame.starts_with(PREFIX), "{name}");
            let book = fast(&frame).unwrap_or_else(|| panic!("{name} left the fast path"));
            assert_eq!((book.bids.len(), book.asks.len()), (bids, asks), "{name}");
        }
    }

    #[test]
    fn the_first_level_converts_exactly() {
        let book = fast(&fixture("l2book_btc_20.json")).expect("fast path");
        // "97012.0" at BTC's 1 price decimal, "0.00001" at its 5 size decimals.
        let first = book.bids.as_slice().first().copied().expect("a bid");
        assert_eq!((first.px.0, first.sz.0, first.n), (970_120, 1, 1));
        assert_eq!(book.time, Nanos::from_millis(1_767_225_601_234));
    }

    #[test]
    fn other_layouts_leave_the_fast_path() {
        let base = String::from_utf8(fixture("l2book_btc_20.json")).expect("utf-8");
        for (name, frame) in [
            ("whitespace", base.replacen(r#""n":1}"#, r#""n":1 }"#, 1)),
            ("extra field", base.replacen(r#""coin":"BTC","#, r#""coin":"BTC","x":1,"#, 1)),
            ("escape", base.replacen(r#""coin":"BTC""#, r#""coin":"BT\u0043""#, 1)),
            ("unknown coin", base.replacen(r#""coin":"BTC""#, r#""coin":"SOL""#, 1)),
            ("trailing data", format!("{base}1")),
        ] {
            assert!(fast(frame.as_bytes()).is_none(), "{name}");
        }
    }
}
