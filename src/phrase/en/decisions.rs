//! English: what people decided: approvals, manual steps, notes, the questions a
//! step asked and how it ended.

use super::*;

pub(super) fn say(book: &English, rec: &Record, names: &dyn Names) -> Phrase {
    let who = &rec.actor.user;
    // The sentence starts with the step it is about, if any.
    let step = || match step_title(rec, names) {
        Some(t) => Phrase::new().plain(format!("{t}: ")),
        None => Phrase::new(),
    };
    let why = |r: &Option<String>| r.as_ref().map(|r| format!(" — {r}")).unwrap_or_default();
    match &rec.body {
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
        Body::ApprovalRefused {
            reason, person, why, ..
        } => {
            let reason =
                said(why.as_ref(), Some(reason), |w| book.not_counted(w)).unwrap_or_default();
            let who = person_words(&rec.actor, person);
            step()
                .marked(Mark::Refused)
                .plain(format!("approval by {who} refused: "))
                .ticked(&reason)
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
            book.actor(&rec.actor)
        )),
        Body::StepFailed {
            prompt: Prompt::Window,
            reason,
            why,
        } => {
            let reason = said(why.as_ref(), Some(reason), |w| book.step_failure(w, reason))
                .unwrap_or_default();
            step()
                .marked(Mark::WindowClosed)
                .plain("stopped before the change: ")
                .ticked(&reason)
        }
        // A step that failed on its commands: each one's own line, just above, said why,
        // so this one names what failed and not the reasons again (issue 17). A wait that
        // ran out reads as any other failed command does.
        Body::StepFailed {
            why: Some(StepFailure::Command { purpose, failure }),
            ..
        } => {
            let what = commands::checked(*purpose);
            let how = match failure {
                CommandFailure::Deadline { .. } => "did not hold within its wait",
                _ => "failed",
            };
            step()
                .marked(Mark::Failed)
                .plain(format!("step failed: {what} {how}"))
        }
        Body::StepFailed {
            why: Some(StepFailure::Checks { failed, of }),
            ..
        } => {
            let of = match of {
                1 => String::new(),
                n => format!(" ({} of {n} checks)", failed.len()),
            };
            step()
                .marked(Mark::Failed)
                .plain(format!("step failed: {} failed{of}", checks_named(failed)))
        }
        // The journaled sentence is this phrasebook's own words for `why`.
        Body::StepFailed { reason, .. } => step()
            .marked(Mark::Failed)
            .plain("step failed: ")
            .ticked(reason),
        Body::OperatorChoice {
            prompt: Prompt::LostCapture,
            choice: Choice::Rerun,
        } => step().plain(format!(
            "{who} chose to run the step that captured the lost value again"
        )),
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
        Body::StepFinished {
            status,
            reason,
            why: end,
        } => {
            let reason = said(end.as_ref(), reason.as_deref(), |w| book.step_end(w));
            let why = why(&reason);
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
            step().marked(mark).plain(words).ticked(&why)
        }
        // The others are said by the other files of this phrasebook (`mod.rs` sends each
        // record to its file).
        _ => Phrase::new(),
    }
}
