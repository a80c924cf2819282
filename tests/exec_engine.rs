//! End to end: `engine::run_until_with` on the default sim config (in-process simulator, paper
//! agent and account, signed actions over WS `post`), stopped by a real SIGTERM.
//!
//! One test per binary: it installs the process's signal handlers. No wall-clock assertions:
//! every wait is for a condition with a generous timeout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hlmm::config::{Config, SpinPolicy};
use hlmm::engine::{run_until_with, RunOptions};
use hlmm::runtime::Shutdown;
use hlmm::telemetry::{Counter, Counters, Stage};

fn wait_for(what: &str, within: Duration, cond: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while !cond() {
        if start.elapsed() > within {
            eprintln!("not reached within {within:?}: {what}");
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

#[test]
fn the_engine_quotes_trades_and_leaves_positions_equal_to_the_venue_and_no_resting_order() {
    let mut config = Config::default();
    // Share the machine: no pinning, yield when idle.
    config.threads.spin = SpinPolicy::SpinThenYield;
    config.threads.feed_core = None;
    config.threads.quote_core = None;
    config.threads.exec_core = None;
    let counters = Arc::new(Counters::new());
    let shutdown = Shutdown::new();
    shutdown.install_signal_handlers().expect("signal handlers");
    let options = RunOptions {
        // Quote at once instead of after ~120 book updates of warm-up.
        vol_prior: Some(0.0002),
        counters: Some(Arc::clone(&counters)),
        ..RunOptions::default()
    };
    let engine = {
        let config = config.clone();
        let shutdown = shutdown.clone();
        std::thread::spawn(move || run_until_with(&config, shutdown, options))
    };
    let c = Arc::clone(&counters);
    assert!(
        wait_for("intents sent", Duration::from_secs(120), || c.get(Counter::IntentsSent) >= 20),
        "the engine quotes"
    );
    // Fills depend on the simulated flow; give them time, but the equalities below must hold
    // whether or not one came.
    let c = Arc::clone(&counters);
    let filled = wait_for("a fill", Duration::from_secs(90), || c.get(Counter::UserFills) >= 1);
    // SIGTERM: the same path an operator's `docker stop` takes.
    // SAFETY: raising a signal in our own process; the handler only sets flags.
    let raised = unsafe { libc::raise(libc::SIGTERM) };
    assert_eq!(raised, 0);
    let report = engine.join().expect("engine thread").expect("engine ran");

    let venue = report.venue.as_ref().expect("venue snapshot after shutdown");
    assert_eq!(venue.open_order_count(), 0, "after SIGTERM no order of ours rests");
    let mut any_position = false;
    for spec in &report.instruments {
        let venue_sz = venue.position(spec.asset);
        let local = report.core.position(spec.asset).expect("quoted asset").size;
        assert_eq!(local, venue_sz, "asset {}: core position = venue position", spec.asset.0);
        any_position |= venue_sz.0 != 0;
    }
    let f2i = report.stages.get(Stage::FrameToIntent);
    eprintln!(
        "intents {} fills {} (filled: {filled}, non-zero position: {any_position}); \
         frame→intent n={} p50={}ns p99={}ns p999={}ns",
        report.counters.intents_sent,
        report.counters.user_fills,
        f2i.count,
        f2i.p50_ns,
        f2i.p99_ns,
        f2i.p999_ns,
    );
    assert!(report.counters.intents_sent >= 20);
    assert!(f2i.count > 0, "frame → intent measured");
    if filled {
        assert!(report.counters.user_fills >= 1);
    }
}
