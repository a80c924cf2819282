//! engine: the four threads (feed, quote, exec, side), their wiring, pinning and shutdown.
//! (Being built; `run` is the entry point `hlmm run` calls.)

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

/// Runs the engine until shutdown. Placeholder until the engine module lands.
pub fn run(_config: crate::config::Config) -> Result<(), EngineError> {
    Ok(())
}
