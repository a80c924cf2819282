//! The dashboard in a real browser against the real engine: an engine on the built-in simulator
//! (quoting from the start, its gateway on 127.0.0.1:0 with a control token from a token file)
//! and `tests/browser/run.sh`, which drives Debian's Chromium through every panel, edits a
//! config field, kills and resumes, and saves screenshots (tests/browser/dashboard.test.mjs).
//!
//! A second test runs the same suite against the mock API server (crates/api/dev), for the
//! cases only it can stage.
//!
//! `run.sh` installs Chromium (as root, with apt) and the pinned node packages when missing. On
//! a machine with neither root nor Chromium, or without node, the test says why and does not
//! run, except under `CI=true`, where a missing browser is a failure: CI must run it.

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use api_engine::ApiEngine;
use hlmm::config::Config;

#[path = "support/api_engine.rs"]
mod api_engine;

const TOKEN: &str = "browser-test-control-token-0123";

/// One `run.sh` at a time: each may run `npm ci` in the same folder.
static SUITE: Mutex<()> = Mutex::new(());

/// Runs `tests/browser/run.sh` against `url` (`None`: its own mock API server).
fn run_suite(url: Option<&str>) -> std::process::ExitStatus {
    let _one = SUITE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut cmd = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/run.sh"));
    match url {
        Some(url) => cmd.env("HLMM_DASHBOARD_URL", url),
        None => cmd.env_remove("HLMM_DASHBOARD_URL"),
    };
    cmd.status().expect("tests/browser/run.sh starts")
}

/// `true` when the suite can run here; otherwise says why (a failure under `CI=true`).
fn tools_ready() -> bool {
    match missing_tools() {
        None => true,
        Some(why) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI must run the browser tests: {why}"
            );
            eprintln!("skipped: {why}");
            false
        }
    }
}

/// Why the browser suite cannot run here, if it cannot.
fn missing_tools() -> Option<String> {
    let has =
        |cmd: &str| Command::new(cmd).arg("--version").output().is_ok_and(|o| o.status.success());
    if !has("node") || !has("npm") {
        return Some("node and npm are needed for the browser tests".into());
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let installable = root && has("apt-get");
    if !(Path::new(&chromium).exists() || installable) {
        return Some(format!("no browser at {chromium} and no root to install Debian's chromium"));
    }
    None
}

#[test]
fn the_dashboard_shows_and_controls_a_running_engine_in_chromium() {
    if let Some(why) = missing_tools() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI must run the browser tests: {why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    let token_file =
        std::env::temp_dir().join(format!("hlmm-browser-{}.tokens", std::process::id()));
    std::fs::write(&token_file, format!("control browser {TOKEN}\n")).expect("token file");

    let engine = ApiEngine::start(Config::default(), &token_file, 10);
    let url = format!("http://{}/#token={TOKEN}", engine.api);

    let status = run_suite(Some(&url));

    let report = engine.stop();
    let _ = std::fs::remove_file(&token_file);
    assert!(status.success(), "the browser suite passed against the engine ({status})");
    let report = report.expect("the engine ran and stopped cleanly");
    let venue = report.venue.as_ref().expect("venue state after shutdown");
    assert_eq!(venue.open_order_count(), 0, "no order of ours rests after the run");
}

/// The cases a real engine cannot stage on demand: a dropped stream that must reconnect, and a
/// symbol carrying markup that must stay text. The mock API server (crates/api/dev) serves them.
#[test]
fn the_dashboard_reconnects_its_stream_and_never_runs_api_text_as_markup_on_the_mock_api() {
    if !tools_ready() {
        return;
    }
    let status = run_suite(None);
    assert!(status.success(), "the browser suite passed against the mock API ({status})");
}
