//! The symbol scanner against the simulator and a real `redis-server`: it selects the ten most
//! liquid perps, follows a scheduled listing that becomes the most liquid, publishes the design
//! document's `mm_symbol_metrics` document and listing/selection events.

#[path = "support/redis_server.rs"]
mod redis_server;

use std::collections::BTreeSet;
use std::time::Duration;

use hlmm::config::Config;
use hlmm::sim::market::{CoinParams, ScheduledChange};
use hlmm::sim::{SimConfig, SimHandle};
use redis_server::{get_json, wait_for, EngineRun, RedisServer};
use serde_json::Value;

/// The simulator's ten most liquid coins by design (taker rate × size), largest first.
const TOP_10: [&str; 10] =
    ["BTC", "ETH", "HYPE", "SOL", "XRP", "DOGE", "SUI", "kPEPE", "AVAX", "LINK"];

fn new_listing() -> CoinParams {
    // Heavy flow from the start: its rolling 24 h volume (which starts empty) grows by about
    // $150M a second, so it passes the tenth coin within seconds of the listing.
    CoinParams {
        name: "NEWX".to_owned(),
        sz_decimals: 1,
        max_leverage: 5,
        px: 10.0,
        vol: 1.5,
        taker_rate: 100.0,
        taker_usd: 1_000_000.0,
        level_usd: 5_000_000.0,
        half_spread_bps: 2.0,
        oi_usd: 5.0e8,
    }
}

fn config(sim: &SimHandle, url: &str) -> Config {
    let toml = format!(
        r#"
[venue]
kind = "local"
info_url = "{info}"
ws_url = "{ws}"
[threads]
spin = "spin_then_yield"
[redis]
url = "{url}"
scan_interval_ms = 1000
top_n = 10
min_open_interest_usd = 1000000.0
scanner_hysteresis = 2
follow_scanner = true
[symbols.BTC]
[symbols.LINK]
"#,
        info = sim.info_url(),
        ws = sim.ws_url(),
    );
    Config::from_toml_str(&toml).expect("valid test config")
}

fn selection(conn: &mut redis::Connection) -> Option<Vec<String>> {
    let doc = get_json(conn, "mm_symbol_selection")?;
    Some(doc["symbols"].as_array()?.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
}

#[test]
fn the_scanner_selects_the_ten_most_liquid_perps_and_follows_a_new_listing() {
    let sim = SimHandle::start(SimConfig {
        schedule: vec![ScheduledChange::List { at_ms: 2_500, coin: new_listing() }],
        ..SimConfig::ephemeral()
    })
    .expect("simulator");
    let server = RedisServer::start();
    let mut sub = server.connect(None);
    let mut events = sub.as_pubsub();
    events.subscribe("mm_symbol_events").expect("subscribe");
    events.set_read_timeout(Some(Duration::from_secs(15))).expect("timeout");
    let engine = EngineRun::start(config(&sim, &server.url()));
    let mut conn = server.connect(None);

    // First scan: the built-in top ten, largest first.
    let first = wait_for(Duration::from_secs(20), "the first selection", || selection(&mut conn));
    assert_eq!(first, TOP_10);
    let metrics = get_json(&mut conn, "mm_symbol_metrics").expect("metrics document");
    check_symbol_metrics_schema(&metrics);

    // After the listing: NEWX enters once it ranks more than the hysteresis band (2) above the
    // weakest selected coin, LINK, which makes room.
    let after = wait_for(Duration::from_secs(30), "NEWX to be selected", || {
        selection(&mut conn).filter(|s| s.iter().any(|c| c == "NEWX"))
    });
    let after: BTreeSet<&str> = after.iter().map(String::as_str).collect();
    let mut expected: BTreeSet<&str> = TOP_10[..9].iter().copied().collect();
    expected.insert("NEWX");
    assert_eq!(after, expected);

    let mut seen = BTreeSet::new();
    while !(seen.contains(&("listed".to_owned(), "NEWX".to_owned()))
        && seen.contains(&("deselected".to_owned(), "LINK".to_owned())))
    {
        let msg = events.get_message().expect("scanner events");
        let event: Value = serde_json::from_slice(msg.get_payload_bytes()).expect("JSON");
        if event["symbol"] == "NEWX" {
            assert_eq!(event["quoted_by_engine"], false, "{event}");
        }
        seen.insert((
            event["event"].as_str().unwrap_or("").to_owned(),
            event["symbol"].as_str().unwrap_or("").to_owned(),
        ));
    }
    assert!(seen.contains(&("selected".to_owned(), "NEWX".to_owned())), "{seen:?}");
    let doc = get_json(&mut conn, "mm_symbol_selection").expect("selection");
    assert!(
        doc["needs_restart"].as_array().is_some_and(|a| a.iter().any(|c| c == "NEWX")),
        "{doc}"
    );

    // LINK is quoted by this engine and follow_scanner is on: it went hedge-only.
    let m = wait_for(Duration::from_secs(10), "LINK to go hedge-only", || {
        get_json(&mut conn, "mm_metrics").filter(|m| m["risk"]["LINK"]["scanner_selected"] == false)
    });
    assert_eq!(m["risk"]["BTC"]["scanner_selected"], true);
    drop(events);
    let report = engine.stop();
    let link = report.instruments.iter().find(|s| s.coin.as_str() == "LINK").expect("LINK");
    assert!(report.core.params(link.asset).expect("LINK params").hedge_only_mode);
    let btc = report.instruments.iter().find(|s| s.coin.as_str() == "BTC").expect("BTC");
    assert!(!report.core.params(btc.asset).expect("BTC params").hedge_only_mode);
}

/// The design document's `Symbol Metrics` schema, field by field.
fn check_symbol_metrics_schema(doc: &Value) {
    let top: BTreeSet<&str> = doc.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(top, BTreeSet::from(["symbols"]));
    let symbols = doc["symbols"].as_array().expect("symbols array");
    assert!(symbols.len() >= 14, "every perp of the simulator");
    for s in symbols {
        let keys: BTreeSet<&str> =
            s.as_object().expect("object").keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from(["symbol", "volume_24h", "open_interest", "is_active", "last_updated"])
        );
        assert!(s["symbol"].is_string());
        assert!(s["volume_24h"].as_f64().is_some_and(|v| v > 0.0), "{s}");
        assert!(s["open_interest"].as_f64().is_some_and(|v| v > 0.0), "{s}");
        assert_eq!(s["is_active"], true);
        assert!(s["last_updated"].is_u64(), "Unix seconds: {s}");
        assert!(s["last_updated"].as_u64() < Some(10_000_000_000), "seconds, not ms: {s}");
    }
    let volumes: Vec<f64> = symbols.iter().filter_map(|s| s["volume_24h"].as_f64()).collect();
    assert!(volumes.windows(2).all(|w| w[0] >= w[1]), "largest volume first");
}
