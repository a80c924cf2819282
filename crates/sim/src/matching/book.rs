//! One asset's order book: price levels in `BTreeMap`s, FIFO queues as intrusive lists in an
//! arena, O(1) cancel by oid.
//!
//! The book knows prices, sizes, owners and time priority; it knows nothing about accounts,
//! fees or margin. [`OrderBook::match_taker`] walks the opposite side in price-time priority
//! and reports each maker it touched (filled or expired by self-trade prevention) into a
//! caller-owned buffer, so the exchange does the accounting. No allocation in steady state:
//! freed arena slots are reused and the output buffer is the caller's.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use hlmm_types::commands::Tif;
use hlmm_types::{Cloid, Nanos, Oid, Px, Side, Sz};

/// "No slot": the end of an intrusive list.
const NIL: u32 = u32::MAX;

/// A hasher for sequential `u64` ids: one multiply, enough because oids are unique counters.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// `HashMap` keyed by oids with [`IdHasher`].
pub type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// A resting order as the book holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestingOrder {
    /// The venue's order id.
    pub oid: Oid,
    /// The owner's account index in the exchange.
    pub owner: u32,
    /// Bid or ask.
    pub side: Side,
    /// Limit price, in ticks.
    pub px: Px,
    /// Remaining size, in lots.
    pub sz: Sz,
    /// Size when placed, in lots.
    pub orig_sz: Sz,
    /// The client order id, if any.
    pub cloid: Option<Cloid>,
    /// When the order was placed.
    pub timestamp: Nanos,
    /// Reduce-only: the exchange cancels it when it would increase the position.
    pub reduce_only: bool,
    /// Time in force it rests with (`Gtc` or `Alo`), reported by `orderStatus`.
    pub tif: Tif,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    order: RestingOrder,
    /// FIFO neighbours within the price level.
    prev: u32,
    next: u32,
    /// Neighbours in the owner's list (all of one owner's orders in this book).
    owner_prev: u32,
    owner_next: u32,
}

/// One price level: a FIFO of slots.
#[derive(Debug, Clone, Copy)]
struct Level {
    head: u32,
    tail: u32,
    /// Σ remaining lots at this level.
    total: Sz,
    /// Orders at this level.
    count: u32,
}

/// The arena and indexes, kept apart from the level maps so matching can borrow both.
#[derive(Debug, Default, Clone)]
struct Arena {
    slots: Vec<Slot>,
    free: Vec<u32>,
    by_oid: IdMap<Oid, u32>,
    /// Head of each owner's list, indexed by owner (NIL if none).
    owner_heads: Vec<u32>,
}

impl Arena {
    fn alloc(&mut self, order: RestingOrder) -> u32 {
        let owner = order.owner as usize;
        if self.owner_heads.len() <= owner {
            self.owner_heads.resize(owner + 1, NIL);
        }
        let head = self.owner_heads[owner];
        let slot = Slot { order, prev: NIL, next: NIL, owner_prev: NIL, owner_next: head };
        let idx = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = slot;
                i
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        };
        if head != NIL {
            self.slots[head as usize].owner_prev = idx;
        }
        self.owner_heads[owner] = idx;
        self.by_oid.insert(order.oid, idx);
        idx
    }

    /// Unlinks `idx` from its level and owner list and frees it.
    fn release(&mut self, idx: u32, level: &mut Level) -> RestingOrder {
        let s = self.slots[idx as usize];
        if s.prev != NIL {
            self.slots[s.prev as usize].next = s.next;
        } else {
            level.head = s.next;
        }
        if s.next != NIL {
            self.slots[s.next as usize].prev = s.prev;
        } else {
            level.tail = s.prev;
        }
        level.count -= 1;
        level.total = level.total - s.order.sz;
        if s.owner_prev != NIL {
            self.slots[s.owner_prev as usize].owner_next = s.owner_next;
        } else {
            self.owner_heads[s.order.owner as usize] = s.owner_next;
        }
        if s.owner_next != NIL {
            self.slots[s.owner_next as usize].owner_prev = s.owner_prev;
        }
        self.by_oid.remove(&s.order.oid);
        self.free.push(idx);
        s.order
    }
}

/// What matching did to one resting order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MakerOutcome {
    /// The maker traded `fill` lots at its price; `order.sz` is what remains (0: gone).
    Fill {
        /// The maker after the fill.
        order: RestingOrder,
        /// Lots traded.
        fill: Sz,
    },
    /// Self-trade prevention expired the maker (the taker's own order): removed, no fill.
    SelfTrade {
        /// The removed maker.
        order: RestingOrder,
    },
}

/// One aggregated level of depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepthLevel {
    /// Price, in ticks.
    pub px: Px,
    /// Σ remaining lots.
    pub sz: Sz,
    /// Number of orders (`n`).
    pub n: u32,
}

/// One asset's book.
#[derive(Debug, Default, Clone)]
pub struct OrderBook {
    arena: Arena,
    bids: BTreeMap<Px, Level>,
    asks: BTreeMap<Px, Level>,
}

impl OrderBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// Highest bid.
    pub fn best_bid(&self) -> Option<Px> {
        self.bids.last_key_value().map(|(p, _)| *p)
    }

    /// Lowest ask.
    pub fn best_ask(&self) -> Option<Px> {
        self.asks.first_key_value().map(|(p, _)| *p)
    }

    /// Whether an order on `side` at `px` would trade against the opposite best.
    pub fn would_cross(&self, side: Side, px: Px) -> bool {
        match side {
            Side::Bid => self.best_ask().is_some_and(|a| px >= a),
            Side::Ask => self.best_bid().is_some_and(|b| px <= b),
        }
    }

    /// Number of resting orders.
    pub fn len(&self) -> usize {
        self.arena.by_oid.len()
    }

    /// `true` when nothing rests.
    pub fn is_empty(&self) -> bool {
        self.arena.by_oid.is_empty()
    }

    /// The resting order `oid`, if any.
    pub fn get(&self, oid: Oid) -> Option<&RestingOrder> {
        self.arena.by_oid.get(&oid).map(|&i| &self.arena.slots[i as usize].order)
    }

    /// Adds `order` at the back of its price level. The caller guarantees it does not cross
    /// (match first) and that its oid is new.
    pub fn insert(&mut self, order: RestingOrder) {
        let idx = self.arena.alloc(order);
        let levels = match order.side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        };
        let level = levels.entry(order.px).or_insert(Level {
            head: NIL,
            tail: NIL,
            total: Sz::ZERO,
            count: 0,
        });
        let tail = level.tail;
        self.arena.slots[idx as usize].prev = tail;
        if tail != NIL {
            self.arena.slots[tail as usize].next = idx;
        } else {
            level.head = idx;
        }
        level.tail = idx;
        level.total = level.total + order.sz;
        level.count += 1;
    }

    /// Removes the resting order `oid` and returns it.
    pub fn remove(&mut self, oid: Oid) -> Option<RestingOrder> {
        let idx = *self.arena.by_oid.get(&oid)?;
        let s = self.arena.slots[idx as usize].order;
        let levels = match s.side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        };
        let level = levels.get_mut(&s.px).expect("a resting order's level exists");
        let order = self.arena.release(idx, level);
        if level.count == 0 {
            levels.remove(&s.px);
        }
        Some(order)
    }

    /// Matches an incoming order of `qty` lots on `side` with limit `limit` against the
    /// opposite side in price-time priority. Makers owned by `taker_owner` are expired, not
    /// traded (self-trade prevention expires the maker). Every maker touched is pushed to
    /// `out` in order. Returns the lots traded.
    pub fn match_taker(
        &mut self,
        taker_owner: u32,
        side: Side,
        limit: Px,
        qty: Sz,
        out: &mut Vec<MakerOutcome>,
    ) -> Sz {
        let mut remaining = qty.0;
        while remaining > 0 {
            let entry = match side {
                Side::Bid => self.asks.first_entry(),
                Side::Ask => self.bids.last_entry(),
            };
            let Some(mut entry) = entry else { break };
            let px = *entry.key();
            let crosses = match side {
                Side::Bid => px <= limit,
                Side::Ask => px >= limit,
            };
            if !crosses {
                break;
            }
            let level = entry.get_mut();
            let mut idx = level.head;
            while idx != NIL && remaining > 0 {
                let slot = &mut self.arena.slots[idx as usize];
                let next = slot.next;
                if slot.order.owner == taker_owner {
                    let order = self.arena.release(idx, level);
                    out.push(MakerOutcome::SelfTrade { order });
                } else {
                    let fill = remaining.min(slot.order.sz.0);
                    slot.order.sz = Sz(slot.order.sz.0 - fill);
                    level.total = Sz(level.total.0 - fill);
                    remaining -= fill;
                    let order = slot.order;
                    if order.sz.0 == 0 {
                        self.arena.release(idx, level);
                    }
                    out.push(MakerOutcome::Fill { order, fill: Sz(fill) });
                }
                idx = next;
            }
            if level.count == 0 {
                entry.remove();
            }
        }
        Sz(qty.0 - remaining)
    }

    /// Up to `n` levels of one side, best first.
    pub fn depth(&self, side: Side, n: usize) -> impl Iterator<Item = DepthLevel> + '_ {
        let map = |(px, l): (&Px, &Level)| DepthLevel { px: *px, sz: l.total, n: l.count };
        let (bids, asks) = match side {
            Side::Bid => (Some(self.bids.iter().rev().take(n).map(map)), None),
            Side::Ask => (None, Some(self.asks.iter().take(n).map(map))),
        };
        bids.into_iter().flatten().chain(asks.into_iter().flatten())
    }

    /// Every resting order of `owner`, newest first.
    pub fn orders_of(&self, owner: u32) -> impl Iterator<Item = &RestingOrder> + '_ {
        let mut idx = self.arena.owner_heads.get(owner as usize).copied().unwrap_or(NIL);
        std::iter::from_fn(move || {
            (idx != NIL).then(|| {
                let s = &self.arena.slots[idx as usize];
                idx = s.owner_next;
                &s.order
            })
        })
    }

    /// Every resting order in priority order: bids best first, then asks best first; FIFO
    /// within a level. Re-inserting them in this order rebuilds the same book.
    pub fn orders_in_priority(&self) -> impl Iterator<Item = &RestingOrder> + '_ {
        self.bids.iter().rev().chain(self.asks.iter()).flat_map(move |(_, l)| {
            let mut idx = l.head;
            std::iter::from_fn(move || {
                (idx != NIL).then(|| {
                    let s = &self.arena.slots[idx as usize];
                    idx = s.next;
                    &s.order
                })
            })
        })
    }

    /// Checks the book's internal invariants (levels match their orders, never crossed, every
    /// order indexed). For tests and debug assertions; O(n).
    pub fn check_invariants(&self) -> Result<(), String> {
        if let (Some(b), Some(a)) = (self.best_bid(), self.best_ask()) {
            if b >= a {
                return Err(format!("book crossed: bid {} >= ask {}", b.0, a.0));
            }
        }
        let mut seen = 0usize;
        for (side, map) in [(Side::Bid, &self.bids), (Side::Ask, &self.asks)] {
            for (px, l) in map {
                let (mut idx, mut total, mut count, mut prev) = (l.head, 0i64, 0u32, NIL);
                while idx != NIL {
                    let s = &self.arena.slots[idx as usize];
                    if s.order.px != *px || s.order.side != side || s.prev != prev {
                        return Err(format!("level {} links a foreign order", px.0));
                    }
                    if s.order.sz.0 <= 0 {
                        return Err(format!(
                            "order {} rests with size {}",
                            s.order.oid.0, s.order.sz.0
                        ));
                    }
                    if self.arena.by_oid.get(&s.order.oid) != Some(&idx) {
                        return Err(format!("order {} not indexed", s.order.oid.0));
                    }
                    total += s.order.sz.0;
                    count += 1;
                    prev = idx;
                    idx = s.next;
                }
                if total != l.total.0 || count != l.count || l.tail != prev || count == 0 {
                    return Err(format!("level {} totals disagree", px.0));
                }
                seen += count as usize;
            }
        }
        if seen != self.arena.by_oid.len() {
            return Err(format!("{} orders indexed, {} in levels", self.arena.by_oid.len(), seen));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
