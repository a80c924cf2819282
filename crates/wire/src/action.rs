//! Typed L1 `/exchange` actions and their canonical encodings (hyperliquid.md §3.1, §4).
//!
//! The signed bytes of an action are its msgpack encoding with map keys in the **venue's** order,
//! absent optionals omitted, the smallest integer encodings, and the decimal strings (`p`, `s`,
//! `triggerPx`) exactly as they were written or received. [`ActionRef::write_msgpack`] produces
//! those bytes; [`ActionRef::write_json`] writes the same action as the JSON `action` object, in
//! the same key order, from the same traversal, so the two can never disagree.
//!
//! Two users:
//! - the exec thread builds [`OrderWire`]s from integer [`Px`]/[`Sz`] ([`OrderWire::limit`]),
//!   keeps them in its own reused buffers and signs an [`ActionRef`] that borrows them: nothing
//!   here allocates once the caller's output `Vec<u8>` has grown to its working size;
//! - the simulator parses a received body with serde (keys in any order: the Rust SDK sends them
//!   sorted, hyperliquid.md §3.3) into an [`Action`] and re-encodes it canonically to verify the
//!   signature.
//!
//! Pure: no I/O, no clock, no logging. Never panics on received input: a field we do not know is
//! a parse error (`deny_unknown_fields`), because dropping it would silently change the hash.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use hlmm_types::Address;
use hlmm_types::{AssetId, Cloid, DecimalStr, InstrumentSpec, Oid, Px, Side, Sz};

/// Longest decimal string accepted in `p`, `s` or `triggerPx`, in bytes. The venue's numbers
/// are at most ~20 characters; [`DecimalStr`] holds 40, so every formatted number fits.
pub const WIRE_NUM_CAP: usize = 40;

/// Why an action could not be built or parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// A decimal string longer than [`WIRE_NUM_CAP`] bytes.
    #[error("decimal string of {len} bytes: longer than {WIRE_NUM_CAP}")]
    NumTooLong {
        /// Its length in bytes.
        len: usize,
    },
}

/// A decimal number as the venue's wire text (`"1892.3"`, `"2000.0"`), stored inline.
///
/// Kept as text, not as an integer, because the signature covers the exact bytes the signer
/// wrote: `"2000.0"` and `"2000"` hash differently (the SDK's own test vectors use `"2000.0"`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct WireNum {
    /// The text's bytes; only `..len` is used.
    buf: [u8; WIRE_NUM_CAP],
    /// Length of the text in bytes.
    len: u8,
}

impl WireNum {
    /// Takes `s` verbatim. Any text up to [`WIRE_NUM_CAP`] bytes is accepted: the venue, not
    /// the encoder, judges whether it is a valid price.
    pub fn new(s: &str) -> Result<Self, ActionError> {
        let bytes = s.as_bytes();
        if bytes.len() > WIRE_NUM_CAP {
            return Err(ActionError::NumTooLong { len: bytes.len() });
        }
        let mut buf = [0u8; WIRE_NUM_CAP];
        buf[..bytes.len()].copy_from_slice(bytes);
        Ok(Self { buf, len: bytes.len() as u8 })
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Built only from a whole `&str`, so the bytes are valid UTF-8.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The text's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

impl From<DecimalStr> for WireNum {
    fn from(d: DecimalStr) -> Self {
        let s = d.as_str().as_bytes();
        let mut buf = [0u8; WIRE_NUM_CAP];
        // A DecimalStr holds at most 40 bytes, the same capacity.
        let len = s.len().min(WIRE_NUM_CAP);
        buf[..len].copy_from_slice(&s[..len]);
        Self { buf, len: len as u8 }
    }
}

impl fmt::Debug for WireNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl fmt::Display for WireNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WireNum {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = WireNum;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<WireNum, E> {
                WireNum::new(s).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// Time in force: the one definition lives in `hlmm_types::commands`.
pub use hlmm_types::commands::Tif;

/// Take-profit or stop-loss, for trigger orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tpsl {
    /// Take profit.
    Tp,
    /// Stop loss.
    Sl,
}

impl Tpsl {
    /// The venue's text.
    pub const fn as_wire(self) -> &'static str {
        match self {
            Self::Tp => "tp",
            Self::Sl => "sl",
        }
    }
}

/// `t.limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// Time in force.
    pub tif: Tif,
}

/// `t.trigger`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Trigger {
    /// Fill at market when triggered (else as a limit order at `p`).
    pub is_market: bool,
    /// Trigger price, wire text.
    pub trigger_px: WireNum,
    /// Take profit or stop loss.
    pub tpsl: Tpsl,
}

/// `t`: the order type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OrderType {
    /// `{"limit":{"tif":…}}`.
    Limit(Limit),
    /// `{"trigger":{"isMarket":…,"triggerPx":…,"tpsl":…}}`.
    Trigger(Trigger),
}

/// One order as signed: `{a, b, p, s, r, t, c?}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderWire {
    /// `a`: the asset id.
    #[serde(rename = "a", deserialize_with = "de_asset")]
    pub asset: AssetId,
    /// `b`: buy (`true`) or sell.
    #[serde(rename = "b")]
    pub is_buy: bool,
    /// `p`: limit price, wire text.
    #[serde(rename = "p")]
    pub px: WireNum,
    /// `s`: size in coins, wire text.
    #[serde(rename = "s")]
    pub sz: WireNum,
    /// `r`: reduce only. Always encoded, `false` included (the SDKs do).
    #[serde(rename = "r")]
    pub reduce_only: bool,
    /// `t`: limit or trigger.
    #[serde(rename = "t")]
    pub order_type: OrderType,
    /// `c`: client order id, omitted when absent; encoded as `0x` + 32 lower-case hex digits.
    #[serde(rename = "c", default, deserialize_with = "de_opt_cloid")]
    pub cloid: Option<Cloid>,
}

impl OrderWire {
    /// A limit order from the engine's integer price and size; the text comes from
    /// [`InstrumentSpec::px_wire`]/[`InstrumentSpec::sz_wire`] on the stack. The caller has
    /// already rounded `px` to the venue's grid.
    pub fn limit(
        spec: &InstrumentSpec,
        side: Side,
        px: Px,
        sz: Sz,
        tif: Tif,
        reduce_only: bool,
        cloid: Option<Cloid>,
    ) -> Self {
        Self {
            asset: spec.asset,
            is_buy: side.is_buy(),
            px: spec.px_wire(px).into(),
            sz: spec.sz_wire(sz).into(),
            reduce_only,
            order_type: OrderType::Limit(Limit { tif }),
            cloid,
        }
    }

    /// A trigger (TP/SL) order; `px` is the limit price used when `is_market` is false.
    #[allow(clippy::too_many_arguments)] // mirrors the wire fields one to one
    pub fn trigger(
        spec: &InstrumentSpec,
        side: Side,
        px: Px,
        sz: Sz,
        trigger_px: Px,
        is_market: bool,
        tpsl: Tpsl,
        reduce_only: bool,
        cloid: Option<Cloid>,
    ) -> Self {
        Self {
            asset: spec.asset,
            is_buy: side.is_buy(),
            px: spec.px_wire(px).into(),
            sz: spec.sz_wire(sz).into(),
            reduce_only,
            order_type: OrderType::Trigger(Trigger {
                is_market,
                trigger_px: spec.px_wire(trigger_px).into(),
                tpsl,
            }),
            cloid,
        }
    }
}

/// How the orders of one `order` action relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Grouping {
    /// Independent orders.
    #[default]
    Na,
    /// TP/SL children of the first order.
    NormalTpsl,
    /// TP/SL attached to the position.
    PositionTpsl,
}

impl Grouping {
    /// The venue's text.
    pub const fn as_wire(self) -> &'static str {
        match self {
            Self::Na => "na",
            Self::NormalTpsl => "normalTpsl",
            Self::PositionTpsl => "positionTpsl",
        }
    }
}

/// `builder`: a builder-fee recipient, `{b, f}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Builder {
    /// `b`: the builder's address, encoded lower-case.
    #[serde(rename = "b")]
    pub address: Address,
    /// `f`: fee in tenths of a basis point.
    #[serde(rename = "f")]
    pub fee_tenth_bps: u64,
}

/// `order`: `{type, orders, grouping, builder?}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderAction {
    /// The orders, placed in sequence.
    pub orders: Vec<OrderWire>,
    /// Grouping.
    pub grouping: Grouping,
    /// Optional builder fee.
    #[serde(default)]
    pub builder: Option<Builder>,
}

/// One cancel by oid: `{a, o}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelWire {
    /// `a`: the asset id.
    #[serde(rename = "a", deserialize_with = "de_asset")]
    pub asset: AssetId,
    /// `o`: the venue order id.
    #[serde(rename = "o", deserialize_with = "de_oid")]
    pub oid: Oid,
}

/// `cancel`: `{type, cancels, f?}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelAction {
    /// The cancels.
    pub cancels: Vec<CancelWire>,
    /// `f`: fast cancel; omitted when false (hashing `f:false` is rejected).
    #[serde(rename = "f", default)]
    pub fast: bool,
}

/// One cancel by client id: `{asset, cloid}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelByCloidWire {
    /// The asset id.
    #[serde(deserialize_with = "de_asset")]
    pub asset: AssetId,
    /// The client order id.
    #[serde(deserialize_with = "de_cloid")]
    pub cloid: Cloid,
}

/// `cancelByCloid`: `{type, cancels, f?}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelByCloidAction {
    /// The cancels.
    pub cancels: Vec<CancelByCloidWire>,
    /// `f`: fast cancel; omitted when false.
    #[serde(rename = "f", default)]
    pub fast: bool,
}

/// The order a modify replaces: a venue oid (a msgpack integer) or a cloid (a string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderRef {
    /// By venue order id.
    Oid(Oid),
    /// By client order id.
    Cloid(Cloid),
}

impl<'de> Deserialize<'de> for OrderRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = OrderRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an oid (unsigned integer) or a cloid (0x + 32 hex digits)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<OrderRef, E> {
                Ok(OrderRef::Oid(Oid(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<OrderRef, E> {
                u64::try_from(v)
                    .map(|v| OrderRef::Oid(Oid(v)))
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<OrderRef, E> {
                Cloid::parse(s.as_bytes()).map(OrderRef::Cloid).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// `modify`: `{type, oid, order, a?}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModifyAction {
    /// The order to replace.
    pub oid: OrderRef,
    /// The replacement.
    pub order: OrderWire,
    /// `a`: always place the new order; omitted when false.
    #[serde(rename = "a", default)]
    pub always_place: bool,
}

/// One element of `batchModify`: `{oid, order}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModifyWire {
    /// The order to replace.
    pub oid: OrderRef,
    /// The replacement.
    pub order: OrderWire,
}

/// `batchModify`: `{type, modifies, a?}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchModifyAction {
    /// The modifies.
    pub modifies: Vec<ModifyWire>,
    /// `a`: always place; omitted when false.
    #[serde(rename = "a", default)]
    pub always_place: bool,
}

/// `scheduleCancel`: `{type, time?}`, the venue-side dead-man's switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleCancelAction {
    /// When to cancel everything, ms since the epoch; `None` clears the schedule.
    #[serde(default)]
    pub time: Option<u64>,
}

/// `updateLeverage`: `{type, asset, isCross, leverage}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateLeverageAction {
    /// The asset id.
    #[serde(deserialize_with = "de_asset")]
    pub asset: AssetId,
    /// Cross (`true`) or isolated margin.
    pub is_cross: bool,
    /// Leverage, times.
    pub leverage: u32,
}

/// An owned L1 action, as parsed from a received body (keys in any order).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Action {
    /// `order`.
    Order(OrderAction),
    /// `cancel`.
    Cancel(CancelAction),
    /// `cancelByCloid`.
    CancelByCloid(CancelByCloidAction),
    /// `modify`.
    Modify(ModifyAction),
    /// `batchModify`.
    BatchModify(BatchModifyAction),
    /// `scheduleCancel`.
    ScheduleCancel(ScheduleCancelAction),
    /// `updateLeverage`.
    UpdateLeverage(UpdateLeverageAction),
    /// `noop`: marks its nonce used.
    Noop,
}

impl Action {
    /// A borrowed view, which is what encodes and signs.
    pub fn as_ref(&self) -> ActionRef<'_> {
        match self {
            Self::Order(a) => {
                ActionRef::Order { orders: &a.orders, grouping: a.grouping, builder: a.builder }
            }
            Self::Cancel(a) => ActionRef::Cancel { cancels: &a.cancels, fast: a.fast },
            Self::CancelByCloid(a) => {
                ActionRef::CancelByCloid { cancels: &a.cancels, fast: a.fast }
            }
            Self::Modify(a) => ActionRef::Modify(a),
            Self::BatchModify(a) => {
                ActionRef::BatchModify { modifies: &a.modifies, always_place: a.always_place }
            }
            Self::ScheduleCancel(a) => ActionRef::ScheduleCancel { time: a.time },
            Self::UpdateLeverage(a) => ActionRef::UpdateLeverage(*a),
            Self::Noop => ActionRef::Noop,
        }
    }
}

/// An L1 action borrowing its lists from the caller, so the exec thread can sign out of its own
/// reused buffers without building an [`Action`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionRef<'a> {
    /// `order`.
    Order {
        /// The orders.
        orders: &'a [OrderWire],
        /// Grouping.
        grouping: Grouping,
        /// Optional builder fee.
        builder: Option<Builder>,
    },
    /// `cancel`.
    Cancel {
        /// The cancels.
        cancels: &'a [CancelWire],
        /// `f`: fast cancel.
        fast: bool,
    },
    /// `cancelByCloid`.
    CancelByCloid {
        /// The cancels.
        cancels: &'a [CancelByCloidWire],
        /// `f`: fast cancel.
        fast: bool,
    },
    /// `modify`.
    Modify(&'a ModifyAction),
    /// `batchModify`.
    BatchModify {
        /// The modifies.
        modifies: &'a [ModifyWire],
        /// `a`: always place.
        always_place: bool,
    },
    /// `scheduleCancel`.
    ScheduleCancel {
        /// Cancel time, ms since the epoch; `None` clears.
        time: Option<u64>,
    },
    /// `updateLeverage`.
    UpdateLeverage(UpdateLeverageAction),
    /// `noop`.
    Noop,
}

impl ActionRef<'_> {
    /// The `type` value.
    pub const fn type_name(&self) -> &'static str {
        match self {
            Self::Order { .. } => "order",
            Self::Cancel { .. } => "cancel",
            Self::CancelByCloid { .. } => "cancelByCloid",
            Self::Modify(_) => "modify",
            Self::BatchModify { .. } => "batchModify",
            Self::ScheduleCancel { .. } => "scheduleCancel",
            Self::UpdateLeverage(_) => "updateLeverage",
            Self::Noop => "noop",
        }
    }

    /// Appends the canonical msgpack encoding (the bytes that are hashed) to `out`.
    /// Allocates only if `out` must grow.
    pub fn write_msgpack(&self, out: &mut Vec<u8>) {
        self.encode(&mut Msgpack(out));
    }

    /// Appends the action as a JSON object, keys in the same canonical order, to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        self.encode(&mut Json { out, need_comma: false });
    }

    fn encode<S: Sink>(&self, w: &mut S) {
        match *self {
            Self::Order { orders, grouping, builder } => {
                w.map(3 + usize::from(builder.is_some()));
                w.key("type");
                w.str(self.type_name().as_bytes());
                w.key("orders");
                w.array(orders.len());
                for o in orders {
                    encode_order(w, o);
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
            Self::Cancel { cancels, fast } => {
                w.map(2 + usize::from(fast));
                w.key("type");
                w.str(self.type_name().as_bytes());
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
                if fast {
                    w.key("f");
                    w.bool(true);
                }
                w.end_map();
            }
            Self::CancelByCloid { cancels, fast } => {
                w.map(2 + usize::from(fast));
                w.key("type");
                w.str(self.type_name().as_bytes());
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
                if fast {
                    w.key("f");
                    w.bool(true);
                }
                w.end_map();
            }
            Self::Modify(m) => {
                w.map(3 + usize::from(m.always_place));
                w.key("type");
                w.str(self.type_name().as_bytes());
                w.key("oid");
                encode_order_ref(w, m.oid);
                w.key("order");
                encode_order(w, &m.order);
                if m.always_place {
                    w.key("a");
                    w.bool(true);
                }
                w.end_map();
            }
            Self::BatchModify { modifies, always_place } => {
                w.map(2 + usize::from(always_place));
                w.key("type");
                w.str(self.type_name().as_bytes());
                w.key("modifies");
                w.array(modifies.len());
                for m in modifies {
                    w.map(2);
                    w.key("oid");
                    encode_order_ref(w, m.oid);
                    w.key("order");
                    encode_order(w, &m.order);
                    w.end_map();
                }
                w.end_array();
                if always_place {
                    w.key("a");
                    w.bool(true);
                }
                w.end_map();
            }
            Self::ScheduleCancel { time } => {
                w.map(1 + usize::from(time.is_some()));
                w.key("type");
                w.str(self.type_name().as_bytes());
                if let Some(t) = time {
                    w.key("time");
                    w.uint(t);
                }
                w.end_map();
            }
            Self::UpdateLeverage(u) => {
                w.map(4);
                w.key("type");
                w.str(self.type_name().as_bytes());
                w.key("asset");
                w.uint(u64::from(u.asset.0));
                w.key("isCross");
                w.bool(u.is_cross);
                w.key("leverage");
                w.uint(u64::from(u.leverage));
                w.end_map();
            }
            Self::Noop => {
                w.map(1);
                w.key("type");
                w.str(self.type_name().as_bytes());
                w.end_map();
            }
        }
    }
}

fn encode_order<S: Sink>(w: &mut S, o: &OrderWire) {
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
    w.map(1);
    match o.order_type {
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
    if let Some(c) = o.cloid {
        w.key("c");
        w.str(&c.to_wire());
    }
    w.end_map();
}

fn encode_order_ref<S: Sink>(w: &mut S, r: OrderRef) {
    match r {
        OrderRef::Oid(oid) => w.uint(oid.0),
        OrderRef::Cloid(c) => w.str(&c.to_wire()),
    }
}

/// The few primitives the action traversal needs; one traversal, two formats.
trait Sink {
    /// Starts a map of `len` entries.
    fn map(&mut self, len: usize);
    fn end_map(&mut self);
    /// Starts an array of `len` elements.
    fn array(&mut self, len: usize);
    fn end_array(&mut self);
    fn key(&mut self, k: &str);
    fn str(&mut self, s: &[u8]);
    fn bool(&mut self, b: bool);
    fn uint(&mut self, v: u64);
}

/// msgpack as the venue's reference encoders write it (Python `msgpack.packb`, `rmp`):
/// fix/8/16/32 forms chosen by size, integers in their smallest unsigned form.
struct Msgpack<'a>(&'a mut Vec<u8>);

impl Msgpack<'_> {
    fn len_prefixed(&mut self, len: usize, fix_tag: u8, fix_max: usize, tags: [u8; 3]) {
        let out = &mut *self.0;
        if len <= fix_max {
            out.push(fix_tag | len as u8);
        } else if tags[0] != 0 && len <= 0xff {
            out.extend_from_slice(&[tags[0], len as u8]);
        } else if len <= 0xffff {
            out.push(tags[1]);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            out.push(tags[2]);
            out.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }
}

impl Sink for Msgpack<'_> {
    fn map(&mut self, len: usize) {
        // fixmap 0x80, map16 0xde, map32 0xdf (no map8 in msgpack).
        self.len_prefixed(len, 0x80, 15, [0, 0xde, 0xdf]);
    }
    fn end_map(&mut self) {}
    fn array(&mut self, len: usize) {
        // fixarray 0x90, array16 0xdc, array32 0xdd.
        self.len_prefixed(len, 0x90, 15, [0, 0xdc, 0xdd]);
    }
    fn end_array(&mut self) {}
    fn key(&mut self, k: &str) {
        self.str(k.as_bytes());
    }
    fn str(&mut self, s: &[u8]) {
        // fixstr 0xa0, str8 0xd9, str16 0xda, str32 0xdb.
        self.len_prefixed(s.len(), 0xa0, 31, [0xd9, 0xda, 0xdb]);
        self.0.extend_from_slice(s);
    }
    fn bool(&mut self, b: bool) {
        self.0.push(if b { 0xc3 } else { 0xc2 });
    }
    fn uint(&mut self, v: u64) {
        let out = &mut *self.0;
        if v < 0x80 {
            out.push(v as u8);
        } else if v <= 0xff {
            out.extend_from_slice(&[0xcc, v as u8]);
        } else if v <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(v as u16).to_be_bytes());
        } else if v <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(v as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&v.to_be_bytes());
        }
    }
}

/// Compact JSON. `need_comma` is set after every complete value and cleared after `{`, `[` and
/// a key, which is all the state separators need.
struct Json<'a> {
    out: &'a mut Vec<u8>,
    need_comma: bool,
}

impl Json<'_> {
    fn sep(&mut self) {
        if self.need_comma {
            self.out.push(b',');
        }
    }

    fn quoted(&mut self, s: &[u8]) {
        self.out.push(b'"');
        for &b in s {
            match b {
                b'"' => self.out.extend_from_slice(b"\\\""),
                b'\\' => self.out.extend_from_slice(b"\\\\"),
                0..=0x1f => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.out.extend_from_slice(b"\\u00");
                    self.out.push(HEX[usize::from(b >> 4)]);
                    self.out.push(HEX[usize::from(b & 0xf)]);
                }
                _ => self.out.push(b),
            }
        }
        self.out.push(b'"');
    }
}

impl Sink for Json<'_> {
    fn map(&mut self, _len: usize) {
        self.sep();
        self.out.push(b'{');
        self.need_comma = false;
    }
    fn end_map(&mut self) {
        self.out.push(b'}');
        self.need_comma = true;
    }
    fn array(&mut self, _len: usize) {
        self.sep();
        self.out.push(b'[');
        self.need_comma = false;
    }
    fn end_array(&mut self) {
        self.out.push(b']');
        self.need_comma = true;
    }
    fn key(&mut self, k: &str) {
        self.sep();
        self.quoted(k.as_bytes());
        self.out.push(b':');
        self.need_comma = false;
    }
    fn str(&mut self, s: &[u8]) {
        self.sep();
        self.quoted(s);
        self.need_comma = true;
    }
    fn bool(&mut self, b: bool) {
        self.sep();
        self.out.extend_from_slice(if b { b"true" } else { b"false" });
        self.need_comma = true;
    }
    fn uint(&mut self, v: u64) {
        self.sep();
        write_u64(self.out, v);
        self.need_comma = true;
    }
}

/// Appends `v` in decimal without going through `fmt` (which may not allocate, but is slower).
pub fn write_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&tmp[i..]);
}

fn de_asset<'de, D: Deserializer<'de>>(d: D) -> Result<AssetId, D::Error> {
    u32::deserialize(d).map(AssetId)
}

fn de_oid<'de, D: Deserializer<'de>>(d: D) -> Result<Oid, D::Error> {
    u64::deserialize(d).map(Oid)
}

fn de_cloid<'de, D: Deserializer<'de>>(d: D) -> Result<Cloid, D::Error> {
    CloidText::deserialize(d).map(|c| c.0)
}

fn de_opt_cloid<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cloid>, D::Error> {
    Option::<CloidText>::deserialize(d).map(|o| o.map(|c| c.0))
}

/// A cloid read through `visit_str`, which serves borrowed and owned strings alike
/// (`serde_json::Value` and internally tagged enums hand out owned ones).
struct CloidText(Cloid);

impl<'de> Deserialize<'de> for CloidText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = CloidText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a cloid: 0x + 32 hex digits")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<CloidText, E> {
                Cloid::parse(s.as_bytes()).map(CloidText).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests;
