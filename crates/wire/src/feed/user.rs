//! User-stream channels: `orderUpdates`, `userFills` and `user` (fills, funding, liquidations,
//! non-user cancels). Items on coins we do not trade are skipped and reported in-band.

use super::emit::{emit_batches, report_unknown_user, Emitted, Skipped};
use super::error::ParseError;
use super::fields::{cloid, millis, px, rate, side, signed_sz, sz, tx_hash, usd};
use super::instruments::InstrumentTable;
use super::tape::{self, opt, req, Val};
use hlmm_types::events::{
    Channel, FeedEvent, Fill, FillBatch, FillSource, Funding, InlineVec, Liquidation,
    NonUserCancel, OrderStatus, OrderUpdate,
};
use hlmm_types::{Oid, Tid};

pub(super) fn order_updates(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let done =
        emit_batches(data.arr("data")?, |v| order_update(t, v), FeedEvent::OrderUpdates, out)?;
    Ok(report_unknown_user(Channel::OrderUpdates, done.skipped, out))
}

fn order_update(t: &InstrumentTable, v: Val<'_, '_>) -> Result<Option<OrderUpdate>, ParseError> {
    let (mut order, mut status, mut status_time) = (None, None, None);
    for (key, val) in v.obj("orderUpdate")? {
        match key {
            b"order" => order = Some(val),
            b"status" => status = Some(val),
            b"statusTimestamp" => status_time = Some(val),
            _ => {}
        }
    }
    let status = OrderStatus::from_wire(req(status, "status")?.bytes("status")?);
    let status_time = millis(req(status_time, "statusTimestamp")?, "statusTimestamp")?;
    let (
        mut coin,
        mut side_v,
        mut limit_px,
        mut sz_v,
        mut oid,
        mut timestamp,
        mut orig_sz,
        mut cloid_v,
    ) = (None, None, None, None, None, None, None, None);
    for (key, val) in req(order, "order")?.obj("order")? {
        match key {
            b"coin" => coin = Some(val),
            b"side" => side_v = Some(val),
            b"limitPx" => limit_px = Some(val),
            b"sz" => sz_v = Some(val),
            b"oid" => oid = Some(val),
            b"timestamp" => timestamp = Some(val),
            b"origSz" => orig_sz = Some(val),
            b"cloid" => cloid_v = Some(val),
            _ => {}
        }
    }
    let Some(spec) = t.get(req(coin, "coin")?.bytes("coin")?) else {
        return Ok(None);
    };
    Ok(Some(OrderUpdate {
        asset: spec.asset,
        side: side(req(side_v, "side")?, "side")?,
        limit_px: px(spec, req(limit_px, "limitPx")?, "limitPx")?,
        sz: sz(spec, req(sz_v, "sz")?, "sz")?,
        orig_sz: sz(spec, req(orig_sz, "origSz")?, "origSz")?,
        oid: Oid(req(oid, "oid")?.u64("oid")?),
        cloid: cloid(cloid_v)?,
        timestamp: millis(req(timestamp, "timestamp")?, "timestamp")?,
        status,
        status_time,
    }))
}

pub(super) fn user_fills(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let (mut is_snapshot, mut fills) = (None, None);
    for (key, val) in data.obj("data")? {
        match key {
            b"isSnapshot" => is_snapshot = Some(val),
            b"fills" => fills = Some(val),
            _ => {}
        }
    }
    let is_snapshot = opt(is_snapshot).map(|v| v.bool("isSnapshot")).transpose()?.unwrap_or(false);
    let fills = req(fills, "fills")?.arr("fills")?;
    let done = emit_fills(t, fills, is_snapshot, FillSource::UserFills, out)?;
    if is_snapshot && done.events == 0 {
        // The (re)subscription's snapshot arrived with nothing in it: say so, so the consumer
        // knows the snapshot is complete.
        out(FeedEvent::Fills(FillBatch {
            is_snapshot,
            source: FillSource::UserFills,
            fills: InlineVec::default(),
        }));
    }
    Ok(report_unknown_user(Channel::UserFills, done.skipped, out))
}

fn emit_fills(
    t: &InstrumentTable,
    fills: tape::Arr<'_, '_>,
    is_snapshot: bool,
    source: FillSource,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Emitted, ParseError> {
    emit_batches(
        fills,
        |v| fill(t, v),
        |fills| FeedEvent::Fills(FillBatch { is_snapshot, source, fills }),
        out,
    )
}

fn fill(t: &InstrumentTable, v: Val<'_, '_>) -> Result<Option<Fill>, ParseError> {
    let (mut coin, mut px_v, mut sz_v, mut side_v, mut time, mut start_position, mut closed_pnl) =
        (None, None, None, None, None, None, None);
    let (mut hash, mut oid, mut crossed, mut fee, mut tid, mut cloid_v, mut liquidation) =
        (None, None, None, None, None, None, None);
    for (key, val) in v.obj("fill")? {
        match key {
            b"coin" => coin = Some(val),
            b"px" => px_v = Some(val),
            b"sz" => sz_v = Some(val),
            b"side" => side_v = Some(val),
            b"time" => time = Some(val),
            b"startPosition" => start_position = Some(val),
            b"closedPnl" => closed_pnl = Some(val),
            b"hash" => hash = Some(val),
            b"oid" => oid = Some(val),
            b"crossed" => crossed = Some(val),
            b"fee" => fee = Some(val),
            b"tid" => tid = Some(val),
            b"cloid" => cloid_v = Some(val),
            b"liquidation" => liquidation = Some(val),
            _ => {}
        }
    }
    let Some(spec) = t.get(req(coin, "coin")?.bytes("coin")?) else {
        return Ok(None);
    };
    Ok(Some(Fill {
        asset: spec.asset,
        side: side(req(side_v, "side")?, "side")?,
        px: px(spec, req(px_v, "px")?, "px")?,
        sz: sz(spec, req(sz_v, "sz")?, "sz")?,
        time: millis(req(time, "time")?, "time")?,
        start_position: signed_sz(spec, req(start_position, "startPosition")?, "startPosition")?,
        closed_pnl: usd(req(closed_pnl, "closedPnl")?, "closedPnl")?,
        fee: usd(req(fee, "fee")?, "fee")?,
        oid: Oid(req(oid, "oid")?.u64("oid")?),
        tid: Tid(req(tid, "tid")?.u64("tid")?),
        hash: tx_hash(req(hash, "hash")?)?,
        cloid: cloid(cloid_v)?,
        crossed: req(crossed, "crossed")?.bool("crossed")?,
        liquidation: opt(liquidation).is_some(),
    }))
}

pub(super) fn user_event(
    t: &InstrumentTable,
    data: Val<'_, '_>,
    out: &mut impl FnMut(FeedEvent),
) -> Result<Skipped, ParseError> {
    let (mut fills, mut funding_v, mut liquidation, mut cancels) = (None, None, None, None);
    for (key, val) in data.obj("data")? {
        match key {
            b"fills" => fills = Some(val),
            b"funding" => funding_v = Some(val),
            b"liquidation" => liquidation = Some(val),
            b"nonUserCancel" => cancels = Some(val),
            _ => {}
        }
    }
    if fills.is_none() && funding_v.is_none() && liquidation.is_none() && cancels.is_none() {
        return Ok(Skipped { user_events: 1, ..Skipped::default() });
    }
    // Convert everything before emitting anything, so the frame stays all or nothing.
    let funding_ev = funding_v.map(|v| funding(t, v)).transpose()?;
    let liquidation_ev = liquidation.map(liquidation_event).transpose()?;
    let mut skipped = 0;
    if let Some(cancels) = cancels {
        // Checked first; emitted after the fills below.
        emit_batches(
            cancels.arr("nonUserCancel")?,
            |v| non_user_cancel(t, v),
            FeedEvent::NonUserCancels,
            &mut |_| {},
        )?;
    }
    if let Some(fills) = fills {
        skipped += emit_fills(t, fills.arr("fills")?, false, FillSource::UserEvents, out)?.skipped;
    }
    match funding_ev {
        Some(Some(f)) => out(FeedEvent::Funding(f)),
        Some(None) => skipped += 1,
        None => {}
    }
    if let Some(l) = liquidation_ev {
        out(FeedEvent::Liquidation(l));
    }
    if let Some(cancels) = cancels {
        let arr = cancels.arr("nonUserCancel")?;
        skipped +=
            emit_batches(arr, |v| non_user_cancel(t, v), FeedEvent::NonUserCancels, out)?.skipped;
    }
    Ok(report_unknown_user(Channel::User, skipped, out))
}

fn funding(t: &InstrumentTable, v: Val<'_, '_>) -> Result<Option<Funding>, ParseError> {
    let (mut time, mut coin, mut usdc, mut szi, mut rate_v) = (None, None, None, None, None);
    for (key, val) in v.obj("funding")? {
        match key {
            b"time" => time = Some(val),
            b"coin" => coin = Some(val),
            b"usdc" => usdc = Some(val),
            b"szi" => szi = Some(val),
            b"fundingRate" => rate_v = Some(val),
            _ => {}
        }
    }
    let Some(spec) = t.get(req(coin, "coin")?.bytes("coin")?) else {
        return Ok(None);
    };
    Ok(Some(Funding {
        asset: spec.asset,
        time: millis(req(time, "time")?, "time")?,
        usdc: usd(req(usdc, "usdc")?, "usdc")?,
        szi: signed_sz(spec, req(szi, "szi")?, "szi")?,
        rate: rate(req(rate_v, "fundingRate")?, "fundingRate")?,
    }))
}

fn liquidation_event(v: Val<'_, '_>) -> Result<Liquidation, ParseError> {
    let (mut lid, mut ntl_pos, mut account_value) = (None, None, None);
    for (key, val) in v.obj("liquidation")? {
        match key {
            b"lid" => lid = Some(val),
            b"liquidated_ntl_pos" => ntl_pos = Some(val),
            b"liquidated_account_value" => account_value = Some(val),
            _ => {}
        }
    }
    Ok(Liquidation {
        lid: req(lid, "lid")?.u64("lid")?,
        liquidated_ntl_pos: usd(req(ntl_pos, "liquidated_ntl_pos")?, "liquidated_ntl_pos")?,
        liquidated_account_value: usd(
            req(account_value, "liquidated_account_value")?,
            "liquidated_account_value",
        )?,
    })
}

fn non_user_cancel(
    t: &InstrumentTable,
    v: Val<'_, '_>,
) -> Result<Option<NonUserCancel>, ParseError> {
    let (mut coin, mut oid) = (None, None);
    for (key, val) in v.obj("nonUserCancel")? {
        match key {
            b"coin" => coin = Some(val),
            b"oid" => oid = Some(val),
            _ => {}
        }
    }
    let oid = Oid(req(oid, "oid")?.u64("oid")?);
    let Some(spec) = t.get(req(coin, "coin")?.bytes("coin")?) else {
        return Ok(None);
    };
    Ok(Some(NonUserCancel { asset: spec.asset, oid }))
}
