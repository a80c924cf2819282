//! backtest::convert: between the core's vocabulary and the exchange's, without the wire.
//!
//! The live path goes command → signed JSON → `/exchange` → reply JSON → outcome, and venue
//! records → WebSocket JSON → parsed events. In simulated time both ends are in one process,
//! so the harness maps the typed values directly; the venue's reject texts still go through
//! the engine's own classifier ([`RejectReason::from_venue_message_with_spec`]), so a reject
//! reaches the core as the exec thread would report it.

use hlmm_sim::actions::{
    CancelStatus, ExchangeAction, ExchangeResponse, LimitOrder, ModifyRequest, OrderStatusResp,
    SimOrderStatus,
};
use hlmm_sim::actions::{FillRecord, FundingPayment, OrderUpdateRecord};
use hlmm_sim::market::CoinView;
use hlmm_types::commands::{Command, CommandKind, OrderRequest};
use hlmm_types::events::{
    BookSide, BookSnapshot, FeedEvent, Fill, Funding, Level, OrderStatus, OrderUpdate, Trade,
    TradeBatch,
};
use hlmm_types::outcome::{Accepted, AcceptedStatus, CommandOutcome, OutcomeEvent, RejectReason};
use hlmm_types::{Cloid, InstrumentSpec, Nanos, Side};
use hlmm_wire::action::{CancelByCloidAction, CancelByCloidWire, OrderRef};

/// The exchange action of one command; `None` for `CancelAll` (the harness sweeps the
/// account's open orders itself, as the exec thread does).
pub(crate) fn action_of(cmd: &Command) -> Option<ExchangeAction> {
    match cmd {
        Command::Place(r) => Some(ExchangeAction::Order { orders: vec![limit_order(r)] }),
        Command::Modify { cloid, oid, new, .. } => Some(ExchangeAction::BatchModify {
            modifies: vec![ModifyRequest {
                target: oid.map_or(OrderRef::Cloid(*cloid), OrderRef::Oid),
                order: limit_order(new),
            }],
            always_place: false,
        }),
        Command::Cancel { asset, cloid } => {
            Some(ExchangeAction::CancelByCloid(CancelByCloidAction {
                cancels: vec![CancelByCloidWire { asset: *asset, cloid: *cloid }],
                fast: false,
            }))
        }
        Command::CancelAll { .. } => None,
    }
}

fn limit_order(r: &OrderRequest) -> LimitOrder {
    LimitOrder {
        asset: r.asset,
        is_buy: r.side == Side::Bid,
        px: r.px,
        sz: r.sz,
        reduce_only: r.reduce_only,
        tif: r.tif,
        cloid: Some(r.cloid),
    }
}

/// The outcome the exec thread would report for `cmd` answered with `resp`; `None` for
/// `CancelAll`, which has none.
pub(crate) fn outcome_of(
    cmd: &Command,
    resp: &ExchangeResponse,
    spec: &InstrumentSpec,
) -> Option<OutcomeEvent> {
    let (asset, cloid, kind): (_, Cloid, _) = match cmd {
        Command::Place(r) => (r.asset, r.cloid, CommandKind::Place),
        Command::Modify { asset, cloid, .. } => (*asset, *cloid, CommandKind::Modify),
        Command::Cancel { asset, cloid } => (*asset, *cloid, CommandKind::Cancel),
        Command::CancelAll { .. } => return None,
    };
    let reject = |msg: &str| RejectReason::from_venue_message_with_spec(msg, spec);
    let mut old_leg_canceled = false;
    let outcome = match resp {
        ExchangeResponse::Err(msg) => CommandOutcome::Rejected(reject(msg)),
        ExchangeResponse::Order(statuses) => match statuses.first() {
            Some(OrderStatusResp::Resting { oid, .. }) => CommandOutcome::Accepted(Accepted {
                oid: Some(*oid),
                status: AcceptedStatus::Resting,
            }),
            Some(OrderStatusResp::Filled { total_sz, avg_px, oid, .. }) => {
                CommandOutcome::Accepted(Accepted {
                    oid: Some(*oid),
                    status: AcceptedStatus::Filled { total_sz: *total_sz, avg_px: *avg_px },
                })
            }
            Some(OrderStatusResp::Error(msg)) if kind == CommandKind::Modify => {
                let (reason, old_gone) = RejectReason::from_modify_message(msg, Some(spec));
                old_leg_canceled = old_gone;
                CommandOutcome::Rejected(reason)
            }
            Some(OrderStatusResp::Error(msg)) => CommandOutcome::Rejected(reject(msg)),
            None => CommandOutcome::Rejected(RejectReason::Other),
        },
        ExchangeResponse::Cancel(statuses) => match statuses.first() {
            Some(CancelStatus::Success) => {
                CommandOutcome::Accepted(Accepted { oid: None, status: AcceptedStatus::Canceled })
            }
            Some(CancelStatus::Error(msg)) => CommandOutcome::Rejected(reject(msg)),
            None => CommandOutcome::Rejected(RejectReason::Other),
        },
        // A `modify` answers `default`; the harness sends `batchModify`, never this.
        ExchangeResponse::Default => {
            CommandOutcome::Accepted(Accepted { oid: None, status: AcceptedStatus::Resting })
        }
    };
    let mut ev = OutcomeEvent::new(asset, cloid, kind, outcome);
    ev.modify_old_leg_canceled = old_leg_canceled;
    Some(ev)
}

/// A venue fill record as the feed thread parses it from `userFills`.
pub(crate) fn fill_of(f: &FillRecord) -> Fill {
    Fill {
        asset: f.spec.asset,
        side: f.side,
        px: f.px,
        sz: f.sz,
        time: f.time,
        start_position: f.start_position,
        closed_pnl: f.closed_pnl,
        fee: f.fee,
        oid: f.oid,
        tid: f.tid,
        hash: f.hash,
        cloid: f.cloid,
        crossed: f.crossed,
        liquidation: false,
    }
}

/// A venue order update as the feed thread parses it from `orderUpdates`.
pub(crate) fn order_update_of(u: &OrderUpdateRecord) -> OrderUpdate {
    OrderUpdate {
        asset: u.spec.asset,
        side: u.side,
        limit_px: u.limit_px,
        sz: u.sz,
        orig_sz: u.orig_sz,
        oid: u.oid,
        cloid: u.cloid,
        timestamp: u.timestamp,
        status: OrderStatus::from_wire(u.status.as_wire().as_bytes()),
        status_time: u.status_time,
    }
}

/// A funding payment as the feed thread parses it from `user`.
pub(crate) fn funding_of(f: &FundingPayment) -> Funding {
    Funding { asset: f.spec.asset, time: f.time, usdc: f.usdc, szi: f.szi, rate: f.rate }
}

/// `true` when the update ends the order's life on the book.
pub(crate) fn is_terminal(status: SimOrderStatus) -> bool {
    status != SimOrderStatus::Open
}

/// What the venue publishes for one coin after a block at `t` (ns): its book (as many levels
/// as a book event carries) and its trades (16 an event, as the `trades` channel prints them).
pub(crate) fn published(view: &CoinView<'_>, t: u64, mut emit: impl FnMut(FeedEvent)) {
    let mut book = BookSnapshot { asset: view.spec.asset, time: Nanos(t), ..Default::default() };
    fill_side(&mut book.bids, view.bids);
    fill_side(&mut book.asks, view.asks);
    emit(FeedEvent::Book(book));
    for chunk in view.trades.chunks(TradeBatch::CAPACITY) {
        let mut batch = TradeBatch::default();
        for p in chunk {
            let trade = Trade {
                asset: p.asset,
                side: p.side,
                px: p.px,
                sz: p.sz,
                time: Nanos(t),
                tid: p.tid,
            };
            let _ = batch.push(trade);
        }
        emit(FeedEvent::Trades(batch));
    }
}

/// The best levels of a side, as many as a book event carries.
fn fill_side(out: &mut BookSide, levels: &[Level]) {
    for l in levels {
        if out.push(*l).is_err() {
            break;
        }
    }
}
