//! Whether the run finished, is live, halted or was cut off, in words; what `shisa verify`
//! would say about its journal; and the warnings a reader must not miss.

use super::ctx::Ctx;
use super::model::{Aborted, Integrity, RunState, Summary};
use super::torn_finish::TornFinish;
use super::words::{CutAt, CutStep, Unfinished};
use crate::journal::record::{Body, Choice, Outcome, Prompt, Purpose, RunEnd};

/// How the run stands, for the summary.
pub struct State {
    pub state: RunState,
    /// The outcome's key (`completed`, `rolled_back`, …) once it finished.
    pub outcome: Option<String>,
    pub exit_code: Option<u8>,
    pub reason: Option<String>,
    /// A short verdict.
    pub verdict: String,
    /// The full explanation (a warning) when the run has not finished.
    pub explanation: String,
    pub aborted: Option<Aborted>,
}

pub fn state(ctx: &Ctx, finish: Option<usize>) -> State {
    let records = &ctx.src.journal.records;
    let w = ctx.words;
    if let Some(rec) = finish.map(|i| &records[i])
        && let Body::RunFinished {
            outcome,
            exit_code,
            reason,
            why,
        } = &rec.body
    {
        // The record carries the operator whose abort ended the run (`Ctx::actor`).
        let said = rolled_back_after(ctx, rec).or_else(|| {
            crate::phrase::run_end_said(ctx.book, why.as_ref(), reason.as_deref(), &rec.actor.user)
        });
        // The summary names who aborted whether or not they gave a reason (issue 17); the
        // JSON `reason` keeps their words as written.
        let verdict_reason = match (outcome, why, reason.as_deref(), &said) {
            (Outcome::Aborted, None, Some(r), Some(s))
                if crate::engine::messages::unexplained_abort(r).is_none() =>
            {
                Some(w.aborted_by(&rec.actor.user, s))
            }
            _ => said.clone(),
        };
        let aborted = aborted_before(ctx, rec);
        // A rollback that went on from an abort: its verdict keeps the abort, which is how
        // the run itself ended, and says who then asked for the rollback (issue 17).
        let verdict_reason = match (&aborted, outcome) {
            (Some(a), Outcome::RolledBack) => {
                let asked = records
                    .iter()
                    .find(|r| matches!(r.body, Body::RollbackRequested { .. }))
                    .map_or(a.by.as_str(), |r| r.actor.user.as_str());
                let at = w.row_time(
                    &a.at,
                    a.at.date() != ctx.time(records.len() - 1).date(),
                    false,
                );
                Some(w.undone_after_abort(&a.by, &at, a.exit_code, asked))
            }
            _ => verdict_reason,
        };
        let key = serde_json::to_value(outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string));
        return State {
            state: RunState::Finished,
            outcome: key,
            exit_code: Some(*exit_code),
            verdict: w.verdict(*outcome, *exit_code, verdict_reason.as_deref()),
            reason: said,
            explanation: String::new(),
            aborted,
        };
    }
    let dir = ctx.src.run_dir.display().to_string();
    let now = w.moment(&ctx.zone.at(chrono::Utc::now().fixed_offset()));
    let interrupted = records.iter().rev().find_map(|r| match &r.body {
        Body::RunInterrupted { reason, why } => {
            Some(crate::phrase::said(why.as_ref(), Some(reason), |w| {
                ctx.book.halt(w)
            }))
        }
        Body::RunResumed { .. } => Some(None),
        _ => None,
    });
    let doubt = in_doubt(ctx);
    let (state, u, reason) = if ctx.src.live {
        (RunState::Live, Unfinished::Live { at: &now }, None)
    } else if ctx.src.end_past_break {
        (RunState::Damaged, Unfinished::Damaged, None)
    } else if let Some(Some(reason)) = &interrupted {
        (
            RunState::Halted,
            Unfinished::Halted { reason },
            Some(reason.clone()),
        )
    } else {
        let torn = ctx.src.journal.torn.as_ref().map(Vec::len);
        (
            RunState::CutOff,
            Unfinished::CutOff {
                torn,
                doubt: &doubt,
                unchanged: unchanged(ctx),
            },
            None,
        )
    };
    State {
        state,
        outcome: None,
        exit_code: None,
        reason,
        verdict: w.unfinished_short(u),
        explanation: w.unfinished_long(u, &dir, &resume_hint(ctx)),
        aborted: None,
    }
}

/// A rollback after a failure, the failed step named by its title (a loop's step id is a
/// path like `roll[svc-1]/restart/deploy`) and by whom the rollback was chosen: the last
/// person to choose it, if anyone did (records after the end only follow an abort).
pub fn rolled_back_after(ctx: &Ctx, end: &crate::journal::record::Record) -> Option<String> {
    let Body::RunFinished {
        why: Some(RunEnd::RolledBack {
            failed: Some(id),
            checks,
        }),
        ..
    } = &end.body
    else {
        return None;
    };
    let chose = ctx
        .src
        .journal
        .records
        .iter()
        .rev()
        .find(|r| {
            matches!(
                r.body,
                Body::OperatorChoice {
                    choice: Choice::Rollback,
                    ..
                }
            )
        })
        .map(|r| r.actor.user.as_str());
    Some(ctx.book.rolled_back_after(&ctx.title_of(id), checks, chose))
}

/// The abort before `end`, when the journal goes on past it (`shisa rollback`).
fn aborted_before(ctx: &Ctx, end: &crate::journal::record::Record) -> Option<Aborted> {
    let records = &ctx.src.journal.records;
    let i = records.iter().position(|r| {
        r.seq < end.seq
            && matches!(
                r.body,
                Body::RunFinished {
                    outcome: Outcome::Aborted,
                    ..
                }
            )
    })?;
    let Body::RunFinished {
        exit_code,
        reason,
        why,
        ..
    } = &records[i].body
    else {
        return None;
    };
    let by = records[i].actor.user.clone();
    Some(Aborted {
        reason: crate::phrase::run_end_said(ctx.book, why.as_ref(), reason.as_deref(), &by),
        by,
        at: ctx.time(i),
        exit_code: *exit_code,
    })
}

/// What resuming this run takes: only suggest `shisa resume` where it would be accepted.
fn resume_hint(ctx: &Ctx) -> String {
    let dir = ctx.src.run_dir.display().to_string();
    if ctx.src.broken.is_some() {
        ctx.words.resume_damaged(&dir)
    } else if ctx.src.runbook.is_none() {
        let why = ctx.runbook_note().unwrap_or_default();
        ctx.words.resume_needs_runbook(&why)
    } else {
        ctx.words.resume_hint(&dir)
    }
}

pub fn integrity(ctx: &Ctx) -> Integrity {
    let src = ctx.src;
    let w = ctx.words;
    let j = &src.journal;
    let (verify_passed, detail) = match (&src.broken, &src.logs) {
        (Some(b), _) if src.prev_mismatch => (false, w.chain_altered(b.line, j.records.len())),
        (Some(b), _) => (
            false,
            w.chain_broken(b.line, &b.reason, Some(j.records.len())),
        ),
        (None, Some(Err(b))) => (false, w.chain_broken(b.line, &b.reason, None)),
        (None, Some(Ok(n))) => (true, w.chain_intact(j.records.len(), Some(*n))),
        (None, None) => (true, w.chain_intact(j.records.len(), None)),
    };
    Integrity {
        records: j.records.len(),
        chain_head: j.head().to_string(),
        verify_passed,
        detail,
        // While the run is live, a partial last line is a write in progress, not a crash.
        torn_bytes: j.torn.as_ref().filter(|_| !src.live).map(Vec::len),
        untrusted_lines: src.untrusted_lines,
    }
}

pub fn warnings(ctx: &Ctx, run: &Summary, integrity: &Integrity) -> Vec<String> {
    let mut w = Vec::new();
    if !integrity.verify_passed {
        w.push(ctx.words.integrity_warning(&integrity.detail));
    }
    // A damaged run's explanation is the damage, which the warning above already says.
    if !matches!(run.state, RunState::Finished | RunState::Damaged) {
        w.push(run.explanation.clone());
    }
    if let Some(note) = ctx.runbook_note() {
        w.push(ctx.words.runbook_warning(&note));
    }
    w
}

/// The unfinished state a summary's end cell and the timeline's last line speak of.
pub fn how_unfinished(run: &Summary) -> Option<Unfinished<'_>> {
    match run.state {
        RunState::Finished => None,
        RunState::Live => Some(Unfinished::Live { at: "" }),
        RunState::Halted => Some(Unfinished::Halted {
            reason: run.reason.as_deref().unwrap_or(""),
        }),
        RunState::CutOff => Some(Unfinished::CutOff {
            torn: None,
            doubt: &[],
            unchanged: false,
        }),
        RunState::Damaged => Some(Unfinished::Damaged),
    }
}

/// The steps under way where the journal stops, as the replayed engine has them, and how
/// far each had got: what was in flight at the cut is what it leaves unknown.
fn in_doubt(ctx: &Ctx) -> Vec<CutStep> {
    let Some(e) = ctx.src.engine.as_ref() else {
        return Vec::new();
    };
    let steps = &e.runbook().steps;
    (0..steps.len())
        .filter(|j| e.step(*j).underway())
        .map(|j| CutStep {
            title: ctx.title_of(&steps[j].id),
            mutating: steps[j].mutating,
            at: cut_at(ctx, &steps[j].id, steps[j].verify.len() as u32),
        })
        .collect()
}

/// Whether no change command started in the journal (as the replayed engine's runbook
/// marks changes): then the run changed nothing, whatever else it was doing at the cut.
fn unchanged(ctx: &Ctx) -> bool {
    let Some(e) = ctx.src.engine.as_ref() else {
        return false;
    };
    let steps = &e.runbook().steps;
    !ctx.src.journal.records.iter().any(|r| {
        matches!(
            r.body,
            Body::CommandStarted {
                purpose: Purpose::Main,
                ..
            }
        ) && steps
            .iter()
            .any(|s| s.mutating && r.step.as_deref() == Some(s.id.as_str()))
    })
}

/// Whether step `j`, a change, was under way where the journal stops with its change's
/// fate unknown, as the cut-off warning says it (`CutAt::ChangeRunning`, `CutAt::Unknown`).
pub fn change_in_doubt(ctx: &Ctx, j: usize) -> bool {
    let Some(e) = ctx.src.engine.as_ref() else {
        return false;
    };
    let s = &e.runbook().steps[j];
    s.mutating
        && e.step(j).underway()
        && !matches!(
            cut_at(ctx, &s.id, s.verify.len() as u32),
            CutAt::Verifying { .. }
        )
}

/// How far step `id` had got in its last start: its change command running, or ended with
/// exit 0 and how many of its `of` verify checks then passed.
fn cut_at(ctx: &Ctx, id: &str, of: u32) -> CutAt {
    let mut at = CutAt::Unknown;
    let mut main = None;
    for (i, r) in ctx
        .src
        .journal
        .records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.step.as_deref() == Some(id))
    {
        if matches!(
            r.body,
            Body::CommandStarted {
                purpose: Purpose::Main,
                ..
            }
        ) {
            main = Some(i);
        }
        at = match (&r.body, at) {
            (Body::StepStarted { .. }, _) => CutAt::Unknown,
            (
                Body::CommandStarted {
                    purpose: Purpose::Main,
                    ..
                },
                _,
            ) => CutAt::ChangeRunning,
            (
                Body::CommandFinished {
                    purpose: Purpose::Main,
                    exit: Some(0),
                    ..
                },
                _,
            ) => CutAt::Verifying { passed: 0, of },
            (
                Body::CommandFinished {
                    purpose: Purpose::Main,
                    ..
                },
                _,
            ) => CutAt::Unknown,
            (
                Body::CommandFinished {
                    purpose: Purpose::Verify(n),
                    exit: Some(0),
                    ..
                },
                CutAt::Verifying { passed, of },
            ) => CutAt::Verifying {
                passed: passed.max(*n),
                of,
            },
            // A failed check, a rollback: no longer a plain verification under way.
            (
                Body::CommandFinished {
                    purpose: Purpose::Verify(_) | Purpose::Rollback(_),
                    ..
                },
                _,
            )
            | (
                Body::CommandStarted {
                    purpose: Purpose::Rollback(_),
                    ..
                },
                _,
            ) => CutAt::Unknown,
            // Failed and waiting for the operator's decision; what they chose starts afresh.
            (Body::StepFailed { prompt, .. }, _) => CutAt::Awaiting {
                precheck: *prompt == Prompt::Precheck,
            },
            (Body::OperatorChoice { .. }, _) => CutAt::Unknown,
            (_, at) => at,
        };
    }
    // The crash came while the change command's result was being written: it had ended,
    // or, when the torn line stops before it says which open command it ended, may have.
    match (at, main, ctx.torn_finish()) {
        (CutAt::ChangeRunning, Some(main), Some(t)) if t.names(main) => match t {
            TornFinish::Of(_) => CutAt::ChangeEnded,
            TornFinish::OneOf(v) => CutAt::ChangeMaybeEnded { of: v.len() },
        },
        _ => at,
    }
}
