//! The steps as the chart draws them: when each started and ended, its rollback, and its
//! final status (a step with no end is running, in doubt or stopped, by the run's state).

use super::ctx::Ctx;
use super::model::{BarStatus, RunState, StepBar};
use crate::journal::record::{Body, Purpose, Record, StepEnd, StepStatus};

/// The steps as the chart draws them: runbook order when the runbook is known, else the
/// order the journal started them.
pub fn steps(ctx: &Ctx, state: RunState) -> Vec<StepBar> {
    let records = &ctx.src.journal.records;
    let mut order: Vec<String> = match &ctx.src.engine {
        Some(e) => e.runbook().steps.iter().map(|s| s.id.clone()).collect(),
        None => Vec::new(),
    };
    for r in records {
        if let (Body::StepStarted { .. }, Some(id)) = (&r.body, &r.step)
            && !order.contains(id)
        {
            order.push(id.clone());
        }
    }
    order.iter().map(|id| bar(ctx, id, state)).collect()
}

fn bar(ctx: &Ctx, id: &str, state: RunState) -> StepBar {
    let records = &ctx.src.journal.records;
    let mine = |r: &&Record| r.step.as_deref() == Some(id);
    let mut b = StepBar {
        id: id.to_string(),
        title: ctx.title_of(id),
        kind: String::new(),
        mutating: false,
        status: BarStatus::NotStarted,
        started: None,
        ended: None,
        rollback_started: None,
        rollback_ended: None,
    };
    if let Some(e) = &ctx.src.engine
        && let Some(s) = e.runbook().step(id)
    {
        b.kind = s.kind.name().to_string();
        b.mutating = s.mutating;
    }
    let mut last_status = None;
    let mut refused = false;
    for (i, r) in records.iter().enumerate() {
        let t = ctx.time(i);
        match &r.body {
            Body::StepStarted {
                step_kind,
                mutating,
                ..
            } if mine(&r) => {
                b.started.get_or_insert(t);
                b.kind = step_kind.clone();
                b.mutating = *mutating;
            }
            Body::StepFinished { status, why, .. } if mine(&r) => {
                b.ended.get_or_insert(t);
                refused = matches!(why, Some(StepEnd::Refused { .. }));
                if *status == StepStatus::RolledBack {
                    b.rollback_ended = Some(t);
                }
                last_status = Some(*status);
            }
            // A step being undone stopped its own work when the rollback began.
            Body::RollbackStarted { plan, .. }
                if b.started.is_some() && plan.iter().any(|p| p == id) =>
            {
                b.ended.get_or_insert(t);
            }
            Body::CommandStarted {
                purpose: Purpose::Rollback(_),
                ..
            } if mine(&r) => {
                b.rollback_started.get_or_insert(t);
            }
            _ => {}
        }
    }
    b.status = match (last_status, b.started) {
        (Some(StepStatus::Ok), _) => BarStatus::Ok,
        (Some(StepStatus::Failed), _) if refused => BarStatus::Refused,
        (Some(StepStatus::Failed), _) => BarStatus::Failed,
        (Some(StepStatus::Skipped), _) => BarStatus::Skipped,
        (Some(StepStatus::RolledBack), _) => BarStatus::RolledBack,
        (Some(StepStatus::Continued), _) => BarStatus::Continued,
        (Some(StepStatus::Overridden), _) => BarStatus::Overridden,
        (Some(StepStatus::Unproven), _) => BarStatus::Unproven,
        (None, Some(_)) if state == RunState::Live => BarStatus::Running,
        (None, Some(_)) if state == RunState::Finished => BarStatus::Stopped,
        // Its end is among the lines left out past the break, not missing.
        (None, Some(_)) if state == RunState::Damaged => BarStatus::Damaged,
        (None, Some(_)) => BarStatus::InDoubt,
        (None, None) => BarStatus::NotStarted,
    };
    if b.rollback_started.is_some() && b.rollback_ended.is_none() {
        b.rollback_ended = Some(ctx.time(records.len() - 1));
    }
    b
}
