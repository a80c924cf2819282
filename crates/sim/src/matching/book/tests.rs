use super::*;

fn order(oid: u64, owner: u32, side: Side, px: i64, sz: i64) -> RestingOrder {
    RestingOrder {
        oid: Oid(oid),
        owner,
        side,
        px: Px(px),
        sz: Sz(sz),
        orig_sz: Sz(sz),
        cloid: None,
        timestamp: Nanos(oid),
        reduce_only: false,
        tif: Tif::Gtc,
    }
}

#[test]
fn earlier_orders_at_a_price_fill_first() {
    let mut b = OrderBook::new();
    b.insert(order(1, 1, Side::Ask, 100, 5));
    b.insert(order(2, 2, Side::Ask, 100, 5));
    b.insert(order(3, 3, Side::Ask, 99, 5));
    let mut out = Vec::new();
    let filled = b.match_taker(9, Side::Bid, Px(100), Sz(12), &mut out);
    assert_eq!(filled, Sz(12));
    let oids: Vec<u64> = out
        .iter()
        .map(|o| match o {
            MakerOutcome::Fill { order, .. } | MakerOutcome::SelfTrade { order } => order.oid.0,
        })
        .collect();
    assert_eq!(oids, [3, 1, 2]);
    assert_eq!(b.get(Oid(2)).map(|o| o.sz), Some(Sz(3)));
    b.check_invariants().expect("consistent");
}

#[test]
fn self_trade_expires_the_maker_and_matching_continues() {
    let mut b = OrderBook::new();
    b.insert(order(1, 7, Side::Bid, 100, 5));
    b.insert(order(2, 8, Side::Bid, 100, 5));
    let mut out = Vec::new();
    let filled = b.match_taker(7, Side::Ask, Px(100), Sz(5), &mut out);
    assert_eq!(filled, Sz(5));
    assert!(matches!(out[0], MakerOutcome::SelfTrade { order } if order.oid == Oid(1)));
    assert!(matches!(out[1], MakerOutcome::Fill { fill: Sz(5), .. }));
    assert!(b.is_empty());
    b.check_invariants().expect("consistent");
}

#[test]
fn removing_orders_keeps_owner_lists_and_levels_consistent() {
    let mut b = OrderBook::new();
    for i in 0..10 {
        b.insert(order(i, (i % 3) as u32, Side::Bid, 100 - (i as i64 % 4), 1));
    }
    for oid in [0, 5, 9, 3] {
        assert!(b.remove(Oid(oid)).is_some());
    }
    assert!(b.remove(Oid(5)).is_none());
    b.check_invariants().expect("consistent");
    assert_eq!(b.orders_of(0).count(), 1); // oids 0,3,6,9 minus 0,3,9
    assert_eq!(b.orders_in_priority().count(), 6);
    let d: Vec<_> = b.depth(Side::Bid, 2).collect();
    assert_eq!(d[0].px, Px(100));
}
