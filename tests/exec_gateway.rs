//! The Hyperliquid order gateway against the in-process simulator (127.0.0.1:0): real signed
//! actions, the simulator's signature check, its fault knobs.
//!
//! No wall-clock assertions: every wait is for a condition, with a generous timeout.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hlmm::msg::{ExecReport, Intent};
use hlmm::types::commands::{Command, OrderRequest, Tif};
use hlmm::types::outcome::{
    Accepted, AcceptedStatus, AmbiguousReason, CommandOutcome, OutcomeEvent, RejectReason,
};

use hlmm::sim::faults::{DropTarget, FaultUpdate};
use hlmm::sim::handle::{AgentEntry, FundAccount};
use hlmm::sim::{SimConfig, SimHandle};
use hlmm::types::events::OrderStatus;
use hlmm::types::Address;
use hlmm::types::{AssetId, Cloid, InstrumentSpec, Nanos, Side, Sz};
use hlmm::venue::exec::{GatewayConfig, HyperliquidGateway};
use hlmm::venue::gateway::OrderGateway;
use hlmm::venue::info::InfoClient;
use hlmm::wire::action::ActionRef;
use hlmm::wire::keys::AgentKey;
use hlmm::wire::nonce::NonceSource;
use hlmm::wire::sign::{write_exchange_body, Chain, L1Signer};
use serde_json::{json, Value};
use tokio::runtime::Runtime;

const ACCOUNT: Address = Address([0xa1; 20]);
const WAIT: Duration = Duration::from_secs(20);

struct Rig {
    sim: SimHandle,
    rt: Runtime,
    gw: HyperliquidGateway,
    info: InfoClient,
    btc: InstrumentSpec,
    next_cloid: u128,
    /// Reports seen while waiting for outcomes (resolver updates).
    kept: Vec<ExecReport>,
}

fn agent_key() -> AgentKey {
    AgentKey::from_bytes(&[0x42; 32]).expect("a valid test key")
}

/// A simulator with the funded account and its approved agent, and a gateway for it.
fn rig_with(tune: impl FnOnce(&mut GatewayConfig), ws: bool, exchange_url: Option<String>) -> Rig {
    rig_on(SimConfig::ephemeral(), tune, ws, exchange_url)
}

fn rig_on(
    base: SimConfig,
    tune: impl FnOnce(&mut GatewayConfig),
    ws: bool,
    exchange_url: Option<String>,
) -> Rig {
    let key = agent_key();
    let account = Address(ACCOUNT.0);
    let sim = SimHandle::start(SimConfig {
        block_interval_ms: 50,
        fund: vec![FundAccount { address: account, usdc: 1_000_000.0 }],
        agents: vec![AgentEntry { agent: Address(key.address().0), account }],
        ..base
    })
    .expect("simulator starts");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let info = InfoClient::new(sim.info_url(), Duration::from_secs(5)).expect("client");
    let instruments = rt.block_on(info.meta()).expect("meta").instruments();
    let btc = *instruments.iter().find(|s| s.coin.as_str() == "BTC").expect("BTC listed");
    let mut cfg = GatewayConfig::new(
        exchange_url.unwrap_or_else(|| sim.exchange_url()),
        sim.info_url(),
        ws.then(|| sim.ws_url()),
        ACCOUNT,
        Chain::Testnet,
    );
    cfg.reply_timeout = Duration::from_millis(800);
    cfg.expires_after = Duration::from_millis(1_500);
    cfg.resolve_interval = Duration::from_millis(100);
    tune(&mut cfg);
    let gw = HyperliquidGateway::new(
        cfg,
        L1Signer::new(key, Chain::Testnet),
        Arc::new(NonceSource::new()),
        &instruments,
    )
    .expect("gateway");
    let mut gw = gw;
    {
        // The socket and resolver tasks live on this runtime.
        let _inside = rt.enter();
        gw.start();
    }
    let mut rig = Rig { sim, rt, gw, info, btc, next_cloid: 1, kept: Vec::new() };
    if ws {
        rig.wait_for("the post socket", |r| r.gw.ws_connected());
    }
    rig
}

fn rig() -> Rig {
    rig_with(|_| {}, true, None)
}

impl Rig {
    fn cloid(&mut self) -> Cloid {
        self.next_cloid += 1;
        Cloid((u128::from(u32::from_be_bytes(*b"test")) << 96) | self.next_cloid)
    }

    fn wait_for(&mut self, what: &str, mut cond: impl FnMut(&mut Self) -> bool) {
        let start = Instant::now();
        while !cond(self) {
            assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
            // Let the gateway's tasks (socket, resolver) run.
            self.rt.block_on(async { tokio::time::sleep(Duration::from_millis(20)).await });
        }
    }

    /// Submits `commands` and waits for every outcome (they arrive from `submit` or later
    /// through `poll_reports`); returns them in command order. Other reports are kept.
    fn submit(&mut self, commands: &[Command]) -> Vec<OutcomeEvent> {
        let batch: Vec<Intent> = commands
            .iter()
            .map(|&command| Intent { command, frame_recv: Nanos(0), decided: Nanos(0) })
            .collect();
        let mut got = Vec::new();
        self.rt.block_on(self.gw.submit(&batch, &mut got));
        self.wait_for("every outcome", |r| {
            for rep in r.reports() {
                match rep {
                    ExecReport::Outcome(o) => got.push(o),
                    other => r.kept.push(other),
                }
            }
            got.len() >= commands.len()
        });
        assert_eq!(got.len(), commands.len(), "exactly one outcome per command");
        commands
            .iter()
            .map(|c| {
                let key = hlmm::venue::gateway::outcome_for(
                    c,
                    CommandOutcome::Ambiguous(AmbiguousReason::Timeout),
                );
                let i = got
                    .iter()
                    .position(|o| (o.cloid, o.command) == (key.cloid, key.command))
                    .expect("an outcome for each command");
                got.remove(i)
            })
            .collect()
    }

    fn info(&self, body: Value) -> Value {
        self.rt.block_on(self.info.post("test", &body)).expect("info reply")
    }

    fn user() -> String {
        String::from_utf8(ACCOUNT.to_wire().to_vec()).expect("ascii")
    }

    fn open_orders(&self) -> Vec<Value> {
        let v = self.info(json!({"type": "openOrders", "user": Self::user()}));
        v.as_array().cloned().unwrap_or_default()
    }

    fn open_with_cloid(&self, cloid: Cloid) -> usize {
        let text = String::from_utf8(cloid.to_wire().to_vec()).expect("ascii");
        self.open_orders().iter().filter(|o| o["cloid"].as_str() == Some(text.as_str())).count()
    }

    /// BTC position in lots, from `clearinghouseState`.
    fn btc_position(&self) -> Sz {
        let v = self.info(json!({"type": "clearinghouseState", "user": Self::user()}));
        v["assetPositions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["position"]["coin"] == "BTC")
            .and_then(|p| p["position"]["szi"].as_str())
            .map_or(Sz(0), |s| self.btc.parse_sz(s.as_bytes()).expect("szi"))
    }

    /// BTC best bid and ask, in ticks.
    fn bbo(&self) -> (i64, i64) {
        let book = self.info(json!({"type": "l2Book", "coin": "BTC"}));
        let px = |side: usize| {
            let s = book["levels"][side][0]["px"].as_str().expect("a level");
            self.btc.parse_px(s.as_bytes()).expect("px").0
        };
        (px(0), px(1))
    }

    /// A BTC order of about $200 at `px` ticks, rounded onto the grid.
    fn order(&mut self, side: Side, px: i64, tif: Tif) -> OrderRequest {
        let px = match side {
            Side::Bid => self.btc.round_bid(hlmm::types::Px(px)),
            Side::Ask => self.btc.round_ask(hlmm::types::Px(px)),
        };
        OrderRequest {
            asset: self.btc.asset,
            cloid: self.cloid(),
            side,
            px,
            sz: Sz(300), // 0.003 BTC
            tif,
            reduce_only: false,
        }
    }

    /// A post-only bid far below the market: it rests.
    fn resting_bid(&mut self) -> OrderRequest {
        let (bid, _) = self.bbo();
        self.order(Side::Bid, bid * 97 / 100, Tif::Alo)
    }

    fn reports(&mut self) -> Vec<ExecReport> {
        let mut out = std::mem::take(&mut self.kept);
        // Inside the runtime, as on the exec thread (the dead-man's switch spawns its send).
        let _inside = self.rt.enter();
        self.gw.poll_reports(&mut out);
        out
    }
}

fn is_resting(o: &OutcomeEvent) -> bool {
    matches!(
        o.outcome,
        CommandOutcome::Accepted(Accepted { oid: Some(_), status: AcceptedStatus::Resting })
    )
}

#[test]
fn a_placed_alo_order_rests_and_shows_in_open_orders() {
    let mut r = rig();
    let req = r.resting_bid();
    let out = r.submit(&[Command::Place(req)]);
    assert!(is_resting(&out[0]), "{out:?}");
    assert_eq!(out[0].cloid, req.cloid);
    assert_eq!(r.open_with_cloid(req.cloid), 1);
    assert!(r.gw.transport_stats().ws_posts.load(Ordering::Relaxed) >= 1, "went over WS post");
}

#[test]
fn a_crossing_ioc_fills_and_the_venue_position_equals_the_fill() {
    let mut r = rig();
    let (_, ask) = r.bbo();
    let req = r.order(Side::Bid, ask * 101 / 100, Tif::Ioc);
    let out = r.submit(&[Command::Place(req)]);
    let CommandOutcome::Accepted(Accepted {
        status: AcceptedStatus::Filled { total_sz, .. }, ..
    }) = out[0].outcome
    else {
        panic!("a crossing IOC fills: {out:?}");
    };
    assert!(total_sz.0 > 0);
    assert_eq!(r.btc_position(), total_sz, "position = the fill");
}

#[test]
fn a_batch_groups_alo_apart_from_ioc_and_answers_every_command_in_order() {
    let mut r = rig();
    let a = r.resting_bid();
    let b = r.resting_bid();
    let (bid, _) = r.bbo();
    // A far-from-market IOC: no match, a per-order error.
    let c = r.order(Side::Bid, bid * 96 / 100, Tif::Ioc);
    let out = r.submit(&[Command::Place(a), Command::Place(c), Command::Place(b)]);
    assert!(is_resting(&out[0]) && is_resting(&out[2]), "{out:?}");
    assert_eq!(out[1].outcome, CommandOutcome::Rejected(RejectReason::IocNoMatch));
    assert_eq!(r.gw.stats().actions.load(Ordering::Relaxed), 2, "ALO and IOC in separate actions");
    // Modify both as one batchModify, then cancel both as one cancelByCloid.
    let (a2, b2) = (r.resting_bid(), r.resting_bid());
    let oid = |o: &OutcomeEvent| match o.outcome {
        CommandOutcome::Accepted(acc) => acc.oid,
        _ => None,
    };
    let out = r.submit(&[
        Command::Modify { asset: a.asset, cloid: a.cloid, oid: oid(&out[0]), new: a2 },
        Command::Modify { asset: b.asset, cloid: b.cloid, oid: None, new: b2 },
    ]);
    assert!(out.iter().all(is_resting), "{out:?}");
    assert_eq!((out[0].cloid, out[1].cloid), (a.cloid, b.cloid), "keyed by the old leg");
    assert_eq!((r.open_with_cloid(a2.cloid), r.open_with_cloid(b2.cloid)), (1, 1));
    assert_eq!((r.open_with_cloid(a.cloid), r.open_with_cloid(b.cloid)), (0, 0));
    let out = r.submit(&[
        Command::Cancel { asset: a.asset, cloid: a2.cloid },
        Command::Cancel { asset: b.asset, cloid: b2.cloid },
        Command::Cancel { asset: b.asset, cloid: b.cloid },
    ]);
    let canceled =
        CommandOutcome::Accepted(Accepted { oid: None, status: AcceptedStatus::Canceled });
    assert_eq!((out[0].outcome, out[1].outcome), (canceled, canceled));
    assert_eq!(out[2].outcome, CommandOutcome::Rejected(RejectReason::CancelUnknownOrder));
    assert_eq!(r.gw.stats().actions.load(Ordering::Relaxed), 4);
    assert!(r.open_orders().is_empty());
}

#[test]
fn a_dropped_response_is_ambiguous_then_resolved_and_never_duplicated() {
    // No dead-man's switch: its `scheduleCancel` is an action too and could take the drop.
    let mut r = rig_with(|c| c.dead_man = None, true, None);
    r.sim
        .faults()
        .apply(FaultUpdate { drop_action_responses_next: Some(1), ..FaultUpdate::default() });
    let req = r.resting_bid();
    let out = r.submit(&[Command::Place(req)]);
    assert_eq!(out[0].outcome, CommandOutcome::Ambiguous(AmbiguousReason::NoPostReply));
    let mut resolved = None;
    r.wait_for("the resolver", |r| {
        resolved = r.reports().into_iter().find_map(|rep| match rep {
            ExecReport::Update(u) if u.cloid == Some(req.cloid) => Some(u),
            _ => None,
        });
        resolved.is_some()
    });
    let update = resolved.expect("resolved");
    assert_eq!((update.status, update.asset), (OrderStatus::Open, req.asset));
    assert_eq!(r.open_with_cloid(req.cloid), 1, "exactly one resting order for the cloid");
    let stats = r.gw.stats();
    assert_eq!(stats.actions.load(Ordering::Relaxed), 1, "never re-sent");
    assert_eq!(stats.resolved.load(Ordering::Relaxed), 1);
}

#[test]
fn an_action_that_never_landed_is_settled_after_its_expiry() {
    // /exchange is a listener that accepts and never answers; /info is the simulator.
    let hole = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/exchange", hole.local_addr().expect("addr"));
    let _keep = std::thread::spawn(move || {
        let held: Vec<_> = hole.incoming().take(4).collect();
        std::thread::sleep(Duration::from_secs(60));
        drop(held);
    });
    let mut r = rig_with(|_| {}, false, Some(url));
    let req = r.resting_bid();
    let out = r.submit(&[Command::Place(req)]);
    assert_eq!(out[0].outcome, CommandOutcome::Ambiguous(AmbiguousReason::Timeout));
    let mut never = false;
    r.wait_for("never landed", |r| {
        never |= r.reports().iter().any(|rep| {
            matches!(rep, ExecReport::NeverLanded { asset, cloid } if *asset == req.asset && *cloid == req.cloid)
        });
        never
    });
    assert_eq!(r.open_with_cloid(req.cloid), 0);
}

#[test]
fn http_429_for_k_requests_is_rate_limited_and_cancels_still_go_out_after() {
    let mut r = rig();
    let resting = r.resting_bid();
    assert!(is_resting(&r.submit(&[Command::Place(resting)])[0]));
    // Priced before the fault: the knob counts /info requests too.
    let refused = [r.resting_bid(), r.resting_bid()];
    r.sim.faults().apply(FaultUpdate { http_429_next: Some(2), ..FaultUpdate::default() });
    let first = r.submit(&[Command::Place(refused[0])]);
    assert_eq!(first[0].outcome, CommandOutcome::Rejected(RejectReason::RateLimited));
    // After a 429 the gateway backs off placements locally, or the venue refuses again:
    // either way nothing lands and nothing is retried.
    let second = r.submit(&[Command::Place(refused[1])]);
    let throttled = CommandOutcome::NotSent(hlmm::types::outcome::NotSentReason::Throttled);
    let limited = CommandOutcome::Rejected(RejectReason::RateLimited);
    assert!(second[0].outcome == throttled || second[0].outcome == limited, "{second:?}");
    // Cancels keep their headroom: they always go out (the venue may still refuse one while
    // its 429s last; the order manager re-sends, as here).
    let mut canceled = false;
    for _ in 0..3 {
        let out = r.submit(&[Command::Cancel { asset: resting.asset, cloid: resting.cloid }]);
        assert_ne!(out[0].outcome, throttled, "a cancel is never held back locally");
        if matches!(
            out[0].outcome,
            CommandOutcome::Accepted(Accepted { status: AcceptedStatus::Canceled, .. })
        ) {
            canceled = true;
            break;
        }
        assert_eq!(out[0].outcome, limited, "{out:?}");
    }
    assert!(canceled, "the cancel went through once the 429s were spent");
    assert_eq!(r.open_with_cloid(resting.cloid), 0);
    for req in refused {
        assert_eq!(r.open_with_cloid(req.cloid), 0, "a 429 is definitive: nothing landed");
    }
    assert_eq!(r.gw.stats().ambiguous.load(Ordering::Relaxed), 0);
}

#[test]
fn a_socket_drop_mid_run_falls_back_to_rest_and_the_socket_comes_back() {
    let mut r = rig();
    let first = r.resting_bid();
    assert!(is_resting(&r.submit(&[Command::Place(first)])[0]));
    let stats = r.gw.transport_stats();
    assert_eq!(stats.rest_posts.load(Ordering::Relaxed), 0);
    let second = r.resting_bid();
    r.sim.faults().drop_connections(DropTarget::All);
    r.wait_for("the drop to be seen", |r| !r.gw.ws_connected());
    let out = r.submit(&[Command::Place(second)]);
    assert!(is_resting(&out[0]), "{out:?}");
    assert_eq!(stats.rest_posts.load(Ordering::Relaxed), 1, "sent over REST");
    assert_eq!(r.open_with_cloid(second.cloid), 1);
    r.wait_for("the reconnect", |r| r.gw.ws_connected());
    assert!(stats.ws_connects.load(Ordering::Relaxed) >= 2);
    let third = r.resting_bid();
    assert!(is_resting(&r.submit(&[Command::Place(third)])[0]));
    assert_eq!(stats.rest_posts.load(Ordering::Relaxed), 1, "back on WS");
}

#[test]
fn cancel_all_and_the_shutdown_sweep_leave_none_of_our_orders_resting() {
    let mut r = rig_with(|c| c.cloid_prefix = Some(u32::from_be_bytes(*b"test")), true, None);
    let orders: Vec<Command> = (0..3).map(|_| Command::Place(r.resting_bid())).collect();
    assert!(r.submit(&orders).iter().all(is_resting));
    assert_eq!(r.open_orders().len(), 3);
    let out = r.submit(&[Command::CancelAll { asset: Some(AssetId(r.btc.asset.0)) }]);
    assert!(matches!(out[0].outcome, CommandOutcome::Accepted(_)), "{out:?}");
    r.wait_for("the sweep to land", |r| r.open_orders().is_empty());
    let more: Vec<Command> = (0..2).map(|_| Command::Place(r.resting_bid())).collect();
    assert!(r.submit(&more).iter().all(is_resting));
    r.rt.block_on(r.gw.drain());
    assert!(r.open_orders().is_empty());
}

#[test]
fn a_lost_reply_does_not_hold_up_the_next_batch() {
    let mut r = rig_with(|c| c.reply_timeout = Duration::from_secs(30), true, None);
    let resting = r.resting_bid();
    assert!(is_resting(&r.submit(&[Command::Place(resting)])[0]));
    let lost = r.resting_bid();
    r.sim
        .faults()
        .apply(FaultUpdate { drop_action_responses_next: Some(1), ..FaultUpdate::default() });
    let lost_batch =
        [Intent { command: Command::Place(lost), frame_recv: Nanos(0), decided: Nanos(0) }];
    let mut early = Vec::new();
    r.rt.block_on(r.gw.submit(&lost_batch, &mut early));
    assert!(early.is_empty(), "answered when its reply arrives");
    // The cancel goes out and is answered while the placement still awaits its reply.
    let out = r.submit(&[Command::Cancel { asset: resting.asset, cloid: resting.cloid }]);
    assert!(matches!(out[0].outcome, CommandOutcome::Accepted(_)), "{out:?}");
    let pending = r.reports();
    assert!(
        !pending.iter().any(|rep| matches!(rep, ExecReport::Outcome(o) if o.cloid == lost.cloid)),
        "the lost placement is still unanswered: {pending:?}"
    );
    assert_eq!(r.open_with_cloid(lost.cloid), 1, "it landed; only its reply was lost");
}

#[test]
fn placements_stop_before_a_small_address_budget_is_spent_and_cancels_still_go_out() {
    let base = SimConfig { request_budget: 12, ..SimConfig::ephemeral() };
    let mut r = rig_on(
        base,
        |c| {
            c.budget.address_cancel_reserve = 4;
            c.dead_man = None;
        },
        true,
        None,
    );
    // The resolver reads userRateLimit at start: wait until the budget knows the cap.
    r.wait_for("userRateLimit", |r| {
        let _ = r.reports();
        r.gw.budget_headroom().is_some()
    });
    let mut placed = Vec::new();
    let mut throttled = 0;
    for _ in 0..12 {
        let req = r.resting_bid();
        let out = r.submit(&[Command::Place(req)]);
        if is_resting(&out[0]) {
            placed.push(req);
        } else {
            let throttled_locally =
                CommandOutcome::NotSent(hlmm::types::outcome::NotSentReason::Throttled);
            assert_eq!(out[0].outcome, throttled_locally, "never refused by the venue");
            throttled += 1;
        }
    }
    assert_eq!(placed.len(), 8, "12 requests, 4 kept for cancels");
    assert_eq!(throttled, 4, "refused locally, never by the venue");
    let cancels: Vec<Command> =
        placed.iter().map(|p| Command::Cancel { asset: p.asset, cloid: p.cloid }).collect();
    let out = r.submit(&cancels);
    assert!(out.iter().all(|o| matches!(o.outcome, CommandOutcome::Accepted(_))), "{out:?}");
    assert!(r.open_orders().is_empty());
}

#[test]
fn a_refused_dead_mans_switch_is_reported_and_trading_goes_on() {
    let mut r = rig_with(|c| c.dead_man = Some(Duration::from_secs(30)), true, None);
    r.wait_for("the scheduleCancel reply", |r| {
        let _ = r.reports();
        r.gw.stats().dead_man.load(Ordering::Relaxed) != hlmm::venue::exec::DEAD_MAN_OFF
    });
    assert_eq!(
        r.gw.stats().dead_man.load(Ordering::Relaxed),
        hlmm::venue::exec::DEAD_MAN_REFUSED,
        "a new account has not traded $1M"
    );
    let req = r.resting_bid();
    assert!(is_resting(&r.submit(&[Command::Place(req)])[0]), "still trading");
}

#[test]
fn the_dead_mans_switch_cancels_every_order_when_heartbeats_stop() {
    // An account the venue lets arm the switch (the real venue asks for $1M traded first).
    let base = SimConfig { schedule_cancel_min_volume_usd: 0.0, ..SimConfig::ephemeral() };
    // 6 s ahead (the venue's minimum is 5 s), pushed out every 1.5 s while the gateway runs.
    let mut r = rig_on(base, |c| c.dead_man = Some(Duration::from_secs(6)), true, None);
    r.wait_for("the switch armed", |r| {
        let _ = r.reports();
        r.gw.stats().dead_man.load(Ordering::Relaxed) == hlmm::venue::exec::DEAD_MAN_ARMED
    });
    let req = r.resting_bid();
    assert!(is_resting(&r.submit(&[Command::Place(req)])[0]));
    assert_eq!(r.open_with_cloid(req.cloid), 1);
    // The engine dies: nothing pushes the switch out and nothing cancels.
    let Rig { sim, rt, gw, info, .. } = r;
    drop(gw);
    let user = Rig::user();
    let start = Instant::now();
    let status = loop {
        let v: Value = rt
            .block_on(info.post(
                "test",
                &json!({"type": "orderStatus", "user": user, "oid": req_cloid_text(req.cloid)}),
            ))
            .expect("orderStatus");
        let status = v["order"]["status"].as_str().unwrap_or("").to_owned();
        if status != "open" {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the switch never fired");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(status, "scheduledCancel", "the venue cancelled it, not us");
    let open: Value =
        rt.block_on(info.post("test", &json!({"type": "openOrders", "user": user}))).expect("open");
    assert_eq!(open.as_array().map(Vec::len), Some(0), "nothing rests");
    drop(sim);
}

fn req_cloid_text(cloid: Cloid) -> String {
    String::from_utf8(cloid.to_wire().to_vec()).expect("ascii")
}

#[test]
fn a_nonce_refused_as_too_low_moves_the_counter_above_the_floor_and_the_next_order_lands() {
    let mut r = rig();
    // Another client signing with the same agent key (a second instance, say) has used 100
    // nonces a minute ahead of our clock, 1 s apart. The venue keeps the 100 highest and
    // refuses any nonce below the smallest: ours, taken from the wall clock, all are.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64;
    let floor = now_ms + 60_000;
    let mut other = L1Signer::new(agent_key(), Chain::Testnet);
    let http = reqwest::Client::new();
    for i in 0..100u64 {
        let nonce = floor + i * 1_000;
        let sig = other.sign(ActionRef::Noop, nonce, None, None).expect("signs");
        let mut body = Vec::new();
        write_exchange_body(&mut body, ActionRef::Noop, nonce, &sig, None, None);
        let reply: Value = r.rt.block_on(async {
            let resp = http.post(r.sim.exchange_url()).body(body).send().await.expect("sent");
            resp.json().await.expect("json reply")
        });
        assert_eq!(reply["status"], "ok", "noop {i}: {reply}");
    }

    let refused = r.resting_bid();
    let out = r.submit(&[Command::Place(refused)]);
    assert_eq!(out[0].outcome, CommandOutcome::Rejected(RejectReason::Nonce), "{out:?}");
    assert_eq!(r.gw.stats().nonce_resyncs.load(Ordering::Relaxed), 1);
    assert_eq!(r.open_with_cloid(refused.cloid), 0);

    // The re-quote gets a nonce above the venue's floor and lands.
    let requote = r.resting_bid();
    let out = r.submit(&[Command::Place(requote)]);
    assert!(is_resting(&out[0]), "{out:?}");
    assert_eq!(r.open_with_cloid(requote.cloid), 1);
    assert_eq!(r.gw.stats().nonce_resyncs.load(Ordering::Relaxed), 1, "one refusal, one resync");
}

/// Waits for the resolver's verdict on `cloid`: `Some(update)` if it found the order at the
/// venue, `None` if it settled it as never landed.
fn resolver_verdict(
    r: &mut Rig,
    asset: AssetId,
    cloid: Cloid,
) -> Option<hlmm::types::events::OrderUpdate> {
    let mut verdict = None;
    r.wait_for("the resolver's verdict", |r| {
        for rep in r.reports() {
            match rep {
                ExecReport::Update(u) if u.cloid == Some(cloid) => verdict = Some(Some(u)),
                ExecReport::NeverLanded { asset: a, cloid: c } if a == asset && c == cloid => {
                    verdict = Some(None)
                }
                _ => {}
            }
        }
        verdict.is_some()
    });
    verdict.flatten()
}

#[test]
fn an_http_5xx_after_the_order_was_applied_is_ambiguous_then_resolved_never_duplicated() {
    // REST only. The simulator applies the action, then answers 504 instead of the reply (a
    // gateway timeout in front of the venue): the order rests, we cannot know it from the
    // answer.
    let base = SimConfig { drop_response_after_ms: 100, ..SimConfig::ephemeral() };
    // No dead-man's switch: its `scheduleCancel` is an action too and could take the drop.
    let mut r = rig_on(base, |c| c.dead_man = None, false, None);
    let req = r.resting_bid();
    r.sim
        .faults()
        .apply(FaultUpdate { drop_action_responses_next: Some(1), ..FaultUpdate::default() });
    let out = r.submit(&[Command::Place(req)]);
    assert_eq!(out[0].outcome, CommandOutcome::Ambiguous(AmbiguousReason::ServerError));
    let update = resolver_verdict(&mut r, req.asset, req.cloid).expect("found at the venue");
    assert_eq!((update.status, update.asset), (OrderStatus::Open, req.asset));
    assert_eq!(r.open_with_cloid(req.cloid), 1, "exactly one resting order for the cloid");
    assert_eq!(r.gw.stats().actions.load(Ordering::Relaxed), 1, "never re-sent");
}

#[test]
fn an_http_5xx_before_the_order_was_applied_is_ambiguous_then_settled_as_never_landed() {
    // REST only. `/exchange` is a stand-in in front of the venue that answers 502 to every
    // request without forwarding it (the simulator's `http_5xx_next` knob counts `/info`
    // requests too, which the gateway's background tasks also send); `/info` is the simulator.
    let gateway = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/exchange", gateway.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in gateway.incoming().flatten() {
            std::thread::spawn(move || answer_502(stream));
        }
    });
    let mut r = rig_with(|_| {}, false, Some(url));
    let req = r.resting_bid();
    let out = r.submit(&[Command::Place(req)]);
    assert_eq!(out[0].outcome, CommandOutcome::Ambiguous(AmbiguousReason::ServerError));
    assert!(resolver_verdict(&mut r, req.asset, req.cloid).is_none(), "settled as never landed");
    assert_eq!(r.open_with_cloid(req.cloid), 0);
    assert_eq!(r.gw.stats().actions.load(Ordering::Relaxed), 1, "never re-sent");
}

/// Reads one HTTP request (headers, then `Content-Length` bytes) and answers 502.
fn answer_502(mut stream: std::net::TcpStream) {
    use std::io::{Read, Write};
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(n) = stream.read(&mut chunk) else { return };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if buf.len() >= end + 4 + length {
            break;
        }
    }
    let _ = stream
        .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
}
