//! The one rollback order: the engine follows it when the operator chooses rollback, and the
//! failure dialog, `plan` and the export show it. The rule is a function of the runbook and
//! what is known of each step (`History`): the engine asks it with what really ran, `plan`
//! with what it supposes (`rollback_plan_supposing`), so the two cannot disagree.

use std::collections::HashMap;

use crate::journal::record::{Outcome, StepStatus};
use crate::runbook::model::Runbook;

use super::state::Engine;
use super::step::StepState;

/// What a rollback undoes, in order, and the changes it cannot or will not undo.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RollbackPlan {
    /// Steps whose rollback commands run, in this order.
    pub undo: Vec<usize>,
    /// Steps that changed something but define no rollback: named, never skipped silently.
    pub without_rollback: Vec<usize>,
    /// Changes left in place on purpose: before a completed checkpoint or a started point
    /// of no return, or (rolling back one loop pass) in earlier passes.
    pub kept: Vec<usize>,
    /// The checkpoint or point of no return that keeps them, if one does.
    pub kept_by: Option<usize>,
    /// The checkpoint or point of no return a rollback stops at, even when nothing before
    /// it changed (`plan` says so: "kept in place: nothing before it changed").
    pub stops_at: Option<usize>,
}

/// What the rollback rule needs to know of each step.
pub trait History {
    /// The step's own command started (a command that failed may still have changed
    /// something).
    fn command_ran(&self, j: usize) -> bool;
    /// How the step ended, if it has.
    fn status(&self, j: usize) -> Option<StepStatus>;
    /// The operator confirmed its point of no return.
    fn no_return(&self, j: usize) -> bool;
}

impl History for [StepState] {
    fn command_ran(&self, j: usize) -> bool {
        self[j].main_ran
    }
    fn status(&self, j: usize) -> Option<StepStatus> {
        self[j].status()
    }
    fn no_return(&self, j: usize) -> bool {
        self[j].no_return
    }
}

/// The same for a run's steps as the engine holds them (each shared between copies).
impl History for super::steps::Steps {
    fn command_ran(&self, j: usize) -> bool {
        self[j].main_ran
    }
    fn status(&self, j: usize) -> Option<StepStatus> {
        self[j].status()
    }
    fn no_return(&self, j: usize) -> bool {
        self[j].no_return
    }
}

/// What `plan` supposes at a failure of step `failed`: every earlier step ran and passed
/// (its point of no return confirmed), the failed step's command ran, nothing after it.
struct Supposed {
    failed: usize,
}

impl History for Supposed {
    fn command_ran(&self, j: usize) -> bool {
        j <= self.failed
    }
    fn status(&self, j: usize) -> Option<StepStatus> {
        (j < self.failed).then_some(StepStatus::Ok)
    }
    fn no_return(&self, j: usize) -> bool {
        j <= self.failed
    }
}

/// The rollback at a failure of step `failed` had every step before it passed: the engine's
/// own rule (`Engine::rollback_plan`) asked of a run that has not happened, for `plan`.
pub fn rollback_plan_supposing(rb: &Runbook, failed: usize) -> RollbackPlan {
    plan_from(rb, &Supposed { failed }, Some(failed))
}

/// The same, limited to the loop pass of `failed` (`Engine::rollback_plan_of_pass`).
pub fn rollback_plan_of_pass_supposing(rb: &Runbook, failed: usize) -> RollbackPlan {
    of_pass(rb, rollback_plan_supposing(rb, failed), failed)
}

fn went_on(h: &(impl History + ?Sized), k: usize) -> bool {
    h.status(k).is_some_and(StepStatus::went_on)
}

/// The step changes something, its command started, and it was neither rolled back nor
/// skipped.
fn ran_and_stays(rb: &Runbook, h: &(impl History + ?Sized), j: usize) -> bool {
    rb.steps[j].mutating
        && h.command_ran(j)
        && !matches!(
            h.status(j),
            Some(StepStatus::RolledBack | StepStatus::Skipped)
        )
}

/// `closed` for every step at once, in one pass over the closers: a plan over many
/// steps then costs O(n), not O(n²) (`shisa review` asks for one at every failure).
/// Step `j` is closed when a later step that `closes` it went on, or it is itself such a
/// step: the pair cancels out, and rolling back either alone would leave the system
/// half-way.
fn closed_all(rb: &Runbook, h: &(impl History + ?Sized)) -> Vec<bool> {
    let mut closed = vec![false; rb.steps.len()];
    let closers: Vec<(usize, &str)> = (rb.steps.iter().enumerate())
        .filter_map(|(k, s)| Some((k, s.closes.as_ref()?.id.as_str())))
        .filter(|&(k, _)| went_on(h, k))
        .collect();
    if closers.is_empty() {
        return closed;
    }
    let index: HashMap<&str, usize> = (rb.steps.iter().enumerate())
        .map(|(j, s)| (s.id.as_str(), j))
        .collect();
    for (k, id) in closers {
        closed[k] = true;
        if let Some(&j) = index.get(id).filter(|&&j| j < k) {
            closed[j] = true;
        }
    }
    closed
}

/// The first step a rollback may reach back to, and the step that set it: after a
/// completed checkpoint only later steps are undone; once a point of no return has been
/// passed, nothing before it is.
fn floor(rb: &Runbook, h: &(impl History + ?Sized)) -> Option<(usize, usize)> {
    (0..rb.steps.len()).rev().find_map(|k| {
        let s = &rb.steps[k];
        if s.checkpoint.is_some() && went_on(h, k) {
            Some((k + 1, k))
        } else if s.point_of_no_return.is_some() && h.no_return(k) {
            Some((k, k))
        } else {
            None
        }
    })
}

/// The failed step first (if its command ran and it has not ended), then every change in
/// place, newest first, down to the floor.
fn plan_from(rb: &Runbook, h: &(impl History + ?Sized), failed: Option<usize>) -> RollbackPlan {
    let failed_ran =
        failed.filter(|&f| rb.steps[f].mutating && h.command_ran(f) && h.status(f).is_none());
    let closed = closed_all(rb, h);
    let changed: Vec<usize> = failed_ran
        .into_iter()
        .chain(
            (0..rb.steps.len())
                .rev()
                .filter(|&j| Some(j) != failed && ran_and_stays(rb, h, j) && !closed[j]),
        )
        .collect();
    let (floor, stops_at) = match floor(rb, h) {
        Some((floor, by)) => (floor, Some(by)),
        None => (0, None),
    };
    let (reach, kept): (Vec<usize>, Vec<usize>) = changed.into_iter().partition(|&j| j >= floor);
    let (undo, without_rollback) = reach
        .into_iter()
        .partition(|&j| !rb.steps[j].rollback.is_empty());
    RollbackPlan {
        undo,
        without_rollback,
        kept_by: stops_at.filter(|_| !kept.is_empty()),
        kept,
        stops_at,
    }
}

/// `plan` limited to the loop pass step `failed` belongs to: earlier passes are kept.
fn of_pass(rb: &Runbook, mut plan: RollbackPlan, failed: usize) -> RollbackPlan {
    let pass = |j: usize| {
        rb.steps[j]
            .iteration
            .as_ref()
            .map(|it| (it.loop_id.as_str(), it.index))
    };
    let Some(here) = pass(failed) else {
        return plan;
    };
    let other = |j: &usize| pass(*j) != Some(here);
    let mut kept: Vec<usize> = plan.undo.iter().copied().filter(other).collect();
    kept.extend(plan.without_rollback.iter().copied().filter(other));
    plan.undo.retain(|j| !other(j));
    plan.without_rollback.retain(|j| !other(j));
    kept.extend(plan.kept);
    kept.sort_unstable_by(|a, b| b.cmp(a));
    plan.kept = kept;
    plan
}

impl Engine {
    /// The steps whose change may be in place now, in runbook order: each changes
    /// something, its own command started (a command that failed may still have changed
    /// something, so a failed or aborted step counts too), it was not rolled back, and no
    /// later step that `closes` it has undone it (`closed_all`, the one rule for that).
    pub fn in_place(&self) -> Vec<usize> {
        let (rb, h) = (&self.rb, &self.steps);
        let closed = closed_all(rb, h);
        (0..h.len())
            .filter(|&j| ran_and_stays(rb, h, j) && !closed[j])
            .collect()
    }

    /// Whether step `j`'s change may be in place (`in_place`).
    pub fn in_effect(&self, j: usize) -> bool {
        ran_and_stays(&self.rb, &self.steps, j) && !closed_all(&self.rb, &self.steps)[j]
    }

    /// The changes a run leaves behind, as its end (or stop) says them to the operator:
    /// those in place, but none for a completed run, whose changes are its point.
    pub fn left_in_place(&self) -> Vec<usize> {
        match self.finished() {
            Some((Outcome::Completed, _)) => Vec::new(),
            _ => self.in_place(),
        }
    }

    /// Changes that are in place and not rolled back.
    pub fn changes_made(&self) -> bool {
        !self.in_place().is_empty()
    }

    /// The rollback if it were chosen now at a failure of step `failed`: the failed step
    /// first (if its command ran), then every change in place, newest first. During a
    /// rollback, what is left of it.
    pub fn rollback_plan(&self, failed: usize) -> RollbackPlan {
        if let Some(r) = self.rollback_state() {
            return RollbackPlan {
                undo: r.plan[r.next.min(r.plan.len())..].to_vec(),
                kept: r.kept.clone(),
                ..RollbackPlan::default()
            };
        }
        plan_from(&self.rb, &self.steps, Some(failed))
    }

    /// The changes in place now, as a rollback would undo them with no step failing: what
    /// `shisa rollback` undoes, and what the abort dialog says stays in place.
    pub fn rollback_plan_now(&self) -> RollbackPlan {
        plan_from(&self.rb, &self.steps, None)
    }

    /// The same, limited to the loop pass step `failed` belongs to: earlier passes are kept.
    pub fn rollback_plan_of_pass(&self, failed: usize) -> RollbackPlan {
        of_pass(&self.rb, self.rollback_plan(failed), failed)
    }
}
