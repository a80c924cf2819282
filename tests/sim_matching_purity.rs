//! The simulator's pure core (matching, accounts, actions, exchange) never does I/O, reads a
//! clock, spawns, or logs: it takes `now` as an argument. This scans its sources.

use std::fs;
use std::path::{Path, PathBuf};

const FORBIDDEN: [&str; 9] = [
    "tokio",
    "std::net",
    "std::fs",
    "std::thread",
    "Instant::now",
    "SystemTime::now",
    "tracing::",
    "println!",
    "unsafe ",
];

fn sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/sim/src");
    let mut out = vec![root.join("accounts.rs"), root.join("actions.rs"), root.join("exchange.rs")];
    for dir in [root.join("matching"), root.join("exchange")] {
        let entries = fs::read_dir(&dir).expect("pure sim module directory");
        out.extend(
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "rs")),
        );
    }
    out
}

#[test]
fn pure_sim_modules_use_no_io_clock_threads_or_logging() {
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
