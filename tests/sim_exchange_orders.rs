//! Orders through `/exchange` and WS `post` on the exchange-backed simulator: they rest, show
//! in every account query and on the user channels, and trade against the synthetic book.

mod sim_exchange_util;
mod sim_server_util;

use std::collections::HashSet;

use serde_json::{json, Value};
use sim_exchange_util::{act, body, btc_bbo, config, nonce, order, orders, start, status, USER};
use sim_server_util::{connect_ready, info, next_on, send, Ws};

const CLOID: &str = "0x0000000000000000000000000000abcd";

async fn subscribe(ws: &mut Ws, sub: Value) {
    send(ws, json!({"method": "subscribe", "subscription": sub})).await;
    next_on(ws, "subscriptionResponse").await;
}

fn num(v: &Value) -> f64 {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).parse().expect("a decimal")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resting_order_shows_in_open_orders_order_status_and_order_updates() {
    let sim = start(config());
    let mut ws = connect_ready(&sim.ws_url()).await;
    subscribe(&mut ws, json!({"type": "orderUpdates", "user": USER})).await;

    let (bid, _) = btc_bbo(sim.addr());
    let px = format!("{}", (bid - 500.0).round());
    let reply = act(&sim, orders(vec![order(0, true, &px, "0.001", "Alo", Some(CLOID))]));
    assert_eq!(reply["status"], "ok", "{reply}");
    let oid = status(&reply, 0)["resting"]["oid"].as_u64().unwrap_or_else(|| panic!("{reply}"));
    assert_eq!(status(&reply, 0)["resting"]["cloid"], CLOID);

    let q = |t: &str| info(sim.addr(), &json!({"type": t, "user": USER}).to_string());
    let open = q("openOrders");
    assert_eq!(open.as_array().map(Vec::len), Some(1), "{open}");
    assert_eq!((open[0]["oid"].as_u64(), open[0]["cloid"].as_str()), (Some(oid), Some(CLOID)));
    assert_eq!(open[0]["coin"], "BTC");
    assert_eq!(num(&open[0]["limitPx"]), px.parse::<f64>().expect("px"));
    let front = q("frontendOpenOrders");
    assert_eq!((front[0]["oid"].as_u64(), front[0]["tif"].as_str()), (Some(oid), Some("Alo")));
    assert_eq!(front[0]["orderType"], "Limit");

    for by in [json!(oid), json!(CLOID)] {
        let st =
            info(sim.addr(), &json!({"type": "orderStatus", "user": USER, "oid": by}).to_string());
        assert_eq!(st["status"], "order", "{st}");
        assert_eq!(st["order"]["status"], "open");
        assert_eq!(st["order"]["order"]["oid"].as_u64(), Some(oid));
        assert_eq!(st["order"]["order"]["tif"], "Alo");
    }

    let frame = next_on(&mut ws, "orderUpdates").await;
    let update = &frame["data"][0];
    assert_eq!(
        (update["order"]["oid"].as_u64(), update["status"].as_str()),
        (Some(oid), Some("open"))
    );
    assert_eq!(update["order"]["cloid"], CLOID);

    let cancel = act(&sim, json!({"cancels": [{"a": 0, "o": oid}], "type": "cancel"}));
    assert_eq!(status(&cancel, 0), "success", "{cancel}");
    let frame = next_on(&mut ws, "orderUpdates").await;
    assert_eq!(frame["data"][0]["status"], "canceled");
    assert_eq!(q("openOrders"), json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crossing_ioc_fills_on_the_synthetic_book_and_fills_sum_to_the_position() {
    let sim = start(config());
    let mut ws = connect_ready(&sim.ws_url()).await;
    subscribe(&mut ws, json!({"type": "userFills", "user": USER})).await;
    let snapshot = next_on(&mut ws, "userFills").await;
    assert_eq!(snapshot["data"]["isSnapshot"], true, "snapshot first: {snapshot}");
    assert_eq!(snapshot["data"]["fills"], json!([]));
    subscribe(&mut ws, json!({"type": "userEvents", "user": USER})).await;

    let (_, ask) = btc_bbo(sim.addr());
    let buy = act(
        &sim,
        orders(vec![order(0, true, &format!("{}", (ask * 1.01).round()), "0.05", "Ioc", None)]),
    );
    let filled = &status(&buy, 0)["filled"];
    assert_eq!(num(&filled["totalSz"]), 0.05, "{buy}");
    let (bid, _) = btc_bbo(sim.addr());
    let sell = act(
        &sim,
        orders(vec![order(0, false, &format!("{}", (bid * 0.99).round()), "0.02", "Ioc", None)]),
    );
    assert_eq!(num(&status(&sell, 0)["filled"]["totalSz"]), 0.02, "{sell}");

    let fills = info(sim.addr(), &json!({"type": "userFills", "user": USER}).to_string());
    let fills = fills.as_array().expect("fills").clone();
    assert!(fills.len() >= 2, "{fills:?}");
    let signed: f64 =
        fills.iter().map(|f| if f["side"] == "B" { num(&f["sz"]) } else { -num(&f["sz"]) }).sum();
    assert!(fills.iter().all(|f| f["crossed"] == true && f["coin"] == "BTC"));
    let by_time = info(
        sim.addr(),
        &json!({"type": "userFillsByTime", "user": USER, "startTime": 0}).to_string(),
    );
    assert_eq!(by_time.as_array().map(Vec::len), Some(fills.len()));

    let state = info(sim.addr(), &json!({"type": "clearinghouseState", "user": USER}).to_string());
    let pos = &state["assetPositions"][0]["position"];
    assert_eq!(pos["coin"], "BTC", "{state}");
    assert!((num(&pos["szi"]) - signed).abs() < 1e-9, "szi {} vs fills {signed}", pos["szi"]);
    assert!((signed - 0.03).abs() < 1e-9);

    // The same fills arrived live, each once, on both user channels.
    let mut live = HashSet::new();
    while live.len() < fills.len() {
        let f = next_on(&mut ws, "userFills").await;
        assert_ne!(f["data"]["isSnapshot"], true);
        for x in f["data"]["fills"].as_array().expect("fills") {
            assert!(live.insert(x["tid"].as_u64().expect("tid")), "duplicate fill {x}");
        }
    }
    let user = next_on(&mut ws, "user").await;
    assert!(user["data"]["fills"].as_array().is_some_and(|f| !f.is_empty()), "{user}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ws_post_action_rests_an_order_like_http() {
    let sim = start(config());
    let (bid, _) = btc_bbo(sim.addr());
    let px = format!("{}", (bid - 700.0).round());
    let payload: Value = serde_json::from_str(&body(
        USER,
        orders(vec![order(0, true, &px, "0.001", "Gtc", None)]),
        nonce(),
    ))
    .expect("json");
    let mut ws = connect_ready(&sim.ws_url()).await;
    send(
        &mut ws,
        json!({"method": "post", "id": 7, "request": {"type": "action", "payload": payload}}),
    )
    .await;
    let reply = next_on(&mut ws, "post").await;
    assert_eq!(reply["data"]["id"], 7);
    assert_eq!(reply["data"]["response"]["type"], "action");
    let body = &reply["data"]["response"]["payload"];
    let oid = status(body, 0)["resting"]["oid"].as_u64().unwrap_or_else(|| panic!("{reply}"));
    let open = info(sim.addr(), &json!({"type": "openOrders", "user": USER}).to_string());
    assert_eq!(open[0]["oid"].as_u64(), Some(oid));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exchange_state_survives_a_restart_through_the_state_file() {
    let dir = std::env::temp_dir().join(format!("hlmm-sim-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("state.json");
    let _ = std::fs::remove_file(&file);
    let cfg = sim_exchange_util::SimConfigExt::with_state(config(), file.clone());
    let sim = start(cfg.clone());
    let (bid, _) = btc_bbo(sim.addr());
    let px = format!("{}", (bid - 900.0).round());
    let reply = act(&sim, orders(vec![order(0, true, &px, "0.001", "Gtc", Some(CLOID))]));
    let oid = status(&reply, 0)["resting"]["oid"].as_u64().unwrap_or_else(|| panic!("{reply}"));
    sim.shutdown().expect("clean shutdown writes the state");
    assert!(file.exists());

    let sim = start(cfg);
    let st =
        info(sim.addr(), &json!({"type": "orderStatus", "user": USER, "oid": CLOID}).to_string());
    assert_eq!(st["order"]["order"]["oid"].as_u64(), Some(oid), "{st}");
    assert_eq!(st["order"]["status"], "open");
    sim.shutdown().expect("clean shutdown");
    let _ = std::fs::remove_dir_all(&dir);
}
