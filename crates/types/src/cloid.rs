//! Deterministic client order ids: `prefix (u32) ‖ run id (u32) ‖ counter (u64)`, 128 bits.
//!
//! The prefix is configured per engine instance and stays the same across restarts, so a
//! restarted engine recognises orders it placed before a crash ([`is_ours`]). The run id
//! changes per run so two runs never produce the same cloid; the counter orders the cloids of
//! one run. Used by the quote thread (pure, no allocation, no clock).

use crate::Cloid;

/// Builds `prefix ‖ run_id ‖ counter`.
pub const fn make(prefix: u32, run_id: u32, counter: u64) -> Cloid {
    Cloid(((prefix as u128) << 96) | ((run_id as u128) << 64) | counter as u128)
}

/// The instance prefix of a cloid (its top 32 bits).
pub const fn prefix_of(cloid: Cloid) -> u32 {
    (cloid.0 >> 96) as u32
}

/// The run id of a cloid (bits 64..96).
pub const fn run_id_of(cloid: Cloid) -> u32 {
    (cloid.0 >> 64) as u32
}

/// The counter of a cloid (its low 64 bits).
pub const fn counter_of(cloid: Cloid) -> u64 {
    cloid.0 as u64
}

/// Whether `cloid` was made by an engine configured with `prefix` (in this run or an earlier
/// one).
pub const fn is_ours(cloid: Cloid, prefix: u32) -> bool {
    prefix_of(cloid) == prefix
}

/// Hands out the cloids of one run, in increasing counter order.
#[derive(Debug, Clone)]
pub struct CloidGen {
    /// Instance prefix, from config; the same across restarts.
    prefix: u32,
    /// This run's id (e.g. derived from the start time by the caller).
    run_id: u32,
    /// The counter of the next cloid; starts at 1 so counter 0 never appears on the wire.
    next: u64,
}

impl CloidGen {
    /// A generator for `prefix ‖ run_id ‖ 1, 2, 3, …`.
    pub const fn new(prefix: u32, run_id: u32) -> Self {
        Self { prefix, run_id, next: 1 }
    }

    /// The next cloid.
    pub fn next_cloid(&mut self) -> Cloid {
        let c = make(self.prefix, self.run_id, self.next);
        // 2^64 cloids per run cannot be exhausted; wrapping keeps this total anyway.
        self.next = self.next.wrapping_add(1);
        c
    }

    /// The instance prefix.
    pub const fn prefix(&self) -> u32 {
        self.prefix
    }

    /// This run's id.
    pub const fn run_id(&self) -> u32 {
        self.run_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cloid_splits_back_into_prefix_run_and_counter() {
        let c = make(0xdead_beef, 7, 42);
        assert_eq!((prefix_of(c), run_id_of(c), counter_of(c)), (0xdead_beef, 7, 42));
        assert_eq!(c.to_string(), "0xdeadbeef00000007000000000000002a");
    }

    #[test]
    fn cloids_of_an_earlier_run_are_still_ours() {
        let mut old = CloidGen::new(0x1e60, 1);
        let mut new = CloidGen::new(0x1e60, 2);
        let (a, b) = (old.next_cloid(), new.next_cloid());
        assert_ne!(a, b);
        assert!(is_ours(a, 0x1e60) && is_ours(b, 0x1e60));
        assert!(!is_ours(a, 0x1e61));
    }

    #[test]
    fn the_counter_starts_at_one_and_increases() {
        let mut g = CloidGen::new(1, 1);
        assert_eq!(counter_of(g.next_cloid()), 1);
        assert_eq!(counter_of(g.next_cloid()), 2);
    }
}
