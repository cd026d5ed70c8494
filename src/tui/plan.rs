//! What a rollback would undo, computed the way the engine's `start_rollback` does, so the
//! failure dialog can list it before the operator chooses.

use crate::engine::Engine;
use crate::journal::record::StepStatus;

/// The rollback plan if rollback were chosen at a failure of step `failed`: steps with
/// rollback commands, in order, and the ones that changed something but define none.
pub fn rollback_plan(e: &Engine, failed: usize) -> (Vec<usize>, Vec<usize>) {
    if let Some(r) = &e.rollback {
        // A rollback is already under way (a rollback command failed): what is left of it.
        return (r.plan[r.next.min(r.plan.len())..].to_vec(), Vec::new());
    }
    let mut order = Vec::new();
    let f = &e.steps[failed];
    if e.rb.steps[failed].mutating && f.main_ran && f.status.is_none() {
        order.push(failed);
    }
    for j in (0..e.rb.steps.len()).rev() {
        if j != failed && e.rb.steps[j].mutating && e.steps[j].status == Some(StepStatus::Ok) {
            order.push(j);
        }
    }
    order
        .into_iter()
        .partition(|&j| !e.rb.steps[j].rollback.is_empty())
}
