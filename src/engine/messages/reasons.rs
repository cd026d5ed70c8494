//! The reasons the engine journals as data (`journal::reason`, `journal::stops`), in its
//! English: the sentence journaled beside the data, and what the English phrasebook says
//! of it. Each is a function of the data alone, so a journal's sentence and a phrasebook's
//! agree word for word.

use std::time::Duration;

use crate::journal::record::{
    CommandFailure, Excerpt, Expected, Gate, Halt, NotCounted, Purpose, RunEnd, Saw, Shut, Skip,
    StepEnd, StepFailure,
};
use crate::runbook::duration;
use crate::runbook::target::{LimitError, MAX_AT_MOST};

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

/// Why a reviewer's approval did not count.
pub fn not_counted(n: &NotCounted) -> String {
    match n {
        NotCounted::WrongStep { named, waiting } => {
            format!("the approval names step `{named}`, but `{waiting}` is waiting")
        }
        NotCounted::OtherCommand => {
            "the approval is for a different command than the one waiting".into()
        }
        NotCounted::Stale => {
            "stale approval: the journal moved on since the reviewer looked".into()
        }
        NotCounted::BlindTriesSpent { max } => format!(
            "you named the target wrong {max} times; a blind confirmation gives no more tries: another person must approve (or reject)"
        ),
        NotCounted::Operator { user } => {
            format!("{user} is the operator; a different person must approve")
        }
        NotCounted::SameLogin { person } => format!(
            "this is {person}, the operator, under another account (the same login uid, or sudo); a different person must approve"
        ),
        NotCounted::NotInGroup { person, group } => format!(
            "{person} is not a member of group `{group}` on this host; only its members may approve or reject this step"
        ),
        NotCounted::AlreadyApproved {
            person,
            have,
            needed,
        } => format!(
            "{person} has already approved this step (two sessions of one person are one person); {have} of {needed} approvals so far, another person must approve"
        ),
    }
}

/// Why a step's question was asked; `check_failures` names each failed check's reason
/// (the data leaves those to each check's own `command_finished`).
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
        StepFailure::Gate { gate: g } => gate(g),
        StepFailure::Window { shut: s } => window_closed_mid_run(&outside_window(s)),
        StepFailure::Rejected { by, reason } => rejected_by(by, reason),
        StepFailure::LostCapture {
            purpose,
            names,
            by,
            mutating,
        } => lost_capture_offer(*purpose, names, by, *mutating),
    }
}

/// A resumed run lost a secret capture: the step that captured it can run again.
pub fn lost_capture_offer(purpose: Purpose, names: &[String], by: &str, mutating: bool) -> String {
    let change = if mutating {
        format!(
            " `{by}` changes something: running it again makes that change again, and its target and approval are asked again"
        )
    } else {
        String::new()
    };
    format!(
        "{purpose} reads {}, captured with a secret in it before the run stopped; secrets are never written, so the value is gone. `rerun` runs `{by}` again for a fresh value, then this goes on.{change}",
        names.join(", ")
    )
}

/// Why a run ended, where shisa decided it.
pub fn run_end(end: &RunEnd) -> String {
    match end {
        RunEnd::Exceptions { steps } => with_exceptions(steps),
        RunEnd::StoppedAfterFailure { said: None } => STOPPED_AFTER_FAILURE.into(),
        RunEnd::StoppedAfterFailure { said: Some(said) } => {
            format!("{STOPPED_AFTER_FAILURE}: “{said}”")
        }
        RunEnd::RolledBack {
            failed: Some(step),
            checks,
        } => rolled_back_after(step, checks),
        RunEnd::RolledBack { failed: None, .. } => ROLLED_BACK.into(),
        RunEnd::RolledBackKeeping {
            kept,
            pass_only: true,
        } => format!(
            "rolled back the failed loop pass only, as the operator chose; left in place: {}",
            kept.join(", ")
        ),
        RunEnd::RolledBackKeeping { kept, .. } => format!(
            "rolled back after a failure; left in place ({KEPT_WHY}): {}",
            kept.join(", ")
        ),
        RunEnd::RolledBackOnRequest => ROLLED_BACK_ON_REQUEST.into(),
        RunEnd::RollbackIncomplete { not_undone } if not_undone.is_empty() => {
            ROLLBACK_INCOMPLETE.into()
        }
        RunEnd::RollbackIncomplete { not_undone } => {
            format!(
                "{ROLLBACK_INCOMPLETE}; not undone: {}",
                not_undone.join(", ")
            )
        }
        RunEnd::Refused { gate: g } => gate(g),
        RunEnd::OutsideWindow { shut, opens } => {
            let when = opens
                .as_ref()
                .map(|t| format!("; the window opens next {t}"))
                .unwrap_or_default();
            format!(
                "{}{when}; to start now anyway, give --outside-window \"why\"",
                outside_window(shut)
            )
        }
        RunEnd::NoRehearsal(n) => super::rehearsal::refused_no_rehearsal(n),
        RunEnd::NoSuchEnvironment { name } => {
            format!("the runbook names no environment `{name}`; nothing has run")
        }
    }
}

/// Why a step was skipped, or refused, or ended by the operator's choice.
pub fn step_end(end: &StepEnd) -> String {
    match end {
        StepEnd::Refused { gate: g } => gate(g),
        StepEnd::Skipped { skip: s } => skip(s),
        StepEnd::ContinueChosen => CHOSE_CONTINUE.into(),
        StepEnd::RollbackChosen => ROLLBACK_CHOSEN.into(),
        StepEnd::RolledBackInstead => ROLLBACK_INSTEAD.into(),
        StepEnd::LeftInPlace => LEFT_IN_PLACE.into(),
        StepEnd::NotUndone { failed } => format!(
            "not undone: {} {} failed and the operator went on past it; its change is still in place",
            if failed.len() == 1 {
                "its rollback command"
            } else {
                "its rollback commands"
            },
            failed
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        StepEnd::Accepted {
            said,
            proven,
            has_verify,
        } => match (proven, has_verify) {
            (false, _) => format!("marked done by the operator ({said}); no check proves it"),
            (true, true) => format!("marked done by the operator ({said}); its verify passed"),
            (true, false) => format!("marked done by the operator ({said})"),
        },
    }
}

/// Why a run halted, resumable.
pub fn halt(h: &Halt) -> String {
    match h {
        Halt::Quit => "the operator quit".into(),
        Halt::TerminalGone => "the terminal went away".into(),
        Halt::CtrlC => "interrupted by Ctrl-C".into(),
        Halt::EndOfInput => "end of input at a prompt; nothing more was run".into(),
        Halt::Sigterm => "SIGTERM".into(),
        Halt::Sighup => "SIGHUP: the terminal went away".into(),
        Halt::ConnectionLost { message } => message.clone(),
        Halt::OutputLogLost { error } => format!(
            "cannot write the output log ({error}); the run stops here so nothing runs unrecorded"
        ),
        Halt::NoProgress { phase } => {
            format!("shisa made no progress at {phase} (a bug); the run stops here, resumable")
        }
        Halt::Misses { misses, resolved } => format!(
            "{misses} typed targets did not match `{resolved}`; the step did not start. `shisa resume` looks the target up again and asks for it afresh (the steps before it stay done)"
        ),
        Halt::BlindMisses {
            misses,
            intended,
            resolved,
        } => format!(
            "{misses} named targets did not match what the system resolved: the last named was `{intended}`, the system resolved `{resolved}`. The step did not start. Find out why before going on; `shisa resume` looks the target up again and asks for it afresh (the steps before it stay done)"
        ),
        Halt::OutsideWindow { shut } => format!(
            "{}; resume inside the window, or with --outside-window \"reason\"",
            outside_window(shut)
        ),
    }
}

/// Why the window is shut (`window_checked.reason`).
pub fn shut(s: &Shut) -> String {
    match s {
        Shut::Denied { local, span } => format!("{local} is inside the denied window `{span}`"),
        Shut::NotAllowed { local, allowed } => format!(
            "{local} is outside every allowed window ({})",
            allowed.join("; ")
        ),
    }
}

pub fn outside_window(s: &Shut) -> String {
    format!("outside the change window: {}", shut(s))
}

/// Asked before a change, at a screen.
fn window_closed_mid_run(why: &str) -> String {
    format!("{why}; the change has not started. Override (the reason is journaled) or abort")
}

/// A safety gate's refusal.
pub fn gate(g: &Gate) -> String {
    match g {
        Gate::SnapshotMissing { snapshot, step } => format!(
            "snapshot step `{snapshot}` has not succeeded in this run; `{step}` cannot change anything without it"
        ),
        Gate::Target {
            resolved,
            rule,
            pattern,
        } => {
            let why = if rule == "deny" {
                "is denied by"
            } else {
                "does not match"
            };
            format!("the target resolved to `{resolved}`, which {why} `{rule}: '{pattern}'`")
        }
        Gate::ImpactUnknown { failure } => format!(
            "the blast radius is unknown, so the step is refused: {}",
            command_failure(failure)
        ),
        Gate::ImpactOver {
            resolved,
            count,
            unit,
            at_most,
        } => {
            let what = unit.as_ref().map(|u| format!(" {u}")).unwrap_or_default();
            format!(
                "the target `{resolved}` touches {count}{what}, more than `at_most: {at_most}`; refused, with no override"
            )
        }
        Gate::LostCaptures { purpose, names, by } => {
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
        Gate::LimitUnknown { name, value } => {
            let e = match value {
                None => LimitError::Missing { name: name.clone() },
                Some(v) => LimitError::NotWhole {
                    name: name.clone(),
                    value: v.clone(),
                },
            };
            format!(
                "the step's limit is unknown, so the step is refused: {}",
                limit_unusable(&e)
            )
        }
        Gate::UnknownHost { on } => format!("`on: {on}` names no host in `hosts:`"),
        Gate::UnusableHost { host, error } => {
            format!("host `{host}` does not resolve to a usable ssh destination: {error}")
        }
    }
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

/// Why a `when` does not hold.
pub fn skip(s: &Skip) -> String {
    match s {
        Skip::Param { name, have, wanted } => {
            format!("skipped: `when` needs parameter `{name}` = `{wanted}`, and it is `{have}`")
        }
        Skip::Capture {
            name,
            have: Some(have),
            pattern,
        } => format!(
            "skipped: `when` needs capture `{name}` to match /{pattern}/, and it is `{have}`"
        ),
        Skip::Capture {
            name,
            have: None,
            pattern,
        } => format!(
            "skipped: `when` needs capture `{name}` to match /{pattern}/, and no step captured it"
        ),
        Skip::Choice {
            step,
            chosen: Some(c),
            wanted,
        } => format!("skipped: `when` needs `{step}` answered `{wanted}`, and it was `{c}`"),
        Skip::Choice {
            step,
            chosen: None,
            wanted,
        } => format!("skipped: `when` needs `{step}` answered `{wanted}`, and it was not answered"),
    }
}

/// The question the operator gets after a rejection.
fn rejected_by(user: &str, reason: &str) -> String {
    format!("{user} rejected the approval: “{reason}”")
}

fn with_exceptions(steps: &[String]) -> String {
    format!(
        "every step ended, but {} went on without passing its checks",
        steps.join(", ")
    )
}

pub const IMPACT_NOTHING: &str =
    "the impact command printed nothing: its first line must be the count, a whole number";

pub fn impact_not_a_count(first: &str) -> String {
    format!(
        "the impact command's first line `{first}` is not a count: it must begin with a whole number (e.g. `412 accounts`)"
    )
}

/// The limit, said as the limit: the time actually waited is the wait's end line's figure
/// (the timeline), and two "after" figures side by side read as two different waits.
pub fn wait_deadline(deadline: &str, polls: u32, last: &str) -> String {
    format!("did not hold within its {deadline} wait ({polls} polls): {last}")
}

pub const STOPPED_AFTER_FAILURE: &str = "failed; the operator aborted at the failure";
pub const CHOSE_CONTINUE: &str = "the operator chose to continue";
pub const ROLLBACK_CHOSEN: &str = "rollback chosen";
pub const ROLLED_BACK: &str = "rolled back after a failure";

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

/// A later rollback stopped at this step's gates and the operator went on without it.
pub const LEFT_IN_PLACE: &str = "left in place: its rollback did not pass its gates (target, approval) and the operator went on";
pub const ROLLBACK_INCOMPLETE: &str = "rollback incomplete: a rollback command was skipped";
pub const KEPT_WHY: &str =
    "a checkpoint, a point of no return, or earlier loop passes kept by the operator";
pub const ROLLED_BACK_ON_REQUEST: &str = "rolled back, as the operator asked";
pub const ROLLBACK_INSTEAD: &str = "the operator rolled back instead of going on";
