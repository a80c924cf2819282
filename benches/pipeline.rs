//! Frame received → intent in the exec ring, through the engine's own code on two threads: the
//! hot path of `hlmm run` without the socket, the signature and the network.
//!
//! - **This thread** plays the feed and the exec threads: it hands a raw `l2Book` frame to
//!   [`FeedHandler::on_frame`] (simd-json parse, conflating ring push, exactly as the feed
//!   thread does after a WebSocket read), then pops the intents the quote thread produced and
//!   acknowledges them through the outcome ring (every order rests), as exec would after the
//!   venue answered.
//! - **The quote thread** is a real [`QuoteLoop`] around a real `QuotingCore`, with the idle
//!   policy under test: `BusySpin` (pinned production) and the spin-then-yield fallback.
//!
//! Every frame moves BTC's best bid and ask by about 30 bp, so each one re-quotes; frames are
//! at least 1 ms apart (book times are in ms, and the core skips a book that is not newer). Stage
//! latencies come from the engine's own recorders (the numbers `hlmm run` prints):
//! `frame_to_intent` is receive time → last intent of the frame pushed into the exec ring.
//! `exec_pop` is measured here: receive time → the intent read at the far end of that ring.
//! Each thread is pinned to its own core when there are two; on this shared 2-core VM other
//! processes still preempt them, which the tails show.
//!
//! Not a criterion measurement (hdrhistogram percentiles are the result); run with
//! `cargo bench --bench pipeline`.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use hdrhistogram::Histogram;
use hlmm::core::params::GlobalParams;
use hlmm::core::{CoreEvent, QuotingCore};
use hlmm::engine::feed::{FeedHandler, FeedRings, FeedSettings, FeedShared};
use hlmm::engine::health::FeedHealth;
use hlmm::engine::idle::{IdlePolicy, Idler};
use hlmm::engine::pin;
use hlmm::engine::quote::{QuoteLoop, QuoteRings, QuoteShared};
use hlmm::engine::side::Heartbeats;
use hlmm::msg::{Activity, AssetSnapshot, ExecReport, Intent, Stamped};
use hlmm::ring;
use hlmm::runtime::{Clock, Phase, Shutdown, SystemClock};
use hlmm::telemetry::{Counters, SharedStageHistograms, StageStats, StageSummary};
use hlmm::types::commands::{Command, CommandKind};
use hlmm::types::outcome::{Accepted, AcceptedStatus, CommandOutcome, OutcomeEvent};
use hlmm::types::{AssetId, Coin, InstrumentSpec, Oid, Usd};

/// Frames per policy after the warm-up.
#[path = "support/steady_params.rs"]
mod steady_params;
use steady_params::steady_params;

const FRAMES: usize = 20_000;
/// Frames before measuring starts (the estimators settle, buffers reach their size).
const WARMUP: usize = 500;

fn btc() -> InstrumentSpec {
    InstrumentSpec::perp(AssetId(0), Coin::new(b"BTC").expect("coin"), 5)
}

/// A 20-level `l2Book` frame for BTC with best bid `bid` (whole dollars), in the venue's
/// shape, and the offset of its 13-digit `time` field (patched per frame).
fn frame(bid: u32) -> (Vec<u8>, usize) {
    let level = |px: u32, k: u32| format!(r#"{{"px":"{px}.0","sz":"1.{k:05}","n":{}}}"#, 1 + k % 9);
    let bids: Vec<String> = (0..20).map(|k| level(bid - k, k)).collect();
    let asks: Vec<String> = (0..20).map(|k| level(bid + 1 + k, k)).collect();
    let text = format!(
        r#"{{"channel":"l2Book","data":{{"coin":"BTC","time":1767225601234,"levels":[[{}],[{}]]}}}}"#,
        bids.join(","),
        asks.join(",")
    );
    let at = text.find("1767225601234").expect("time field");
    (text.into_bytes(), at)
}

/// The acknowledgement exec would return once the venue accepted `command`.
fn ack(command: &Command, oid: &mut u64) -> Option<ExecReport> {
    let (asset, cloid, kind) = match *command {
        Command::Place(r) => (r.asset, r.cloid, CommandKind::Place),
        Command::Modify { asset, cloid, .. } => (asset, cloid, CommandKind::Modify),
        Command::Cancel { asset, cloid } => (asset, cloid, CommandKind::Cancel),
        Command::CancelAll { .. } => return None,
    };
    *oid += 1;
    let status = if kind == CommandKind::Cancel {
        AcceptedStatus::Canceled
    } else {
        AcceptedStatus::Resting
    };
    let outcome = CommandOutcome::Accepted(Accepted { oid: Some(Oid(*oid)), status });
    Some(ExecReport::Outcome(OutcomeEvent::new(asset, cloid, kind, outcome)))
}

struct RunResult {
    stages: StageSummary,
    exec_pop: Histogram<u64>,
    frames_without_intent: usize,
    intents: u64,
}

fn run(policy: IdlePolicy, cores: &[usize]) -> RunResult {
    let spec = btc();
    let now = SystemClock.now();
    let global = GlobalParams { global_daily_pnl_stop_loss: Usd::ZERO, cloid_prefix: 1, run_id: 1 };
    let mut core = QuotingCore::new(&[spec], &[steady_params()], global, now).expect("core");
    let mut scratch = Vec::with_capacity(64);
    core.on_event(&CoreEvent::Resume, now, &mut scratch).expect("resume");

    let (md_tx, md_rx) = ring::conflating::<Stamped>(16, 4);
    let (user_tx, user_rx) = ring::lossless::<Stamped>(1024);
    let (outcome_tx, outcome_rx) = ring::lossless::<ExecReport>(1024);
    let (_control_tx, control_rx) = ring::lossless::<CoreEvent>(16);
    let (intent_tx, intent_rx) = ring::lossless::<Intent>(1024);
    let (snapshot_tx, _snapshot_rx) = ring::conflating::<AssetSnapshot>(4, 1);
    // The operator's history, drained by this thread between frames as the side thread would.
    let (activity_tx, mut activity_rx) = ring::lossless::<Activity>(8_192);
    let (mut outcome_tx, mut intent_rx) = (outcome_tx, intent_rx);

    let counters = Arc::new(Counters::new());
    let histograms = Arc::new(SharedStageHistograms::new());
    let health = Arc::new(FeedHealth::new(1));
    health.set_connected(true);
    let shutdown = Shutdown::new();
    let mut feed = FeedHandler::new(
        FeedSettings {
            ws_url: String::new(),
            subscribe_frames: Vec::new(),
            ping_interval: Duration::from_secs(30),
            market_stale_after: Duration::from_secs(5),
            user_stale_after: Duration::from_secs(60),
            reconnect_after_silence: Duration::from_secs(65),
            reconnect_min_ms: 100,
            reconnect_max_ms: 1_000,
            seed: 1,
            connect_timeout: Duration::from_secs(1),
        },
        &[spec],
        FeedRings { md: md_tx, user: user_tx },
        FeedShared {
            health: Arc::clone(&health),
            counters: Arc::clone(&counters),
            histograms: Arc::clone(&histograms),
            shutdown: shutdown.clone(),
            clock: SystemClock,
        },
    );
    let quote = QuoteLoop::new(
        core,
        &[spec.asset],
        QuoteRings {
            md: md_rx,
            user: user_rx,
            outcomes: outcome_rx,
            control: control_rx,
            intents: intent_tx,
            snapshots: snapshot_tx,
            activity: activity_tx,
            reconcile: None,
        },
        QuoteShared {
            counters: Arc::clone(&counters),
            histograms: Arc::clone(&histograms),
            health,
            heartbeats: Arc::new(Heartbeats::default()),
            stalled: Arc::new(AtomicBool::new(false)),
            shutdown: shutdown.clone(),
            gateway: None,
            clock: SystemClock,
        },
        Idler::new(policy),
    );
    let quote_core = cores.get(1).copied();
    let quote_thread = std::thread::Builder::new()
        .name("bench-quote".into())
        .spawn(move || {
            if let Some(c) = quote_core {
                pin::pin_current_thread(c);
            }
            quote.run()
        })
        .expect("spawn quote thread");
    if let Some(&c) = cores.first() {
        pin::pin_current_thread(c);
    }

    let frames = [frame(97_000), frame(97_300)];
    let mut buf = Vec::with_capacity(8 * 1024);
    let mut exec_pop = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("bounds");
    let mut oid = 0u64;
    let mut frames_without_intent = 0;
    let mut intents = 0u64;
    let mut last_ms = 0u64;
    for i in 0..WARMUP + FRAMES {
        let (bytes, at) = &frames[i % 2];
        buf.clear();
        buf.extend_from_slice(bytes);
        // The core ignores a book no newer than the last one (the venue stamps books in ms),
        // so at most one frame per millisecond, as a venue that publishes per block would.
        let mut now_ms = SystemClock.now().0 / 1_000_000;
        while now_ms <= last_ms {
            std::hint::spin_loop();
            now_ms = SystemClock.now().0 / 1_000_000;
        }
        last_ms = now_ms;
        let ms = format!("{now_ms:013}");
        buf[*at..*at + 13].copy_from_slice(ms.as_bytes());
        feed.on_frame(&buf);

        // Exec's side: every intent of this frame, then the venue's acknowledgements.
        let start = Instant::now();
        let mut got = 0;
        let mut last_seen = start;
        loop {
            match intent_rx.pop() {
                Some(intent) => {
                    if i >= WARMUP && intent.frame_recv.0 != 0 {
                        let ns = SystemClock.now().0.saturating_sub(intent.frame_recv.0).max(1);
                        exec_pop.saturating_record(ns);
                    }
                    if let Some(report) = ack(&intent.command, &mut oid) {
                        outcome_tx.push(report).expect("outcome ring has room");
                    }
                    got += 1;
                    last_seen = Instant::now();
                }
                None => {
                    let quiet = last_seen.elapsed();
                    if (got > 0 && quiet > Duration::from_micros(200))
                        || start.elapsed() > Duration::from_millis(20)
                    {
                        break;
                    }
                    std::hint::spin_loop();
                }
            }
        }
        if got == 0 && i >= WARMUP {
            frames_without_intent += 1;
        }
        intents += got;
        if i % 64 == 0 {
            feed.publish_stages();
        }
        while activity_rx.pop().is_some() {}
    }
    shutdown.advance(Phase::DrainQuote);
    // The quote thread's last act is to cancel every quote: read those intents so its ring
    // never fills while it drains.
    while !quote_thread.is_finished() {
        while intent_rx.pop().is_some() {}
        std::thread::sleep(Duration::from_millis(1));
    }
    quote_thread.join().expect("quote thread");
    if !feed.publish_stages() {
        let _ = histograms.snapshot();
        feed.publish_stages();
    }
    RunResult { stages: histograms.snapshot(), exec_pop, frames_without_intent, intents }
}

fn row(name: &str, s: &StageStats) {
    let us = |ns: u64| ns as f64 / 1_000.0;
    println!(
        "  {name:<16} {:>8} {:>9.2} {:>9.2} {:>9.2} {:>10.2}",
        s.count,
        us(s.p50_ns),
        us(s.p99_ns),
        us(s.p999_ns),
        us(s.max_ns)
    );
}

fn pipeline(_c: &mut Criterion) {
    let cores = pin::available_cores();
    let pinned: Vec<usize> = cores.iter().copied().take(2).collect();
    if pinned.len() < 2 {
        println!("pipeline: fewer than 2 cores available ({cores:?}); threads are not pinned");
    }
    for (name, policy) in
        [("busy_spin", IdlePolicy::BusySpin), ("spin_then_yield", IdlePolicy::SPIN_THEN_YIELD)]
    {
        let r = run(policy, if pinned.len() >= 2 { &pinned } else { &[] });
        let s = &r.stages;
        println!(
            "pipeline/{name}: {} frames ({} warm-up included in the stage histograms), {} intents, {} frames without an intent",
            WARMUP + FRAMES,
            WARMUP,
            r.intents,
            r.frames_without_intent
        );
        println!(
            "  {:<16} {:>8} {:>9} {:>9} {:>9} {:>10}",
            "stage (µs)", "count", "p50", "p99", "p99.9", "max"
        );
        row("parse", &s.parse);
        row("feed_to_ring", &s.feed_to_ring);
        row("ring_wait", &s.ring_wait);
        row("decide", &s.decide);
        row("intent_push", &s.intent_push);
        row("frame_to_intent", &s.frame_to_intent);
        row("exec_pop", &StageStats::of(&r.exec_pop));
    }
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
