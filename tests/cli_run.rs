//! `hlmm run` as an operator meets it: a timed paper session that writes its report, and the
//! mainnet gate.

use std::path::Path;
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `hlmm` from the package root with only `envs` in its environment.
fn hlmm(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hlmm"))
        .args(args)
        .current_dir(root())
        .env_clear()
        .envs(envs.iter().copied())
        .output()
        .expect("the hlmm binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_timed_paper_session_stops_by_itself_and_writes_its_report() {
    let report = std::env::temp_dir().join(format!("hlmm-report-{}.json", std::process::id()));
    let out = hlmm(
        &[
            "run",
            "--duration",
            "8",
            "--report",
            report.to_str().expect("utf-8 path"),
            "--no-summary",
        ],
        &[("HLMM_SPIN", "spin_then_yield")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("frame_to_intent") && stdout.contains("BTC"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("the report file")).expect("json");
    let _ = std::fs::remove_file(&report);
    let coins = json["coins"].as_array().expect("coins");
    assert_eq!(coins.len(), 10, "the ten perps of config/sim.toml");
    for c in coins {
        for field in ["coin", "quotes_sent", "fills", "position", "pnl_usd", "risk_state"] {
            assert!(!c[field].is_null(), "{field} in {c}");
        }
        assert_eq!(c["venue_position_lots"], c["position_lots"], "positions equal the venue's");
    }
    let stages: Vec<&str> = json["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .filter_map(|s| s["stage"].as_str())
        .collect();
    assert!(stages.contains(&"frame_to_intent"));
    for key in ["p50_ns", "p99_ns", "p999_ns", "max_ns"] {
        assert!(json["stages"][0][key].is_u64(), "{key}");
    }
    assert!(json["counters"]["frames"].as_u64().is_some_and(|f| f > 0), "frames were received");
    assert_eq!(json["venue_open_orders"], 0, "nothing rests after the run");
}

#[test]
fn mainnet_refuses_to_start_without_the_explicit_flag() {
    let out = hlmm(
        &["run", "--venue", "mainnet", "--account", "0x00000000000000000000000000000000000000aa"],
        &[(
            "HLMM_PRIVATE_KEY",
            "0x5151515151515151515151515151515151515151515151515151515151515151",
        )],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("--i-understand-this-is-mainnet"), "{stderr}");
    assert!(!stderr.contains("5151515151"), "the key is never printed");
}
