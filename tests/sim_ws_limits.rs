//! The simulator's per-IP WebSocket limits (`hyperliquid.md` §8, "WS per IP"): connections
//! (refused with HTTP 429), new connections per minute (429), subscriptions, users and
//! messages per minute (the venue's `error` frames).
//!
//! Every client is on 127.0.0.1, so the limits here are per simulator. Tests that need a
//! minute to pass run a server on paused tokio time (`tokio::time::sleep` advances it at
//! once); nothing asserts on wall-clock time.

mod sim_server_util;

use std::sync::Arc;
use std::time::Duration;

use hlmm::sim::server::ws_limits::WsLimits;
use hlmm::sim::server::{self, Faults, ServerOptions, Services, SimServer};
use hlmm::sim::{SimConfig, SimHandle};
use serde_json::{json, Value};
use sim_server_util::{connect_ready, next_json, send, Ws, SAFETY};

/// A server on the test's (paused) runtime: blocks and idle closes an hour apart, so a
/// minute can pass without either.
async fn serve_paused(limits: WsLimits) -> (String, SimServer) {
    let opts = ServerOptions {
        block_interval: Duration::from_secs(3600),
        idle_timeout: Duration::from_secs(3600),
        start_time_ms: Some(1_760_000_000_000),
        ws_limits: limits,
        ..ServerOptions::default()
    };
    let market = SimConfig::ephemeral().market().expect("market");
    let sim = SimServer::new(market, opts, Arc::new(Faults::default()), Services::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(server::serve(listener, sim.clone(), std::future::pending()));
    (format!("ws://{addr}/ws"), sim)
}

/// The HTTP status of a refused upgrade; panics if the upgrade succeeds.
async fn refused_status(url: &str) -> u16 {
    match tokio::time::timeout(SAFETY, tokio_tungstenite::connect_async(url)).await {
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(resp))) => resp.status().as_u16(),
        Ok(Err(e)) => panic!("refused without an HTTP status: {e}"),
        Ok(Ok(_)) => panic!("the upgrade was accepted"),
        Err(_) => panic!("no answer to the upgrade"),
    }
}

/// Closes `ws` and waits until the server has counted the connection out (`open` left).
async fn close_and_wait(ws: Ws, open: impl Fn() -> usize, left: usize) {
    let mut ws = ws;
    let _ = ws.close(None).await;
    drop(ws);
    tokio::time::timeout(SAFETY, async {
        while open() > left {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the server saw the close");
}

/// The answer to the last request: the next `subscriptionResponse`, `pong` or `error` frame
/// (market data skipped).
async fn reply(ws: &mut Ws) -> Value {
    loop {
        let v = next_json(ws).await;
        if ["subscriptionResponse", "pong", "error"].contains(&v["channel"].as_str().unwrap_or(""))
        {
            return v;
        }
    }
}

/// Sends `req` and returns its answer.
async fn ask(ws: &mut Ws, req: &Value) -> Value {
    send(ws, req.clone()).await;
    reply(ws).await
}

/// Sends `req`, which must be answered without an error.
async fn accepted(ws: &mut Ws, req: &Value) {
    let v = ask(ws, req).await;
    assert_ne!(v["channel"], "error", "{req} -> {v}");
}

/// Sends `req`, which must be refused with exactly `text`.
async fn refused(ws: &mut Ws, req: &Value, text: &str) {
    let v = ask(ws, req).await;
    assert_eq!(v, json!({"channel": "error", "data": text}), "{req}");
}

fn user(n: u64) -> String {
    format!("0x{n:040x}")
}

fn sub(subscription: Value) -> Value {
    json!({"method": "subscribe", "subscription": subscription})
}

fn unsub(subscription: Value) -> Value {
    json!({"method": "unsubscribe", "subscription": subscription})
}

fn order_updates(n: u64) -> Value {
    json!({"type": "orderUpdates", "user": user(n)})
}

const PING: &str = r#"{"method":"ping"}"#;

/// How a case makes room again after the refusal.
enum Free {
    /// These requests (each answered without an error).
    Requests(Vec<Value>),
    /// Time passes.
    Wait(Duration),
}

/// A limit answered with an `error` frame, at the venue's own numbers.
struct Case {
    spec: &'static str,
    limits: WsLimits,
    /// Requests up to the limit, each answered.
    fill: Vec<Value>,
    /// The request over it.
    over: Value,
    /// Its error, exactly as the venue words it.
    error: &'static str,
    free: Free,
}

fn cases() -> Vec<Case> {
    let ping: Value = serde_json::from_str(PING).expect("json");
    let all_mids = sub(json!({"type": "allMids"}));
    vec![
        Case {
            spec: "the 1001st subscription of an IP is refused; an unsubscribe frees a slot",
            limits: WsLimits { users: 0, ..WsLimits::default() },
            fill: (1..=1000).map(|n| sub(order_updates(n))).collect(),
            over: all_mids.clone(),
            error: "Cannot subscribe to more than 1000 channels.",
            free: Free::Requests(vec![unsub(order_updates(1))]),
        },
        Case {
            spec: "an 11th user is refused; a user's channels count once; dropping a user's \
                   last channel frees them",
            limits: WsLimits::default(),
            fill: (1..=10)
                .map(|n| sub(order_updates(n)))
                .chain([
                    sub(json!({"type": "userFills", "user": user(1)})),
                    sub(json!({"type": "userEvents", "user": user(1)})),
                    all_mids.clone(),
                ])
                .collect(),
            over: sub(json!({"type": "userFills", "user": user(11)})),
            error: "Cannot track more than 10 total users.",
            free: Free::Requests(vec![unsub(order_updates(2))]),
        },
        Case {
            spec: "the 2001st message in a minute (pings count) is refused and not processed; \
                   a minute later it goes through",
            limits: WsLimits::default(),
            fill: vec![ping; 2000],
            over: all_mids,
            error: "Cannot send more than 2000 messages per minute.",
            free: Free::Wait(Duration::from_secs(60)),
        },
    ]
}

#[tokio::test(start_paused = true)]
async fn requests_over_a_limit_get_the_venue_error_and_room_comes_back() {
    for case in cases() {
        let (url, _sim) = serve_paused(case.limits).await;
        let mut ws = connect_ready(&url).await;
        for req in &case.fill {
            accepted(&mut ws, req).await;
        }
        refused(&mut ws, &case.over, case.error).await;
        match case.free {
            Free::Requests(reqs) => {
                for req in &reqs {
                    accepted(&mut ws, req).await;
                }
            }
            Free::Wait(d) => tokio::time::sleep(d).await,
        }
        // Accepted now, and as new: the refused request was not applied.
        let v = ask(&mut ws, &case.over).await;
        assert_eq!(v["channel"], "subscriptionResponse", "{}: {v}", case.spec);
    }
}

#[tokio::test]
async fn an_ip_at_its_connection_limit_is_refused_with_429_until_one_closes() {
    let limits = WsLimits { connections: 3, ..WsLimits::default() };
    let cfg = SimConfig { ws_limits: limits, ..SimConfig::ephemeral() };
    let sim = SimHandle::start(cfg).expect("simulator starts");
    let url = sim.ws_url();
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(connect_ready(&url).await);
    }
    assert_eq!(refused_status(&url).await, 429, "the 4th concurrent connection");
    assert_eq!(refused_status(&url).await, 429, "and again: a refusal frees nothing");
    let first = open.remove(0);
    close_and_wait(first, || sim.connections().len(), 2).await;
    let mut again = connect_ready(&url).await;
    send(&mut again, serde_json::from_str(PING).expect("json")).await;
    assert_eq!(reply(&mut again).await, json!({"channel": "pong"}));
    assert_eq!(refused_status(&url).await, 429, "full again");
}

#[tokio::test(start_paused = true)]
async fn new_connections_over_the_per_minute_rate_are_refused_with_429_until_the_minute_passes() {
    let limits = WsLimits { new_connections_per_minute: 3, ..WsLimits::default() };
    let (url, sim) = serve_paused(limits).await;
    for _ in 0..3 {
        let ws = connect_ready(&url).await;
        close_and_wait(ws, || sim.connections().len(), 0).await;
    }
    assert_eq!(refused_status(&url).await, 429, "none open, but 3 opened this minute");
    tokio::time::sleep(Duration::from_secs(60)).await;
    let mut ws = connect_ready(&url).await;
    send(&mut ws, serde_json::from_str(PING).expect("json")).await;
    assert_eq!(reply(&mut ws).await, json!({"channel": "pong"}));
}

#[tokio::test(start_paused = true)]
async fn subscriptions_and_users_are_counted_across_an_ips_connections_and_freed_on_close() {
    let limits = WsLimits { subscriptions: 4, users: 2, ..WsLimits::default() };
    let (url, sim) = serve_paused(limits).await;
    let mut a = connect_ready(&url).await;
    let mut b = connect_ready(&url).await;
    accepted(&mut a, &sub(order_updates(1))).await;
    accepted(&mut a, &sub(json!({"type": "allMids"}))).await;
    accepted(&mut b, &sub(order_updates(2))).await;
    let third_user = sub(order_updates(3));
    refused(&mut b, &third_user, "Cannot track more than 2 total users.").await;
    accepted(&mut b, &sub(json!({"type": "userFills", "user": user(1)}))).await;
    let bbo = sub(json!({"type": "bbo", "coin": "BTC"}));
    refused(&mut b, &bbo, "Cannot subscribe to more than 4 channels.").await;
    // `a` closes: its two subscriptions go, user 1 stays (b follows their fills).
    close_and_wait(a, || sim.connections().len(), 1).await;
    accepted(&mut b, &bbo).await;
    refused(&mut b, &third_user, "Cannot track more than 2 total users.").await;
    accepted(&mut b, &unsub(json!({"type": "userFills", "user": user(1)}))).await;
    accepted(&mut b, &third_user).await;
}
