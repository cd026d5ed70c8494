//! Every sentence the engine says, in one place (as ripgrep keeps its messages): the
//! reasons it journals (a run refused, halted, failed; a step accepted unproven) and the
//! refusals it answers an event with. Front ends phrase records through `crate::phrase`;
//! these are the engine's own words inside them.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::journal::record::{
    CommandFailure, Excerpt, Expected, Purpose, RunEnd, Saw, StepFailure,
};
use crate::runbook::duration;
use crate::runbook::target::{LimitError, MAX_AT_MOST};

// Refusals: an event that does not fit where the run stands. Nothing is journaled.
pub const RUN_OVER: &str = "the run is over";
pub const HALTED: &str = "the run is halted; resume it first";
pub const ALREADY_STARTED: &str = "the run has already started";
pub const NOTHING_TO_RESUME: &str = "nothing to resume: the journal has no run_started";
pub const NO_STEP_READY: &str = "no step is waiting to begin";
pub const NO_RETRY_DUE: &str = "no retry is due";
pub const NO_MANUAL_STEP: &str = "no manual step is waiting";
pub const NO_TARGET_WAITING: &str = "no target is waiting to be confirmed";
pub const NO_APPROVAL_WAITING: &str = "no step is waiting for approval";
pub const NO_DECISION_WAITING: &str = "nothing is waiting for a decision";
pub const NO_COMMAND_RUNNING: &str = "no command is running";
pub const NO_SUCH_COMMAND: &str = "no such command is running";
pub const RESULT_WITHOUT_PURPOSE: &str = "a result without a purpose";
pub const STOP_FIRST: &str = "a command is running; stop it first";
pub const EMPTY_NOTE: &str = "an empty note";
pub const NOTE_CONTROLS: &str = "a note cannot hold control characters or line breaks";
pub const REASON_CONTROLS: &str = "a reason cannot hold control characters or line breaks";

pub fn not_possible(choice: &str, allowed: &[&str]) -> String {
    format!(
        "`{choice}` is not possible here; choose {}",
        allowed.join(", ")
    )
}

pub fn needs_reason(choice: &str) -> String {
    format!("`{choice}` needs a reason")
}

// Reasons, journaled.

pub fn outside_window(why: &str) -> String {
    format!("outside the change window: {why}")
}

/// Refused at the start, with when it may start instead.
pub fn refused_outside_window(why: &str, opens: Option<DateTime<chrono_tz::Tz>>) -> String {
    let when = opens
        .map(|t| {
            format!(
                "; the window opens next {}",
                t.format("%a %Y-%m-%d %H:%M %Z")
            )
        })
        .unwrap_or_default();
    format!("{why}{when}; to start now anyway, give --outside-window \"why\"")
}

/// Asked before a change, at a screen.
pub fn window_closed_mid_run(why: &str) -> String {
    format!("{why}; the change has not started. Override (the reason is journaled) or abort")
}

/// Halted before a change, resumable.
pub fn halted_outside_window(why: &str) -> String {
    format!("{why}; resume inside the window, or with --outside-window \"reason\"")
}

pub fn clock_faked(fake: &str) -> String {
    format!("the clock reads {fake} (SHISA_FAKE_NOW); window checks use it")
}

pub fn snapshot_missing(snapshot: &str, step: &str) -> String {
    format!(
        "snapshot step `{snapshot}` has not succeeded in this run; `{step}` cannot change anything without it"
    )
}

pub fn target_refused(resolved: &str, rule: &str, pattern: &str) -> String {
    let why = if rule == "deny" {
        "is denied by"
    } else {
        "does not match"
    };
    format!("the target resolved to `{resolved}`, which {why} `{rule}: '{pattern}'`")
}

/// Halted at a blind target, resumable: only now, with the step refused for the moment,
/// is the resolved target said, beside what was intended.
pub fn too_many_blind_misses(misses: u32, intended: &str, resolved: &str) -> String {
    format!(
        "{misses} named targets did not match what the system resolved: the last named was `{intended}`, the system resolved `{resolved}`. The step did not start. Find out why before going on; `shisa resume` looks the target up again and asks for it afresh (the steps before it stay done)"
    )
}

pub const IMPACT_NOTHING: &str =
    "the impact command printed nothing: its first line must be the count, a whole number";

pub fn impact_not_a_count(first: &str) -> String {
    format!(
        "the impact command's first line `{first}` is not a count: it must begin with a whole number (e.g. `412 accounts`)"
    )
}

/// The impact command failed or printed no count: the blast radius is unknown, so the step
/// does not run.
pub fn impact_unknown(why: &str) -> String {
    format!("the blast radius is unknown, so the step is refused: {why}")
}

pub fn impact_over(resolved: &str, count: u64, unit: Option<&str>, at_most: u64) -> String {
    let what = unit.map(|u| format!(" {u}")).unwrap_or_default();
    format!(
        "the target `{resolved}` touches {count}{what}, more than `at_most: {at_most}`; refused, with no override"
    )
}

/// `at_most: '{{ param }}'` whose value is not a limit: the step cannot be judged, so it is
/// refused. A run refuses to start with a runbook parameter's bad value
/// (`params::resolve`); a fragment's parameter may be bound from a capture, known only
/// when the step is due.
pub fn limit_unusable(e: &LimitError) -> String {
    match e {
        LimitError::Missing { name } => {
            format!("`at_most` reads `{name}`, which has no value")
        }
        LimitError::NotWhole { name, value } => format!(
            "`at_most` reads `{name}` = `{value}`, which is not a whole number from 0 to {MAX_AT_MOST}"
        ),
    }
}

/// The limit could not be read, so the count cannot be judged: refused, like no count.
pub fn limit_refused(e: &LimitError) -> String {
    format!(
        "the step's limit is unknown, so the step is refused: {}",
        limit_unusable(e)
    )
}

/// Halted at the target, resumable: nothing of the step ran.
pub fn too_many_misses(misses: u32, resolved: &str) -> String {
    format!(
        "{misses} typed targets did not match `{resolved}`; the step did not start. `shisa resume` looks the target up again and asks for it afresh (the steps before it stay done)"
    )
}

pub fn lost_captures(purpose: Purpose, names: &[String], by: &[String]) -> String {
    let steps: Vec<String> = by.iter().map(|s| format!("`{s}`")).collect();
    let rerun = match steps.len() {
        0 => "the step that captured it".to_string(),
        _ => steps.join(", "),
    };
    format!(
        "{purpose} reads {}, captured with a secret in it before the run stopped; secrets are never written, so the value is gone. Run {rerun} again (in a new run, or by hand) to get a fresh value, or do this part by hand",
        names.join(", ")
    )
}

pub fn output_log_lost(error: &str) -> String {
    format!("cannot write the output log ({error}); the run stops here so nothing runs unrecorded")
}

pub fn no_progress(phase: &str) -> String {
    format!("shisa made no progress at {phase} (a bug); the run stops here, resumable")
}

pub fn with_exceptions(steps: &[&str]) -> String {
    format!(
        "every step ended, but {} went on without passing its checks",
        steps.join(", ")
    )
}

/// An in-doubt step the operator declared done.
pub fn accepted(said: &str, proven: bool, has_verify: bool) -> String {
    match (proven, has_verify) {
        (false, _) => format!("marked done by the operator ({said}); no check proves it"),
        (true, true) => format!("marked done by the operator ({said}); its verify passed"),
        (true, false) => format!("marked done by the operator ({said})"),
    }
}

pub fn approval_wrong_step(named: &str, waiting: &str) -> String {
    format!("the approval names step `{named}`, but `{waiting}` is waiting")
}

pub const APPROVAL_OTHER_COMMAND: &str =
    "the approval is for a different command than the one waiting";
pub const APPROVAL_STALE: &str = "stale approval: the journal moved on since the reviewer looked";

pub fn approval_same_login(person: &str) -> String {
    format!(
        "this is {person}, the operator, under another account (the same login uid, or sudo); a different person must approve"
    )
}

pub fn not_in_group(person: &str, group: &str) -> String {
    format!(
        "{person} is not a member of group `{group}` on this host; only its members may approve or reject this step"
    )
}

pub fn already_approved(person: &str, have: u32, needed: u32) -> String {
    format!(
        "{person} has already approved this step (two sessions of one person are one person); {have} of {needed} approvals so far, another person must approve"
    )
}

pub fn approved_so_far(have: u32, needed: u32) -> String {
    let more = needed.saturating_sub(have);
    let people = if more == 1 { "person" } else { "people" };
    format!("approved ({have} of {needed}): the step waits for {more} more {people}")
}

pub fn approval_by_operator(user: &str) -> String {
    format!("{user} is the operator; a different person must approve")
}

pub const APPROVED: &str = "approved: the step runs now";

pub fn approval_mistyped(typed: &str) -> String {
    format!(
        "`{typed}` is not the resolved target: nothing was approved; the approval still waits (approve again to type it afresh: `a` in watch, or `shisa approve` anew)"
    )
}

pub fn operator_rejects(user: &str) -> String {
    format!("{user} is the operator: abort the step instead of rejecting it")
}

pub const REJECTION_NEEDS_REASON: &str = "a rejection needs a reason for the operator";
pub const REJECTION_CONTROLS: &str = "a rejection's reason must be one line of text";
pub const REJECTED: &str = "rejected: the step does not run; the operator is told and decides";

/// The question the operator gets after a rejection.
pub fn rejected_by(user: &str, reason: &str) -> String {
    format!("{user} rejected the approval: “{reason}”")
}

pub const STOPPED_AFTER_FAILURE: &str = "the operator stopped after a failure";
pub const CHOSE_CONTINUE: &str = "the operator chose to continue";
pub const ROLLBACK_CHOSEN: &str = "rollback chosen";
pub const ROLLED_BACK: &str = "rolled back after a failure";
pub const ROLLBACK_INCOMPLETE: &str = "rollback incomplete: a rollback command was skipped";

pub fn skipped_param(name: &str, have: &str, wanted: &str) -> String {
    format!("skipped: `when` needs parameter `{name}` = `{wanted}`, and it is `{have}`")
}

pub fn skipped_capture(name: &str, have: &str, pattern: &str) -> String {
    format!("skipped: `when` needs capture `{name}` to match /{pattern}/, and it is `{have}`")
}

pub fn skipped_capture_unset(name: &str, pattern: &str) -> String {
    format!("skipped: `when` needs capture `{name}` to match /{pattern}/, and no step captured it")
}

pub fn skipped_choice(step: &str, chosen: Option<&str>, wanted: &str) -> String {
    match chosen {
        Some(c) => format!("skipped: `when` needs `{step}` answered `{wanted}`, and it was `{c}`"),
        None => {
            format!("skipped: `when` needs `{step}` answered `{wanted}`, and it was not answered")
        }
    }
}

pub fn choice_needed(keys: &[&str]) -> String {
    format!("this step needs an answer: one of {}", keys.join(", "))
}

pub fn unknown_choice(given: &str, keys: &[&str]) -> String {
    format!(
        "`{given}` is not an answer here; answer one of: {}",
        keys.join(", ")
    )
}

pub fn no_choices_here(given: &str) -> String {
    format!("this step has no answers to pick; `{given}` cannot be chosen")
}

pub fn wait_not_over(until: &str) -> String {
    format!("not yet: this step waits until {until}; `done` is accepted from then")
}

pub const NO_WAIT_RUNNING: &str = "no wait is running";

pub fn no_return_mismatch(expected: &str) -> String {
    format!("that is not the step's name; type `{expected}` to pass its point of no return")
}

pub fn wait_deadline(deadline: &str, polls: u32, last: &str) -> String {
    format!("still not met after {deadline} ({polls} polls): {last}")
}

pub fn rolled_back_keeping(kept: &[&str], why: &str) -> String {
    format!(
        "rolled back after a failure; left in place ({why}): {}",
        kept.join(", ")
    )
}

pub const KEPT_WHY: &str =
    "a checkpoint, a point of no return, or earlier loop passes kept by the operator";

// A rollback asked for by the operator.

/// A rollback chosen at a failure, naming what failed.
pub fn rolled_back_after(step: &str, checks: &[u32]) -> String {
    match checks {
        [] => format!("rolled back after `{step}` failed"),
        [n] => format!("rolled back after verify {n} of `{step}` failed"),
        [first @ .., last] => {
            let n: Vec<String> = first.iter().map(u32::to_string).collect();
            format!(
                "rolled back after verify {} and {last} of `{step}` failed",
                n.join(", ")
            )
        }
    }
}

pub const ROLLED_BACK_ON_REQUEST: &str = "rolled back, as the operator asked";
pub const ROLLBACK_NEEDS_REASON: &str = "a rollback needs a reason: it is journaled";
pub const NOTHING_TO_UNDO: &str =
    "nothing to undo: no change of this run is in place (or none can be rolled back)";
pub const ROLLBACK_RUNNING: &str = "a rollback is already under way";
pub const ROLLBACK_NOT_NOW: &str =
    "not now: let the running command end, or answer the question on screen (it offers rollback)";
pub const ROLLBACK_HALTED: &str = "this run stopped without ending: `shisa resume` continues it, and its quit dialog offers the rollback";
/// A later rollback stopped at this step's gates and the operator went on without it.
pub const LEFT_IN_PLACE: &str = "left in place: its rollback did not pass its gates (target, approval) and the operator went on";

pub const ROLLBACK_INSTEAD: &str = "the operator rolled back instead of going on";

/// What a reviewer approves when a later rollback undoes a step.
pub fn rollback_of(step: &str, entries: &str) -> String {
    format!("rollback of `{step}`: {entries}")
}

pub fn rollback_outside_window(why: &str) -> String {
    format!("{why}; a rollback changes things too: give --outside-window \"why\" to undo now")
}

// Structured reasons, in the engine's English: the sentence journaled beside the data
// (`journal::reason`), and what the English phrasebook says of it.

/// Why a command failed (or a poll does not hold yet).
pub fn command_failure(f: &CommandFailure) -> String {
    match f {
        CommandFailure::NotStarted { error } => format!("could not start: {error}"),
        CommandFailure::LogLost { error } => {
            format!("its output log could not be written: {error}")
        }
        CommandFailure::TimedOut { limit_ms } => {
            let limit = limit_ms
                .map(|ms| duration::format(Duration::from_millis(ms)))
                .unwrap_or_else(|| "its limit".into());
            format!("timed out after {limit}")
        }
        CommandFailure::Killed { signal } => format!("killed by signal {signal}"),
        CommandFailure::Exit { code, expected } => format!("exit {code} (expected {expected})"),
        CommandFailure::Unmet {
            expected,
            saw,
            truncated,
        } => {
            let (what, seen) = unmet(expected, saw);
            let note = if *truncated {
                " (only the first MiB of stdout is checked)"
            } else {
                ""
            };
            format!("expected {what}, saw {seen}{note}")
        }
        CommandFailure::NoCapture { name, pattern } => {
            format!("capture `{name}` found nothing matching /{pattern}/ in stdout")
        }
        CommandFailure::NothingDescribed => "`describe` printed nothing to confirm".into(),
        CommandFailure::NoCount { first_line: None } => IMPACT_NOTHING.into(),
        CommandFailure::NoCount {
            first_line: Some(first),
        } => impact_not_a_count(first),
        CommandFailure::Ssh { message, .. } => message.clone(),
        CommandFailure::Deadline {
            deadline_ms,
            polls,
            last,
        } => wait_deadline(
            &duration::format(Duration::from_millis(*deadline_ms)),
            *polls,
            &command_failure(last),
        ),
    }
}

/// An expectation that did not hold: what it asked for, and what was seen instead.
pub fn unmet(expected: &Expected, saw: &Saw) -> (String, String) {
    let what = match expected {
        Expected::Contains { text } => format!("stdout contains {text:?}"),
        Expected::NotContains { text } => format!("stdout does not contain {text:?}"),
        Expected::Matches { pattern } => format!("stdout matches /{pattern}/"),
        Expected::Equals { text } => format!("stdout is {text:?}"),
        Expected::Number { op, limit } => match saw {
            Saw::NotANumber(_) | Saw::NoOutput => format!("stdout {op} {limit} (stdout a number)"),
            _ => format!("stdout {op} {limit}"),
        },
    };
    let seen = match (saw, expected) {
        (Saw::NoOutput, _) => "no output".into(),
        (Saw::Output(e) | Saw::NotANumber(e), _) => excerpt(e),
        (Saw::LimitNotANumber, Expected::Number { limit, .. }) => {
            format!("the limit {limit:?} is not a number")
        }
        (Saw::LimitNotANumber, _) => "a limit that is not a number".into(),
    };
    (what, seen)
}

/// Output lines, each quoted (so control characters show as escapes, never act), the
/// middle of a long output counted rather than shown.
pub fn excerpt(e: &Excerpt) -> String {
    let quote = |l: &String| format!("{l:?}");
    let head: Vec<String> = e.head.iter().map(quote).collect();
    let tail: Vec<String> = e.tail.iter().map(quote).collect();
    match e.skipped {
        0 => head.into_iter().chain(tail).collect::<Vec<_>>().join(" / "),
        n => {
            let lines = if n == 1 { "line" } else { "lines" };
            format!(
                "{} / … {n} more {lines} … / {}",
                head.join(" / "),
                tail.join(" / ")
            )
        }
    }
}

/// Why a step's question was asked, when commands' results are the reason.
pub fn step_failure(f: &StepFailure, check_failures: &[(u32, String)]) -> String {
    match f {
        StepFailure::Command {
            purpose: Purpose::Main,
            failure,
        } => command_failure(failure),
        StepFailure::Command { purpose, failure } => {
            format!("{purpose}: {}", command_failure(failure))
        }
        StepFailure::Checks { of, .. } => {
            let named: Vec<String> = check_failures
                .iter()
                .map(|(k, why)| format!("{}: {why}", Purpose::Verify(*k)))
                .collect();
            match named.as_slice() {
                [one] => one.clone(),
                many => format!("{} of {of} checks failed — {}", many.len(), many.join("; ")),
            }
        }
    }
}

/// Why a run ended, where shisa decided it.
pub fn run_end(end: &RunEnd) -> String {
    match end {
        RunEnd::Exceptions { steps } => {
            let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
            with_exceptions(&steps)
        }
        RunEnd::StoppedAfterFailure => STOPPED_AFTER_FAILURE.into(),
        RunEnd::RolledBack {
            failed: Some(step),
            checks,
        } => rolled_back_after(step, checks),
        RunEnd::RolledBack { failed: None, .. } => ROLLED_BACK.into(),
        RunEnd::RolledBackKeeping { kept } => {
            let kept: Vec<&str> = kept.iter().map(String::as_str).collect();
            rolled_back_keeping(&kept, KEPT_WHY)
        }
        RunEnd::RolledBackOnRequest => ROLLED_BACK_ON_REQUEST.into(),
        RunEnd::RollbackIncomplete => ROLLBACK_INCOMPLETE.into(),
    }
}

pub fn no_such_environment(name: &str) -> String {
    format!("the runbook names no environment `{name}`; nothing has run")
}

/// A run that was nearly the rehearsal, as the refusal names it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seen<'a> {
    pub run_id: &'a str,
    pub outcome: &'a str,
    pub ended: Option<DateTime<Utc>>,
}

/// The closest thing to evidence that was found.
#[derive(Debug, Clone, PartialEq)]
pub enum Nearest<'a> {
    TooOld(Seen<'a>),
    Broken(Seen<'a>, &'a str),
    NotCompleted(Seen<'a>),
    OtherVersion(Seen<'a>),
    Nothing,
}

/// What a run in an environment that needs a rehearsal looked for.
pub struct Looked<'a> {
    pub env: &'a str,
    pub needs: &'a str,
    pub within: std::time::Duration,
    pub sha256: &'a str,
    pub looked_in: &'a str,
    /// The command that produces the evidence, `{env}` standing for the environment.
    pub rehearse: &'a str,
}

/// Refused at the start for want of a rehearsal: what was looked for, what was found
/// nearest, and how to produce the evidence.
pub fn refused_no_rehearsal(l: Looked<'_>, nearest: &Nearest<'_>, now: DateTime<Utc>) -> String {
    use crate::runbook::duration::format_period;
    let needs = l.needs;
    let within = format_period(l.within);
    let since = now - chrono::Duration::from_std(l.within).unwrap_or_default();
    let ago = |c: &Seen| {
        c.ended
            .map_or(String::new(), |t| format!(" {}", ago(now, t)))
    };
    let found = match nearest {
        Nearest::Nothing => format!("no {needs} run of this runbook"),
        Nearest::TooOld(c) => format!(
            "a {needs} run of this version that completed{}, longer ago than {within} ({})",
            ago(c),
            c.run_id
        ),
        Nearest::Broken(c, why) => format!(
            "a completed {needs} run of this version whose journal does not verify ({}: {why})",
            c.run_id
        ),
        Nearest::NotCompleted(c) => {
            let how = match c.outcome {
                "live" => "is still running".to_string(),
                o if o.starts_with("stopped") => {
                    format!("stopped before finishing (resumable){}", ago(c))
                }
                o => format!("ended {o}{}", ago(c)),
            };
            format!("a {needs} run of this version that {how} ({})", c.run_id)
        }
        Nearest::OtherVersion(c) => format!(
            "a {needs} run of a different version of the runbook{} ({}), which is no evidence for this text",
            ago(c),
            c.run_id
        ),
    };
    format!(
        "`{}` needs a rehearsal in `{needs}`: a completed run of this runbook (sha256 {}) with --env {needs}, finished within {within} (since {} UTC), in {}; found {found}. Rehearse it first: {}",
        l.env,
        &l.sha256[..16.min(l.sha256.len())],
        since.format("%Y-%m-%d %H:%M"),
        l.looked_in,
        l.rehearse.replace("{env}", needs),
    )
}

/// `16 days ago`, `5 hours ago`, `12 minutes ago`.
fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let m = now.signed_duration_since(then).num_minutes().max(0);
    match m {
        m if m >= 2 * 24 * 60 => format!("{} days ago", m / (24 * 60)),
        m if m >= 120 => format!("{} hours ago", m / 60),
        0 => "less than a minute ago".into(),
        1 => "1 minute ago".into(),
        m => format!("{m} minutes ago"),
    }
}
