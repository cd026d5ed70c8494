//! A rollback the operator asks for instead of one chosen at a failure: of an ended run
//! whose changes were left in place (`shisa rollback RUN --reason`, journaled as the
//! continuation `rollback_requested`), or of a live run from the quit dialog. The order is
//! the one rollback order (`rollback_plan_now`); the change window is checked as for any
//! change.

use crate::journal::record::{Body, Purpose, StepEnd, StepStatus};
use crate::runbook::model::{Approval, Undo};
use crate::runbook::window::Verdict;

use super::event::Effect;
use super::messages as msg;
use super::phase::{Phase, Todo};
use super::stage::TargetState;
use super::state::Engine;
use super::update::{Refusal, has_controls, refuse};

impl Engine {
    pub(super) fn request_rollback(
        &mut self,
        reason: String,
        outside_window: Option<String>,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let reason = self.mask(reason.trim());
        if reason.is_empty() {
            return refuse(msg::ROLLBACK_NEEDS_REASON);
        }
        if has_controls(&reason) {
            return refuse(msg::REASON_CONTROLS);
        }
        if self.halted().is_some() {
            return refuse(msg::ROLLBACK_HALTED);
        }
        if self.finished_as().is_none() {
            match self.phase() {
                _ if self.rollback_state().is_some() => return refuse(msg::ROLLBACK_RUNNING),
                Phase::Ready(_)
                | Phase::Confirm { .. }
                | Phase::Blind { .. }
                | Phase::Approval { .. }
                | Phase::Manual(_)
                | Phase::Waiting { .. }
                | Phase::NoReturn { .. } => {}
                // An approved change held back while the operator decided whether to quit
                // (`deciding.rs`): it has not started, so it changed nothing yet.
                Phase::Next(Todo::Main(_)) => {}
                _ => return refuse(msg::ROLLBACK_NOT_NOW),
            }
        }
        let plan = self.rollback_plan_now();
        if plan.undo.is_empty() && plan.without_rollback.is_empty() {
            return refuse(msg::NOTHING_TO_UNDO);
        }
        // Undoing is changing: the window holds for it as for the change itself. An ended
        // run's override was a decision about then, not now: only a new one counts.
        let carried = self.finished_as().is_none() && self.window_override.is_some();
        let overridden = carried
            || outside_window
                .as_deref()
                .is_some_and(|r| !r.trim().is_empty());
        if let Some(w) = &self.rb.window
            && let Verdict::Outside { shut, .. } = w.verdict(self.now)
            && !overridden
        {
            return refuse(msg::rollback_outside_window(&msg::outside_window(&shut)));
        }
        // The step under way (not started, or waiting on a person) ends here: it changed
        // nothing yet, and the run goes no further.
        let current = self
            .phase()
            .step()
            .filter(|&i| self.finished_as().is_none() && self.steps[i].underway());
        let step = self
            .finished_as()
            .is_none()
            .then(|| self.phase().step())
            .flatten();
        // An ended run is undone by a new process: the old one's watchers are gone.
        let gone = match self.finished_as() {
            Some(_) => self.watchers.iter().cloned().collect(),
            None => Vec::new(),
        };
        self.emit(
            fx,
            step,
            self.operator.clone(),
            Body::RollbackRequested { reason },
        );
        self.watchers_gone(gone, fx);
        self.outside_window(outside_window, fx);
        self.window_closed(fx);
        if let Some(i) = current {
            let body = Body::StepFinished {
                status: StepStatus::Skipped,
                reason: Some(msg::ROLLBACK_INSTEAD.into()),
                why: Some(StepEnd::RolledBackInstead),
            };
            self.emit(fx, Some(i), self.shisa(), body);
        }
        let ids = |v: Vec<usize>| v.into_iter().map(|j| self.rb.steps[j].id.clone()).collect();
        let body = Body::RollbackStarted {
            plan: ids(plan.undo),
            without_rollback: ids(plan.without_rollback),
            kept: ids(plan.kept),
            pass_only: false,
        };
        self.emit(fx, None, self.operator.clone(), body);
        self.advance(fx);
        Ok(())
    }
}

impl Engine {
    /// Step `i` is the one a later rollback (`shisa rollback`) is undoing: its gates are
    /// met afresh before its rollback runs.
    pub(super) fn undoing_gated(&self, i: usize) -> bool {
        self.rollback_state()
            .is_some_and(|r| r.gated && r.plan.get(r.next) == Some(&i))
    }

    /// Whether step `i`'s gates (typed target, approval) are met for its rollback; a step
    /// without them is met at once.
    pub(super) fn undo_gates_met(&self, i: usize) -> bool {
        let step = &self.rb.steps[i];
        let s = &self.steps[i];
        let target = step.target.is_none() || matches!(s.target(), TargetState::Confirmed { .. });
        let approval = matches!(step.approval, Approval::None) || s.approved;
        target && approval
    }

    /// What a reviewer approves when a later rollback undoes step `i`: its rollback, every
    /// entry as it will run (or be done by hand), and where.
    pub(super) fn shown_rollback(&self, i: usize) -> String {
        let step = &self.rb.steps[i];
        let entries: Vec<String> = (1..=step.rollback.len() as u32)
            .map(|n| match &step.rollback[n as usize - 1] {
                Undo::Run(_) => self
                    .shown_command(i, Purpose::Rollback(n))
                    .unwrap_or_default(),
                Undo::Manual { instructions, .. } => {
                    let what = instructions.render(&self.shown_step_vars(i));
                    format!("by hand: {}", self.mask(what.trim()))
                }
            })
            .collect();
        msg::rollback_of(&step.id, &entries.join("; "))
    }
}
