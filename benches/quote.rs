//! Quote decision latency through `QuotingCore::on_event`: book event in, commands out.
//!
//! - `unchanged_book`: a book update whose quotes are already resting at their targets (the
//!   common case). Measures the full decision (book apply, estimators, risk, targets, order
//!   sync) when the answer is "nothing to send". A regression here is a regression on every
//!   market-data event.
//! - `requote_10_coins`: ten book updates, one per coin, each moving the price so both quotes
//!   of that coin are re-quoted (two `Modify` commands). Throughput is per coin decision. The
//!   exec thread's acknowledgements are applied outside the timed section.
//!
//! Setup is outside the timed closures; inputs go through `black_box`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hlmm::core::params::GlobalParams;
use hlmm::core::{CoreEvent, QuotingCore};
use hlmm::types::commands::{Command, CommandKind};
use hlmm::types::events::{BookSnapshot, FeedEvent, Level};
use hlmm::types::outcome::{Accepted, AcceptedStatus, CommandOutcome, OutcomeEvent};
use hlmm::types::{AssetId, Coin, InstrumentSpec, Nanos, Oid, Px, Sz, Usd};

#[path = "support/steady_params.rs"]
mod steady_params;
use steady_params::steady_params;

const MS: u64 = 1_000_000;
const START: u64 = 20_514 * 86_400 * 1_000_000_000;

fn spec(asset: u32) -> InstrumentSpec {
    InstrumentSpec::perp(
        AssetId(asset),
        Coin::new(format!("C{asset}").as_bytes()).expect("coin"),
        4,
    )
}

fn snapshot(asset: AssetId, bid: i64) -> BookSnapshot {
    let mut s = BookSnapshot { asset, ..Default::default() };
    for k in 0..20 {
        let _ = s.bids.push(Level { px: Px(bid - 10 * k), sz: Sz(100_000), n: 3 });
        let _ = s.asks.push(Level { px: Px(bid + 10 + 10 * k), sz: Sz(100_000), n: 3 });
    }
    s
}

/// Acknowledges every command in `cmds` (placements rest, cancels succeed).
fn ack(
    core: &mut QuotingCore,
    cmds: &[Command],
    now: Nanos,
    oid: &mut u64,
    scratch: &mut Vec<Command>,
) {
    for c in cmds {
        let (asset, cloid, kind) = match *c {
            Command::Place(r) => (r.asset, r.cloid, CommandKind::Place),
            Command::Modify { asset, cloid, .. } => (asset, cloid, CommandKind::Modify),
            Command::Cancel { asset, cloid } => (asset, cloid, CommandKind::Cancel),
            Command::CancelAll { .. } => continue,
        };
        *oid += 1;
        let status = if kind == CommandKind::Cancel {
            AcceptedStatus::Canceled
        } else {
            AcceptedStatus::Resting
        };
        let ev = OutcomeEvent::new(
            asset,
            cloid,
            kind,
            CommandOutcome::Accepted(Accepted { oid: Some(Oid(*oid)), status }),
        );
        scratch.clear();
        core.on_event(&CoreEvent::Outcome(ev), now, scratch).expect("outcome");
    }
}

struct Rig {
    core: QuotingCore,
    assets: Vec<AssetId>,
    now: Nanos,
    ms: u64,
    oid: u64,
    out: Vec<Command>,
    scratch: Vec<Command>,
}

impl Rig {
    fn new(n: u32) -> Self {
        let specs: Vec<InstrumentSpec> = (1..=n).map(spec).collect();
        let ps = vec![steady_params(); n as usize];
        let g = GlobalParams { global_daily_pnl_stop_loss: Usd::ZERO, cloid_prefix: 1, run_id: 1 };
        let now = Nanos(START);
        let mut core = QuotingCore::new(&specs, &ps, g, now).expect("core");
        let mut out = Vec::with_capacity(1_024);
        core.on_event(&CoreEvent::Resume, now, &mut out).expect("resume");
        let mut rig = Self {
            core,
            assets: specs.iter().map(|s| s.asset).collect(),
            now,
            ms: START / MS,
            oid: 0,
            out,
            scratch: Vec::with_capacity(1_024),
        };
        for _ in 0..3 {
            for k in 0..rig.assets.len() {
                rig.step(k, 200_000);
                rig.settle();
            }
        }
        rig
    }

    fn step(&mut self, k: usize, bid: i64) {
        self.ms += 100;
        self.now = Nanos(self.now.0 + 100 * MS);
        let mut snap = snapshot(self.assets[k], bid);
        snap.time = Nanos::from_millis(self.ms);
        self.out.clear();
        self.core
            .on_event(black_box(&CoreEvent::Feed(FeedEvent::Book(snap))), self.now, &mut self.out)
            .expect("book");
    }

    fn settle(&mut self) {
        let cmds = std::mem::take(&mut self.out);
        ack(&mut self.core, &cmds, self.now, &mut self.oid, &mut self.scratch);
        self.out = cmds;
        self.out.clear();
    }
}

fn quote(c: &mut Criterion) {
    let mut g = c.benchmark_group("quote_decision");
    g.throughput(Throughput::Elements(1));
    let mut rig = Rig::new(1);
    rig.step(0, 200_000);
    assert!(rig.out.is_empty(), "quotes rest at their targets before measuring");
    g.bench_function("unchanged_book", |b| {
        b.iter(|| {
            rig.step(0, 200_000);
            if !rig.out.is_empty() {
                rig.settle();
            }
        })
    });

    let mut rig = Rig::new(10);
    let mut flip = false;
    g.throughput(Throughput::Elements(10));
    g.bench_function("requote_10_coins", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                flip = !flip;
                let bid = if flip { 200_500 } else { 200_000 };
                for k in 0..10 {
                    let t0 = Instant::now();
                    rig.step(k, bid);
                    total += t0.elapsed();
                    debug_assert_eq!(rig.out.len(), 2);
                    rig.settle();
                }
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, quote);
criterion_main!(benches);
