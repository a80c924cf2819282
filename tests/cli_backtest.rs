//! `hlmm backtest` as a user runs it: reports written, the same seed giving the same JSON, a
//! sweep's table, and bad flags refused by name. Short horizons (simulated time).

use std::path::PathBuf;
use std::process::Command;

fn hlmm() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hlmm"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hlmm-cli-backtest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

fn backtest(report: &PathBuf) -> std::process::Output {
    hlmm()
        .args(["backtest", "--config", "config/sim.toml", "--hours", "0.05", "--coins", "BTC,SOL"])
        .arg("--report")
        .arg(report)
        .output()
        .expect("hlmm runs")
}

#[test]
fn a_backtest_writes_identical_json_for_the_same_seed_and_a_self_contained_html_page() {
    let (a, b) = (scratch("a.json"), scratch("b.json"));
    let out = backtest(&a);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("BTC") && stdout.contains("total"), "{stdout}");
    assert!(stdout.contains("x real time"), "{stdout}");
    assert!(backtest(&b).status.success());
    let (ja, jb) = (std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
    assert_eq!(ja, jb, "same config, same seed: same bytes");
    let report: serde_json::Value = serde_json::from_slice(&ja).expect("json");
    for key in ["pnl_usd", "markout_bps", "inventory_usd", "max_drawdown_usd", "quote_uptime"] {
        assert!(report["total"].get(key).is_some(), "total.{key}");
    }
    assert!(report["coins"]["SOL"]["markout_bps"].get("10s").is_some());
    let html = std::fs::read_to_string(a.with_extension("html")).expect("html beside the json");
    assert!(html.contains("<svg") && html.contains("PnL after fees"), "charts");
    assert!(!html.contains("<script src") && !html.contains("http"), "self-contained");
}

#[test]
fn a_sweep_prints_one_row_per_grid_point() {
    let out = hlmm()
        .args(["backtest", "--config", "config/backtest/fixed_spread.toml", "--hours", "0.05"])
        .args(["--coins", "BTC", "--sweep", "min_half_spread_bps=1,2;vol_k=0,1", "--threads", "2"])
        .output()
        .expect("hlmm runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout);
    for point in ["min_half_spread_bps=1 vol_k=0", "min_half_spread_bps=2 vol_k=1"] {
        assert!(table.contains(point), "{point} in\n{table}");
    }
    assert!(table.contains("4 runs"), "{table}");
}

#[test]
fn several_seeds_print_a_row_each_and_their_total() {
    let out = hlmm()
        .args(["backtest", "--config", "config/sim.toml", "--hours", "0.05", "--coins", "ETH"])
        .args(["--seeds", "3-4"])
        .output()
        .expect("hlmm runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout);
    for row in ["seed=3", "seed=4", "all seeds"] {
        assert!(table.contains(row), "{row} in\n{table}");
    }
}

#[test]
fn a_recorded_tape_replays_through_the_backtest() {
    let tape = scratch("tape");
    let out = hlmm()
        .args(["record", "--config", "config/sim.toml", "--hours", "0.02", "--coins", "SOL"])
        .arg("--out")
        .arg(&tape)
        .output()
        .expect("hlmm runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(tape.join("meta.json").exists() && tape.join("feed.tape").exists());
    let report = scratch("replay.json");
    let out = hlmm()
        .args(["backtest", "--config", "config/sim.toml", "--data"])
        .arg(&tape)
        .arg("--report")
        .arg(&report)
        .output()
        .expect("hlmm runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("json");
    assert!(json["data"].as_str().is_some_and(|d| d.contains("simulator")), "{json}");
    assert!(json["coins"].get("SOL").is_some(), "the tape's coin, as configured");
}

#[test]
fn bad_backtest_flags_name_the_field_and_change_nothing() {
    let report = scratch("never.json");
    let cases: [(&[&str], &str); 4] = [
        (&["--sweep", "vol_k=-1"], "vol_k"),
        (&["--sweep", "nonsense=1"], "nonsense"),
        (&["--coins", "NOPE"], "NOPE"),
        (&["--seeds", "9-3"], "--seeds"),
    ];
    for (flags, named) in cases {
        let out = hlmm()
            .args(["backtest", "--config", "config/sim.toml", "--hours", "0.01"])
            .args(flags)
            .arg("--report")
            .arg(&report)
            .output()
            .expect("hlmm runs");
        assert!(!out.status.success(), "{flags:?} refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(named), "{flags:?}: {err}");
        assert!(!report.exists(), "{flags:?} wrote nothing");
    }
}

#[test]
fn a_live_venue_is_recorded_through_the_engines_feed_and_replays() {
    let sim = hlmm::sim::SimHandle::start(hlmm::sim::SimConfig::ephemeral()).expect("simulator");
    let config = hlmm::config::Config::default();
    let dir = scratch("live-tape");
    let rec = hlmm::backtest::record_live(
        &config,
        &sim.info_url(),
        &sim.ws_url(),
        Some(&["BTC".to_owned()]),
        &dir,
        Some(std::time::Duration::from_secs(3)),
        &hlmm::runtime::Shutdown::new(),
    )
    .expect("records");
    assert!(rec.records > 0, "books arrived over three seconds of 500 ms blocks");
    let tape = hlmm::backtest_harness::tape::Tape::read(&dir).expect("a readable tape");
    assert!(tape.events.iter().any(|e| matches!(e.1, hlmm::types::events::FeedEvent::Book(_))));
    assert!(tape.events.windows(2).all(|w| w[0].0 <= w[1].0), "receive order");
    assert_eq!(tape.meta.source, sim.ws_url());
}
