//! Proves that the hot-path calls of `ring` and `telemetry` allocate nothing: pushes and pops of
//! both ring kinds (including the full-ring and conflation paths), stage recording and counters.
//!
//! A counting global allocator counts allocations made by the current thread only, so tests
//! running in parallel do not disturb each other.

use hlmm::ring::{conflating, lossless, lossless_spilling, Delivery};
use hlmm::telemetry::{Counter, Counters, SharedStageHistograms, Stage, StageRecorder};
use hlmm::types::events::Channel;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::allocations_during;

/// A book-sized message, as the market-data ring carries.
#[derive(Clone, Copy)]
struct Book {
    coin: usize,
    levels: [u64; 127],
}

#[test]
fn the_counting_allocator_sees_an_allocation() {
    let n = allocations_during(|| {
        std::hint::black_box(Vec::<u8>::with_capacity(1));
    });
    assert_eq!(n, 1);
}

#[test]
fn lossless_push_and_pop_allocate_nothing_even_when_full() {
    let (mut tx, mut rx) = lossless::<Book>(8);
    let n = allocations_during(|| {
        for round in 0..100u64 {
            for i in 0..10 {
                let accepted = tx.push(Book { coin: 0, levels: [round * 10 + i; 127] }).is_ok();
                assert_eq!(accepted, i < 8);
            }
            while let Some(book) = rx.pop() {
                std::hint::black_box((book.coin, book.levels));
            }
            assert_eq!((tx.len(), rx.len()), (0, 0));
        }
    });
    assert_eq!(n, 0);
}

#[test]
fn spilling_into_and_flushing_out_of_the_spill_buffer_allocate_nothing() {
    let (mut tx, mut rx) = lossless_spilling::<Book>(8, 8);
    let n = allocations_during(|| {
        for round in 0..100u64 {
            for i in 0..20 {
                let got = tx.push_or_spill(Book { coin: 0, levels: [round * 20 + i; 127] });
                let want = match i {
                    0..=7 => Delivery::Ring,
                    8..=15 => Delivery::Spilled,
                    _ => Delivery::Lost,
                };
                assert_eq!(got, want);
            }
            while tx.spilled() > 0 || !rx.is_empty() {
                while let Some(book) = rx.pop() {
                    std::hint::black_box((book.coin, book.levels));
                }
                tx.flush();
            }
        }
    });
    assert_eq!(n, 0);
}

#[test]
fn conflating_push_flush_and_pop_allocate_nothing_when_conflating() {
    let (mut tx, mut rx) = conflating::<Book>(4, 16);
    let n = allocations_during(|| {
        for round in 0..100u64 {
            for coin in 0..16 {
                for _ in 0..3 {
                    tx.push(coin, Book { coin, levels: [round; 127] });
                }
            }
            loop {
                tx.flush();
                let Some(book) = rx.pop() else { break };
                std::hint::black_box((book.coin, book.levels));
            }
        }
    });
    assert_eq!(n, 0);
    assert!(tx.conflated() > 0, "the test must exercise the conflation path");
}

#[test]
fn stage_recording_allocates_nothing() {
    let shared = SharedStageHistograms::new();
    let mut recorder = StageRecorder::new(&shared);
    let n = allocations_during(|| {
        for ns in 0..10_000u64 {
            for stage in Stage::ALL {
                recorder.record(stage, ns * 977 + 1);
            }
        }
        recorder.record(Stage::FrameToIntent, u64::MAX);
    });
    assert_eq!(n, 0);
}

#[test]
fn publishing_a_stage_interval_allocates_nothing() {
    let shared = SharedStageHistograms::new();
    let mut recorder = StageRecorder::new(&shared);
    let n = allocations_during(|| {
        for round in 0..3 {
            recorder.record(Stage::Decide, 1_234);
            assert!(recorder.publish(), "round {round}");
            shared.snapshot();
        }
    });
    assert_eq!(n, 0);
}

#[test]
fn counting_allocates_nothing() {
    let counters = Counters::new();
    let n = allocations_during(|| {
        counters.incr(Counter::Frames);
        counters.add(Counter::Reconnects, 2);
        counters.bad_frame(Channel::L2Book);
        counters.set_conflated_books(3);
    });
    assert_eq!(n, 0);
}
