//! One plain-language line per journal record, naming steps by their titles. Headless mode,
//! `watch --headless`, the TUI's timeline strip and the exports all speak this way.

use crate::engine::Engine;
use crate::journal::record::{Body, Choice, Record, Role, StepStatus};
use crate::runbook::duration;

/// The step's title if the record names a step (falls back to the id).
pub fn step_title(rec: &Record, engine: Option<&Engine>) -> String {
    let Some(id) = &rec.step else {
        return String::new();
    };
    engine
        .and_then(|e| e.step_index(id).map(|i| (e, i)))
        .map(|(e, i)| e.rb.steps[i].title.render(&e.shown_vars()))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| id.clone())
}

/// Who did it, as shown in a timeline: the account name, marked if a reviewer.
pub fn actor(rec: &Record) -> String {
    match rec.actor.role {
        Role::Operator => rec.actor.user.clone(),
        Role::Reviewer => format!("{} (reviewer)", rec.actor.user),
        Role::Shisa => "shisa".into(),
    }
}

/// The sentence for a record, or None for records not worth a line of their own.
pub fn describe(rec: &Record, engine: Option<&Engine>) -> Option<String> {
    let t = step_title(rec, engine);
    let who = &rec.actor.user;
    Some(match &rec.body {
        Body::RunStarted {
            run_id,
            runbook,
            mode,
            ..
        } => {
            format!(
                "run {run_id} started by {who}@{}: {} ({mode}; runbook sha256 {})",
                rec.actor.host,
                runbook.name,
                short(&runbook.sha256)
            )
        }
        Body::WindowChecked {
            inside: true,
            local,
            ..
        } => format!("change window open ({local})"),
        Body::WindowChecked { reason, .. } => {
            format!("change window CLOSED: {}", reason.as_deref().unwrap_or(""))
        }
        Body::Override { what, reason } => format!("OVERRIDE of the {what} by {who}: {reason}"),
        Body::Waiver { guard, reason } => format!("{t}: {guard} waived by the runbook: {reason}"),
        Body::StepStarted {
            step_kind,
            mutating,
            ..
        } => {
            let m = if *mutating { ", changes something" } else { "" };
            format!("▶ {t} ({step_kind}{m})")
        }
        Body::CommandStarted {
            purpose,
            attempt,
            command,
            ..
        } => {
            let again = if *attempt > 1 {
                format!(" (attempt {attempt})")
            } else {
                String::new()
            };
            format!("{t}: {purpose}{again} $ {}", first_line(command))
        }
        Body::CommandFinished {
            purpose,
            ok: true,
            exit,
            duration_ms,
            bytes,
            ..
        } => {
            format!(
                "{t}: {purpose} ok (exit {}, {}, {bytes} bytes)",
                exit.unwrap_or(0),
                ms(*duration_ms)
            )
        }
        Body::CommandFinished {
            purpose,
            failure,
            duration_ms,
            ..
        } => {
            format!(
                "{t}: {purpose} FAILED after {}: {}",
                ms(*duration_ms),
                failure.as_deref().unwrap_or("failed")
            )
        }
        Body::ExpectFailed { .. } => return None,
        Body::TargetResolved { resolved } => format!("{t}: the target resolves to `{resolved}`"),
        Body::TargetDenied {
            resolved,
            rule,
            pattern,
        } => {
            format!("{t}: target `{resolved}` REFUSED by {rule} '{pattern}'")
        }
        Body::TargetConfirmed { typed, .. } => {
            format!("{t}: {who} typed `{typed}`, matching the resolved target")
        }
        Body::TargetMismatch {
            resolved,
            typed,
            misses,
        } => {
            format!("{t}: {who} typed `{typed}`, which is not `{resolved}` (miss {misses} of 3)")
        }
        Body::SnapshotRecorded { captures, .. } => {
            let list: Vec<String> = captures.iter().map(|(k, v)| format!("{k}={v}")).collect();
            if list.is_empty() {
                format!("{t}: snapshot taken")
            } else {
                format!("{t}: snapshot taken ({})", list.join(", "))
            }
        }
        Body::ApprovalRequested { expected, .. } => {
            format!("{t}: waiting for a second person to approve (they type `{expected}`)")
        }
        Body::ApprovalGranted {
            typed,
            self_approved: true,
        } => {
            format!("{t}: APPROVED by {who} themself (allowed by the runbook), typed `{typed}`")
        }
        Body::ApprovalGranted { typed, .. } => {
            format!("{t}: APPROVED by {who}, who typed `{typed}`")
        }
        Body::ApprovalRefused { reason, .. } => format!("{t}: approval by {who} REFUSED: {reason}"),
        Body::ManualDone { note: Some(n) } => format!("{t}: marked done by {who}: {n}"),
        Body::ManualDone { note: None } => format!("{t}: marked done by {who}"),
        Body::OperatorNote { text } => format!("note from {}: {text}", actor(rec)),
        Body::StepFailed { reason, .. } => format!("{t} FAILED: {reason}"),
        Body::OperatorChoice { choice, .. } => match choice {
            Choice::Abort(Some(r)) => format!("{who} chose abort: {r}"),
            Choice::Override(r) | Choice::Done(r) => format!("{who} chose {}: {r}", choice.name()),
            c => format!("{who} chose {}", c.name()),
        },
        Body::StepFinished { status, reason } => {
            let why = reason
                .as_ref()
                .map(|r| format!(" — {r}"))
                .unwrap_or_default();
            match status {
                StepStatus::Ok => format!("✓ {t}{why}"),
                StepStatus::Failed => format!("✗ {t} failed{why}"),
                StepStatus::Skipped => format!("- {t} skipped{why}"),
                StepStatus::RolledBack => format!("↺ {t} rolled back{why}"),
                StepStatus::Continued => format!("! {t} FAILED, continued past{why}"),
                StepStatus::Overridden => format!("! {t} FAILED, overridden{why}"),
                StepStatus::Unproven => format!("! {t} accepted UNPROVEN{why}"),
            }
        }
        Body::RollbackStarted {
            plan,
            without_rollback,
        } => {
            let mut s = if plan.is_empty() {
                "ROLLBACK: nothing to undo".to_string()
            } else {
                format!("ROLLBACK: undoing {}", plan.join(", then "))
            };
            if !without_rollback.is_empty() {
                s.push_str(&format!(
                    " (no rollback defined for {})",
                    without_rollback.join(", ")
                ));
            }
            s
        }
        Body::RollbackFinished { ok: true } => "rollback finished".into(),
        Body::RollbackFinished { ok: false } => "rollback finished INCOMPLETE".into(),
        Body::WatcherJoined { watcher } => format!("{watcher} is watching"),
        Body::WatcherLeft { watcher } => format!("{watcher} stopped watching"),
        Body::ClientRefused { who, reason } => format!("shared session: refused {who}: {reason}"),
        Body::RunInterrupted { reason } => format!("run interrupted: {reason}"),
        Body::StopRequested {
            purpose,
            attempt,
            reason,
        } => format!("{t}: STOPPING {purpose} (attempt {attempt}): {reason}"),
        Body::RunResumed { in_doubt: Some(id) } => {
            format!("run resumed by {who}; step `{id}` is in doubt")
        }
        Body::RunResumed { in_doubt: None } => format!("run resumed by {who}"),
        Body::JournalRecovered { moved_to, bytes } => {
            format!("journal recovered: a torn last line ({bytes} bytes) moved to {moved_to}")
        }
        Body::RunFinished {
            outcome,
            exit_code,
            reason,
        } => {
            let why = reason
                .as_ref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            format!("run finished: {} (exit {exit_code}){why}", outcome.name())
        }
    })
}

/// `HH:MM:SS.mmm` from a record's RFC 3339 time.
pub fn clock(ts: &str) -> &str {
    ts.get(11..23).unwrap_or(ts)
}

pub fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

fn first_line(s: &str) -> String {
    let mut lines = s.lines();
    let first = lines.next().unwrap_or("");
    if lines.next().is_some() {
        format!("{first} …")
    } else {
        first.to_string()
    }
}

fn ms(v: u64) -> String {
    if v < 1000 {
        format!("{v} ms")
    } else {
        duration::format(std::time::Duration::from_millis(v - v % 1000))
    }
}
