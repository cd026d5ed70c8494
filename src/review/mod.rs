//! `shisa review`: a runbook read for a change ticket. The checklist of incident 002's
//! review points (`checklist.rs`), and the failure modes found by driving the pure engine
//! through every single-failure path, every manual answer and every `when` branch with
//! made-up command results (`walk.rs`, `madeup.rs`); nothing runs. Paths that would break
//! are findings. `markdown.rs` writes it all down (English only: the command offers no
//! `--lang`).

mod answers;
pub mod checklist;
mod cursor;
mod forks;
pub mod madeup;
pub mod markdown;
mod path_end;
mod path_values;
pub mod paths;
pub mod reads;
mod shared;
mod suffix;
pub mod walk;

use std::sync::Arc;

use crate::journal::record::Purpose;
use crate::runbook::Runbook;
use crate::runbook::diag::Pos;
use crate::runbook::model::When;
use crate::runbook::params::Params;

pub use checklist::{Answer, Point};
pub use paths::Walk;

/// The kinds of path that would break.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FindingKind {
    /// A command reads a captured value that no step set on its path.
    UnsetCapture,
    /// No path reaches the step.
    Unreachable,
    /// The step is reached, but its `when` holds on no path.
    WhenNever,
}

impl FindingKind {
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::UnsetCapture => "unset capture",
            FindingKind::Unreachable => "unreachable step",
            FindingKind::WhenNever => "`when` never holds",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub kind: FindingKind,
    pub pos: Pos,
    pub text: String,
}

/// Everything `shisa review` says about one runbook with one set of values.
pub struct Review {
    pub checklist: Vec<Point>,
    /// The runbook as the engine ran it (loops unrolled).
    pub unrolled: Arc<Runbook>,
    pub walk: Walk,
    pub findings: Vec<Finding>,
}

/// Reviews `rb` with `params` (every parameter given a value; list ones their items).
pub fn review(rb: &Runbook, file: &str, sha256: &str, params: Params) -> Review {
    let checklist = checklist::answer(&checklist::Ctx { rb, file });
    let walk = walk::walk(Arc::new(rb.clone()), params.clone(), sha256);
    let unrolled = Arc::new(crate::runbook::expand::expand(rb, &params));
    let findings = findings(&unrolled, &walk);
    Review {
        checklist,
        unrolled,
        walk,
        findings,
    }
}

/// The paths that break, each once per step as written (a loop's passes say it once).
pub fn findings(rb: &Runbook, w: &Walk) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut push = |f: Finding| {
        if !out.contains(&f) {
            out.push(f);
        }
    };
    for u in &w.unset {
        let s = &rb.steps[u.step];
        let by: Vec<&str> = rb
            .steps
            .iter()
            .filter(|t| t.capture.iter().any(|c| c.name == u.name))
            .map(|t| t.base_id())
            .collect();
        let path = match u.after.is_empty() {
            true => String::new(),
            false => format!(" on the path where {}", u.after.join(", ")),
        };
        let at = command_pos(s, u.purpose);
        push(Finding {
            kind: FindingKind::UnsetCapture,
            pos: at,
            text: format!(
                "`{}` ({}) reads `{}`, which `{}` never set{path}",
                s.base_id(),
                u.purpose,
                u.name,
                by.join("`/`"),
            ),
        });
    }
    // Steps, and the captures they take, that no path ran: what a `when` may wait on.
    let mut idle: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (_, t) in rb.steps.iter().enumerate().filter(|(j, _)| !w.ran[*j]) {
        idle.insert(t.id.as_str());
        idle.extend(t.capture.iter().map(|c| c.name.as_str()));
    }
    let never_ran = |id: &str| idle.contains(id);
    for (i, s) in rb.steps.iter().enumerate() {
        if w.ran[i] {
            continue;
        }
        let when = s.when.as_ref();
        let upstream = when.and_then(|c| match &c.test {
            When::Param { .. } => None,
            When::Choice { step, .. } => {
                never_ran(&step.id).then(|| format!("`{}` is never asked", step.id))
            }
            When::Capture { name, .. } => {
                never_ran(name).then(|| format!("the step that captures `{name}` never runs"))
            }
        });
        if matches!(when.map(|c| &c.test), Some(When::Param { .. })) {
            // Decided by the values given: a skip with these values, not a broken path.
            continue;
        }
        let (kind, why) = match (w.reached[i], when, upstream) {
            (true, Some(_), None) => (
                FindingKind::WhenNever,
                "its `when` holds on no path".to_string(),
            ),
            (_, _, Some(up)) => (FindingKind::Unreachable, up),
            (false, _, None) => (FindingKind::Unreachable, unreached_why(rb, w, i)),
            (true, None, None) => continue,
        };
        push(Finding {
            kind,
            pos: when.map_or(s.pos, |c| c.pos),
            text: format!("`{}` never runs: {why}", s.base_id()),
        });
    }
    out.sort();
    out
}

/// Where the command behind `purpose` is written.
pub fn command_pos(s: &crate::runbook::model::Step, purpose: Purpose) -> Pos {
    let nth = |n: u32| (n as usize).saturating_sub(1);
    match purpose {
        Purpose::Describe => s.target.as_ref().map(|t| t.describe.pos()),
        Purpose::Impact => s
            .target
            .as_ref()
            .and_then(|t| t.impact.as_ref())
            .map(|i| i.command.pos()),
        Purpose::Main => s.command.as_ref().map(|c| c.pos()),
        Purpose::Verify(n) => s.verify.get(nth(n)).map(|c| c.pos),
        Purpose::Rollback(n) => s.rollback.get(nth(n)).map(|r| r.pos()),
    }
    .unwrap_or(s.pos)
}

/// Why the walk never got to step `i`: where the paths before it stopped.
fn unreached_why(rb: &Runbook, w: &Walk, i: usize) -> String {
    let stops: Vec<String> = w
        .stuck
        .iter()
        .filter(|(s, _)| *s < i)
        .map(|(s, why)| format!("`{}`: {why}", rb.steps[*s].base_id()))
        .collect();
    if stops.is_empty() {
        "no path gets this far".into()
    } else {
        format!("every path stops before it ({})", stops.join("; "))
    }
}

/// A runbook error's exit: the findings, for `--strict`.
pub fn has_findings(r: &Review) -> bool {
    !r.findings.is_empty()
}

#[cfg(test)]
mod tests;
