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
//! Where things are: [`Action`] and [`ActionRef`] here; the action types by kind in `order`
//! ([`OrderWire`], [`OrderAction`]), `cancel`, `modify` and `admin` (`scheduleCancel`,
//! `updateLeverage`); the leaf values ([`WireNum`], [`OrderRef`]) in `values`; `encode` is the one
//! traversal behind [`ActionRef::write_msgpack`] and [`ActionRef::write_json`], `sink` its two
//! output formats; `deserialize` holds every hand-written `Deserialize` and the
//! `deserialize_with` helpers (the types themselves derive it where they are defined).
//!
//! Pure: no I/O, no clock, no logging. Never panics on received input: a field we do not know is
//! a parse error (`deny_unknown_fields`), because dropping it would silently change the hash.
//!
//! [`Px`]: hlmm_types::Px
//! [`Sz`]: hlmm_types::Sz

mod admin;
mod cancel;
mod deserialize;
mod encode;
mod modify;
mod order;
mod sink;
mod values;

use serde::Deserialize;

pub use self::admin::{ScheduleCancelAction, UpdateLeverageAction};
pub use self::cancel::{CancelAction, CancelByCloidAction, CancelByCloidWire, CancelWire};
pub use self::modify::{BatchModifyAction, ModifyAction, ModifyWire};
pub use self::order::{Builder, Grouping, Limit, OrderAction, OrderType, OrderWire, Tpsl, Trigger};
pub use self::sink::write_u64;
pub use self::values::{ActionError, OrderRef, WireNum, WIRE_NUM_CAP};

/// Time in force: the one definition lives in `hlmm_types::commands`.
pub use hlmm_types::commands::Tif;

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
}

#[cfg(test)]
mod tests;
