//! config (placeholder until its module lands)
