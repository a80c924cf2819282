//! Bounded single-producer single-consumer rings between the engine's threads.

pub mod padded;
