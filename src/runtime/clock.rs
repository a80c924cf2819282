//! Time for the threads, behind a seam: the one place wall and monotonic time are read.
//!
//! The pure core never reads a clock; the threads read a [`Clock`] and pass `now` in. The
//! engine runs on [`SystemClock`]; tests, the backtest and drills hand in a [`ManualClock`] and
//! move it by hand.
//!
//! Two ways to hold one:
//! - the per-frame threads (feed, quote) are generic over `C: Clock`: with [`SystemClock`] a read
//!   inlines to the vDSO call, with no indirect call on the frame → intent path;
//! - everything else (the exec loop, the order gateway, admin actions, the reconciler, the side
//!   thread, the Redis sync) holds a [`SharedClock`] (`Arc<dyn Clock>`): one indirect call per
//!   batch, request or tick, where it costs nothing that matters.
//!
//! On Linux, `SystemTime::now` and `Instant::now` are served by the vDSO (`clock_gettime`
//! without entering the kernel), so a read costs tens of nanoseconds and no syscall.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::types::Nanos;

/// A source of time.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// Wall-clock time, ns since the Unix epoch (0 if the clock is before 1970): event stamps,
    /// venue times, `expiresAfter` and nonces.
    fn now(&self) -> Nanos;

    /// Monotonic time, ns since an arbitrary origin: intervals and deadlines, which must not
    /// jump when the wall clock is stepped.
    fn monotonic(&self) -> Nanos;
}

/// A clock shared by the threads that read it once per batch or tick, not per frame.
pub type SharedClock = Arc<dyn Clock>;

impl<C: Clock + ?Sized> Clock for Arc<C> {
    #[inline]
    fn now(&self) -> Nanos {
        (**self).now()
    }

    #[inline]
    fn monotonic(&self) -> Nanos {
        (**self).monotonic()
    }
}

/// The operating system's clocks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl SystemClock {
    /// The system clock as a [`SharedClock`].
    pub fn shared() -> SharedClock {
        Arc::new(Self)
    }
}

impl Clock for SystemClock {
    #[inline]
    fn now(&self) -> Nanos {
        Nanos(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64))
    }

    #[inline]
    fn monotonic(&self) -> Nanos {
        // The origin is the first monotonic read of the process.
        static ORIGIN: OnceLock<Instant> = OnceLock::new();
        Nanos(ORIGIN.get_or_init(Instant::now).elapsed().as_nanos() as u64)
    }
}

/// A clock that moves only when told to. Clones share one time, so a test keeps a clone and
/// moves the clock of every thread it handed one to.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    inner: Arc<ManualTime>,
}

#[derive(Debug, Default)]
struct ManualTime {
    /// Wall time, ns since the epoch.
    wall: AtomicU64,
    /// Monotonic time, ns since the clock was made.
    mono: AtomicU64,
}

impl ManualClock {
    /// A clock at wall time `wall` and monotonic time 0.
    pub fn new(wall: Nanos) -> Self {
        let clock = Self::default();
        clock.inner.wall.store(wall.0, Ordering::Relaxed);
        clock
    }

    /// Moves both times forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ns = by.as_nanos() as u64;
        self.inner.wall.fetch_add(ns, Ordering::AcqRel);
        self.inner.mono.fetch_add(ns, Ordering::AcqRel);
    }

    /// Steps the wall time to `wall` (either way, as an NTP step would); monotonic time stays.
    pub fn set_wall(&self, wall: Nanos) {
        self.inner.wall.store(wall.0, Ordering::Release);
    }

    /// This clock (shared with its clones) as a [`SharedClock`].
    pub fn shared(&self) -> SharedClock {
        Arc::new(self.clone())
    }
}

impl Clock for ManualClock {
    #[inline]
    fn now(&self) -> Nanos {
        Nanos(self.inner.wall.load(Ordering::Acquire))
    }

    #[inline]
    fn monotonic(&self) -> Nanos {
        Nanos(self.inner.mono.load(Ordering::Acquire))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let clock = ManualClock::new(Nanos(1_000));
        let shared = clock.shared();
        assert_eq!((shared.now(), shared.monotonic()), (Nanos(1_000), Nanos(0)));
        clock.advance(Duration::from_nanos(500));
        assert_eq!((shared.now(), shared.monotonic()), (Nanos(1_500), Nanos(500)));
        clock.set_wall(Nanos(10));
        assert_eq!((shared.now(), shared.monotonic()), (Nanos(10), Nanos(500)));
    }

    #[test]
    fn the_system_clock_reads_the_epoch_and_never_goes_back() {
        let clock = SystemClock;
        assert!(clock.now().0 > 1_600_000_000 * 1_000_000_000, "after 2020");
        let a = clock.monotonic();
        let b = clock.monotonic();
        assert!(b >= a);
    }
}
