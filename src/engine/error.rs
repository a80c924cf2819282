//! [`EngineError`]: why the engine did not start.

/// Errors that stop the engine before or while it starts. Once running, faults are handled
/// inside the threads (halt, cancel, reconnect) and do not end the process.
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
    /// Signal handlers could not be installed.
    #[error("cannot install signal handlers: {0}")]
    Signals(String),
    /// The built-in simulator did not start.
    #[error("cannot start the built-in simulator: {0}")]
    Simulator(String),
    /// The venue could not be reached or answered something unusable at startup.
    #[error("venue startup failed: {0}")]
    Venue(String),
    /// A configured coin is not listed by the venue.
    #[error("symbol {0}: not listed by the venue (not in meta.universe, or delisted)")]
    UnknownSymbol(String),
    /// The core refused the configuration.
    #[error("core refused the configuration: {0}")]
    Core(String),
    /// Configured symbols do not fit the engine's preallocated tables.
    #[error("config: {0}")]
    Config(String),
}
