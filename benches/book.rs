//! Book update: applying a venue `l2Book` snapshot (20 levels a side) to the core's book, the
//! first step of every quote decision. A regression here adds directly to frame → intent latency.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use hlmm::core::book::Book;
use hlmm::types::events::{BookSide, BookSnapshot, Level, MAX_BOOK_LEVELS};
use hlmm::types::{AssetId, Nanos, Px, Sz};

/// A 20-level BTC-like snapshot at venue time `t` ms, best bid `mid - 1` ticks.
fn snapshot(t: u64, mid: i64) -> BookSnapshot {
    let mut bids = BookSide::default();
    let mut asks = BookSide::default();
    for i in 0..MAX_BOOK_LEVELS as i64 {
        let level = |px| Level { px: Px(px), sz: Sz(1_000 + i * 37), n: 1 + i as u32 % 5 };
        let _ = bids.push(level(mid - 1 - i * 10));
        let _ = asks.push(level(mid + 1 + i * 10));
    }
    BookSnapshot { asset: AssetId(0), time: Nanos::from_millis(t), bids, asks }
}

fn book_update(c: &mut Criterion) {
    let mut group = c.benchmark_group("book");
    group.throughput(Throughput::Elements(1));

    // A newer snapshot replaces the book: the steady-state case, one per block per coin.
    group.bench_function("apply_newer_snapshot_20_levels", |b| {
        let snaps: Vec<BookSnapshot> =
            (1..=1024).map(|t| snapshot(t, 970_000 + t as i64)).collect();
        b.iter_batched_ref(
            || (Book::new(), 0usize),
            |(book, i)| {
                for s in &snaps {
                    black_box(book.apply_snapshot(black_box(s), Nanos(*i as u64)));
                    *i += 1;
                }
            },
            BatchSize::SmallInput,
        );
    });

    // A duplicate (same venue time) is recognised and dropped: the reorder/duplicate fault path.
    group.bench_function("drop_stale_snapshot", |b| {
        let s = snapshot(5, 970_000);
        let mut book = Book::new();
        book.apply_snapshot(&s, Nanos(1));
        b.iter(|| black_box(book.apply_snapshot(black_box(&s), Nanos(2))));
    });

    // Reading the top of book after an update, as the strategy does for every decision.
    group.bench_function("best_bid_ask", |b| {
        let mut book = Book::new();
        book.apply_snapshot(&snapshot(5, 970_000), Nanos(1));
        b.iter(|| black_box((black_box(&book).best_bid(), black_box(&book).best_ask())));
    });
    group.finish();
}

criterion_group!(benches, book_update);
criterion_main!(benches);
