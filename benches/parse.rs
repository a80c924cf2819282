//! Feed parsing cost per frame: our simd-json parser (the `l2Book` fast path: simd-json stage 1
//! plus our walk over its structural indexes; and the general tape path) against serde_json
//! into the same `BookSnapshot`, and a trades frame. See perf/parse.md.
//!
//! Every variant copies the fixture into the same preallocated buffer inside the timed loop
//! (simd-json parses in place and destroys its input), so the copy costs all variants the same;
//! `copy_only` measures it alone so it can be subtracted. A regression in `simd_json_feed`
//! is feed-thread latency added to every market-data frame.
//!
//! The build machine is shared and its load swings by 2× within seconds, which makes ratios of
//! criterion's sequential runs meaningless. So after the criterion groups, `paired` times the
//! variants in alternating rounds (load drift hits both sides of a pair alike) and prints each
//! variant's median and minimum round plus the median of the per-round ratios.
//!
//! Run: `cargo bench --bench parse -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, Criterion, Throughput};
use hlmm::types::events::FeedEvent;
use hlmm::types::{AssetId, Coin, InstrumentSpec};
use hlmm::wire::reference::{parse_l2_book, parse_l2_book_inline};
use hlmm::wire::{FeedParser, InstrumentTable};

fn instruments() -> [InstrumentSpec; 3] {
    let coin = |name: &str| Coin::new(name.as_bytes()).expect("valid coin");
    [
        InstrumentSpec::perp(AssetId(0), coin("BTC"), 5),
        InstrumentSpec::perp(AssetId(1), coin("ETH"), 4),
        InstrumentSpec::perp(AssetId(5), coin("SOL"), 2),
    ]
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/frames/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

fn sink(e: FeedEvent) {
    black_box(e);
}

fn l2_book(c: &mut Criterion) {
    let frame = fixture("l2book_btc_20.json");
    let table = InstrumentTable::new(&instruments());
    let mut parser = FeedParser::new(&instruments());
    let mut buf = frame.clone();
    let mut g = c.benchmark_group("l2book_20_levels");
    g.throughput(Throughput::Bytes(frame.len() as u64));
    // The buffer copy every variant pays.
    g.bench_function("copy_only", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&frame));
            black_box(&mut buf);
        })
    });
    // Production path: simd-json tape, one pass over each object's keys, in-place events.
    g.bench_function("simd_json_feed", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&frame));
            black_box(parser.parse(black_box(&mut buf), &mut sink))
        })
    });
    // The general path every other channel takes: full simd-json tape, then our walk.
    g.bench_function("simd_json_tape_walk", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&frame));
            black_box(parser.parse_via_tape(black_box(&mut buf), &mut sink))
        })
    });
    // The same, frame copied into a buffer with padding so simd-json skips its own copy.
    let mut padded = frame.clone();
    padded.resize(frame.len() + hlmm::wire::feed::FRAME_PADDING, b' ');
    g.bench_function("simd_json_feed_padded", |b| {
        b.iter(|| {
            padded[..frame.len()].copy_from_slice(black_box(&frame));
            black_box(parser.parse_padded(black_box(&mut padded), frame.len(), &mut sink))
        })
    });
    // simd-json's own share: stage 1 + stage 2 into a reused tape, no walking.
    let mut buffers = simd_json::Buffers::new(frame.len());
    let mut tape = simd_json::Tape::null().reset();
    g.bench_function("simd_json_tape_only", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&frame));
            let mut t = std::mem::replace(&mut tape, simd_json::Tape(Vec::new())).reset();
            let ok = simd_json::fill_tape(black_box(&mut buf), &mut buffers, &mut t).is_ok();
            black_box(t.0.len());
            tape = t.reset();
            ok
        })
    });
    // Idiomatic serde: derive on borrowed structs, a Vec per side.
    g.bench_function("serde_json_vec", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&frame));
            black_box(parse_l2_book(black_box(&buf), &table))
        })
    });
    // Strict serde baseline: derive, levels collected into fixed arrays (no allocation).
    g.bench_function("serde_json_inline", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&frame));
            black_box(parse_l2_book_inline(black_box(&buf), &table))
        })
    });
    g.finish();
}

fn trades(c: &mut Criterion) {
    let frame = fixture("trades_sol.json");
    let mut parser = FeedParser::new(&instruments());
    let mut buf = frame.clone();
    let mut g = c.benchmark_group("trades_2");
    g.throughput(Throughput::Bytes(frame.len() as u64));
    g.bench_function("copy_only", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&frame));
            black_box(&mut buf);
        })
    });
    g.bench_function("simd_json_feed", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&frame));
            black_box(parser.parse(black_box(&mut buf), &mut sink))
        })
    });
    g.finish();
}

/// ns per frame of `iters` runs of `f`.
fn round(iters: u32, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(iters)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Alternating rounds of the l2Book variants; see the module docs.
fn paired() {
    const ROUNDS: usize = 400;
    const ITERS: u32 = 100;
    let frame = fixture("l2book_btc_20.json");
    let table = InstrumentTable::new(&instruments());
    let mut parser = FeedParser::new(&instruments());
    let mut buf = frame.clone();
    let mut buffers = simd_json::Buffers::new(frame.len());
    let mut tape = simd_json::Tape::null().reset();
    let mut tape_only = Vec::with_capacity(ROUNDS);
    let mut stage1 = simd_json::Buffers::with_max_depth(frame.len(), 0);
    let mut stage1_only = Vec::with_capacity(ROUNDS);
    let mut tape_walk = Vec::with_capacity(ROUNDS);
    let mut ratio_tape_walk = Vec::with_capacity(ROUNDS);
    let mut padded = frame.clone();
    padded.resize(frame.len() + hlmm::wire::feed::FRAME_PADDING, b' ');
    let mut simd_padded = Vec::with_capacity(ROUNDS);
    let mut ratio_padded = Vec::with_capacity(ROUNDS);
    let mut simd = Vec::with_capacity(ROUNDS);
    let mut serde_vec = Vec::with_capacity(ROUNDS);
    let mut serde_inline = Vec::with_capacity(ROUNDS);
    let (mut ratio_vec, mut ratio_inline) =
        (Vec::with_capacity(ROUNDS), Vec::with_capacity(ROUNDS));
    for _ in 0..ROUNDS {
        let s = round(ITERS, || {
            buf.copy_from_slice(black_box(&frame));
            black_box(parser.parse(black_box(&mut buf), &mut sink)).ok();
        });
        let v = round(ITERS, || {
            buf.copy_from_slice(black_box(&frame));
            black_box(parse_l2_book(black_box(&buf), &table)).ok();
        });
        let i = round(ITERS, || {
            buf.copy_from_slice(black_box(&frame));
            black_box(parse_l2_book_inline(black_box(&buf), &table)).ok();
        });
        let t = round(ITERS, || {
            buf.copy_from_slice(black_box(&frame));
            let mut t = std::mem::replace(&mut tape, simd_json::Tape(Vec::new())).reset();
            black_box(simd_json::fill_tape(black_box(&mut buf), &mut buffers, &mut t)).ok();
            tape = t.reset();
        });
        // simd-json's stage 1 alone: buffers with a depth limit of 0 make stage 2 stop at the
        // root `{`, after the structural index is complete.
        let s1 = round(ITERS, || {
            buf.copy_from_slice(black_box(&frame));
            let mut t = std::mem::replace(&mut tape, simd_json::Tape(Vec::new())).reset();
            black_box(simd_json::fill_tape(black_box(&mut buf), &mut stage1, &mut t)).ok();
            tape = t.reset();
        });
        stage1_only.push(s1);
        let w = round(ITERS, || {
            buf.copy_from_slice(black_box(&frame));
            black_box(parser.parse_via_tape(black_box(&mut buf), &mut sink)).ok();
        });
        tape_walk.push(w);
        ratio_tape_walk.push(w / v);
        let p = round(ITERS, || {
            padded[..frame.len()].copy_from_slice(black_box(&frame));
            black_box(parser.parse_padded(black_box(&mut padded), frame.len(), &mut sink)).ok();
        });
        simd_padded.push(p);
        ratio_padded.push(p / v);
        tape_only.push(t);
        simd.push(s);
        serde_vec.push(v);
        serde_inline.push(i);
        ratio_vec.push(s / v);
        ratio_inline.push(s / i);
    }
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    println!("simd-json implementation: {}", simd_json::Deserializer::algorithm());
    println!(
        "paired l2book_20_levels ({ROUNDS} alternating rounds of {ITERS} frames, {} bytes):",
        frame.len()
    );
    for (name, v) in [
        ("simd_json_stage1_only", &mut stage1_only),
        ("simd_json_tape_only", &mut tape_only),
        ("simd_json_feed", &mut simd),
        ("simd_json_tape_walk", &mut tape_walk),
        ("simd_json_feed_padded", &mut simd_padded),
        ("serde_json_vec", &mut serde_vec),
        ("serde_json_inline", &mut serde_inline),
    ] {
        println!("  {name:<21} median {:>7.0} ns  min {:>7.0} ns", median(v), min(v));
    }
    println!("  ratio simd/serde_vec    median of rounds {:.3}", median(&mut ratio_vec));
    println!("  ratio simd/serde_inline median of rounds {:.3}", median(&mut ratio_inline));
    println!("  ratio simd_padded/serde_vec median of rounds {:.3}", median(&mut ratio_padded));
    println!("  ratio tape_walk/serde_vec median of rounds {:.3}", median(&mut ratio_tape_walk));
}

criterion_group!(benches, l2_book, trades);

fn main() {
    benches();
    paired();
    Criterion::default().configure_from_args().final_summary();
}
