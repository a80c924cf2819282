//! telemetry (placeholder until its module lands)
