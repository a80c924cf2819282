//! Orderly shutdown on SIGINT/SIGTERM.
//!
//! A signal only sets a flag (async-signal-safe). Each thread polls the flag in its loop and
//! stops in dependency order: the feed stops reading, the quote thread drains its input rings
//! and then stops, the exec thread drains the intent ring, the side thread flushes last.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;

/// Shutdown phases, in order. Each thread waits for the phase that concerns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Phase {
    /// Running.
    Running = 0,
    /// Stop taking new input: the feed closes its sockets.
    StopInput = 1,
    /// The feed has stopped; the quote thread drains its rings and stops.
    DrainQuote = 2,
    /// The quote thread has stopped; exec drains the intent ring and stops.
    DrainExec = 3,
    /// Everything upstream stopped; the side thread flushes and stops.
    Done = 4,
}

/// The shared shutdown state. Cheap to clone (an `Arc`).
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Set by the signal handler; the engine turns it into the first phase.
    signalled: Arc<AtomicBool>,
    /// The current [`Phase`] as `u8`.
    phase: AtomicU8,
}

impl Shutdown {
    /// A new, running shutdown state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Installs SIGINT and SIGTERM handlers that request shutdown. A second signal while
    /// shutting down is left to the handler too (it only sets the flag again); an operator who
    /// needs to kill a wedged process uses SIGKILL.
    pub fn install_signal_handlers(&self) -> std::io::Result<()> {
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register(sig, Arc::clone(&self.inner.signalled))?;
        }
        Ok(())
    }

    /// Requests shutdown (as a signal would).
    pub fn request(&self) {
        self.inner.signalled.store(true, Ordering::Release);
    }

    /// Whether shutdown was requested.
    pub fn is_requested(&self) -> bool {
        self.inner.signalled.load(Ordering::Acquire) || self.phase() > Phase::Running
    }

    /// The current phase. The supervisor moves it forward once a signal arrived.
    pub fn phase(&self) -> Phase {
        match self.inner.phase.load(Ordering::Acquire) {
            0 => Phase::Running,
            1 => Phase::StopInput,
            2 => Phase::DrainQuote,
            3 => Phase::DrainExec,
            _ => Phase::Done,
        }
    }

    /// Moves to `phase` if it is later than the current one (phases never go back).
    pub fn advance(&self, phase: Phase) {
        self.inner.phase.fetch_max(phase as u8, Ordering::AcqRel);
    }

    /// Whether the phase is `phase` or later.
    pub fn reached(&self, phase: Phase) -> bool {
        self.phase() >= phase
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_only_move_forward() {
        let s = Shutdown::new();
        assert!(!s.is_requested());
        s.advance(Phase::DrainExec);
        s.advance(Phase::StopInput);
        assert_eq!(s.phase(), Phase::DrainExec);
        assert!(s.reached(Phase::DrainQuote));
        assert!(s.is_requested());
    }

    #[test]
    fn a_request_is_visible_to_clones() {
        let s = Shutdown::new();
        let c = s.clone();
        s.request();
        assert!(c.is_requested());
    }
}
