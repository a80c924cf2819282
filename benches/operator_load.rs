//! Does the operator surface slow the trading path? The whole engine on the built-in simulator,
//! run for a fixed time with its API gateway up, alternately with nobody watching and with the
//! dashboard's load: 10 stream clients (each with its own ticket, reading every message) and one
//! client polling every REST read once a second, as a dashboard does on load and on a
//! reconnect. Runs go in ABBA order, so drift (a neighbour on the shared machine) hits both.
//!
//! Reported per run: the quote thread's frame→intent span and its decide stage (p50 / p99,
//! from the run's own histograms), and what the clients received (so a run with clients that
//! received nothing cannot pass for one with load).
//!
//! `cargo bench --bench operator_load` (about 4 × `HLMM_OPERATOR_SECS`, default 45 s each; set
//! `HLMM_OPERATOR_ROUNDS` for more ABBA rounds). Results: perf/operator.md.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use api_engine::ApiEngine;
use futures_util::StreamExt;
use hlmm::config::Config;
use hlmm::engine::RunReport;
use hlmm::telemetry::Stage;

#[path = "../tests/support/api_engine.rs"]
mod api_engine;

const TOKEN: &str = "operator-load-bench-token-0123";
const STREAM_CLIENTS: usize = 10;
const REST_READS: &[&str] = &[
    "/api/v1/status",
    "/api/v1/positions",
    "/api/v1/orders",
    "/api/v1/fills?limit=100",
    "/api/v1/risk",
    "/api/v1/config",
    "/api/v1/latency",
    "/api/v1/symbols",
];

/// What the clients of one run received.
#[derive(Debug, Default)]
struct Load {
    stream_messages: AtomicU64,
    stream_bytes: AtomicU64,
    rest_reads: AtomicU64,
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that names another bench skips this one.
    if std::env::args().skip(1).any(|a| !a.starts_with('-') && !"operator_load".contains(&a)) {
        return;
    }
    let secs = env_u64("HLMM_OPERATOR_SECS", 45);
    let rounds = env_u64("HLMM_OPERATOR_ROUNDS", 1);
    let token_file =
        std::env::temp_dir().join(format!("hlmm-operator-{}.tokens", std::process::id()));
    std::fs::write(&token_file, format!("read bench {TOKEN}\n")).expect("token file");
    println!(
        "{} runs of {secs} s, ABBA order; 2-core machines share cores with the simulator",
        4 * rounds
    );
    println!(
        "{:<10} {:>9} {:>9} {:>11} {:>9} {:>9} {:>9} {:>10} {:>9}",
        "run",
        "f→i n",
        "f→i p50",
        "f→i p99",
        "decide50",
        "decide99",
        "stream msgs",
        "stream KiB",
        "REST"
    );
    for _ in 0..rounds {
        for watched in [false, true, true, false] {
            let (report, load) = run(secs, watched, &token_file);
            let f2i = report.stages.get(Stage::FrameToIntent);
            let decide = report.stages.get(Stage::Decide);
            println!(
                "{:<10} {:>9} {:>7.1}µs {:>9.1}µs {:>7.1}µs {:>7.1}µs {:>11} {:>10} {:>9}",
                if watched { "10 clients" } else { "none" },
                f2i.count,
                f2i.p50_ns as f64 / 1e3,
                f2i.p99_ns as f64 / 1e3,
                decide.p50_ns as f64 / 1e3,
                decide.p99_ns as f64 / 1e3,
                load.stream_messages.load(Ordering::Relaxed),
                load.stream_bytes.load(Ordering::Relaxed) / 1024,
                load.rest_reads.load(Ordering::Relaxed),
            );
        }
    }
    let _ = std::fs::remove_file(&token_file);
}

fn run(secs: u64, watched: bool, token_file: &std::path::Path) -> (RunReport, Arc<Load>) {
    let engine = ApiEngine::start(Config::default(), token_file, 1);
    let load = Arc::new(Load::default());
    let stop = Arc::new(AtomicBool::new(false));
    let clients = watched.then(|| {
        let addr = engine.api;
        let (load, stop) = (Arc::clone(&load), Arc::clone(&stop));
        std::thread::spawn(move || watch(addr, &load, &stop))
    });
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    if let Some(c) = clients {
        c.join().expect("clients");
    }
    (engine.stop().expect("engine ran"), load)
}

/// The dashboard's load until `stop`: stream clients and a REST poller, on one runtime thread.
fn watch(addr: std::net::SocketAddr, load: &Arc<Load>, stop: &Arc<AtomicBool>) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let http = reqwest::Client::new();
        let mut tasks = Vec::new();
        for _ in 0..STREAM_CLIENTS {
            let ticket: serde_json::Value = http
                .post(format!("http://{addr}/api/v1/stream/ticket"))
                .bearer_auth(TOKEN)
                .send()
                .await
                .expect("ticket")
                .json()
                .await
                .expect("ticket JSON");
            let ticket = ticket["ticket"].as_str().expect("a ticket").to_owned();
            let url = format!("ws://{addr}/api/v1/stream?ticket={ticket}");
            let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("stream");
            let (load, stop) = (Arc::clone(load), Arc::clone(stop));
            tasks.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let next = tokio::time::timeout(Duration::from_millis(200), ws.next()).await;
                    if let Ok(Some(Ok(msg))) = next {
                        load.stream_messages.fetch_add(1, Ordering::Relaxed);
                        load.stream_bytes.fetch_add(msg.len() as u64, Ordering::Relaxed);
                    }
                }
            }));
        }
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        while !stop.load(Ordering::Relaxed) {
            tick.tick().await;
            for path in REST_READS {
                let ok = http
                    .get(format!("http://{addr}{path}"))
                    .bearer_auth(TOKEN)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ok {
                    load.rest_reads.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        for t in tasks {
            let _ = t.await;
        }
    });
}
