//! Steady-state `sync`, `on_outcome`, `on_order_update` and `on_fill` allocate nothing: a
//! counting global allocator measures a re-quote loop after warm-up.

use hlmm::core::orders::{OrderManager, QuoteTarget, RequotePolicy, Targets};
use hlmm::types::commands::{Command, CommandKind, Tif};
use hlmm::types::events::{Fill, OrderStatus, OrderUpdate};
use hlmm::types::outcome::{Accepted, AcceptedStatus, CommandOutcome, OutcomeEvent};
use hlmm::types::{AssetId, Coin, InstrumentSpec, Nanos, Oid, Px, Sz, Tid};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

/// One quote cycle per step: move both quotes, ack every command, stream the updates, fill a
/// little. Returns nothing; all buffers are the caller's.
fn run(
    om: &mut OrderManager,
    spec: &InstrumentSpec,
    out: &mut Vec<Command>,
    steps: u64,
    start: u64,
    prefer_modify: bool,
) {
    let asset = spec.asset;
    let policy = RequotePolicy::new(0, 500_000_000, prefer_modify);
    for step in start..start + steps {
        let now = Nanos(1_000_000_000 + step * 1_000_000);
        let off = 10 * (step % 7) as i64;
        let t =
            |px: i64| QuoteTarget { px: Px(px), sz: Sz(100), reduce_only: false, tif: Tif::Alo };
        let targets = Targets { bid: Some(t(189_000 - off)), ask: Some(t(189_500 + off)) };
        out.clear();
        om.sync(spec, &targets, &policy, now, out);
        for (k, c) in out.iter().enumerate() {
            let oid = Oid(step * 10 + k as u64);
            let (cloid, kind, new_cloid) = match *c {
                Command::Place(r) => (r.cloid, CommandKind::Place, r.cloid),
                Command::Modify { cloid, new, .. } => (cloid, CommandKind::Modify, new.cloid),
                Command::Cancel { cloid, .. } => (cloid, CommandKind::Cancel, cloid),
                Command::CancelAll { .. } => continue,
            };
            let status = if kind == CommandKind::Cancel {
                AcceptedStatus::Canceled
            } else {
                AcceptedStatus::Resting
            };
            let acc = CommandOutcome::Accepted(Accepted { oid: Some(oid), status });
            om.on_outcome(&OutcomeEvent::new(asset, cloid, kind, acc), now);
            let upd_status =
                if kind == CommandKind::Cancel { OrderStatus::Canceled } else { OrderStatus::Open };
            let upd = OrderUpdate {
                asset,
                oid,
                cloid: Some(new_cloid),
                status: upd_status,
                ..OrderUpdate::default()
            };
            om.on_order_update(&upd, now);
            if kind != CommandKind::Cancel {
                let fill = Fill {
                    asset,
                    sz: Sz(1),
                    oid,
                    tid: Tid(step * 10 + k as u64),
                    cloid: Some(new_cloid),
                    ..Fill::default()
                };
                om.on_fill(&fill, now);
            }
        }
        let _ = om.pending_exposure(asset);
        let _ = om.open_orders(asset).count();
    }
}

#[test]
fn steady_state_sync_outcomes_updates_and_fills_allocate_nothing() {
    // The counter itself works.
    counting_alloc::start();
    drop(std::hint::black_box(Vec::<u64>::with_capacity(4)));
    assert_eq!(counting_alloc::stop(), 1);

    let spec = InstrumentSpec::perp(AssetId(1), Coin::new(b"ETH").expect("coin"), 4);
    for prefer_modify in [true, false] {
        let mut om = OrderManager::new(1, 1, 8);
        let mut out = Vec::with_capacity(64);
        // Warm-up: fills every slot and the tid memory once.
        run(&mut om, &spec, &mut out, 2_000, 0, prefer_modify);
        counting_alloc::start();
        run(&mut om, &spec, &mut out, 5_000, 2_000, prefer_modify);
        assert_eq!(counting_alloc::stop(), 0, "prefer_modify = {prefer_modify}");
        assert_eq!(om.stats().invalid_transitions, 0);
        assert_eq!(om.stats().out_full, 0);
        assert_eq!(om.open_orders(spec.asset).count(), 2);
    }
}
