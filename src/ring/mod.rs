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
//! Both kinds are built on rtrb, chosen by `benches/ring.rs` over a padded ring of our own
//! (`benches/ring/padded.rs`) and `crossbeam_queue::ArrayQueue`: numbers in `perf/ring.md`.
//! So the `ring` module holds no `unsafe` code.

mod conflating;
mod lossless;

pub use conflating::{conflating, ConflatingRx, ConflatingTx};
pub use lossless::{lossless, LosslessRx, LosslessTx, RingFull};
