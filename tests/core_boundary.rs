//! The core's boundary. The compiler guards most of it: `hlmm-core`'s Cargo.toml depends on
//! `hlmm-types` and pure crates only, so it cannot name tokio, a socket library or a logger. What
//! `std` still offers (threads, files, `Instant::now`, printing) is caught by scanning
//! `crates/core/src/**/*.rs`, naming the file and line of every offence.

use source_tree::{rust_files, Scope};
use std::fs;
use std::path::Path;

#[path = "support/source_tree.rs"]
mod source_tree;

const FORBIDDEN: &[&str] = &[
    "tokio",
    "std::net",
    "std::thread",
    "std::fs",
    "std::time::Instant",
    "Instant::now",
    "SystemTime::now",
    "tracing::",
    "println!",
    "eprintln!",
    "print!(",
    "dbg!",
];

#[test]
fn core_never_names_io_threads_clocks_or_logging() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/core/src");
    let files = rust_files(&root, Scope::Everything);
    assert!(files.len() >= 10, "expected the core's files under {}", root.display());
    let mut offences = Vec::new();
    for file in &files {
        let text =
            fs::read_to_string(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        for (n, line) in text.lines().enumerate() {
            // Prose may mention what the core avoids; code may not use it.
            let code = line.split("//").next().unwrap_or("");
            for word in FORBIDDEN {
                if code.contains(word) {
                    offences.push(format!(
                        "{}:{}: `{word}` in `{}`",
                        file.display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(offences.is_empty(), "forbidden paths in the core:\n{}", offences.join("\n"));
}

#[test]
fn core_forbids_unsafe_code() {
    let text =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/core/src/lib.rs"))
            .expect("lib.rs");
    assert!(text.contains("#![forbid(unsafe_code)]"));
}

/// The `[dependencies]` names of a crate manifest (no TOML parser needed for our own files).
fn manifest_dependencies(crate_dir: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate_dir).join("Cargo.toml");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut in_deps = false;
    let mut names = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
        } else if in_deps && !line.is_empty() && !line.starts_with('#') {
            if let Some((name, _)) = line.split_once('=') {
                names.push(name.trim().to_string());
            }
        }
    }
    names
}

#[test]
fn core_and_types_depend_only_on_pure_crates() {
    for (crate_dir, allowed) in [
        ("crates/types", &["serde", "thiserror"][..]),
        ("crates/core", &["hlmm-types", "thiserror"][..]),
    ] {
        let deps = manifest_dependencies(crate_dir);
        assert!(!deps.is_empty(), "{crate_dir}: no [dependencies] found");
        let extra: Vec<_> = deps.iter().filter(|d| !allowed.contains(&d.as_str())).collect();
        assert!(extra.is_empty(), "{crate_dir} depends on {extra:?}; allowed: {allowed:?}");
    }
}

#[test]
fn core_dependency_tree_has_no_runtime_network_or_parser_crates() {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-p", "hlmm-core", "-e", "normal", "--prefix", "none"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(output.status.success(), "cargo tree: {}", String::from_utf8_lossy(&output.stderr));
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(tree.contains("hlmm-types"), "unexpected cargo tree output:\n{tree}");
    for name in ["tokio", "reqwest", "axum", "redis", "simd-json", "tracing", "hlmm-wire"] {
        let hit = tree.lines().any(|l| l.split_whitespace().next() == Some(name));
        assert!(!hit, "hlmm-core's dependency tree contains {name}:\n{tree}");
    }
}
