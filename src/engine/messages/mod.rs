//! Every sentence the engine says, in one place (as ripgrep keeps its messages): the
//! reasons it journals (a run refused, halted, failed; a step accepted unproven) and the
//! refusals it answers an event with. Front ends phrase records through `crate::phrase`;
//! these are the engine's own words inside them.

mod reasons;
mod rehearsal;
mod ssh;

pub use reasons::*;
pub use rehearsal::refused_no_rehearsal;
pub use ssh::{remote_failure, ssh_failure};

// Refusals: an event that does not fit where the run stands. Nothing is journaled.
pub const RUN_OVER: &str = "the run is over";
/// Why a watcher of an earlier process of the run is journaled as gone (`watcher_left`).
pub const PROCESS_ENDED: &str = "the run's process ended";
pub const HALTED: &str = "the run is halted; resume it first";
pub const ALREADY_STARTED: &str = "the run has already started";
pub const NOTHING_TO_RESUME: &str = "nothing to resume: the journal has no run_started";
pub const NO_STEP_READY: &str = "no step is waiting to begin";
pub const NO_RETRY_DUE: &str = "no retry is due";
pub const NO_MANUAL_STEP: &str = "no manual step is waiting";
pub const NO_TARGET_WAITING: &str = "no target is waiting to be confirmed";
pub const NOTHING_NAMED: &str =
    "nothing was typed: name the target you intend (an empty line is not a try)";
pub const NOTHING_TYPED: &str =
    "nothing was typed: type the target shown (an empty line is not a try)";
pub const NO_APPROVAL_WAITING: &str = "no step is waiting for approval";
pub const NO_DECISION_WAITING: &str = "nothing is waiting for a decision";
pub const NO_COMMAND_RUNNING: &str = "no command is running";
pub const NO_SUCH_COMMAND: &str = "no such command is running";
pub const RESULT_WITHOUT_PURPOSE: &str = "a result without a purpose";
pub const STOP_FIRST: &str = "a command is running; stop it first";
pub const EMPTY_NOTE: &str = "an empty note";
pub const NOTE_CONTROLS: &str = "a note cannot hold control characters or line breaks";
pub const REASON_CONTROLS: &str = "a reason cannot hold control characters or line breaks";

/// What a front end's stop means, journaled in `stop_requested`.
pub const OPERATOR_STOPPED: &str = "the operator stopped it";

/// The verdict a shared-session client hears on a note the engine took.
pub const NOTED: &str = "noted";

/// Where the operator aborted, for the reason journaled when they give none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbortedAt {
    NoReturn,
    Approval,
    Elsewhere,
}

/// The reason journaled when the operator aborts without giving one: what they stopped
/// at, the same words whichever front end they used.
pub fn abort_unexplained(at: AbortedAt) -> &'static str {
    match at {
        AbortedAt::NoReturn => "the operator stopped at the point of no return",
        AbortedAt::Approval => "the operator aborted while waiting for approval",
        AbortedAt::Elsewhere => "the operator aborted",
    }
}

/// Which of the engine's own abort sentences a journaled reason is, if it is one: a
/// reader in another language says it anew rather than quoting the English (the operator's
/// own words match none and stay as written).
pub fn unexplained_abort(reason: &str) -> Option<AbortedAt> {
    [
        AbortedAt::NoReturn,
        AbortedAt::Approval,
        AbortedAt::Elsewhere,
    ]
    .into_iter()
    .find(|at| abort_unexplained(*at) == reason)
}

pub fn not_possible(choice: &str, allowed: &[&str]) -> String {
    format!(
        "`{choice}` is not possible here; choose {}",
        allowed.join(", ")
    )
}

pub fn needs_reason(choice: &str) -> String {
    format!("`{choice}` needs a reason")
}

// Reasons journaled as sentences only (the structured ones are in `reasons.rs`), and the
// replies a reviewer's approval gets.

pub fn clock_faked(fake: &str) -> String {
    format!("the clock reads {fake} (SHISA_FAKE_NOW); window checks use it")
}

pub fn approved_so_far(have: u32, needed: u32) -> String {
    let more = needed.saturating_sub(have);
    let people = if more == 1 { "person" } else { "people" };
    format!("approved ({have} of {needed}): the step waits for {more} more {people}")
}

/// Who must approve: "1 person", "2 distinct people of group `dba`".
pub fn approvals_wanted(needed: u32, group: Option<&str>) -> String {
    let people = match needed {
        1 => "1 person".to_string(),
        n => format!("{n} distinct people"),
    };
    match group {
        Some(g) => format!("{people} of group `{g}`"),
        None => people,
    }
}

/// Who must approve, and who has so far.
pub fn approvals_waiting(wanted: &str, names: &[&str], needed: u32) -> String {
    if names.is_empty() {
        format!("{wanted}; none so far")
    } else {
        format!(
            "{wanted}; {} of {needed} so far: {}",
            names.len(),
            names.join(", ")
        )
    }
}

pub const APPROVED: &str = "approved: the step runs now";
/// The approval is complete while the operator is at the quit question (`deciding.rs`).
pub const APPROVED_HELD: &str =
    "approved: the operator is deciding whether to quit; the step runs when they stay";

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

/// What an approval request names as the command, where it runs (issue 10: the engine's
/// words, said here).
pub fn approval_command(host: Option<Result<&str, &str>>, command: &str) -> String {
    match host {
        Some(Ok(label)) => format!("on {label}: {command}"),
        Some(Err(name)) => format!("on `{name}` (not resolved): {command}"),
        None => command.to_string(),
    }
}

/// A manual step, as an approval request names it.
pub fn manual_step(id: &str) -> String {
    format!("manual step `{id}`")
}

pub fn no_return_mismatch(expected: &str) -> String {
    format!("that is not the step's name; type `{expected}` to pass its point of no return")
}

// A rollback asked for by the operator.

pub const ROLLBACK_NEEDS_REASON: &str = "a rollback needs a reason: it is journaled";
pub const NOTHING_TO_UNDO: &str =
    "nothing to undo: no change of this run is in place (or none can be rolled back)";
pub const ROLLBACK_RUNNING: &str = "a rollback is already under way";
pub const ROLLBACK_NOT_NOW: &str =
    "not now: let the running command end, or answer the question on screen (it offers rollback)";
pub const ROLLBACK_HALTED: &str = "this run stopped without ending: `shisa resume` continues it, and its quit dialog offers the rollback";

/// What a reviewer approves when a later rollback undoes a step.
pub fn rollback_of(step: &str, entries: &str) -> String {
    format!("rollback of `{step}`: {entries}")
}

pub fn rollback_outside_window(why: &str) -> String {
    format!("{why}; a rollback changes things too: give --outside-window \"why\" to undo now")
}

/// The answer to a shared-session client that named another run.
pub fn wrong_run(this: &str, named: &str) -> String {
    format!("this is run {this}, not {named}")
}
