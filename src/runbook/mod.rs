//! Runbooks: the format (model), reading it (load, build), and the safety lint.

// The engine and the loader run on every input: they return errors, never panic.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod approval;
mod build;
mod build_check;
mod build_command;
mod build_envs;
mod build_flow;
mod build_hosts;
mod build_limits;
mod build_loop;
mod build_params;
mod build_step;
mod build_use;
pub mod command;
mod comments;
pub mod diag;
pub mod duration;
pub mod environment;
pub mod expand;
pub mod expect;
mod fields;
pub mod fragments;
pub mod host;
pub mod keys;
mod lint;
mod lint_flow;
mod lint_guards;
mod lint_values;
mod lint_vars;
mod load;
pub mod model;
mod names;
mod node;
mod noop;
pub mod option_like;
pub mod params;
pub mod schema;
mod script;
pub mod show;
mod step_list;
pub mod target;
pub mod template;
pub mod window;

use std::io::Read;
use std::path::{Path, PathBuf};

pub use diag::{Diagnostic, Pos, Severity};
pub use model::Runbook;

use crate::hash::sha256_hex;

/// A runbook read from disk and found valid.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub runbook: Runbook,
    pub path: PathBuf,
    pub sha256: String,
    pub source: String,
    pub warnings: Vec<Diagnostic>,
    /// The fragment files it uses (`uses:`), by path relative to the runbook's directory;
    /// a diagnostic's `Pos::file` is 1 + an index here.
    pub fragments: Vec<Fragment>,
}

/// A fragment file as read: what the run directory keeps a copy of.
#[derive(Debug, Clone)]
pub struct Fragment {
    /// Relative to the runbook's directory (`fragments/drain.yaml`).
    pub rel: String,
    /// The path it was read from, for messages.
    pub shown: String,
    pub source: String,
}

/// The SHA-256 that names a runbook: `run_started` records it, the copy kept in the run
/// directory is named by it, and `resume` compares it. It covers the runbook and every
/// fragment it uses, so an edited fragment is an edited runbook. A runbook without
/// fragments keeps the hash of its bytes (runs from before fragments resume as they were).
pub fn runbook_sha256(main: &[u8], fragments: &[Fragment]) -> String {
    if fragments.is_empty() {
        return sha256_hex(main);
    }
    let mut files: Vec<(&str, String)> = fragments
        .iter()
        .map(|f| (f.rel.as_str(), sha256_hex(f.source.as_bytes())))
        .collect();
    files.sort();
    let mut text = format!("shisa runbook files\nrunbook\0{}\n", sha256_hex(main));
    for (rel, sha) in files {
        text.push_str(rel);
        text.push('\0');
        text.push_str(&sha);
        text.push('\n');
    }
    sha256_hex(text.as_bytes())
}

impl Loaded {
    /// Resolves and validates parameter values; errors point into this runbook's source.
    pub fn resolve_params(&self, given: &[(String, String)]) -> Result<params::Params, Report> {
        self.resolve_params_with(given, false)
    }

    /// With `missing_ok`, parameters without a value get placeholders (for `plan`).
    pub fn resolve_params_with(
        &self,
        given: &[(String, String)],
        missing_ok: bool,
    ) -> Result<params::Params, Report> {
        params::resolve_with(&self.runbook, given, |k| std::env::var(k).ok(), missing_ok)
            .map_err(|diags| self.report(diags))
    }

    /// Diagnostics about this runbook (its warnings, say), rendered against its files.
    pub fn report(&self, diags: Vec<Diagnostic>) -> Report {
        Report {
            file: self.path.display().to_string(),
            source: self.source.clone(),
            diags,
            others: self
                .fragments
                .iter()
                .map(|f| (f.shown.clone(), f.source.clone()))
                .collect(),
        }
    }
}

/// Everything wrong with a runbook file, ready to render against its source.
#[derive(Debug, Clone)]
pub struct Report {
    pub file: String,
    pub source: String,
    pub diags: Vec<Diagnostic>,
    /// The fragment files (name, text): a diagnostic with `Pos::file` n points into
    /// `others[n - 1]`.
    pub others: Vec<(String, String)>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.diags.iter().filter(|d| d.is_error()).count()
    }

    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        for d in &self.diags {
            let (file, source) = match usize::from(d.pos.file).checked_sub(1) {
                Some(i) => self
                    .others
                    .get(i)
                    .map_or(("?", ""), |(f, s)| (f.as_str(), s.as_str())),
                None => (self.file.as_str(), self.source.as_str()),
            };
            out.push_str(&d.render(file, source, color));
            out.push('\n');
        }
        out
    }

    fn single(file: &str, d: Diagnostic) -> Report {
        Report {
            file: file.to_string(),
            source: String::new(),
            diags: vec![d],
            others: Vec::new(),
        }
    }
}

/// Reads, parses, validates and lints a runbook file and the fragments it uses (relative
/// to its directory).
pub fn load_file(path: &Path) -> Result<Loaded, Report> {
    let base = path.parent().unwrap_or(Path::new("."));
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    load_file_in(path, base)
}

/// The same, with the fragments read from under `root` instead of the runbook's directory
/// (a run's kept copy: `commands::runbook_copy`).
pub fn load_file_in(path: &Path, root: &Path) -> Result<Loaded, Report> {
    let file = path.display().to_string();
    let bytes = read_capped(path).map_err(|d| Report::single(&file, d))?;
    let source = utf8(bytes).map_err(|d| Report::single(&file, d))?;
    let rel = path
        .file_name()
        .map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned());
    let mut loaded = load_with(&file, &source, &rel, Some(root))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    loaded
        .warnings
        .extend(names::writable_path_dirs(&loaded.runbook, base));
    loaded
        .warnings
        .sort_by_key(|d| (d.pos.file, d.pos, d.severity));
    loaded.path = path.to_path_buf();
    Ok(loaded)
}

fn utf8(bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let text = String::from_utf8_lossy(valid);
        let line = text.matches('\n').count() + 1;
        let col = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Diagnostic::error(
            Pos::new(line as u32, col as u32),
            "the file is not valid UTF-8",
        )
        .hint("save the file as UTF-8")
    })
}

/// Parses, validates and lints runbook text (the file name is for messages only). A
/// runbook read this way has no directory, so it cannot use fragments.
pub fn load_str(file: &str, source: &str) -> Result<Loaded, Report> {
    load_with(file, source, file, None)
}

fn load_with(file: &str, source: &str, rel: &str, root: Option<&Path>) -> Result<Loaded, Report> {
    let report = |diags, others| Report {
        file: file.to_string(),
        source: source.to_string(),
        diags,
        others,
    };
    let node = load::parse(source).map_err(|d| report(vec![d], Vec::new()))?;
    let mut lib = fragments::Library::alone(rel, source, node);
    let mut diags = Vec::new();
    match root {
        Some(root) => fragments::read_all(
            &mut lib,
            root,
            &|p| read_capped(p).and_then(utf8),
            &mut diags,
        ),
        None => {
            if let Some(u) = top_key(&lib.files[0].node, "uses") {
                diags.push(
                    Diagnostic::error(u, "`uses` needs the runbook to be a file")
                        .hint("fragments are read relative to the runbook's directory"),
                );
            }
        }
    }
    let others: Vec<(String, String)> = lib
        .fragments()
        .map(|f| (f.shown.clone(), f.source.clone()))
        .collect();
    let fragments: Vec<Fragment> = lib
        .fragments()
        .map(|f| Fragment {
            rel: f.rel.clone(),
            shown: f.shown.clone(),
            source: f.source.clone(),
        })
        .collect();
    // Prose cut short by a `#` is looked for in the runbook's own file.
    let cut = comments::cut_by_comment(&lib.files[0].node, source);
    let built = build::build(std::sync::Arc::new(lib));
    diags.extend(built.diags);
    diags.extend(lint::lint(&built.runbook, &built.broken_steps));
    diags.extend(cut);
    diags.sort_by_key(|d| (d.pos.file, d.pos, d.severity));
    // A fragment used twice reports its own mistakes once.
    diags.dedup();
    if diags.iter().any(Diagnostic::is_error) {
        return Err(report(diags, others));
    }
    Ok(Loaded {
        runbook: built.runbook,
        path: PathBuf::from(file),
        sha256: runbook_sha256(source.as_bytes(), &fragments),
        source: source.to_string(),
        warnings: diags,
        fragments,
    })
}

fn top_key(node: &node::Node, key: &str) -> Option<Pos> {
    match &node.value {
        node::Value::Map(pairs) => pairs.iter().find_map(|(k, _)| {
            matches!(&k.value, node::Value::Scalar { text, .. } if text == key).then_some(k.pos)
        }),
        _ => None,
    }
}

fn read_capped(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    let at = Pos::default();
    let open_err = |e: std::io::Error| {
        Diagnostic::error(at, format!("cannot read the runbook: {e}"))
            .hint("check the path, and that you may read the file")
    };
    let meta = std::fs::metadata(path).map_err(open_err)?;
    if meta.is_dir() {
        return Err(
            Diagnostic::error(at, "this is a directory, not a runbook file")
                .hint("give the runbook's file, e.g. `runbooks/demo.yaml`"),
        );
    }
    let too_big = |size: u64| {
        Diagnostic::error(
            at,
            format!(
                "the runbook is {:.1} MiB; the limit is {} MiB",
                size as f64 / 1048576.0,
                load::MAX_BYTES >> 20
            ),
        )
        .hint("a runbook this large is generated or a wrong file; split it into several runbooks")
    };
    if meta.len() > load::MAX_BYTES {
        return Err(too_big(meta.len()));
    }
    // Character devices and pipes report no size: read at most one byte past the cap.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(open_err)?
        .take(load::MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(open_err)?;
    if bytes.len() as u64 > load::MAX_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(test)]
mod envs_tests;
#[cfg(test)]
mod flow_tests;
#[cfg(test)]
mod hosts_tests;
#[cfg(test)]
mod limit_tests;
#[cfg(test)]
mod lint_tests;
#[cfg(test)]
mod step_tests;
