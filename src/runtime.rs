//! runtime: what every thread may use: the clock seam, reconnect backoff and the ordered
//! shutdown.
//!
//! - [`clock`]: [`Clock`], [`SystemClock`], [`ManualClock`]: the one place time is read.
//! - [`backoff`]: reconnect delays, exponential with full jitter from a seeded generator.
//! - [`shutdown`]: SIGINT/SIGTERM → [`Shutdown`], moved through its [`Phase`]s in order.
//!
//! The lowest layer of the package: it imports nothing from the rest of it, so the venue
//! clients, the Redis sync and the engine threads all may use it.

pub mod backoff;
pub mod clock;
pub mod shutdown;

pub use backoff::Backoff;
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use shutdown::{Phase, Shutdown};
