//! wire (placeholder until its module lands)
