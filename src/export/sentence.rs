//! One plain-language sentence per journal record (commands aside, see `phrase.rs`), with
//! its bold phase marker. Kinds not phrased here fall back to the shared wording in
//! `crate::timeline`.

use super::build::Ctx;
use super::model::Marker;
use super::text::Text;
use crate::journal::record::{Body, Choice, Outcome, Record, StepStatus};

/// The sentence for any record but a command's, or None for records not worth a row.
pub fn sentence(ctx: &Ctx, rec: &Record) -> Option<(Option<Marker>, Text)> {
    let who = &rec.actor.user;
    let t = || Text::new().plain(format!("{}: ", ctx.title(rec)));
    let none = |text: Text| Some((None, text));
    let mark = |m: Marker, text: Text| Some((Some(m), text));
    match &rec.body {
        Body::RunStarted {
            run_id,
            runbook,
            mode,
            ..
        } => none(
            Text::new()
                .plain(format!("{who} started run "))
                .code(run_id)
                .plain(format!(
                    " of “{}” on {} ({mode} mode)",
                    runbook.name, rec.actor.host
                )),
        ),
        Body::WindowChecked {
            inside: true,
            local,
            ..
        } => none(Text::new().plain(format!("change window open ({local})"))),
        Body::WindowChecked { local, reason, .. } => mark(
            Marker::WindowClosed,
            Text::new().plain(format!(
                "change window closed ({local}): {}",
                reason.as_deref().unwrap_or("outside the allowed times")
            )),
        ),
        Body::Override { what, reason } => {
            let text = match what.as_str() {
                "clock" => format!("the clock was faked for this run: {reason}"),
                "window" => format!("{who} started outside the change window: “{reason}”"),
                "precheck" => format!("{who} overrode the failed precheck: “{reason}”"),
                other => format!("{who} overrode the {other}: “{reason}”"),
            };
            let text = if rec.step.is_some() {
                t().plain(text)
            } else {
                Text::new().plain(text)
            };
            mark(Marker::Override, text)
        }
        Body::Waiver { guard, reason } => mark(
            Marker::Waived,
            t().plain(format!("the runbook waives the {guard} guard: “{reason}”")),
        ),
        Body::StepStarted {
            step_kind,
            mutating,
            ..
        } => {
            let m = if *mutating { ", changes something" } else { "" };
            none(t().plain(format!("started ({step_kind}{m})")))
        }
        Body::ExpectFailed { .. } => None,
        Body::TargetResolved { resolved } => {
            none(t().plain("the target resolves to ").code(resolved))
        }
        Body::TargetDenied {
            resolved,
            rule,
            pattern,
        } => mark(
            Marker::Refused,
            t().plain("target ")
                .code(resolved)
                .plain(format!(" refused by the {rule} rule "))
                .code(pattern),
        ),
        Body::TargetConfirmed { typed, .. } => none(
            t().plain(format!("{who} typed "))
                .code(typed)
                .plain(", matching the resolved target"),
        ),
        Body::TargetMismatch {
            resolved,
            typed,
            misses,
        } => mark(
            Marker::Mismatch,
            t().plain(format!("{who} typed "))
                .code(typed)
                .plain(", which is not ")
                .code(resolved)
                .plain(format!(" (miss {misses} of 3); nothing ran")),
        ),
        Body::SnapshotRecorded { captures, .. } => {
            let list: Vec<String> = captures.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let text = t().plain("snapshot taken");
            none(if list.is_empty() {
                text
            } else {
                text.plain(" (").code(list.join(", ")).plain(")")
            })
        }
        Body::ApprovalRequested { expected, .. } => none(
            t().plain("waiting for a second person to approve (they must type ")
                .code(expected)
                .plain(")"),
        ),
        Body::ApprovalGranted {
            typed,
            self_approved,
        } => {
            let how = if *self_approved {
                format!("{who} approved their own step (the runbook allows it), typing ")
            } else {
                format!("{who} approved, independently typing ")
            };
            mark(Marker::Approved, t().plain(how).code(typed))
        }
        Body::ApprovalRefused { reason, .. } => mark(
            Marker::Refused,
            t().plain(format!("approval by {who} refused: {reason}")),
        ),
        Body::ManualDone { note } => none(match note {
            Some(n) => t().plain(format!("{who} marked the manual step done: “{n}”")),
            None => t().plain(format!("{who} marked the manual step done")),
        }),
        Body::OperatorNote { text } => {
            none(Text::new().plain(format!("note from {}: “{text}”", crate::timeline::actor(rec))))
        }
        Body::StepFailed { reason, .. } => {
            // The failed command's row already says it; a gate's refusal needs a row.
            if ctx.follows_failed_command(rec) {
                None
            } else {
                mark(Marker::Failed, t().plain(format!("step failed: {reason}")))
            }
        }
        Body::OperatorChoice { choice, .. } => match choice {
            Choice::Override(_) => None, // the override record follows
            Choice::Rollback => none(t().plain(format!("{who} chose to roll back"))),
            Choice::Retry => none(t().plain(format!("{who} chose to retry"))),
            Choice::Abort(Some(r)) => none(t().plain(format!("{who} chose to abort: “{r}”"))),
            Choice::Abort(None) => none(t().plain(format!("{who} chose to abort"))),
            Choice::Continue => none(t().plain(format!("{who} chose to continue past the failure"))),
            Choice::Rerun => none(t().plain(format!("{who} chose to run the in-doubt step again"))),
            Choice::Done(r) => mark(
                Marker::Override,
                t().plain(format!("{who} declared the in-doubt step done without rerunning it: “{r}”")),
            ),
        },
        Body::StepFinished { status, reason } => {
            let why = reason.as_ref().map(|r| format!(" — {r}")).unwrap_or_default();
            match status {
                StepStatus::Ok => none(t().plain(format!("done{why}"))),
                StepStatus::Failed => mark(Marker::Failed, t().plain(format!("step failed{why}"))),
                StepStatus::Skipped => none(t().plain(format!("skipped{why}"))),
                StepStatus::RolledBack => {
                    mark(Marker::Rollback, t().plain(format!("rolled back{why}")))
                }
                StepStatus::Continued => mark(
                    Marker::Failed,
                    t().plain(format!("step failed; the run went on past it{why}")),
                ),
                StepStatus::Overridden => mark(
                    Marker::Override,
                    t().plain(format!("precheck failed and was overridden{why}")),
                ),
                StepStatus::Unproven => mark(
                    Marker::Override,
                    t().plain(format!("accepted as done, not proven by any check{why}")),
                ),
            }
        }
        Body::RollbackStarted {
            plan,
            without_rollback,
        } => {
            let names: Vec<String> = plan.iter().map(|id| ctx.title_of(id)).collect();
            let mut s = if names.is_empty() {
                "rollback started: nothing to undo".to_string()
            } else {
                format!("rollback started: undoing {}", names.join(", then "))
            };
            if !without_rollback.is_empty() {
                let none: Vec<String> = without_rollback.iter().map(|id| ctx.title_of(id)).collect();
                s.push_str(&format!(" (no rollback defined for {})", none.join(", ")));
            }
            mark(Marker::Rollback, Text::new().plain(s))
        }
        Body::RollbackFinished { ok: true } => {
            mark(Marker::Rollback, Text::new().plain("rollback finished; every step undone"))
        }
        Body::RollbackFinished { ok: false } => mark(
            Marker::Failed,
            Text::new().plain("rollback finished INCOMPLETE: a rollback command failed and was skipped"),
        ),
        Body::WatcherJoined { watcher } => none(Text::new().plain(format!("{watcher} started watching"))),
        Body::WatcherLeft { watcher } => none(Text::new().plain(format!("{watcher} stopped watching"))),
        Body::ClientRefused { who, reason } => mark(
            Marker::Refused,
            Text::new().plain(format!("shared session refused {who}: {reason}")),
        ),
        Body::StopRequested {
            purpose,
            attempt,
            reason,
        } => mark(
            Marker::Interrupted,
            Text::new().plain(format!("stopping {purpose} (attempt {attempt}): {reason}")),
        ),
        Body::RunInterrupted { reason } => mark(
            Marker::Interrupted,
            Text::new().plain(format!("run interrupted: {reason}")),
        ),
        Body::RunResumed { in_doubt } => mark(
            Marker::Resumed,
            match in_doubt {
                Some(id) => Text::new().plain(format!(
                    "{who} resumed the run; “{}” was in doubt",
                    ctx.title_of(id)
                )),
                None => Text::new().plain(format!("{who} resumed the run")),
            },
        ),
        Body::JournalRecovered { moved_to, bytes } => none(
            Text::new()
                .plain(format!("the torn last line of the journal ({bytes} bytes, a crash mid-write) was moved to "))
                .code(moved_to),
        ),
        Body::RunFinished {
            outcome,
            exit_code,
            reason,
        } => {
            let why = reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default();
            let marker = match outcome {
                Outcome::Completed => Marker::Completed,
                Outcome::CompletedWithExceptions => Marker::Exceptions,
                Outcome::RolledBack => Marker::RolledBack,
                Outcome::Aborted => Marker::Aborted,
                Outcome::Refused => Marker::Refused,
                Outcome::Failed => Marker::Failed,
            };
            mark(
                marker,
                Text::new().plain(format!("run finished (exit {exit_code}){why}")),
            )
        }
        Body::CommandStarted { .. } | Body::CommandFinished { .. } => {
            crate::timeline::describe(rec, ctx.src.engine.as_ref())
                .map(|s| (None, Text::new().plain(s)))
        }
    }
}
