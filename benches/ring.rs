//! Ring latency between two threads: rtrb, our padded ring (`ring/padded.rs`), our slot-sequence
//! ring (`src/ring/slot.rs`, the engine's) and `crossbeam_queue::ArrayQueue`, against a bare
//! cache-line ping-pong that moves no payload.
//!
//! Two measurements per message size (64 B: one whole cache line; 56 B: the largest value that
//! shares one line with the slot-sequence ring's stamp, e.g. an outcome; 112 B: an order intent;
//! 1 KiB: a book event):
//! - `one_way`: the sender stamps the message with the clock and pushes it into an empty ring;
//!   the receiver, already spinning on `pop`, reads the clock when it gets it. The reported time
//!   is the mean of those differences. The sender waits for an acknowledgement (one padded cache
//!   line written by the receiver) before the next message, so the ring is empty every time: this
//!   is the latency of an idle ring with a busy-polling consumer, as the quote thread sees it, not
//!   throughput. Both clock reads are included, in the baseline too.
//! - `round_trip`: the sender pushes into ring A, the echo thread pops it and pushes it into ring B,
//!   and the sender pops it back. The reported time is one whole round trip.
//!
//! The baseline is two `CachePadded<AtomicU64>` flags doing the same dance with a counter (for
//! `one_way`, the clock stamp) instead of a message: the floor set by moving one cache line between
//! cores. A regression in the chosen ring's ratio to it means more cache-line traffic per message
//! (a lost index cache, false sharing) or a slower copy.
//!
//! Criterion reports the mean. On a shared machine the mean is ruled by the few messages that
//! wait milliseconds for a descheduled thread, so every bench also records each message's latency
//! in an hdrhistogram and prints its percentiles (`latency <bench>: p50 … ns`); compare rings by
//! those. Round-trip percentiles include one clock read per message, as the one-way ones do.
//!
//! The two threads are pinned to two different cores when the machine has at least two. Run:
//! `cargo bench --bench ring -- --warm-up-time 1 --measurement-time 3`; results in `perf/ring.md`.

use std::hint::{black_box, spin_loop};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use crossbeam_queue::ArrayQueue;
use crossbeam_utils::CachePadded;
use hdrhistogram::Histogram;

#[path = "ring/padded.rs"]
mod padded;
// The engine's own ring (`hlmm::ring` is built on it); included directly so that it is measured
// without the `lossless` wrapper, like the others. `len`, `is_empty` and `capacity` go unused here.
#[allow(dead_code)]
#[path = "../src/ring/slot.rs"]
mod slotseq;

/// Slots per ring; only one message is ever in flight, so this only sets the memory touched.
const CAPACITY: usize = 256;

/// The baseline's bench name.
const BARE: &str = "bare_ping_pong";

/// A duration in whole ns.
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Nanoseconds since a process-wide origin, readable on any thread.
fn now_ns() -> u64 {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    nanos(ORIGIN.get_or_init(Instant::now).elapsed())
}

/// A bench message: a sequence number, a send stamp and `PAD` words of padding, 64-byte aligned.
/// `Msg<6>` is one whole cache line; `Msg<126>` is 1 KiB (a 20-level book).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Msg<const PAD: usize> {
    seq: u64,
    stamp_ns: u64,
    pad: [u64; PAD],
}

const _: () = assert!(size_of::<Msg<6>>() == 64 && size_of::<Msg<126>>() == 1024);

/// A message of `16 + 8 * PAD` bytes, only 8-byte aligned, so the slot-sequence ring can put its
/// 8-byte stamp on the same line. `Packed<5>` (56 B) plus the stamp fills exactly one cache line,
/// where the 64-byte `Msg<6>` needs a second one. `Packed<12>` (112 B) is the size of the engine's
/// order intent (`msg::Intent`), the quote → exec message.
#[derive(Clone, Copy)]
#[repr(C)]
struct Packed<const PAD: usize> {
    seq: u64,
    stamp_ns: u64,
    pad: [u64; PAD],
}

const _: () = assert!(size_of::<Packed<5>>() == 56 && size_of::<Packed<12>>() == 112);

/// What the bench functions need from a message.
trait Message: Copy + Send + 'static {
    fn new(seq: u64, stamp_ns: u64) -> Self;
    fn seq(&self) -> u64;
    fn stamp_ns(&self) -> u64;
}

impl<const PAD: usize> Message for Msg<PAD> {
    fn new(seq: u64, stamp_ns: u64) -> Self {
        Self { seq, stamp_ns, pad: [seq; PAD] }
    }
    fn seq(&self) -> u64 {
        self.seq
    }
    fn stamp_ns(&self) -> u64 {
        self.stamp_ns
    }
}

impl<const PAD: usize> Message for Packed<PAD> {
    fn new(seq: u64, stamp_ns: u64) -> Self {
        Self { seq, stamp_ns, pad: [seq; PAD] }
    }
    fn seq(&self) -> u64 {
        self.seq
    }
    fn stamp_ns(&self) -> u64 {
        self.stamp_ns
    }
}

/// The rings under test, behind one face.
trait Ring<T: Message> {
    const NAME: &'static str;
    type Tx: Send + 'static;
    type Rx: Send + 'static;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx);
    fn push(tx: &mut Self::Tx, v: T) -> bool;
    fn pop(rx: &mut Self::Rx) -> Option<T>;
}

struct Rtrb;
struct Padded;
struct SlotSeq;
struct CrossbeamArrayQueue;

impl<T: Message> Ring<T> for Rtrb {
    const NAME: &'static str = "rtrb";
    type Tx = rtrb::Producer<T>;
    type Rx = rtrb::Consumer<T>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        rtrb::RingBuffer::new(capacity)
    }
    #[inline]
    fn push(tx: &mut Self::Tx, v: T) -> bool {
        tx.push(v).is_ok()
    }
    #[inline]
    fn pop(rx: &mut Self::Rx) -> Option<T> {
        rx.pop().ok()
    }
}

impl<T: Message> Ring<T> for Padded {
    const NAME: &'static str = "padded";
    type Tx = padded::Producer<T>;
    type Rx = padded::Consumer<T>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        padded::channel(capacity)
    }
    #[inline]
    fn push(tx: &mut Self::Tx, v: T) -> bool {
        tx.push(v).is_ok()
    }
    #[inline]
    fn pop(rx: &mut Self::Rx) -> Option<T> {
        rx.pop()
    }
}

impl<T: Message> Ring<T> for SlotSeq {
    const NAME: &'static str = "slotseq";
    type Tx = slotseq::Producer<T>;
    type Rx = slotseq::Consumer<T>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        slotseq::channel(capacity)
    }
    #[inline]
    fn push(tx: &mut Self::Tx, v: T) -> bool {
        tx.push(v).is_ok()
    }
    #[inline]
    fn pop(rx: &mut Self::Rx) -> Option<T> {
        rx.pop()
    }
}

impl<T: Message> Ring<T> for CrossbeamArrayQueue {
    const NAME: &'static str = "array_queue";
    type Tx = Arc<ArrayQueue<T>>;
    type Rx = Arc<ArrayQueue<T>>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        let q = Arc::new(ArrayQueue::new(capacity));
        (Arc::clone(&q), q)
    }
    #[inline]
    fn push(tx: &mut Self::Tx, v: T) -> bool {
        tx.push(v).is_ok()
    }
    #[inline]
    fn pop(rx: &mut Self::Rx) -> Option<T> {
        rx.pop()
    }
}

/// Written by the receiver after each one-way message: the running sum of latencies, then the
/// sequence number that releases the sender. One cache line, in every variant alike.
#[derive(Default)]
struct Ack {
    latency_sum_ns: AtomicU64,
    seq: AtomicU64,
}

/// Pins the calling thread to the `index`-th core if there are at least two cores.
///
/// The core list is read once, before any thread is pinned: `get_core_ids` lists only the cores
/// the calling thread may run on, so a thread spawned by an already pinned one would see one
/// core and stay on its parent's, and every message would wait for a context switch.
fn pin(index: usize) {
    static CORES: OnceLock<Vec<core_affinity::CoreId>> = OnceLock::new();
    let cores = CORES.get_or_init(|| core_affinity::get_core_ids().unwrap_or_default());
    if cores.len() >= 2 {
        let pinned = core_affinity::set_for_current(cores[index]);
        assert!(pinned, "cannot pin a bench thread to core {index}");
    }
}

/// Per-message latencies of one bench, in ns (1 ns .. 10 s, 3 significant digits).
struct Latencies(Histogram<u64>);

impl Latencies {
    fn new() -> Self {
        Self(Histogram::new_with_bounds(1, 10_000_000_000, 3).expect("constant bounds are valid"))
    }

    fn record(&mut self, ns: u64) {
        self.0.saturating_record(ns);
    }

    /// Prints the percentiles, unless the bench was filtered out on the command line.
    fn print(&self, bench: &str) {
        if self.0.is_empty() {
            return;
        }
        let q = |quantile| self.0.value_at_quantile(quantile);
        println!(
            "latency {bench}: p50 {} ns, p90 {} ns, p99 {} ns, p99.9 {} ns, max {} ns, n {}",
            q(0.5),
            q(0.9),
            q(0.99),
            q(0.999),
            self.0.max(),
            self.0.len()
        );
    }
}

/// A partner thread that runs until told to stop, then hands back what it measured.
struct Partner<R> {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<R>,
}

impl<R: Send + 'static> Partner<R> {
    fn spawn(body: impl FnOnce(&AtomicBool) -> R + Send + 'static) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = thread::spawn(move || {
            pin(1);
            body(&flag)
        });
        Self { stop, handle }
    }

    fn finish(self) -> R {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().expect("bench partner thread panicked")
    }
}

fn one_way<T: Message, R: Ring<T> + 'static>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    label: &str,
) {
    let (mut tx, mut rx) = R::channel(CAPACITY);
    let ack = Arc::new(CachePadded::new(Ack::default()));
    let receiver_ack = Arc::clone(&ack);
    let partner = Partner::spawn(move |stop| {
        let (mut sum, mut latencies) = (0u64, Latencies::new());
        loop {
            if let Some(m) = R::pop(&mut rx) {
                let received = now_ns();
                let m = black_box(m);
                let latency = received.saturating_sub(m.stamp_ns());
                sum += latency;
                receiver_ack.latency_sum_ns.store(sum, Ordering::Relaxed);
                receiver_ack.seq.store(m.seq(), Ordering::Release);
                latencies.record(latency);
            } else if stop.load(Ordering::Relaxed) {
                return latencies;
            } else {
                spin_loop();
            }
        }
    });
    let mut seq = 0u64;
    group.bench_function(R::NAME, |b| {
        b.iter_custom(|iters| {
            let before = ack.latency_sum_ns.load(Ordering::Acquire);
            for _ in 0..iters {
                seq += 1;
                let m = black_box(T::new(seq, now_ns()));
                while !R::push(&mut tx, m) {
                    spin_loop();
                }
                while ack.seq.load(Ordering::Acquire) != seq {
                    spin_loop();
                }
            }
            Duration::from_nanos(ack.latency_sum_ns.load(Ordering::Acquire) - before)
        });
    });
    partner.finish().print(&format!("{label}/{}", R::NAME));
}

fn round_trip<T: Message, R: Ring<T> + 'static>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    label: &str,
) {
    let (mut to_echo, mut echo_rx) = R::channel(CAPACITY);
    let (mut echo_tx, mut from_echo) = R::channel(CAPACITY);
    let partner = Partner::spawn(move |stop| loop {
        if let Some(m) = R::pop(&mut echo_rx) {
            let m = black_box(m);
            while !R::push(&mut echo_tx, m) {
                spin_loop();
            }
        } else if stop.load(Ordering::Relaxed) {
            return;
        } else {
            spin_loop();
        }
    });
    let (mut seq, mut latencies) = (0u64, Latencies::new());
    group.bench_function(R::NAME, |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            let mut sent = start;
            for _ in 0..iters {
                seq += 1;
                let m = black_box(T::new(seq, 0));
                while !R::push(&mut to_echo, m) {
                    spin_loop();
                }
                let back = loop {
                    match R::pop(&mut from_echo) {
                        Some(back) => break back,
                        None => spin_loop(),
                    }
                };
                assert_eq!(black_box(back).seq(), seq, "echo out of order");
                let received = Instant::now();
                latencies.record(nanos(received - sent));
                sent = received;
            }
            sent - start
        });
    });
    partner.finish();
    latencies.print(&format!("{label}/{}", R::NAME));
}

/// One-way floor: the sender writes its clock stamp into one padded flag, the receiver spins on it.
fn one_way_bare(group: &mut BenchmarkGroup<'_, WallTime>, label: &str) {
    let ping = Arc::new(CachePadded::new(AtomicU64::new(0)));
    let ack = Arc::new(CachePadded::new(Ack::default()));
    let (receiver_ping, receiver_ack) = (Arc::clone(&ping), Arc::clone(&ack));
    let partner = Partner::spawn(move |stop| {
        let (mut last, mut sum, mut seq, mut latencies) = (0u64, 0u64, 0u64, Latencies::new());
        loop {
            let stamp = receiver_ping.load(Ordering::Acquire);
            if stamp != last {
                let received = now_ns();
                let latency = received.saturating_sub(stamp);
                last = stamp;
                seq += 1;
                sum += latency;
                receiver_ack.latency_sum_ns.store(sum, Ordering::Relaxed);
                receiver_ack.seq.store(seq, Ordering::Release);
                latencies.record(latency);
            } else if stop.load(Ordering::Relaxed) {
                return latencies;
            } else {
                spin_loop();
            }
        }
    });
    let (mut seq, mut last_stamp) = (0u64, 0u64);
    group.bench_function(BARE, |b| {
        b.iter_custom(|iters| {
            let before = ack.latency_sum_ns.load(Ordering::Acquire);
            for _ in 0..iters {
                seq += 1;
                // Strictly increasing, so the receiver sees every write as a change.
                let stamp = now_ns().max(last_stamp + 1);
                last_stamp = stamp;
                ping.store(stamp, Ordering::Release);
                while ack.seq.load(Ordering::Acquire) != seq {
                    spin_loop();
                }
            }
            Duration::from_nanos(ack.latency_sum_ns.load(Ordering::Acquire) - before)
        });
    });
    partner.finish().print(&format!("{label}/{BARE}"));
}

/// Round-trip floor: two padded flags, each written by one thread and spun on by the other.
fn round_trip_bare(group: &mut BenchmarkGroup<'_, WallTime>, label: &str) {
    let ping = Arc::new(CachePadded::new(AtomicU64::new(0)));
    let pong = Arc::new(CachePadded::new(AtomicU64::new(0)));
    let (echo_ping, echo_pong) = (Arc::clone(&ping), Arc::clone(&pong));
    let partner = Partner::spawn(move |stop| {
        let mut last = 0u64;
        loop {
            let v = echo_ping.load(Ordering::Acquire);
            if v != last {
                last = v;
                echo_pong.store(v, Ordering::Release);
            } else if stop.load(Ordering::Relaxed) {
                return;
            } else {
                spin_loop();
            }
        }
    });
    let (mut seq, mut latencies) = (0u64, Latencies::new());
    group.bench_function(BARE, |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            let mut sent = start;
            for _ in 0..iters {
                seq += 1;
                ping.store(seq, Ordering::Release);
                while pong.load(Ordering::Acquire) != seq {
                    spin_loop();
                }
                let received = Instant::now();
                latencies.record(nanos(received - sent));
                sent = received;
            }
            sent - start
        });
    });
    partner.finish();
    latencies.print(&format!("{label}/{BARE}"));
}

fn bench_size<T: Message>(c: &mut Criterion, size: &str) {
    let label = format!("ring_one_way/{size}");
    let mut group = c.benchmark_group(&label);
    group.throughput(Throughput::Elements(1));
    one_way_bare(&mut group, &label);
    one_way::<T, Rtrb>(&mut group, &label);
    one_way::<T, Padded>(&mut group, &label);
    one_way::<T, SlotSeq>(&mut group, &label);
    one_way::<T, CrossbeamArrayQueue>(&mut group, &label);
    group.finish();

    let label = format!("ring_round_trip/{size}");
    let mut group = c.benchmark_group(&label);
    group.throughput(Throughput::Elements(1));
    round_trip_bare(&mut group, &label);
    round_trip::<T, Rtrb>(&mut group, &label);
    round_trip::<T, Padded>(&mut group, &label);
    round_trip::<T, SlotSeq>(&mut group, &label);
    round_trip::<T, CrossbeamArrayQueue>(&mut group, &label);
    group.finish();
}

fn rings(c: &mut Criterion) {
    pin(0);
    bench_size::<Msg<6>>(c, "64B");
    bench_size::<Packed<5>>(c, "56B");
    bench_size::<Packed<12>>(c, "112B");
    bench_size::<Msg<126>>(c, "1KiB");
}

criterion_group!(benches, rings);
criterion_main!(benches);
