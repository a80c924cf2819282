//! Files and functions a person can hold in their head: library files at most
//! [`MAX_FILE_LINES`] lines before their unit tests (which live in their own `name/tests.rs`
//! files once a file grows), functions at most [`MAX_FN_LINES`] lines. Transition tables, one
//! `match (state, event)` each, are the deliberate exception and are listed by name.
//! The limits are the "about 600" and "about 80", with a small margin.

use source_tree::library_sources;
use std::fs;
use std::path::Path;

#[path = "support/source_tree.rs"]
mod source_tree;

const MAX_FILE_LINES: usize = 620;
const MAX_FN_LINES: usize = 85;

/// Functions allowed to be longer: `file suffix`, `fn name`, why.
const LONG_FUNCTIONS: &[(&str, &str, &str)] = &[(
    "crates/core/src/orders/state.rs",
    "transition",
    "the order lifecycle's one `match (state, event)` table: every edge in one place",
)];

/// The code of a line with comments, string and char literals blanked, so braces inside them
/// do not count. `in_block` carries a `/* */` comment across lines.
fn code_only(line: &str, in_block: &mut bool) -> String {
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < bytes.len() {
        if *in_block {
            if bytes[i..].starts_with(b"*/") {
                *in_block = false;
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        match bytes[i] {
            b'/' if bytes[i..].starts_with(b"//") => break,
            b'/' if bytes[i..].starts_with(b"/*") => {
                *in_block = true;
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            // A char literal such as '{' or '\''; a lifetime ('a) has no closing quote nearby.
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => i += 3,
            b'\'' if bytes.get(i + 1) == Some(&b'\\') && bytes.get(i + 3) == Some(&b'\'') => i += 4,
            c => {
                out.push(c as char);
                i += 1;
            }
        }
    }
    out
}

/// The name of the function a line opens, if it does.
fn fn_name(code: &str) -> Option<String> {
    let mut words = code.split_whitespace().peekable();
    while let Some(w) = words.next() {
        if w == "fn" {
            let name: String =
                words.peek()?.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            return (!name.is_empty()).then_some(name);
        }
        let qualifier = w.starts_with("pub")
            || matches!(w, "const" | "async" | "unsafe" | "extern" | "\"C\"" | "default");
        if !qualifier {
            return None;
        }
    }
    None
}

struct Shape {
    code_lines: usize,
    long_functions: Vec<(String, usize, usize)>,
}

fn shape(text: &str) -> Shape {
    let mut in_block = false;
    let mut depth = 0i64;
    // (name, first line, depth at which its body opened)
    let mut open: Vec<(String, usize, i64)> = Vec::new();
    let mut pending: Option<(String, usize)> = None;
    let mut long_functions = Vec::new();
    let mut code_lines = 0;
    for (n, line) in text.lines().enumerate() {
        if line.trim() == "#[cfg(test)]" {
            break;
        }
        code_lines = n + 1;
        let code = code_only(line, &mut in_block);
        if let Some(name) = fn_name(&code) {
            pending = Some((name, n + 1));
        }
        for c in code.chars() {
            match c {
                '{' => {
                    depth += 1;
                    if let Some((name, first)) = pending.take() {
                        open.push((name, first, depth));
                    }
                }
                '}' => {
                    if open.last().is_some_and(|(_, _, d)| *d == depth) {
                        if let Some((name, first, _)) = open.pop() {
                            let len = n + 1 - first + 1;
                            if len > MAX_FN_LINES {
                                long_functions.push((name, first, len));
                            }
                        }
                    }
                    depth -= 1;
                }
                // A declaration without a body (trait method, extern fn).
                ';' if open.last().is_none_or(|(_, _, d)| *d != depth + 1) => {
                    pending = None;
                }
                _ => {}
            }
        }
    }
    Shape { code_lines, long_functions }
}

#[test]
fn library_files_stay_under_the_line_limit_before_their_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = library_sources(root);
    assert!(files.len() > 50, "expected the workspace's sources, found {}", files.len());
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let text = fs::read_to_string(file).ok()?;
            let lines = shape(&text).code_lines;
            (lines > MAX_FILE_LINES).then(|| {
                format!("{}: {lines} lines", file.strip_prefix(root).unwrap_or(file).display())
            })
        })
        .collect();
    assert!(long.is_empty(), "files over {MAX_FILE_LINES} lines:\n{}", long.join("\n"));
}

#[test]
fn library_functions_stay_under_the_line_limit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut long = Vec::new();
    for file in library_sources(root) {
        let text = fs::read_to_string(&file).unwrap_or_default();
        let shown = file.strip_prefix(root).unwrap_or(&file).display().to_string();
        for (name, first, len) in shape(&text).long_functions {
            let allowed = LONG_FUNCTIONS.iter().any(|(f, n, _)| shown.ends_with(f) && *n == name);
            if !allowed {
                long.push(format!("{shown}:{first}: fn {name}: {len} lines"));
            }
        }
    }
    assert!(long.is_empty(), "functions over {MAX_FN_LINES} lines:\n{}", long.join("\n"));
}

#[test]
fn the_scanner_measures_a_function_and_ignores_braces_in_literals() {
    let mut text = String::from("fn short() {\n    let s = \"{{{\";\n    let c = '{';\n}\n");
    text.push_str("pub(crate) fn long() {\n");
    for _ in 0..MAX_FN_LINES {
        text.push_str("    step();\n");
    }
    text.push_str("}\n");
    let s = shape(&text);
    assert_eq!(s.long_functions.len(), 1, "{:?}", s.long_functions);
    assert_eq!(s.long_functions[0].0, "long");
    assert_eq!(s.long_functions[0].2, MAX_FN_LINES + 2);
}
