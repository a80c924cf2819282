//! The simulator's pure part (matching, accounts, actions, exchange, market generator, venue,
//! venue rules, fault state, venue state) never does I/O, reads a clock, spawns, locks, or
//! logs: it takes `now` as an argument, so the backtest and the fault drills drive it in
//! simulated time. This scans its sources, unit tests included; `cargo check -p hlmm-sim
//! --no-default-features` (CI) proves it builds without the server and its runtime.

use std::fs;
use std::path::{Path, PathBuf};

const FORBIDDEN: [&str; 12] = [
    "tokio",
    "axum",
    "std::net",
    "std::fs",
    "std::thread",
    "Mutex",
    "Instant::now",
    "SystemTime::now",
    "tracing::",
    "println!",
    "eprintln!",
    "unsafe ",
];

/// The pure modules: each `name.rs` with its `name/` directory, if any.
const PURE_MODULES: [&str; 9] =
    ["accounts", "actions", "exchange", "faults", "market", "matching", "rules", "state", "venue"];

fn push_dir(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        if path.is_dir() {
            push_dir(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/sim/src");
    let mut out = Vec::new();
    for m in PURE_MODULES {
        let file = root.join(format!("{m}.rs"));
        assert!(file.is_file(), "pure sim module {} is missing", file.display());
        out.push(file);
        push_dir(&root.join(m), &mut out);
    }
    out
}

#[test]
fn pure_sim_modules_use_no_io_clock_threads_locks_or_logging() {
    let mut hits = Vec::new();
    for path in sources() {
        let text = fs::read_to_string(&path).expect("readable source");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in FORBIDDEN {
                if code.contains(word) {
                    hits.push(format!("{}:{}: {word}", path.display(), n + 1));
                }
            }
        }
    }
    assert!(hits.is_empty(), "forbidden in the pure simulator:\n{}", hits.join("\n"));
}

#[test]
fn only_the_server_and_the_handle_are_behind_the_server_feature() {
    let lib =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/sim/src/lib.rs"))
            .expect("lib.rs");
    let gated: Vec<&str> = lib
        .lines()
        .zip(lib.lines().skip(1))
        .filter(|(attr, _)| attr.trim() == "#[cfg(feature = \"server\")]")
        .filter_map(|(_, item)| item.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';'))
        .collect();
    assert_eq!(gated, ["handle", "server"]);
}
