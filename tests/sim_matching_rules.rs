//! The simulator's order rules: validation strings, matching, STP, IOC, modify, cancel.

mod sim_matching_support;

use hlmm::sim::actions::{
    CancelStatus, ExchangeAction, ExchangeResponse, LimitOrder, ModifyRequest, OrderStatusResp,
    SimEvent, SimOrderStatus,
};
use hlmm::sim::exchange::{Exchange, ExchangeConfig, MODIFY_INVALID_NEW};
use hlmm::sim::matching::{parse_order_px, parse_order_sz, OrderRejection};
use hlmm::types::commands::Tif;
use hlmm::types::{AssetId, Cloid, Oid, Sz, Usd};
use hlmm::wire::action::{
    CancelAction, CancelByCloidAction, CancelByCloidWire, CancelWire, OrderRef,
};
use sim_matching_support::*;

fn resting_btc_book(ex: &mut Exchange) {
    send(ex, MAKER, order(BTC, true, "49999", "0.1", Tif::Gtc), T0);
    send(ex, MAKER, order(BTC, false, "50001", "0.1", Tif::Gtc), T0);
}

fn long_one_tenth_btc(ex: &mut Exchange) {
    send(ex, MAKER, order(BTC, false, "50001", "0.1", Tif::Gtc), T0);
    send(ex, TAKER, order(BTC, true, "50001", "0.1", Tif::Ioc), T0);
}

#[test]
fn every_validation_rule_answers_with_the_venue_string() {
    struct Case {
        name: &'static str,
        config: ExchangeConfig,
        setup: fn(&mut Exchange),
        user: hlmm::sim::Address,
        order: LimitOrder,
        expected: &'static str,
    }
    let none: fn(&mut Exchange) = |_| {};
    let cases = [
        Case {
            name: "a price with six significant figures is off the tick grid",
            config: ExchangeConfig::default(),
            setup: none,
            user: TAKER,
            order: order(ETH, true, "2000.05", "0.01", Tif::Gtc),
            expected: "Price must be divisible by tick size.",
        },
        Case {
            name: "a zero size is an invalid size",
            config: ExchangeConfig::default(),
            setup: none,
            user: TAKER,
            order: order(BTC, true, "50000", "0", Tif::Gtc),
            expected: "Order has invalid size.",
        },
        Case {
            name: "an order worth less than $10 is refused",
            config: ExchangeConfig::default(),
            setup: none,
            user: TAKER,
            order: order(BTC, true, "50000", "0.0001", Tif::Gtc),
            expected: "Order must have minimum value of $10.",
        },
        Case {
            name: "a post-only bid at the ask is refused with the bbo",
            config: ExchangeConfig::default(),
            setup: resting_btc_book,
            user: TAKER,
            order: order(BTC, true, "50001", "0.01", Tif::Alo),
            expected: "Post only order would have immediately matched, bbo was 49999@50001.",
        },
        Case {
            name: "an IOC against an empty side is refused",
            config: ExchangeConfig::default(),
            setup: none,
            user: TAKER,
            order: order(BTC, true, "50000", "0.01", Tif::Ioc),
            expected: "Order could not immediately match against any resting orders.",
        },
        Case {
            name: "a reduce-only order with no position is refused",
            config: ExchangeConfig::default(),
            setup: none,
            user: TAKER,
            order: reduce_only(order(BTC, false, "50000", "0.01", Tif::Gtc)),
            expected: "Reduce only order would increase position.",
        },
        Case {
            name: "a reduce-only buy on a long position is refused",
            config: ExchangeConfig::default(),
            setup: long_one_tenth_btc,
            user: TAKER,
            order: reduce_only(order(BTC, true, "49000", "0.01", Tif::Gtc)),
            expected: "Reduce only order would increase position.",
        },
        Case {
            name: "an order beyond the account's margin is refused",
            config: ExchangeConfig::default(),
            setup: none,
            user: TAKER,
            // $5 000 000 at 20x needs $250 000 of margin; the account has $100 000.
            order: order(BTC, true, "50000", "100", Tif::Gtc),
            expected: "Insufficient margin to place order.",
        },
        Case {
            name: "an order beyond the open-order cap is refused",
            config: ExchangeConfig { open_order_cap: 2, ..ExchangeConfig::default() },
            setup: resting_btc_book,
            user: MAKER,
            order: order(BTC, true, "49000", "0.01", Tif::Gtc),
            expected: "Too many open orders.",
        },
        Case {
            name: "an unlisted asset is refused",
            config: ExchangeConfig::default(),
            setup: none,
            user: TAKER,
            order: LimitOrder { asset: AssetId(77), ..order(BTC, true, "50000", "0.01", Tif::Gtc) },
            expected: "Invalid asset.",
        },
    ];
    for case in cases {
        let mut ex = venue_with(case.config);
        (case.setup)(&mut ex);
        let before = ex.book(BTC).map(|b| b.len());
        let (status, events) = send(&mut ex, case.user, case.order, T0);
        assert_eq!(error_of(&status), case.expected, "{}", case.name);
        assert!(events.is_empty(), "{}: a rejected order emits nothing: {events:?}", case.name);
        assert_eq!(ex.book(BTC).map(|b| b.len()), before, "{}", case.name);
        ex.check_invariants().expect("consistent");
    }
}

#[test]
fn wire_prices_and_sizes_with_too_many_decimals_map_to_the_venue_errors() {
    let cases: [(&str, Result<(), OrderRejection>); 2] =
        [("50000.05", Err(OrderRejection::Tick)), ("50000.5", Ok(()))];
    for (text, expected) in cases {
        assert_eq!(parse_order_px(&btc_spec(), text.as_bytes()).map(|_| ()), expected, "{text}");
    }
    assert_eq!(parse_order_sz(&btc_spec(), b"0.000001"), Err(OrderRejection::InvalidSize));
    assert_eq!(OrderRejection::InvalidSize.message(), "Order has invalid size.");
    assert_eq!(OrderRejection::Tick.status_name(), "tickRejected");
}

#[test]
fn alo_that_would_cross_is_rejected_with_the_bbo() {
    let mut ex = venue();
    resting_btc_book(&mut ex);
    let (status, _) = send(&mut ex, TAKER, order(BTC, false, "49999", "0.01", Tif::Alo), T0);
    assert_eq!(
        error_of(&status),
        "Post only order would have immediately matched, bbo was 49999@50001."
    );
    let (status, _) = send(&mut ex, TAKER, order(BTC, false, "50000", "0.01", Tif::Alo), T0);
    assert!(matches!(status, OrderStatusResp::Resting { .. }), "{status:?}");
}

#[test]
fn alo_against_a_one_sided_book_reports_the_only_price() {
    let mut ex = venue();
    send(&mut ex, MAKER, order(ETH, false, "2000.5", "0.01", Tif::Gtc), T0);
    let (status, _) = send(&mut ex, TAKER, order(ETH, true, "2001", "0.01", Tif::Alo), T0);
    assert_eq!(
        error_of(&status),
        "Post only order would have immediately matched, bbo was 2000.5."
    );
}

#[test]
fn self_trade_prevention_expires_the_maker_without_fill_fee_or_trade() {
    let mut ex = venue();
    let (resting, _) = send(&mut ex, MAKER, order(BTC, false, "50000", "0.1", Tif::Gtc), T0);
    send(&mut ex, OTHER, order(BTC, false, "50001", "0.1", Tif::Gtc), T0);
    let balance = ex.account(MAKER).map(|a| a.balance);
    let (status, events) = send(&mut ex, MAKER, order(BTC, true, "50001", "0.1", Tif::Ioc), T0);
    // The own ask at 50000 is expired; the buy trades with OTHER at 50001.
    assert!(matches!(status, OrderStatusResp::Filled { total_sz: Sz(10_000), .. }), "{status:?}");
    let expired: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            SimEvent::OrderUpdate { update, .. }
                if update.status == SimOrderStatus::SelfTradeCanceled =>
            {
                Some(update.oid)
            }
            _ => None,
        })
        .collect();
    assert_eq!(expired, [oid_of(&resting)]);
    let trades: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            SimEvent::Trade(t) => Some(t.px),
            _ => None,
        })
        .collect();
    assert_eq!(trades, [px(BTC, "50001")]);
    let maker_fills = events
        .iter()
        .filter(|e| matches!(e, SimEvent::Fill { user, fill } if *user == MAKER && !fill.crossed))
        .count();
    assert_eq!(maker_fills, 0);
    // MAKER paid only the taker fee on the OTHER fill.
    let fee = ex.user_fills(MAKER).map(|f| f.fee).fold(Usd::ZERO, |a, b| a + b);
    assert_eq!(ex.account(MAKER).map(|a| a.balance), balance.map(|b| b - fee));
    assert_eq!(ex.account(MAKER).map(|a| a.open_orders), Some(0));
    ex.check_invariants().expect("consistent");
}

#[test]
fn ioc_remainder_is_cancelled_after_a_partial_fill() {
    let mut ex = venue();
    send(&mut ex, MAKER, order(BTC, false, "50000", "0.1", Tif::Gtc), T0);
    let (status, events) = send(&mut ex, TAKER, order(BTC, true, "50000", "0.3", Tif::Ioc), T0);
    assert_eq!(
        status.to_venue_json(),
        serde_json::json!({"filled": {"totalSz": "0.1", "avgPx": "50000", "oid": oid_of(&status).0}})
    );
    let taker_update = events.iter().find_map(|e| match e {
        SimEvent::OrderUpdate { user, update } if *user == TAKER => Some(*update),
        _ => None,
    });
    assert_eq!(
        taker_update.map(|u| (u.status, u.sz)),
        Some((SimOrderStatus::Canceled, sz(BTC, "0.2")))
    );
    assert!(ex.book(BTC).is_some_and(|b| b.is_empty()));
}

#[test]
fn ioc_that_only_meets_its_own_orders_is_rejected_after_expiring_them() {
    let mut ex = venue();
    send(&mut ex, TAKER, order(BTC, false, "50000", "0.1", Tif::Gtc), T0);
    let (status, events) = send(&mut ex, TAKER, order(BTC, true, "50000", "0.1", Tif::Ioc), T0);
    assert_eq!(error_of(&status), "Order could not immediately match against any resting orders.");
    assert!(events.iter().any(|e| matches!(e, SimEvent::OrderUpdate { update, .. } if update.status == SimOrderStatus::SelfTradeCanceled)));
    assert!(events.contains(&SimEvent::BookChanged(BTC)));
}

#[test]
fn partial_fill_rests_the_remainder_and_reports_resting() {
    let mut ex = venue();
    send(&mut ex, MAKER, order(BTC, false, "50000", "0.1", Tif::Gtc), T0);
    let (status, _) = send(&mut ex, TAKER, order(BTC, true, "50000", "0.25", Tif::Gtc), T0);
    let oid = oid_of(&status);
    assert!(matches!(status, OrderStatusResp::Resting { .. }));
    let book = ex.book(BTC).expect("listed");
    assert_eq!(book.get(oid).map(|o| (o.sz, o.orig_sz)), Some((sz(BTC, "0.15"), sz(BTC, "0.25"))));
    assert_eq!(book.best_bid(), Some(px(BTC, "50000")));
    assert_eq!(ex.account(TAKER).map(|a| a.positions[0].szi), Some(sz(BTC, "0.1")));
}

#[test]
fn orders_at_one_price_fill_in_time_priority() {
    let mut ex = venue();
    let (first, _) = send(&mut ex, MAKER, order(BTC, false, "50000", "0.1", Tif::Gtc), T0);
    let (second, _) = send(&mut ex, OTHER, order(BTC, false, "50000", "0.1", Tif::Gtc), later(1));
    let (_, events) = send(&mut ex, TAKER, order(BTC, true, "50000", "0.15", Tif::Ioc), later(2));
    let maker_fills: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            SimEvent::Fill { fill, .. } if !fill.crossed => Some((fill.oid, fill.sz)),
            _ => None,
        })
        .collect();
    assert_eq!(maker_fills, [(oid_of(&first), sz(BTC, "0.1")), (oid_of(&second), sz(BTC, "0.05"))]);
}

#[test]
fn better_prices_fill_before_earlier_orders() {
    let mut ex = venue();
    send(&mut ex, MAKER, order(BTC, false, "50010", "0.1", Tif::Gtc), T0);
    send(&mut ex, OTHER, order(BTC, false, "50005", "0.1", Tif::Gtc), later(1));
    let (status, events) =
        send(&mut ex, TAKER, order(BTC, true, "50010", "0.2", Tif::Ioc), later(2));
    let prices: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            SimEvent::Trade(t) => Some(t.px),
            _ => None,
        })
        .collect();
    assert_eq!(prices, [px(BTC, "50005"), px(BTC, "50010")]);
    assert!(
        matches!(status, OrderStatusResp::Filled { avg_px, .. } if avg_px == px(BTC, "50007.5"))
    );
}

#[test]
fn modify_is_cancel_replace_with_a_new_oid() {
    let mut ex = venue();
    let (placed, _) =
        send(&mut ex, MAKER, with_cloid(order(BTC, true, "49000", "0.1", Tif::Alo), 7), T0);
    let old = oid_of(&placed);
    let new_order = with_cloid(order(BTC, true, "49500", "0.2", Tif::Alo), 7);
    let (resp, events) = ex.apply(
        MAKER,
        &ExchangeAction::Modify {
            modify: ModifyRequest { target: OrderRef::Oid(old), order: new_order },
            always_place: false,
        },
        T0,
    );
    assert_eq!(resp, ExchangeResponse::Default);
    let statuses: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            SimEvent::OrderUpdate { update, .. } => Some((update.oid, update.status)),
            _ => None,
        })
        .collect();
    assert_eq!(statuses.len(), 2);
    assert_eq!(statuses[0], (old, SimOrderStatus::Canceled));
    assert_ne!(statuses[1].0, old);
    assert_eq!(statuses[1].1, SimOrderStatus::Open);
    let by_cloid = ex.order_status(MAKER, OrderRef::Cloid(Cloid(7))).expect("resting");
    assert_eq!((by_cloid.oid, by_cloid.limit_px), (statuses[1].0, px(BTC, "49500")));
    ex.check_invariants().expect("consistent");
}

#[test]
fn modify_of_a_filled_order_is_refused() {
    let mut ex = venue();
    let (placed, _) = send(&mut ex, MAKER, order(BTC, false, "50000", "0.1", Tif::Gtc), T0);
    send(&mut ex, TAKER, order(BTC, true, "50000", "0.1", Tif::Ioc), T0);
    let m = ModifyRequest {
        target: OrderRef::Oid(oid_of(&placed)),
        order: order(BTC, false, "50100", "0.1", Tif::Alo),
    };
    let (resp, _) = ex.apply(MAKER, &ExchangeAction::Modify { modify: m, always_place: false }, T0);
    assert_eq!(resp, ExchangeResponse::Err("Cannot modify canceled or filled order".into()));
    let (resp, _) = ex.apply(
        MAKER,
        &ExchangeAction::BatchModify { modifies: vec![m], always_place: false },
        T0,
    );
    assert_eq!(
        resp,
        ExchangeResponse::Order(vec![OrderStatusResp::Error(
            "Cannot modify canceled or filled order".into()
        )])
    );
}

#[test]
fn batch_modify_without_always_place_refuses_a_marketable_replacement() {
    let mut ex = venue();
    resting_btc_book(&mut ex);
    let (placed, _) = send(&mut ex, TAKER, order(BTC, true, "49000", "0.1", Tif::Gtc), T0);
    let m = ModifyRequest {
        target: OrderRef::Oid(oid_of(&placed)),
        order: order(BTC, true, "50001", "0.1", Tif::Gtc),
    };
    let (resp, _) = ex.apply(
        TAKER,
        &ExchangeAction::BatchModify { modifies: vec![m], always_place: false },
        T0,
    );
    assert_eq!(
        resp,
        ExchangeResponse::Order(vec![OrderStatusResp::Error(
            "Error placing new order during modify: Post only order would have immediately matched, bbo was 49999@50001.".into()
        )])
    );
    // The cancel leg already happened.
    assert!(ex.book(BTC).is_some_and(|b| b.get(oid_of(&placed)).is_none()));
    let ioc = ModifyRequest {
        target: OrderRef::Oid(Oid(1)),
        order: order(BTC, true, "50001", "0.1", Tif::Ioc),
    };
    let (resp, _) = ex.apply(
        MAKER,
        &ExchangeAction::BatchModify { modifies: vec![ioc], always_place: false },
        T0,
    );
    assert_eq!(
        resp,
        ExchangeResponse::Order(vec![OrderStatusResp::Error(MODIFY_INVALID_NEW.into())])
    );
}

#[test]
fn batch_modify_with_always_place_may_take() {
    let mut ex = venue();
    resting_btc_book(&mut ex);
    let (placed, _) = send(&mut ex, TAKER, order(BTC, true, "49000", "0.1", Tif::Gtc), T0);
    let m = ModifyRequest {
        target: OrderRef::Oid(oid_of(&placed)),
        order: order(BTC, true, "50001", "0.1", Tif::Gtc),
    };
    let (resp, _) =
        ex.apply(TAKER, &ExchangeAction::BatchModify { modifies: vec![m], always_place: true }, T0);
    assert!(
        matches!(resp, ExchangeResponse::Order(ref s) if matches!(s[0], OrderStatusResp::Filled { .. })),
        "{resp:?}"
    );
}

#[test]
fn cancel_of_a_filled_order_answers_the_exact_error() {
    let mut ex = venue();
    let (placed, _) = send(&mut ex, MAKER, order(BTC, false, "50000", "0.1", Tif::Gtc), T0);
    send(&mut ex, TAKER, order(BTC, true, "50000", "0.1", Tif::Ioc), T0);
    let (resp, _) = ex.apply(
        MAKER,
        &ExchangeAction::Cancel(CancelAction {
            cancels: vec![CancelWire { asset: BTC, oid: oid_of(&placed) }],
            fast: false,
        }),
        T0,
    );
    assert_eq!(
        resp,
        ExchangeResponse::Cancel(vec![CancelStatus::Error(
            "Order was never placed, already canceled, or filled.".into()
        )])
    );
    assert_eq!(
        resp.to_venue_json(),
        serde_json::json!({"status": "ok", "response": {"type": "cancel", "data": {"statuses": [
            {"error": "Order was never placed, already canceled, or filled."}]}}})
    );
}

#[test]
fn cancels_succeed_once_and_only_for_the_owner() {
    let mut ex = venue();
    let (placed, _) =
        send(&mut ex, MAKER, with_cloid(order(BTC, true, "49000", "0.1", Tif::Gtc), 42), T0);
    let oid = oid_of(&placed);
    let by_other = ex
        .apply(
            OTHER,
            &ExchangeAction::Cancel(CancelAction {
                cancels: vec![CancelWire { asset: BTC, oid }],
                fast: false,
            }),
            T0,
        )
        .0;
    assert!(
        matches!(by_other, ExchangeResponse::Cancel(ref s) if matches!(s[0], CancelStatus::Error(_)))
    );
    let wrong_asset = ex
        .apply(
            MAKER,
            &ExchangeAction::Cancel(CancelAction {
                cancels: vec![CancelWire { asset: ETH, oid }],
                fast: false,
            }),
            T0,
        )
        .0;
    assert!(
        matches!(wrong_asset, ExchangeResponse::Cancel(ref s) if matches!(s[0], CancelStatus::Error(_)))
    );
    let cancel = ExchangeAction::CancelByCloid(CancelByCloidAction {
        cancels: vec![CancelByCloidWire { asset: BTC, cloid: Cloid(42) }],
        fast: false,
    });
    let (resp, events) = ex.apply(MAKER, &cancel, T0);
    assert_eq!(
        resp.to_venue_json()["response"]["data"]["statuses"],
        serde_json::json!(["success"])
    );
    assert!(events.iter().any(|e| matches!(e, SimEvent::OrderUpdate { update, .. } if update.status == SimOrderStatus::Canceled)));
    assert_eq!(events.last(), Some(&SimEvent::BookChanged(BTC)));
    let again = ex.apply(MAKER, &cancel, T0).0;
    assert!(
        matches!(again, ExchangeResponse::Cancel(ref s) if matches!(s[0], CancelStatus::Error(_)))
    );
}

#[test]
fn reduce_only_larger_than_the_position_only_closes_it() {
    let mut ex = venue();
    long_one_tenth_btc(&mut ex);
    send(&mut ex, MAKER, order(BTC, true, "49000", "1", Tif::Gtc), T0);
    let (status, _) =
        send(&mut ex, TAKER, reduce_only(order(BTC, false, "49000", "0.5", Tif::Ioc)), T0);
    assert!(
        matches!(status, OrderStatusResp::Filled { total_sz, .. } if total_sz == sz(BTC, "0.1")),
        "{status:?}"
    );
    assert_eq!(ex.account(TAKER).map(|a| a.positions[0].szi), Some(Sz::ZERO));
}

#[test]
fn resting_reduce_only_order_is_cancelled_when_the_position_closes() {
    let mut ex = venue();
    long_one_tenth_btc(&mut ex);
    let (ro, _) =
        send(&mut ex, TAKER, reduce_only(order(BTC, false, "60000", "0.1", Tif::Gtc)), T0);
    send(&mut ex, MAKER, order(BTC, true, "49000", "0.1", Tif::Gtc), T0);
    let (_, events) = send(&mut ex, TAKER, order(BTC, false, "49000", "0.1", Tif::Ioc), T0);
    let cancelled = events.iter().find_map(|e| match e {
        SimEvent::OrderUpdate { update, .. }
            if update.status == SimOrderStatus::ReduceOnlyCanceled =>
        {
            Some(update.oid)
        }
        _ => None,
    });
    assert_eq!(cancelled, Some(oid_of(&ro)));
    ex.check_invariants().expect("consistent");
}

#[test]
fn actions_from_an_unfunded_user_are_refused() {
    let mut ex = venue();
    let stranger = hlmm::sim::Address([0xab; 20]);
    let (resp, _) = ex.apply(stranger, &ExchangeAction::Noop, T0);
    assert_eq!(
        resp.to_venue_json(),
        serde_json::json!({"status": "err", "response": "Must deposit before performing actions. User: 0xabababababababababababababababababababab"})
    );
}

#[test]
fn order_response_json_matches_the_venue_shape() {
    let mut ex = venue();
    let o1 = with_cloid(order(BTC, true, "49000", "0.1", Tif::Gtc), 0x1e60);
    let o2 = order(BTC, true, "49000", "0.0001", Tif::Gtc);
    let (resp, _) = ex.apply(TAKER, &ExchangeAction::Order { orders: vec![o1, o2] }, T0);
    let ExchangeResponse::Order(ref s) = resp else { panic!("{resp:?}") };
    assert_eq!(
        resp.to_venue_json(),
        serde_json::json!({"status": "ok", "response": {"type": "order", "data": {"statuses": [
            {"resting": {"oid": oid_of(&s[0]).0, "cloid": "0x00000000000000000000000000001e60"}},
            {"error": "Order must have minimum value of $10."}
        ]}}})
    );
}
