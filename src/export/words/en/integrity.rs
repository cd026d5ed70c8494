//! English: what `shisa verify` would say of the journal, and the warnings when it or the
//! runbook is not as the run left it.

use super::super::{HeadsToCompare, Markup};

const FALLBACK: &str =
    "steps are named as the journal recorded them, and steps never reached are not listed";

pub fn chain_intact(records: usize, logs: Option<usize>) -> String {
    match logs {
        Some(n) => format!("chain intact over {records} records, {n} output logs match"),
        None => "chain intact".into(),
    }
}

pub fn chain_broken(line: usize, reason: &str, kept: Option<usize>) -> String {
    match kept {
        Some(n) => {
            format!(
                "BROKEN at line {line}: {reason}; only the {n} records on lines 1–{n} are shown"
            )
        }
        None => format!("BROKEN at line {line}: {reason}"),
    }
}

pub fn chain_altered(line: usize, kept: usize) -> String {
    let before = line - 1;
    format!(
        "BROKEN at line {line}: its prev does not match the hash of line {before}, so line {before} or line {line} was altered; only the {kept} records on lines 1–{kept} are shown"
    )
}

pub fn integrity_warning(detail: &str) -> String {
    format!(
        "JOURNAL INTEGRITY: {detail}. Treat this export as evidence of tampering or damage, not as the record of the run."
    )
}

pub fn runbook_warning(note: &str) -> String {
    format!("Runbook: {note}.")
}

pub fn runbook_changed(path: &str, sha: &str) -> String {
    format!("{path} has changed since the run (SHA-256 {sha} now); {FALLBACK}")
}

pub fn runbook_unreadable(path: &str) -> String {
    format!("{path} cannot be read or is no longer valid; {FALLBACK}")
}

pub fn no_run_started() -> String {
    "the journal does not begin with run_started".into()
}

pub fn verify_line(m: &dyn Markup, passed: bool, detail: &str) -> String {
    let verdict = if passed {
        "passed".to_string()
    } else {
        m.strong("FAILED")
    };
    format!(
        "{}: {verdict} ({})",
        m.code("shisa verify", false),
        m.esc(detail)
    )
}

pub fn torn_line(bytes: usize) -> String {
    format!("The last line is torn ({bytes} bytes): likely a crash mid-write, not tampering.")
}

pub fn untrusted_line(first: usize, last: usize) -> String {
    if first == last {
        format!("Line {first} is left out of this export.")
    } else {
        let n = last + 1 - first;
        format!("Lines {first}–{last} ({n} lines) are left out of this export.")
    }
}

/// Only the heads there are to compare, "printed at the end" only for a run that printed
/// one (issue 17, third cold read), and "kept by a watcher" only for a run that had one,
/// run by run (fourth cold read, N5): the runs with the same copies in one clause.
pub fn compare_head(m: &dyn Markup, h: &HeadsToCompare) -> String {
    let cmd = m.code("shisa verify RUN_DIR --head HASH", false);
    let named = |runs: &[String]| match runs {
        [] if h.every => (
            "each run's head".to_string(),
            "the one",
            "that run",
            "the runs",
        ),
        [] => ("the head".to_string(), "the one", "the run", "the run"),
        [one] => (format!("{one}'s head"), "the one", "the run", "the run"),
        many => (
            format!("the heads of {}", many.join(", ")),
            "the ones",
            "each run",
            "the runs",
        ),
    };
    let mut compare = Vec::new();
    let mut nothing = None;
    for g in &h.groups {
        let (which, ones, run, runs) = named(&g.runs);
        match (g.copies.printed, g.copies.watched) {
            (true, true) => compare.push(format!(
                "{which} with {ones} printed at the end of {run} or kept by a watcher"
            )),
            (true, false) => compare.push(format!("{which} with {ones} printed at the end of {run}")),
            (false, true) => compare.push(format!(
                "{which} with {ones} kept by a watcher (none was printed at the end: {runs} did not finish)"
            )),
            (false, false) => nothing = Some((which, runs)),
        }
    }
    match (compare.is_empty(), nothing) {
        (false, None) => format!("Compare {}: {cmd}.", compare.join(", and ")),
        (false, Some((which, runs))) => format!(
            "Compare {}: {cmd}. There is nothing to compare {which} with: none was printed at the end ({runs} did not finish) and no watcher kept one.",
            compare.join(", and ")
        ),
        (true, Some((which, runs))) => format!(
            "There is nothing to compare {which} with: none was printed at the end ({runs} did not finish) and no watcher kept one; {cmd} checks a head kept some other way."
        ),
        (true, None) => String::new(),
    }
}
