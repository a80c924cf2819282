//! Reconnect delays: exponential with full jitter, from an injected seeded generator.
//!
//! Jitter spreads reconnects of many clients (or our several sockets) so they do not hit the
//! venue's limit of 30 new connections per minute in lockstep. The generator is seeded so tests
//! and replays are deterministic.

/// A small, fast, seedable generator (SplitMix64). Not cryptographic; used for jitter only.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator from `seed`.
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..=max`.
    pub fn below_or_eq(&mut self, max: u64) -> u64 {
        if max == u64::MAX {
            return self.next_u64();
        }
        self.next_u64() % (max + 1)
    }
}

/// Exponential backoff: the n-th consecutive failure waits a random time in
/// `[min, min(max, min · 2^n)]`, in milliseconds.
#[derive(Debug, Clone)]
pub struct Backoff {
    /// Smallest delay, ms.
    min_ms: u64,
    /// Largest delay, ms.
    max_ms: u64,
    /// Consecutive failures so far.
    attempt: u32,
    rng: SplitMix64,
}

impl Backoff {
    /// A backoff between `min_ms` and `max_ms` (swapped if given the wrong way round).
    pub fn new(min_ms: u64, max_ms: u64, seed: u64) -> Self {
        let (min_ms, max_ms) = if min_ms <= max_ms { (min_ms, max_ms) } else { (max_ms, min_ms) };
        Self { min_ms, max_ms, attempt: 0, rng: SplitMix64::new(seed) }
    }

    /// The delay before the next attempt, in ms, and counts the attempt.
    pub fn next_delay_ms(&mut self) -> u64 {
        let ceiling = self.min_ms.saturating_mul(1u64 << self.attempt.min(20)).min(self.max_ms);
        self.attempt = self.attempt.saturating_add(1);
        self.min_ms + self.rng.below_or_eq(ceiling.saturating_sub(self.min_ms))
    }

    /// Call after a connection succeeded and stayed up: the next failure starts small again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// Consecutive failed attempts so far.
    pub const fn attempts(&self) -> u32 {
        self.attempt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_within_bounds_and_grow() {
        let mut b = Backoff::new(250, 5_000, 7);
        let mut ceiling_seen = 0;
        for n in 0..20 {
            let d = b.next_delay_ms();
            let ceiling = (250u64 << n.min(20)).min(5_000);
            assert!((250..=ceiling).contains(&d), "attempt {n}: {d} outside 250..={ceiling}");
            ceiling_seen = ceiling_seen.max(d);
        }
        assert!(ceiling_seen > 2_500, "the cap is approached after many failures");
    }

    #[test]
    fn reset_starts_small_again() {
        let mut b = Backoff::new(250, 5_000, 1);
        for _ in 0..10 {
            b.next_delay_ms();
        }
        b.reset();
        assert_eq!(b.attempts(), 0);
        assert!(b.next_delay_ms() <= 250);
    }

    #[test]
    fn same_seed_same_delays() {
        let mut a = Backoff::new(100, 10_000, 42);
        let mut b = Backoff::new(100, 10_000, 42);
        for _ in 0..16 {
            assert_eq!(a.next_delay_ms(), b.next_delay_ms());
        }
    }
}
