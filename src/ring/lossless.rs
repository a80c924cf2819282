//! The lossless ring: intents (quote → exec), outcomes and fills (exec → quote), the user stream
//! (feed → quote) and config (side → quote).
//!
//! Loss policy: nothing is ever dropped or overwritten. A push into a full ring fails with
//! [`RingFull`] at once; the caller counts it (`Counter::LosslessRingFull`) and halts quoting,
//! because a fill or an intent that cannot be delivered leaves the engine's state wrong.
//!
//! Halting is right; losing the value is not. A ring made with [`lossless_spilling`] also has a
//! spill buffer, allocated with it: [`LosslessTx::push_or_spill`] keeps a value the ring cannot
//! take there, in order, and every later push (and [`LosslessTx::flush`], which the owner calls
//! from its idle work) moves spilled values into the ring first. The producer never blocks.
//!
//! Each end is owned by one thread. `push`, `push_or_spill`, `flush` and `pop` never block,
//! allocate, lock or make a syscall; the allocations happen in [`lossless`] and
//! [`lossless_spilling`].

use std::collections::VecDeque;
use std::fmt;

use super::slot;

/// A push found the lossless ring full. The value was not enqueued; the caller still has it.
///
/// This is a fault, not back-pressure: the caller counts it and halts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("lossless ring full: {capacity} values waiting for the consumer")]
pub struct RingFull {
    /// The ring's capacity, in values (all of them were in use).
    pub capacity: usize,
}

/// Creates a lossless ring holding at most `capacity` values and returns its two ends.
///
/// Size it for the worst burst the consumer can fall behind by (a block's worth of fills, a
/// quote cycle's intents), since a full ring halts quoting.
///
/// # Panics
///
/// If `capacity` is 0: a ring that can never accept a value is a wiring mistake.
pub fn lossless<T: Copy + Send>(capacity: usize) -> (LosslessTx<T>, LosslessRx<T>) {
    lossless_spilling(capacity, 0)
}

/// [`lossless`] with a spill buffer of `spill` values for [`LosslessTx::push_or_spill`].
///
/// # Panics
///
/// If `capacity` is 0.
pub fn lossless_spilling<T: Copy + Send>(
    capacity: usize,
    spill: usize,
) -> (LosslessTx<T>, LosslessRx<T>) {
    assert!(capacity > 0, "lossless ring capacity must be at least 1");
    let (tx, rx) = slot::channel(capacity);
    (
        LosslessTx { tx, spill: VecDeque::with_capacity(spill), spill_capacity: spill },
        LosslessRx { rx },
    )
}

/// What became of a value given to [`LosslessTx::push_or_spill`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// In the ring.
    Ring,
    /// Kept in the spill buffer, behind anything spilled before it: the ring was full (or
    /// older values were still spilled). A fault to count and halt on; the value is not lost.
    Spilled,
    /// The ring and the spill buffer were both full: the value is gone. Halt.
    Lost,
}

/// The producing end of a lossless ring. Owned by one thread.
pub struct LosslessTx<T> {
    tx: slot::Producer<T>,
    /// Values the ring could not take yet, oldest first. Never grows past `spill_capacity`.
    spill: VecDeque<T>,
    spill_capacity: usize,
}

/// The consuming end of a lossless ring. Owned by one thread.
pub struct LosslessRx<T> {
    rx: slot::Consumer<T>,
}

impl<T: Copy + Send> LosslessTx<T> {
    /// Appends `v`. Never blocks, never allocates.
    ///
    /// # Errors
    ///
    /// [`RingFull`] if the consumer has fallen `capacity` values behind; `v` is not enqueued.
    /// The caller must count it and halt, never retry in a loop or drop it silently.
    #[inline]
    pub fn push(&mut self, v: T) -> Result<(), RingFull> {
        self.tx.push(v).map_err(|_| RingFull { capacity: self.capacity() })
    }

    /// Appends `v` after anything spilled before it: into the ring when there is room, else
    /// into the spill buffer. Never blocks, never allocates.
    #[inline]
    pub fn push_or_spill(&mut self, v: T) -> Delivery {
        if self.flush() == 0 && self.tx.push(v).is_ok() {
            return Delivery::Ring;
        }
        if self.spill.len() < self.spill_capacity {
            self.spill.push_back(v);
            Delivery::Spilled
        } else {
            Delivery::Lost
        }
    }

    /// Moves spilled values into the ring while it has room, oldest first; returns how many
    /// are still spilled.
    #[inline]
    pub fn flush(&mut self) -> usize {
        while let Some(&v) = self.spill.front() {
            if self.tx.push(v).is_err() {
                break;
            }
            self.spill.pop_front();
        }
        self.spill.len()
    }

    /// Values in the spill buffer.
    pub fn spilled(&self) -> usize {
        self.spill.len()
    }

    /// Values waiting for the consumer now (it may pop more at any time).
    pub fn len(&self) -> usize {
        self.tx.len()
    }

    /// Whether the consumer has taken every value pushed so far.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most values the ring holds at once.
    pub fn capacity(&self) -> usize {
        self.tx.capacity()
    }
}

impl<T: Copy + Send> LosslessRx<T> {
    /// Takes the oldest value, or `None` if there is none. Never blocks, never allocates.
    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        self.rx.pop()
    }

    /// Values waiting now (the producer may push more at any time).
    ///
    /// Costs up to `capacity` atomic loads (the consumer end counts stamped slots): for tests and
    /// metrics, not the hot path. [`is_empty`](Self::is_empty) costs one.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// Whether no value is waiting now.
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }

    /// The most values the ring holds at once.
    pub fn capacity(&self) -> usize {
        self.rx.capacity()
    }
}

impl<T> fmt::Debug for LosslessTx<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LosslessTx").field("capacity", &self.tx.capacity()).finish()
    }
}

impl<T> fmt::Debug for LosslessRx<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LosslessRx").field("capacity", &self.rx.capacity()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_ring_rejects_the_push_and_keeps_what_it_holds() {
        let (mut tx, mut rx) = lossless::<u32>(2);
        assert_eq!(tx.push(1), Ok(()));
        assert_eq!(tx.push(2), Ok(()));
        assert_eq!(tx.push(3), Err(RingFull { capacity: 2 }));
        assert_eq!((tx.len(), rx.len()), (2, 2));
        assert_eq!([rx.pop(), rx.pop(), rx.pop()], [Some(1), Some(2), None]);
        assert!(tx.is_empty() && rx.is_empty());
    }

    #[test]
    fn a_full_spilling_ring_keeps_every_value_in_order_and_delivers_it_later() {
        let (mut tx, mut rx) = lossless_spilling::<u32>(2, 3);
        let got: Vec<Delivery> = (1..=6).map(|v| tx.push_or_spill(v)).collect();
        use Delivery::{Lost, Ring, Spilled};
        assert_eq!(got, [Ring, Ring, Spilled, Spilled, Spilled, Lost]);
        assert_eq!(tx.spilled(), 3);
        assert_eq!(rx.pop(), Some(1));
        // Room for one: a new value goes behind the spilled ones, never ahead of them.
        assert_eq!(tx.push_or_spill(7), Spilled);
        let mut out = Vec::new();
        while tx.spilled() > 0 || !rx.is_empty() {
            while let Some(v) = rx.pop() {
                out.push(v);
            }
            tx.flush();
        }
        assert_eq!(out, [2, 3, 4, 5, 7], "6 was refused as Lost; the rest in order");
        assert_eq!(tx.push_or_spill(8), Ring, "drained: straight into the ring again");
    }

    #[test]
    fn a_plain_ring_has_no_spill_buffer() {
        let (mut tx, _rx) = lossless::<u32>(1);
        assert_eq!(tx.push_or_spill(1), Delivery::Ring);
        assert_eq!(tx.push_or_spill(2), Delivery::Lost);
    }

    #[test]
    fn ring_full_names_the_capacity() {
        assert_eq!(
            RingFull { capacity: 512 }.to_string(),
            "lossless ring full: 512 values waiting for the consumer"
        );
    }

    #[test]
    #[should_panic(expected = "at least 1")]
    fn zero_capacity_is_refused_at_construction() {
        let _ = lossless::<u8>(0);
    }

    #[test]
    fn a_consumer_thread_receives_every_value_in_order() {
        const N: u64 = 100_000;
        let (mut tx, mut rx) = lossless::<[u64; 8]>(32);
        let producer = std::thread::spawn(move || {
            for i in 0..N {
                while tx.push([i; 8]).is_err() {
                    std::thread::yield_now();
                }
            }
        });
        let mut next = 0;
        while next < N {
            match rx.pop() {
                Some(v) => {
                    assert_eq!(v, [next; 8]);
                    next += 1;
                }
                None => std::thread::yield_now(),
            }
        }
        producer.join().expect("producer thread panicked");
        assert_eq!(rx.pop(), None);
    }

    mod property_tests {
        use std::collections::VecDeque;

        use proptest::prelude::*;

        use super::super::*;

        proptest! {
            /// Any interleaving of pushes and pops behaves as a bounded FIFO: a push fails
            /// exactly when `capacity` values are waiting, and pops return pushes in order.
            #[test]
            fn never_loses_or_reorders(
                capacity in 1usize..8,
                ops in proptest::collection::vec(any::<bool>(), 0..200),
            ) {
                let (mut tx, mut rx) = lossless::<u64>(capacity);
                let mut model = VecDeque::new();
                for (i, push) in (0u64..).zip(ops) {
                    if push {
                        let accepted = tx.push(i).is_ok();
                        prop_assert_eq!(accepted, model.len() < capacity);
                        if accepted {
                            model.push_back(i);
                        }
                    } else {
                        prop_assert_eq!(rx.pop(), model.pop_front());
                    }
                    prop_assert_eq!(rx.len(), model.len());
                }
            }
        }
    }
}
