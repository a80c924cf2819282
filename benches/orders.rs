//! Order manager hot path: what one quote cycle costs on the order side.
//!
//! - `sync/keep`: both quotes within tolerance, nothing to send (the common case per book
//!   event). A regression here taxes every market-data event.
//! - `sync+ack/requote`: both quotes moved, two modifies sent and acked (re-quote cycle).
//! - `on_fill`: one new fill of a live order (duplicate-tid lookup included).
//! - `on_order_update`: one `open` update for a live order.

use criterion::{criterion_group, criterion_main, Criterion};
use hlmm::core::orders::{OrderManager, QuoteTarget, RequotePolicy, Targets};
use hlmm::types::commands::{Command, CommandKind, Tif};
use hlmm::types::events::{Fill, OrderStatus, OrderUpdate};
use hlmm::types::outcome::{Accepted, AcceptedStatus, CommandOutcome, OutcomeEvent};
use hlmm::types::{AssetId, Coin, InstrumentSpec, Nanos, Oid, Px, Sz, Tid};
use std::hint::black_box;

fn targets(off: i64) -> Targets {
    let t = |px: i64| QuoteTarget { px: Px(px), sz: Sz(100), reduce_only: false, tif: Tif::Alo };
    Targets { bid: Some(t(189_000 - off)), ask: Some(t(189_500 + off)) }
}

/// Sends `targets`, acks every command resting. Returns the oids handed out.
fn cycle(
    om: &mut OrderManager,
    spec: &InstrumentSpec,
    out: &mut Vec<Command>,
    t: &Targets,
    now: Nanos,
    oid: &mut u64,
) {
    let policy = RequotePolicy::new(0, 0, true);
    out.clear();
    om.sync(spec, t, &policy, now, out);
    for c in out.iter() {
        let (cloid, kind) = match *c {
            Command::Place(r) => (r.cloid, CommandKind::Place),
            Command::Modify { cloid, .. } => (cloid, CommandKind::Modify),
            Command::Cancel { cloid, .. } => (cloid, CommandKind::Cancel),
            Command::CancelAll { .. } => continue,
        };
        *oid += 1;
        let acc = Accepted { oid: Some(Oid(*oid)), status: AcceptedStatus::Resting };
        om.on_outcome(
            &OutcomeEvent::new(spec.asset, cloid, kind, CommandOutcome::Accepted(acc)),
            now,
        );
    }
}

fn bench(c: &mut Criterion) {
    let spec = InstrumentSpec::perp(AssetId(1), Coin::new(b"ETH").expect("coin"), 4);
    let mut om = OrderManager::new(1, 1, 16);
    let mut out = Vec::with_capacity(64);
    let mut oid = 0;
    let mut now = Nanos(1_000_000_000);
    cycle(&mut om, &spec, &mut out, &targets(0), now, &mut oid);

    c.bench_function("sync/keep", |b| {
        let t = targets(0);
        let policy = RequotePolicy::new(0, 0, true);
        b.iter(|| {
            out.clear();
            om.sync(&spec, black_box(&t), &policy, now, &mut out);
            black_box(out.len())
        })
    });

    let mut step = 0i64;
    c.bench_function("sync+ack/requote", |b| {
        b.iter(|| {
            step += 1;
            now = Nanos(now.0 + 1_000);
            cycle(
                &mut om,
                &spec,
                &mut out,
                black_box(&targets(10 * (step % 5 + 1))),
                now,
                &mut oid,
            );
        })
    });

    let live = om.open_orders(spec.asset).next().copied().expect("a live order");
    let mut tid = 0u64;
    c.bench_function("on_fill", |b| {
        b.iter(|| {
            tid += 1;
            let f = Fill {
                asset: spec.asset,
                sz: Sz(0),
                oid: live.oid.unwrap_or_default(),
                tid: Tid(tid),
                cloid: Some(live.cloid),
                ..Fill::default()
            };
            black_box(om.on_fill(black_box(&f), now))
        })
    });

    let upd = OrderUpdate {
        asset: spec.asset,
        oid: live.oid.unwrap_or_default(),
        cloid: Some(live.cloid),
        status: OrderStatus::Open,
        ..OrderUpdate::default()
    };
    c.bench_function("on_order_update", |b| {
        b.iter(|| black_box(om.on_order_update(black_box(&upd), now)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
