//! The engine's clock: the one place threads read wall time.
//!
//! The pure core never reads a clock; the threads read this one and pass `now` in. On Linux,
//! `SystemTime::now` is served by the vDSO (`clock_gettime(CLOCK_REALTIME)` without entering the
//! kernel), so stamping a frame costs tens of nanoseconds and no syscall.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::types::Nanos;

/// Wall-clock time, ns since the Unix epoch (0 if the clock is before 1970).
#[inline]
pub fn wall_now() -> Nanos {
    Nanos(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64))
}
