//! How a polling thread waits when its rings are empty.
//!
//! The quote thread busy-polls: a parked consumer costs microseconds to wake. On a machine with
//! fewer free cores than busy threads, pure spinning starves the other threads (the feed thread
//! could not even read the socket), so the engine falls back to spinning for a while and then
//! yielding the core.

use std::hint::spin_loop;

/// The waiting policy of a polling thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdlePolicy {
    /// Spin with a CPU hint on every empty poll; never gives up the core. For pinned threads
    /// on isolated cores.
    BusySpin,
    /// Spin `spins` empty polls, then `yield_now` on each further empty poll. For shared cores.
    SpinThenYield {
        /// Empty polls to spin before yielding.
        spins: u32,
    },
}

impl IdlePolicy {
    /// The spin-then-yield policy with a default spin budget (about 10 µs of `pause`s on
    /// current x86 cores before the first yield).
    pub const SPIN_THEN_YIELD: Self = Self::SpinThenYield { spins: 256 };
}

/// Tracks consecutive empty polls and applies an [`IdlePolicy`].
#[derive(Debug)]
pub struct Idler {
    policy: IdlePolicy,
    /// Empty polls since the last useful work.
    empty_polls: u32,
}

impl Idler {
    /// A fresh idler.
    pub const fn new(policy: IdlePolicy) -> Self {
        Self { policy, empty_polls: 0 }
    }

    /// Call after a poll that found work: the next idle period starts spinning again.
    #[inline]
    pub fn reset(&mut self) {
        self.empty_polls = 0;
    }

    /// Call after a poll that found nothing. Never called between a frame and its intent, so the
    /// occasional `sched_yield` here is off the hot path.
    #[inline]
    pub fn idle(&mut self) {
        match self.policy {
            IdlePolicy::BusySpin => spin_loop(),
            IdlePolicy::SpinThenYield { spins } => {
                if self.empty_polls < spins {
                    self.empty_polls += 1;
                    spin_loop();
                } else {
                    std::thread::yield_now();
                }
            }
        }
    }

    /// Whether the thread has been idle long enough to do housekeeping (publishing histograms,
    /// checking timers) without delaying work that just arrived.
    #[inline]
    pub fn is_quiet(&self) -> bool {
        self.empty_polls > 64
    }

    /// The policy in force.
    pub const fn policy(&self) -> IdlePolicy {
        self.policy
    }
}
