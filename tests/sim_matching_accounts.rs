//! The simulator's accounts: fees and rebates, closed PnL, funding, margin, leverage,
//! `clearinghouseState`, fill/trade/book JSON, snapshot and restore.

mod sim_matching_support;

use hlmm::sim::accounts::FeeSchedule;
use hlmm::sim::actions::{ExchangeAction, ExchangeResponse, OrderStatusResp, SimEvent};
use hlmm::sim::exchange::{Exchange, INVALID_LEVERAGE};
use hlmm::types::commands::Tif;
use hlmm::types::{Cloid, Rate, Sz, Usd};
use hlmm::wire::action::{OrderRef, ScheduleCancelAction, UpdateLeverageAction};
use serde_json::json;
use sim_matching_support::*;

/// MAKER rests an ask of 0.1 BTC at 50000, TAKER lifts it: $5000 notional.
fn one_trade(ex: &mut Exchange) -> Vec<SimEvent> {
    send(ex, MAKER, order(BTC, false, "50000", "0.1", Tif::Gtc), T0);
    send(ex, TAKER, order(BTC, true, "50000", "0.1", Tif::Ioc), T0).1
}

fn balance(ex: &Exchange, u: hlmm::sim::Address) -> Usd {
    ex.account(u).map(|a| a.balance).expect("account")
}

#[test]
fn taker_pays_the_taker_rate_and_maker_the_maker_rate() {
    let mut ex = venue();
    let events = one_trade(&mut ex);
    let fees: Vec<(bool, Usd)> = events
        .iter()
        .filter_map(|e| match e {
            SimEvent::Fill { fill, .. } => Some((fill.crossed, fill.fee)),
            _ => None,
        })
        .collect();
    // 0.045 % and 0.015 % of $5000.
    assert_eq!(fees, [(true, Usd(2_250_000)), (false, Usd(750_000))]);
    assert_eq!(balance(&ex, TAKER), Usd::from_dollars(100_000) - Usd(2_250_000));
    assert_eq!(balance(&ex, MAKER), Usd::from_dollars(100_000) - Usd(750_000));
}

#[test]
fn negative_maker_fee_is_a_rebate() {
    let mut ex = venue();
    ex.set_fees(MAKER, Some(FeeSchedule { taker: Rate(450_000_000), maker: Rate(-20_000_000) }));
    let events = one_trade(&mut ex);
    let maker_fill = events
        .iter()
        .find_map(|e| match e {
            SimEvent::Fill { user, fill } if *user == MAKER => Some(*fill),
            _ => None,
        })
        .expect("maker fill");
    assert_eq!(maker_fill.fee, Usd(-100_000)); // −0.002 % of $5000
    assert_eq!(maker_fill.to_venue_json()["fee"], json!("-0.1"));
    assert_eq!(balance(&ex, MAKER), Usd::from_dollars(100_000) + Usd(100_000));
}

#[test]
fn closing_above_entry_realises_closed_pnl_before_fees() {
    let mut ex = venue();
    one_trade(&mut ex);
    send(&mut ex, OTHER, order(BTC, true, "51000", "0.1", Tif::Gtc), T0);
    let (_, events) = send(&mut ex, TAKER, order(BTC, false, "51000", "0.1", Tif::Ioc), T0);
    let close = events
        .iter()
        .find_map(|e| match e {
            SimEvent::Fill { user, fill } if *user == TAKER => Some(*fill),
            _ => None,
        })
        .expect("taker fill");
    assert_eq!(close.closed_pnl, Usd::from_dollars(100));
    assert_eq!(close.dir.as_wire(), "Close Long");
    assert_eq!(close.start_position, sz(BTC, "0.1"));
    let fees = ex.user_fills(TAKER).map(|f| f.fee).fold(Usd::ZERO, |a, b| a + b);
    assert_eq!(balance(&ex, TAKER), Usd::from_dollars(100_100) - fees);
    assert_eq!(ex.account(TAKER).map(|a| a.positions[0].szi), Some(Sz::ZERO));
}

#[test]
fn positive_funding_rate_makes_longs_pay_shorts() {
    let cases: [(&str, i64, i64); 3] = [
        ("base rate: the long pays", 12_500_000, -62_500),
        ("negative rate: the long receives", -12_500_000, 62_500),
        ("zero rate: nothing moves", 0, 0),
    ];
    for (name, rate, long_usdc) in cases {
        let mut ex = venue();
        one_trade(&mut ex); // TAKER long 0.1 BTC, MAKER short 0.1 BTC
        let (tb, mb) = (balance(&ex, TAKER), balance(&ex, MAKER));
        let mut events = Vec::new();
        ex.settle_funding(BTC, Rate(rate), later(3_600_000), &mut events).expect("listed");
        // payment = szi · oraclePx · rate = 0.1 · 50000 · 0.0000125 = $0.0625.
        assert_eq!(balance(&ex, TAKER), tb + Usd(long_usdc), "{name}");
        assert_eq!(balance(&ex, MAKER), mb - Usd(long_usdc), "{name}");
        let taker_event = events.iter().find_map(|e| match e {
            SimEvent::Funding { user, funding } if *user == TAKER => Some(funding.to_venue_json()),
            _ => None,
        });
        let expected_usdc = hlmm::sim::actions::usd_wire(Usd(long_usdc)).as_str().to_owned();
        assert_eq!(taker_event.map(|j| j["usdc"].clone()), Some(json!(expected_usdc)), "{name}");
    }
}

#[test]
fn funding_rate_from_premium_follows_the_venue_formula() {
    // F = P + clamp(0.0001 − P, −0.0005, 0.0005), hourly F / 8, capped at 4 %/h.
    let cases: [(&str, i64, i64); 4] = [
        ("zero premium pays the base interest", 0, 12_500_000),
        ("a high premium is clamped by 0.05 %", 1_000_000_000, 62_500_000),
        ("a low premium is clamped by 0.05 %", -1_000_000_000, -62_500_000),
        ("the hourly cap is 4 %", 1_000_000_000_000, 40_000_000_000),
    ];
    for (name, premium, hourly) in cases {
        assert_eq!(Exchange::funding_rate_from_premium(Rate(premium)), Rate(hourly), "{name}");
    }
    let mut ex = venue();
    for p in [0, 200_000_000] {
        ex.sample_premium(ETH, Rate(p)).expect("listed");
    }
    let mut events = Vec::new();
    let rate = ex.settle_funding_from_premiums(ETH, T0, &mut events).expect("listed");
    assert_eq!(rate, Exchange::funding_rate_from_premium(Rate(100_000_000)));
}

#[test]
fn resting_orders_on_one_side_use_margin_and_the_other_side_nets() {
    let mut ex = venue();
    let poor = hlmm::sim::Address([0x44; 20]);
    ex.deposit(poor, Usd::from_dollars(1_000)); // 20x: $20 000 of exposure
    let ok = |s: &OrderStatusResp| matches!(s, OrderStatusResp::Resting { .. });
    assert!(ok(&send(&mut ex, poor, order(BTC, true, "40000", "0.375", Tif::Gtc), T0).0)); // $15 000
    assert!(ok(&send(&mut ex, poor, order(BTC, false, "60000", "0.25", Tif::Gtc), T0).0)); // $15 000
    let (refused, _) = send(&mut ex, poor, order(ETH, true, "1000", "10", Tif::Gtc), T0); // + $10 000
    assert_eq!(error_of(&refused), "Insufficient margin to place order.");
    let lev = ExchangeAction::UpdateLeverage(UpdateLeverageAction {
        asset: BTC,
        is_cross: true,
        leverage: 40,
    });
    assert_eq!(ex.apply(poor, &lev, T0).0, ExchangeResponse::Default);
    assert!(ok(&send(&mut ex, poor, order(ETH, true, "1000", "10", Tif::Gtc), T0).0));
}

#[test]
fn leverage_outside_one_to_max_is_refused() {
    let mut ex = venue();
    for lev in [0, 41] {
        let (resp, _) = ex.apply(
            TAKER,
            &ExchangeAction::UpdateLeverage(UpdateLeverageAction {
                asset: BTC,
                is_cross: true,
                leverage: lev,
            }),
            T0,
        );
        assert_eq!(resp, ExchangeResponse::Err(INVALID_LEVERAGE.into()), "leverage {lev}");
    }
    assert_eq!(
        ex.apply(TAKER, &ExchangeAction::Noop, T0).0.to_venue_json(),
        json!({"status": "ok", "response": {"type": "default"}})
    );
}

#[test]
fn clearinghouse_state_reports_positions_at_the_mark() {
    let mut ex = venue();
    one_trade(&mut ex);
    ex.set_prices(BTC, px(BTC, "51000"), px(BTC, "51000")).expect("listed");
    let state = ex.clearinghouse_state(TAKER, T0).expect("account").to_venue_json();
    let pos = &state["assetPositions"][0];
    assert_eq!(pos["type"], json!("oneWay"));
    let p = &pos["position"];
    assert_eq!(p["coin"], json!("BTC"));
    assert_eq!(p["szi"], json!("0.1"));
    assert_eq!(p["entryPx"], json!("50000"));
    assert_eq!(p["leverage"], json!({"type": "cross", "value": 20}));
    assert_eq!(p["positionValue"], json!("5100"));
    assert_eq!(p["unrealizedPnl"], json!("100"));
    assert_eq!(p["marginUsed"], json!("255"));
    assert_eq!(p["maxLeverage"], json!(40));
    assert_eq!(p["returnOnEquity"], json!("0.4")); // $100 on $250 of entry margin
                                                   // $100 000 behind a $5100 long: it cannot be liquidated above zero.
    assert_eq!(p["liquidationPx"], json!(null));
    assert_eq!(p["cumFunding"], json!({"allTime": "0", "sinceOpen": "0", "sinceChange": "0"}));
    assert_eq!(state["marginSummary"]["accountValue"], json!("100097.75"));
    assert_eq!(state["marginSummary"]["totalNtlPos"], json!("5100"));
    assert_eq!(state["marginSummary"]["totalRawUsd"], json!("94997.75"));
    assert_eq!(state["crossMarginSummary"], state["marginSummary"]);
    assert_eq!(state["withdrawable"], json!("99842.75"));
    assert_eq!(state["time"], json!(T0.as_millis()));
}

#[test]
fn a_thinly_funded_long_has_a_liquidation_price_below_the_mark() {
    let mut ex = venue();
    let poor = hlmm::sim::Address([0x44; 20]);
    ex.deposit(poor, Usd::from_dollars(1_000));
    send(&mut ex, MAKER, order(BTC, false, "50000", "0.1", Tif::Gtc), T0);
    send(&mut ex, poor, order(BTC, true, "50000", "0.1", Tif::Ioc), T0);
    let state = ex.clearinghouse_state(poor, T0).expect("account");
    let liq = state.positions[0].liquidation_px.expect("a liquidation price");
    // mark − (account value − maintenance) · 2M / (|szi| · (2M − 1)), M = 40:
    // 50000 − (997.75 − 62.5) · 80 / (0.1 · 79) = 40529.11, the shift truncated to the
    // price unit (0.1), which errs toward the mark.
    assert_eq!(btc_spec().px_wire(liq).as_str(), "40529.2");
}

#[test]
fn fills_and_trades_carry_every_venue_field() {
    let mut ex = venue();
    let events = one_trade(&mut ex);
    let fill = events
        .iter()
        .find_map(|e| match e {
            SimEvent::Fill { user, fill } if *user == TAKER => Some(fill.to_venue_json()),
            _ => None,
        })
        .expect("taker fill");
    for key in [
        "coin",
        "px",
        "sz",
        "side",
        "time",
        "startPosition",
        "dir",
        "closedPnl",
        "hash",
        "oid",
        "crossed",
        "fee",
        "tid",
        "feeToken",
    ] {
        assert!(fill.get(key).is_some(), "fill lacks {key}: {fill}");
    }
    assert_eq!(fill["side"], json!("B"));
    assert_eq!(fill["dir"], json!("Open Long"));
    assert_eq!(fill["crossed"], json!(true));
    assert_eq!(fill["feeToken"], json!("USDC"));
    assert_eq!(fill["time"], json!(T0.as_millis()));
    assert_eq!(fill["hash"].as_str().map(str::len), Some(66));
    assert!(fill["tid"].as_u64().is_some_and(|t| t < 1 << 50));
    let trade = events
        .iter()
        .find_map(|e| match e {
            SimEvent::Trade(t) => Some(t.to_venue_json()),
            _ => None,
        })
        .expect("trade");
    assert_eq!(trade["users"], json!([TAKER.to_string(), MAKER.to_string()]));
    assert_eq!(trade["tid"], fill["tid"]);
    assert_eq!(
        (trade["px"].clone(), trade["sz"].clone(), trade["side"].clone()),
        (json!("50000"), json!("0.1"), json!("B"))
    );
}

#[test]
fn l2_book_aggregates_levels_best_first() {
    let mut ex = venue();
    for (p, s) in [("49999", "0.1"), ("49999", "0.2"), ("49998", "0.1")] {
        send(&mut ex, MAKER, order(BTC, true, p, s, Tif::Gtc), T0);
    }
    send(&mut ex, MAKER, order(BTC, false, "50001", "0.5", Tif::Gtc), T0);
    let book = ex.l2_book(BTC, 20, T0).expect("listed").to_venue_json();
    assert_eq!(
        book,
        json!({"coin": "BTC", "time": T0.as_millis(), "levels": [
            [{"px": "49999", "sz": "0.3", "n": 2}, {"px": "49998", "sz": "0.1", "n": 1}],
            [{"px": "50001", "sz": "0.5", "n": 1}]
        ]})
    );
}

#[test]
fn snapshot_round_trips_through_json_and_behaves_identically() {
    let mut ex = venue();
    one_trade(&mut ex);
    send(&mut ex, MAKER, with_cloid(order(BTC, true, "49000", "0.2", Tif::Alo), 5), T0);
    send(&mut ex, OTHER, order(BTC, true, "49000", "0.1", Tif::Gtc), later(1));
    send(&mut ex, TAKER, reduce_only(order(BTC, false, "52000", "0.05", Tif::Gtc)), later(2));
    ex.credit_volume(TAKER, Usd::from_dollars(2_000_000));
    ex.apply(
        TAKER,
        &ExchangeAction::ScheduleCancel(ScheduleCancelAction {
            time: Some(later(60_000).as_millis()),
        }),
        later(3),
    );
    let text = ex.snapshot_json();
    let mut restored = Exchange::restore_json(&text).expect("valid snapshot");
    assert_eq!(restored.snapshot(), ex.snapshot());
    let next = order(BTC, false, "49000", "0.25", Tif::Ioc);
    let a = send(&mut ex, TAKER, next, later(4));
    let b = send(&mut restored, TAKER, next, later(4));
    assert_eq!(a, b, "same state, same answer and events");
    assert!(Exchange::restore_json("{\"version\": 9}").is_err());
}

#[test]
fn order_status_answers_open_then_the_terminal_status() {
    let mut ex = venue();
    let (placed, _) =
        send(&mut ex, MAKER, with_cloid(order(BTC, false, "50000", "0.1", Tif::Alo), 9), T0);
    let oid = oid_of(&placed);
    let open = ex.order_status(MAKER, OrderRef::Oid(oid)).expect("known").order_status_json();
    assert_eq!(open["status"], json!("order"));
    assert_eq!(open["order"]["status"], json!("open"));
    assert_eq!(open["order"]["order"]["tif"], json!("Alo"));
    assert_eq!(open["order"]["order"]["cloid"], json!("0x00000000000000000000000000000009"));
    send(&mut ex, TAKER, order(BTC, true, "50000", "0.1", Tif::Ioc), later(5));
    let done = ex.order_status(MAKER, OrderRef::Cloid(Cloid(9))).expect("in history");
    assert_eq!(done.order_status_json()["order"]["status"], json!("filled"));
    assert_eq!(done.order_status_json()["order"]["statusTimestamp"], json!(later(5).as_millis()));
    assert_eq!(ex.open_orders(MAKER).len(), 0);
    assert!(ex.order_status(MAKER, OrderRef::Oid(hlmm::types::Oid(999))).is_none());
}
