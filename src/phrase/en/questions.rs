//! The sentences line mode asks and tells the operator in, beside the records' own: what
//! each question is about, in English (ARCHITECTURE.md, "One phrasebook"). Line mode adds
//! only the answers it reads (`answer `done` or `abort``), which are input syntax, not
//! sentences, and the `? ` that marks a question.

use crate::journal::record::Prompt;

/// A manual rollback entry waiting for the operator.
pub fn manual_undo(n: u32, title: &str, what: &str) -> String {
    format!("rollback {n} of {title} is done by hand: {what}")
}

/// A point of no return: what it is, and what typing `expected` commits to.
pub fn no_return(title: &str, reason: &str, expected: &str) -> String {
    format!(
        "{title} is a point of no return: {reason}. Once it starts, earlier steps are not rolled back. Type `{expected}` to go on, or `abort`"
    )
}

/// How the operator may approve their own step: typing its target, or not again.
pub fn approve_own(needs_typing: bool) -> &'static str {
    if needs_typing {
        "`approve <target>` to approve it yourself"
    } else {
        "`approve` to approve it yourself (you typed the target already)"
    }
}

/// A step waiting for the approvals still missing (`who`), given with `shisa approve`.
pub fn awaiting_approval_by(title: &str, who: &str, run_id: &str) -> String {
    format!("{title}: waiting for approval by {who}; each runs `shisa approve {run_id}`")
}

/// A step only its operator can approve now (nobody else can join an unshared run).
pub fn needs_own_approval(title: &str, own: &str) -> String {
    format!("{title}: needs approval; {own}")
}

/// A step waiting for another person's approval.
pub fn awaiting_another(title: &str, run_id: &str) -> String {
    format!("{title}: waiting for another person to run `shisa approve {run_id}`")
}

/// What went wrong at a failure's question, by the question.
pub fn failed(prompt: Prompt) -> &'static str {
    match prompt {
        Prompt::Precheck => "precheck failed",
        Prompt::Gate => "refused by a safety gate",
        Prompt::Rollback => "rollback command failed",
        Prompt::LostCapture => "cannot run: a captured secret is gone",
        _ => "failed",
    }
}

/// A rollback command cut off mid-command by a stop.
pub fn undo_in_doubt(n: u32, title: &str) -> String {
    format!("rollback {n} of {title} was cut off mid-command; did it undo its part?")
}

/// A step under way when the run stopped; `done_verifies`: answering `done` runs its verify.
pub fn in_doubt(title: &str, done_verifies: bool) -> String {
    let proof = if done_verifies {
        " (`done` runs its verify)"
    } else {
        ""
    };
    format!("{title} was in progress when the run stopped; did it finish?{proof}")
}

/// Ctrl-C while a command runs: the question before anything is signalled.
pub const STOP_COMMAND: &str = "Ctrl-C: stop the running command (TERM, then KILL after 5 s)?";

/// The answer to that question was not to stop.
pub const KEEPS_RUNNING: &str = "the command keeps running";

/// A halted run's last line: how to go on.
pub fn resumable(run_dir: &str) -> String {
    format!("the run can be resumed: shisa resume {run_dir}")
}
