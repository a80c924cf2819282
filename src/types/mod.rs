//! types (placeholder until its module lands)
