//! core (placeholder until its module lands)
