//! The one rollback order: the engine follows it when the operator chooses rollback, and the
//! failure dialog shows it before they choose.

use crate::journal::record::StepStatus;

use super::state::Engine;

/// What a rollback undoes, in order, and the changes it cannot undo.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RollbackPlan {
    /// Steps whose rollback commands run, in this order.
    pub undo: Vec<usize>,
    /// Steps that changed something but define no rollback: named, never skipped silently.
    pub without_rollback: Vec<usize>,
}

impl Engine {
    /// Whether step `j`'s change is in place: it changes something, the run went on past it,
    /// and (where it failed and was continued past) its own command did run.
    pub fn in_effect(&self, j: usize) -> bool {
        let s = &self.steps[j];
        self.rb.steps[j].mutating
            && s.status.is_some_and(StepStatus::went_on)
            && (s.status != Some(StepStatus::Continued) || s.main_ran)
    }

    /// Changes that are in place and not rolled back.
    pub fn changes_made(&self) -> bool {
        (0..self.steps.len()).any(|j| self.in_effect(j))
    }

    /// The rollback if it were chosen now at a failure of step `failed`: the failed step
    /// first (if its command ran), then every change in place, newest first. During a
    /// rollback, what is left of it.
    pub fn rollback_plan(&self, failed: usize) -> RollbackPlan {
        if let Some(r) = &self.rollback {
            return RollbackPlan {
                undo: r.plan[r.next.min(r.plan.len())..].to_vec(),
                without_rollback: Vec::new(),
            };
        }
        let f = &self.steps[failed];
        let failed_ran = self.rb.steps[failed].mutating && f.main_ran && f.status.is_none();
        let order = failed_ran.then_some(failed).into_iter().chain(
            (0..self.rb.steps.len())
                .rev()
                .filter(|&j| j != failed && self.in_effect(j)),
        );
        let (undo, without_rollback) = order.partition(|&j| !self.rb.steps[j].rollback.is_empty());
        RollbackPlan {
            undo,
            without_rollback,
        }
    }
}
