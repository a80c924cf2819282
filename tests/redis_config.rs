//! Config hot reload over Redis against a real `redis-server` and the engine on the built-in
//! simulator: `mm_config` → validate → ack on `mm_config_ack` → `CoreEvent::Config` applied by
//! the quote thread; refusals change nothing; a config written while the engine could not
//! reach Redis is picked up from `mm:config:<SYM>` after the reconnect.

#[path = "support/redis_server.rs"]
mod redis_server;

use std::time::Duration;

use hlmm::engine::RunReport;
use hlmm::types::Usd;
use redis_server::{engine_config, get_json, wait_engine_synced, wait_for, EngineRun, RedisServer};
use serde_json::Value;

fn notional_of(report: &RunReport, coin: &str) -> Usd {
    let spec = report.instruments.iter().find(|s| s.coin.as_str() == coin).expect("quoted");
    report.core.params(spec.asset).expect("in the core").notional_per_side
}

fn next_ack(pubsub: &mut redis::PubSub<'_>) -> Value {
    let msg = pubsub.get_message().expect("an ack within the read timeout");
    serde_json::from_slice(msg.get_payload_bytes()).expect("ack is JSON")
}

fn publish(conn: &mut redis::Connection, payload: &str) {
    let _: i64 = redis::cmd("PUBLISH").arg("mm_config").arg(payload).query(conn).expect("publish");
}

#[test]
fn a_valid_config_on_mm_config_is_acked_stored_and_applied_by_the_quote_thread() {
    let server = RedisServer::start();
    let engine = EngineRun::start(engine_config(&server.url(), ""));
    let mut conn = server.connect(None);
    let mut sub = server.connect(None);
    let mut acks = sub.as_pubsub();
    acks.subscribe("mm_config_ack").expect("subscribe");
    wait_engine_synced(&mut conn);

    publish(&mut conn, r#"{"symbol":"BTC","notional_per_side":321.0,"max_long_usd":5000.0}"#);
    let ack = next_ack(&mut acks);
    assert_eq!(ack["symbol"], "BTC");
    assert_eq!(ack["accepted"], true, "{ack}");
    assert_eq!(ack["version"], 1);
    assert_eq!(ack["source"], "channel");
    assert_eq!(ack["errors"], serde_json::json!([]));
    let mut changed: Vec<(&str, f64, f64)> = ack["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| Some((c["field"].as_str()?, c["old"].as_f64()?, c["new"].as_f64()?)))
        .collect();
    changed.sort_by(|a, b| a.0.cmp(b.0));
    assert_eq!(changed, [("max_long_usd", 1000.0, 5000.0), ("notional_per_side", 100.0, 321.0)]);

    // The quote thread confirms it applied version 1 through its snapshot.
    wait_for(Duration::from_secs(10), "the core to confirm version 1", || {
        get_json(&mut conn, "mm_metrics")
            .filter(|m| m["risk"]["BTC"]["applied_config_version"] == 1)
    });
    let stored = get_json(&mut conn, "mm:config:BTC").expect("accepted config is stored");
    assert_eq!(stored["version"], 1);
    assert_eq!(stored["config"]["symbol"], "BTC");
    assert_eq!(stored["config"]["notional_per_side"], 321.0);
    assert_eq!(stored["config"]["max_long_usd"], 5000.0);

    drop(acks);
    let report = engine.stop();
    assert_eq!(notional_of(&report, "BTC"), Usd::from_dollars(321));
    assert_eq!(notional_of(&report, "ETH"), Usd::from_dollars(100), "ETH untouched");
}

#[test]
fn invalid_configs_are_refused_with_every_reason_and_change_nothing() {
    let server = RedisServer::start();
    let engine = EngineRun::start(engine_config(&server.url(), ""));
    let mut conn = server.connect(None);
    let mut sub = server.connect(None);
    let mut acks = sub.as_pubsub();
    acks.subscribe("mm_config_ack").expect("subscribe");
    wait_engine_synced(&mut conn);

    // (message, symbol in the ack, fields the reasons must name)
    let cases: [(&str, Value, &[&str]); 5] = [
        (r#"{"symbol":"BTC","notional_per_side":-50.0}"#, "BTC".into(), &["notional_per_side"]),
        (
            r#"{"symbol":"BTC","notional_per_side":50.0,"spread_bps":3}"#,
            "BTC".into(),
            &["spread_bps"],
        ),
        (r#"{"symbol":"DOGE","notional_per_side":50.0}"#, "DOGE".into(), &["symbol"]),
        (r#"{"symbol":"BTC","notional_per_side":50.0"#, Value::Null, &[]),
        (
            r#"{"symbol":"ETH","max_long_usd":20.0,"notional_per_side":5.0}"#,
            "ETH".into(),
            &["notional_per_side"],
        ),
    ];
    for (message, symbol, fields) in &cases {
        publish(&mut conn, message);
        let ack = next_ack(&mut acks);
        assert_eq!(ack["accepted"], false, "{message}: {ack}");
        assert_eq!(&ack["symbol"], symbol, "{message}");
        let errors = ack["errors"].as_array().expect("errors");
        assert!(!errors.is_empty(), "{message}: no reason given");
        for field in *fields {
            assert!(
                errors.iter().any(|e| e["field"] == *field),
                "{message}: {field} not named: {ack}"
            );
        }
        assert!(errors.iter().all(|e| e["rule"].as_str().is_some_and(|r| !r.is_empty())));
    }
    let metrics = wait_for(Duration::from_secs(5), "refusals counted", || {
        get_json(&mut conn, "mm_metrics").filter(|m| m["redis"]["configs_refused"] == 5)
    });
    assert_eq!(metrics["redis"]["configs_accepted"], 0);
    assert_eq!(metrics["risk"]["BTC"]["applied_config_version"], 0);
    assert_eq!(get_json(&mut conn, "mm:config:BTC"), None, "nothing stored");

    drop(acks);
    let report = engine.stop();
    assert_eq!(notional_of(&report, "BTC"), Usd::from_dollars(100), "file config still in force");
    assert_eq!(notional_of(&report, "ETH"), Usd::from_dollars(100));
}

#[test]
fn a_config_written_while_the_engine_was_cut_off_is_applied_from_its_key_after_reconnect() {
    let mut server = RedisServer::start();
    let engine = EngineRun::start(engine_config(&server.url(), ""));
    let mut conn = server.connect(None);
    wait_engine_synced(&mut conn);

    // Redis restarts behind a password: the engine cannot get back in until we unlock it.
    server.restart_locked("let-me-in");
    let mut admin = server.connect(Some("let-me-in"));
    let stored =
        r#"{"version":7,"updated_at":0,"config":{"symbol":"ETH","notional_per_side":444.0}}"#;
    let _: () = redis::cmd("SET").arg("mm:config:ETH").arg(stored).query(&mut admin).expect("set");
    // The message nobody hears: pub/sub has no memory.
    let heard: i64 = redis::cmd("PUBLISH")
        .arg("mm_config")
        .arg(r#"{"symbol":"ETH","notional_per_side":444.0}"#)
        .query(&mut admin)
        .expect("publish");
    assert_eq!(heard, 0, "the engine is not subscribed while locked out");
    let mut sub = server.connect(Some("let-me-in"));
    let mut acks = sub.as_pubsub();
    acks.subscribe("mm_config_ack").expect("subscribe");
    RedisServer::unlock(&mut admin);

    let ack = next_ack(&mut acks);
    assert_eq!(ack["accepted"], true, "{ack}");
    assert_eq!(ack["source"], "key");
    assert_eq!(ack["symbol"], "ETH");
    assert_eq!(ack["version"], 7);
    let metrics = wait_for(Duration::from_secs(10), "the core to confirm version 7", || {
        get_json(&mut admin, "mm_metrics")
            .filter(|m| m["risk"]["ETH"]["applied_config_version"] == 7)
    });
    assert!(metrics["redis"]["connects"].as_u64().unwrap_or(0) >= 2, "{metrics}");

    drop(acks);
    let report = engine.stop();
    assert_eq!(notional_of(&report, "ETH"), Usd::from_dollars(444));
}

#[test]
fn the_new_model_fields_and_disabled_exits_travel_over_mm_config_to_the_core() {
    let server = RedisServer::start();
    let engine = EngineRun::start(engine_config(&server.url(), ""));
    let mut conn = server.connect(None);
    let mut sub = server.connect(None);
    let mut acks = sub.as_pubsub();
    acks.subscribe("mm_config_ack").expect("subscribe");
    wait_engine_synced(&mut conn);

    // A take-profit of 200 % used to be acked as accepted, then refused by the core.
    publish(&mut conn, r#"{"symbol":"BTC","trailing_take_profit":2}"#);
    let ack = next_ack(&mut acks);
    assert_eq!(ack["accepted"], false, "{ack}");
    assert_eq!(ack["errors"][0]["field"], "trailing_take_profit", "{ack}");
    assert!(ack["errors"][0]["rule"].as_str().is_some_and(|r| r.contains("[0, 1)")), "{ack}");

    publish(
        &mut conn,
        r#"{"symbol":"BTC","trailing_take_profit":0,"trailing_stop_loss":0,
            "vol_estimator":"atr","atr_bars":20,"vol_warmup_samples":30,"vol_prior":0.0002,
            "force_quote_refresh_interval":0}"#,
    );
    let ack = next_ack(&mut acks);
    assert_eq!(ack["accepted"], true, "{ack}");
    wait_for(Duration::from_secs(10), "the core to confirm version 1", || {
        get_json(&mut conn, "mm_metrics")
            .filter(|m| m["risk"]["BTC"]["applied_config_version"] == 1)
    });

    drop(acks);
    let report = engine.stop();
    let spec = report.instruments.iter().find(|s| s.coin.as_str() == "BTC").expect("quoted");
    let p = report.core.params(spec.asset).expect("in the core");
    assert_eq!((p.trailing_take_profit, p.trailing_stop_loss), (0.0, 0.0), "disabled");
    assert_eq!(p.force_quote_refresh_interval, 0, "never forced");
    assert_eq!(p.vol_estimator, hlmm::core::params::VolEstimator::Atr);
    assert_eq!((p.atr_bars, p.vol_warmup_samples, p.vol_prior), (20, 30, Some(0.0002)));
}
