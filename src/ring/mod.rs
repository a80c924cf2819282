//! ring (placeholder until its module lands)
