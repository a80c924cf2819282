//! Market-data channels on the tape path: `l2Book`, `bbo`, `trades`, `allMids`,
//! `activeAssetCtx`. (Venue-shaped `l2Book` frames usually take the fast path in [`super::book`].)

use super::emit::{emit_batches, Skipped};
use super::error::ParseError;
use super::fields::{level, millis, parse_nearest, px, rate, ref_px, side, sz};
use super::instruments::InstrumentTable;
use super::tape::{opt, req, Val};
use hlmm_types::events::{AssetCtx, Bbo, BookSide, FeedEvent, Mid, Trade, MAX_BOOK_LEVELS};
use hlmm_types::{InstrumentSpec, Tid, Usd};

pub(super) fn l2_book(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let (mut coin, mut time, mut levels) = (None, None, None);
    for (key, val) in data.obj("data")? {
        match key {
            b"coin" => coin = Some(val),
            b"time" => time = Some(val),
            b"levels" => levels = Some(val),
            _ => {}
        }
    }
    let coin = req(coin, "coin")?.bytes("coin")?;
    let time = millis(req(time, "time")?, "time")?;
    let mut levels = req(levels, "levels")?.arr("levels")?;
    if levels.len() != 2 {
        return Err(ParseError::BadValue("levels"));
    }
    let Some(spec) = t.get(coin) else {
        return Ok(Skipped { market: 1, ..Skipped::default() });
    };
    let bids = levels.next().ok_or(ParseError::MissingField("levels"))?;
    let asks = levels.next().ok_or(ParseError::MissingField("levels"))?;
    // Built in place: a book event is ~1 KiB, so it is filled where it will be moved from.
    let mut event = FeedEvent::Book(Default::default());
    if let FeedEvent::Book(book) = &mut event {
        book.asset = spec.asset;
        book.time = time;
        book_side(spec, bids, &mut book.bids)?;
        book_side(spec, asks, &mut book.asks)?;
    }
    out(event);
    Ok(Skipped::default())
}

#[inline]
fn book_side(spec: &InstrumentSpec, v: Val<'_, '_>, side: &mut BookSide) -> Result<(), ParseError> {
    let levels = v.arr("levels")?;
    if levels.len() > MAX_BOOK_LEVELS {
        return Err(ParseError::TooManyLevels);
    }
    for lv in levels {
        side.push(level(spec, lv)?).map_err(|_| ParseError::TooManyLevels)?;
    }
    Ok(())
}

pub(super) fn bbo(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let (mut coin, mut time, mut best) = (None, None, None);
    for (key, val) in data.obj("data")? {
        match key {
            b"coin" => coin = Some(val),
            b"time" => time = Some(val),
            b"bbo" => best = Some(val),
            _ => {}
        }
    }
    let coin = req(coin, "coin")?.bytes("coin")?;
    let time = millis(req(time, "time")?, "time")?;
    let mut best = req(best, "bbo")?.arr("bbo")?;
    if best.len() != 2 {
        return Err(ParseError::BadValue("bbo"));
    }
    let Some(spec) = t.get(coin) else {
        return Ok(Skipped { market: 1, ..Skipped::default() });
    };
    let bid = opt(best.next()).map(|v| level(spec, v)).transpose()?;
    let ask = opt(best.next()).map(|v| level(spec, v)).transpose()?;
    out(FeedEvent::Bbo(Bbo { asset: spec.asset, time, bid, ask }));
    Ok(Skipped::default())
}

pub(super) fn trades(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let done = emit_batches(data.arr("data")?, |v| trade(t, v), FeedEvent::Trades, out)?;
    Ok(Skipped { market: done.skipped, ..Skipped::default() })
}

#[inline]
fn trade(t: &InstrumentTable, v: Val<'_, '_>) -> Result<Option<Trade>, ParseError> {
    let (mut coin, mut side_v, mut px_v, mut sz_v, mut time, mut tid) =
        (None, None, None, None, None, None);
    for (key, val) in v.obj("trade")? {
        match key {
            b"coin" => coin = Some(val),
            b"side" => side_v = Some(val),
            b"px" => px_v = Some(val),
            b"sz" => sz_v = Some(val),
            b"time" => time = Some(val),
            b"tid" => tid = Some(val),
            _ => {}
        }
    }
    let Some(spec) = t.get(req(coin, "coin")?.bytes("coin")?) else {
        return Ok(None);
    };
    Ok(Some(Trade {
        asset: spec.asset,
        side: side(req(side_v, "side")?, "side")?,
        px: px(spec, req(px_v, "px")?, "px")?,
        sz: sz(spec, req(sz_v, "sz")?, "sz")?,
        time: millis(req(time, "time")?, "time")?,
        tid: Tid(req(tid, "tid")?.u64("tid")?),
    }))
}

pub(super) fn all_mids(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let mut mids = None;
    for (key, val) in data.obj("data")? {
        if key == b"mids" {
            mids = Some(val);
        }
    }
    let mids = req(mids, "mids")?.obj("mids")?;
    let convert = |(coin, v): (&[u8], Val<'_, '_>)| -> Result<Option<Mid>, ParseError> {
        let Some(spec) = t.get(coin) else { return Ok(None) };
        Ok(Some(Mid { asset: spec.asset, px: ref_px(spec, v, "mids")? }))
    };
    // Unknown coins are not counted: allMids lists every coin on the venue.
    emit_batches(mids, convert, FeedEvent::Mids, out)?;
    Ok(Skipped::default())
}

pub(super) fn active_asset_ctx(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let (mut coin, mut ctx) = (None, None);
    for (key, val) in data.obj("data")? {
        match key {
            b"coin" => coin = Some(val),
            b"ctx" => ctx = Some(val),
            _ => {}
        }
    }
    let coin = req(coin, "coin")?.bytes("coin")?;
    let ctx = req(ctx, "ctx")?.obj("ctx")?;
    let Some(spec) = t.get(coin) else {
        return Ok(Skipped { market: 1, ..Skipped::default() });
    };
    let (
        mut day_ntl_vlm,
        mut prev_day_px,
        mut mark_px,
        mut mid_px,
        mut funding_v,
        mut oi,
        mut oracle_px,
    ) = (None, None, None, None, None, None, None);
    for (key, val) in ctx {
        match key {
            b"dayNtlVlm" => day_ntl_vlm = Some(val),
            b"prevDayPx" => prev_day_px = Some(val),
            b"markPx" => mark_px = Some(val),
            b"midPx" => mid_px = Some(val),
            b"funding" => funding_v = Some(val),
            b"openInterest" => oi = Some(val),
            b"oraclePx" => oracle_px = Some(val),
            _ => {}
        }
    }
    let day_ntl_vlm = req(day_ntl_vlm, "dayNtlVlm")?.bytes("dayNtlVlm")?;
    out(FeedEvent::AssetCtx(AssetCtx {
        asset: spec.asset,
        day_ntl_vlm: parse_nearest(day_ntl_vlm, Usd::SCALE)
            .map(Usd)
            .map_err(|err| ParseError::BadNumber { field: "dayNtlVlm", err })?,
        prev_day_px: ref_px(spec, req(prev_day_px, "prevDayPx")?, "prevDayPx")?,
        mark_px: ref_px(spec, req(mark_px, "markPx")?, "markPx")?,
        mid_px: opt(mid_px).map(|v| ref_px(spec, v, "midPx")).transpose()?,
        oracle_px: ref_px(spec, req(oracle_px, "oraclePx")?, "oraclePx")?,
        funding: rate(req(funding_v, "funding")?, "funding")?,
        open_interest: sz(spec, req(oi, "openInterest")?, "openInterest")?,
    }));
    Ok(Skipped::default())
}
