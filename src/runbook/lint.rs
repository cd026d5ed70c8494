//! The static safety rules and the checks that span steps, run after the whole file is
//! read: duplicate ids here; guards in `lint_guards.rs`, names in `lint_vars.rs`,
//! references between steps in `lint_flow.rs`, how values reach commands in
//! `lint_values.rs`.

use std::collections::BTreeMap;

use super::diag::{Diagnostic, Pos};
use super::model::Runbook;

pub fn lint(rb: &Runbook, broken_steps: &[usize]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    duplicate_ids(rb, &mut out);
    super::lint_guards::lint(rb, broken_steps, &mut out);
    super::lint_vars::lint(rb, &mut out);
    super::lint_flow::lint(rb, &mut out);
    param_defaults(rb, &mut out);
    super::lint_values::lint(rb, &mut out);
    out
}

/// Ids name output files too, and on a case-insensitive file system (macOS, Windows
/// shares) `Save` and `save` would write the same log.
fn duplicate_ids(rb: &Runbook, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<String, (&str, Pos)> = BTreeMap::new();
    // Blocks and steps share one namespace: `when`, `closes` and the journal name them
    // alike, inside blocks or not. In file order, so "the first" is the one written first.
    let mut named: Vec<(&str, Pos)> = rb
        .steps
        .iter()
        .map(|s| (s.id.as_str(), s.pos))
        .chain(rb.loops.iter().map(|l| (l.id.as_str(), l.pos)))
        .filter(|(id, _)| !id.is_empty())
        .collect();
    named.sort_by_key(|(_, pos)| *pos);
    for (id, pos) in named {
        match seen.get(&id.to_ascii_lowercase()) {
            Some((first, at)) if *first == id => out.push(
                Diagnostic::error(pos, format!("step id `{id}` is used twice"))
                    .hint(format!("the first is at line {}; ids must be unique", at.line)),
            ),
            Some((first, at)) => out.push(
                Diagnostic::error(
                    pos,
                    format!("step id `{id}` differs from `{first}` only in case"),
                )
                .hint(format!(
                    "`{first}` is at line {}; their output files would be one file on a case-insensitive file system",
                    at.line
                )),
            ),
            None => {
                seen.insert(id.to_ascii_lowercase(), (id, pos));
            }
        }
    }
}

fn param_defaults(rb: &Runbook, out: &mut Vec<Diagnostic>) {
    for p in &rb.params {
        if let Some(d) = &p.default
            && let Err(why) = super::params::check_value(p, d)
        {
            out.push(
                Diagnostic::error(
                    p.pos,
                    format!(
                        "the default of `{}` is refused by its own rules: {why}",
                        p.name
                    ),
                )
                .hint("change the default so that it passes the parameter's `pattern`, `choices` and `deny`, or remove the default"),
            );
        }
    }
}
