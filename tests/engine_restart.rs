//! Restart with resting orders and an open position (`fault-cases.md` case 11): a previous run
//! of ours left orders and a position at the venue, another tool has an order there too. The
//! engine (venue `local`, a configured account and agent key, the in-process simulator on
//! 127.0.0.1:0) must take the position from the venue without counting its fills twice, adopt or
//! cancel its own orders (also on coins it no longer quotes), leave the other tool's order
//! alone, and end with positions equal to the venue's.
//!
//! No wall-clock assertions: every wait is for a condition with a generous timeout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hlmm::config::{Config, SpinPolicy, VenueKind};
use hlmm::engine::params::CLOID_PREFIX;
use hlmm::engine::{run_until_with, RunOptions};
use hlmm::msg::{ExecReport, Intent};
use hlmm::runtime::Shutdown;
use hlmm::sim::handle::{AgentEntry, FundAccount};
use hlmm::sim::{SimConfig, SimHandle};
use hlmm::telemetry::{Counter, Counters};
use hlmm::types::cloid;
use hlmm::types::commands::{Command, OrderRequest, Tif};
use hlmm::types::outcome::{CommandOutcome, OutcomeEvent};
use hlmm::types::Address;
use hlmm::types::{Cloid, InstrumentSpec, Nanos, Px, Side, Sz};
use hlmm::venue::exec::{GatewayConfig, HyperliquidGateway};
use hlmm::venue::gateway::OrderGateway;
use hlmm::venue::info::InfoClient;
use hlmm::wire::keys::AgentKey;
use hlmm::wire::nonce::NonceSource;
use hlmm::wire::sign::{Chain, L1Signer};
use serde_json::{json, Value};

const ACCOUNT: Address = Address([0xb2; 20]);
const KEY: [u8; 32] = [0x51; 32];
const WAIT: Duration = Duration::from_secs(90);

fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn user() -> String {
    String::from_utf8(ACCOUNT.to_wire().to_vec()).expect("ascii")
}

fn cloid_text(c: Cloid) -> String {
    String::from_utf8(c.to_wire().to_vec()).expect("ascii")
}

/// The "previous run": places orders through a gateway of its own and returns them.
struct PreviousRun {
    rt: tokio::runtime::Runtime,
    info: InfoClient,
    instruments: Vec<InstrumentSpec>,
}

impl PreviousRun {
    fn spec(&self, coin: &str) -> InstrumentSpec {
        *self.instruments.iter().find(|s| s.coin.as_str() == coin).expect("listed")
    }

    fn info(&self, body: Value) -> Value {
        self.rt.block_on(self.info.post("test", &body)).expect("info reply")
    }

    fn best(&self, spec: &InstrumentSpec, side: usize) -> Px {
        let book = self.info(json!({"type": "l2Book", "coin": spec.coin.as_str()}));
        let s = book["levels"][side][0]["px"].as_str().expect("a level");
        spec.parse_px(s.as_bytes()).expect("px")
    }

    /// About `usd` of `spec` at `px`, in whole lots.
    fn lots(spec: &InstrumentSpec, px: Px, usd: f64) -> Sz {
        let coins = usd / spec.px_to_f64(px);
        Sz((coins * 10f64.powi(i32::from(spec.sz_decimals))).ceil() as i64)
    }

    fn open_cloids(&self) -> Vec<String> {
        let v = self.info(json!({"type": "frontendOpenOrders", "user": user()}));
        v.as_array()
            .map(|a| a.iter().filter_map(|o| o["cloid"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }

    fn place(&self, gw: &mut HyperliquidGateway, orders: &[OrderRequest]) -> Vec<OutcomeEvent> {
        let batch: Vec<Intent> = orders
            .iter()
            .map(|&o| Intent {
                command: Command::Place(o),
                frame_recv: Nanos(0),
                decided: Nanos(0),
            })
            .collect();
        let mut got = Vec::new();
        self.rt.block_on(gw.submit(&batch, &mut got));
        let start = Instant::now();
        while got.len() < orders.len() {
            assert!(start.elapsed() < WAIT, "outcomes of the previous run's orders");
            self.rt.block_on(async { tokio::time::sleep(Duration::from_millis(20)).await });
            let mut reports = Vec::new();
            {
                let _inside = self.rt.enter();
                gw.poll_reports(&mut reports);
            }
            got.extend(reports.into_iter().filter_map(|r| match r {
                ExecReport::Outcome(o) => Some(o),
                _ => None,
            }));
        }
        got
    }
}

#[test]
fn a_restart_takes_the_venue_position_adopts_or_cancels_its_orders_and_leaves_others_alone() {
    let key = AgentKey::from_bytes(&KEY).expect("a valid test key");
    let account = Address(ACCOUNT.0);
    let sim = SimHandle::start(SimConfig {
        block_interval_ms: 100,
        fund: vec![FundAccount { address: account, usdc: 1_000_000.0 }],
        agents: vec![AgentEntry { agent: Address(key.address().0), account }],
        ..SimConfig::ephemeral()
    })
    .expect("simulator starts");

    // --- The previous run: an ETH position, resting orders of ours on BTC (quoted) and SOL (no
    // longer quoted), and another tool's order on BTC.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let info = InfoClient::new(sim.info_url(), Duration::from_secs(5)).expect("client");
    let instruments = rt.block_on(info.meta()).expect("meta").instruments();
    let prev = PreviousRun { rt, info, instruments };
    let mut cfg =
        GatewayConfig::new(sim.exchange_url(), sim.info_url(), None, ACCOUNT, Chain::Testnet);
    cfg.dead_man = None;
    let mut gw = HyperliquidGateway::new(
        cfg,
        L1Signer::new(AgentKey::from_bytes(&KEY).expect("key"), Chain::Testnet),
        Arc::new(NonceSource::new()),
        &prev.instruments,
    )
    .expect("gateway");
    {
        let _inside = prev.rt.enter();
        gw.start();
    }
    let (btc, eth, sol) = (prev.spec("BTC"), prev.spec("ETH"), prev.spec("SOL"));
    let old_run = 7; // the previous run's id: same prefix, another run
    let ours = |n| cloid::make(CLOID_PREFIX, old_run, n);
    let external = Cloid((u128::from(u32::from_be_bytes(*b"othr")) << 96) | 1);
    let btc_bid = btc.round_bid(Px(prev.best(&btc, 0).0 * 95 / 100));
    let sol_bid = sol.round_bid(Px(prev.best(&sol, 0).0 * 95 / 100));
    let eth_ask = prev.best(&eth, 1);
    let order = |spec: &InstrumentSpec, cloid, side, px: Px, tif| OrderRequest {
        asset: spec.asset,
        cloid,
        side,
        px,
        sz: PreviousRun::lots(spec, px, 60.0),
        tif,
        reduce_only: false,
    };
    let placed = prev.place(
        &mut gw,
        &[
            order(&btc, ours(1), Side::Bid, btc_bid, Tif::Alo),
            order(&sol, ours(2), Side::Bid, sol_bid, Tif::Alo),
            order(&btc, external, Side::Bid, btc.round_bid(Px(btc_bid.0 * 99 / 100)), Tif::Alo),
            // Crosses: the ETH position the engine must take over.
            order(&eth, ours(3), Side::Bid, eth.round_ask(Px(eth_ask.0 * 101 / 100)), Tif::Ioc),
        ],
    );
    assert!(
        placed.iter().all(|o| matches!(o.outcome, CommandOutcome::Accepted(_))),
        "the previous run's orders: {placed:?}"
    );
    let open = prev.open_cloids();
    for c in [ours(1), ours(2), external] {
        assert!(open.contains(&cloid_text(c)), "{} rests before the restart", cloid_text(c));
    }
    drop(gw);

    // --- The restart: quotes BTC and ETH only.
    let key_file = std::env::temp_dir().join(format!("hlmm-restart-{}.key", std::process::id()));
    std::fs::write(&key_file, format!("0x{}\n", "51".repeat(32))).expect("key file");
    let mut config = Config::default();
    config.symbols.retain(|coin, _| coin == "BTC" || coin == "ETH");
    config.venue.kind = VenueKind::Local;
    config.venue.info_url = Some(sim.info_url());
    config.venue.ws_url = Some(sim.ws_url());
    config.venue.account_address = Some(user());
    config.venue.agent_key_file = Some(key_file.clone());
    config.venue.reconcile_interval_ms = 5_000;
    config.threads.spin = SpinPolicy::SpinThenYield;
    config.threads.feed_core = None;
    config.threads.quote_core = None;
    config.threads.exec_core = None;
    config.validate().expect("a valid config");
    let counters = Arc::new(Counters::new());
    let shutdown = Shutdown::new();
    let options = RunOptions {
        vol_prior: Some(0.0002),
        counters: Some(Arc::clone(&counters)),
        ..RunOptions::default()
    };
    let engine = {
        let (config, shutdown) = (config.clone(), shutdown.clone());
        std::thread::spawn(move || run_until_with(&config, shutdown, options))
    };
    let c = Arc::clone(&counters);
    wait_for("the engine quotes", || c.get(Counter::IntentsSent) >= 10);
    wait_for("our old orders gone", || {
        let open = prev.open_cloids();
        !open.contains(&cloid_text(ours(1))) && !open.contains(&cloid_text(ours(2)))
    });
    assert!(prev.open_cloids().contains(&cloid_text(external)), "the other tool's order stays");
    // Let a periodic reconciliation (every 5 s here) run against the live state.
    std::thread::sleep(Duration::from_secs(6));
    shutdown.request();
    let report = engine.join().expect("engine thread").expect("engine ran");
    let _ = std::fs::remove_file(&key_file);

    let venue = report.venue.as_ref().expect("venue state after shutdown");
    for spec in &report.instruments {
        let local = report.core.position(spec.asset).expect("quoted").size;
        let venue_sz = venue.position(spec.asset);
        assert_eq!(local, venue_sz, "asset {}: core position = venue position", spec.asset.0);
    }
    assert!(
        report.core.counters().fills_in_venue_snapshot >= 1,
        "the userFills snapshot's old fill was recognised as already in the venue position"
    );
    assert_eq!(venue.open_order_count(), 1, "only the other tool's order rests after shutdown");
    assert!(prev.open_cloids().contains(&cloid_text(external)));
    drop(sim);
}
