//! From the parsed, signature-checked wire action to what the exchange executes.
//!
//! Each wire order is resolved against its asset (listed, limit not trigger, price on the
//! grid, size in lots) and passed through the fault gate; refused orders keep their place in
//! the response with their `{"error": …}` status, the others go to the exchange as one
//! [`ExchangeAction`]. Cancels, `scheduleCancel` and `updateLeverage` carry the wire payload
//! as is.
//!
//! Pure: no I/O, no clock.

use crate::accounts::Address;
use crate::actions::{
    ExchangeAction, ExchangeResponse, LimitOrder, ModifyRequest, OrderStatusResp,
    MODIFY_PLACE_PREFIX,
};
use crate::exchange::Exchange;
use crate::faults::OrderGate;
use crate::matching::{parse_order_px, parse_order_sz, OrderRejection};
use crate::venue::ExchangeVenue;
use hlmm_types::Nanos;
use hlmm_wire::action::{Action, Grouping, ModifyWire, OrderType, OrderWire};

/// A grouping other than `na`.
pub const GROUPING_UNSUPPORTED: &str = "simulator: only grouping \"na\" is supported";
/// A trigger (TP/SL) order: the simulator rests limit orders only. Not a venue string.
pub const TRIGGER_UNSUPPORTED: &str = "simulator: trigger orders are not supported";

/// Executes `action` for `account` at `now`: resolves its orders, gates them, applies the rest.
pub(super) fn execute(
    venue: &mut ExchangeVenue,
    account: Address,
    action: &Action,
    gate: &mut OrderGate<'_>,
    now: Nanos,
) -> ExchangeResponse {
    let direct = match action {
        Action::Order(o) => {
            if o.grouping != Grouping::Na {
                return ExchangeResponse::Err(GROUPING_UNSUPPORTED.to_owned());
            }
            let checked: Vec<_> = o
                .orders
                .iter()
                .map(|w| limit_order(venue.exchange(), w).and_then(|r| gated(gate, r, false)))
                .collect();
            return apply_checked(venue, account, checked, now, |orders| ExchangeAction::Order {
                orders,
            });
        }
        Action::BatchModify(b) => {
            let always_place = b.always_place;
            let checked: Vec<_> = b
                .modifies
                .iter()
                .map(|m| modify_request(venue.exchange(), m, gate, always_place))
                .collect();
            return apply_checked(venue, account, checked, now, |modifies| {
                ExchangeAction::BatchModify { modifies, always_place }
            });
        }
        Action::Modify(m) => {
            let wire = ModifyWire { oid: m.oid, order: m.order };
            match modify_request(venue.exchange(), &wire, gate, m.always_place) {
                Ok(modify) => ExchangeAction::Modify { modify, always_place: m.always_place },
                Err(t) => return ExchangeResponse::Err(format!("{MODIFY_PLACE_PREFIX}{t}")),
            }
        }
        Action::Cancel(c) => ExchangeAction::Cancel(c.clone()),
        Action::CancelByCloid(c) => ExchangeAction::CancelByCloid(c.clone()),
        Action::ScheduleCancel(s) => ExchangeAction::ScheduleCancel(*s),
        Action::UpdateLeverage(u) => ExchangeAction::UpdateLeverage(*u),
        Action::Noop => ExchangeAction::Noop,
    };
    venue.apply(account, &direct, now)
}

/// Passes a resolved order through the gate.
fn gated(gate: &mut OrderGate<'_>, r: LimitOrder, forced_alo: bool) -> Result<LimitOrder, String> {
    gate.check(r.tif, forced_alo).map(|()| r)
}

/// A modify resolved and gated: without `a` the replacement rests as ALO, so the post-only
/// window lets it through.
fn modify_request(
    exchange: &Exchange,
    m: &ModifyWire,
    gate: &mut OrderGate<'_>,
    always_place: bool,
) -> Result<ModifyRequest, String> {
    let order = limit_order(exchange, &m.order)?;
    gate.check(order.tif, !always_place)?;
    Ok(ModifyRequest { target: m.oid, order })
}

/// Applies the accepted items of a batch as one action; the response lists every item in
/// request order, refused ones with their error.
fn apply_checked<T>(
    venue: &mut ExchangeVenue,
    account: Address,
    checked: Vec<Result<T, String>>,
    now: Nanos,
    build: impl FnOnce(Vec<T>) -> ExchangeAction,
) -> ExchangeResponse {
    let mut errors = Vec::with_capacity(checked.len());
    let mut valid = Vec::with_capacity(checked.len());
    for r in checked {
        match r {
            Ok(v) => {
                valid.push(v);
                errors.push(None);
            }
            Err(t) => errors.push(Some(t)),
        }
    }
    let applied = if valid.is_empty() {
        Vec::new()
    } else {
        match venue.apply(account, &build(valid), now) {
            ExchangeResponse::Order(s) => s,
            other => return other,
        }
    };
    ExchangeResponse::Order(merge(errors, applied))
}

/// Per-order statuses in request order: the refused ones' errors, the others' exchange
/// statuses in turn.
fn merge(errors: Vec<Option<String>>, applied: Vec<OrderStatusResp>) -> Vec<OrderStatusResp> {
    let mut applied = applied.into_iter();
    errors
        .into_iter()
        .map(|e| match e {
            Some(t) => OrderStatusResp::Error(t),
            None => applied
                .next()
                .unwrap_or_else(|| OrderStatusResp::Error("simulator: missing status".into())),
        })
        .collect()
}

/// Resolves a wire order against the listed assets, or the order's error text.
pub(super) fn limit_order(exchange: &Exchange, o: &OrderWire) -> Result<LimitOrder, String> {
    let spec = exchange.asset(o.asset).map(|c| c.spec);
    let spec = spec.ok_or_else(|| OrderRejection::UnknownAsset.message())?;
    let tif = match o.order_type {
        OrderType::Limit(l) => l.tif,
        OrderType::Trigger(_) => return Err(TRIGGER_UNSUPPORTED.to_owned()),
    };
    let px = parse_order_px(&spec, o.px.as_bytes()).map_err(|r| r.message())?;
    let sz = parse_order_sz(&spec, o.sz.as_bytes()).map_err(|r| r.message())?;
    Ok(LimitOrder {
        asset: o.asset,
        is_buy: o.is_buy,
        px,
        sz,
        reduce_only: o.reduce_only,
        tif,
        cloid: o.cloid,
    })
}

#[cfg(test)]
mod tests;
