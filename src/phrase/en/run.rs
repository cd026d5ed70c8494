//! English: the run as a whole: its start, the window, overrides, watchers, halts,
//! rollbacks and its end.

use super::*;

pub(super) fn say(book: &English, rec: &Record, names: &dyn Names) -> Phrase {
    let who = &rec.actor.user;
    // The sentence starts with the step it is about, if any.
    let step = || match step_title(rec, names) {
        Some(t) => Phrase::new().plain(format!("{t}: ")),
        None => Phrase::new(),
    };
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
                    " of “{}” on {} ({mode} mode; runbook SHA-256 ",
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
                    .plain(format!(
                        " (completed {}; journal verified, chain head ",
                        r.finished
                    ))
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
        Body::WindowChecked {
            local, reason, why, ..
        } => Phrase::new()
            .marked(Mark::WindowClosed)
            .plain(format!("change window closed ({local}): "))
            .ticked(
                &said(why.as_ref(), reason.as_deref(), |w| book.shut(w))
                    .unwrap_or_else(|| "outside the allowed times".into()),
            ),
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
        Body::RollbackStarted {
            plan,
            without_rollback,
            kept,
            pass_only,
        } => {
            let titles =
                |ids: &[String]| -> Vec<String> { ids.iter().map(|id| title(id, names)).collect() };
            let mut s = if plan.is_empty() {
                "nothing to undo".to_string()
            } else {
                format!("undoing {}", titles(plan).join(", then "))
            };
            if !without_rollback.is_empty() {
                let none = titles(without_rollback).join(", ");
                s.push_str(&format!(" (no rollback defined for {none})"));
            }
            if *pass_only {
                s = format!("this loop pass only: {s}");
            }
            if !kept.is_empty() {
                let stay = titles(kept).join(", ");
                s.push_str(&format!("; left in place: {stay}"));
            }
            Phrase::new().marked(Mark::Rollback).plain(s)
        }
        Body::RollbackRequested { reason } => Phrase::new().marked(Mark::Rollback).plain(format!(
            "{who} asked to roll back the changes left in place: “{reason}”"
        )),
        // Something stays: say what was undone and what stays, never "every change".
        Body::RollbackFinished {
            ok: true,
            undone,
            kept,
        } if !kept.is_empty() => {
            let titles = |ids: &[String]| -> String {
                let t: Vec<String> = ids.iter().map(|id| title(id, names)).collect();
                t.join(", ")
            };
            let done = if undone.is_empty() {
                "nothing undone".to_string()
            } else {
                format!("undone: {}", titles(undone))
            };
            Phrase::new().marked(Mark::Rollback).plain(format!(
                "rollback finished; {done}; left in place: {}",
                titles(kept)
            ))
        }
        Body::RollbackFinished { ok: true, .. } => Phrase::new()
            .marked(Mark::Rollback)
            .plain("rollback finished; every change undone"),
        Body::RollbackFinished { ok: false, .. } => Phrase::new()
            .marked(Mark::Failed)
            .plain("rollback finished INCOMPLETE: a rollback command failed and was skipped"),
        Body::WatcherJoined { watcher } => {
            Phrase::new().plain(format!("{watcher} started watching"))
        }
        // Why after " — " when the watcher did not simply leave (dropped, its process gone).
        Body::WatcherLeft { watcher } => match watcher.split_once(" — ") {
            Some((who, why)) => Phrase::new().plain(format!("{who} stopped watching: {why}")),
            None => Phrase::new().plain(format!("{watcher} stopped watching")),
        },
        Body::ClientRefused { who, reason } => Phrase::new()
            .marked(Mark::Refused)
            .plain(format!("shared session refused {who}: {reason}")),
        Body::RunInterrupted { reason, why } => {
            let reason = said(why.as_ref(), Some(reason), |w| book.halt(w)).unwrap_or_default();
            Phrase::new()
                .marked(Mark::Interrupted)
                .plain("run interrupted: ")
                .ticked(&reason)
        }
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
                "the torn last line of the journal ({bytes} bytes, likely from a crash mid-write) was moved to "
            ))
            .code(moved_to),
        Body::CaptureRerun {
            needed_by,
            names,
            mutating,
        } => {
            let p = step()
                .marked(Mark::Resumed)
                .plain("runs again to capture ")
                .code(names.join(", "))
                .plain(", lost when the run stopped, for ")
                .code(needed_by);
            if *mutating {
                p.plain(": a change, made again; its target and approval are asked again")
            } else {
                p
            }
        }
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
                .plain(format!("{who} goes on with an edited runbook (SHA-256 "))
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
            // The failed step by its title, as every other row names it (fourth cold read).
            let titled = match why {
                Some(RunEnd::RolledBack {
                    failed: Some(id),
                    checks,
                }) => names
                    .title_of(id)
                    .map(|t| book.rolled_back_after(&t, checks, None)),
                _ => None,
            };
            let why = titled
                .or_else(|| said(why.as_ref(), reason.as_deref(), |w| book.run_end(w)))
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            Phrase::new()
                .marked(mark)
                .plain(format!("run finished (exit {exit_code})"))
                .ticked(&why)
        }
        // The others are said by the other files of this phrasebook (`mod.rs` sends each
        // record to its file).
        _ => Phrase::new(),
    }
}

/// An abort's row: who, where, why (unless the engine's sentence only says the operator
/// aborted, which the row's start already says) and what stays in place.
pub(super) fn aborted_at(
    book: &English,
    rec: &Record,
    at: Option<&str>,
    left: &[String],
    undone: Option<&str>,
) -> Phrase {
    let who = &rec.actor.user;
    let Body::RunFinished {
        exit_code,
        reason,
        why,
        ..
    } = &rec.body
    else {
        return Phrase::new();
    };
    let head = match at {
        Some(step) => format!("{who} aborted at “{step}” (exit {exit_code})"),
        None => format!("{who} aborted (exit {exit_code})"),
    };
    let words = match reason.as_deref().and_then(msg::unexplained_abort) {
        Some(msg::AbortedAt::Elsewhere) => None,
        _ => run_end_said(book, why.as_ref(), reason.as_deref(), who),
    };
    let left = match left {
        [] => String::new(),
        titles => {
            let named: Vec<String> = titles.iter().map(|t| format!("“{t}”")).collect();
            // Until a later rollback, if one came: in place from the abort to then.
            let until = undone
                .map(|t| format!(" (rolled back at {t})"))
                .unwrap_or_default();
            format!(
                "; {} left in place, not rolled back{until}",
                named.join(", ")
            )
        }
    };
    Phrase::new()
        .marked(Mark::Aborted)
        .plain(head)
        .ticked(&words.map(|r| format!(": {r}")).unwrap_or_default())
        .plain(left)
}
