//! English: how a run ended or stands, as the summary, the runs table and the timeline's
//! last line say it.

use super::super::{CutAt, CutStep, Markup, Unfinished};
use crate::journal::record::Outcome;

pub fn verdict(outcome: Outcome, exit: u8, reason: Option<&str>) -> String {
    let why = reason.map(|r| format!(": {r}")).unwrap_or_default();
    format!("{} (exit {exit}){why}", outcome.name())
}

pub fn left_in_place(m: &dyn Markup, steps: &[(&str, &str, bool)]) -> String {
    let list: Vec<String> = steps
        .iter()
        .map(|(title, id, doubt)| {
            // As the cut-off warning says it: in flight, so not known to be made.
            let doubt = if *doubt {
                "; whether it was made is unknown"
            } else {
                ""
            };
            format!("{} ({}{doubt})", m.esc(title), m.code(id, true))
        })
        .collect();
    list.join(", ")
}

pub fn left_past_damage(left: &str) -> String {
    match left {
        "" => "unknown: it cannot be told past the damage".into(),
        left => format!(
            "unknown: it cannot be told past the damage; changes begun by the last intact record: {left}"
        ),
    }
}

pub fn verdict_and_left(verdict: &str, left: &str) -> String {
    format!("{verdict}; left in place, not rolled back: {left}")
}

pub fn unfinished_short(u: Unfinished) -> String {
    match u {
        Unfinished::Live { .. } => "LIVE: still running".into(),
        Unfinished::Halted { reason } => {
            format!("HALTED: interrupted, not finished ({reason})")
        }
        Unfinished::CutOff { .. } => {
            "CUT OFF: the journal ends without `run_finished` (likely a crash or a kill)".into()
        }
        Unfinished::Damaged => "UNKNOWN: the journal is damaged before its end".into(),
    }
}

pub fn unfinished_long(u: Unfinished, dir: &str, resume: &str) -> String {
    match u {
        Unfinished::Live { at } => format!(
            "LIVE: the run is still going on (another shisa process holds {dir}); this export shows the journal as written at {at}."
        ),
        Unfinished::Halted { reason } => {
            format!("HALTED: the run was interrupted ({reason}) and has not finished; {resume}.")
        }
        Unfinished::CutOff { torn, doubt, unchanged } => {
            let torn = torn
                .map(|n| format!("; its last line is torn ({n} bytes without a newline), so likely a crash while a record was being written"))
                .unwrap_or_default();
            let awaiting = |d: &&CutStep| matches!(d.at, CutAt::Awaiting { .. });
            let mut said: Vec<String> = doubt.iter().filter(awaiting).map(cut_step).collect();
            let changes: Vec<String> = doubt.iter().filter(|d| d.mutating && !awaiting(d)).map(cut_step).collect();
            let others: Vec<String> = doubt.iter().filter(|d| !d.mutating && !awaiting(d)).map(|d| format!("“{}”", d.title)).collect();
            // A change in doubt is what matters; read-only steps are named only without one.
            if !changes.is_empty() {
                said.extend(changes);
            } else if !others.is_empty() {
                said.push(format!("{} did not end", others.join(", ")));
            }
            if said.is_empty() {
                said.push("Steps in progress then are in doubt".into());
            }
            if unchanged {
                said.push("no change was made in this run".into());
            }
            let doubt = said.join("; ");
            format!(
                "CUT OFF: the journal ends without `run_finished` and no process holds the run: shisa may have been killed, or its machine may have gone down{torn}. {doubt}; {resume}."
            )
        }
        Unfinished::Damaged => "UNKNOWN: the journal has a `run_finished` record, but past the damage, where no line can be trusted; how the run ended is not known from this journal.".into(),
    }
}

pub fn resume_hint(dir: &str) -> String {
    format!("`shisa resume {dir}` continues it")
}

pub fn resume_damaged(dir: &str) -> String {
    format!("a damaged journal is never resumed (`shisa verify {dir}` shows where it breaks)")
}

pub fn resume_needs_runbook(why: &str) -> String {
    format!("resuming needs the runbook exactly as it was ({why})")
}

pub fn end_unfinished(u: Unfinished, end: &str) -> String {
    match u {
        Unfinished::Live { .. } => format!("not yet: still running (last record {end})"),
        Unfinished::Halted { .. } => format!("not finished: halted (last record {end})"),
        Unfinished::CutOff { .. } => format!("not finished: cut off (last record {end})"),
        Unfinished::Damaged => {
            format!("unknown: its end is past the damage (last intact record {end})")
        }
    }
}

pub fn timeline_stops(u: Unfinished) -> &'static str {
    match u {
        Unfinished::Live { .. } => {
            "The run is still going on; later events are not in this export."
        }
        Unfinished::Halted { .. } => "The journal ends here: the run is halted, not finished.",
        Unfinished::CutOff { .. } => {
            "The journal ends here, without `run_finished`: the run was cut off."
        }
        Unfinished::Damaged => {
            "The trusted journal ends here; the lines past the damage, the run's end among them, are left out."
        }
    }
}

/// What a step that changes something had done where the journal stops: only what was in
/// flight is unknown.
fn cut_step(s: &CutStep) -> String {
    let t = &s.title;
    match s.at {
        CutAt::ChangeRunning => {
            format!("“{t}”'s change command was running, so whether its change was made is unknown")
        }
        CutAt::ChangeEnded => format!(
            "“{t}”'s change command ended, but the record of its result is torn: its exit code, and so whether its change was made, is unknown"
        ),
        CutAt::ChangeMaybeEnded { of } => format!(
            "“{t}”'s change command was running or had just ended (the torn last line is the result of one of {of} commands left without a result, cut off before it says which), so whether its change was made is unknown"
        ),
        CutAt::Awaiting { precheck } => format!(
            "{what}“{t}” failed, and shisa was waiting for the operator's decision when the record stops",
            what = if precheck { "The precheck " } else { "" },
        ),
        CutAt::Verifying { passed, of } if passed >= of => format!(
            "“{t}”'s change command exited 0 and all {of} of its verify checks passed, but the step's end was not recorded"
        ),
        CutAt::Verifying { passed: 0, of } => format!(
            "“{t}”'s change command exited 0; verification stopped before check 1 of {of} ended, so the change is not verified"
        ),
        CutAt::Verifying { passed, of } => format!(
            "“{t}”'s change command exited 0; verification stopped after check {passed} of {of} passed, so the change is not verified"
        ),
        CutAt::Unknown => format!("Whether “{t}”'s change was made is unknown"),
    }
}
