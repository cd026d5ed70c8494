//! The postmortem's sections after the timeline: snapshots, targets, approvals, rollbacks,
//! overrides, waivers and notes (failures are in `failures.rs`).

use super::ctx::Ctx;
use super::model::{
    ApprovalDecision, GuardWaived, Note, NoteWritten, Override, Rollback, RollbackCommand,
    Snapshot, TargetCheck,
};
use super::text::command_line;
use crate::journal::record::{Body, Choice, Purpose, Record};
use crate::phrase::said;

pub fn step(ctx: &Ctx, r: &Record) -> (String, String) {
    (r.step.clone().unwrap_or_default(), ctx.title(r))
}

pub fn snapshots(ctx: &Ctx) -> Vec<Snapshot> {
    each(ctx, |i, r| match &r.body {
        Body::SnapshotRecorded { captures, log } => {
            let (step, step_title) = step(ctx, r);
            Some(Snapshot {
                time: ctx.time(i),
                step,
                step_title,
                captures: captures.clone(),
                log: log.clone(),
            })
        }
        _ => None,
    })
}

pub fn targets(ctx: &Ctx) -> Vec<TargetCheck> {
    // What each step's target last resolved to: an impact count is about that target.
    let mut last: std::collections::BTreeMap<String, (String, bool)> = Default::default();
    each(ctx, |i, r| {
        let mut blind = false;
        let (resolved, typed, result, detail) = match &r.body {
            Body::TargetResolved { resolved, blind } => {
                let step = r.step.clone().unwrap_or_default();
                last.insert(step, (resolved.clone(), *blind));
                return None;
            }
            Body::TargetImpact {
                count,
                unit,
                at_most,
                listed,
            } => {
                let (resolved, b) = last.get(r.step.as_deref().unwrap_or_default())?;
                blind = *b;
                let over = count > at_most;
                let result = if over { "impact_refused" } else { "impact" };
                let mut detail = ctx.words.target_impact(*count, unit.as_deref(), *at_most);
                if !listed.is_empty() {
                    detail = ctx.words.labelled(&detail, &listed.join("; "));
                }
                (resolved, None, result, detail)
            }
            Body::TargetConfirmed {
                resolved,
                typed,
                blind: b,
                reused_from,
            } => {
                blind = *b;
                // A loop's later passes reuse the first confirmation: nothing was typed, so
                // the row says where it was confirmed rather than showing an empty value.
                if let Some(from) = reused_from {
                    let detail = ctx.words.target_reused(&ctx.title_of(from));
                    (resolved, None, "confirmed", detail)
                } else {
                    let detail = if blind {
                        ctx.words.target_confirmed_blind()
                    } else {
                        ctx.words.target_confirmed()
                    };
                    (resolved, Some(typed.clone()), "confirmed", detail)
                }
            }
            Body::TargetMismatch {
                resolved,
                typed,
                misses,
                blind: b,
            } => {
                blind = *b;
                let mut detail = ctx.words.target_mismatch(*misses);
                if blind {
                    detail = ctx.words.target_mismatch_blind(typed, resolved, &detail);
                }
                (resolved, Some(typed.clone()), "mismatch", detail)
            }
            Body::TargetDenied {
                resolved,
                rule,
                pattern,
            } => (
                resolved,
                None,
                "denied",
                ctx.words.target_denied(rule, pattern),
            ),
            _ => return None,
        };
        let (step, step_title) = step(ctx, r);
        Some(TargetCheck {
            time: ctx.time(i),
            step,
            step_title,
            resolved: resolved.clone(),
            intended: typed.clone().filter(|_| blind),
            typed,
            confirm: if blind { "blind" } else { "echo" }.into(),
            by: ctx.actor(r),
            result: result.into(),
            detail: Some(detail),
        })
    })
}

pub fn approvals(ctx: &Ctx) -> Vec<ApprovalDecision> {
    each(ctx, |i, r| {
        let (typed, result, detail) = match &r.body {
            Body::ApprovalGranted {
                typed,
                self_approved,
                ..
            } => {
                let result = if *self_approved {
                    "self_approved"
                } else {
                    "approved"
                };
                (Some(typed.clone()), result, None)
            }
            Body::ApprovalRefused {
                reason, typed, why, ..
            } => {
                let reason =
                    crate::phrase::said(why.as_ref(), Some(reason), |w| ctx.book.not_counted(w));
                (typed.clone(), "refused", reason)
            }
            Body::ApprovalRejected { reason, .. } => (None, "rejected", Some(reason.clone())),
            _ => return None,
        };
        let (step, step_title) = step(ctx, r);
        Some(ApprovalDecision {
            time: ctx.time(i),
            step,
            step_title,
            by: match &r.body {
                // The person counted, with the account when it was another (sudo).
                Body::ApprovalGranted { person, .. }
                | Body::ApprovalRefused { person, .. }
                | Body::ApprovalRejected { person, .. }
                    if person.as_ref().is_some_and(|p| p.user != r.actor.user) =>
                {
                    ctx.book.person(&r.actor, person)
                }
                _ => ctx.actor(r),
            },
            typed,
            result: result.into(),
            detail,
        })
    })
}

pub fn rollbacks(ctx: &Ctx) -> Vec<Rollback> {
    let records = &ctx.src.journal.records;
    let mut out: Vec<Rollback> = Vec::new();
    let mut commands: Vec<(usize, String)> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        match &r.body {
            Body::RollbackStarted {
                plan,
                without_rollback,
                kept,
                ..
            } => out.push(Rollback {
                started: ctx.time(i),
                by: ctx.actor(r),
                plan: plan.iter().map(|id| ctx.title_of(id)).collect(),
                without_rollback: without_rollback.iter().map(|id| ctx.title_of(id)).collect(),
                kept: kept.iter().map(|id| ctx.title_of(id)).collect(),
                commands: Vec::new(),
                finished: None,
                ok: None,
            }),
            Body::CommandStarted {
                purpose: Purpose::Rollback(_),
                command,
                ..
            } => commands.push((i, command_line(command))),
            Body::CommandFinished {
                purpose: p @ Purpose::Rollback(_),
                exit,
                ok,
                failure,
                why,
                ..
            } => {
                let command = commands
                    .iter()
                    .rev()
                    .find(|(s, _)| {
                        records[*s].step == r.step
                            && matches!(&records[*s].body, Body::CommandStarted { purpose, .. } if purpose == p)
                    })
                    .map(|(_, c)| c.clone())
                    .unwrap_or_default();
                if let Some(rb) = out.last_mut() {
                    rb.commands.push(RollbackCommand {
                        time: ctx.time(i),
                        step_title: ctx.title(r),
                        command,
                        exit_code: *exit,
                        ok: *ok,
                        failure: said(why.as_ref(), failure.as_deref(), |w| {
                            ctx.book.command_failure(w)
                        }),
                    });
                }
            }
            Body::RollbackFinished { ok, .. } => {
                if let Some(rb) = out.last_mut() {
                    rb.finished = Some(ctx.time(i));
                    rb.ok = Some(*ok);
                }
            }
            _ => {}
        }
    }
    out
}

pub fn overrides(ctx: &Ctx) -> Vec<Override> {
    each(ctx, |i, r| {
        let (kind, reason) = match &r.body {
            Body::Override { what, reason } => (Some(*what), reason.clone()),
            Body::OperatorChoice {
                choice: Choice::Done(reason),
                ..
            } => (None, reason.clone()),
            _ => return None,
        };
        Some(Override {
            time: ctx.time(i),
            by: ctx.actor(r),
            what: kind.map_or("in_doubt", |k| k.name()).to_string(),
            kind,
            step_title: r.step.as_ref().map(|id| ctx.title_of(id)),
            reason,
        })
    })
}

/// Each waiver once, though the journal repeats it whenever its step begins.
pub fn waivers(ctx: &Ctx) -> Vec<GuardWaived> {
    let mut out: Vec<GuardWaived> = Vec::new();
    for r in &ctx.src.journal.records {
        if let Body::Waiver { guard, reason } = &r.body {
            let (step, step_title) = step(ctx, r);
            if !out.iter().any(|w| w.step == step && &w.guard == guard) {
                out.push(GuardWaived {
                    step,
                    step_title,
                    guard: guard.clone(),
                    reason: reason.clone(),
                });
            }
        }
    }
    out
}

pub fn notes(ctx: &Ctx) -> Vec<Note> {
    each(ctx, |i, r| {
        let (text, written) = match &r.body {
            Body::OperatorNote { text } => (text.clone(), NoteWritten::Note),
            Body::ManualDone { note: Some(n), .. } => (n.clone(), NoteWritten::MarkingDone),
            _ => return None,
        };
        Some(Note {
            time: ctx.time(i),
            by: ctx.actor(r),
            step_title: r.step.as_ref().map(|id| ctx.title_of(id)),
            text,
            written,
        })
    })
}

pub fn each<T>(ctx: &Ctx, mut f: impl FnMut(usize, &Record) -> Option<T>) -> Vec<T> {
    ctx.src
        .journal
        .records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| f(i, r))
        .collect()
}
