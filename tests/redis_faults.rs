//! Redis lost mid-run (`fault-cases.md` §10): quoting goes on, position updates wait in the
//! bounded outbox and reach the stream in order after the restart, with none missing; the
//! stale flag is raised while Redis is away.

#[path = "support/redis_server.rs"]
mod redis_server;

use std::time::Duration;

use redis_server::{engine_config, get_json, wait_engine_synced, wait_for, EngineRun, RedisServer};
use serde_json::Value;

/// `seq` of every entry of the `mm_position_updates` stream, in stream order.
fn stream_seqs(conn: &mut redis::Connection) -> Vec<u64> {
    let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg("mm_position_updates")
        .arg("-")
        .arg("+")
        .query(conn)
        .expect("xrange");
    reply
        .ids
        .iter()
        .map(|id| {
            let data: String = id.get("data").expect("data field");
            let update: Value = serde_json::from_str(&data).expect("JSON");
            update["seq"].as_u64().expect("seq")
        })
        .collect()
}

#[test]
fn redis_killed_for_seconds_quoting_continues_and_no_position_update_is_lost() {
    let mut server = RedisServer::start();
    let engine = EngineRun::start(engine_config(&server.url(), ""));
    let mut conn = server.connect(None);
    let before = wait_engine_synced(&mut conn);
    // The last update the first server got, as a subscriber hears it until the server dies.
    let mut sub = server.connect(None);
    let mut last_heard = 0;
    {
        let mut updates = sub.as_pubsub();
        updates.subscribe("mm_position_updates").expect("subscribe");
        updates.set_read_timeout(Some(Duration::from_millis(500))).expect("timeout");
        // Hear a few, then kill the server while still listening.
        for _ in 0..3 {
            let msg = updates.get_message().expect("position updates flow");
            let v: Value = serde_json::from_slice(msg.get_payload_bytes()).expect("JSON");
            last_heard = v["seq"].as_u64().expect("seq");
        }
        server.kill();
        while let Ok(msg) = updates.get_message() {
            let v: Value = serde_json::from_slice(msg.get_payload_bytes()).expect("JSON");
            last_heard = v["seq"].as_u64().expect("seq");
        }
    }
    std::thread::sleep(Duration::from_secs(3));
    server.restart();
    let mut conn = server.connect(None);
    // About 30 updates were made during the outage; wait for the backlog and some more.
    let seqs = wait_for(Duration::from_secs(30), "the backlog to be flushed", || {
        let seqs = stream_seqs(&mut conn);
        (seqs.last().copied().unwrap_or(0) >= last_heard + 40).then_some(seqs)
    });
    assert!(
        seqs[0] <= last_heard + 1,
        "the first update after the last one heard ({last_heard}) is in the stream: {:?}",
        &seqs[..seqs.len().min(5)]
    );
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "updates reach the stream in order with no gap: {seqs:?}"
    );
    let after = wait_for(Duration::from_secs(10), "metrics after the restart", || {
        get_json(&mut conn, "mm_metrics").filter(|m| m["redis"]["connects"].as_u64() >= Some(2))
    });
    assert_eq!(after["redis"]["position_updates_dropped"], 0);
    assert!(after["redis"]["connection_errors"].as_u64() >= Some(1));
    // Quoting went on: the quote thread kept taking market data in while Redis was away, and
    // it is trading (not halted) after.
    let frames = |m: &Value| m["counters"]["frames"].as_u64().unwrap_or(0);
    let taken = |m: &Value| m["stages"]["ring_wait"]["count"].as_u64().unwrap_or(0);
    assert!(frames(&after) > frames(&before), "{before} → {after}");
    assert!(taken(&after) > taken(&before), "{before} → {after}");
    assert_ne!(after["risk"]["BTC"]["state"], "Halted", "{after}");
    let report = engine.stop();
    assert_eq!(report.counters.lossless_ring_full, 0);
}

#[test]
fn redis_down_at_start_the_engine_quotes_on_its_file_config_and_syncs_when_redis_appears() {
    let mut server = RedisServer::start();
    server.kill();
    let engine = EngineRun::start(engine_config(&server.url(), ""));
    std::thread::sleep(Duration::from_secs(2));
    server.restart();
    let mut conn = server.connect(None);
    let metrics = wait_engine_synced(&mut conn);
    assert!(metrics["counters"]["frames"].as_u64() > Some(0), "{metrics}");
    let seqs = wait_for(Duration::from_secs(10), "position updates", || {
        let seqs = stream_seqs(&mut conn);
        (seqs.len() >= 15).then_some(seqs)
    });
    assert_eq!(seqs[0], 1, "updates made while Redis was down at start are kept");
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    engine.stop();
}
