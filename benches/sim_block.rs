//! One simulator block: the market generator stepping every built-in coin (14), with its flow
//! on its own ladders (`LocalBooks`) or traded through the matching engine (`ExchangeVenue`:
//! ladder re-quotes as cancels and GTC places, takers as IOC orders, depth refreshed).
//! The difference is what the exchange integration costs per block; at 2 blocks/s either is
//! far below the block interval.
//!
//! Run: `cargo bench --bench sim_block -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, Criterion};
use hlmm::sim::exchange::{Exchange, ExchangeConfig};
use hlmm::sim::market::{default_coins, FlowVenue, Market};
use hlmm::sim::venue::ExchangeVenue;
use hlmm::types::Nanos;

const T0: u64 = 1_760_000_000_000_000_000;
const BLOCK_NS: u64 = 500_000_000;

fn run<V: FlowVenue>(c: &mut Criterion, name: &str, mut m: Market<V>) {
    let mut b = 0u64;
    // Warm: books built, buffers grown.
    for _ in 0..50 {
        m.step(Nanos(T0 + b * BLOCK_NS));
        b += 1;
    }
    c.bench_function(name, |bench| {
        bench.iter(|| {
            m.step(Nanos(T0 + b * BLOCK_NS));
            b += 1;
        });
    });
}

fn blocks(c: &mut Criterion) {
    let local = Market::new(1, default_coins(), Vec::new()).expect("market");
    run(c, "block/local_books", local);
    let venue = ExchangeVenue::new(Exchange::new(ExchangeConfig::default()));
    let exchange = Market::with_venue(1, default_coins(), Vec::new(), venue).expect("market");
    run(c, "block/exchange_venue", exchange);
}

criterion_group!(benches, blocks);
criterion_main!(benches);
