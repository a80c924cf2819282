//! config (placeholder until its module lands).

/// The engine configuration (placeholder).
#[derive(Debug, Default)]
pub struct Config {}
