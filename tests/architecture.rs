//! Architecture walls held by a test rather than by convention: the graph of source files
//! has no cycle, and the engine (`src/engine/`) stays pure.
//!
//! Why: a cycle between two files means neither can be read, tested or moved without the
//! other, and cycles only grow; a pure engine (no I/O, no runner, journal writer or reader,
//! TUI, share server, driver or subcommand) is what lets replay and the in-process tests
//! trust its decisions. Both rot one `use` at a time, so every `cargo test` re-reads
//! `src/**/*.rs`.
//!
//! The reading is deliberately simple. Comments and literals are blanked, `#[cfg(test)]`
//! items and `tests.rs`/`*_tests.rs` files are dropped, `use` trees are expanded, and each
//! `crate::`, `super::` or `self::` path (or one starting with a module the file declares
//! with `mod x;`) resolves to the longest module file that exists. An edge from a file to
//! its own ancestor (`mod.rs`, `lib.rs`) is ignored: that is a child naming a parent's
//! re-export, and the parent's `mod`/`pub use` already points the other way. Not
//! understood, because nothing outside tests needs it: `super::` inside an inline
//! `mod x { }`, `#[path]`, and paths built by macros.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

/// A module below the crate root, e.g. `["exec", "runner"]`; the root is `[]`.
type ModPath = Vec<String>;

struct File {
    /// Relative to `src/`, e.g. `exec/runner.rs`.
    name: String,
    module: ModPath,
    /// The source with comments, literals and test-only items blanked out.
    code: String,
}

/// What the engine may not name: the edges that perform I/O, and I/O itself.
const ENGINE_MUST_NOT_NAME: &[&str] = &[
    "crate::exec",
    "crate::journal::writer",
    "crate::journal::reader",
    "crate::tui",
    "crate::share",
    "crate::driver",
    "crate::commands",
    "std::fs",
    "std::process",
    "std::net",
    "std::thread",
    "std::env",
    "std::time::Instant",
    "std::time::SystemTime",
    "tokio",
    "ratatui",
    "crossterm",
    "duct",
];

/// Edges that close a cycle and wait on a change in files being rewritten elsewhere, each
/// with what removes it. The test fails once such an edge is gone, so this list only
/// shrinks.
const PENDING: &[(&str, &str, &str)] = &[];

#[test]
fn source_files_form_no_module_cycle() {
    let files = sources();
    let mut edges = edges(&files);
    let gone: Vec<String> = PENDING
        .iter()
        .filter(|(from, to, _)| edges.remove(&(from.to_string(), to.to_string())).is_none())
        .map(|(from, to, why)| format!("{from} -> {to} (waited until {why})"))
        .collect();
    assert!(
        gone.is_empty(),
        "these pending edges are gone; remove them from PENDING in tests/architecture.rs \
         (and build.rs's re-export of Ctx, if nothing names it any more):\n  {}",
        gone.join("\n  ")
    );
    let cycles = cycles(&edges);
    let report: Vec<String> = cycles
        .iter()
        .map(|(group, cycle)| {
            let mut line = format!("{} -- for example {}", group.join(", "), cycle[0]);
            for pair in cycle.windows(2) {
                let via = &edges[&(pair[0].clone(), pair[1].clone())];
                line.push_str(&format!("\n    -> {} (uses {via})", pair[1]));
            }
            line
        })
        .collect();
    assert!(
        report.is_empty(),
        "{} module cycle(s) among the files under src/; move what both sides need into a \
         small module of its own:\n  {}",
        report.len(),
        report.join("\n  ")
    );
}

/// Directories (the top-level modules: `engine`, `runbook`, `tui`, …) form no cycle either.
/// Files can be acyclic while their directories are not — `runbook/window.rs` naming
/// `engine::messages` while `engine/` names `runbook` — and then neither layer can be read
/// or moved without the other (ARCHITECTURE.md, "Code map").
#[test]
fn top_level_modules_form_no_cycle() {
    let files = sources();
    let mut by_dir: BTreeMap<(String, String), String> = BTreeMap::new();
    for ((from, to), via) in edges(&files) {
        let (a, b) = (top_level(&from), top_level(&to));
        if a != b && !a.is_empty() && !b.is_empty() {
            by_dir
                .entry((a, b))
                .or_insert_with(|| format!("{via}, in src/{from}"));
        }
    }
    let report: Vec<String> = cycles(&by_dir)
        .iter()
        .map(|(group, cycle)| {
            let mut line = format!("{} -- for example {}", group.join(", "), cycle[0]);
            for pair in cycle.windows(2) {
                let via = &by_dir[&(pair[0].clone(), pair[1].clone())];
                line.push_str(&format!("\n    -> {} ({via})", pair[1]));
            }
            line
        })
        .collect();
    assert!(
        report.is_empty(),
        "{} cycle(s) among the top-level modules of src/; the lower one must not name the \
         higher (move what both need down):\n  {}",
        report.len(),
        report.join("\n  ")
    );
}

/// `engine/update/x.rs` and `engine.rs` are `engine`; `lib.rs` is the root, "".
fn top_level(file: &str) -> String {
    let first = file.split('/').next().unwrap_or(file);
    match first.strip_suffix(".rs") {
        Some("lib") => String::new(),
        Some(stem) => stem.to_string(),
        None => first.to_string(),
    }
}

#[test]
fn engine_names_no_io_and_no_edge() {
    let word = Regex::new(r"\b[A-Za-z_]\w*\b").unwrap();
    let clock = Regex::new(r"\b(Utc|Local|Instant|SystemTime)\s*::\s*now\b").unwrap();
    let mut found = BTreeSet::new();
    for file in sources()
        .iter()
        .filter(|f| f.module.first().is_some_and(|m| m == "engine"))
    {
        let declared = declared_mods(&file.code);
        let named = paths(&file.code)
            .into_iter()
            .map(|p| absolute(&file.module, &declared, &p).join("::"));
        // The engine reads the time from its events only: a clock call is I/O too.
        for now in clock.find_iter(&file.code) {
            found.insert(format!("src/{} calls {}", file.name, now.as_str()));
        }
        let words = word.find_iter(&file.code).map(|m| m.as_str().to_string());
        for name in named.chain(words) {
            for banned in ENGINE_MUST_NOT_NAME {
                if name == *banned || name.starts_with(&format!("{banned}::")) {
                    found.insert(format!("src/{} names {name}", file.name));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "the engine must stay pure (no I/O, no runner, journal writer or reader, TUI, \
         share server, driver or subcommand); the driver performs its effects:\n  {}",
        found.into_iter().collect::<Vec<_>>().join("\n  ")
    );
}

#[test]
fn the_reader_sees_what_the_compiler_sees() {
    let code = strip_cfg_test(&blank(
        r##"
use crate::a::{b::{self, C}, d as e};
pub(crate) use super::super::up::*;
// use crate::in_comment;
/* nested /* block */ crate::in_block */
fn f<'x>(s: &'x str) -> char {
    let _ = ("crate::in_string", r#"crate::in_raw "quoted""#, b"crate::in_bytes");
    super::sibling::call();
    child::deep::item();
    if s.is_empty() { '{' } else { '\'' }
}
#[cfg(test)]
use crate::test_import;
#[cfg(test)]
mod tests {
    use crate::test_only;
    fn g() -> char { '}' }
}
mod child;
"##,
    ));
    let module: ModPath = vec!["m".into(), "n".into()];
    let declared = declared_mods(&code);
    let got: BTreeSet<String> = paths(&code)
        .iter()
        .map(|p| absolute(&module, &declared, p).join("::"))
        .collect();
    let want: BTreeSet<String> = [
        "crate::a::b",
        "crate::a::b::C",
        "crate::a::d",
        "crate::up",
        "crate::m::sibling::call",
        "crate::m::n::child::deep::item",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(got, want);
}

// ---- reading the tree ----

fn sources() -> Vec<File> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if path.is_dir() {
                // src/bin holds other crates, whose `crate::` is not this one.
                if name != "bin" {
                    dirs.push(path);
                }
                continue;
            }
            // main.rs is the binary's crate root: its `crate::` is not the library.
            if !name.ends_with(".rs") || name == "main.rs" || is_test_file(&name) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            out.push(File {
                module: module_of(&name),
                code: strip_cfg_test(&blank(&text)),
                name,
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn is_test_file(name: &str) -> bool {
    let stem = name
        .rsplit('/')
        .next()
        .unwrap_or(name)
        .trim_end_matches(".rs");
    stem == "tests" || stem.ends_with("_tests")
}

fn module_of(name: &str) -> ModPath {
    let mut parts: ModPath = name
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if parts == ["lib"] || parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// Comments, string and char literals become spaces (newlines kept), so that nothing
/// written in prose or data counts as a path or a brace.
fn blank(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let ident = |i: usize| c[i].is_alphanumeric() || c[i] == '_';
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < c.len() {
        let end = if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            (i..c.len()).find(|&j| c[j] == '\n').unwrap_or(c.len())
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let (mut depth, mut j) = (0, i);
            while j < c.len() {
                if c[j] == '/' && c.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if c[j] == '*' && c.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            j
        } else if c[i] == 'r'
            && (i == 0
                || !ident(i - 1)
                || (matches!(c[i - 1], 'b' | 'c') && (i < 2 || !ident(i - 2))))
            && raw_string_end(&c, i).is_some()
        {
            raw_string_end(&c, i).unwrap_or(c.len())
        } else if c[i] == '"' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            j + 1
        } else if c[i] == '\'' && c.get(i + 1) == Some(&'\\') {
            (i + 3..c.len())
                .find(|&j| c[j] == '\'')
                .map_or(c.len(), |j| j + 1)
        } else if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
            i + 3
        } else {
            // Code, or the quote of a lifetime.
            out.push(c[i]);
            i += 1;
            continue;
        };
        let end = end.min(c.len());
        out.extend(
            c[i..end]
                .iter()
                .map(|&ch| if ch == '\n' { '\n' } else { ' ' }),
        );
        i = end;
    }
    out
}

/// The end (exclusive) of a raw string starting at `r`, if one starts there.
fn raw_string_end(c: &[char], r: usize) -> Option<usize> {
    let hashes = c[r + 1..].iter().take_while(|&&ch| ch == '#').count();
    if c.get(r + 1 + hashes) != Some(&'"') {
        return None;
    }
    let body = r + 2 + hashes;
    let close = (body..c.len()).find(|&j| {
        c[j] == '"'
            && c[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&h| h == '#')
                .count()
                == hashes
    })?;
    Some(close + 1 + hashes)
}

/// Blanks every item under `#[cfg(test)]`: up to its `;`, or through its matching `}`.
fn strip_cfg_test(code: &str) -> String {
    static ATTR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]").unwrap());
    let mut b = code.as_bytes().to_vec();
    while let Some(m) = ATTR.find(std::str::from_utf8(&b).unwrap_or_default()) {
        let (start, mut end) = (m.start(), m.end());
        while end < b.len() && b[end] != b';' && b[end] != b'{' {
            end += 1;
        }
        if end < b.len() && b[end] == b'{' {
            let mut depth = 0;
            while end < b.len() {
                match b[end] {
                    b'{' => depth += 1,
                    b'}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
                end += 1;
            }
        }
        let end = (end + 1).min(b.len());
        for byte in &mut b[start..end] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// The modules this file declares (`mod x;`), which its paths may name without `self::`.
fn declared_mods(code: &str) -> BTreeSet<String> {
    static MOD: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\bmod\s+([A-Za-z_]\w*)\s*;").unwrap());
    MOD.captures_iter(code).map(|c| c[1].to_string()).collect()
}

/// Every path the code names, as segments, with `use` trees expanded.
fn paths(code: &str) -> Vec<Vec<String>> {
    static USE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\buse\s+([^;]*);").unwrap());
    static PATH: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\$?\b[A-Za-z_]\w*(?:\s*::\s*[A-Za-z_]\w*)+").unwrap());
    let mut out = Vec::new();
    let mut rest = String::with_capacity(code.len());
    let mut last = 0;
    for m in USE.captures_iter(code) {
        let whole = m.get(0).unwrap();
        rest.push_str(&code[last..whole.start()]);
        last = whole.end();
        let tree = m[1].split_whitespace().collect::<Vec<_>>().join(" ");
        expand(&tree, &[], &mut out);
    }
    rest.push_str(&code[last..]);
    for m in PATH.find_iter(&rest) {
        // `$crate` in a macro means whichever crate expands it.
        if !m.as_str().starts_with('$') {
            out.push(segments(m.as_str()));
        }
    }
    out
}

/// `a::{b::{self, C}, d as e}` under `prefix` becomes `a::b`, `a::b::C`, `a::d`.
fn expand(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if tree.is_empty() {
        return;
    }
    let mut path = prefix.to_vec();
    let Some(open) = tree.find('{') else {
        let name = tree.split(" as ").next().unwrap_or(tree);
        path.extend(segments(name));
        if path.len() > 1 && path.last().is_some_and(|s| s == "self") {
            path.pop();
        }
        out.push(path);
        return;
    };
    path.extend(segments(&tree[..open]));
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut depth, mut from) = (0, 0);
    for (i, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(&inner[from..i], &path, out);
                from = i + 1;
            }
            _ => {}
        }
    }
    expand(&inner[from..], &path, out);
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "*")
        .map(String::from)
        .collect()
}

/// `super::x` in `a::b` is `crate::a::x`; a path through a declared child gains `self::`.
/// Paths into other crates come back unchanged.
fn absolute(module: &ModPath, declared: &BTreeSet<String>, path: &[String]) -> Vec<String> {
    let mut out = vec!["crate".to_string()];
    let rest = match path.first().map(String::as_str) {
        Some("crate") => &path[1..],
        Some("self") => {
            out.extend(module.iter().cloned());
            &path[1..]
        }
        Some("super") => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            out.extend(
                module
                    .iter()
                    .take(module.len().saturating_sub(ups))
                    .cloned(),
            );
            &path[ups..]
        }
        Some(first) if declared.contains(first) => {
            out.extend(module.iter().cloned());
            path
        }
        _ => return path.to_vec(),
    };
    out.extend(rest.iter().cloned());
    out
}

// ---- the graph ----

/// `(from, to)` file names, each with the first path that made the edge.
fn edges(files: &[File]) -> BTreeMap<(String, String), String> {
    let by_module: BTreeMap<&ModPath, &str> =
        files.iter().map(|f| (&f.module, f.name.as_str())).collect();
    let mut edges = BTreeMap::new();
    for file in files {
        let declared = declared_mods(&file.code);
        for path in paths(&file.code) {
            let abs = absolute(&file.module, &declared, &path);
            if abs.first().is_none_or(|s| s != "crate") {
                continue;
            }
            let target = (1..abs.len())
                .rev()
                .map(|n| abs[1..=n].to_vec())
                .chain([vec![]])
                .find(|m| by_module.contains_key(m));
            let Some(target) = target else { continue };
            // A child naming its ancestor (or a file naming itself) is not a dependency edge.
            if file.module.starts_with(&target) {
                continue;
            }
            edges
                .entry((file.name.clone(), by_module[&target].to_string()))
                .or_insert_with(|| abs.join("::"));
        }
    }
    edges
}

/// Each group of files that reach one another, with one shortest cycle through its first
/// file (closed: first = last).
fn cycles(edges: &BTreeMap<(String, String), String>) -> Vec<(Vec<String>, Vec<String>)> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        next.entry(from).or_default().push(to);
    }
    // For every file, each file it reaches, with the file that reached it first (breadth
    // first, so following those back from `start` to itself gives a shortest cycle).
    let reach: BTreeMap<&str, BTreeMap<&str, &str>> = next
        .keys()
        .map(|&from| {
            let mut seen = BTreeMap::new();
            let mut queue = VecDeque::from([from]);
            while let Some(at) = queue.pop_front() {
                for &to in next.get(at).into_iter().flatten() {
                    if !seen.contains_key(to) {
                        seen.insert(to, at);
                        queue.push_back(to);
                    }
                }
            }
            (from, seen)
        })
        .collect();
    let mut grouped: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for (&start, from_start) in &reach {
        if grouped.contains(start) || !from_start.contains_key(start) {
            continue;
        }
        let group: Vec<&str> = from_start
            .keys()
            .copied()
            .filter(|f| reach.get(f).is_some_and(|r| r.contains_key(start)))
            .collect();
        grouped.extend(&group);
        let mut cycle = vec![start];
        let mut at = from_start[start];
        while at != start {
            cycle.push(at);
            at = from_start[at];
        }
        cycle.push(start);
        cycle.reverse();
        let owned = |v: Vec<&str>| v.into_iter().map(String::from).collect();
        out.push((owned(group), owned(cycle)));
    }
    out
}
