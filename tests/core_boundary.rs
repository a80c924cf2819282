//! The core's module boundary: `src/core/**/*.rs` never names I/O, threads, clocks or logging.
//! Names the file and line of every offence.

use std::fs;
use std::path::{Path, PathBuf};

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

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn core_never_names_io_threads_clocks_or_logging() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
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
    let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core/mod.rs"))
        .expect("mod.rs");
    assert!(text.contains("#![forbid(unsafe_code)]"));
}
