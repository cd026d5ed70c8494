//! `shisa review RUNBOOK [-p …] [--strict]`: the runbook read for a change ticket, as
//! Markdown (`review/`). Nothing runs. A parameter without a value gets a made-up one that
//! its rules accept (a list parameter one item), and the header says so. Exit 0, or 1 with
//! `--strict` when a path breaks; a bad runbook or value is exit 2, as for `check`.

use std::path::Path;

use crate::exit::{Error, Exit, Result};
use crate::review::{self, madeup, markdown};
use crate::runbook::load_file;
use crate::runbook::model::{Param, Runbook};
use crate::runbook::params::{self, Params};
use crate::runbook::target::whole;

/// The Markdown, and whether anything was found.
pub fn run(path: &Path, assignments: &[String]) -> Result<(String, bool)> {
    let loaded = load_file(path)?;
    let given = params::split_all(assignments).map_err(Error::Invalid)?;
    let resolved = loaded.resolve_params_with(&given, true)?;
    let (values, header) = fill(&loaded.runbook, resolved);
    let file = path.display().to_string();
    let r = review::review(&loaded.runbook, &file, &loaded.sha256, values);
    let text = markdown::render(
        &r,
        &markdown::Header {
            file: &file,
            sha256: &loaded.sha256,
            values: header,
        },
    );
    Ok((text, review::has_findings(&r)))
}

/// The exit for a review: findings fail only `--strict`.
pub fn exit(found: bool, strict: bool) -> Exit {
    if found && strict {
        Exit::Failed
    } else {
        Exit::Ok
    }
}

/// Every parameter with a value: missing ones made up within their rules. Returns the
/// header lines that say which value came from where.
fn fill(rb: &Runbook, mut p: Params) -> (Params, Vec<String>) {
    let mut lines = Vec::new();
    for param in &rb.params {
        let (value, how) = match p.values.get(&param.name) {
            Some(v) => (v.clone(), ""),
            None if p.missing.remove(&param.name) => (
                made_up(param, is_limit(rb, &param.name)),
                " (made up: no value given)",
            ),
            None => continue,
        };
        let shown = if param.secret {
            params::mask(&param.name)
        } else {
            value.clone()
        };
        let shown = if param.list {
            let items: Vec<String> = params::items(&shown)
                .iter()
                .map(|i| format!("`{i}`"))
                .collect();
            format!("{} item(s): {}", items.len(), items.join(", "))
        } else {
            format!("`{shown}`")
        };
        lines.push(format!("`{}` = {shown}{how}", param.name));
        p.values.insert(param.name.clone(), value);
    }
    for l in &rb.loops {
        let n = p.values.get(&l.list).map_or(0, |v| params::items(v).len());
        lines.push(format!(
            "loop `{}`: one pass per item of `{}` ({n} pass(es))",
            l.id, l.list
        ));
    }
    (p, lines)
}

/// Whether an `impact.at_most` reads the parameter: its made-up value must be a count.
fn is_limit(rb: &Runbook, name: &str) -> bool {
    rb.steps.iter().any(|s| {
        s.target
            .as_ref()
            .and_then(|t| t.impact.as_ref())
            .and_then(|i| i.at_most.param())
            == Some(name)
    })
}

/// A value the parameter's rules accept (one item for a list; a whole number for a
/// `limit`), else its name.
fn made_up(p: &Param, limit: bool) -> String {
    let one = Param {
        list: false,
        ..p.clone()
    };
    let from_pattern = p
        .pattern
        .iter()
        .flat_map(|pat| (0..madeup::SEEDS).filter_map(|s| madeup::sample(&pat.source, s, None)));
    let fallback = if limit {
        "10".to_string()
    } else {
        format!("{}-sample", p.name)
    };
    p.choices
        .iter()
        .cloned()
        .chain(from_pattern)
        .chain(limit.then(|| "10".to_string()))
        .chain([format!("{}-sample", p.name)])
        .filter(|v| !limit || whole(v).is_some())
        .find(|v| !v.contains(params::LIST_SEPARATOR) && params::check_value(&one, v).is_ok())
        .unwrap_or(fallback)
}
