//! The exchange's records in the server's wire shapes ([`super::shapes`]).
//!
//! Prices and sizes are written as market data is (`"97000.0"` for whole numbers), so one
//! number reads the same on every channel. Pure formatting.

use super::shapes::{
    self, AssetPosition, ClearinghouseState, CumFundingDetail, FrontendOpenOrder, Leverage,
    MarginSummary, OpenOrder, OrderDetail, OrderStatusEntry, PositionDetail, UserFill, WsOrder,
    WsOrderUpdate,
};
use crate::actions::{self, FillRecord, OrderUpdateRecord};
use hlmm_types::{DecimalStr, TxHash, Usd};

/// A decimal as the venue writes it: whole numbers carry `.0`.
fn text(d: DecimalStr) -> String {
    let s = d.as_str();
    if s.contains('.') {
        s.to_owned()
    } else {
        format!("{s}.0")
    }
}

fn usd(u: Usd) -> String {
    text(actions::usd_wire(u))
}

fn hash(h: &TxHash) -> String {
    let mut s = String::with_capacity(66);
    s.push_str("0x");
    for b in h.0 {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// A fill.
pub(super) fn fill(f: &FillRecord) -> UserFill {
    let s = &f.spec;
    UserFill {
        coin: s.coin.as_str().to_owned(),
        px: text(s.px_wire(f.px)),
        sz: text(s.sz_wire(f.sz)),
        side: f.side.as_wire().to_owned(),
        time: f.time.as_millis(),
        start_position: text(s.sz_wire(f.start_position)),
        dir: f.dir.as_wire().to_owned(),
        closed_pnl: usd(f.closed_pnl),
        hash: hash(&f.hash),
        oid: f.oid.0,
        crossed: f.crossed,
        fee: usd(f.fee),
        tid: f.tid.0,
        fee_token: "USDC".to_owned(),
        cloid: f.cloid.map(|c| c.to_string()),
        builder_fee: None,
    }
}

/// An `orderUpdates` item.
pub(super) fn order_update(u: &OrderUpdateRecord) -> WsOrderUpdate {
    let o = open_order(u);
    WsOrderUpdate {
        order: WsOrder {
            coin: o.coin,
            side: o.side,
            limit_px: o.limit_px,
            sz: o.sz,
            oid: o.oid,
            timestamp: o.timestamp,
            orig_sz: o.orig_sz,
            cloid: o.cloid,
        },
        status: u.status.as_wire().to_owned(),
        status_timestamp: u.status_time.as_millis(),
    }
}

/// An `openOrders` item.
pub(super) fn open_order(u: &OrderUpdateRecord) -> OpenOrder {
    let s = &u.spec;
    OpenOrder {
        coin: s.coin.as_str().to_owned(),
        limit_px: text(s.px_wire(u.limit_px)),
        oid: u.oid.0,
        side: u.side.as_wire().to_owned(),
        sz: text(s.sz_wire(u.sz)),
        timestamp: u.timestamp.as_millis(),
        orig_sz: text(s.sz_wire(u.orig_sz)),
        cloid: u.cloid.map(|c| c.to_string()),
    }
}

/// A `frontendOpenOrders` item (limit orders only).
pub(super) fn frontend_open_order(u: &OrderUpdateRecord) -> FrontendOpenOrder {
    let o = open_order(u);
    FrontendOpenOrder {
        coin: o.coin,
        limit_px: o.limit_px,
        oid: o.oid,
        side: o.side,
        sz: o.sz,
        timestamp: o.timestamp,
        orig_sz: o.orig_sz,
        cloid: o.cloid,
        is_position_tpsl: false,
        is_trigger: false,
        order_type: "Limit".to_owned(),
        reduce_only: u.reduce_only,
        trigger_condition: "N/A".to_owned(),
        trigger_px: "0.0".to_owned(),
        tif: Some(u.tif.as_wire().to_owned()),
    }
}

/// An `orderStatus` entry.
pub(super) fn order_status(u: &OrderUpdateRecord) -> OrderStatusEntry {
    let o = open_order(u);
    OrderStatusEntry {
        order: OrderDetail {
            coin: o.coin,
            side: o.side,
            limit_px: o.limit_px,
            sz: o.sz,
            oid: o.oid,
            timestamp: o.timestamp,
            trigger_condition: "N/A".to_owned(),
            is_trigger: false,
            trigger_px: "0.0".to_owned(),
            children: Vec::new(),
            is_position_tpsl: false,
            reduce_only: u.reduce_only,
            order_type: "Limit".to_owned(),
            orig_sz: o.orig_sz,
            tif: u.tif.as_wire().to_owned(),
            cloid: o.cloid,
        },
        status: u.status.as_wire().to_owned(),
        status_timestamp: u.status_time.as_millis(),
    }
}

/// `clearinghouseState`.
pub(super) fn clearinghouse(c: &actions::ClearinghouseRecord) -> ClearinghouseState {
    let positions = c
        .positions
        .iter()
        .map(|p| {
            let s = &p.spec;
            AssetPosition {
                kind: "oneWay".to_owned(),
                position: PositionDetail {
                    coin: s.coin.as_str().to_owned(),
                    szi: text(s.sz_wire(p.szi)),
                    entry_px: p.entry_px.map(|e| text(s.px_wire(e))),
                    leverage: Leverage {
                        kind: if p.is_cross { "cross" } else { "isolated" }.to_owned(),
                        value: p.leverage,
                        raw_usd: None,
                    },
                    liquidation_px: p.liquidation_px.map(|e| text(s.px_wire(e))),
                    margin_used: usd(p.margin_used),
                    max_leverage: p.max_leverage,
                    position_value: usd(p.position_value),
                    return_on_equity: text(DecimalStr::new(p.return_on_equity_micro, 6)),
                    unrealized_pnl: usd(p.unrealized_pnl),
                    cum_funding: CumFundingDetail {
                        all_time: usd(p.cum_funding.all_time),
                        since_open: usd(p.cum_funding.since_open),
                        since_change: usd(p.cum_funding.since_change),
                    },
                },
            }
        })
        .collect();
    let summary = MarginSummary {
        account_value: usd(c.account_value),
        total_ntl_pos: usd(c.total_ntl_pos),
        total_raw_usd: usd(c.total_raw_usd),
        total_margin_used: usd(c.total_margin_used),
    };
    ClearinghouseState {
        asset_positions: positions,
        margin_summary: summary.clone(),
        cross_margin_summary: summary,
        cross_maintenance_margin_used: usd(c.maintenance_margin_used),
        withdrawable: usd(c.withdrawable),
        time: c.time.as_millis(),
    }
}

/// A funding payment as the `user` channel's `funding` object.
pub(super) fn funding(f: &actions::FundingPayment) -> serde_json::Value {
    let s = &f.spec;
    serde_json::json!({
        "time": f.time.as_millis(),
        "coin": s.coin.as_str(),
        "usdc": usd(f.usdc),
        "szi": text(s.sz_wire(f.szi)),
        "fundingRate": serde_json::to_value(shapes::rate(f.rate)).unwrap_or_default(),
    })
}
