//! English: the words of the sections after the timeline — targets, approvals, overrides,
//! failures and rollbacks.

use super::super::{Markup, RollbackLine};
use crate::journal::record::{OverrideKind, Purpose};

pub fn target_confirmed() -> String {
    "confirmed".into()
}

pub fn target_reused(from: &str) -> String {
    format!("not typed again: confirmed at {from}")
}

pub fn target_mismatch(misses: u32) -> String {
    // 0: a reviewer's miss, which is not counted against the operator's tries.
    if misses == 0 {
        return "mismatch: the reviewer's miss; nothing was approved".into();
    }
    format!("mismatch: miss {misses} of 3; nothing ran")
}

pub fn target_confirmed_blind() -> String {
    "confirmed blind: the intended target, named before it was shown, is the one resolved".into()
}

pub fn target_mismatch_blind(intended: &str, resolved: &str, miss: &str) -> String {
    format!("blind: intended “{intended}”, the system resolved “{resolved}” — {miss}")
}

pub fn target_impact(count: u64, unit: Option<&str>, at_most: u64) -> String {
    let what = unit.map(|u| format!(" {u}")).unwrap_or_default();
    if count > at_most {
        format!("impact: touches {count}{what}, more than at_most {at_most}; refused")
    } else {
        format!("impact: touches {count}{what} (at most {at_most})")
    }
}

pub fn target_denied(rule: &str, pattern: &str) -> String {
    format!("denied: refused by the {rule} rule '{pattern}'")
}

pub fn approval_result(self_approved: bool, refused: Option<&str>) -> String {
    match (refused, self_approved) {
        (Some(r), _) => format!("refused {r}"),
        (None, true) => "self approved".into(),
        (None, false) => "approved".into(),
    }
}

pub fn override_what(kind: Option<OverrideKind>, step: Option<&str>) -> String {
    let what = kind.map_or("in-doubt", |k| k.name());
    match step {
        Some(s) => format!("{what} ({s})"),
        None => what.to_string(),
    }
}

pub fn waiver_what(guard: &str, step: &str) -> String {
    format!("{guard} guard ({step})")
}

pub fn note_on_done(note: &str) -> String {
    format!("(marking the step done) {note}")
}

pub fn failure_status(
    exit: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
    attempt: u32,
) -> Option<String> {
    let mut status = Vec::new();
    // Listed as a failure, an exit 0 is one whose output missed what was expected: said,
    // so that the line does not read as a success (fourth cold read, N4).
    status.extend(exit.map(|c| match (c, signal, timed_out) {
        (0, None, false) => "exit code 0, but the output was not as expected".to_string(),
        (c, ..) => format!("exit code {c}"),
    }));
    status.extend(signal.map(|s| format!("signal {s}")));
    if timed_out {
        status.push("timed out".into());
    }
    if attempt > 1 {
        status.push(format!("attempt {attempt}"));
    }
    (!status.is_empty()).then(|| status.join(", "))
}

pub fn failure_heading(step: &str, p: Option<Purpose>) -> String {
    match p {
        Some(p) => format!("{step}, {}", p.to_string().replace('-', " ")),
        None => step.to_string(),
    }
}

pub fn failure_command(m: &dyn Markup, command: &str) -> String {
    format!("Command: {}", m.code(command, false))
}

pub fn failure_state(status: &str) -> String {
    format!("Status: {status}")
}

pub fn failure_reason(m: &dyn Markup, reason: &str) -> String {
    format!(
        "Failure: {}",
        m.rich(&crate::export::text::Text::ticked(reason))
    )
}

pub fn failure_last_lines(m: &dyn Markup, n: usize, log: &str) -> String {
    match n {
        1 => format!("The last line of {}:", m.code(log, false)),
        n => format!("The last {n} lines of {}:", m.code(log, false)),
    }
}

pub fn failure_log_problem(m: &dyn Markup, log: &str, problem: &str) -> String {
    format!("Output log {}: {}", m.code(log, false), m.esc(problem))
}

pub fn log_none() -> String {
    "no output log was recorded".into()
}

pub fn log_empty() -> String {
    "the command printed nothing".into()
}

pub fn log_outside(log: &str) -> String {
    format!("log path `{log}` leaves the run directory; not read")
}

pub fn rollback_line(m: &dyn Markup, r: &RollbackLine) -> String {
    let plan = if r.plan.is_empty() {
        "nothing".to_string()
    } else {
        let steps: Vec<String> = r.plan.iter().map(|p| m.esc(p)).collect();
        steps.join(", then ")
    };
    let result = match r.ok {
        Some(true) if r.kept.is_empty() => {
            format!("finished at {}: every change undone", r.finished)
        }
        Some(true) => {
            let kept: Vec<String> = r.kept.iter().map(|p| m.esc(p)).collect();
            format!(
                "finished at {}: those undone; left in place: {}",
                r.finished,
                kept.join(", ")
            )
        }
        Some(false) => format!(
            "finished {}: a rollback command failed and was skipped",
            m.strong("INCOMPLETE")
        ),
        None => format!("{} before the journal ends", m.strong("did not finish")),
    };
    format!(
        "{} {} by {}: undoing {plan}; {result}.",
        r.at,
        m.marker("ROLLBACK", "ROLLBACK"),
        m.esc(r.by)
    )
}

pub fn rollback_without(m: &dyn Markup, steps: &[String]) -> String {
    let steps: Vec<String> = steps.iter().map(|p| m.esc(p)).collect();
    format!("No rollback defined for: {}", steps.join(", "))
}

pub fn rollback_command_result(ok: bool, exit: Option<i32>, failure: Option<&str>) -> String {
    match (failure, exit) {
        (Some(f), _) if !ok => format!(" — FAILED: {f}"),
        (_, Some(code)) => format!(" → exit {code}"),
        _ => String::new(),
    }
}

pub fn rollback_command_lead(at: &str, step: &str) -> String {
    format!("{at} {step}: ")
}
