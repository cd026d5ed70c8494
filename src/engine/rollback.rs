//! The one rollback order: the engine follows it when the operator chooses rollback, and the
//! failure dialog, `plan` and the export show it.

use crate::journal::record::StepStatus;

use super::state::Engine;

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
}

impl Engine {
    /// Whether step `j`'s change may be in place: it changes something, its own command
    /// started (a command that failed may still have changed something, so a failed or
    /// aborted step counts too), it was not rolled back, and no later step that `closes` it
    /// has undone it.
    pub fn in_effect(&self, j: usize) -> bool {
        self.ran_and_stays(j) && !self.closed(j)
    }

    /// `in_effect` but for `closes`: the step changes something, its command started, and
    /// it was neither rolled back nor skipped.
    fn ran_and_stays(&self, j: usize) -> bool {
        let s = &self.steps[j];
        self.rb.steps[j].mutating
            && s.main_ran
            && !matches!(
                s.status(),
                Some(StepStatus::RolledBack | StepStatus::Skipped)
            )
    }

    /// `closed` for every step at once, in one pass over the closers: a plan over many
    /// steps then costs O(n), not O(n²) (`shisa review` asks for one at every failure).
    fn closed_all(&self) -> Vec<bool> {
        let done = |k: usize| self.steps[k].status().is_some_and(StepStatus::went_on);
        let mut closed = vec![false; self.rb.steps.len()];
        let closers: Vec<(usize, &str)> = (self.rb.steps.iter().enumerate())
            .filter_map(|(k, s)| Some((k, s.closes.as_ref()?.id.as_str())))
            .filter(|&(k, _)| done(k))
            .collect();
        if closers.is_empty() {
            return closed;
        }
        let index: std::collections::HashMap<&str, usize> = (self.rb.steps.iter().enumerate())
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

    /// Step `j` was undone by a later step that `closes` it, or is itself such a step: the
    /// pair cancels out, and rolling back either alone would leave the system half-way.
    fn closed(&self, j: usize) -> bool {
        let done = |k: usize| self.steps[k].status().is_some_and(StepStatus::went_on);
        let id = &self.rb.steps[j].id;
        let closer = self.rb.steps[j].closes.is_some() && done(j);
        closer
            || self
                .rb
                .steps
                .iter()
                .enumerate()
                .any(|(k, s)| k > j && s.closes.as_ref().is_some_and(|r| &r.id == id) && done(k))
    }

    /// Changes that are in place and not rolled back.
    pub fn changes_made(&self) -> bool {
        let closed = self.closed_all();
        (0..self.steps.len()).any(|j| self.ran_and_stays(j) && !closed[j])
    }

    /// The first step a rollback may reach back to, and the step that set it: after a
    /// completed checkpoint only later steps are undone; once a point of no return has been
    /// passed, nothing before it is.
    fn floor(&self) -> Option<(usize, usize)> {
        let done = |k: usize| self.steps[k].status().is_some_and(StepStatus::went_on);
        (0..self.rb.steps.len()).rev().find_map(|k| {
            let s = &self.rb.steps[k];
            if s.checkpoint.is_some() && done(k) {
                Some((k + 1, k))
            } else if s.point_of_no_return.is_some() && self.steps[k].no_return {
                Some((k, k))
            } else {
                None
            }
        })
    }

    /// The rollback if it were chosen now at a failure of step `failed`: the failed step
    /// first (if its command ran), then every change in place, newest first. During a
    /// rollback, what is left of it.
    pub fn rollback_plan(&self, failed: usize) -> RollbackPlan {
        if let Some(r) = &self.rollback {
            return RollbackPlan {
                undo: r.plan[r.next.min(r.plan.len())..].to_vec(),
                kept: r.kept.clone(),
                ..RollbackPlan::default()
            };
        }
        self.plan_from(Some(failed))
    }

    /// The changes in place now, as a rollback would undo them with no step failing: what
    /// `shisa rollback` undoes, and what the abort dialog says stays in place.
    pub fn rollback_plan_now(&self) -> RollbackPlan {
        self.plan_from(None)
    }

    fn plan_from(&self, failed: Option<usize>) -> RollbackPlan {
        let failed_ran = failed.filter(|&f| {
            let s = &self.steps[f];
            self.rb.steps[f].mutating && s.main_ran && s.status().is_none()
        });
        let closed = self.closed_all();
        let changed: Vec<usize> = failed_ran
            .into_iter()
            .chain(
                (0..self.rb.steps.len())
                    .rev()
                    .filter(|&j| Some(j) != failed && self.ran_and_stays(j) && !closed[j]),
            )
            .collect();
        let (floor, kept_by) = match self.floor() {
            Some((floor, by)) => (floor, Some(by)),
            None => (0, None),
        };
        let (reach, kept): (Vec<usize>, Vec<usize>) =
            changed.into_iter().partition(|&j| j >= floor);
        let (undo, without_rollback) = reach
            .into_iter()
            .partition(|&j| !self.rb.steps[j].rollback.is_empty());
        RollbackPlan {
            undo,
            without_rollback,
            kept_by: kept_by.filter(|_| !kept.is_empty()),
            kept,
        }
    }

    /// The same, limited to the loop pass step `failed` belongs to: earlier passes are kept.
    pub fn rollback_plan_of_pass(&self, failed: usize) -> RollbackPlan {
        let mut plan = self.rollback_plan(failed);
        let pass = |j: usize| {
            self.rb.steps[j]
                .iteration
                .as_ref()
                .map(|it| (it.loop_id.clone(), it.index))
        };
        let Some(here) = pass(failed) else {
            return plan;
        };
        let other = |j: &usize| pass(*j).as_ref() != Some(&here);
        let mut kept: Vec<usize> = plan.undo.iter().copied().filter(other).collect();
        kept.extend(plan.without_rollback.iter().copied().filter(other));
        plan.undo.retain(|j| !other(j));
        plan.without_rollback.retain(|j| !other(j));
        kept.extend(plan.kept);
        kept.sort_unstable_by(|a, b| b.cmp(a));
        plan.kept = kept;
        plan
    }
}
