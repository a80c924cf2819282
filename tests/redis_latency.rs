//! Quote-thread latency with Redis up vs down (`fault-cases.md` §10: the quote loop must not
//! notice). In CI it checks behaviour only: with Redis up and with Redis down, the quote loop
//! keeps taking in market data (no wall-clock assertions in tests). As a measurement, run
//! `HLMM_LATENCY_SECS=60 cargo test --release --test redis_latency -- --nocapture` and read the
//! table. `HLMM_LATENCY_SECS` sets the length of each run (default 2).

#[path = "support/redis_server.rs"]
mod redis_server;

use std::time::Duration;

use hlmm::telemetry::{Stage, StageSummary};
use redis_server::{engine_config, EngineRun, RedisServer};

fn run(url: &str, secs: u64) -> StageSummary {
    let engine = EngineRun::start(engine_config(url, ""));
    std::thread::sleep(Duration::from_secs(secs));
    engine.stop().stages
}

fn print(label: &str, s: &StageSummary) {
    for stage in [Stage::RingWait, Stage::Decide, Stage::IntentPush, Stage::FrameToIntent] {
        let st = s.get(stage);
        println!(
            "{label:<11} {:<16} n={:<7} p50={:>8} ns p90={:>8} ns p99={:>8} ns p99.9={:>8} ns max={:>9} ns",
            stage.name(),
            st.count,
            st.p50_ns,
            st.p90_ns,
            st.p99_ns,
            st.p999_ns,
            st.max_ns
        );
    }
}

#[test]
fn quote_thread_keeps_working_with_redis_up_and_down() {
    let secs = std::env::var("HLMM_LATENCY_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
    let server = RedisServer::start();
    let up = run(&server.url(), secs);
    // Down: a port where nothing listens, so every connect fails and the backoff runs.
    let mut dead = RedisServer::start();
    let url = dead.url();
    dead.kill();
    let down = run(&url, secs);
    print("redis up", &up);
    print("redis down", &down);
    assert!(up.get(Stage::RingWait).count > 0, "the quote loop took in data with Redis up");
    assert!(down.get(Stage::RingWait).count > 0, "the quote loop took in data with Redis down");
}
