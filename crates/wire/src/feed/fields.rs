//! Field conversions shared by the channel decoders: venue text to fixed-point units and ids.

use super::error::ParseError;
use super::tape::{opt, req, Val};
use hlmm_types::events::Level;
use hlmm_types::{
    parse_fixed, Cloid, DecimalError, InstrumentSpec, Nanos, Px, Rate, Side, Sz, TxHash, Usd,
};

#[inline]
pub(super) fn px(
    spec: &InstrumentSpec,
    v: Val<'_, '_>,
    field: &'static str,
) -> Result<Px, ParseError> {
    spec.parse_px(v.bytes(field)?).map_err(|err| ParseError::BadNumber { field, err })
}

#[inline]
pub(super) fn sz(
    spec: &InstrumentSpec,
    v: Val<'_, '_>,
    field: &'static str,
) -> Result<Sz, ParseError> {
    spec.parse_sz(v.bytes(field)?).map_err(|err| ParseError::BadNumber { field, err })
}

#[inline]
pub(super) fn signed_sz(
    spec: &InstrumentSpec,
    v: Val<'_, '_>,
    field: &'static str,
) -> Result<Sz, ParseError> {
    spec.parse_signed_sz(v.bytes(field)?).map_err(|err| ParseError::BadNumber { field, err })
}

#[inline]
pub(super) fn usd(v: Val<'_, '_>, field: &'static str) -> Result<Usd, ParseError> {
    parse_fixed(v.bytes(field)?, Usd::SCALE)
        .map(Usd)
        .map_err(|err| ParseError::BadNumber { field, err })
}

#[inline]
pub(super) fn rate(v: Val<'_, '_>, field: &'static str) -> Result<Rate, ParseError> {
    parse_fixed(v.bytes(field)?, Rate::SCALE)
        .map(Rate)
        .map_err(|err| ParseError::BadNumber { field, err })
}

/// A reference price (mid, mark, oracle), rounded half up to the instrument's price scale.
#[inline]
pub(super) fn ref_px(
    spec: &InstrumentSpec,
    v: Val<'_, '_>,
    field: &'static str,
) -> Result<Px, ParseError> {
    let bytes = v.bytes(field)?;
    let value = parse_nearest(bytes, spec.px_decimals())
        .map_err(|err| ParseError::BadNumber { field, err })?;
    if value < 0 {
        return Err(ParseError::BadNumber { field, err: DecimalError::Negative });
    }
    Ok(Px(value))
}

/// `bytes` at `scale`, rounding extra fractional digits half away from zero (so `-0.05` at
/// scale 1 is `-1`, i.e. −0.1) where [`parse_fixed`] would refuse them.
pub(super) fn parse_nearest(bytes: &[u8], scale: u8) -> Result<i64, DecimalError> {
    let Some(dot) = bytes.iter().position(|&b| b == b'.') else {
        return parse_fixed(bytes, scale);
    };
    let keep = dot + 1 + usize::from(scale);
    let Some((kept, extra)) = bytes.split_at_checked(keep) else {
        return parse_fixed(bytes, scale);
    };
    let Some(&first_extra) = extra.first() else {
        return parse_fixed(bytes, scale);
    };
    if !extra.iter().all(u8::is_ascii_digit) {
        return Err(DecimalError::InvalidChar);
    }
    let value = parse_fixed(kept, scale)?;
    if first_extra < b'5' {
        return Ok(value);
    }
    let negative = bytes.first() == Some(&b'-');
    let step = if negative { -1 } else { 1 };
    value.checked_add(step).ok_or(DecimalError::Overflow)
}

#[inline]
pub(super) fn millis(v: Val<'_, '_>, field: &'static str) -> Result<Nanos, ParseError> {
    v.u64(field).map(Nanos::from_millis)
}

#[inline]
pub(super) fn side(v: Val<'_, '_>, field: &'static str) -> Result<Side, ParseError> {
    Side::from_wire(v.bytes(field)?).ok_or(ParseError::BadSide)
}

#[inline]
pub(super) fn cloid(v: Option<Val<'_, '_>>) -> Result<Option<Cloid>, ParseError> {
    opt(v)
        .map(|v| Cloid::parse(v.bytes("cloid")?).map_err(|_| ParseError::BadId("cloid")))
        .transpose()
}

#[inline]
pub(super) fn tx_hash(v: Val<'_, '_>) -> Result<TxHash, ParseError> {
    TxHash::parse(v.bytes("hash")?).map_err(|_| ParseError::BadId("hash"))
}

#[inline]
pub(super) fn level(spec: &InstrumentSpec, v: Val<'_, '_>) -> Result<Level, ParseError> {
    // Up to 40 levels a frame: take the venue's exact `{px, sz, n}` shape without a key scan
    // (measured: ~4 % of an l2Book parse).
    let [px_v, sz_v, n_v] = match v.exact_fields([b"px", b"sz", b"n"]) {
        Some(vals) => vals.map(Some),
        None => {
            let (mut px_v, mut sz_v, mut n_v) = (None, None, None);
            for (key, val) in v.obj("level")? {
                match key {
                    b"px" => px_v = Some(val),
                    b"sz" => sz_v = Some(val),
                    b"n" => n_v = Some(val),
                    _ => {}
                }
            }
            [px_v, sz_v, n_v]
        }
    };
    let n = req(n_v, "n")?.u64("n")?;
    Ok(Level {
        px: px(spec, req(px_v, "px")?, "px")?,
        sz: sz(spec, req(sz_v, "sz")?, "sz")?,
        n: u32::try_from(n)
            .map_err(|_| ParseError::BadNumber { field: "n", err: DecimalError::Overflow })?,
    })
}
