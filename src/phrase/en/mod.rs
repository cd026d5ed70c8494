//! English: the words shisa speaks by default. Steps are named by title, people by account;
//! what a person wrote (a note, a reason) is quoted as written.

mod commands;
mod decisions;
pub mod questions;
mod run;
mod targets;

use super::{
    Attempts, Mark, Marker, Names, Phrase, Phrasebook, StepPassed, Unended, command_line,
    run_end_said, said, step_title, title,
};
use crate::engine::messages as msg;
use crate::journal::record::OverrideKind;
use crate::journal::record::{
    Actor, Body, Choice, CommandFailure, Expected, Outcome, Person, Prompt, Purpose, Record, Role,
    RunEnd, Saw, StepFailure, StepStatus,
};
use crate::journal::record::{Halt, NotCounted, Shut, StepEnd};

pub struct English;

impl Phrasebook for English {
    fn record(&self, rec: &Record, names: &dyn Names) -> Phrase {
        match &rec.body {
            Body::RunStarted { .. }
            | Body::WindowChecked { .. }
            | Body::Override { .. }
            | Body::Waiver { .. }
            | Body::RollbackStarted { .. }
            | Body::RollbackRequested { .. }
            | Body::RollbackFinished { .. }
            | Body::WatcherJoined { .. }
            | Body::WatcherLeft { .. }
            | Body::ClientRefused { .. }
            | Body::RunInterrupted { .. }
            | Body::RunResumed { .. }
            | Body::JournalRecovered { .. }
            | Body::RunbookChanged { .. }
            | Body::CaptureRerun { .. }
            | Body::RunFinished { .. } => run::say(self, rec, names),
            Body::StepStarted { .. }
            | Body::CommandStarted { .. }
            | Body::CommandFinished { .. }
            | Body::ExpectFailed { .. }
            | Body::WaitStarted { .. }
            | Body::WaitFinished { .. }
            | Body::SnapshotRecorded { .. }
            | Body::StopRequested { .. } => commands::say(self, rec, names),
            Body::TargetResolved { .. }
            | Body::TargetImpact { .. }
            | Body::TargetDenied { .. }
            | Body::TargetConfirmed { .. }
            | Body::TargetMismatch { .. }
            | Body::NoReturnConfirmed { .. } => targets::say(self, rec, names),
            Body::ApprovalRequested { .. }
            | Body::ApprovalGranted { .. }
            | Body::ApprovalRejected { .. }
            | Body::ApprovalRefused { .. }
            | Body::ManualDone { .. }
            | Body::OperatorNote { .. }
            | Body::StepFailed { .. }
            | Body::OperatorChoice { .. }
            | Body::StepFinished { .. } => decisions::say(self, rec, names),
        }
    }

    fn aborted_at(
        &self,
        finished: &Record,
        at: Option<&str>,
        left: &[String],
        undone: Option<&str>,
    ) -> Phrase {
        run::aborted_at(self, finished, at, left, undone)
    }

    fn never_finished(&self, started: &Record, names: &dyn Names, how: Unended) -> Phrase {
        let command = match &started.body {
            Body::CommandStarted { command, .. } => command_line(command),
            _ => String::new(),
        };
        let title = title_or_run(started, names);
        let (before, after) = match how {
            Unended::Running => (
                "",
                " was running when the journal stops: no result was recorded",
            ),
            // The crash came while its result was being written: it had ended.
            Unended::ResultTorn => (
                "",
                " ended, but the record of its result is torn: exit code unknown",
            ),
            // Never more than the torn bytes say: one of these ended.
            Unended::OneOfTorn { of } => {
                return Phrase::new()
                    .plain(format!("{title}: "))
                    .code(command)
                    .plain(format!(
                        " was running or had just ended: the torn last line is the result of one of the {of} commands left without a result, cut off before it says which; exit code unknown"
                    ));
            }
            // The result is journaled, on a line the export cannot trust: not "none".
            Unended::PastDamage { first_left_out: n } => {
                return Phrase::new()
                    .plain(format!("{title}: the result of "))
                    .code(command)
                    .plain(format!(
                        " lies on the lines left out, from line {n} on, and is not shown"
                    ));
            }
        };
        Phrase::new()
            .plain(format!("{title}: {before}"))
            .code(command)
            .plain(after)
    }

    fn window_overridden(&self, checked: &Record, names: &dyn Names) -> Phrase {
        let Body::WindowChecked {
            local, reason, why, ..
        } = &checked.body
        else {
            return self.record(checked, names);
        };
        // The reason names the local time: said once, as the Japanese book says it.
        let shut = match (why, reason) {
            (Some(w), _) => self.shut(w),
            (None, r) => format!(
                "change window closed ({local}): {}",
                r.as_deref().unwrap_or("outside the allowed times")
            ),
        };
        Phrase::new()
            .marked(Mark::WindowClosed)
            .plain(format!("{}: ", title_or_run(checked, names)))
            .ticked(&shut)
            .plain("; continuing under the override")
    }

    fn label(&self, marker: Marker) -> &'static str {
        match marker {
            Marker::Failed => "FAILED",
            Marker::Approved => "APPROVED",
            Marker::Refused => "REFUSED",
            Marker::Rollback => "ROLLBACK",
            Marker::Override => "OVERRIDE",
            Marker::Waived => "WAIVED",
            Marker::Mismatch => "MISMATCH",
            Marker::WindowClosed => "WINDOW CLOSED",
            Marker::Interrupted => "INTERRUPTED",
            Marker::Resumed => "RESUMED",
            Marker::Completed => "COMPLETED",
            Marker::Exceptions => "COMPLETED WITH EXCEPTIONS",
            Marker::RolledBack => "ROLLED BACK",
            Marker::Aborted => "ABORTED",
        }
    }

    fn actor(&self, actor: &Actor) -> String {
        match actor.role {
            Role::Operator => actor.user.clone(),
            Role::Reviewer => format!("{} (reviewer)", actor.user),
            Role::Shisa => "shisa".into(),
        }
    }

    fn person(&self, actor: &Actor, person: &Option<Person>) -> String {
        person_words(actor, person)
    }

    /// `12 ms`, `3.4 s`, `2m5s`.
    fn duration(&self, ms: u64) -> String {
        match ms {
            0..1000 => format!("{ms} ms"),
            1000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
            _ => crate::runbook::duration::format(std::time::Duration::from_secs(ms / 1000)),
        }
    }

    fn step_passed(&self, s: &StepPassed) -> Phrase {
        let mut p = Phrase::new().marked(Mark::Done).plain(format!(
            "{}: done ({})",
            s.title,
            self.duration(s.took_ms)
        ));
        if let Some(cmd) = s.main().and_then(|m| m.command.clone()) {
            p = p.plain(" — ran ").code(cmd);
        }
        match s.checks() {
            0 => {}
            1 => p = p.plain(", its check passed"),
            n => p = p.plain(format!(", all {n} checks passed")),
        }
        let n = s.most_attempts();
        if n > 1 {
            p = p.plain(format!(" (after up to {n} attempts)"));
        }
        match &s.snapshot {
            Some(caps) if !caps.is_empty() => {
                let list: Vec<String> = caps.iter().map(|(k, v)| format!("{k}={v}")).collect();
                p.plain("; snapshot taken (")
                    .code(list.join(", "))
                    .plain(")")
            }
            Some(_) => p.plain("; snapshot taken"),
            None => p,
        }
    }

    fn wait_missed(
        &self,
        waited_ms: u64,
        polls: u32,
        miss: &str,
        last_try_ms: Option<u64>,
    ) -> String {
        let last = last_try_ms.map_or_else(String::new, |ms| format!(" ({})", self.duration(ms)));
        format!(
            "{}; on the last try{last}, {miss}",
            self.never_held(waited_ms, polls)
        )
    }

    fn wait_ran_out(&self, rec: &Record, waited_ms: u64, names: &dyn Names) -> Phrase {
        commands::ran_out(self, rec, waited_ms, names)
    }

    fn command_failure(&self, f: &CommandFailure) -> String {
        msg::command_failure(f)
    }

    fn unmet(&self, expected: &Expected, saw: &Saw) -> String {
        let (what, seen) = msg::unmet(expected, saw);
        format!("did not meet “{what}”: {seen}")
    }

    /// The journaled sentence is this phrasebook's own words for `f`, each check's reason
    /// included.
    fn step_failure(&self, _f: &StepFailure, journaled: &str) -> String {
        journaled.to_string()
    }

    fn run_end(&self, e: &RunEnd) -> String {
        msg::run_end(e)
    }

    /// The engine's sentence with "the operator" named, as the Japanese book names them:
    /// a postmortem says who aborted (issue 17).
    fn aborted(&self, at: msg::AbortedAt, operator: &str) -> String {
        match at {
            msg::AbortedAt::NoReturn => format!("{operator} stopped at the point of no return"),
            msg::AbortedAt::Approval => format!("{operator} aborted while waiting for approval"),
            msg::AbortedAt::Elsewhere => format!("{operator} aborted"),
        }
    }

    fn rolled_back_on_request(&self, operator: &str) -> String {
        format!("rolled back, as {operator} asked")
    }

    fn rolled_back_after(&self, title: &str, checks: &[u32], chose: Option<&str>) -> String {
        let what = match checks {
            [] => format!("“{title}”"),
            _ => format!("{} of “{title}”", checks_named(checks)),
        };
        match chose {
            Some(who) => format!("{what} failed; {who} chose to roll back"),
            None => format!("rolled back after {what} failed"),
        }
    }

    fn step_end(&self, e: &StepEnd) -> String {
        msg::step_end(e)
    }

    fn halt(&self, h: &Halt) -> String {
        msg::halt(h)
    }

    fn shut(&self, s: &Shut) -> String {
        msg::shut(s)
    }

    fn not_counted(&self, n: &NotCounted) -> String {
        msg::not_counted(n)
    }

    fn impact(&self, count: u64, unit: Option<&str>, at_most: u64) -> Phrase {
        let what = unit.map(|u| format!(" {u}")).unwrap_or_default();
        if count > at_most {
            Phrase::new().plain(format!(
                "this touches {count}{what}, more than the {at_most} allowed"
            ))
        } else {
            Phrase::new().plain(format!("this touches {count}{what} (at most {at_most})"))
        }
    }

    fn target_ask(&self, ask: &super::TargetAsk<'_>) -> Phrase {
        self.ask(ask)
    }

    fn reviewer_ask(&self, blind: bool) -> Phrase {
        Phrase::new().plain(if blind {
            "blind confirmation: name the target you intend, from the ticket; it is not shown to you before you name it"
        } else {
            "type the target to approve"
        })
    }

    fn attempts(&self, a: &Attempts) -> Phrase {
        let mut p = match &a.step {
            Some(t) => Phrase::new().plain(format!("{t}: ")),
            None => Phrase::new(),
        };
        if a.ran.purpose != Purpose::Main {
            p = p.plain(format!("{} ", purpose_words(a.ran.purpose)));
        }
        if let Some(c) = &a.ran.command {
            p = p.code(c).plain(" ");
        }
        let n = a.ran.attempts;
        let took = self.duration(a.took_ms);
        let miss = a.last_miss.as_deref().unwrap_or("failed");
        match (a.polls, a.ran.ok) {
            (Some(polls), false) if a.pending => {
                return p.plain(format!(
                    "had not held yet after waiting {took} ({}: {miss})",
                    crate::phrase::counted(polls, "poll", "polls")
                ));
            }
            (Some(1), true) => return p.plain("held at the first poll"),
            (Some(polls), true) => {
                return p.plain(format!(
                    "held after waiting {took} ({}; before that: {miss})",
                    crate::phrase::counted(polls, "poll", "polls")
                ));
            }
            (Some(polls), false) => {
                return p
                    .marked(Mark::Failed)
                    .plain(self.wait_missed(a.took_ms, polls, miss, None));
            }
            (None, _) => {}
        }
        if a.ran.ok {
            let before = if n == 2 { "the first" } else { "the others" };
            p.plain(format!(
                "passed on attempt {n}, {took} after the first ({before}: {miss})"
            ))
        } else {
            p.marked(Mark::Failed)
                .plain(format!("failed all {n} attempts over {took} — {miss}"))
        }
    }
}

/// Verify checks by number, as one phrase: `verify 2`, `verify 2 and 3`, `verify 1, 2 and 4`.
fn checks_named(checks: &[u32]) -> String {
    match checks {
        [] => String::new(),
        [n] => format!("verify {n}"),
        [first @ .., last] => {
            let n: Vec<String> = first.iter().map(u32::to_string).collect();
            format!("verify {} and {last}", n.join(", "))
        }
    }
}

fn tries(n: u32) -> &'static str {
    if n == 1 { "try" } else { "tries" }
}

impl English {
    /// A wait that ran out, with its one figure: the time it lasted, never its limit
    /// (`still did not hold after waiting 15.0 s (16 polls)`). The export's row and the
    /// live timeline's line for `wait_finished` both say it (issue 17).
    pub(super) fn never_held(&self, waited_ms: u64, polls: u32) -> String {
        format!(
            "still did not hold after waiting {} ({})",
            self.duration(waited_ms),
            crate::phrase::counted(polls, "poll", "polls")
        )
    }

    pub(super) fn ask(&self, a: &super::TargetAsk<'_>) -> Phrase {
        let left = a.tries_left;
        match a.resolved {
            Some(resolved) => Phrase::new()
                .plain("type the target ")
                .code(resolved)
                .plain(format!(" to confirm ({left} {} left)", tries(left))),
            None => Phrase::new().plain(format!(
                "blind confirmation — name the target you intend, from the ticket; the system's answer is shown only once they match ({left} {} left)",
                tries(left)
            )),
        }
    }
}

/// `verify 2`, `rollback 1`, `target lookup`.
/// The person behind an approval: their name, and the account that connected when it was
/// another (`alice (as root)`: `sudo shisa approve`).
fn person_words(actor: &Actor, person: &Option<Person>) -> String {
    match person {
        Some(p) if p.user != actor.user => format!("{} (as {})", p.user, actor.user),
        Some(p) => p.user.clone(),
        None => actor.user.clone(),
    }
}

fn purpose_words(p: Purpose) -> String {
    match p {
        Purpose::Main => "command".into(),
        Purpose::Describe => "target lookup".into(),
        Purpose::Impact => "impact count".into(),
        Purpose::Verify(n) => format!("verify {n}"),
        Purpose::Rollback(n) => format!("rollback {n}"),
    }
}

/// A command run again: a wait's poll is a poll, never an attempt (a poll that does not
/// hold is not a failure to retry; cold read).
fn again(attempt: u32, poll: bool) -> String {
    match (attempt > 1, poll) {
        (false, _) => String::new(),
        (true, true) => format!(" (poll {attempt})"),
        (true, false) => format!(" (attempt {attempt})"),
    }
}

fn title_or_run(rec: &Record, names: &dyn Names) -> String {
    step_title(rec, names).unwrap_or_else(|| "the run".into())
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

/// What a command left running when it exited, said after its result: never silent.
fn left_behind(b: &crate::journal::record::Background) -> String {
    let list = |ps: &[crate::journal::record::BackgroundProcess]| {
        ps.iter()
            .map(|p| format!("{} (pid {})", p.name, p.pid))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::new();
    if !b.killed.is_empty() {
        out.push_str(&format!(
            "; killed what it left running: {}",
            list(&b.killed)
        ));
    }
    if b.output_held_open {
        let who = if b.held_by.is_empty() {
            "a process shisa cannot see".to_string()
        } else {
            list(&b.held_by)
        };
        out.push_str(&format!(
            "; its output was still held open by {who}, which was left running (output after that is not in the log)"
        ));
    }
    out
}
