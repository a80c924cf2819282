//! The package's modules are layered and its files import each other one way only
//! (`src/lib.rs` draws the layers).
//!
//! Scans every `src/**/*.rs` for the paths it uses (`use` declarations and paths written in
//! code: `crate::…`, `super::…`, `self::…`, and a child module's name), comments and strings
//! left out, and builds the file-level import graph: a path points at the file of the longest
//! module prefix it names (`crate::venue::exec::GatewayStats` → `src/venue/exec.rs`). Declaring
//! a module (`mod x;`) is not an import. Paths into the other crates of the workspace
//! (`crate::core`, `crate::types`, `crate::wire`, `crate::sim`) are left to Cargo, which already
//! keeps those arrows one way.
//!
//! Two checks, each naming the file and the line:
//! - **layers**: a top-level module imports only itself and the modules before it in
//!   [`LAYERS`];
//! - **cycles**: no file reaches itself through the import graph.

use source_tree::{rust_files, Scope};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "support/source_tree.rs"]
mod source_tree;

/// The package's top-level modules, lowest first: each may import only those before it.
///
/// - `runtime`: clock, backoff, shutdown; imports nothing of the package.
/// - `msg`: the ring messages.
/// - `telemetry`, `ring`: counters and histograms; the rings themselves.
/// - `config`: the configuration and its validation.
/// - `venue`: the exchange's clients and the order gateway seam.
/// - `sync`: the Redis side channel and the scanner.
/// - `operator`: what the API gateway reads and asks of the engine (hub, ledger, views).
/// - `engine`: the threads, which use everything below.
/// - `backtest`: the config file as a backtest spec (`hlmm backtest`); uses `config` only.
const LAYERS: &[&str] = &[
    "runtime",
    "msg",
    "telemetry",
    "ring",
    "config",
    "venue",
    "sync",
    "operator",
    "engine",
    "backtest",
];

/// Arrows that point the wrong way for now, each with the reason it is still here. The test
/// fails once such an arrow is gone, so the entry goes with it.
const ALLOWED_UPWARD: &[(&str, &str, &str)] = &[];

/// Modules whose files may still import each other, each with the reason. The test fails once
/// the module has no cycle left, so the entry goes with it.
const ALLOWED_CYCLES: &[(&str, &str)] = &[];

/// One source file: its path, its module path, and what it imports.
#[derive(Debug)]
struct SourceFile {
    /// Relative to the package root (`src/venue/exec.rs`).
    path: String,
    /// Its module path (`["venue", "exec"]`); empty for `src/lib.rs`.
    module: Vec<String>,
    /// Every path it uses, resolved to an absolute module path, with the line it is on.
    uses: Vec<(usize, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    PathSep,
    Open,
    Close,
    Semi,
    Comma,
    Star,
    Other,
}

#[test]
fn no_module_imports_one_above_it() {
    let files = scan();
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    let mut errors = String::new();
    for top in top_level_modules(&files) {
        if rank(&top).is_none() {
            let _ = writeln!(errors, "module `{top}` is not placed in LAYERS");
        }
    }
    let mut seen_allowed = BTreeSet::new();
    for (file, target, line, path) in edges(&files) {
        let (Some(from), Some(to)) = (file.module.first(), target.module.first()) else { continue };
        let (Some(from_rank), Some(to_rank)) = (rank(from), rank(to)) else { continue };
        if to_rank <= from_rank {
            continue;
        }
        if let Some(allowed) =
            ALLOWED_UPWARD.iter().find(|(f, t, _)| *f == file.path && *t == to.as_str())
        {
            seen_allowed.insert(allowed.0);
            continue;
        }
        let _ = writeln!(
            errors,
            "{}:{line}: `{path}`: module `{from}` imports `{to}`, which is above it \
             (lowest first: {})",
            file.path,
            LAYERS.join(" < ")
        );
    }
    for (file, to, why) in ALLOWED_UPWARD {
        if !seen_allowed.contains(file) {
            let _ = writeln!(
                errors,
                "{file} no longer imports `{to}`: delete its entry in ALLOWED_UPWARD ({why})"
            );
        }
    }
    assert!(errors.is_empty(), "imports against the layers:\n{errors}");
}

#[test]
fn no_two_files_import_each_other_even_round_a_cycle() {
    let files = scan();
    let mut graph: BTreeMap<&str, BTreeMap<&str, (usize, String)>> = BTreeMap::new();
    for file in &files {
        graph.entry(&file.path).or_default();
    }
    for (file, target, line, path) in edges(&files) {
        graph.entry(&file.path).or_default().entry(&target.path).or_insert((line, path));
    }
    let module_of =
        |file: &str| files.iter().find(|f| f.path == file).and_then(|f| f.module.first().cloned());
    let mut allowed_seen = BTreeSet::new();
    let mut cycles = find_cycles(&graph);
    cycles.retain(|(members, _)| {
        let modules: BTreeSet<Option<String>> = members.iter().map(|f| module_of(f)).collect();
        let allowed = ALLOWED_CYCLES
            .iter()
            .find(|(m, _)| modules.len() == 1 && modules.contains(&Some((*m).to_owned())));
        if let Some((m, _)) = allowed {
            allowed_seen.insert(*m);
        }
        allowed.is_none()
    });
    let mut report = String::new();
    for (module, why) in ALLOWED_CYCLES {
        if !allowed_seen.contains(module) {
            let _ = writeln!(
                report,
                "module `{module}` has no cycle any more: delete its entry in \
                 ALLOWED_CYCLES ({why})"
            );
        }
    }
    for (_, cycle) in &cycles {
        let _ = writeln!(report, "cycle:");
        for pair in cycle.windows(2) {
            let (line, path) = &graph[pair[0]][pair[1]];
            let _ = writeln!(report, "  {}:{line}: `{path}` → {}", pair[0], pair[1]);
        }
    }
    assert!(report.is_empty(), "files that import each other:\n{report}");
}

/// File cycles still left in the library crates, each as the set of its files and the reason.
/// The test fails once a listed cycle is gone, so the list only shrinks.
const ALLOWED_CRATE_CYCLES: &[(&[&str], &str)] = &[
    (
        &[
            "crates/sim/src/accounts.rs",
            "crates/sim/src/actions.rs",
            "crates/sim/src/actions/records.rs",
        ],
        "fill and funding records carry the accounts' `CumFunding` and `Dir`, while an account \
         keeps its fills as records: the shared types need a file of their own",
    ),
    (
        &["crates/sim/src/exchange.rs", "crates/sim/src/exchange/snapshot.rs"],
        "`snapshot.rs` holds `Exchange`'s dump/restore impl block; the parent re-exports the \
         snapshot type",
    ),
    (
        &["crates/sim/src/market.rs", "crates/sim/src/market/dynamics.rs"],
        "the price dynamics read the parent's per-coin state (`CoinCtx`, `CoinState`) and \
         constants: those belong in a child file of their own",
    ),
    (
        &["crates/sim/src/server.rs", "crates/sim/src/server/backend.rs"],
        "the backend reads the server's shared state (`Shared`, `VenueCell`), which the server \
         builds with the backend's handlers",
    ),
];

#[test]
fn no_two_files_of_a_library_crate_import_each_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut report = String::new();
    let mut crates: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .expect("crates/ folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    crates.sort();
    assert!(crates.len() >= 4, "expected the library crates under crates/");
    let mut seen = BTreeSet::new();
    for krate in crates {
        let src = krate.join("src");
        let rel = src.strip_prefix(root).expect("under the root").to_string_lossy().into_owned();
        let files = scan_dir(&rel);
        let mut graph: BTreeMap<&str, BTreeMap<&str, (usize, String)>> = BTreeMap::new();
        for file in &files {
            graph.entry(&file.path).or_default();
        }
        for (file, target, line, path) in edges(&files) {
            graph.entry(&file.path).or_default().entry(&target.path).or_insert((line, path));
        }
        for (_, cycle) in find_cycles(&graph) {
            // The shortest cycle through the strongly connected files, as a set.
            let members: BTreeSet<&str> = cycle.iter().copied().collect();
            let allowed = ALLOWED_CRATE_CYCLES.iter().position(|(files, _)| {
                files.len() == members.len() && files.iter().all(|f| members.contains(f))
            });
            if let Some(i) = allowed {
                seen.insert(i);
                continue;
            }
            let _ = writeln!(report, "cycle:");
            for pair in cycle.windows(2) {
                let (line, path) = &graph[pair[0]][pair[1]];
                let _ = writeln!(report, "  {}:{line}: `{path}` → {}", pair[0], pair[1]);
            }
        }
    }
    for (i, (files, why)) in ALLOWED_CRATE_CYCLES.iter().enumerate() {
        if !seen.contains(&i) {
            let _ = writeln!(
                report,
                "{files:?} no longer import each other: delete the entry in \
                 ALLOWED_CRATE_CYCLES ({why})"
            );
        }
    }
    assert!(report.is_empty(), "files that import each other:\n{report}");
}

#[test]
fn the_scanner_resolves_use_trees_relative_paths_and_inline_modules() {
    let code = r#"
        use crate::venue::{exec::{self, GatewayStats}, info::InfoClient as Info};
        use super::health::FeedHealth;
        // use crate::sync::Ignored; comments are not code
        const S: &str = "crate::sync::NotCode";
        fn f() { let _ = crate::msg::Intent::default(); let c = '{'; wiring::start(); }
        mod tests {
            use super::*;
            mod deeper { use super::super::super::quote::QuoteLoop; }
        }
    "#;
    let module = vec!["engine".to_owned(), "side".to_owned()];
    let known: BTreeSet<Vec<String>> =
        [vec!["engine"], vec!["engine", "side"], vec!["engine", "side", "wiring"]]
            .iter()
            .map(|m| m.iter().map(|s| (*s).to_owned()).collect())
            .collect();
    let got: Vec<String> =
        resolve_uses(code, &module, &known).into_iter().map(|(_, p)| p.join("::")).collect();
    assert_eq!(
        got,
        [
            "venue::exec",
            "venue::exec::GatewayStats",
            "venue::info::InfoClient",
            "engine::health::FeedHealth",
            "msg::Intent::default",
            "engine::side::wiring::start",
            "engine::side::*",
            "engine::quote::QuoteLoop",
        ]
    );
}

/// Every edge of the file graph: (importing file, imported file, line, path as written).
fn edges(files: &[SourceFile]) -> Vec<(&SourceFile, &SourceFile, usize, String)> {
    let by_module: BTreeMap<&[String], &SourceFile> =
        files.iter().map(|f| (f.module.as_slice(), f)).collect();
    let mut out = Vec::new();
    for file in files {
        for (line, path) in &file.uses {
            // The file of the longest module prefix the path names; the crate root only
            // re-exports the other crates, so a path that names no module of ours is skipped.
            let target = (1..=path.len()).rev().find_map(|n| by_module.get(&path[..n]).copied());
            if let Some(target) = target.filter(|t| t.path != file.path) {
                out.push((file, target, *line, path.join("::")));
            }
        }
    }
    out
}

fn top_level_modules(files: &[SourceFile]) -> BTreeSet<String> {
    files.iter().filter(|f| f.module.len() == 1).map(|f| f.module[0].clone()).collect()
}

/// Every file under `src/` but the binary's root, with its resolved imports.
fn scan() -> Vec<SourceFile> {
    scan_dir("src")
}

/// Every file under `src_dir` (relative to the workspace root) but a binary's root, with its
/// resolved imports.
fn scan_dir(src_dir: &str) -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let paths = rust_files(&root.join(src_dir), Scope::Everything);
    let modules: Vec<(PathBuf, Vec<String>)> = paths
        .into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(root.join(src_dir)).ok()?.with_extension("");
            let mut module: Vec<String> =
                rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            match module.last().map(String::as_str) {
                Some("main") if module.len() == 1 => return None,
                Some("lib") if module.len() == 1 => module.clear(),
                Some("mod") => {
                    module.pop();
                }
                _ => {}
            }
            Some((p, module))
        })
        .collect();
    let known: BTreeSet<Vec<String>> = modules.iter().map(|(_, m)| m.clone()).collect();
    modules
        .into_iter()
        .map(|(p, module)| {
            let text = std::fs::read_to_string(&p).expect("read a source file");
            let uses = resolve_uses(&text, &module, &known);
            let path = p.strip_prefix(root).expect("under the root").to_string_lossy().into_owned();
            SourceFile { path, module, uses }
        })
        .collect()
}

/// The absolute module paths `code` (the file of `module`) uses, with their lines, in order.
fn resolve_uses(
    code: &str,
    module: &[String],
    known: &BTreeSet<Vec<String>>,
) -> Vec<(usize, Vec<String>)> {
    let tokens = tokenize(&strip_comments_and_strings(code));
    let mut out = Vec::new();
    // Inline modules (`mod tests { … }`) open at a brace depth and close with it.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let here: Vec<String> =
            module.iter().cloned().chain(inline.iter().map(|(m, _)| m.clone())).collect();
        let (line, token) = &tokens[i];
        match token {
            Token::Open => depth += 1,
            Token::Close => {
                depth = depth.saturating_sub(1);
                inline.retain(|(_, d)| *d <= depth);
            }
            Token::Ident(word) if word == "mod" => {
                if let (Some((_, Token::Ident(name))), Some((_, Token::Open))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    depth += 1;
                    inline.push((name.clone(), depth));
                    i += 3;
                    continue;
                }
            }
            Token::Ident(word) if word == "use" => {
                let end = tokens[i..]
                    .iter()
                    .position(|(_, t)| *t == Token::Semi)
                    .map_or(tokens.len(), |n| i + n);
                let mut paths = Vec::new();
                use_tree(&tokens[i + 1..end], &[], &mut paths);
                for path in paths {
                    if let Some(abs) = absolute(&path, &here, known) {
                        out.push((*line, abs));
                    }
                }
                i = end + 1;
                continue;
            }
            Token::Ident(word) => {
                let after_sep = i > 0 && tokens[i - 1].1 == Token::PathSep;
                let relative = matches!(word.as_str(), "crate" | "super" | "self") || {
                    let mut child = here.clone();
                    child.push(word.clone());
                    known.contains(&child)
                };
                if !after_sep
                    && relative
                    && tokens.get(i + 1).map(|t| &t.1) == Some(&Token::PathSep)
                {
                    let mut path = vec![word.clone()];
                    let mut j = i + 1;
                    while let (Some((_, Token::PathSep)), Some((_, Token::Ident(next)))) =
                        (tokens.get(j), tokens.get(j + 1))
                    {
                        path.push(next.clone());
                        j += 2;
                    }
                    if let Some(abs) = absolute(&path, &here, known) {
                        out.push((*line, abs));
                    }
                    i = j;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// `path` as used in module `here`, made absolute; `None` for paths outside the package
/// (`std::…`, other crates, names in scope).
fn absolute(
    path: &[String],
    here: &[String],
    known: &BTreeSet<Vec<String>>,
) -> Option<Vec<String>> {
    let (first, rest) = path.split_first()?;
    let mut abs: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" => here.to_vec(),
        "super" => {
            let mut base = here.to_vec();
            base.pop()?;
            let mut rest = rest;
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            return Some(base);
        }
        _ => {
            let mut child = here.to_vec();
            child.push(first.clone());
            if !known.contains(&child) {
                return None;
            }
            return Some(child.into_iter().chain(rest.iter().cloned()).collect());
        }
    };
    abs.extend(rest.iter().cloned());
    Some(abs)
}

/// Flattens a use tree (`a::{b, c::{self, D as E}, *}`) into paths under `prefix`.
fn use_tree(tokens: &[(usize, Token)], prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    let mut named = false;
    let mut i = 0;
    while let Some((_, token)) = tokens.get(i) {
        match token {
            // A rename leaves the path as it is.
            Token::Ident(word) if word == "as" => i += 2,
            // `{self, …}`: the prefix itself.
            Token::Ident(word) if word == "self" && i == 0 && !prefix.is_empty() => {
                named = true;
                i += 1;
            }
            Token::Ident(word) => {
                path.push(word.clone());
                named = true;
                i += 1;
            }
            Token::Star => {
                path.push("*".to_owned());
                named = true;
                i += 1;
            }
            Token::Open => {
                let close = matching_close(tokens, i);
                let inner = &tokens[i + 1..close.min(tokens.len())];
                let (mut start, mut nesting) = (0, 0);
                for (k, (_, t)) in inner.iter().enumerate() {
                    match t {
                        Token::Open => nesting += 1,
                        Token::Close => nesting -= 1,
                        Token::Comma if nesting == 0 => {
                            use_tree(&inner[start..k], &path, out);
                            start = k + 1;
                        }
                        _ => {}
                    }
                }
                use_tree(&inner[start..], &path, out);
                return;
            }
            _ => i += 1,
        }
    }
    if named {
        out.push(path);
    }
}

fn matching_close(tokens: &[(usize, Token)], open: usize) -> usize {
    let mut depth = 0;
    for (k, (_, t)) in tokens.iter().enumerate().skip(open) {
        match t {
            Token::Open => depth += 1,
            Token::Close => {
                depth -= 1;
                if depth == 0 {
                    return k;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// `code` with comments, string and character literals blanked (newlines kept).
fn strip_comments_and_strings(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let mut out = String::with_capacity(code.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !is_ident_char(chars.get(i.wrapping_sub(1)).copied())
        {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            let closing: Vec<char> = format!("\"{}", "#".repeat(hashes)).chars().collect();
            while j < chars.len() && !chars[j..].starts_with(&closing) {
                j += 1;
            }
            j = (j + closing.len()).min(chars.len());
            out.extend(chars[i..j].iter().map(|&c| blank(c)));
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{1F600}'), or a lifetime ('a), which stays.
            let literal_end = if next == Some('\\') {
                chars
                    .get(i + 3..)
                    .and_then(|rest| rest.iter().position(|&c| c == '\''))
                    .map(|n| i + 3 + n)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match literal_end {
                Some(end) => {
                    for _ in i..=end {
                        out.push(' ');
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// Identifiers, `::`, braces, `;`, `,` and `*`, with their line numbers.
fn tokenize(code: &str) -> Vec<(usize, Token)> {
    let mut out = Vec::new();
    let mut line = 1;
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while is_ident_char(chars.get(i).copied()) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            // Raw identifiers (`r#type`) keep their name.
            out.push((line, Token::Ident(word)));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push((line, Token::PathSep));
            i += 2;
        } else {
            let token = match c {
                '{' => Token::Open,
                '}' => Token::Close,
                ';' => Token::Semi,
                ',' => Token::Comma,
                '*' => Token::Star,
                c if c.is_whitespace() => {
                    i += 1;
                    continue;
                }
                _ => Token::Other,
            };
            out.push((line, token));
            i += 1;
        }
    }
    out
}

/// The strongly connected components of `graph` with more than one file, each with one cycle
/// through it (the files round it, first repeated last).
fn find_cycles<'a>(
    graph: &BTreeMap<&'a str, BTreeMap<&'a str, (usize, String)>>,
) -> Vec<(BTreeSet<&'a str>, Vec<&'a str>)> {
    // Tarjan's algorithm, recursive: the graph is a few dozen files.
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        components: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(
        v: &'a str,
        graph: &BTreeMap<&'a str, BTreeMap<&'a str, (usize, String)>>,
        s: &mut State<'a>,
    ) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for &w in graph.get(v).into_iter().flat_map(BTreeMap::keys) {
            if !s.index.contains_key(w) {
                visit(w, graph, s);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.components.push(component);
            }
        }
    }
    let mut state = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for &v in graph.keys() {
        if !state.index.contains_key(v) {
            visit(v, graph, &mut state);
        }
    }
    // One concrete cycle per component: a shortest path back to its first file.
    state
        .components
        .iter()
        .map(|component| {
            let members: BTreeSet<&str> = component.iter().copied().collect();
            let start = *members.iter().next().expect("a component has members");
            let cycle = shortest_cycle(start, &members, graph);
            (members, cycle)
        })
        .collect()
}

/// A shortest path from `start` back to itself inside `members` (breadth first).
fn shortest_cycle<'a>(
    start: &'a str,
    members: &BTreeSet<&'a str>,
    graph: &BTreeMap<&'a str, BTreeMap<&'a str, (usize, String)>>,
) -> Vec<&'a str> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in graph[v].keys().filter(|w| members.contains(*w)) {
            if w == start {
                let mut path = vec![start, v];
                let mut at = v;
                while at != start {
                    at = came_from[at];
                    path.push(at);
                }
                path.reverse();
                return path;
            }
            if !came_from.contains_key(w) {
                came_from.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start, start]
}
