//! The workspace's Rust sources as the structure tests read them (`code_shape.rs`,
//! `one_vocabulary.rs`, `core_boundary.rs`, `module_arrows.rs`). Include it with
//! `#[path = "support/source_tree.rs"] mod source_tree;`.

#![allow(dead_code)] // each test binary uses the part of this API it needs

use std::fs;
use std::path::{Path, PathBuf};

/// Which files under a folder count.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Scope {
    /// Every `.rs` file.
    Everything,
    /// Library code only: unit-test files (`tests.rs`) and `tests/` folders are left out.
    LibraryOnly,
}

/// Every `.rs` file below `dir` in `scope`, sorted. A missing folder is a test-setup error.
pub(crate) fn rust_files(dir: &Path, scope: Scope) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(dir, scope, &mut out);
    out.sort();
    out
}

fn walk(dir: &Path, scope: Scope, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let test_scaffolding = scope == Scope::LibraryOnly && name == "tests";
        if path.is_dir() {
            if !test_scaffolding {
                walk(&path, scope, out);
            }
        } else if name.ends_with(".rs") && !(scope == Scope::LibraryOnly && name == "tests.rs") {
            out.push(path);
        }
    }
}

/// The library code of the whole workspace: the root package's `src/` and every
/// `crates/*/src`, without unit-test files, sorted.
pub(crate) fn library_sources(root: &Path) -> Vec<PathBuf> {
    let mut files = rust_files(&root.join("src"), Scope::LibraryOnly);
    for krate in fs::read_dir(root.join("crates")).expect("crates/ folder").flatten() {
        files.extend(rust_files(&krate.path().join("src"), Scope::LibraryOnly));
    }
    files.sort();
    files
}
