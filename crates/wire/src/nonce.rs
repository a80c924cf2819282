//! Nonces for one signer (hyperliquid.md §7).
//!
//! The venue keeps the 100 highest nonces per signer; a new one must be unused, above the
//! smallest kept, and within (T − 2 days, T + 1 day) of block time T in ms. The recipe is one
//! atomic counter per signer: `nonce = max(last + 1, now_ms)`. It is strictly increasing even
//! when several threads sign with the same agent, and tracks wall-clock ms while the rate stays
//! below one action per ms.
//!
//! The caller passes `now_ms` (ms since the epoch): this module reads no clock, never blocks and
//! never allocates.

use std::sync::atomic::{AtomicU64, Ordering};

/// The nonce counter of one signer (agent key). Share it by reference between the threads that
/// sign with that key.
#[derive(Debug, Default)]
pub struct NonceSource {
    /// The last nonce handed out (ms since the epoch, or above it under bursts); 0 before any.
    last: AtomicU64,
}

impl NonceSource {
    /// A counter that has handed out nothing yet.
    pub const fn new() -> Self {
        Self { last: AtomicU64::new(0) }
    }

    /// The next nonce: `max(last + 1, now_ms)`. Strictly greater than every nonce returned
    /// before, by any thread, and never below `now_ms`.
    pub fn next(&self, now_ms: u64) -> u64 {
        let step = |last: u64| last.saturating_add(1).max(now_ms);
        // The closure always returns Some, so fetch_update cannot fail; both arms carry the
        // value that was replaced.
        let prev = match self
            .last
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |last| Some(step(last)))
        {
            Ok(prev) | Err(prev) => prev,
        };
        step(prev)
    }

    /// Raises the floor: every later nonce is greater than `floor_ms`. For after a restart (seed
    /// with the venue's time) or a `nonce too low` reply. Never lowers the counter.
    pub fn fast_forward(&self, floor_ms: u64) {
        self.last.fetch_max(floor_ms, Ordering::AcqRel);
    }

    /// The last nonce handed out (0 if none).
    pub fn last(&self) -> u64 {
        self.last.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_follows_the_clock_when_it_moves_forward() {
        let n = NonceSource::new();
        assert_eq!(n.next(1_000), 1_000);
        assert_eq!(n.next(1_005), 1_005);
    }

    #[test]
    fn nonce_steps_by_one_within_the_same_millisecond() {
        let n = NonceSource::new();
        assert_eq!(n.next(1_000), 1_000);
        assert_eq!(n.next(1_000), 1_001);
        assert_eq!(n.next(1_000), 1_002);
    }

    #[test]
    fn nonce_never_goes_back_when_the_clock_does() {
        let n = NonceSource::new();
        assert_eq!(n.next(2_000), 2_000);
        assert_eq!(n.next(1_500), 2_001);
    }

    #[test]
    fn fast_forward_raises_but_never_lowers_the_floor() {
        let n = NonceSource::new();
        n.fast_forward(5_000);
        assert_eq!(n.next(1_000), 5_001);
        n.fast_forward(10);
        assert_eq!(n.next(1_000), 5_002);
        assert_eq!(n.last(), 5_002);
    }

    mod property_tests {
        use super::*;
        use proptest::prelude::*;
        use std::sync::Arc;

        proptest! {
            #[test]
            fn sequential_nonces_increase_and_are_not_below_now(
                calls in prop::collection::vec((0u64..2_000, prop::bool::weighted(0.1)), 1..200),
            ) {
                let n = NonceSource::new();
                let mut prev = 0;
                for (now, ff) in calls {
                    if ff {
                        n.fast_forward(now);
                        continue;
                    }
                    let v = n.next(now);
                    prop_assert!(v > prev, "{v} after {prev}");
                    prop_assert!(v >= now, "{v} below now {now}");
                    prev = v;
                }
            }

            #[test]
            fn concurrent_nonces_are_unique_and_increase_per_thread(
                clocks in prop::collection::vec(prop::collection::vec(0u64..500, 1..300), 2..5),
            ) {
                let n = Arc::new(NonceSource::new());
                let handles: Vec<_> = clocks
                    .into_iter()
                    .map(|times| {
                        let n = Arc::clone(&n);
                        std::thread::spawn(move || {
                            times.into_iter().map(|t| (t, n.next(t))).collect::<Vec<_>>()
                        })
                    })
                    .collect();
                let mut all = Vec::new();
                for h in handles {
                    let got = h.join().expect("thread");
                    for w in got.windows(2) {
                        prop_assert!(w[1].1 > w[0].1, "per-thread order broken: {w:?}");
                    }
                    for &(now, v) in &got {
                        prop_assert!(v >= now);
                    }
                    all.extend(got.into_iter().map(|(_, v)| v));
                }
                let count = all.len();
                all.sort_unstable();
                all.dedup();
                prop_assert_eq!(all.len(), count, "a nonce was handed out twice");
            }
        }
    }
}
