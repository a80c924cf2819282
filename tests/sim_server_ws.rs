//! The simulator's WebSocket `/ws` against `hyperliquid.md` §2 and its fault knobs.

mod sim_server_util;

use std::sync::Arc;
use std::time::Duration;

use hlmm::sim::faults::{DropTarget, FaultUpdate, StallRule};
use hlmm::sim::server::seams::{
    ActionFuture, ActionHandler, ActionRequest, Address, EmptyAccounts,
};
use hlmm::sim::server::shapes::{UserEvent, UserFill};
use hlmm::sim::server::{self, Faults, ServerOptions, Services, SimServer};
use hlmm::sim::{SimConfig, SimHandle};
use hlmm::types::{AssetId, Coin, InstrumentSpec};
use serde_json::{json, Value};
use sim_server_util::{
    connect_ready, ends_within, next_json, next_on, next_text, next_text_within, send, Ws,
};

const USER: &str = "0x0000000000000000000000000000000000001234";

/// A fast block cadence keeps the tests short; nothing asserts on time.
fn start() -> SimHandle {
    let cfg = SimConfig { block_interval_ms: 20, ..SimConfig::ephemeral() };
    SimHandle::start(cfg).expect("simulator starts")
}

fn btc() -> InstrumentSpec {
    InstrumentSpec::perp(AssetId(0), Coin::new(b"BTC").expect("coin"), 5)
}

async fn subscribe(ws: &mut Ws, sub: Value) {
    send(ws, json!({"method": "subscribe", "subscription": sub})).await;
    // Frames of earlier subscriptions may come first.
    let ack = next_on(ws, "subscriptionResponse").await;
    assert_eq!(
        ack,
        json!({"channel": "subscriptionResponse", "data": {"method": "subscribe", "subscription": sub}})
    );
}

/// Reads until a pong, returning the JSON frames seen before it (malformed ones skipped).
async fn until_pong(ws: &mut Ws) -> Vec<Value> {
    send(ws, json!({"method": "ping"})).await;
    let mut before = Vec::new();
    loop {
        let text = next_text(ws).await.expect("connection open");
        let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
        if v["channel"] == "pong" {
            return before;
        }
        before.push(v);
    }
}

fn check_book(data: &Value, spec: &InstrumentSpec) -> u64 {
    assert_eq!(data["coin"], spec.coin.as_str());
    let levels = data["levels"].as_array().expect("levels");
    let mut best = Vec::new();
    for side in levels {
        let side = side.as_array().expect("side");
        assert!(!side.is_empty() && side.len() <= 20, "{} levels", side.len());
        for l in side {
            let px = spec.parse_px(l["px"].as_str().expect("px").as_bytes()).expect("px");
            assert!(spec.is_valid_px(px), "{px:?} off the grid");
        }
        best.push(spec.parse_px(side[0]["px"].as_str().expect("px").as_bytes()).expect("px"));
    }
    assert!(best[0] < best[1], "bids below asks");
    data["time"].as_u64().expect("time")
}

#[tokio::test]
async fn l2book_subscription_is_acked_then_pushes_uncrossed_snapshots_on_the_grid() {
    let sim = start();
    let mut ws = connect_ready(&sim.ws_url()).await;
    subscribe(&mut ws, json!({"type": "l2Book", "coin": "BTC"})).await;
    let mut last = 0;
    for _ in 0..5 {
        let v = next_on(&mut ws, "l2Book").await;
        let time = check_book(&v["data"], &btc());
        assert!(time >= last, "book times never go backwards");
        last = time;
    }
}

#[tokio::test]
async fn market_channels_push_their_venue_shapes() {
    let sim = start();
    let mut ws = connect_ready(&sim.ws_url()).await;
    for sub in [
        json!({"type": "bbo", "coin": "BTC"}),
        json!({"type": "trades", "coin": "BTC"}),
        json!({"type": "allMids"}),
        json!({"type": "activeAssetCtx", "coin": "BTC"}),
    ] {
        subscribe(&mut ws, sub).await;
    }
    let bbo = next_on(&mut ws, "bbo").await;
    assert_eq!(bbo["data"]["bbo"].as_array().map(Vec::len), Some(2));
    let mids = next_on(&mut ws, "allMids").await;
    assert!(mids["data"]["mids"]["ETH"].is_string());
    let ctx = next_on(&mut ws, "activeAssetCtx").await;
    assert_eq!(ctx["data"]["coin"], "BTC");
    for f in ["dayNtlVlm", "prevDayPx", "markPx", "funding", "openInterest", "oraclePx"] {
        assert!(ctx["data"]["ctx"][f].is_string(), "ctx.{f}");
    }
    let trades = next_on(&mut ws, "trades").await;
    let trades = trades["data"].as_array().expect("array");
    assert!(!trades.is_empty(), "the SDK routes trades by the first trade's coin");
    for t in trades {
        assert_eq!(t["coin"], "BTC");
        for f in ["side", "px", "sz", "hash"] {
            assert!(t[f].is_string(), "trade.{f}");
        }
        assert!(t["time"].is_u64() && t["tid"].is_u64());
        assert_eq!(t["users"].as_array().map(Vec::len), Some(2));
        assert_eq!(t["hash"].as_str().map(str::len), Some(66));
    }
}

#[tokio::test]
async fn ping_is_answered_with_pong() {
    let sim = start();
    let mut ws = connect_ready(&sim.ws_url()).await;
    send(&mut ws, json!({"method": "ping"})).await;
    assert_eq!(next_json(&mut ws).await, json!({"channel": "pong"}));
}

#[tokio::test]
async fn bad_requests_get_error_frames_and_the_socket_survives() {
    let sim = start();
    let mut ws = connect_ready(&sim.ws_url()).await;
    let cases = [
        (
            json!({"method": "subscribe", "subscription": {"type": "l2Book", "coin": "NOPE"}}),
            "Invalid subscription",
        ),
        (json!({"method": "dance"}), "Error parsing JSON"),
        (
            json!({"method": "unsubscribe", "subscription": {"type": "allMids"}}),
            "Already unsubscribed",
        ),
    ];
    for (req, prefix) in cases {
        send(&mut ws, req.clone()).await;
        let v = next_json(&mut ws).await;
        assert_eq!(v["channel"], "error", "{req}");
        assert!(v["data"].as_str().is_some_and(|s| s.starts_with(prefix)), "{req}: {v}");
    }
    subscribe(&mut ws, json!({"type": "allMids"})).await;
    send(&mut ws, json!({"method": "subscribe", "subscription": {"type": "allMids"}})).await;
    let err = next_on(&mut ws, "error").await;
    assert!(err["data"].as_str().is_some_and(|s| s.starts_with("Already subscribed")));
}

#[tokio::test]
async fn unsubscribe_is_acked_and_stops_the_stream() {
    let sim = start();
    let mut ws = connect_ready(&sim.ws_url()).await;
    let sub = json!({"type": "l2Book", "coin": "ETH"});
    subscribe(&mut ws, sub.clone()).await;
    next_on(&mut ws, "l2Book").await;
    send(&mut ws, json!({"method": "unsubscribe", "subscription": sub})).await;
    let ack = next_on(&mut ws, "subscriptionResponse").await;
    assert_eq!(ack["data"]["method"], "unsubscribe");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(until_pong(&mut ws).await.is_empty(), "no book after the unsubscribe ack");
}

#[tokio::test]
async fn post_info_returns_the_answer_inside_a_post_reply() {
    let sim = start();
    let mut ws = connect_ready(&sim.ws_url()).await;
    let req = json!({"method": "post", "id": 7, "request": {"type": "info", "payload": {"type": "l2Book", "coin": "BTC"}}});
    send(&mut ws, req).await;
    let v = next_on(&mut ws, "post").await;
    assert_eq!(v["data"]["id"], 7);
    assert_eq!(v["data"]["response"]["type"], "info");
    assert_eq!(v["data"]["response"]["payload"]["type"], "l2Book");
    check_book(&v["data"]["response"]["payload"]["data"], &btc());

    let bad = json!({"method": "post", "id": 8, "request": {"type": "info", "payload": {"type": "nope"}}});
    send(&mut ws, bad).await;
    let v = next_on(&mut ws, "post").await;
    assert_eq!(v["data"]["response"]["type"], "error");
}

#[tokio::test]
async fn post_action_reaches_the_action_seam() {
    let sim = start();
    let mut ws = connect_ready(&sim.ws_url()).await;
    let action = json!({"action": {"type": "noop"}, "nonce": 1, "signature": {"r": "0x1", "s": "0x1", "v": 27}, "vaultAddress": null});
    send(
        &mut ws,
        json!({"method": "post", "id": 9, "request": {"type": "action", "payload": action}}),
    )
    .await;
    let v = next_on(&mut ws, "post").await;
    assert_eq!(v["data"]["id"], 9);
    assert_eq!(v["data"]["response"]["type"], "action");
    assert_eq!(v["data"]["response"]["payload"]["status"], "err");
}

/// An action handler that never answers, to fill the post window.
struct Never;

impl ActionHandler for Never {
    fn handle(&self, _req: ActionRequest) -> ActionFuture {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn posts_beyond_the_in_flight_cap_get_the_venue_error() {
    let cfg = SimConfig { max_posts_in_flight: 2, ..SimConfig::ephemeral() };
    let services = Services { accounts: Arc::new(EmptyAccounts), actions: Arc::new(Never) };
    let sim = SimHandle::start_with(cfg, services).expect("simulator starts");
    let mut ws = connect_ready(&sim.ws_url()).await;
    // Well-formed bodies: the seam only ever sees parsed ones.
    let payload = json!({"action": {"type": "noop"}, "nonce": 1, "signature": {"r": "0x1", "s": "0x1", "v": 27}, "vaultAddress": null});
    for id in 1..=3 {
        let req =
            json!({"method": "post", "id": id, "request": {"type": "action", "payload": payload}});
        send(&mut ws, req).await;
    }
    let err = next_on(&mut ws, "error").await;
    assert_eq!(err["data"], "too many pending post requests id=3");
}

#[tokio::test]
async fn user_fills_subscription_starts_with_a_snapshot_then_streams_published_fills() {
    let sim = start();
    let mut ws = connect_ready(&sim.ws_url()).await;
    subscribe(&mut ws, json!({"type": "userFills", "user": USER})).await;
    let snap = next_on(&mut ws, "userFills").await;
    assert_eq!(snap["data"], json!({"isSnapshot": true, "user": USER, "fills": []}));

    let fill = UserFill {
        coin: "BTC".into(),
        px: "97000.0".into(),
        sz: "0.001".into(),
        side: "B".into(),
        time: 1,
        start_position: "0.0".into(),
        dir: "Open Long".into(),
        closed_pnl: "0.0".into(),
        hash: format!("0x{}", "ab".repeat(32)),
        oid: 42,
        crossed: false,
        fee: "-0.001".into(),
        tid: 77,
        fee_token: "USDC".into(),
        cloid: None,
        builder_fee: None,
    };
    sim.user_events().fills(&USER.parse().expect("address"), &[fill]);
    let v = next_on(&mut ws, "userFills").await;
    assert!(v["data"].get("isSnapshot").is_none());
    assert_eq!(v["data"]["user"], USER);
    assert_eq!(v["data"]["fills"][0]["tid"], 77);
    assert_eq!(v["data"]["fills"][0]["feeToken"], "USDC");
}

#[tokio::test]
async fn order_updates_and_user_events_route_by_user() {
    let sim = start();
    let mut ws = connect_ready(&sim.ws_url()).await;
    subscribe(&mut ws, json!({"type": "orderUpdates", "user": USER})).await;
    subscribe(&mut ws, json!({"type": "userEvents", "user": USER})).await;
    let other: Address = "0x0000000000000000000000000000000000009999".parse().expect("address");
    let me = USER.parse().expect("address");
    let cancel = UserEvent::NonUserCancel(vec![json!({"coin": "BTC", "oid": 1})]);
    sim.user_events().user_event(&other, &cancel);
    sim.user_events().user_event(&me, &cancel);
    let v = next_on(&mut ws, "user").await;
    assert_eq!(v["data"], json!({"nonUserCancel": [{"coin": "BTC", "oid": 1}]}));
    assert!(until_pong(&mut ws).await.is_empty(), "the other user's event was not delivered");
}

#[tokio::test]
async fn a_stalled_stream_stops_pushing_while_the_socket_stays_open() {
    let sim = start();
    let mut ws = connect_ready(&sim.ws_url()).await;
    subscribe(&mut ws, json!({"type": "l2Book", "coin": "BTC"})).await;
    subscribe(&mut ws, json!({"type": "l2Book", "coin": "ETH"})).await;
    next_on(&mut ws, "l2Book").await;
    let rule = StallRule { channel: Some("l2Book".into()), coin: Some("BTC".into()) };
    sim.faults().apply(FaultUpdate { stall: Some(vec![rule]), ..FaultUpdate::default() });
    // Frames queued before the stall come before this pong; none after it.
    until_pong(&mut ws).await;
    let mut eth = 0;
    while eth < 5 {
        let v = next_on(&mut ws, "l2Book").await;
        assert_eq!(v["data"]["coin"], "ETH", "BTC is stalled");
        eth += 1;
    }
    assert!(until_pong(&mut ws).await.iter().all(|v| v["data"]["coin"] != "BTC"));

    sim.faults().apply(FaultUpdate { stall: Some(vec![]), ..FaultUpdate::default() });
    loop {
        let v = next_on(&mut ws, "l2Book").await;
        if v["data"]["coin"] == "BTC" {
            break;
        }
    }
}

#[tokio::test]
async fn the_drop_connections_knob_closes_every_socket() {
    let sim = start();
    let mut a = connect_ready(&sim.ws_url()).await;
    let mut b = connect_ready(&sim.ws_url()).await;
    subscribe(&mut a, json!({"type": "l2Book", "coin": "BTC"})).await;
    subscribe(&mut b, json!({"type": "allMids"})).await;
    sim.faults().drop_connections(DropTarget::All);
    assert!(ends_within(&mut a, 10_000).await, "a closed");
    assert!(ends_within(&mut b, 10_000).await, "b closed");
    // The venue keeps accepting new connections.
    let mut c = connect_ready(&sim.ws_url()).await;
    send(&mut c, json!({"method": "ping"})).await;
    assert_eq!(next_json(&mut c).await["channel"], "pong");
}

#[tokio::test]
async fn dropping_one_connection_leaves_the_others_open() {
    let sim = start();
    let mut a = connect_ready(&sim.ws_url()).await;
    let ids_before = sim.connections();
    let mut b = connect_ready(&sim.ws_url()).await;
    until_pong(&mut b).await;
    let b_id = *sim.connections().iter().find(|id| !ids_before.contains(id)).expect("b's id");
    sim.faults().drop_connections(DropTarget::Conn(b_id));
    assert!(ends_within(&mut b, 100).await, "b closed");
    assert!(until_pong(&mut a).await.is_empty(), "a still answers");
}

#[tokio::test]
async fn malformed_and_duplicate_frame_knobs_mangle_data_frames_only() {
    let sim = start();
    let mut ws = connect_ready(&sim.ws_url()).await;
    subscribe(&mut ws, json!({"type": "l2Book", "coin": "BTC"})).await;
    next_on(&mut ws, "l2Book").await;
    sim.faults().apply(FaultUpdate { malformed_every: Some(1), ..FaultUpdate::default() });
    send(&mut ws, json!({"method": "ping"})).await;
    let mut saw_bad = false;
    let mut saw_pong = false;
    while !(saw_bad && saw_pong) {
        let text = next_text(&mut ws).await.expect("open");
        match serde_json::from_str::<Value>(&text) {
            Ok(v) => saw_pong |= v["channel"] == "pong",
            Err(_) => saw_bad = true,
        }
    }
    sim.faults().apply(FaultUpdate {
        malformed_every: Some(0),
        duplicate_every: Some(1),
        ..FaultUpdate::default()
    });
    until_pong(&mut ws).await;
    let first = next_text(&mut ws).await.expect("open");
    let second = next_text(&mut ws).await.expect("open");
    assert_eq!(first, second, "every data frame is sent twice");
}

#[tokio::test]
async fn maintenance_drops_connections_and_refuses_new_ones_for_the_outage() {
    let sim = start();
    let mut ws = connect_ready(&sim.ws_url()).await;
    sim.faults().apply(FaultUpdate {
        maintenance: Some(hlmm::sim::faults::Maintenance { outage_ms: 60_000, post_only_ms: 1 }),
        ..FaultUpdate::default()
    });
    assert!(ends_within(&mut ws, 10_000).await);
    assert!(tokio_tungstenite::connect_async(sim.ws_url()).await.is_err(), "refused (503)");
    assert!(sim.faults().post_only());
}

fn paused_server(idle: Duration) -> SimServer {
    let cfg = SimConfig::ephemeral();
    let opts = ServerOptions {
        idle_timeout: idle,
        start_time_ms: Some(1_760_000_000_000),
        ..ServerOptions::default()
    };
    SimServer::new(
        cfg.market().expect("market"),
        opts,
        Arc::new(Faults::default()),
        Services::default(),
    )
}

async fn serve_paused(idle: Duration) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(server::serve(listener, paused_server(idle), std::future::pending()));
    format!("ws://{addr}/ws")
}

#[tokio::test(start_paused = true)]
async fn a_silent_connection_is_closed_after_sixty_seconds() {
    let url = serve_paused(Duration::from_secs(60)).await;
    let mut ws = connect_ready(&url).await;
    let t0 = tokio::time::Instant::now();
    let guard = Duration::from_secs(600);
    assert!(next_text_within(&mut ws, guard).await.is_none(), "closed");
    let silent = t0.elapsed();
    assert!(silent >= Duration::from_secs(60), "closed after {silent:?} of silence");
}

#[tokio::test(start_paused = true)]
async fn pinging_every_fifty_seconds_keeps_a_connection_open() {
    let url = serve_paused(Duration::from_secs(60)).await;
    let mut ws = connect_ready(&url).await;
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_secs(50)).await;
        send(&mut ws, json!({"method": "ping"})).await;
        assert_eq!(next_json(&mut ws).await, json!({"channel": "pong"}));
    }
}
