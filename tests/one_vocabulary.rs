//! One vocabulary: each protocol concept has one type. This lists every public type name
//! (`pub struct`, `pub enum`, `pub trait`, `pub type`) defined in the workspace's library code
//! (`crates/*/src`, `src/`) and fails on a name defined in more than one module, unless the
//! name is on the short allow-list below of deliberate, distinct shapes.
//!
//! Re-exports (`pub use`) are not definitions and are fine: they give one type a second path.

use source_tree::library_sources;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

#[path = "support/source_tree.rs"]
mod source_tree;

/// Names that may be defined more than once (deliberate wire-reply shapes, say), each with the
/// reason. Empty today: every clash found so far got one type or a distinct name. A new entry
/// needs a reason a reviewer accepts; an entry whose name is no longer defined twice fails.
const ALLOWED: &[(&str, &str)] = &[];

/// The public type names a source file defines outside its `#[cfg(test)]` module, with lines.
fn public_type_definitions(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim() == "#[cfg(test)]" {
            break;
        }
        let code = line.trim_start();
        for keyword in ["pub struct ", "pub enum ", "pub trait ", "pub type "] {
            if let Some(rest) = code.strip_prefix(keyword) {
                let name: String =
                    rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    out.push((name, n + 1));
                }
            }
        }
    }
    out
}

#[test]
fn no_public_type_name_is_defined_in_two_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = library_sources(root);
    assert!(files.len() > 50, "expected the workspace's sources, found {}", files.len());
    let mut defined: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let shown = file.strip_prefix(root).unwrap_or(file).display().to_string();
        for (name, line) in public_type_definitions(&text) {
            defined.entry(name).or_default().push(format!("{shown}:{line}"));
        }
    }
    let clashes: Vec<String> = defined
        .iter()
        .filter(|(name, places)| {
            places.len() > 1 && !ALLOWED.iter().any(|(allowed, _)| allowed == name)
        })
        .map(|(name, places)| format!("{name}: {}", places.join(", ")))
        .collect();
    let stale: Vec<&str> = ALLOWED
        .iter()
        .filter(|(name, _)| defined.get(*name).is_none_or(|places| places.len() < 2))
        .map(|(name, _)| *name)
        .collect();
    assert!(stale.is_empty(), "allow-list entries no longer defined twice: {stale:?}");
    assert!(
        clashes.is_empty(),
        "public type names defined more than once (give each concept one type, or a distinct \
         name):\n{}",
        clashes.join("\n")
    );
}
