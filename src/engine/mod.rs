//! engine: the four threads (feed, quote, exec, side), their wiring, pinning and shutdown.
//!
//! - [`idle`]: how polling threads wait (busy spin, or spin-then-yield on shared cores).
//! - [`pin`]: which core each thread gets, and the fallback when there are too few.
//! - [`shutdown`]: SIGINT/SIGTERM → ordered stop, every ring drained.
//! - [`backoff`]: jittered exponential reconnect delays.
//! - [`health`]: per-stream liveness and staleness.

pub mod backoff;
pub mod clock;
pub mod health;
pub mod idle;
pub mod msg;
pub mod pin;
pub mod shutdown;
pub mod side;

/// Errors that stop the engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A thread could not be started.
    #[error("cannot start thread {thread}: {reason}")]
    Spawn {
        /// Which thread.
        thread: &'static str,
        /// Why.
        reason: String,
    },
}

/// Runs the engine until shutdown. Placeholder until the engine wiring lands.
pub fn run(_config: crate::config::Config) -> Result<(), EngineError> {
    Ok(())
}
