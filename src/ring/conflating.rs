//! The conflating ring: market data (feed → quote) and snapshots (quote → side).
//!
//! Loss policy: only the latest value per key matters (a coin's book, the latest snapshot of a
//! kind). While the ring has room, every value goes through. When it is full, the producer
//! parks the value in a per-key pending slot it owns; a newer value for the same key overwrites
//! the parked one, and that overwrite is one conflation, counted. Parked values are delivered by
//! [`ConflatingTx::flush`] in the order their keys started waiting, so a busy coin cannot starve
//! a quiet one. While a key has a parked value, its new values go to the slot too, never around
//! it, so the consumer never sees an older value of a key after a newer one.
//!
//! The producer must call [`ConflatingTx::flush`] when idle (every `push` calls it first):
//! parked values only move when the producer moves them.
//!
//! Values already in the ring are never replaced, so a consumer that fell behind first reads up
//! to `capacity` older values before the parked latest ones. Keep the capacity small (a few
//! values per key) so that conflation, not queueing, absorbs a burst.
//!
//! Each end is owned by one thread. `push`, `flush` and `pop` never block, allocate, lock or make
//! a syscall; all memory is allocated in [`conflating`].

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::lossless::{lossless, LosslessRx, LosslessTx};

/// Creates a conflating ring holding at most `capacity` values in flight, for keys
/// `0..keys`, and returns its two ends.
///
/// # Panics
///
/// If `capacity` or `keys` is 0.
pub fn conflating<T: Copy + Send>(
    capacity: usize,
    keys: usize,
) -> (ConflatingTx<T>, ConflatingRx<T>) {
    assert!(capacity > 0, "conflating ring capacity must be at least 1");
    assert!(keys > 0, "conflating ring needs at least one key");
    let (ring, rx) = lossless(capacity);
    let tx = ConflatingTx {
        ring,
        parked: vec![None; keys].into_boxed_slice(),
        waiting: vec![0; keys].into_boxed_slice(),
        waiting_head: 0,
        waiting_len: 0,
        conflated: Arc::new(AtomicU64::new(0)),
    };
    (tx, rx)
}

/// The producing end of a conflating ring. Owned by one thread.
pub struct ConflatingTx<T> {
    /// The ring proper; a failed push here means "park it", never a fault.
    ring: LosslessTx<T>,
    /// The value waiting for room in the ring, per key (index = key).
    parked: Box<[Option<T>]>,
    /// Keys with a parked value, oldest first: a circular queue with room for every key. A key
    /// is in it at most once, exactly when `parked[key]` is `Some`.
    waiting: Box<[usize]>,
    /// Index in `waiting` of the key that has waited longest.
    waiting_head: usize,
    /// Number of keys in `waiting`.
    waiting_len: usize,
    /// Values overwritten in a parked slot since construction. Written only by this end;
    /// shared so other threads can read it.
    conflated: Arc<AtomicU64>,
}

/// The consuming end of a conflating ring. Owned by one thread.
///
/// The same type as a lossless ring's consuming end: conflation happens entirely on the producer
/// side, and the consumer just pops what the ring holds.
pub type ConflatingRx<T> = LosslessRx<T>;

impl<T: Copy + Send> ConflatingTx<T> {
    /// Sends `v` as the latest value for `key`. Never fails, blocks or allocates.
    ///
    /// Delivers parked values first ([`flush`](Self::flush)). Then `v` goes into the ring if no
    /// key is waiting and there is room; otherwise it is parked for `key`, replacing (and
    /// counting) any value parked there before.
    ///
    /// # Panics
    ///
    /// If `key >= keys` given at construction: keys are asset indices fixed at startup, so an
    /// out-of-range key is a wiring bug.
    #[inline]
    pub fn push(&mut self, key: usize, v: T) {
        assert!(key < self.parked.len(), "conflating ring: key {key} out of range");
        self.flush();
        if let Some(parked) = &mut self.parked[key] {
            *parked = v;
            self.conflated.fetch_add(1, Ordering::Relaxed);
            return;
        }
        // Only go straight into the ring when nobody is waiting, so keys parked earlier are not
        // overtaken.
        if self.waiting_len == 0 && self.ring.push(v).is_ok() {
            return;
        }
        self.parked[key] = Some(v);
        let tail = (self.waiting_head + self.waiting_len) % self.waiting.len();
        self.waiting[tail] = key;
        self.waiting_len += 1;
    }

    /// Moves parked values into the ring, longest-waiting key first, until the ring is full or
    /// nothing is parked. Call it whenever the producer is idle; extra calls are cheap no-ops.
    #[inline]
    pub fn flush(&mut self) {
        while self.waiting_len > 0 {
            let key = self.waiting[self.waiting_head];
            if let Some(v) = self.parked[key] {
                if self.ring.push(v).is_err() {
                    return;
                }
            }
            self.parked[key] = None;
            self.waiting_head = (self.waiting_head + 1) % self.waiting.len();
            self.waiting_len -= 1;
        }
    }

    /// Keys with a parked value now.
    pub fn pending(&self) -> usize {
        self.waiting_len
    }

    /// Values overwritten (conflated) since construction.
    pub fn conflated(&self) -> u64 {
        self.conflated.load(Ordering::Relaxed)
    }

    /// A handle on the conflation count, for a thread that does not own this end (the side
    /// thread's metrics). It only grows.
    pub fn conflated_counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.conflated)
    }

    /// The most values the ring holds at once, parked values not included.
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }
}

impl<T> fmt::Debug for ConflatingTx<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConflatingTx")
            .field("ring", &self.ring)
            .field("keys", &self.parked.len())
            .field("pending", &self.waiting_len)
            .field("conflated", &self.conflated.load(Ordering::Relaxed))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain<T: Copy + Send>(rx: &mut ConflatingRx<T>) -> Vec<T> {
        std::iter::from_fn(|| rx.pop()).collect()
    }

    #[test]
    fn values_pass_straight_through_while_there_is_room() {
        let (mut tx, mut rx) = conflating::<(usize, u32)>(4, 2);
        tx.push(0, (0, 1));
        tx.push(0, (0, 2));
        tx.push(1, (1, 1));
        assert_eq!(drain(&mut rx), [(0, 1), (0, 2), (1, 1)]);
        assert_eq!((tx.pending(), tx.conflated()), (0, 0));
    }

    #[test]
    fn a_full_ring_keeps_only_the_latest_value_per_key_and_counts_the_rest() {
        let (mut tx, mut rx) = conflating::<(usize, u32)>(1, 2);
        tx.push(0, (0, 1));
        tx.push(0, (0, 2));
        tx.push(0, (0, 3));
        tx.push(1, (1, 1));
        assert_eq!((tx.pending(), tx.conflated()), (2, 1));
        assert_eq!(drain(&mut rx), [(0, 1)]);
        tx.flush();
        assert_eq!(drain(&mut rx), [(0, 3)]);
        tx.flush();
        assert_eq!(drain(&mut rx), [(1, 1)]);
        assert_eq!(tx.pending(), 0);
    }

    #[test]
    fn parked_keys_are_delivered_in_the_order_they_started_waiting() {
        let (mut tx, mut rx) = conflating::<(usize, u32)>(1, 4);
        tx.push(3, (3, 0));
        for key in [2, 0, 1, 2, 0] {
            tx.push(key, (key, 1));
        }
        let mut delivered = Vec::new();
        while let Some(v) = rx.pop() {
            delivered.push(v);
            tx.flush();
        }
        assert_eq!(delivered, [(3, 0), (2, 1), (0, 1), (1, 1)]);
        assert_eq!(tx.conflated(), 2);
    }

    #[test]
    fn a_key_with_a_parked_value_is_not_overtaken_when_room_appears() {
        let (mut tx, mut rx) = conflating::<(usize, u32)>(1, 2);
        tx.push(0, (0, 1));
        tx.push(1, (1, 1));
        assert_eq!(rx.pop(), Some((0, 1)));
        // Room now, but key 1 is parked: its older value must come out first.
        tx.push(0, (0, 2));
        assert_eq!(drain(&mut rx), [(1, 1)]);
        tx.flush();
        assert_eq!(drain(&mut rx), [(0, 2)]);
    }

    #[test]
    fn the_conflation_counter_handle_sees_the_producer_count() {
        let (mut tx, _rx) = conflating::<u8>(1, 1);
        let counter = tx.conflated_counter();
        for v in 0..5 {
            tx.push(0, v);
        }
        assert_eq!(counter.load(Ordering::Relaxed), 3);
        assert_eq!(tx.conflated(), 3);
    }

    #[test]
    #[should_panic(expected = "key 2 out of range")]
    fn a_key_outside_the_range_given_at_construction_panics() {
        let (mut tx, _rx) = conflating::<u8>(4, 2);
        tx.push(2, 0);
    }

    mod property_tests {
        use proptest::prelude::*;

        use super::super::*;

        #[derive(Debug, Clone, Copy)]
        enum Op {
            Push(usize),
            Pop,
            Flush,
        }

        fn op(keys: usize) -> impl Strategy<Value = Op> {
            prop_oneof![
                3 => (0..keys).prop_map(Op::Push),
                2 => Just(Op::Pop),
                1 => Just(Op::Flush),
            ]
        }

        proptest! {
            /// For each key the consumer gets a subsequence of that key's pushes, in push order,
            /// ending with the last value pushed; every value not delivered was counted once.
            #[test]
            fn delivers_the_latest_value_per_key_in_order_and_counts_every_loss(
                capacity in 1usize..5,
                keys in 1usize..5,
                ops in proptest::collection::vec(op(4), 0..300),
            ) {
                let (mut tx, mut rx) = conflating::<(usize, u64)>(capacity, keys);
                let mut pushed: Vec<Vec<u64>> = vec![Vec::new(); keys];
                let mut delivered: Vec<Vec<u64>> = vec![Vec::new(); keys];
                let mut seq = 0u64;
                for op in ops {
                    match op {
                        Op::Push(key) => {
                            let key = key % keys;
                            seq += 1;
                            tx.push(key, (key, seq));
                            pushed[key].push(seq);
                        }
                        Op::Pop => {
                            if let Some((key, s)) = rx.pop() {
                                delivered[key].push(s);
                            }
                        }
                        Op::Flush => tx.flush(),
                    }
                    prop_assert!(rx.len() <= capacity);
                    prop_assert!(tx.pending() <= keys);
                }
                loop {
                    tx.flush();
                    let Some((key, s)) = rx.pop() else { break };
                    delivered[key].push(s);
                }
                prop_assert_eq!(tx.pending(), 0);
                let mut lost = 0;
                for key in 0..keys {
                    let (p, d) = (&pushed[key], &delivered[key]);
                    prop_assert!(d.windows(2).all(|w| w[0] < w[1]), "key {key} reordered: {d:?}");
                    prop_assert!(d.iter().all(|s| p.contains(s)), "key {key} invented a value");
                    prop_assert_eq!(d.last(), p.last(), "key {} lost its latest value", key);
                    lost += p.len() - d.len();
                }
                prop_assert_eq!(tx.conflated(), lost as u64);
            }
        }
    }
}
