//! The unmodified `hyperliquid_rust_sdk` 0.6.0 drives the in-process simulator
//! (hyperliquid.md §10–§11): orders, modifies, cancels, a fill, leverage, the account queries
//! and the WS subscriptions, all through the SDK's public API; an action signed by an unfunded
//! key is refused with the venue's text; the SDK's published signature vectors verify in the
//! simulator's authenticator.
//!
//! `ExchangeClient::new` always reads `meta` and `spotMeta` from `http://localhost:3001`
//! (`BaseUrl::Localhost`; there is no custom URL). Each simulator here listens on an ephemeral
//! port; for the few milliseconds of construction a stand-in on `localhost:3001` forwards
//! `/info` to it, then the client's pub `http_client.base_url` is pointed at the simulator.
//! Holding 3001 only that briefly (serialised in-process by a mutex, across processes by
//! retrying the bind) lets several test processes and engineers share the machine; binding
//! the simulator itself on 3001 would hold the port for the whole scenario.

use std::collections::BTreeSet;
use std::future::IntoFuture as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use ethers::signers::{LocalWallet, Signer as _};
use ethers::types::H160;
use hlmm::sim::handle::FundAccount;
use hlmm::sim::rules::auth::{Authenticator as _, SignatureVerifier};
use hlmm::sim::{Address, SimConfig, SimHandle};
use hlmm::types::{AssetId, Coin, InstrumentSpec, Px, Sz};
use hlmm::wire::sign::{agent_digest, recover_signer, Chain, ExchangeRequest, Signature};
use hyperliquid_rust_sdk::{
    Actions, AssetCtx, BaseUrl, ClientCancelRequest, ClientCancelRequestCloid, ClientLimit,
    ClientModifyRequest, ClientOrder, ClientOrderRequest, ExchangeClient, ExchangeDataStatus,
    ExchangeResponseStatus, InfoClient, Message, Subscription, UserData,
};
use parking_lot::Mutex;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use uuid::Uuid;

/// The SDK's published test key (`src/exchange/exchange_client.rs` tests); not a real wallet.
const SDK_KEY_HEX: &str = "e908f86dbb4d55ac876378565aafeabc187f6690f046459397b17d9b9a19688e";

/// A second fixed key that no simulator in this file funds.
const STRANGER_KEY_HEX: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

/// The nonce of every SDK test vector.
const VECTOR_NONCE: u64 = 1_583_838;

/// Guards every wait on the network; never an assertion on speed.
const SAFETY: Duration = Duration::from_secs(30);

/// How long to keep retrying `localhost:3001` while another test process holds it for its
/// own construction window.
const PORT_3001_PATIENCE: Duration = Duration::from_secs(120);

/// The coin the scenario trades (asset 1, `szDecimals` 4: 0.1 ticks around 3 400).
const COIN: &str = "ETH";

fn wallet(hex: &str) -> LocalWallet {
    hex.parse().expect("fixed test key")
}

fn sim_address(a: H160) -> Address {
    Address(a.to_fixed_bytes())
}

/// A simulator on an ephemeral port with `funded` credited 100 000 USDC each.
fn start_sim(funded: &[H160]) -> SimHandle {
    let fund =
        funded.iter().map(|&a| FundAccount { address: sim_address(a), usdc: 100_000.0 }).collect();
    SimHandle::start(SimConfig { fund, ..SimConfig::ephemeral() }).expect("simulator starts")
}

// ---------------------------------------------------------------------------------------------
// Construction through localhost:3001
// ---------------------------------------------------------------------------------------------

/// One construction window at a time in this process; other processes are kept out by the
/// port itself.
static PORT_3001: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The stand-in's state: where to forward, and which `/info` types it was asked for.
#[derive(Clone)]
struct Forward {
    client: reqwest::Client,
    info_url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

async fn forward_info(State(f): State<Forward>, body: String) -> (StatusCode, String) {
    let kind = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["type"].as_str().map(str::to_owned))
        .unwrap_or_default();
    f.seen.lock().push(kind);
    let sent = f
        .client
        .post(&f.info_url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    match sent {
        Ok(r) => {
            let status =
                StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            (status, r.text().await.unwrap_or_default())
        }
        Err(e) => (StatusCode::BAD_GATEWAY, format!("stand-in: {e}")),
    }
}

/// Binds `addr`, retrying while another process holds it (bounded by [`PORT_3001_PATIENCE`]).
/// `None` when the address does not exist on this host (no IPv6 loopback).
async fn bind_patiently(addr: SocketAddr) -> Option<TcpListener> {
    let attempt = async {
        loop {
            match TcpListener::bind(addr).await {
                Ok(l) => return Some(l),
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                // `localhost` names ::1 but the host has no IPv6 loopback: nothing can
                // listen there, so the SDK's connection falls back to 127.0.0.1.
                Err(_) if addr.is_ipv6() => return None,
                Err(e) => panic!("binding {addr} for ExchangeClient::new: {e}"),
            }
        }
    };
    tokio::time::timeout(PORT_3001_PATIENCE, attempt).await.unwrap_or_else(|_| {
        panic!(
            "{addr} stayed busy for {PORT_3001_PATIENCE:?}: ExchangeClient::new(BaseUrl::Localhost) \
             reads meta/spotMeta from localhost:3001 (hyperliquid.md §11), so this test needs the \
             port free for a moment; is a long-running `hlmm sim` or other server holding it?"
        )
    })
}

/// `ExchangeClient::new(None, wallet, Some(BaseUrl::Localhost), None, None)` with its
/// construction-time `/info` calls answered by `sim`, then re-pointed at `sim`.
async fn exchange_client(sim: &SimHandle, wallet: LocalWallet) -> ExchangeClient {
    let _window = PORT_3001.lock().await;
    let forward =
        Forward { client: reqwest::Client::new(), info_url: sim.info_url(), seen: Arc::default() };
    let app = Router::new().route("/info", post(forward_info)).with_state(forward.clone());
    // Hold every address `localhost` resolves to (as the SDK's resolver sees it), so the SDK
    // reaches the stand-in and never some other server.
    let targets: BTreeSet<SocketAddr> =
        tokio::net::lookup_host(("localhost", 3001)).await.expect("resolve localhost").collect();
    let mut servers = Vec::with_capacity(targets.len());
    for addr in targets {
        if let Some(l) = bind_patiently(addr).await {
            servers.push(tokio::spawn(axum::serve(l, app.clone()).into_future()));
        }
    }
    assert!(!servers.is_empty(), "localhost:3001 bound");

    let built = tokio::time::timeout(
        SAFETY,
        ExchangeClient::new(None, wallet, Some(BaseUrl::Localhost), None, None),
    )
    .await
    .expect("ExchangeClient::new in time");

    for s in servers {
        s.abort();
        // Waits until the task (and with it the listener) is dropped: 3001 is free again.
        let _ = s.await;
    }
    let mut client = built.expect("ExchangeClient::new against the stand-in");
    assert_eq!(
        *forward.seen.lock(),
        ["meta", "spotMeta"],
        "what ExchangeClient::new asks localhost:3001 for"
    );
    client.http_client.base_url = sim.base_url();
    client
}

/// `InfoClient` for `sim` (no I/O before the first call).
async fn info_client(sim: &SimHandle) -> InfoClient {
    let mut info = InfoClient::new(None, Some(BaseUrl::Localhost)).await.expect("InfoClient::new");
    info.http_client.base_url = sim.base_url();
    info
}

// ---------------------------------------------------------------------------------------------
// Helpers over SDK results
// ---------------------------------------------------------------------------------------------

fn statuses(
    what: &str,
    r: Result<ExchangeResponseStatus, hyperliquid_rust_sdk::Error>,
) -> Vec<ExchangeDataStatus> {
    match r {
        Ok(ExchangeResponseStatus::Ok(resp)) => match resp.data {
            Some(d) => d.statuses,
            None => panic!("{what}: no statuses in {resp:?}"),
        },
        other => panic!("{what}: {other:?}"),
    }
}

fn resting(what: &str, s: &ExchangeDataStatus) -> u64 {
    match s {
        ExchangeDataStatus::Resting(r) => r.oid,
        other => panic!("{what}: expected resting, got {other:?}"),
    }
}

fn success(what: &str, s: &[ExchangeDataStatus]) {
    assert!(matches!(s, [ExchangeDataStatus::Success]), "{what}: expected [success], got {s:?}");
}

fn gtc_bid(spec: &InstrumentSpec, px: Px, sz: Sz, cloid: Option<Uuid>) -> ClientOrderRequest {
    ClientOrderRequest {
        asset: COIN.to_owned(),
        is_buy: true,
        reduce_only: false,
        limit_px: spec.px_to_f64(px),
        sz: spec.sz_to_f64(sz),
        cloid,
        order_type: ClientOrder::Limit(ClientLimit { tif: "Gtc".to_owned() }),
    }
}

fn parse_px(spec: &InstrumentSpec, s: &str) -> Px {
    spec.parse_px(s.as_bytes()).unwrap_or_else(|e| panic!("price {s:?}: {e:?}"))
}

fn parse_sz(spec: &InstrumentSpec, s: &str) -> Sz {
    spec.parse_signed_sz(s.as_bytes()).unwrap_or_else(|e| panic!("size {s:?}: {e:?}"))
}

/// A price that need not sit on the tick grid (an average), as a number.
fn decimal(s: &str) -> f64 {
    s.parse().unwrap_or_else(|e| panic!("decimal {s:?}: {e}"))
}

/// The next message on `rx` that `pick` accepts (others are skipped), within [`SAFETY`].
async fn next_where<T>(
    rx: &mut UnboundedReceiver<Message>,
    what: &str,
    mut pick: impl FnMut(Message) -> Option<T>,
) -> T {
    let wait = async {
        loop {
            let m = rx.recv().await.unwrap_or_else(|| panic!("{what}: subscription closed"));
            if let Some(t) = pick(m) {
                return t;
            }
        }
    };
    tokio::time::timeout(SAFETY, wait).await.unwrap_or_else(|_| panic!("{what}: nothing in time"))
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_orders_modifies_cancels_fills_and_streams_against_the_simulator() {
    let me = wallet(SDK_KEY_HEX);
    let user = me.address();
    let sim = start_sim(&[user]);
    let exchange = exchange_client(&sim, me).await;
    let mut info = info_client(&sim).await;

    // Construction read the simulator's universe: the SDK's coin → asset map is the sim's.
    let meta = info.meta().await.expect("meta");
    let names: Vec<_> = meta.universe.iter().map(|a| a.name.as_str()).collect();
    let sdk_names: Vec<_> = exchange.meta.universe.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(sdk_names, names);
    let asset = exchange.coin_to_asset[COIN];
    let sz_decimals = u8::try_from(meta.universe[asset as usize].sz_decimals).expect("szDecimals");
    let spec = InstrumentSpec::perp(
        AssetId(asset),
        Coin::new(COIN.as_bytes()).expect("coin"),
        sz_decimals,
    );

    // Price everything from the simulator's own book, on valid ticks.
    let book = info.l2_snapshot(COIN.to_owned()).await.expect("l2 snapshot");
    assert_eq!(book.coin, COIN);
    let best_bid = parse_px(&spec, &book.levels[0].first().expect("a bid level").px);
    let best_ask = parse_px(&spec, &book.levels[1].first().expect("an ask level").px);
    assert!(best_bid < best_ask, "book not crossed: {best_bid:?} < {best_ask:?}");
    let bid = spec.px_to_f64(best_bid);
    let below = |frac: f64| spec.bid_from_f64(bid * frac).expect("a bid price");
    let sz = spec.sz_from_f64_down(0.01).expect("size");
    let (far_px, modified_px, deep_px, cloid_px) =
        (below(0.90), below(0.88), below(0.85), below(0.87));
    for px in [far_px, modified_px, deep_px, cloid_px] {
        assert!(spec.is_valid_px(px) && spec.meets_min_notional(px, sz), "{px:?}");
    }

    // Subscribe first and wait for the fills snapshot, so the fill below must come streamed.
    let (book_tx, mut book_rx) = unbounded_channel();
    let (fills_tx, mut fills_rx) = unbounded_channel();
    info.subscribe(Subscription::L2Book { coin: COIN.to_owned() }, book_tx)
        .await
        .expect("subscribe l2Book");
    info.subscribe(Subscription::UserFills { user }, fills_tx).await.expect("subscribe userFills");
    let snapshot = next_where(&mut fills_rx, "userFills snapshot", |m| match m {
        Message::UserFills(f) => Some(f.data),
        _ => None,
    })
    .await;
    assert_eq!(snapshot.is_snapshot, Some(true), "the first userFills message is the snapshot");
    assert_eq!(snapshot.user, user);
    assert!(snapshot.fills.is_empty(), "a fresh account has no fills: {:?}", snapshot.fills);

    let (orders_tx, mut orders_rx) = unbounded_channel();
    let (events_tx, mut events_rx) = unbounded_channel();
    info.subscribe(Subscription::OrderUpdates { user }, orders_tx)
        .await
        .expect("subscribe orderUpdates");
    info.subscribe(Subscription::UserEvents { user }, events_tx)
        .await
        .expect("subscribe userEvents");

    // bulk_order: two bids well below the book rest.
    let placed = statuses(
        "bulk_order",
        exchange
            .bulk_order(
                vec![gtc_bid(&spec, far_px, sz, None), gtc_bid(&spec, deep_px, sz, None)],
                None,
            )
            .await,
    );
    assert_eq!(placed.len(), 2, "{placed:?}");
    let far_oid = resting("bulk_order[0]", &placed[0]);
    let deep_oid = resting("bulk_order[1]", &placed[1]);
    assert_ne!(far_oid, deep_oid);

    // bulk_modify: the first bid moves (and doubles); it rests again at the new price.
    let modified = statuses(
        "bulk_modify",
        exchange
            .bulk_modify(
                vec![ClientModifyRequest {
                    oid: far_oid,
                    order: gtc_bid(&spec, modified_px, Sz(sz.0 * 2), None),
                }],
                None,
            )
            .await,
    );
    assert_eq!(modified.len(), 1, "{modified:?}");
    let modified_oid = resting("bulk_modify", &modified[0]);
    let open = info.open_orders(user).await.expect("open orders after modify");
    let open_now: BTreeSet<_> = open
        .iter()
        .map(|o| (o.oid, parse_px(&spec, &o.limit_px), parse_sz(&spec, &o.sz)))
        .collect();
    assert_eq!(
        open_now,
        BTreeSet::from([(modified_oid, modified_px, Sz(sz.0 * 2)), (deep_oid, deep_px, sz)]),
        "open orders after the modify"
    );

    // bulk_cancel the modified order.
    success(
        "bulk_cancel",
        &statuses(
            "bulk_cancel",
            exchange
                .bulk_cancel(
                    vec![ClientCancelRequest { asset: COIN.to_owned(), oid: modified_oid }],
                    None,
                )
                .await,
        ),
    );

    // cancel_by_cloid: place with a cloid, then cancel by it.
    let cloid = Uuid::from_u128(0x1e60_610f_0b3d_4205_97c8_8c1f_ed2a_d5ee);
    let with_cloid = statuses(
        "order with cloid",
        exchange.order(gtc_bid(&spec, cloid_px, sz, Some(cloid)), None).await,
    );
    let cloid_oid = resting("order with cloid", &with_cloid[0]);
    success(
        "cancel_by_cloid",
        &statuses(
            "cancel_by_cloid",
            exchange
                .cancel_by_cloid(ClientCancelRequestCloid { asset: COIN.to_owned(), cloid }, None)
                .await,
        ),
    );

    // An IOC bid 1% through the ask crosses the synthetic book and fills completely.
    let cross_px = spec.ask_from_f64(spec.px_to_f64(best_ask) * 1.01).expect("crossing price");
    let mut cross = gtc_bid(&spec, cross_px, sz, None);
    cross.order_type = ClientOrder::Limit(ClientLimit { tif: "Ioc".to_owned() });
    let crossed = statuses("crossing order", exchange.order(cross, None).await);
    let filled = match crossed.as_slice() {
        [ExchangeDataStatus::Filled(f)] => f.clone(),
        other => panic!("crossing order: expected [filled], got {other:?}"),
    };
    assert_eq!(parse_sz(&spec, &filled.total_sz), sz, "filled size");
    // A fill across several levels averages off the tick grid: compare as numbers.
    let avg_px = decimal(&filled.avg_px);
    let limit = spec.px_to_f64(cross_px);
    assert!(avg_px <= limit, "a buy fills at or below its limit: {avg_px} > {limit}");

    // update_leverage: 5× cross.
    match exchange.update_leverage(5, COIN, true, None).await {
        Ok(ExchangeResponseStatus::Ok(r)) => assert_eq!(r.response_type, "default"),
        other => panic!("update_leverage: {other:?}"),
    }

    // user_state: the position is the fill, at the new leverage.
    let state = info.user_state(user).await.expect("user_state");
    let positions: Vec<_> = state.asset_positions.iter().map(|p| &p.position).collect();
    assert_eq!(positions.len(), 1, "one position: {positions:?}");
    let pos = positions[0];
    assert_eq!(pos.coin, COIN);
    assert_eq!(parse_sz(&spec, &pos.szi), sz, "position size equals the fill");
    let entry_px = decimal(pos.entry_px.as_deref().expect("an open position has an entry price"));
    assert!((entry_px - avg_px).abs() <= avg_px * 1e-9, "entry {entry_px} = fill average {avg_px}");
    assert_eq!((pos.leverage.type_string.as_str(), pos.leverage.value), ("cross", 5));

    // open_orders: only the deep bid still rests.
    let open = info.open_orders(user).await.expect("open_orders");
    let open_now: Vec<_> = open.iter().map(|o| (o.coin.as_str(), o.oid, o.side.as_str())).collect();
    assert_eq!(open_now, [(COIN, deep_oid, "B")], "still resting after cancels and the fill");
    assert!(![far_oid, modified_oid, cloid_oid, filled.oid].contains(&deep_oid));

    // query_order_by_oid: each order's final status, as the SDK parses it (`tif` a string).
    let cloid_hex = format!("0x{}", cloid.simple());
    let cases: [(&str, u64, &str, &str, Option<&str>); 4] = [
        ("the resting bid", deep_oid, "open", "Gtc", None),
        // batchModify without `a` turns a non-marketable GTC into ALO (hyperliquid.md §4).
        ("the modified bid, cancelled", modified_oid, "canceled", "Alo", None),
        ("the cloid bid, cancelled", cloid_oid, "canceled", "Gtc", Some(&cloid_hex)),
        ("the crossing order", filled.oid, "filled", "Ioc", None),
    ];
    for (name, oid, status, tif, cloid) in cases {
        let r =
            info.query_order_by_oid(user, oid).await.unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(r.status, "order", "{name}");
        let o = r.order.unwrap_or_else(|| panic!("{name}: no order"));
        assert_eq!((o.status.as_str(), o.order.oid), (status, oid), "{name}");
        assert_eq!((o.order.coin.as_str(), o.order.side.as_str()), (COIN, "B"), "{name}");
        assert_eq!((o.order.tif.as_str(), o.order.cloid.as_deref()), (tif, cloid), "{name}");
    }
    let unknown = info.query_order_by_oid(user, u64::from(u32::MAX)).await.expect("unknown oid");
    assert_eq!((unknown.status.as_str(), unknown.order.is_none()), ("unknownOid", true));

    // all_mids and funding_history (sent with `"endTime": null`) parse.
    let mids = info.all_mids().await.expect("all_mids");
    assert!(mids.contains_key(COIN), "allMids has {COIN}: {mids:?}");
    let _funding = info.funding_history(COIN.to_owned(), 0, None).await.expect("funding_history");

    // user_fills: the fill.
    let fills = info.user_fills(user).await.expect("user_fills");
    let mine: Vec<_> = fills.iter().filter(|f| f.oid == filled.oid).collect();
    assert!(!mine.is_empty(), "user_fills has the fill of oid {}: {fills:?}", filled.oid);
    let total: i64 = mine.iter().map(|f| parse_sz(&spec, &f.sz).0).sum();
    assert_eq!(Sz(total), sz);
    assert!(mine.iter().all(|f| f.coin == COIN && f.side == "B" && f.crossed), "{mine:?}");

    // The streams: a book for the coin, and the fill pushed after the snapshot.
    let pushed = next_where(&mut book_rx, "l2Book push", |m| match m {
        Message::L2Book(b) => Some(b.data),
        _ => None,
    })
    .await;
    assert_eq!(pushed.coin, COIN);
    assert_eq!(pushed.levels.len(), 2);
    assert!(!pushed.levels[0].is_empty() && !pushed.levels[1].is_empty(), "both sides quoted");
    let streamed = next_where(&mut fills_rx, "streamed fill", |m| match m {
        Message::UserFills(f) => {
            let hit: Vec<_> =
                f.data.fills.iter().filter(|t| t.oid == filled.oid).cloned().collect();
            (!hit.is_empty()).then_some((f.data.is_snapshot, f.data.user, hit))
        }
        _ => None,
    })
    .await;
    let (is_snapshot, fill_user, trades) = streamed;
    assert_ne!(is_snapshot, Some(true), "the fill comes as an update, not a second snapshot");
    assert_eq!(fill_user, user);
    assert_eq!(Sz(trades.iter().map(|t| parse_sz(&spec, &t.sz).0).sum()), sz);
    assert!(trades.iter().all(|t| t.coin == COIN && t.side == "B"), "{trades:?}");

    // orderUpdates: every order's transitions, routed by channel.
    let mut want: BTreeSet<(u64, &str)> = BTreeSet::from([
        (deep_oid, "open"),
        (modified_oid, "open"),
        (modified_oid, "canceled"),
        (cloid_oid, "open"),
        (cloid_oid, "canceled"),
        (filled.oid, "filled"),
    ]);
    next_where(&mut orders_rx, "order updates", |m| {
        if let Message::OrderUpdates(u) = m {
            for o in &u.data {
                assert_eq!((o.order.coin.as_str(), o.order.side.as_str()), (COIN, "B"), "{o:?}");
                want.retain(|&(oid, status)| (oid, status) != (o.order.oid, o.status.as_str()));
            }
        }
        want.is_empty().then_some(())
    })
    .await;

    // userEvents: the fill on the `user` channel.
    let event_fills = next_where(&mut events_rx, "user event with the fill", |m| match m {
        Message::User(u) => match u.data {
            UserData::Fills(f) if f.iter().any(|t| t.oid == filled.oid) => Some(f),
            _ => None,
        },
        _ => None,
    })
    .await;
    assert!(event_fills.iter().all(|t| t.coin == COIN), "{event_fills:?}");

    drop(info);
    tokio::task::block_in_place(|| sim.shutdown()).expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_action_signed_by_an_unfunded_key_is_refused_with_the_venue_text() {
    let funded = wallet(SDK_KEY_HEX);
    let stranger = wallet(STRANGER_KEY_HEX);
    assert_ne!(funded.address(), stranger.address());
    let sim = start_sim(&[funded.address()]);
    let exchange = exchange_client(&sim, stranger.clone()).await;
    let info = info_client(&sim).await;

    let asset = exchange.coin_to_asset[COIN];
    let spec = InstrumentSpec::perp(AssetId(asset), Coin::new(COIN.as_bytes()).expect("coin"), 4);
    let book = info.l2_snapshot(COIN.to_owned()).await.expect("l2 snapshot");
    let bid = parse_px(&spec, &book.levels[0].first().expect("a bid level").px);
    let px = spec.bid_from_f64(spec.px_to_f64(bid) * 0.9).expect("price");
    let order = gtc_bid(&spec, px, spec.sz_from_f64_down(0.01).expect("size"), None);

    let want = format!("User or API Wallet {:?} does not exist.", stranger.address());
    match exchange.bulk_order(vec![order], None).await {
        Ok(ExchangeResponseStatus::Err(text)) => assert_eq!(text, want),
        other => panic!("an unfunded signer: expected Err({want:?}), got {other:?}"),
    }
    let cancel = ClientCancelRequest { asset: COIN.to_owned(), oid: 1 };
    match exchange.cancel(cancel, None).await {
        Ok(ExchangeResponseStatus::Err(text)) => assert_eq!(text, want),
        other => panic!("an unfunded signer's cancel: expected Err({want:?}), got {other:?}"),
    }
    // Nothing happened to anyone.
    assert!(info.open_orders(stranger.address()).await.expect("open_orders").is_empty());
    assert!(info.open_orders(funded.address()).await.expect("open_orders").is_empty());

    tokio::task::block_in_place(|| sim.shutdown()).expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_market_data_subscriptions_route_trades_mids_and_asset_contexts() {
    let sim = start_sim(&[]);
    let mut info = info_client(&sim).await;
    let (trades_tx, mut trades_rx) = unbounded_channel();
    let (mids_tx, mut mids_rx) = unbounded_channel();
    let (ctx_tx, mut ctx_rx) = unbounded_channel();
    info.subscribe(Subscription::Trades { coin: COIN.to_owned() }, trades_tx)
        .await
        .expect("subscribe trades");
    info.subscribe(Subscription::AllMids, mids_tx).await.expect("subscribe allMids");
    info.subscribe(Subscription::ActiveAssetCtx { coin: COIN.to_owned() }, ctx_tx)
        .await
        .expect("subscribe activeAssetCtx");

    let trades = next_where(&mut trades_rx, "trades", |m| match m {
        Message::Trades(t) => Some(t.data),
        _ => None,
    })
    .await;
    assert!(!trades.is_empty());
    for t in &trades {
        assert_eq!(t.coin, COIN, "{t:?}");
        assert!(t.side == "B" || t.side == "A", "{t:?}");
        assert!(decimal(&t.px) > 0.0 && decimal(&t.sz) > 0.0, "{t:?}");
    }
    let mids = next_where(&mut mids_rx, "allMids", |m| match m {
        Message::AllMids(a) => Some(a.data.mids),
        _ => None,
    })
    .await;
    assert!(decimal(&mids[COIN]) > 0.0, "{mids:?}");
    let ctx = next_where(&mut ctx_rx, "activeAssetCtx", |m| match m {
        Message::ActiveAssetCtx(c) => Some(c.data),
        _ => None,
    })
    .await;
    assert_eq!(ctx.coin, COIN);
    match ctx.ctx {
        AssetCtx::Perps(p) => {
            assert!(decimal(&p.oracle_px) > 0.0 && decimal(&p.shared.mark_px) > 0.0, "{p:?}")
        }
        AssetCtx::Spot(s) => panic!("a perp's context parsed as spot: {s:?}"),
    }

    drop(info);
    tokio::task::block_in_place(|| sim.shutdown()).expect("clean shutdown");
}

/// One of the SDK's published vectors (`src/exchange/exchange_client.rs` tests): the action
/// as the SDK's JSON, signed with [`SDK_KEY_HEX`] at [`VECTOR_NONCE`], `r‖s‖v` hex.
struct Vector {
    name: &'static str,
    action: serde_json::Value,
    mainnet: &'static str,
    testnet: &'static str,
}

fn sdk_vectors() -> Vec<Vector> {
    let order = |t: serde_json::Value, cloid: Option<&str>| {
        let mut o = json!({"a": 1, "b": true, "p": "2000.0", "s": "3.5", "r": false, "t": t});
        if let Some(c) = cloid {
            o["c"] = json!(c);
        }
        json!({"type": "order", "orders": [o], "grouping": "na"})
    };
    let ioc = json!({"limit": {"tif": "Ioc"}});
    let trigger =
        |tpsl: &str| json!({"trigger": {"isMarket": true, "triggerPx": "2000.0", "tpsl": tpsl}});
    vec![
        Vector {
            name: "test_limit_order_action_hashing",
            action: order(ioc.clone(), None),
            mainnet: "77957e58e70f43b6b68581f2dc42011fc384538a2e5b7bf42d5b936f19fbb67360721a8598727230f67080efee48c812a6a4442013fd3b0eed509171bef9f23f1c",
            testnet: "cd0925372ff1ed499e54883e9a6205ecfadec748f80ec463fe2f84f1209648776377961965cb7b12414186b1ea291e95fd512722427efcbcfb3b0b2bcd4d79d01c",
        },
        Vector {
            name: "test_limit_order_action_hashing_with_cloid",
            action: order(ioc, Some("0x1e60610f0b3d420597c88c1fed2ad5ee")),
            mainnet: "d3e894092eb27098077145714630a77bbe3836120ee29df7d935d8510b03a08f456de5ec1be82aa65fc6ecda9ef928b0445e212517a98858cfaa251c4cd7552b1c",
            testnet: "3768349dbb22a7fd770fc9fc50c7b5124a7da342ea579b309f58002ceae49b4357badc7909770919c45d850aabb08474ff2b7b3204ae5b66d9f7375582981f111c",
        },
        Vector {
            name: "test_tpsl_order_action_hashing (tp)",
            action: order(trigger("tp"), None),
            mainnet: "b91e5011dff15e4b4a40753730bda44972132e7b75641f3cac58b66159534a170d422ee1ac3c7a7a2e11e298108a2d6b8da8612caceaeeb3e571de3b2dfda9e41b",
            testnet: "6df38b609904d0d4439884756b8f366f22b3a081801dbdd23f279094a2299fac6424cb0cdc48c3706aeaa368f81959e91059205403d3afd23a55983f710aee871b",
        },
        Vector {
            name: "test_tpsl_order_action_hashing (sl)",
            action: order(trigger("sl"), None),
            mainnet: "8456d2ace666fce1bee1084b00e9620fb20e810368841e9d4dd80eb29014611a0843416e51b1529c22dd2fc28f7ff8f6443875635c72011f60b62cbb8ce90e2d1c",
            testnet: "eb5bdb52297c1d19da45458758bd569dcb24c07e5c7bd52cf76600fd92fdd8213e661e21899c985421ec018a9ee7f3790e7b7d723a9932b7b5adcd7def5354601c",
        },
        Vector {
            name: "test_cancel_action_hashing",
            action: json!({"type": "cancel", "cancels": [{"a": 1, "o": 82382}]}),
            mainnet: "02f76cc5b16e0810152fa0e14e7b219f49c361e3325f771544c6f54e157bf9fa17ed0afc11a98596be85d5cd9f86600aad515337318f7ab346e5ccc1b03425d51b",
            testnet: "6ffebadfd48067663390962539fbde76cfa36f53be65abe2ab72c9db6d0db44457720db9d7c4860f142a484f070c84eb4b9694c3a617c83f0d698a27e55fd5e01c",
        },
    ]
}

/// The `/exchange` body the SDK would post for `action` with the `r‖s‖v` signature `sig`:
/// the action through the SDK's own `Actions` type, the signature through ethers' serde.
fn sdk_body(action: &serde_json::Value, sig: &str) -> ExchangeRequest {
    let action: Actions = serde_json::from_value(action.clone()).expect("an SDK action");
    let sig: ethers::types::Signature = sig.parse().expect("r||s||v hex");
    let body = json!({
        "action": serde_json::to_value(&action).expect("action json"),
        "signature": sig,
        "nonce": VECTOR_NONCE,
        "vaultAddress": null,
    });
    serde_json::from_value(body).expect("the simulator parses the SDK's body")
}

#[test]
fn sdk_published_signature_vectors_recover_the_sdk_key_in_the_simulator_verifier() {
    let key = sim_address(wallet(SDK_KEY_HEX).address());
    let both = SignatureVerifier::default();
    let testnet_only = SignatureVerifier { testnet_only: true };
    for v in sdk_vectors() {
        // Testnet (source "b", what the SDK signs for Localhost): recovered first.
        let body = sdk_body(&v.action, v.testnet);
        let signers = both.signers(&body).unwrap_or_else(|e| panic!("{}: {e:?}", v.name));
        assert_eq!(signers.first(), Some(&key), "{} testnet", v.name);
        assert_eq!(testnet_only.signers(&body).ok(), Some(vec![key]), "{} testnet only", v.name);

        // Mainnet (source "a"): found by the second try only.
        let body = sdk_body(&v.action, v.mainnet);
        let signers = both.signers(&body).unwrap_or_else(|e| panic!("{}: {e:?}", v.name));
        assert_eq!(signers.get(1), Some(&key), "{} mainnet", v.name);
        assert_ne!(signers.first(), Some(&key), "{} mainnet is not a testnet signature", v.name);

        // A changed nonce recovers somebody else.
        let mut moved = sdk_body(&v.action, v.testnet);
        moved.nonce += 1;
        let other = both.signers(&moved).unwrap_or_default();
        assert!(!other.contains(&key), "{} with another nonce", v.name);
    }
}

#[test]
fn sdk_published_sign_l1_action_vector_recovers_the_sdk_key() {
    // `src/signature/create_signature.rs` `test_sign_l1_action`: a fixed connection id.
    let hex = "de6c4037798a4434ca03cd05f00e3b803126221375cd1e7eaaaf041768be06eb";
    let mut cid = [0u8; 32];
    for (i, b) in cid.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
    }
    let want = sim_address(wallet(SDK_KEY_HEX).address());
    let cases = [
        (Chain::Mainnet, "fa8a41f6a3fa728206df80801a83bcbfbab08649cd34d9c0bfba7c7b2f99340f53a00226604567b98a1492803190d65a201d6805e5831b7044f17fd530aec7841c"),
        (Chain::Testnet, "1713c0fc661b792a50e8ffdd59b637b1ed172d9a3aa4d801d9d88646710fb74b33959f4d075a7ccbec9f2374a6da21ffa4448d58d0413a0d335775f680a881431c"),
    ];
    for (chain, sig) in cases {
        let sig: ethers::types::Signature = sig.parse().expect("r||s||v hex");
        let sig: Signature =
            serde_json::from_value(serde_json::to_value(sig).expect("json")).expect("wire sig");
        assert_eq!(recover_signer(&agent_digest(&cid, chain), &sig), Ok(want), "{chain:?}");
    }
}
