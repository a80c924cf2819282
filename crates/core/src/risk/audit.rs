//! The audit trail of state changes: [`Transition`] records in a bounded [`AuditRing`] that
//! the quote thread drains.

use super::state::{Reason, TradingState};
use hlmm_types::{AssetId, Nanos};

/// One audit record: a symbol changed state (or the reason for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The symbol.
    pub asset: AssetId,
    /// State before.
    pub from: TradingState,
    /// State after.
    pub to: TradingState,
    /// Why.
    pub reason: Reason,
    /// When (`now` of the event that caused it), ns since the epoch.
    pub time: Nanos,
}

/// A bounded ring of [`Transition`]s, oldest overwritten when full.
#[derive(Debug, Clone)]
pub struct AuditRing {
    /// Fixed storage, allocated once at construction.
    slots: Box<[Option<Transition>]>,
    /// Index of the oldest record.
    head: usize,
    /// Records held.
    len: usize,
    /// Records overwritten before they were drained.
    overwritten: u64,
}

impl AuditRing {
    /// A ring holding up to `capacity` records (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            slots: vec![None; capacity.max(1)].into_boxed_slice(),
            head: 0,
            len: 0,
            overwritten: 0,
        }
    }

    /// Appends a record, overwriting the oldest when full.
    pub fn push(&mut self, t: Transition) {
        let cap = self.slots.len();
        let tail = (self.head + self.len) % cap;
        self.slots[tail] = Some(t);
        if self.len == cap {
            self.head = (self.head + 1) % cap;
            self.overwritten += 1;
        } else {
            self.len += 1;
        }
    }

    /// Removes and returns the oldest record.
    pub fn pop(&mut self) -> Option<Transition> {
        if self.len == 0 {
            return None;
        }
        let t = self.slots[self.head].take();
        self.head = (self.head + 1) % self.slots.len();
        self.len -= 1;
        t
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Records lost because the ring was full.
    pub fn overwritten(&self) -> u64 {
        self.overwritten
    }
}
