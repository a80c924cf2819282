//! Reconciliation: local orders and positions against a venue snapshot.

use hlmm::core::orders::{OrderManager, OrderState, OrderView};
use hlmm::core::reconcile::{
    reconcile, reconcile_with, CancelReason, Correction, LocalView, ReconcileOptions, UnknownOurs,
    VenueOrder, VenuePosition, VenueSnapshot,
};
use hlmm::types::cloid::make;
use hlmm::types::commands::Tif;
use hlmm::types::{AssetId, Cloid, Nanos, Oid, Px, Side, Sz};

const PREFIX: u32 = 0x00c0_ffee;
const BTC: AssetId = AssetId(0);
const ETH: AssetId = AssetId(1);

fn ours(n: u64) -> Cloid {
    make(PREFIX, 1, n)
}

fn venue_order(asset: AssetId, oid: u64, cloid: Option<Cloid>) -> VenueOrder {
    VenueOrder { asset, oid: Oid(oid), cloid, side: Side::Bid, px: Px(100), sz: Sz(10) }
}

fn local_order(asset: AssetId, cloid: Cloid, state: OrderState) -> OrderView {
    OrderView {
        asset,
        cloid,
        oid: state.oid(),
        side: Side::Bid,
        px: Px(100),
        sz: Sz(10),
        filled: Sz(0),
        tif: Tif::Alo,
        reduce_only: false,
        state,
        placed_at: Nanos(0),
        updated_at: Nanos(0),
    }
}

struct Case {
    name: &'static str,
    local: LocalView,
    venue: VenueSnapshot,
    opts: ReconcileOptions,
    want: Vec<Correction>,
}

fn quoted(orders: Vec<OrderView>, positions: Vec<(AssetId, Sz)>) -> LocalView {
    LocalView { orders, positions, quoted_assets: vec![BTC, ETH] }
}

fn snapshot(open_orders: Vec<VenueOrder>, positions: Vec<VenuePosition>) -> VenueSnapshot {
    VenueSnapshot { positions, open_orders, ..VenueSnapshot::default() }
}

#[test]
fn reconciliation_cases() {
    let adopt = ReconcileOptions::new(PREFIX);
    let open = |n: u64| OrderState::Open { oid: Oid(n) };
    let external = Cloid(0x1234);
    let cases = vec![
        Case {
            name: "same orders and positions on both sides, so nothing to fix",
            local: quoted(vec![local_order(ETH, ours(1), open(11))], vec![(ETH, Sz(5))]),
            venue: snapshot(
                vec![venue_order(ETH, 11, Some(ours(1)))],
                vec![VenuePosition { asset: ETH, szi: Sz(5) }],
            ),
            opts: adopt,
            want: vec![],
        },
        Case {
            name: "ours by prefix at the venue, unknown locally, so adopt it",
            local: quoted(vec![], vec![]),
            venue: snapshot(vec![venue_order(ETH, 11, Some(ours(7)))], vec![]),
            opts: adopt,
            want: vec![Correction::AdoptOrder(venue_order(ETH, 11, Some(ours(7))))],
        },
        Case {
            name: "ours from an earlier run, policy cancel, so cancel it",
            local: quoted(vec![], vec![]),
            venue: snapshot(vec![venue_order(ETH, 11, Some(make(PREFIX, 0, 3)))], vec![]),
            opts: ReconcileOptions { unknown_ours: UnknownOurs::Cancel, ..adopt },
            want: vec![Correction::CancelOrder {
                order: venue_order(ETH, 11, Some(make(PREFIX, 0, 3))),
                reason: CancelReason::OursNotTracked,
            }],
        },
        Case {
            name: "ours on an asset we no longer quote, so cancel it",
            local: LocalView { quoted_assets: vec![BTC], ..quoted(vec![], vec![]) },
            venue: snapshot(vec![venue_order(ETH, 11, Some(ours(7)))], vec![]),
            opts: adopt,
            want: vec![Correction::CancelOrder {
                order: venue_order(ETH, 11, Some(ours(7))),
                reason: CancelReason::OursOnUnquotedAsset,
            }],
        },
        Case {
            name: "not ours (placed from the ui), so leave it",
            local: quoted(vec![], vec![]),
            venue: snapshot(
                vec![venue_order(ETH, 12, Some(external)), venue_order(ETH, 13, None)],
                vec![],
            ),
            opts: adopt,
            want: vec![
                Correction::LeaveExternal(venue_order(ETH, 12, Some(external))),
                Correction::LeaveExternal(venue_order(ETH, 13, None)),
            ],
        },
        Case {
            name: "not ours, cancel-external configured, so cancel it",
            local: quoted(vec![], vec![]),
            venue: snapshot(vec![venue_order(ETH, 12, Some(external))], vec![]),
            opts: ReconcileOptions { cancel_external: true, ..adopt },
            want: vec![Correction::CancelOrder {
                order: venue_order(ETH, 12, Some(external)),
                reason: CancelReason::External,
            }],
        },
        Case {
            name: "live locally, absent at the venue, no action in flight, so forget it",
            local: quoted(vec![local_order(ETH, ours(1), open(11))], vec![]),
            venue: snapshot(vec![], vec![]),
            opts: adopt,
            want: vec![Correction::ForgetOrder { asset: ETH, cloid: ours(1), oid: Some(Oid(11)) }],
        },
        Case {
            name: "ambiguous placement absent at the venue, so forget it",
            local: quoted(vec![local_order(ETH, ours(1), OrderState::NewAmbiguous)], vec![]),
            venue: snapshot(vec![], vec![]),
            opts: adopt,
            want: vec![Correction::ForgetOrder { asset: ETH, cloid: ours(1), oid: None }],
        },
        Case {
            name: "placement in flight absent at the venue, so wait for its outcome",
            local: quoted(
                vec![
                    local_order(ETH, ours(1), OrderState::PendingNew),
                    local_order(ETH, ours(2), OrderState::PendingCancel { oid: Some(Oid(5)) }),
                ],
                vec![],
            ),
            venue: snapshot(vec![], vec![]),
            opts: adopt,
            want: vec![],
        },
        Case {
            name: "ambiguous placement resting at the venue, so confirm it open",
            local: quoted(vec![local_order(ETH, ours(1), OrderState::NewAmbiguous)], vec![]),
            venue: snapshot(vec![venue_order(ETH, 11, Some(ours(1)))], vec![]),
            opts: adopt,
            want: vec![Correction::ConfirmOrder { asset: ETH, cloid: ours(1), oid: Oid(11) }],
        },
        Case {
            name: "a modify kept the cloid but changed the oid, so confirm the new oid",
            local: quoted(vec![local_order(ETH, ours(1), open(11))], vec![]),
            venue: snapshot(vec![venue_order(ETH, 12, Some(ours(1)))], vec![]),
            opts: adopt,
            want: vec![Correction::ConfirmOrder { asset: ETH, cloid: ours(1), oid: Oid(12) }],
        },
        Case {
            name: "positions differ, so report the mismatch with both sizes",
            local: quoted(vec![], vec![(ETH, Sz(5)), (BTC, Sz(-2))]),
            venue: snapshot(
                vec![],
                vec![
                    VenuePosition { asset: ETH, szi: Sz(7) },
                    VenuePosition { asset: BTC, szi: Sz(-2) },
                ],
            ),
            opts: adopt,
            want: vec![Correction::PositionMismatch { asset: ETH, local: Sz(5), venue: Sz(7) }],
        },
        Case {
            name: "a venue position we do not know, so report it (missing locally is not flat)",
            local: quoted(vec![], vec![]),
            venue: snapshot(vec![], vec![VenuePosition { asset: BTC, szi: Sz(3) }]),
            opts: adopt,
            want: vec![Correction::PositionMismatch { asset: BTC, local: Sz(0), venue: Sz(3) }],
        },
        Case {
            name: "a local position the venue does not list, so the venue says flat: mismatch",
            local: quoted(vec![], vec![(BTC, Sz(3))]),
            venue: snapshot(vec![], vec![]),
            opts: adopt,
            want: vec![Correction::PositionMismatch { asset: BTC, local: Sz(3), venue: Sz(0) }],
        },
    ];
    let mut failures = Vec::new();
    for c in &cases {
        let got = reconcile_with(&c.local, &c.venue, &c.opts);
        if got.items != c.want {
            failures.push(format!("{}:\n  want {:?}\n  got  {:?}", c.name, c.want, got.items));
        }
        if c.want.iter().all(|w| matches!(w, Correction::LeaveExternal(_))) != got.is_clean() {
            failures.push(format!("{}: is_clean disagrees", c.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn applying_the_corrections_makes_a_second_reconciliation_clean() {
    let mut om = OrderManager::new(PREFIX, 2, 4);
    let now = Nanos(5);
    // Restart: the venue still has two of ours from run 1 and one external order.
    let venue = snapshot(
        vec![
            venue_order(ETH, 11, Some(make(PREFIX, 1, 1))),
            venue_order(ETH, 12, Some(make(PREFIX, 1, 2))),
            venue_order(ETH, 13, Some(Cloid(0x99))),
        ],
        vec![VenuePosition { asset: ETH, szi: Sz(4) }],
    );
    let local = |om: &OrderManager| {
        let mut orders = Vec::new();
        om.collect_live_orders(&mut orders);
        LocalView { orders, positions: vec![(ETH, Sz(4))], quoted_assets: vec![ETH] }
    };
    let first = reconcile(&local(&om), &venue, PREFIX);
    assert_eq!(first.items.len(), 3);
    for c in &first.items {
        om.apply_correction(c, now);
    }
    assert_eq!(om.open_orders(ETH).count(), 2);
    assert_eq!(om.stats().adopted, 2);
    let second = reconcile(&local(&om), &venue, PREFIX);
    assert!(second.is_clean(), "{:?}", second.items);

    // The venue then loses one order (filled while we were away): forgetting it closes it.
    let later = snapshot(vec![venue.open_orders[0], venue.open_orders[2]], venue.positions.clone());
    let third = reconcile(&local(&om), &later, PREFIX);
    assert_eq!(
        third.items[1],
        Correction::ForgetOrder { asset: ETH, cloid: make(PREFIX, 1, 2), oid: Some(Oid(12)) }
    );
    for c in &third.items {
        om.apply_correction(c, now);
    }
    assert!(reconcile(&local(&om), &later, PREFIX).is_clean());
    assert_eq!(om.order(ETH, make(PREFIX, 1, 2)).map(|v| v.state), Some(OrderState::Canceled));
}

#[test]
fn a_position_mismatch_names_the_asset_for_reducing() {
    let c = reconcile(
        &quoted(vec![], vec![(ETH, Sz(1))]),
        &snapshot(vec![], vec![VenuePosition { asset: ETH, szi: Sz(2) }]),
        PREFIX,
    );
    assert_eq!(c.mismatched_assets().collect::<Vec<_>>(), vec![ETH]);
}
