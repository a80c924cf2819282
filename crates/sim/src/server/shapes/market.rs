//! The market shapes: views over the generator's state that format numbers while serialising
//! (`l2Book`, `bbo`, `trades`, asset contexts, `fundingHistory`), and the direct `l2Book`
//! frame writer the block task uses.

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use crate::market::{CoinView, FundingRecord, TradePrint};
use hlmm_types::events::{Level, MAX_BOOK_LEVELS};
use hlmm_types::{DecimalStr, InstrumentSpec, Px, Rate, Sz, Usd};
use hlmm_wire::action::write_u64;

/// A price or size as the venue writes market data: whole numbers get `.0`.
#[derive(Debug, Clone, Copy)]
pub struct Num(pub DecimalStr);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self.0.as_str();
        if text.contains('.') {
            s.serialize_str(text)
        } else {
            s.collect_str(&format_args!("{text}.0"))
        }
    }
}

/// A price of `spec` in wire form.
pub fn px(spec: &InstrumentSpec, p: Px) -> Num {
    Num(spec.px_wire(p))
}

/// A size of `spec` in wire form.
pub fn sz(spec: &InstrumentSpec, q: Sz) -> Num {
    Num(spec.sz_wire(q))
}

/// A USD amount in wire form.
pub fn usd(u: Usd) -> Num {
    Num(DecimalStr::new(u.0, Usd::SCALE))
}

/// A rate in wire form (funding `"0.0000125"`).
pub fn rate(r: Rate) -> Num {
    Num(DecimalStr::new(r.0, Rate::SCALE))
}

/// One book level `{px, sz, n}`.
#[derive(Debug, Clone, Copy)]
pub struct LevelJson<'a>(pub &'a InstrumentSpec, pub &'a Level);

impl Serialize for LevelJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("px", &px(self.0, self.1.px))?;
        m.serialize_entry("sz", &sz(self.0, self.1.sz))?;
        m.serialize_entry("n", &self.1.n)?;
        m.end()
    }
}

/// One side of a book, best first, at most `max` levels.
#[derive(Debug, Clone, Copy)]
pub struct SideJson<'a>(pub &'a InstrumentSpec, pub &'a [Level], pub usize);

impl Serialize for SideJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let levels = &self.1[..self.1.len().min(self.2)];
        let mut seq = s.serialize_seq(Some(levels.len()))?;
        for l in levels {
            seq.serialize_element(&LevelJson(self.0, l))?;
        }
        seq.end()
    }
}

/// `l2Book` data: `{coin, time, levels:[[bids],[asks]]}`, ≤ 20 levels per side.
#[derive(Debug, Clone, Copy)]
pub struct BookJson<'a> {
    /// The coin.
    pub coin: &'a CoinView<'a>,
    /// Block time, ms.
    pub time: u64,
}

impl Serialize for BookJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.coin;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("coin", &c.params.name)?;
        m.serialize_entry("time", &self.time)?;
        let levels =
            (SideJson(c.spec, c.bids, MAX_BOOK_LEVELS), SideJson(c.spec, c.asks, MAX_BOOK_LEVELS));
        m.serialize_entry("levels", &levels)?;
        m.end()
    }
}

/// The whole `l2Book` frame `{"channel":"l2Book","data":{…}}` of `c` at `time`, appended to
/// `out`: byte for byte what serialising [`Envelope`] of [`BookJson`] gives, written directly
/// (no serde, no per-number string) because the block task writes one per coin per block.
pub fn write_l2book_frame(out: &mut Vec<u8>, c: &CoinView<'_>, time: u64) {
    out.extend_from_slice(br#"{"channel":"l2Book","data":{"coin":"#);
    write_json_str(out, &c.params.name);
    out.extend_from_slice(br#","time":"#);
    write_u64(out, time);
    out.extend_from_slice(br#","levels":["#);
    for (i, side) in [c.bids, c.asks].into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        for (j, l) in side.iter().take(MAX_BOOK_LEVELS).enumerate() {
            if j > 0 {
                out.push(b',');
            }
            out.extend_from_slice(br#"{"px":""#);
            push_num(out, l.px.0, c.spec.px_decimals());
            out.extend_from_slice(br#"","sz":""#);
            push_num(out, l.sz.0, c.spec.sz_decimals);
            out.extend_from_slice(br#"","n":"#);
            write_u64(out, u64::from(l.n));
            out.push(b'}');
        }
        out.push(b']');
    }
    out.extend_from_slice(b"]}}");
}

/// A JSON string; falls back to serde's escaping for anything but plain printable ASCII (coin
/// names are, so the fallback never runs for the built-in universe).
fn write_json_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// `value · 10^-scale` as [`Num`] writes it (no exponent, no trailing zeros, `.0` on whole
/// numbers), without the quotes.
pub(super) fn push_num(out: &mut Vec<u8>, value: i64, scale: u8) {
    if value < 0 {
        out.push(b'-');
    }
    let mag = value.unsigned_abs();
    // Clamped as `DecimalStr` clamps it; 10^18 fits a u64.
    let scale = scale.min(hlmm_types::decimal::MAX_SCALE);
    let div = 10u64.pow(u32::from(scale));
    write_u64(out, mag / div);
    let mut frac = mag % div;
    out.push(b'.');
    if frac == 0 {
        out.push(b'0');
        return;
    }
    let mut width = usize::from(scale);
    while frac % 10 == 0 {
        frac /= 10;
        width -= 1;
    }
    let mut digits = [b'0'; 20];
    for d in digits[..width].iter_mut().rev() {
        *d = b'0' + (frac % 10) as u8;
        frac /= 10;
    }
    out.extend_from_slice(&digits[..width]);
}

/// `bbo` data: `{coin, time, bbo:[level|null, level|null]}`.
#[derive(Debug, Clone, Copy)]
pub struct BboJson<'a> {
    /// The coin.
    pub coin: &'a CoinView<'a>,
    /// Block time, ms.
    pub time: u64,
}

impl Serialize for BboJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.coin;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("coin", &c.params.name)?;
        m.serialize_entry("time", &self.time)?;
        let bid = c.bids.first().map(|l| LevelJson(c.spec, l));
        let ask = c.asks.first().map(|l| LevelJson(c.spec, l));
        m.serialize_entry("bbo", &(bid, ask))?;
        m.end()
    }
}

/// `trades` data: the block's trades of one coin.
#[derive(Debug, Clone, Copy)]
pub struct TradesJson<'a> {
    /// The coin.
    pub coin: &'a CoinView<'a>,
    /// Block time, ms.
    pub time: u64,
}

struct TradeJson<'a>(&'a CoinView<'a>, &'a TradePrint, u64);

impl Serialize for TradeJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (c, t) = (self.0, self.1);
        let mut m = s.serialize_map(Some(8))?;
        m.serialize_entry("coin", &c.params.name)?;
        m.serialize_entry("side", t.side.as_wire())?;
        m.serialize_entry("px", &px(c.spec, t.px))?;
        m.serialize_entry("sz", &sz(c.spec, t.sz))?;
        m.serialize_entry("hash", &Hex32(&t.hash))?;
        m.serialize_entry("time", &self.2)?;
        m.serialize_entry("tid", &t.tid.0)?;
        m.serialize_entry("users", &[t.buyer, t.seller])?;
        m.end()
    }
}

impl Serialize for TradesJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.coin.trades.len()))?;
        for t in self.coin.trades {
            seq.serialize_element(&TradeJson(self.coin, t, self.time))?;
        }
        seq.end()
    }
}

/// `0x` + 64 lower-case hex.
#[derive(Debug, Clone, Copy)]
pub struct Hex32<'a>(pub &'a [u8; 32]);

impl Serialize for Hex32<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 66];
        out[0] = b'0';
        out[1] = b'x';
        for (i, b) in self.0.iter().enumerate() {
            out[2 + 2 * i] = HEX[usize::from(b >> 4)];
            out[3 + 2 * i] = HEX[usize::from(b & 0xf)];
        }
        // Only ASCII hex digits were written.
        s.serialize_str(std::str::from_utf8(&out).unwrap_or_default())
    }
}

/// An asset context: the `metaAndAssetCtxs` element, or the `ctx` of `activeAssetCtx`.
#[derive(Debug, Clone, Copy)]
pub struct CtxJson<'a>(pub &'a CoinView<'a>);

impl Serialize for CtxJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let (spec, x) = (c.spec, c.ctx);
        let mut m = s.serialize_map(Some(10))?;
        m.serialize_entry("dayNtlVlm", &usd(x.day_ntl_vlm))?;
        m.serialize_entry("funding", &rate(x.funding))?;
        m.serialize_entry("impactPxs", &x.impact_pxs.map(|(b, a)| (px(spec, b), px(spec, a))))?;
        m.serialize_entry("markPx", &px(spec, x.mark_px))?;
        m.serialize_entry("midPx", &x.mid_px.map(|p| px(spec, p)))?;
        m.serialize_entry("openInterest", &sz(spec, x.open_interest))?;
        m.serialize_entry("oraclePx", &px(spec, x.oracle_px))?;
        m.serialize_entry("premium", &Some(rate(x.premium)))?;
        m.serialize_entry("prevDayPx", &px(spec, x.prev_day_px))?;
        m.serialize_entry("dayBaseVlm", &sz(spec, x.day_base_vlm))?;
        m.end()
    }
}

/// `activeAssetCtx` data: `{coin, ctx}`.
#[derive(Debug, Clone, Copy)]
pub struct ActiveCtxJson<'a>(pub &'a CoinView<'a>);

impl Serialize for ActiveCtxJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("coin", &self.0.params.name)?;
        m.serialize_entry("ctx", &CtxJson(self.0))?;
        m.end()
    }
}

/// A `fundingHistory` item.
#[derive(Debug, Clone, Copy)]
pub struct FundingJson<'a>(pub &'a str, pub &'a FundingRecord);

impl Serialize for FundingJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("coin", self.0)?;
        m.serialize_entry("fundingRate", &rate(self.1.rate))?;
        m.serialize_entry("premium", &rate(self.1.premium))?;
        m.serialize_entry("time", &self.1.time_ms)?;
        m.end()
    }
}

/// A server → client frame `{"channel":…,"data":…}`.
#[derive(Debug, Serialize)]
pub struct Envelope<'a, T: Serialize> {
    /// The channel name.
    pub channel: &'a str,
    /// The payload.
    pub data: T,
}
