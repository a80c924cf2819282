//! The operator API against the whole engine (`docs/api.md`): an engine quoting BTC and ETH on
//! the in-process simulator (127.0.0.1, ephemeral ports), its gateway on 127.0.0.1:0 with a
//! token file holding one `read` and one `control` token. Every read endpoint answers its
//! documented shape; tokens, scopes, `Host` and `Origin` are enforced; kill, resume, per-symbol
//! halt and hedge-only act on the engine and, for kill, on the venue; a config patch is applied
//! or refused field by field; the stream delivers fills the REST history also lists.
//!
//! One engine serves every test of this file; the tests that control it or need it quoting take
//! `CONTROL` so a kill never overlaps a wait for fills. No wall-clock assertions: every wait is
//! for a condition with a generous timeout.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

#[path = "support/api_engine.rs"]
mod api_engine;
use std::time::{Duration, Instant};

use api_engine::ApiEngine;
use futures_util::StreamExt;
use hlmm::config::{Config, VenueKind};
use hlmm::msg::Intent;
use hlmm::sim::handle::{AgentEntry, FundAccount};
use hlmm::sim::{SimConfig, SimHandle};
use hlmm::telemetry::{Counter, Counters};
use hlmm::types::commands::{Command, OrderRequest, Tif};
use hlmm::types::{Address, Cloid, InstrumentSpec, Nanos, Side, Sz};
use hlmm::venue::exec::{GatewayConfig, HyperliquidGateway};
use hlmm::venue::gateway::OrderGateway;
use hlmm::venue::info::InfoClient;
use hlmm::wire::keys::AgentKey;
use hlmm::wire::nonce::NonceSource;
use hlmm::wire::sign::{Chain, L1Signer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const ACCOUNT: Address = Address([0xc3; 20]);
const KEY: [u8; 32] = [0x63; 32];
/// Another trader on the venue, who sells into our bids so that a fill is certain.
const TAKER: Address = Address([0xd4; 20]);
const TAKER_KEY: [u8; 32] = [0x74; 32];
const READ_TOKEN: &str = "read-token-0123456789abcdef";
const CONTROL_TOKEN: &str = "control-token-0123456789abcdef";
const WAIT: Duration = Duration::from_secs(120);

/// The engine every test talks to, started once.
struct Running {
    api: SocketAddr,
    sim_info_url: String,
    counters: Arc<Counters>,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    // Kept alive for the whole test binary: the engine runs until the process exits.
    _sim: SimHandle,
    _engine: ApiEngine,
    _files: Vec<PathBuf>,
}

/// Serialises the tests that change the engine's state or need it quoting.
static CONTROL: Mutex<()> = Mutex::new(());

fn control_lock() -> MutexGuard<'static, ()> {
    CONTROL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn engine() -> &'static Running {
    static ENGINE: OnceLock<Running> = OnceLock::new();
    ENGINE.get_or_init(start_engine)
}

fn start_engine() -> Running {
    let key = AgentKey::from_bytes(&KEY).expect("a valid test key");
    let taker_key = AgentKey::from_bytes(&TAKER_KEY).expect("a valid test key");
    let sim = SimHandle::start(SimConfig {
        fund: vec![
            FundAccount { address: ACCOUNT, usdc: 1_000_000.0 },
            FundAccount { address: TAKER, usdc: 50_000_000.0 },
        ],
        agents: vec![
            AgentEntry { agent: Address(key.address().0), account: ACCOUNT },
            AgentEntry { agent: Address(taker_key.address().0), account: TAKER },
        ],
        ..SimConfig::ephemeral()
    })
    .expect("simulator starts");
    let dir = std::env::temp_dir();
    let pid = std::process::id();
    let key_file = dir.join(format!("hlmm-api-test-{pid}.key"));
    std::fs::write(&key_file, format!("0x{}\n", "63".repeat(32))).expect("key file");
    let token_file = dir.join(format!("hlmm-api-test-{pid}.tokens"));
    std::fs::write(
        &token_file,
        format!("# scope id token\nread viewer {READ_TOKEN}\ncontrol ops {CONTROL_TOKEN}\n"),
    )
    .expect("token file");

    let mut config = Config::default();
    config.symbols.retain(|coin, _| coin == "BTC" || coin == "ETH");
    config.venue.kind = VenueKind::Local;
    config.venue.info_url = Some(sim.info_url());
    config.venue.ws_url = Some(sim.ws_url());
    config.venue.account_address = Some(user());
    config.venue.agent_key_file = Some(key_file.clone());
    let engine = ApiEngine::start(config, &token_file, 10);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("http");
    Running {
        api: engine.api,
        sim_info_url: sim.info_url(),
        counters: Arc::clone(&engine.counters),
        rt,
        http,
        _sim: sim,
        _engine: engine,
        _files: vec![key_file, token_file],
    }
}

fn user() -> String {
    String::from_utf8(ACCOUNT.to_wire().to_vec()).expect("ascii")
}

fn wait_for(what: &str, cond: impl Fn() -> bool) {
    wait_every(what, Duration::from_millis(100), cond);
}

/// For conditions read from the venue: its `/info` weight budget (1200 a minute per IP, 20 per
/// `frontendOpenOrders`) is shared with the engine, so poll it gently.
fn wait_for_venue(what: &str, cond: impl Fn() -> bool) {
    wait_every(what, Duration::from_secs(2), cond);
}

/// Waits until `coin`'s (state, reason) in `/risk` satisfies `cond`; a timeout names the last.
fn wait_for_coin(e: &Running, coin: &str, what: &str, cond: impl Fn(&str, &str) -> bool) {
    let last = std::cell::RefCell::new((String::new(), String::new()));
    let start = Instant::now();
    loop {
        let (state, reason) = e.coin_state(coin);
        if cond(&state, &reason) {
            return;
        }
        *last.borrow_mut() = (state, reason);
        assert!(
            start.elapsed() < WAIT,
            "timed out waiting for {coin}: {what}; last {:?}",
            last.borrow()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait_every(what: &str, every: Duration, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(every);
    }
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.api)
    }

    /// One request: method, path, bearer token, JSON body; status and parsed body (`Null` when
    /// not JSON).
    fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        self.send(self.http.request(method, self.url(path)), token, body)
    }

    fn send(
        &self,
        mut req: reqwest::RequestBuilder,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.rt.block_on(async {
            let resp = req.send().await.expect("the gateway answers");
            let status = resp.status();
            let text = resp.text().await.expect("a body");
            let json = serde_json::from_str(&text).unwrap_or(Value::Null);
            Reply { status, text, json }
        })
    }

    fn get(&self, path: &str) -> Value {
        let r = self.call(Method::GET, path, Some(READ_TOKEN), None);
        assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", r.text);
        r.json
    }

    fn control(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.call(method, path, Some(CONTROL_TOKEN), body)
    }

    /// The trade ids of our fills, as the venue's `userFills` reports them.
    fn venue_fill_tids(&self) -> BTreeSet<u64> {
        let info =
            InfoClient::new(self.sim_info_url.clone(), Duration::from_secs(5)).expect("client");
        let body = json!({"type": "userFills", "user": user()});
        let v: Value = self.rt.block_on(info.post("test", &body)).expect("info reply");
        v.as_array().into_iter().flatten().filter_map(|f| f["tid"].as_u64()).collect()
    }

    /// Our orders resting at the venue, by coin.
    fn venue_orders(&self) -> Vec<String> {
        let info =
            InfoClient::new(self.sim_info_url.clone(), Duration::from_secs(5)).expect("client");
        let body = json!({"type": "frontendOpenOrders", "user": user()});
        let v: Value = self.rt.block_on(info.post("test", &body)).expect("info reply");
        v.as_array()
            .map(|a| a.iter().filter_map(|o| o["coin"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }

    fn coin_state(&self, coin: &str) -> (String, String) {
        let risk = self.get("/api/v1/risk");
        let c = risk["coins"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["symbol"] == coin))
            .unwrap_or_else(|| panic!("{coin} in /risk: {risk}"));
        (
            c["state"].as_str().unwrap_or("").to_owned(),
            c["reason"].as_str().unwrap_or("").to_owned(),
        )
    }

    fn symbol_config(&self, coin: &str) -> Value {
        let cfg = self.get("/api/v1/config");
        cfg["symbols"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["symbol"] == coin))
            .cloned()
            .unwrap_or_else(|| panic!("{coin} in /config: {cfg}"))
    }
}

/// The other trader: sends IOC sells through a gateway of its own.
struct Taker {
    gw: HyperliquidGateway,
    instruments: Vec<InstrumentSpec>,
    next: u128,
}

impl Taker {
    fn new(e: &Running) -> Self {
        let info = InfoClient::new(e.sim_info_url.clone(), Duration::from_secs(5)).expect("client");
        let instruments = e.rt.block_on(info.meta()).expect("meta").instruments();
        let exchange_url = e.sim_info_url.replace("/info", "/exchange");
        let mut cfg =
            GatewayConfig::new(exchange_url, e.sim_info_url.clone(), None, TAKER, Chain::Testnet);
        cfg.dead_man = None;
        let signer = L1Signer::new(AgentKey::from_bytes(&TAKER_KEY).expect("key"), Chain::Testnet);
        let mut gw =
            HyperliquidGateway::new(cfg, signer, Arc::new(NonceSource::new()), &instruments)
                .expect("gateway");
        {
            let _inside = e.rt.enter();
            gw.start();
        }
        Self { gw, instruments, next: 1 }
    }

    /// Sells, IOC, down to one of our resting bids: the size of every bid level at or above
    /// its price, so ours is reached whatever rests ahead of it. `false` when we have no bid.
    fn sell_into_our_bid(&mut self, e: &Running) -> bool {
        let orders = e.get("/api/v1/orders");
        let Some(bid) = orders["open"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|o| o["side"] == "Bid" && o["status"] == "open")
        else {
            return false;
        };
        let coin = bid["symbol"].as_str().expect("symbol");
        let spec = *self.instruments.iter().find(|s| s.coin.as_str() == coin).expect("listed");
        let px = spec.parse_px(bid["price"].to_string().as_bytes()).expect("a price");
        let info = InfoClient::new(e.sim_info_url.clone(), Duration::from_secs(5)).expect("client");
        let book: Value =
            e.rt.block_on(info.post("test", &json!({"type": "l2Book", "coin": coin})))
                .expect("l2Book");
        let ahead: f64 = book["levels"][0]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| {
                let lpx = spec.parse_px(l["px"].as_str()?.as_bytes()).ok()?;
                (lpx >= px).then(|| l["sz"].as_str()?.parse::<f64>().ok()).flatten()
            })
            .sum();
        let lots = Sz((ahead * 10f64.powi(i32::from(spec.sz_decimals))).ceil() as i64);
        let cloid = Cloid((u128::from(u32::from_be_bytes(*b"tkr1")) << 96) | self.next);
        self.next += 1;
        let order = OrderRequest {
            asset: spec.asset,
            cloid,
            side: Side::Ask,
            px,
            sz: lots,
            tif: Tif::Ioc,
            reduce_only: false,
        };
        let batch =
            [Intent { command: Command::Place(order), frame_recv: Nanos(0), decided: Nanos(0) }];
        let mut outcomes = Vec::new();
        e.rt.block_on(self.gw.submit(&batch, &mut outcomes));
        true
    }
}

struct Reply {
    status: StatusCode,
    text: String,
    json: Value,
}

fn has_keys(doc: &Value, keys: &[&str], what: &str) {
    for k in keys {
        assert!(doc.get(k).is_some(), "{what} has `{k}`: {doc}");
    }
}

#[test]
fn every_read_endpoint_answers_its_documented_shape() {
    let e = engine();
    let status = e.get("/api/v1/status");
    has_keys(
        &status,
        &[
            "venue",
            "instance",
            "version",
            "uptime_s",
            "connected",
            "quoting",
            "killed",
            "rate_budget",
            "dead_man",
            "redis",
        ],
        "status",
    );
    assert_eq!(status["connected"], true, "the feed is up: {status}");
    let dead_man = status["dead_man"]["state"].as_str().unwrap_or("");
    assert!(["armed", "off", "refused"].contains(&dead_man), "dead-man state: {status}");

    let positions = e.get("/api/v1/positions");
    has_keys(
        &positions,
        &["timestamp_ms", "total_pnl", "total_long_exposure", "positions"],
        "positions",
    );
    let coins: Vec<&str> = positions["positions"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|p| p["symbol"].as_str())
        .collect();
    assert!(coins.contains(&"BTC") && coins.contains(&"ETH"), "both quoted coins: {positions}");
    for p in positions["positions"].as_array().expect("array") {
        has_keys(
            p,
            &[
                "size",
                "entry_price",
                "current_price",
                "unrealized_pnl",
                "realized_pnl",
                "risk_state",
                "config_version",
            ],
            "position",
        );
    }

    let orders = e.get("/api/v1/orders");
    has_keys(&orders, &["open", "history", "metrics"], "orders");
    has_keys(
        &orders["metrics"],
        &["placed", "cancelled", "filled", "fill_rate", "rejected"],
        "metrics",
    );
    assert!(
        orders["metrics"]["placed"].as_u64().unwrap_or(0) >= 1,
        "the engine has placed orders: {orders}"
    );
    assert!(!orders["history"].as_array().expect("array").is_empty(), "order history is published");

    let fills = e.get("/api/v1/fills?limit=5");
    assert!(fills["fills"].as_array().expect("array").len() <= 5);

    let risk = e.get("/api/v1/risk");
    has_keys(&risk, &["coins", "audit", "control_audit"], "risk");
    for c in risk["coins"].as_array().expect("array") {
        let limits: Vec<&str> = c["limits"]
            .as_array()
            .expect("limits")
            .iter()
            .filter_map(|l| l["name"].as_str())
            .collect();
        assert!(
            limits.contains(&"long") && limits.contains(&"short") && limits.contains(&"daily_loss"),
            "limit usage: {c}"
        );
    }

    let config = e.get("/api/v1/config");
    let fields: Vec<&str> = config["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert!(fields.contains(&"min_half_spread_bps"), "the field rules are listed: {fields:?}");
    assert!(e.symbol_config("BTC")["config"].get("min_half_spread_bps").is_some());

    // The recorders hand over their histograms in intervals: wait for the first to arrive.
    let f2i_of = || {
        let latency = e.get("/api/v1/latency");
        latency["stages"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["stage"] == "frame_to_intent"))
            .cloned()
            .unwrap_or_else(|| panic!("frame_to_intent in /latency: {latency}"))
    };
    wait_for("frame_to_intent measured", || f2i_of()["count"].as_u64().unwrap_or(0) >= 1);
    let f2i = &f2i_of();
    has_keys(f2i, &["p50_ns", "p99_ns", "max_ns", "buckets"], "stage");

    let symbols = e.get("/api/v1/symbols");
    has_keys(&symbols, &["enabled", "selected", "ranked"], "symbols");

    let health = e.call(Method::GET, "/healthz", None, None);
    assert_eq!((health.status, health.json.clone()), (StatusCode::OK, json!({"status": "ok"})));

    let metrics = e.call(Method::GET, "/metrics", Some(READ_TOKEN), None);
    assert_eq!(metrics.status, StatusCode::OK);
    for family in ["hlmm_intents_sent", "hlmm_position_size", "hlmm_risk_state"] {
        assert!(metrics.text.contains(family), "/metrics has {family}");
    }
    let openapi = e.call(Method::GET, "/api/openapi.json", None, None);
    assert_eq!(openapi.status, StatusCode::OK);
    assert!(openapi.json["paths"].get("/api/v1/kill").is_some(), "the OpenAPI document lists kill");
    let dashboard = e.call(Method::GET, "/", None, None);
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(
        dashboard.text.contains("<html") || dashboard.text.contains("<!doctype"),
        "the dashboard page"
    );
}

#[test]
fn missing_wrong_or_underscoped_tokens_and_foreign_hosts_are_refused() {
    let e = engine();
    let cases: &[(&str, Method, &str, Option<&str>, StatusCode)] = &[
        ("no token", Method::GET, "/api/v1/status", None, StatusCode::UNAUTHORIZED),
        (
            "unknown token",
            Method::GET,
            "/api/v1/status",
            Some("not-a-token-of-ours-xyz"),
            StatusCode::UNAUTHORIZED,
        ),
        ("metrics without a token", Method::GET, "/metrics", None, StatusCode::UNAUTHORIZED),
        (
            "read token on kill",
            Method::POST,
            "/api/v1/kill",
            Some(READ_TOKEN),
            StatusCode::FORBIDDEN,
        ),
        (
            "read token on a config patch",
            Method::PATCH,
            "/api/v1/config/BTC",
            Some(READ_TOKEN),
            StatusCode::FORBIDDEN,
        ),
        (
            "unknown endpoint",
            Method::GET,
            "/api/v1/nothing-here",
            Some(READ_TOKEN),
            StatusCode::NOT_FOUND,
        ),
        (
            "fills limit out of range",
            Method::GET,
            "/api/v1/fills?limit=0",
            Some(READ_TOKEN),
            StatusCode::BAD_REQUEST,
        ),
        (
            "unknown fills parameter",
            Method::GET,
            "/api/v1/fills?lmit=3",
            Some(READ_TOKEN),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (name, method, path, token, want) in cases {
        let body = (*method == Method::PATCH).then(|| json!({"min_half_spread_bps": 3.0}));
        let r = e.call(method.clone(), path, *token, body);
        assert_eq!(r.status, *want, "{name}: {}", r.text);
        if r.status.is_client_error() {
            assert!(r.json.get("error").is_some(), "{name}: a JSON error body: {}", r.text);
        }
    }
    // DNS rebinding: a page on another name reaching our loopback port.
    let foreign_host = e.http.get(e.url("/api/v1/status")).header("Host", "evil.example:80");
    assert_eq!(e.send(foreign_host, Some(READ_TOKEN), None).status, StatusCode::FORBIDDEN);
    let foreign_origin =
        e.http.get(e.url("/api/v1/status")).header("Origin", "http://evil.example");
    assert_eq!(e.send(foreign_origin, Some(READ_TOKEN), None).status, StatusCode::FORBIDDEN);
    let own_origin =
        e.http.get(e.url("/api/v1/status")).header("Origin", format!("http://{}", e.api));
    assert_eq!(e.send(own_origin, Some(READ_TOKEN), None).status, StatusCode::OK);
    // Health stays open for probes.
    assert_eq!(e.call(Method::GET, "/healthz", None, None).status, StatusCode::OK);
}

#[test]
fn kill_halts_every_coin_and_empties_the_venue_and_resume_quotes_again() {
    let e = engine();
    let _serial = control_lock();
    wait_for_venue("orders of ours rest at the venue", || !e.venue_orders().is_empty());

    let r = e.control(Method::POST, "/api/v1/kill", None);
    assert_eq!(r.status, StatusCode::OK, "kill: {}", r.text);
    assert_eq!(r.json, json!({"result": "accepted", "action": "kill", "target": "all"}));
    for coin in ["BTC", "ETH"] {
        wait_for_coin(e, coin, "halted by the kill", |s, r| (s, r) == ("Halted", "Kill"));
    }
    wait_for_venue("no order of ours at the venue", || e.venue_orders().is_empty());
    assert_eq!(e.get("/api/v1/status")["killed"], true);
    let audit = e.get("/api/v1/risk")["control_audit"].clone();
    assert!(
        audit
            .as_array()
            .expect("array")
            .iter()
            .any(|a| a["action"] == "kill" && a["token_id"] == "ops"),
        "the kill is audited with the caller's token id: {audit}"
    );
    // Killed: the quote thread sends nothing new that rests.
    std::thread::sleep(Duration::from_secs(2));
    assert!(e.venue_orders().is_empty(), "nothing is placed while killed");

    let sent_before = e.counters.get(Counter::IntentsSent);
    let r = e.control(Method::POST, "/api/v1/resume", None);
    assert_eq!(r.status, StatusCode::OK, "resume: {}", r.text);
    // The kill is lifted; a coin may still reduce for a reason of its own (a stop, a
    // take-profit), so what is checked is that no coin is halted any more.
    for coin in ["BTC", "ETH"] {
        wait_for_coin(e, coin, "no longer halted", |s, _| s != "Halted");
    }
    wait_for("quoting again", || e.counters.get(Counter::IntentsSent) > sent_before + 4);
    wait_for_venue("orders rest again", || !e.venue_orders().is_empty());
    assert_eq!(e.get("/api/v1/status")["killed"], false);
}

#[test]
fn halting_one_symbol_leaves_the_other_quoting_and_hedge_only_reduces() {
    let e = engine();
    let _serial = control_lock();
    let r = e.control(Method::POST, "/api/v1/symbols/BTC/halt", None);
    assert_eq!(r.status, StatusCode::OK, "halt BTC: {}", r.text);
    wait_for_coin(e, "BTC", "halted by the operator", |s, r| (s, r) == ("Halted", "OperatorHalt"));
    wait_for_venue("no BTC order at the venue", || !e.venue_orders().iter().any(|c| c == "BTC"));
    assert_ne!(e.coin_state("ETH").0, "Halted", "ETH is untouched");
    wait_for_venue("ETH still rests", || e.venue_orders().iter().any(|c| c == "ETH"));

    let r = e.control(Method::POST, "/api/v1/symbols/BTC/resume", None);
    assert_eq!(r.status, StatusCode::OK, "resume BTC: {}", r.text);
    wait_for_coin(e, "BTC", "no longer halted", |s, _| s != "Halted");
    wait_for_venue("BTC rests again", || e.venue_orders().iter().any(|c| c == "BTC"));

    // Hedge-only on a coin with no reason of its own to reduce: a stop's exit outranks it.
    let clear = std::cell::Cell::new("");
    wait_for("a coin active for no reason but the default", || {
        let found = ["BTC", "ETH"].into_iter().find(|c| {
            let (state, reason) = e.coin_state(c);
            (state.as_str(), reason.as_str()) == ("Active", "Clear")
        });
        found.inspect(|c| clear.set(c)).is_some()
    });
    let coin = clear.get();
    let r = e.control(Method::POST, &format!("/api/v1/symbols/{coin}/hedge-only"), None);
    assert_eq!(r.status, StatusCode::OK, "hedge-only {coin}: {}", r.text);
    assert_eq!(e.symbol_config(coin)["config"]["hedge_only_mode"], true, "a config change");
    wait_for_coin(e, coin, "hedge-only", |s, r| (s, r) == ("Reducing", "HedgeOnlyConfig"));
    let r = e.control(
        Method::PATCH,
        &format!("/api/v1/config/{coin}"),
        Some(json!({"hedge_only_mode": false})),
    );
    assert_eq!(r.status, StatusCode::OK, "lift hedge-only: {}", r.text);
    wait_for_coin(e, coin, "hedge-only lifted", |_, r| r != "HedgeOnlyConfig");

    let r = e.control(Method::POST, "/api/v1/symbols/DOGE/halt", None);
    assert_eq!(r.status, StatusCode::NOT_FOUND, "a coin this engine does not quote: {}", r.text);
    let r = e.control(Method::POST, "/api/v1/symbols/BTC/explode", None);
    assert_eq!(r.status, StatusCode::NOT_FOUND, "an unknown action: {}", r.text);
}

#[test]
fn a_config_patch_is_applied_with_a_new_version_and_a_bad_one_changes_nothing() {
    let e = engine();
    let _serial = control_lock();
    let before = e.symbol_config("BTC");
    let version = before["version"].as_u64().expect("version");
    let old = before["config"]["min_half_spread_bps"].as_f64().expect("spread");
    let new = old + 1.5;

    let r =
        e.control(Method::PATCH, "/api/v1/config/BTC", Some(json!({"min_half_spread_bps": new})));
    assert_eq!(r.status, StatusCode::OK, "patch: {}", r.text);
    assert_eq!(r.json["version"].as_u64(), Some(version + 1), "the version moves: {}", r.text);
    let change = &r.json["changes"][0];
    assert_eq!(
        (change["field"].as_str(), change["new"].as_f64()),
        (Some("min_half_spread_bps"), Some(new))
    );
    // Published before the answer was sent: a read right after it sees the new version.
    let now = e.symbol_config("BTC");
    assert_eq!(now["version"].as_u64(), Some(version + 1), "GET /config after the answer: {now}");
    assert_eq!(now["config"]["min_half_spread_bps"].as_f64(), Some(new));
    // The core confirms it: `config_version` in /positions is the version the quote thread runs.
    wait_for("the core applies the new version", || {
        let positions = e.get("/api/v1/positions");
        positions["positions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["symbol"] == "BTC" && p["config_version"].as_u64() == Some(version + 1))
    });

    let refused: &[(&str, Value, &str)] = &[
        ("a negative spread", json!({"min_half_spread_bps": -1.0}), "min_half_spread_bps"),
        ("an unknown field", json!({"spread_bps_typo": 3.0}), "spread_bps_typo"),
        ("a wrong type", json!({"min_half_spread_bps": "wide"}), "min_half_spread_bps"),
        (
            "one bad field among good ones",
            json!({"min_half_spread_bps": 4.0, "vol_k": -2.0}),
            "vol_k",
        ),
    ];
    for (name, body, field) in refused {
        let r = e.control(Method::PATCH, "/api/v1/config/BTC", Some(body.clone()));
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", r.text);
        let errors = r.json["errors"].as_array().unwrap_or_else(|| panic!("{name}: {}", r.text));
        assert!(errors.iter().any(|x| x["field"] == *field), "{name}: names `{field}`: {}", r.text);
    }
    let r = e.control(Method::PATCH, "/api/v1/config/BTC", None);
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "no body: {}", r.text);
    let after = e.symbol_config("BTC");
    assert_eq!(after["version"].as_u64(), Some(version + 1), "refused patches change no version");
    assert_eq!(after["config"]["min_half_spread_bps"].as_f64(), Some(new), "nor any value");
    // Back as it was, for the tests that need the engine filled.
    let r =
        e.control(Method::PATCH, "/api/v1/config/BTC", Some(json!({"min_half_spread_bps": old})));
    assert_eq!(r.status, StatusCode::OK, "restore: {}", r.text);
}

/// Reads the stream for `dur`, noting each message's type and every fill by its `tid`.
fn read_stream<S>(
    e: &Running,
    ws: &mut S,
    dur: Duration,
    kinds: &mut BTreeSet<String>,
    fills: &mut BTreeMap<u64, Value>,
) where
    S: futures_util::Stream<
            Item = Result<
                tokio_tungstenite::tungstenite::Message,
                tokio_tungstenite::tungstenite::Error,
            >,
        > + Unpin,
{
    e.rt.block_on(async {
        let deadline = tokio::time::Instant::now() + dur;
        while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, ws.next()).await {
            let Ok(text) = msg.expect("the stream stays open").into_text() else { continue };
            let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
            let kind = v["type"].as_str().unwrap_or("").to_owned();
            if kind == "fill" {
                let tid = v["data"]["tid"].as_u64().expect("a fill's tid");
                fills.insert(tid, v["data"].clone());
            }
            kinds.insert(kind);
        }
    });
}

#[test]
fn the_stream_delivers_every_fill_the_venue_reports_and_the_fills_endpoint_lists_them() {
    let e = engine();
    let _serial = control_lock();
    let ticket = e.call(Method::POST, "/api/v1/stream/ticket", Some(READ_TOKEN), None);
    assert_eq!(ticket.status, StatusCode::OK, "ticket: {}", ticket.text);
    let ticket = ticket.json["ticket"].as_str().expect("a ticket").to_owned();
    let url = format!("ws://{}/api/v1/stream?ticket={ticket}", e.api);
    let mut taker = Taker::new(e);
    let (mut ws, _) =
        e.rt.block_on(tokio_tungstenite::connect_async(url.as_str())).expect("upgrade");
    // Fills the venue reported before the stream opened are not the stream's to deliver.
    let before = e.venue_fill_tids();
    let (mut kinds, mut streamed) = (BTreeSet::new(), BTreeMap::new());
    let started = Instant::now();
    // Sell into one of our bids, then read the stream for a while; again if our bid moved away
    // before the sell reached it.
    while streamed.is_empty() {
        assert!(started.elapsed() < WAIT, "a fill on the stream; saw {kinds:?}");
        taker.sell_into_our_bid(e);
        read_stream(e, &mut ws, Duration::from_secs(5), &mut kinds, &mut streamed);
    }
    eprintln!("first fill on the stream after {:?}", started.elapsed());
    // Every fill of ours the venue reports since (the taker's and the simulator's flow) reaches
    // the stream.
    loop {
        let at_venue: BTreeSet<u64> = e.venue_fill_tids().difference(&before).copied().collect();
        let missing: Vec<u64> =
            at_venue.iter().filter(|t| !streamed.contains_key(t)).copied().collect();
        if !at_venue.is_empty() && missing.is_empty() {
            eprintln!("{} venue fills, all on the stream", at_venue.len());
            break;
        }
        assert!(started.elapsed() < WAIT, "venue fills never on the stream: {missing:?}");
        read_stream(e, &mut ws, Duration::from_secs(2), &mut kinds, &mut streamed);
    }
    assert!(kinds.contains("hello"), "the stream greets first: {kinds:?}");
    for kind in ["positions", "risk", "orders", "latency", "status"] {
        assert!(kinds.contains(kind), "the stream sends `{kind}`: {kinds:?}");
    }
    let (tid, fill) = streamed.iter().next().expect("a fill");
    has_keys(fill, &["time_ms", "symbol", "side", "price", "size", "fee", "tid", "oid"], "fill");
    let listed = e.get("/api/v1/fills?limit=1000");
    assert!(
        listed["fills"].as_array().expect("array").iter().any(|f| f["tid"].as_u64() == Some(*tid)),
        "fill {tid} from the stream is in /fills: {listed}"
    );
    // A ticket is single use, and the stream needs one.
    let refused = |url: String| match e.rt.block_on(tokio_tungstenite::connect_async(url.as_str()))
    {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(other) => panic!("{url}: refused with an HTTP status, not {other}"),
        Ok(_) => panic!("{url}: the stream opened"),
    };
    assert_eq!(refused(url.clone()), 401, "a redeemed ticket does not open a second stream");
    assert_eq!(refused(format!("ws://{}/api/v1/stream", e.api)), 401, "no ticket");
    assert_eq!(
        refused(format!("ws://{}/api/v1/stream?ticket=forged", e.api)),
        401,
        "a forged ticket"
    );
}
