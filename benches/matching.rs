//! Simulator matching throughput (ops/s on one core).
//!
//! - `mixed/direct`: a roughly stationary mix on BTC against a book of ~2000 resting orders
//!   on 10 levels per side: 40 % resting adds by a house account, 40 % cancels of a random
//!   order it placed (some already filled: a miss), 20 % IOC orders from a margined taker
//!   that cross 1–3 levels (fills, fees, positions, events). Calls
//!   `place_synthetic`/`cancel_synthetic` with a reused event buffer. A regression here is a
//!   slower venue for every paper-trading and integration run; the target is ≥ 1M ops/s.
//! - `mixed/apply`: the same mix through `Exchange::apply` with an `ExchangeAction` per op (one `Vec`
//!   per action, the response and event allocation the server path pays).
//! - `deep_level/add_cancel`: one level holding 10 000 orders; add at the back and cancel a
//!   random one. Must stay flat in the queue length (O(1) cancel).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hlmm::sim::accounts::AssetConfig;
use hlmm::sim::actions::{ExchangeAction, LimitOrder, OrderStatusResp, SimEvent};
use hlmm::sim::exchange::{Exchange, ExchangeConfig};
use hlmm::sim::Address;
use hlmm::types::commands::Tif;
use hlmm::types::{AssetId, Coin, InstrumentSpec, Nanos, Oid, Px, Sz, Usd};
use hlmm::wire::action::{CancelAction, CancelWire};

const BTC: AssetId = AssetId(0);
const HOUSE: Address = Address([0x77; 20]);
const TAKER: Address = Address([0x22; 20]);
/// Mid in ticks (BTC, D = 1): 50000.0.
const MID: i64 = 500_000;
/// $1 in ticks.
const STEP: i64 = 10;
const OPS_PER_ITER: u64 = 1_000;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn venue() -> Exchange {
    let mut ex = Exchange::new(ExchangeConfig { fill_log_cap: 1_000, ..ExchangeConfig::default() });
    let spec = InstrumentSpec::perp(BTC, Coin::new(b"BTC").expect("coin"), 5);
    ex.add_asset(AssetConfig { spec, max_leverage: 40, mark_px: Px(MID), oracle_px: Px(MID) })
        .expect("new asset");
    ex.set_house(HOUSE, true);
    ex.deposit(HOUSE, Usd::from_dollars(1_000_000_000));
    ex.deposit(TAKER, Usd::from_dollars(1_000_000_000));
    ex
}

fn house_order(is_buy: bool, level: i64, lots: i64) -> LimitOrder {
    let px = if is_buy { MID - STEP * (1 + level) } else { MID + STEP * (1 + level) };
    LimitOrder {
        asset: BTC,
        is_buy,
        px: Px(px),
        sz: Sz(lots),
        reduce_only: false,
        tif: Tif::Gtc,
        cloid: None,
    }
}

/// The mix's state between iterations: the venue, live house oids, the RNG, the clock.
struct Mix {
    ex: Exchange,
    live: Vec<Oid>,
    rng: Rng,
    now: u64,
    events: Vec<SimEvent>,
    /// Counts for the report: adds, cancel hits, cancel misses, IOCs, trades.
    stats: [u64; 5],
}

impl Mix {
    fn new() -> Self {
        let mut m = Self {
            ex: venue(),
            live: Vec::new(),
            rng: Rng(0x9E37_79B9_7F4A_7C15),
            now: 1_700_000_000_000_000_000,
            events: Vec::with_capacity(64),
            stats: [0; 5],
        };
        for i in 0..2_000 {
            m.add(i % 2 == 0);
        }
        m
    }

    fn add(&mut self, is_buy: bool) {
        let level = self.rng.below(10) as i64;
        let lots = 20 + self.rng.below(200) as i64;
        self.events.clear();
        let r = self.ex.place_synthetic(
            HOUSE,
            &house_order(is_buy, level, lots),
            Nanos(self.now),
            &mut self.events,
        );
        if let OrderStatusResp::Resting { oid, .. } = r {
            self.live.push(oid);
        }
    }

    /// One op of the mix; `via_apply` routes it through `Exchange::apply`.
    fn step(&mut self, via_apply: bool) {
        self.now += 1_000;
        let roll = self.rng.below(10);
        if roll < 4 || self.live.is_empty() {
            self.stats[0] += 1;
            let is_buy = self.rng.below(2) == 0;
            if via_apply {
                let level = self.rng.below(10) as i64;
                let o = house_order(is_buy, level, 20 + self.rng.below(200) as i64);
                let (r, ev) = self.ex.apply(
                    HOUSE,
                    &ExchangeAction::Order { orders: vec![o] },
                    Nanos(self.now),
                );
                if let hlmm::sim::actions::ExchangeResponse::Order(s) = &r {
                    if let Some(OrderStatusResp::Resting { oid, .. }) = s.first() {
                        self.live.push(*oid);
                    }
                }
                black_box((r, ev));
            } else {
                self.add(is_buy);
            }
        } else if roll < 8 {
            let i = self.rng.below(self.live.len() as u64) as usize;
            let oid = self.live.swap_remove(i);
            let hit = self.ex.book(BTC).is_some_and(|b| b.get(oid).is_some());
            self.stats[if hit { 1 } else { 2 }] += 1;
            if via_apply {
                let a = ExchangeAction::Cancel(CancelAction {
                    cancels: vec![CancelWire { asset: BTC, oid }],
                    fast: false,
                });
                black_box(self.ex.apply(HOUSE, &a, Nanos(self.now)));
            } else {
                self.events.clear();
                black_box(self.ex.cancel_synthetic(
                    HOUSE,
                    BTC,
                    oid,
                    Nanos(self.now),
                    &mut self.events,
                ));
            }
        } else {
            let is_buy = self.rng.below(2) == 0;
            let depth = 1 + self.rng.below(3) as i64;
            let px = if is_buy { MID + STEP * depth } else { MID - STEP * depth };
            let lots = 20 + self.rng.below(100) as i64;
            let o = LimitOrder {
                asset: BTC,
                is_buy,
                px: Px(px),
                sz: Sz(lots),
                reduce_only: false,
                tif: Tif::Ioc,
                cloid: None,
            };
            self.stats[3] += 1;
            if via_apply {
                let a = ExchangeAction::Order { orders: vec![o] };
                let (r, ev) = self.ex.apply(TAKER, &a, Nanos(self.now));
                self.stats[4] +=
                    ev.iter().filter(|e| matches!(e, SimEvent::Trade(_))).count() as u64;
                black_box(r);
            } else {
                self.events.clear();
                black_box(self.ex.place_synthetic(TAKER, &o, Nanos(self.now), &mut self.events));
                self.stats[4] +=
                    self.events.iter().filter(|e| matches!(e, SimEvent::Trade(_))).count() as u64;
            }
        }
    }
}

fn mixed(c: &mut Criterion) {
    let mut g = c.benchmark_group("mixed");
    g.throughput(Throughput::Elements(OPS_PER_ITER));
    for (name, via_apply) in [("direct", false), ("apply", true)] {
        let mut mix = Mix::new();
        g.bench_function(name, |b| {
            b.iter(|| {
                for _ in 0..OPS_PER_ITER {
                    mix.step(via_apply);
                }
            })
        });
        let [adds, hits, misses, iocs, trades] = mix.stats;
        eprintln!(
            "mixed/{name}: adds {adds}, cancels {hits} (+{misses} of filled orders), IOCs {iocs} \
             with {trades} trades ({:.2} per IOC), book {} orders",
            trades as f64 / iocs.max(1) as f64,
            mix.ex.book(BTC).map_or(0, |b| b.len())
        );
    }
    g.finish();
}

fn deep_level(c: &mut Criterion) {
    let mut g = c.benchmark_group("deep_level");
    g.throughput(Throughput::Elements(2));
    let mut ex = venue();
    let mut events = Vec::with_capacity(16);
    let mut live = Vec::new();
    let o = house_order(true, 0, 50);
    for _ in 0..10_000 {
        if let OrderStatusResp::Resting { oid, .. } =
            ex.place_synthetic(HOUSE, &o, Nanos(1), &mut events)
        {
            live.push(oid);
        }
    }
    let mut rng = Rng(7);
    g.bench_function("add_cancel", |b| {
        b.iter(|| {
            events.clear();
            if let OrderStatusResp::Resting { oid, .. } =
                ex.place_synthetic(HOUSE, black_box(&o), Nanos(2), &mut events)
            {
                live.push(oid);
            }
            let i = rng.below(live.len() as u64) as usize;
            let oid = live.swap_remove(i);
            black_box(ex.cancel_synthetic(HOUSE, BTC, oid, Nanos(2), &mut events));
        })
    });
    g.finish();
}

criterion_group!(benches, mixed, deep_level);
criterion_main!(benches);
