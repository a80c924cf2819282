//! sync: the Redis side channel and the symbol scanner, off the trading path.
//!
//! Runs on the side thread (and its helpers `hlmm-redis-sub`, `hlmm-scanner`). It never blocks
//! the quote or exec thread: it talks to the quote thread through the control ring (config
//! events in) and the snapshot ring (positions, risk state out), and reads atomics.
//!
//! - [`schema`]: the JSON documents and Redis names (the design document's contract).
//! - [`config_sync`]: `mm_config` messages and `mm:config:<SYM>` keys → validated decisions + acks.
//! - [`desk`]: [`ConfigDesk`], the run's one config service (Redis, the operator API, the
//!   scanner) and its way to the core.
//! - [`scanner`]: ranking, top-N selection with hysteresis, listing events; the `/info` thread.
//! - [`snapshot`]: the side thread's book of quote-thread snapshots and the position update
//!   built from it.
//! - [`outbox`]: the bounded buffer of position updates while Redis is down.
//! - [`link`]: [`RedisSync`], the connection state machine that ties them together.

pub mod config_sync;
pub mod desk;
pub mod link;
pub mod outbox;
pub mod scanner;
pub mod schema;
pub mod snapshot;

pub use desk::ConfigDesk;
pub use link::{RedisSync, SyncSettings, SyncShared, SyncStatus};
pub use snapshot::PositionBook;
