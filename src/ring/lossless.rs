//! The lossless ring: intents (quote → exec), outcomes and fills (exec → quote), the user stream
//! (feed → quote) and config (side → quote).
//!
//! Loss policy: nothing is ever dropped or overwritten. A push into a full ring fails with
//! [`RingFull`] at once; the caller counts it (`Counter::LosslessRingFull`) and halts quoting,
//! because a fill or an intent that cannot be delivered leaves the engine's state wrong.
//!
//! Each end is owned by one thread. `push` and `pop` never block, allocate, lock or make a
//! syscall; the one allocation happens in [`lossless`].

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
    assert!(capacity > 0, "lossless ring capacity must be at least 1");
    let (tx, rx) = slot::channel(capacity);
    (LosslessTx { tx }, LosslessRx { rx })
}

/// The producing end of a lossless ring. Owned by one thread.
pub struct LosslessTx<T> {
    tx: slot::Producer<T>,
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
