//! Property tests of the simulator's matching engine: after any sequence of orders, cancels
//! and modifies from several accounts the book is never crossed, every account's position is
//! the sum of its signed fills, and its balance is deposits + closed PnL − fees.

mod sim_matching_support;

use std::collections::HashMap;

use hlmm::sim::actions::{ExchangeAction, LimitOrder, ModifyRequest, SimEvent};
use hlmm::sim::exchange::Exchange;
use hlmm::sim::Address;
use hlmm::types::commands::Tif;
use hlmm::types::{AssetId, Cloid, Nanos, Px, Sz, Usd};
use hlmm::wire::action::{
    CancelAction, CancelByCloidAction, CancelByCloidWire, CancelWire, OrderRef,
};
use proptest::prelude::*;
use sim_matching_support::*;

const USERS: [Address; 4] = [MAKER, TAKER, OTHER, Address([0x44; 20])];
const DEPOSITS: [i64; 4] = [1_000_000, 1_000_000, 1_000_000, 2_000];

#[derive(Debug, Clone)]
struct NewOrder {
    asset: u8,
    is_buy: bool,
    /// Steps from the middle of the grid (BTC: $1, ETH: $0.1).
    offset: i64,
    /// Multiples of roughly $10.
    units: i64,
    tif: u8,
    reduce_only: bool,
    cloid: Option<u8>,
}

#[derive(Debug, Clone)]
enum Op {
    Place { user: usize, order: NewOrder },
    Cancel { user: usize, pick: usize },
    CancelByCloid { user: usize, asset: u8, cloid: u8 },
    Modify { user: usize, pick: usize, order: NewOrder, always_place: bool },
}

fn new_order() -> impl Strategy<Value = NewOrder> {
    (
        0u8..2,
        any::<bool>(),
        -8i64..=8,
        1i64..40,
        0u8..3,
        prop::bool::weighted(0.15),
        prop::option::of(0u8..6),
    )
        .prop_map(|(asset, is_buy, offset, units, tif, reduce_only, cloid)| NewOrder {
            asset,
            is_buy,
            offset,
            units,
            tif,
            reduce_only,
            cloid,
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0usize..4, new_order()).prop_map(|(user, order)| Op::Place { user, order }),
        2 => (0usize..4, any::<usize>()).prop_map(|(user, pick)| Op::Cancel { user, pick }),
        1 => (0usize..4, 0u8..2, 0u8..6).prop_map(|(user, asset, cloid)| Op::CancelByCloid { user, asset, cloid }),
        2 => (0usize..4, any::<usize>(), new_order(), any::<bool>())
            .prop_map(|(user, pick, order, always_place)| Op::Modify { user, pick, order, always_place }),
    ]
}

fn request(o: &NewOrder) -> LimitOrder {
    let (asset, px, lots) = if o.asset == 0 {
        (BTC, Px(500_000 + o.offset * 10), 20 * o.units) // $1 steps; 0.0002 BTC ≈ $10
    } else {
        (ETH, Px(200_000 + o.offset * 10), 50 * o.units) // $0.1 steps; 0.005 ETH ≈ $10
    };
    LimitOrder {
        asset,
        is_buy: o.is_buy,
        px,
        sz: Sz(lots),
        reduce_only: o.reduce_only,
        tif: [Tif::Alo, Tif::Ioc, Tif::Gtc][o.tif as usize],
        cloid: o.cloid.map(|c| Cloid(u128::from(c) + 1)),
    }
}

fn asset_of(a: u8) -> AssetId {
    if a == 0 {
        BTC
    } else {
        ETH
    }
}

fn fresh() -> Exchange {
    let mut ex = venue();
    ex.deposit(USERS[3], Usd::from_dollars(DEPOSITS[3]));
    for (u, d) in USERS.iter().zip(DEPOSITS).take(3) {
        ex.deposit(*u, Usd::from_dollars(d - 100_000));
    }
    ex
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn book_never_crosses_and_positions_equal_signed_fills(ops in prop::collection::vec(op(), 1..80)) {
        let mut ex = fresh();
        let mut fills: HashMap<(Address, AssetId), i64> = HashMap::new();
        let mut pnl_minus_fees: HashMap<Address, i64> = HashMap::new();
        let mut trades = 0usize;
        let mut fill_events = 0usize;
        for (i, op) in ops.iter().enumerate() {
            let now = Nanos(T0.0 + i as u64 * 1_000_000);
            let (user, action) = match op {
                Op::Place { user, order } => {
                    (USERS[*user], ExchangeAction::Order { orders: vec![request(order)] })
                }
                Op::Cancel { user, pick } => {
                    let open = ex.open_orders(USERS[*user]);
                    let c = if open.is_empty() {
                        CancelWire { asset: BTC, oid: hlmm::types::Oid(*pick as u64 % 50) }
                    } else {
                        let o = open[pick % open.len()];
                        CancelWire { asset: o.spec.asset, oid: o.oid }
                    };
                    (USERS[*user], ExchangeAction::Cancel(CancelAction { cancels: vec![c], fast: false }))
                }
                Op::CancelByCloid { user, asset, cloid } => (
                    USERS[*user],
                    ExchangeAction::CancelByCloid(CancelByCloidAction {
                        cancels: vec![CancelByCloidWire { asset: asset_of(*asset), cloid: Cloid(u128::from(*cloid) + 1) }],
                        fast: false,
                    }),
                ),
                Op::Modify { user, pick, order, always_place } => {
                    let open = ex.open_orders(USERS[*user]);
                    let target = if open.is_empty() {
                        OrderRef::Oid(hlmm::types::Oid(*pick as u64 % 50))
                    } else {
                        OrderRef::Oid(open[pick % open.len()].oid)
                    };
                    let m = ModifyRequest { target, order: request(order) };
                    (USERS[*user], ExchangeAction::BatchModify { modifies: vec![m], always_place: *always_place })
                }
            };
            let (_, events) = ex.apply(user, &action, now);
            for e in &events {
                match e {
                    SimEvent::Fill { user, fill } => {
                        fill_events += 1;
                        *fills.entry((*user, fill.spec.asset)).or_default() += fill.signed_sz();
                        *pnl_minus_fees.entry(*user).or_default() += fill.closed_pnl.0 - fill.fee.0;
                    }
                    SimEvent::Trade(t) => {
                        trades += 1;
                        prop_assert_ne!(t.buyer, t.seller, "self-trade printed");
                    }
                    _ => {}
                }
            }
            if let Err(e) = ex.check_invariants() {
                prop_assert!(false, "after op {}: {}", i, e);
            }
            for (b, a) in [BTC, ETH].map(|a| (ex.book(a).map(|b| (b.best_bid(), b.best_ask())), a)) {
                if let Some((Some(bid), Some(ask))) = b {
                    prop_assert!(bid < ask, "asset {:?} crossed: {:?} >= {:?}", a, bid, ask);
                }
            }
        }
        prop_assert_eq!(fill_events, 2 * trades);
        for (u, dep) in USERS.iter().zip(DEPOSITS) {
            let acct = ex.account(*u).expect("funded");
            for (m, asset) in [BTC, ETH].iter().enumerate() {
                let expected = fills.get(&(*u, *asset)).copied().unwrap_or(0);
                prop_assert_eq!(acct.positions[m].szi.0, expected, "position of {} in {:?}", u, asset);
            }
            let expected_balance = Usd::from_dollars(dep).0 + pnl_minus_fees.get(u).copied().unwrap_or(0);
            prop_assert_eq!(acct.balance.0, expected_balance, "balance of {}", u);
        }
        for (m, _) in [BTC, ETH].iter().enumerate() {
            let net: i64 = ex.accounts().iter().map(|a| a.positions[m].szi.0).sum();
            prop_assert_eq!(net, 0, "positions are zero-sum");
        }
    }

    #[test]
    fn snapshot_restore_is_lossless_after_random_trading(ops in prop::collection::vec(op(), 1..40)) {
        let mut ex = fresh();
        for (i, op) in ops.iter().enumerate() {
            if let Op::Place { user, order } = op {
                let action = ExchangeAction::Order { orders: vec![request(order)] };
                ex.apply(USERS[*user], &action, Nanos(T0.0 + i as u64));
            }
        }
        let restored = Exchange::restore_json(&ex.snapshot_json());
        prop_assert!(restored.is_ok(), "{:?}", restored.err());
        prop_assert_eq!(restored.map(|r| r.snapshot()).ok(), Some(ex.snapshot()));
    }
}
