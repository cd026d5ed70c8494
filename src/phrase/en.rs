//! English: the words shisa speaks by default. Steps are named by title, people by account;
//! what a person wrote (a note, a reason) is quoted as written.

use super::{
    Attempts, Mark, Marker, Names, Phrase, Phrasebook, StepPassed, command_line, said, step_title,
    title,
};
use crate::engine::messages as msg;
use crate::journal::record::OverrideKind;
use crate::journal::record::{
    Actor, Body, Choice, CommandFailure, Expected, Outcome, Person, Prompt, Purpose, Record, Role,
    RunEnd, Saw, StepFailure, StepStatus,
};

pub struct English;

impl Phrasebook for English {
    fn record(&self, rec: &Record, names: &dyn Names) -> Phrase {
        let who = &rec.actor.user;
        // The sentence starts with the step it is about, if any.
        let step = || match step_title(rec, names) {
            Some(t) => Phrase::new().plain(format!("{t}: ")),
            None => Phrase::new(),
        };
        let why = |r: &Option<String>| r.as_ref().map(|r| format!(" — {r}")).unwrap_or_default();
        match &rec.body {
            Body::RunStarted {
                run_id,
                runbook,
                mode,
                env,
                rehearsal,
                ..
            } => {
                let p = Phrase::new()
                    .plain(format!("{who} started run "))
                    .code(run_id)
                    .plain(format!(
                        " of “{}” on {} ({mode} mode; runbook sha256 ",
                        runbook.name, rec.actor.host
                    ))
                    .code(short(&runbook.sha256))
                    .plain(")");
                let p = match env {
                    Some(env) => p.plain(format!(" in {env}")),
                    None => p,
                };
                match rehearsal {
                    Some(r) => p
                        .plain(format!(", on the evidence of {} run ", r.env))
                        .code(&r.run_id)
                        .plain(format!(" (completed {}; journal verified, chain head ", r.finished))
                        .code(short(&r.chain_head))
                        .plain(")"),
                    None => p,
                }
            }
            Body::WindowChecked {
                inside: true,
                local,
                ..
            } => Phrase::new().plain(format!("change window open ({local})")),
            Body::WindowChecked { local, reason, .. } => Phrase::new()
                .marked(Mark::WindowClosed)
                .plain(format!(
                    "change window closed ({local}): {}",
                    reason.as_deref().unwrap_or("outside the allowed times")
                )),
            Body::Override { what, reason } => {
                let text = match what {
                    OverrideKind::Clock => format!("the clock was faked for this run: {reason}"),
                    OverrideKind::Window => {
                        format!("{who} started outside the change window: “{reason}”")
                    }
                    OverrideKind::Precheck => {
                        format!("{who} overrode the failed precheck: “{reason}”")
                    }
                };
                step().marked(Mark::Override).plain(text)
            }
            Body::Waiver { guard, reason } => step()
                .marked(Mark::Waived)
                .plain(format!("the runbook waives the {guard} guard: “{reason}”")),
            Body::StepStarted {
                step_kind,
                mutating,
                ..
            } => {
                let m = if *mutating { ", changes something" } else { "" };
                step()
                    .marked(Mark::Started)
                    .plain(format!("started ({step_kind}{m})"))
            }
            Body::CommandStarted {
                purpose,
                attempt,
                command,
                ..
            } => {
                let lead = match purpose {
                    Purpose::Main => String::new(),
                    p => format!("{} ", purpose_words(*p)),
                };
                step()
                    .plain(lead)
                    .code(command_line(command))
                    .plain(format!(" is running{}", again(*attempt)))
            }
            Body::CommandFinished {
                purpose,
                attempt,
                exit,
                signal,
                timed_out,
                duration_ms,
                ok,
                failure,
                background,
                not_yet,
                why,
                ..
            } => {
                let left = left_behind(background);
                let say = |text: &Option<String>| {
                    said(why.as_ref(), text.as_deref(), |w| self.command_failure(w))
                };
                if let Some(why) = not_yet.as_ref().and(say(not_yet)) {
                    let what = purpose_words(*purpose);
                    return step().plain(format!(
                        "{what}: not yet — {why} (poll {attempt}, {})",
                        self.duration(*duration_ms)
                    ));
                }
                let what = purpose_words(*purpose);
                let took = self.duration(*duration_ms);
                let command = names.command_of(rec);
                // "verify 1 passed: `cmd` → exit 0", or without the command "verify 1 passed → exit 0".
                let with = |p: Phrase, lead: &str, bare: &str| match &command {
                    Some(c) => p.plain(format!("{lead}: ")).code(c),
                    None => p.plain(bare.to_string()),
                };
                if *ok {
                    let result = match exit {
                        Some(code) => format!(" → exit {code} ({took})"),
                        None => format!(" ({took})"),
                    };
                    let p = match purpose {
                        Purpose::Main => match &command {
                            Some(c) => step().plain("ran ").code(c),
                            None => step().plain("the command ran"),
                        },
                        Purpose::Verify(_) => {
                            with(step(), &format!("{what} passed"), &format!("{what} passed"))
                        }
                        _ => with(step(), &what, &format!("{what} ran")),
                    };
                    p.plain(result + &again(*attempt) + &left)
                } else {
                    let why = say(failure).unwrap_or_else(|| match (exit, signal) {
                        _ if *timed_out => "timed out".into(),
                        (_, Some(s)) => format!("killed by signal {s}"),
                        (Some(c), _) => format!("exit {c}"),
                        (None, None) => "failed".into(),
                    });
                    let lead = format!("{what} failed");
                    with(step().marked(Mark::Failed), &lead, &lead).plain(format!(
                        " — {why} (after {took}){}{left}",
                        again(*attempt)
                    ))
                }
            }
            Body::ExpectFailed {
                purpose,
                expectation,
                detail,
                expected,
                saw,
                ..
            } => {
                let clause = match (expected, saw) {
                    (Some(e), Some(s)) => self.unmet(e, s),
                    _ => format!("did not meet “{expectation}”: {detail}"),
                };
                step().plain(format!("{} {clause}", purpose_words(*purpose)))
            }
            Body::TargetResolved { blind: true, .. } => step().plain(
                "the target is resolved; blind confirmation: it is shown once the operator names the target they intend",
            ),
            Body::TargetResolved { resolved, .. } => {
                step().plain("the target resolves to ").code(resolved)
            }
            Body::TargetImpact {
                count,
                unit,
                at_most,
                listed,
            } => {
                let p = step().plain(self.impact(*count, unit.as_deref(), *at_most).text());
                let p = if count > at_most {
                    p.marked(Mark::Refused)
                } else {
                    p
                };
                match listed.len() {
                    0 => p,
                    _ => p.plain(": ").code(listed.join("; ")),
                }
            }
            Body::TargetDenied {
                resolved,
                rule,
                pattern,
            } => step()
                .marked(Mark::Refused)
                .plain("target ")
                .code(resolved)
                .plain(format!(" refused by the {rule} rule "))
                .code(pattern),
            Body::TargetConfirmed {
                resolved,
                reused_from: Some(earlier),
                ..
            } => step()
                .plain("target ")
                .code(resolved)
                .plain(" already confirmed at ")
                .code(title(earlier, names))
                .plain(" in this loop pass; not asked again"),
            // The value is not said: a reviewer who must name it blind may read this line.
            Body::TargetConfirmed { blind: true, .. } => step().plain(format!(
                "{who} named the intended target blind, and it is the one the system resolved"
            )),
            Body::TargetConfirmed { typed, .. } => step()
                .plain(format!("{who} typed "))
                .code(typed)
                .plain(", matching the resolved target"),
            Body::WaitStarted {
                purpose: Purpose::Main,
                every_ms: None,
                deadline_ms,
                ..
            } => step().plain(format!(
                "waiting {} before the manual step can be marked done",
                self.duration(*deadline_ms)
            )),
            Body::WaitStarted {
                purpose,
                every_ms,
                deadline_ms,
                ..
            } => step().plain(format!(
                "polling {} every {} until it holds, for at most {}",
                purpose_words(*purpose),
                self.duration(every_ms.unwrap_or(0)),
                self.duration(*deadline_ms)
            )),
            Body::WaitFinished {
                polls: 0,
                waited_ms,
                ..
            } => step().plain(format!(
                "waited {}; the step may be marked done",
                self.duration(*waited_ms)
            )),
            Body::WaitFinished {
                purpose,
                polls,
                waited_ms,
                met: true,
            } => step().plain(format!(
                "{} held after {} ({})",
                purpose_words(*purpose),
                self.duration(*waited_ms),
                super::counted(*polls, "poll", "polls")
            )),
            Body::WaitFinished {
                purpose,
                polls,
                waited_ms,
                met: false,
            } => step().marked(Mark::Failed).plain(format!(
                "{} still did not hold after {} ({})",
                purpose_words(*purpose),
                self.duration(*waited_ms),
                super::counted(*polls, "poll", "polls")
            )),
            Body::NoReturnConfirmed { reason, typed } => step()
                .marked(Mark::Override)
                .plain(format!("{who} passed the point of no return, typing "))
                .code(typed)
                .plain(format!(" — {reason}")),
            // A reviewer's miss is theirs alone: it does not count against the operator's
            // three tries, and the approval still waits.
            // Blind: what was named is said, what the system resolved is not (it would
            // give the answer away to the next try).
            Body::TargetMismatch {
                typed,
                misses,
                blind: true,
                ..
            } => {
                let after = if rec.actor.role == Role::Reviewer {
                    "; nothing was approved".to_string()
                } else {
                    format!(" (miss {misses} of 3); nothing ran")
                };
                step()
                    .marked(Mark::Mismatch)
                    .plain(format!("{who} named "))
                    .code(typed)
                    .plain(format!(
                        " blind, which is not the target the system resolved{after}"
                    ))
            }
            Body::TargetMismatch {
                resolved, typed, ..
            } if rec.actor.role == Role::Reviewer => step()
                .marked(Mark::Mismatch)
                .plain(format!("{who} typed "))
                .code(typed)
                .plain(", which is not ")
                .code(resolved)
                .plain("; nothing was approved"),
            Body::TargetMismatch {
                resolved,
                typed,
                misses,
                ..
            } => step()
                .marked(Mark::Mismatch)
                .plain(format!("{who} typed "))
                .code(typed)
                .plain(", which is not ")
                .code(resolved)
                .plain(format!(" (miss {misses} of 3); nothing ran")),
            Body::SnapshotRecorded { captures, .. } => {
                let list: Vec<String> = captures.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let p = step().plain("snapshot taken");
                if list.is_empty() {
                    p
                } else {
                    p.plain(" (").code(list.join(", ")).plain(")")
                }
            }
            Body::ApprovalRequested { blind: true, .. } => step().plain(
                "waiting for a second person to approve (blind: they name the target they intend before it is shown to them)",
            ),
            Body::ApprovalRequested {
                expected,
                reviewers: None,
                group: None,
                allow_self: true,
                ..
            } => step()
                .plain("waiting for approval: the operator may approve it (the runbook allows it), or a second person, typing ")
                .code(expected),
            Body::ApprovalRequested {
                expected,
                reviewers: None,
                group: None,
                ..
            } => step()
                .plain("waiting for a second person to approve (they must type ")
                .code(expected)
                .plain(")"),
            Body::ApprovalRequested {
                expected,
                reviewers,
                group,
                ..
            } => {
                let n = reviewers.unwrap_or(1);
                let people = if n == 1 {
                    "1 person".to_string()
                } else {
                    format!("{n} distinct people")
                };
                let of = group
                    .as_ref()
                    .map(|g| format!(" of group {g}"))
                    .unwrap_or_default();
                step()
                    .plain(format!("waiting for {people}{of} to approve (each must type "))
                    .code(expected)
                    .plain(")")
            }
            Body::ApprovalGranted {
                typed,
                self_approved,
                person,
                count: Some(count),
                needed: Some(needed),
                group,
            } => {
                let who = person_words(&rec.actor, person);
                let group = group.as_ref().map(|g| format!(" ({g})")).unwrap_or_default();
                let how = if *self_approved {
                    ", the operator (the runbook allows it), typing "
                } else {
                    ", independently typing "
                };
                step()
                    .marked(Mark::Approved)
                    .plain(format!("{count} of {needed} approvals: {who}{group}{how}"))
                    .code(typed)
            }
            Body::ApprovalGranted {
                typed,
                self_approved,
                person,
                ..
            } => {
                let who = person_words(&rec.actor, person);
                let how = if *self_approved {
                    format!("{who} approved their own step (the runbook allows it), typing ")
                } else {
                    format!("{who} approved, independently typing ")
                };
                step().marked(Mark::Approved).plain(how).code(typed)
            }
            Body::ApprovalRejected { reason, person } => {
                let who = person_words(&rec.actor, person);
                step()
                    .marked(Mark::Refused)
                    .plain(format!("{who} rejected the approval: “{reason}”"))
            }
            Body::ApprovalRefused { reason, person, .. } => {
                let who = person_words(&rec.actor, person);
                step()
                    .marked(Mark::Refused)
                    .plain(format!("approval by {who} refused: {reason}"))
            }
            Body::ManualDone {
                note,
                choice,
                undo,
            } => {
                let what = match (undo, choice) {
                    (Some(n), _) => format!("{who} carried out manual rollback {n}"),
                    (None, Some(c)) => format!("{who} answered “{c}”"),
                    (None, None) => format!("{who} marked the manual step done"),
                };
                match note {
                    Some(n) => step().plain(format!("{what}: “{n}”")),
                    None => step().plain(what),
                }
            }
            Body::OperatorNote { text } => Phrase::new().plain(format!(
                "note from {}: “{text}”",
                self.actor(&rec.actor)
            )),
            Body::StepFailed {
                prompt: Prompt::Window,
                reason,
                ..
            } => step()
                .marked(Mark::WindowClosed)
                .plain(format!("stopped before the change: {reason}")),
            // The journaled sentence is this phrasebook's own words for `why`.
            Body::StepFailed { reason, .. } => step()
                .marked(Mark::Failed)
                .plain(format!("step failed: {reason}")),
            Body::OperatorChoice { choice, .. } => {
                let p = step();
                match choice {
                    Choice::Rollback => p.plain(format!("{who} chose to roll back")),
                    Choice::RollbackItem => {
                        p.plain(format!("{who} chose to roll back this loop pass only"))
                    }
                    Choice::Retry => p.plain(format!("{who} chose to retry")),
                    Choice::Abort(Some(r)) => p.plain(format!("{who} chose to abort: “{r}”")),
                    Choice::Abort(None) => p.plain(format!("{who} chose to abort")),
                    Choice::Continue => p.plain(format!("{who} chose to continue past the failure")),
                    Choice::Rerun => p.plain(format!("{who} chose to run the in-doubt step again")),
                    Choice::Override(r) => p
                        .marked(Mark::Override)
                        .plain(format!("{who} chose to override: “{r}”")),
                    Choice::Done(r) => p.marked(Mark::Override).plain(format!(
                        "{who} declared the in-doubt step done without rerunning it: “{r}”"
                    )),
                }
            }
            Body::StepFinished { status, reason } => {
                let why = why(reason);
                let (mark, words) = match status {
                    StepStatus::Ok => (Mark::Done, "done"),
                    StepStatus::Failed => (Mark::Failed, "step failed"),
                    StepStatus::Skipped => (Mark::Skipped, "skipped"),
                    StepStatus::RolledBack => (Mark::StepRolledBack, "rolled back"),
                    StepStatus::Continued => (
                        Mark::Continued,
                        "step failed; the run continued past it, unproven",
                    ),
                    StepStatus::Overridden => {
                        (Mark::Override, "precheck failed and was overridden")
                    }
                    StepStatus::Unproven => (
                        Mark::Unproven,
                        "accepted as done but unproven: no check confirmed it",
                    ),
                };
                step().marked(mark).plain(format!("{words}{why}"))
            }
            Body::RollbackStarted {
                plan,
                without_rollback,
                kept,
            } => {
                let titles = |ids: &[String]| -> Vec<String> {
                    ids.iter().map(|id| title(id, names)).collect()
                };
                let mut s = if plan.is_empty() {
                    "rollback started: nothing to undo".to_string()
                } else {
                    format!("rollback started: undoing {}", titles(plan).join(", then "))
                };
                if !without_rollback.is_empty() {
                    let none = titles(without_rollback).join(", ");
                    s.push_str(&format!(" (no rollback defined for {none})"));
                }
                if !kept.is_empty() {
                    let stay = titles(kept).join(", ");
                    s.push_str(&format!("; left in place: {stay}"));
                }
                Phrase::new().marked(Mark::Rollback).plain(s)
            }
            Body::RollbackRequested { reason } => Phrase::new()
                .marked(Mark::Rollback)
                .plain(format!(
                    "{who} asked to roll back the changes left in place: “{reason}”"
                )),
            Body::RollbackFinished { ok: true } => Phrase::new()
                .marked(Mark::Rollback)
                .plain("rollback finished; every step undone"),
            Body::RollbackFinished { ok: false } => Phrase::new().marked(Mark::Failed).plain(
                "rollback finished INCOMPLETE: a rollback command failed and was skipped",
            ),
            Body::WatcherJoined { watcher } => {
                Phrase::new().plain(format!("{watcher} started watching"))
            }
            Body::WatcherLeft { watcher } => {
                Phrase::new().plain(format!("{watcher} stopped watching"))
            }
            Body::ClientRefused { who, reason } => Phrase::new()
                .marked(Mark::Refused)
                .plain(format!("shared session refused {who}: {reason}")),
            Body::StopRequested {
                purpose,
                attempt,
                reason,
            } => {
                let what = match purpose {
                    Purpose::Main => "the command".to_string(),
                    p => purpose_words(*p),
                };
                step().marked(Mark::Interrupted).plain(format!(
                    "stopping {what}{}: {reason}",
                    again(*attempt)
                ))
            }
            Body::RunInterrupted { reason } => Phrase::new()
                .marked(Mark::Interrupted)
                .plain(format!("run interrupted: {reason}")),
            Body::RunResumed { in_doubt } => {
                let p = Phrase::new().marked(Mark::Resumed);
                match in_doubt {
                    Some(id) => p.plain(format!(
                        "{who} resumed the run; “{}” was in doubt",
                        title(id, names)
                    )),
                    None => p.plain(format!("{who} resumed the run")),
                }
            }
            Body::JournalRecovered { moved_to, bytes } => Phrase::new()
                .plain(format!(
                    "the torn last line of the journal ({bytes} bytes, a crash mid-write) was moved to "
                ))
                .code(moved_to),
            Body::RunbookChanged {
                to_sha256,
                reason,
                changed,
                added,
                removed,
                ..
            } => {
                let list = |what: &str, ids: &[String]| match ids {
                    [] => String::new(),
                    ids => format!("; {what}: {}", ids.join(", ")),
                };
                Phrase::new()
                    .marked(Mark::Resumed)
                    .plain(format!("{who} goes on with an edited runbook (sha256 "))
                    .code(&to_sha256[..to_sha256.len().min(12)])
                    .plain(format!(
                        "), every finished step unchanged{}{}{} — “{reason}”",
                        list("changed", changed),
                        list("added", added),
                        list("removed", removed)
                    ))
            }
            Body::RunFinished {
                outcome,
                exit_code,
                reason,
                why,
            } => {
                let mark = match outcome {
                    Outcome::Completed => Mark::Completed,
                    Outcome::CompletedWithExceptions => Mark::Exceptions,
                    Outcome::RolledBack => Mark::RolledBack,
                    Outcome::Aborted => Mark::Aborted,
                    Outcome::Refused => Mark::Refused,
                    Outcome::Failed => Mark::Failed,
                };
                let why = said(why.as_ref(), reason.as_deref(), |w| self.run_end(w))
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                Phrase::new()
                    .marked(mark)
                    .plain(format!("run finished (exit {exit_code}){why}"))
            }
        }
    }

    fn never_finished(&self, started: &Record, names: &dyn Names) -> Phrase {
        let command = match &started.body {
            Body::CommandStarted { command, .. } => command_line(command),
            _ => String::new(),
        };
        Phrase::new()
            .plain(format!("{}: ", title_or_run(started, names)))
            .code(command)
            .plain(" was running when the journal stops: no result was recorded")
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
                    super::counted(polls, "poll", "polls")
                ));
            }
            (Some(1), true) => return p.plain("held at the first poll"),
            (Some(polls), true) => {
                return p.plain(format!(
                    "held after waiting {took} ({}; before that: {miss})",
                    super::counted(polls, "poll", "polls")
                ));
            }
            (Some(polls), false) => {
                return p.marked(Mark::Failed).plain(format!(
                    "still did not hold after waiting {took} ({}) — {miss}",
                    super::counted(polls, "poll", "polls")
                ));
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

fn tries(n: u32) -> &'static str {
    if n == 1 { "try" } else { "tries" }
}

impl English {
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

fn again(attempt: u32) -> String {
    if attempt > 1 {
        format!(" (attempt {attempt})")
    } else {
        String::new()
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
