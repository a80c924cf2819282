//! Bounded single-producer single-consumer rings between the engine's threads.
//!
//! Every ring has exactly one producing thread and one consuming thread, carries `Copy` values of
//! a fixed size, and has one loss policy:
//!
//! | ring | from → to | policy |
//! |---|---|---|
//! | market data (books, BBO, trades, mids) | feed → quote | [`conflating`]: latest value per coin wins |
//! | user stream (fills, order updates, funding) | feed → quote | [`lossless`] |
//! | order intents | quote → exec | [`lossless`] |
//! | outcomes and fills | exec → quote | [`lossless`] |
//! | config, symbol set | side → quote | [`lossless`] |
//! | snapshots (positions, PnL, latency) | quote → side | [`conflating`] |
//!
//! A full lossless ring is a fault: `push` returns [`RingFull`], the caller counts it and halts
//! quoting. Nothing here ever blocks, waits, allocates or makes a syscall after construction, so
//! any end may sit on the hot path.
//!
//! Both kinds are built on `slot.rs`, a slot-sequence ring of our own: the consumer polls a stamp
//! inside the next slot, so a value of up to 56 bytes crosses cores in one cache line, where an
//! index-based ring moves two. `benches/ring.rs` chose it over rtrb (which the engine used
//! before), a padded index ring (`benches/ring/padded.rs`) and `crossbeam_queue::ArrayQueue`:
//! numbers in `perf/ring.md`. The `ring` module's only `unsafe` code is in `slot.rs`: the two
//! accesses to a slot's value, each with its `// SAFETY:` argument, and the `Sync` impl.

mod conflating;
mod lossless;
mod slot;

pub use conflating::{conflating, ConflatingRx, ConflatingTx};
pub use lossless::{lossless, lossless_spilling, Delivery, LosslessRx, LosslessTx, RingFull};
