//! The design document's Redis schemas, field by field, as the engine writes and reads them
//! against a real `redis-server`: the `mm_config` example is accepted verbatim, and the
//! position update on the `mm_position_updates` stream and channel has every contract field
//! with its type (extra fields are allowed, renamed ones are not).

#[path = "support/redis_server.rs"]
mod redis_server;

use std::collections::BTreeSet;
use std::time::Duration;

use redis_server::{engine_config, wait_engine_synced, EngineRun, RedisServer};
use serde_json::Value;

/// The design document's `Config Channel` example, byte for byte.
const DESIGN_CONFIG: &str = r#"{
  "symbol": "BTC",
  "daily_return_bps": 10,
  "notional_per_side": 1000.0,
  "daily_pnl_stop_loss": 100.0,
  "trailing_take_profit": 0.05,
  "trailing_stop_loss": 0.02,
  "hedge_only_mode": false,
  "force_quote_refresh_interval": 500,
  "max_long_usd": 10000.0,
  "max_short_usd": 10000.0
}"#;

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().expect("a JSON object").keys().map(String::as_str).collect()
}

/// Checks a `Position Updates Channel` document: the contract's fields and types.
fn check_position_update(update: &Value) {
    let top = keys(update);
    for field in
        ["timestamp", "positions", "total_pnl", "total_long_exposure", "total_short_exposure"]
    {
        assert!(top.contains(field), "{field} missing: {update}");
    }
    assert!(update["timestamp"].is_u64(), "Unix seconds: {update}");
    assert!(update["timestamp"].as_u64() < Some(10_000_000_000), "seconds, not ms");
    for field in ["total_pnl", "total_long_exposure", "total_short_exposure"] {
        assert!(update[field].is_f64(), "{field} is a float: {update}");
    }
    let positions = update["positions"].as_array().expect("positions array");
    let symbols: BTreeSet<&str> = positions.iter().filter_map(|p| p["symbol"].as_str()).collect();
    assert_eq!(symbols, BTreeSet::from(["BTC", "ETH"]));
    for p in positions {
        let fields = keys(p);
        for field in
            ["symbol", "size", "entry_price", "current_price", "unrealized_pnl", "notional_usd"]
        {
            assert!(fields.contains(field), "{field} missing: {p}");
        }
        for field in ["size", "entry_price", "current_price", "unrealized_pnl", "notional_usd"] {
            assert!(p[field].is_f64(), "{field} is a float: {p}");
        }
    }
}

#[test]
fn the_design_documents_schemas_hold_field_by_field() {
    let server = RedisServer::start();
    let engine = EngineRun::start(engine_config(&server.url(), ""));
    let mut conn = server.connect(None);
    let mut sub = server.connect(None);
    wait_engine_synced(&mut conn);
    let mut pubsub = sub.as_pubsub();
    pubsub.subscribe("mm_config_ack").expect("subscribe");
    pubsub.subscribe("mm_position_updates").expect("subscribe");
    pubsub.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");

    // Config channel: the design's example is a valid message.
    let _: i64 = redis::cmd("PUBLISH")
        .arg("mm_config")
        .arg(DESIGN_CONFIG)
        .query(&mut conn)
        .expect("publish");
    let (mut ack, mut update) = (None, None);
    while ack.is_none() || update.is_none() {
        let msg = pubsub.get_message().expect("messages");
        let v: Value = serde_json::from_slice(msg.get_payload_bytes()).expect("JSON");
        match msg.get_channel_name() {
            "mm_config_ack" => ack = Some(v),
            _ => update = Some(v),
        }
    }
    let ack = ack.expect("ack");
    assert_eq!(ack["accepted"], true, "{ack}");
    assert_eq!(
        keys(&ack),
        BTreeSet::from([
            "symbol",
            "accepted",
            "version",
            "source",
            "errors",
            "changes",
            "timestamp"
        ])
    );

    // Position updates: channel and stream carry the same document.
    check_position_update(&update.expect("update"));
    let reply: redis::streams::StreamRangeReply = redis::cmd("XREVRANGE")
        .arg("mm_position_updates")
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query(&mut conn)
        .expect("xrevrange");
    let data: String = reply.ids[0].get("data").expect("data field");
    check_position_update(&serde_json::from_str(&data).expect("JSON"));
    drop(pubsub);
    engine.stop();
}
