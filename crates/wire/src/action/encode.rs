//! The one traversal of an action that both encodings come from: a map per action, keys in the
//! venue's order, absent optionals omitted. [`ActionRef::write_msgpack`] runs it into the
//! msgpack sink (the signed bytes), [`ActionRef::write_json`] into the JSON sink, so the two
//! can never disagree.

use super::admin::UpdateLeverageAction;
use super::cancel::{CancelByCloidWire, CancelWire};
use super::modify::{ModifyAction, ModifyWire};
use super::order::{Builder, Grouping, OrderType, OrderWire};
use super::sink::{Json, Msgpack, Sink};
use super::values::OrderRef;
use super::ActionRef;

impl ActionRef<'_> {
    /// Appends the canonical msgpack encoding (the bytes that are hashed) to `out`.
    /// Allocates only if `out` must grow.
    pub fn write_msgpack(&self, out: &mut Vec<u8>) {
        encode(self, &mut Msgpack(out));
    }

    /// Appends the action as a JSON object, keys in the same canonical order, to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        encode(self, &mut Json { out, need_comma: false });
    }
}

/// Writes `action` into `w`, one step per kind of action.
fn encode<S: Sink>(action: &ActionRef<'_>, w: &mut S) {
    let ty = action.type_name().as_bytes();
    match *action {
        ActionRef::Order { orders, grouping, builder } => {
            order_action(w, ty, orders, grouping, builder);
        }
        ActionRef::Cancel { cancels, fast } => cancel(w, ty, cancels, fast),
        ActionRef::CancelByCloid { cancels, fast } => cancel_by_cloid(w, ty, cancels, fast),
        ActionRef::Modify(m) => modify(w, ty, m),
        ActionRef::BatchModify { modifies, always_place } => {
            batch_modify(w, ty, modifies, always_place);
        }
        ActionRef::ScheduleCancel { time } => schedule_cancel(w, ty, time),
        ActionRef::UpdateLeverage(u) => update_leverage(w, ty, &u),
        ActionRef::Noop => {
            open(w, 1, ty);
            w.end_map();
        }
    }
}

/// Opens the action's map of `entries` entries and writes the first, `type`.
#[inline]
fn open<S: Sink>(w: &mut S, entries: usize, ty: &[u8]) {
    w.map(entries);
    w.key("type");
    w.str(ty);
}

/// `{type, orders, grouping, builder?}`.
fn order_action<S: Sink>(
    w: &mut S,
    ty: &[u8],
    orders: &[OrderWire],
    grouping: Grouping,
    builder: Option<Builder>,
) {
    open(w, 3 + usize::from(builder.is_some()), ty);
    w.key("orders");
    w.array(orders.len());
    for o in orders {
        order(w, o);
    }
    w.end_array();
    w.key("grouping");
    w.str(grouping.as_wire().as_bytes());
    if let Some(b) = builder {
        w.key("builder");
        w.map(2);
        w.key("b");
        w.str(&b.address.to_wire());
        w.key("f");
        w.uint(b.fee_tenth_bps);
        w.end_map();
    }
    w.end_map();
}

/// `{type, cancels: [{a, o}…], f?}`.
fn cancel<S: Sink>(w: &mut S, ty: &[u8], cancels: &[CancelWire], fast: bool) {
    open(w, 2 + usize::from(fast), ty);
    w.key("cancels");
    w.array(cancels.len());
    for c in cancels {
        w.map(2);
        w.key("a");
        w.uint(u64::from(c.asset.0));
        w.key("o");
        w.uint(c.oid.0);
        w.end_map();
    }
    w.end_array();
    fast_flag(w, fast);
    w.end_map();
}

/// `{type, cancels: [{asset, cloid}…], f?}`.
fn cancel_by_cloid<S: Sink>(w: &mut S, ty: &[u8], cancels: &[CancelByCloidWire], fast: bool) {
    open(w, 2 + usize::from(fast), ty);
    w.key("cancels");
    w.array(cancels.len());
    for c in cancels {
        w.map(2);
        w.key("asset");
        w.uint(u64::from(c.asset.0));
        w.key("cloid");
        w.str(&c.cloid.to_wire());
        w.end_map();
    }
    w.end_array();
    fast_flag(w, fast);
    w.end_map();
}

/// `f: true`, written only when set (hashing `f: false` is rejected).
#[inline]
fn fast_flag<S: Sink>(w: &mut S, fast: bool) {
    if fast {
        w.key("f");
        w.bool(true);
    }
}

/// `{type, oid, order, a?}`.
fn modify<S: Sink>(w: &mut S, ty: &[u8], m: &ModifyAction) {
    open(w, 3 + usize::from(m.always_place), ty);
    w.key("oid");
    order_ref(w, m.oid);
    w.key("order");
    order(w, &m.order);
    always_place_flag(w, m.always_place);
    w.end_map();
}

/// `{type, modifies: [{oid, order}…], a?}`.
fn batch_modify<S: Sink>(w: &mut S, ty: &[u8], modifies: &[ModifyWire], always_place: bool) {
    open(w, 2 + usize::from(always_place), ty);
    w.key("modifies");
    w.array(modifies.len());
    for m in modifies {
        w.map(2);
        w.key("oid");
        order_ref(w, m.oid);
        w.key("order");
        order(w, &m.order);
        w.end_map();
    }
    w.end_array();
    always_place_flag(w, always_place);
    w.end_map();
}

/// `a: true`, written only when set.
#[inline]
fn always_place_flag<S: Sink>(w: &mut S, always_place: bool) {
    if always_place {
        w.key("a");
        w.bool(true);
    }
}

/// `{type, time?}`.
fn schedule_cancel<S: Sink>(w: &mut S, ty: &[u8], time: Option<u64>) {
    open(w, 1 + usize::from(time.is_some()), ty);
    if let Some(t) = time {
        w.key("time");
        w.uint(t);
    }
    w.end_map();
}

/// `{type, asset, isCross, leverage}`.
fn update_leverage<S: Sink>(w: &mut S, ty: &[u8], u: &UpdateLeverageAction) {
    open(w, 4, ty);
    w.key("asset");
    w.uint(u64::from(u.asset.0));
    w.key("isCross");
    w.bool(u.is_cross);
    w.key("leverage");
    w.uint(u64::from(u.leverage));
    w.end_map();
}

/// One order: `{a, b, p, s, r, t, c?}`.
fn order<S: Sink>(w: &mut S, o: &OrderWire) {
    w.map(6 + usize::from(o.cloid.is_some()));
    w.key("a");
    w.uint(u64::from(o.asset.0));
    w.key("b");
    w.bool(o.is_buy);
    w.key("p");
    w.str(o.px.as_bytes());
    w.key("s");
    w.str(o.sz.as_bytes());
    w.key("r");
    w.bool(o.reduce_only);
    w.key("t");
    order_type(w, o.order_type);
    if let Some(c) = o.cloid {
        w.key("c");
        w.str(&c.to_wire());
    }
    w.end_map();
}

/// `t`: `{limit: {tif}}` or `{trigger: {isMarket, triggerPx, tpsl}}`.
fn order_type<S: Sink>(w: &mut S, t: OrderType) {
    w.map(1);
    match t {
        OrderType::Limit(l) => {
            w.key("limit");
            w.map(1);
            w.key("tif");
            w.str(l.tif.as_wire().as_bytes());
            w.end_map();
        }
        OrderType::Trigger(t) => {
            w.key("trigger");
            w.map(3);
            w.key("isMarket");
            w.bool(t.is_market);
            w.key("triggerPx");
            w.str(t.trigger_px.as_bytes());
            w.key("tpsl");
            w.str(t.tpsl.as_wire().as_bytes());
            w.end_map();
        }
    }
    w.end_map();
}

/// An oid as a msgpack integer, a cloid as its string.
fn order_ref<S: Sink>(w: &mut S, r: OrderRef) {
    match r {
        OrderRef::Oid(oid) => w.uint(oid.0),
        OrderRef::Cloid(c) => w.str(&c.to_wire()),
    }
}
