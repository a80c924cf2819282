//! A bounded single-producer single-consumer ring of `Copy` values on `CachePadded` indices.
//!
//! A hand-written contender in `benches/ring.rs`, measured side by side with rtrb, the engine's
//! slot-sequence ring (`src/ring/slot.rs`), `crossbeam_queue::ArrayQueue` and a bare cache-line
//! ping-pong. It lost, first to rtrb and then to the slot-sequence ring (`perf/ring.md`), so it
//! is not part of the engine: it lives with the bench, which keeps the comparison repeatable on
//! other hosts, and `tests/ring_padded.rs` keeps it correct.
//!
//! Layout: the consumer's read index (`head`) and the producer's write index (`tail`) live on
//! separate cache lines, and each side keeps a private copy of the other side's index, so a push
//! or pop touches the other side's line only when its cached copy says the ring is full or empty.
//! The buffer has a power-of-two number of slots so that an index maps to a slot with a mask; the
//! logical capacity is exactly what was asked for.
//!
//! Each end is owned by one thread. Neither end blocks, allocates or makes a syscall after
//! construction.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crossbeam_utils::CachePadded;

/// State shared by the two ends.
struct Shared<T> {
    /// Count of values popped so far (wrapping). Written only by the consumer.
    head: CachePadded<AtomicUsize>,
    /// Count of values pushed so far (wrapping). Written only by the producer.
    tail: CachePadded<AtomicUsize>,
    /// The slots; `slots.len()` is a power of two, at least `capacity`.
    slots: Box<[UnsafeCell<MaybeUninit<T>>]>,
    /// `slots.len() - 1`: maps a head or tail count to a slot index.
    mask: usize,
    /// The most values the ring holds at once, as asked for at construction.
    capacity: usize,
}

// SAFETY: `Shared` is reached through exactly one `Producer` and one `Consumer`. A slot is written
// only by the producer while it is outside `head..tail` (free), and read only by the consumer while
// it is inside `head..tail` (published); the Release store of `tail` after a write and the Acquire
// load before a read order the two, and symmetrically for `head`. So no slot is ever accessed by
// both threads at once, and sharing `Shared` between the two threads is sound when `T: Send`.
unsafe impl<T: Send> Sync for Shared<T> {}

/// Creates a ring holding at most `capacity` values and returns its two ends.
///
/// Allocates `capacity.next_power_of_two()` slots once; nothing allocates afterwards.
///
/// # Panics
///
/// If `capacity` is 0 or its next power of two overflows `usize`.
pub(crate) fn channel<T: Copy + Send>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    assert!(capacity > 0, "ring capacity must be at least 1");
    let len = capacity.checked_next_power_of_two().expect("ring capacity too large");
    let slots = (0..len).map(|_| UnsafeCell::new(MaybeUninit::uninit())).collect();
    let shared = Arc::new(Shared {
        head: CachePadded::new(AtomicUsize::new(0)),
        tail: CachePadded::new(AtomicUsize::new(0)),
        slots,
        mask: len - 1,
        capacity,
    });
    let producer = Producer { shared: Arc::clone(&shared), tail: 0, cached_head: 0 };
    let consumer = Consumer { shared, head: 0, cached_tail: 0 };
    (producer, consumer)
}

/// The writing end. Owned by one thread.
pub(crate) struct Producer<T> {
    shared: Arc<Shared<T>>,
    /// This end's own `shared.tail`; only this end writes it, so it never needs a load.
    tail: usize,
    /// The last `shared.head` seen; stale by design, refreshed only when the ring looks full.
    cached_head: usize,
}

/// The reading end. Owned by one thread.
pub(crate) struct Consumer<T> {
    shared: Arc<Shared<T>>,
    /// This end's own `shared.head`; only this end writes it, so it never needs a load.
    head: usize,
    /// The last `shared.tail` seen; stale by design, refreshed only when the ring looks empty.
    cached_tail: usize,
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
        // reading it (its Release store of `head` happened before our Acquire load above, or
        // the slot was never published) and will not touch it until we publish `tail + 1`.
        // `T: Copy`, so overwriting an old value needs no drop.
        unsafe { (*slot.get()).write(value) };
        self.tail = self.tail.wrapping_add(1);
        self.shared.tail.store(self.tail, Ordering::Release);
        Ok(())
    }
}

impl<T: Copy> Consumer<T> {
    /// Takes the oldest value, or `None` if the ring is empty. Never blocks or allocates.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<T> {
        if self.head == self.cached_tail {
            self.cached_tail = self.shared.tail.load(Ordering::Acquire);
            if self.head == self.cached_tail {
                return None;
            }
        }
        let slot = &self.shared.slots[self.head & self.shared.mask];
        // SAFETY: `head < tail`, so the producer wrote this slot and published it with its
        // Release store of `tail`, which our Acquire load above (now or on an earlier call)
        // observed; the producer will not write it again until we publish `head + 1`.
        let value = unsafe { (*slot.get()).assume_init_read() };
        self.head = self.head.wrapping_add(1);
        self.shared.head.store(self.head, Ordering::Release);
        Some(value)
    }
}
