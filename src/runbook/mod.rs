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
mod build_loop;
mod build_step;
pub mod diag;
pub mod duration;
pub mod environment;
pub mod expand;
mod fields;
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
pub mod params;
pub mod schema;
mod script;
pub mod show;
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
        params::resolve_with(&self.runbook, given, |k| std::env::var(k).ok(), missing_ok).map_err(
            |diags| Report {
                file: self.path.display().to_string(),
                source: self.source.clone(),
                diags,
            },
        )
    }
}

/// Everything wrong with a runbook file, ready to render against its source.
#[derive(Debug, Clone)]
pub struct Report {
    pub file: String,
    pub source: String,
    pub diags: Vec<Diagnostic>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.diags.iter().filter(|d| d.is_error()).count()
    }

    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        for d in &self.diags {
            out.push_str(&d.render(&self.file, &self.source, color));
            out.push('\n');
        }
        out
    }

    fn single(file: &str, d: Diagnostic) -> Report {
        Report {
            file: file.to_string(),
            source: String::new(),
            diags: vec![d],
        }
    }
}

/// Reads, parses, validates and lints a runbook file.
pub fn load_file(path: &Path) -> Result<Loaded, Report> {
    let file = path.display().to_string();
    let bytes = read_capped(path).map_err(|d| Report::single(&file, d))?;
    let sha256 = sha256_hex(&bytes);
    let source = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let text = String::from_utf8_lossy(valid);
            let line = text.matches('\n').count() + 1;
            let col = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let d = Diagnostic::error(
                Pos::new(line as u32, col as u32),
                "the runbook is not valid UTF-8",
            )
            .hint("save the file as UTF-8");
            return Err(Report::single(&file, d));
        }
    };
    let mut loaded = load_str(&file, &source)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    loaded
        .warnings
        .extend(names::writable_path_dirs(&loaded.runbook, base));
    loaded.warnings.sort_by_key(|d| (d.pos, d.severity));
    loaded.path = path.to_path_buf();
    loaded.sha256 = sha256;
    Ok(loaded)
}

/// Parses, validates and lints runbook text (the file name is for messages only).
pub fn load_str(file: &str, source: &str) -> Result<Loaded, Report> {
    let report = |diags| Report {
        file: file.to_string(),
        source: source.to_string(),
        diags,
    };
    let node = load::parse(source).map_err(|d| report(vec![d]))?;
    let built = build::build(&node);
    let mut diags = built.diags;
    diags.extend(lint::lint(&built.runbook, &built.broken_steps));
    diags.sort_by_key(|d| (d.pos, d.severity));
    if diags.iter().any(Diagnostic::is_error) {
        return Err(report(diags));
    }
    Ok(Loaded {
        runbook: built.runbook,
        path: PathBuf::from(file),
        sha256: sha256_hex(source.as_bytes()),
        source: source.to_string(),
        warnings: diags,
    })
}

fn read_capped(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    let at = Pos::default();
    let open_err =
        |e: std::io::Error| Diagnostic::error(at, format!("cannot read the runbook: {e}"));
    let meta = std::fs::metadata(path).map_err(open_err)?;
    if meta.is_dir() {
        return Err(Diagnostic::error(
            at,
            "this is a directory, not a runbook file",
        ));
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
mod lint_tests;
#[cfg(test)]
mod step_tests;
