//! The slot-sequence ring under `lossless` and `conflating`: a bounded single-producer
//! single-consumer ring of `Copy` values whose consumer polls a sequence stamp inside the slot
//! itself, not the producer's index.
//!
//! Why: an index-based ring (rtrb, `benches/ring/padded.rs`) moves at least two cache lines per
//! message, one after the other: the producer's index line, which the consumer polls, then the
//! slot. Here each slot is cache-line aligned and starts with a stamp word, written by the
//! producer (Release) after the value. The consumer polls the stamp of the slot it will read
//! next, so a value of at most 56 bytes (alignment at most 8) travels with its stamp in one cache
//! line, as in a bare ping-pong. A larger value still costs its own lines, but no separate index
//! line. `benches/ring.rs` measures it (as `slotseq`) against rtrb: numbers in `perf/ring.md`.
//!
//! Free space: the consumer publishes how many values it has taken (`head`, on its own padded
//! line, written on every pop but read by the producer only when its cached copy says the ring is
//! full). So the producer's hot path touches only the slot it writes.
//!
//! Stamps: position `p` (a wrapping count of pushes) lives in slot `p & mask`, and the producer
//! stamps it `p + 1` once the value is written. The consumer at position `head` takes the slot
//! only when its stamp is `head + 1`. A slot otherwise holds 0 (never written) or the stamp of
//! position `head - len`, one lap earlier, and neither equals `head + 1` because `len`, a power of
//! two no larger than half the address space, is less than the wrapping modulus. The producer
//! never writes position `p` unless `p - head < capacity <= len`, so it never stamps a slot ahead
//! of the consumer's lap.
//!
//! Each end is owned by one thread. Neither end blocks, allocates or makes a syscall after
//! construction. Values are `Copy`, so nothing is ever dropped in a slot.
//!
//! `benches/ring.rs` includes this file as a module of its own, so it uses nothing from the crate.

use std::cell::UnsafeCell;
use std::fmt;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crossbeam_utils::CachePadded;

/// One slot: the stamp first, then the value, starting on a cache line of their own.
#[repr(C, align(64))]
struct Slot<T> {
    /// `p + 1` once the value of position `p` is written; 0 before the first write.
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

/// State shared by the two ends.
struct Shared<T> {
    /// Count of values popped so far (wrapping). Written only by the consumer.
    head: CachePadded<AtomicUsize>,
    /// The slots; `slots.len()` is a power of two, at least `capacity`.
    slots: Box<[Slot<T>]>,
    /// `slots.len() - 1`: maps a position to a slot index.
    mask: usize,
    /// The most values the ring holds at once, as asked for at construction.
    capacity: usize,
}

// SAFETY: `Shared` is reached through exactly one `Producer` and one `Consumer`. A slot's value
// is written only by the producer, for a position `p` with `p - head < capacity`, that is after
// the consumer has finished reading that slot's previous value (the consumer's Release store of
// `head` after its read, the producer's Acquire load before its write). It is read only by the
// consumer, after its Acquire load of the slot's stamp saw `p + 1`, which the producer stored
// with Release after its write. So no value is ever accessed by both threads at once, and
// sharing `Shared` between the two threads is sound when `T: Send`.
unsafe impl<T: Send> Sync for Shared<T> {}

/// Creates a ring holding at most `capacity` values and returns its two ends.
///
/// Allocates `capacity.next_power_of_two()` slots once; nothing allocates afterwards.
///
/// # Panics
///
/// If `capacity` is 0 or above `isize::MAX`.
pub(crate) fn channel<T: Copy + Send>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    assert!(capacity > 0, "ring capacity must be at least 1");
    assert!(isize::try_from(capacity).is_ok(), "ring capacity too large");
    let len = capacity.next_power_of_two();
    let slots = (0..len)
        .map(|_| Slot { stamp: AtomicUsize::new(0), value: UnsafeCell::new(MaybeUninit::uninit()) })
        .collect();
    let shared = Arc::new(Shared {
        head: CachePadded::new(AtomicUsize::new(0)),
        slots,
        mask: len - 1,
        capacity,
    });
    let producer = Producer { shared: Arc::clone(&shared), tail: 0, cached_head: 0 };
    let consumer = Consumer { shared, head: 0 };
    (producer, consumer)
}

/// The writing end. Owned by one thread.
pub(crate) struct Producer<T> {
    shared: Arc<Shared<T>>,
    /// Count of values pushed so far (wrapping); only this end knows it.
    tail: usize,
    /// The last `shared.head` seen; stale by design, refreshed only when the ring looks full.
    cached_head: usize,
}

/// The reading end. Owned by one thread.
pub(crate) struct Consumer<T> {
    shared: Arc<Shared<T>>,
    /// This end's own `shared.head`; only this end writes it, so it never needs a load.
    head: usize,
}

impl<T: Copy> Producer<T> {
    /// Appends `value`, or hands it back if the ring is full. Never blocks or allocates.
    #[inline]
    pub(crate) fn push(&mut self, value: T) -> Result<(), T> {
        let capacity = self.shared.capacity;
        if self.tail.wrapping_sub(self.cached_head) == capacity {
            self.cached_head = self.shared.head.load(Ordering::Acquire);
            if self.tail.wrapping_sub(self.cached_head) == capacity {
                return Err(value);
            }
        }
        let slot = &self.shared.slots[self.tail & self.shared.mask];
        // SAFETY: `tail - head < capacity`, so this slot is free: the consumer has finished
        // reading its previous value (its Release store of `head` happened before our Acquire
        // load above, now or earlier), or it was never written; and the consumer will not read
        // it again until it sees the stamp stored below. `T: Copy`, so overwriting needs no drop.
        unsafe { (*slot.value.get()).write(value) };
        self.tail = self.tail.wrapping_add(1);
        slot.stamp.store(self.tail, Ordering::Release);
        Ok(())
    }
}

impl<T> Producer<T> {
    /// Values waiting for the consumer now (it may pop more at any time).
    pub(crate) fn len(&self) -> usize {
        self.tail.wrapping_sub(self.shared.head.load(Ordering::Acquire))
    }

    /// The most values the ring holds at once.
    pub(crate) fn capacity(&self) -> usize {
        self.shared.capacity
    }
}

impl<T: Copy> Consumer<T> {
    /// Takes the oldest value, or `None` if the ring is empty. Never blocks or allocates.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<T> {
        let slot = &self.shared.slots[self.head & self.shared.mask];
        let next = self.head.wrapping_add(1);
        if slot.stamp.load(Ordering::Acquire) != next {
            return None;
        }
        // SAFETY: the stamp is `head + 1`, so the producer wrote this slot's value for position
        // `head` and stored the stamp with Release after it; our Acquire load saw that store.
        // The producer will not write this slot again until it sees `head + 1` in `shared.head`,
        // which we store only after this read.
        let value = unsafe { (*slot.value.get()).assume_init_read() };
        self.head = next;
        self.shared.head.store(next, Ordering::Release);
        Some(value)
    }
}

impl<T> Consumer<T> {
    /// Values waiting now (the producer may push more at any time).
    ///
    /// Counts stamped slots from the next one to read, so it costs up to `capacity` loads: for
    /// tests and metrics, not the hot path.
    pub(crate) fn len(&self) -> usize {
        (0..self.shared.capacity)
            .take_while(|&i| {
                let position = self.head.wrapping_add(i);
                let slot = &self.shared.slots[position & self.shared.mask];
                slot.stamp.load(Ordering::Acquire) == position.wrapping_add(1)
            })
            .count()
    }

    /// Whether no value is waiting now. As cheap as a `pop` that finds nothing.
    pub(crate) fn is_empty(&self) -> bool {
        let slot = &self.shared.slots[self.head & self.shared.mask];
        slot.stamp.load(Ordering::Acquire) != self.head.wrapping_add(1)
    }

    /// The most values the ring holds at once.
    pub(crate) fn capacity(&self) -> usize {
        self.shared.capacity
    }
}

impl<T> fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer").field("capacity", &self.shared.capacity).finish()
    }
}

impl<T> fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer").field("capacity", &self.shared.capacity).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::channel;

    #[test]
    fn holds_exactly_the_capacity_asked_for() {
        let (mut tx, mut rx) = channel::<u32>(3);
        assert_eq!((tx.capacity(), rx.capacity()), (3, 3));
        assert!(rx.is_empty());
        assert_eq!(rx.pop(), None);
        assert_eq!(tx.push(1), Ok(()));
        assert_eq!(tx.push(2), Ok(()));
        assert_eq!(tx.push(3), Ok(()));
        assert_eq!(tx.push(4), Err(4));
        assert_eq!((tx.len(), rx.len()), (3, 3));
        assert_eq!(rx.pop(), Some(1));
        assert_eq!((tx.len(), rx.len()), (2, 2));
        assert_eq!(tx.push(4), Ok(()));
        assert_eq!(tx.push(5), Err(5));
        assert_eq!([rx.pop(), rx.pop(), rx.pop(), rx.pop()], [Some(2), Some(3), Some(4), None]);
        assert!(rx.is_empty());
        assert_eq!((tx.len(), rx.len()), (0, 0));
    }

    #[test]
    fn a_power_of_two_capacity_uses_every_slot() {
        let (mut tx, mut rx) = channel::<u8>(4);
        for round in 0..50u8 {
            let first = round.wrapping_mul(4);
            for i in 0..4 {
                assert_eq!(tx.push(first.wrapping_add(i)), Ok(()));
            }
            assert_eq!(tx.push(0), Err(0));
            assert_eq!(rx.len(), 4);
            for i in 0..4 {
                assert_eq!(rx.pop(), Some(first.wrapping_add(i)));
            }
            assert_eq!(rx.pop(), None);
        }
    }

    #[test]
    fn a_capacity_of_one_alternates() {
        let (mut tx, mut rx) = channel::<u64>(1);
        for i in 0..1000 {
            assert_eq!(tx.push(i), Ok(()));
            assert_eq!(tx.push(i + 1), Err(i + 1));
            assert!(!rx.is_empty());
            assert_eq!(rx.pop(), Some(i));
            assert_eq!(rx.pop(), None);
        }
    }

    #[test]
    fn wraps_around_many_times_in_order() {
        let (mut tx, mut rx) = channel::<u64>(5);
        let mut next = 0;
        for i in 0..100_000u64 {
            while tx.push(i).is_err() {
                assert_eq!(rx.pop(), Some(next));
                next += 1;
            }
        }
        while let Some(v) = rx.pop() {
            assert_eq!(v, next);
            next += 1;
        }
        assert_eq!(next, 100_000);
    }

    #[test]
    fn a_slot_is_one_cache_line_for_a_56_byte_value() {
        assert_eq!(size_of::<super::Slot<[u64; 7]>>(), 64);
        assert_eq!(size_of::<super::Slot<u8>>(), 64);
        assert_eq!(size_of::<super::Slot<[u64; 8]>>(), 128);
    }

    #[test]
    #[should_panic(expected = "at least 1")]
    fn zero_capacity_is_refused() {
        let _ = channel::<u8>(0);
    }

    /// `count` values of `N` words through a ring of `capacity`, producer on another thread; the
    /// consumer checks every word of every value, in order.
    fn threaded<const N: usize>(capacity: usize, count: u64) {
        let word = |i: u64, k: usize| i.wrapping_mul(31).wrapping_add(k as u64);
        let (mut tx, mut rx) = channel::<[u64; N]>(capacity);
        let producer = std::thread::spawn(move || {
            for i in 0..count {
                let v: [u64; N] = std::array::from_fn(|k| word(i, k));
                while tx.push(v).is_err() {
                    std::hint::spin_loop();
                }
            }
        });
        let mut next = 0;
        while next < count {
            match rx.pop() {
                Some(v) => {
                    for (k, w) in v.iter().enumerate() {
                        assert_eq!(*w, word(next, k), "value {next}, word {k}");
                    }
                    next += 1;
                }
                None => std::hint::spin_loop(),
            }
        }
        producer.join().expect("producer thread panicked");
        assert_eq!(rx.pop(), None);
    }

    #[test]
    fn a_consumer_thread_sees_every_56_byte_value_in_order() {
        threaded::<7>(64, 300_000);
    }

    #[test]
    fn a_consumer_thread_sees_every_large_value_whole_and_in_order() {
        threaded::<128>(8, 50_000);
    }

    #[test]
    fn a_tiny_ring_between_threads_stays_in_order() {
        threaded::<1>(1, 100_000);
        threaded::<3>(3, 100_000);
    }
}
