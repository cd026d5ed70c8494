//! The operator's decisions after a failure or a crash, and the rollback they start.

use crate::journal::record::OverrideKind;
use crate::journal::record::{Body, Choice, Outcome, Prompt, RunEnd, StepEnd, StepStatus};

use super::event::Effect;
use super::messages as msg;
use super::state::Engine;
use super::update::{Refusal, has_controls, refuse};

impl Engine {
    pub(super) fn choose(&mut self, choice: Choice, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        let (Some(prompt), Some(i)) = (self.prompt(), self.phase().step()) else {
            return refuse(msg::NO_DECISION_WAITING);
        };
        if !self.allows(&choice) {
            let allowed: Vec<&str> = self.choices().iter().map(|k| k.name()).collect();
            return refuse(msg::not_possible(choice.name(), &allowed));
        }
        if let Choice::Abort(Some(r)) | Choice::Override(r) | Choice::Done(r) = &choice
            && has_controls(r)
        {
            return refuse(msg::REASON_CONTROLS);
        }
        let choice = match choice {
            Choice::Abort(r) => Choice::Abort(r.map(|r| self.mask(&r))),
            Choice::Override(ref r) | Choice::Done(ref r) if r.trim().is_empty() => {
                return refuse(msg::needs_reason(choice.name()));
            }
            Choice::Override(r) => Choice::Override(self.mask(r.trim())),
            Choice::Done(r) => Choice::Done(self.mask(r.trim())),
            c => c,
        };

        self.emit(
            fx,
            Some(i),
            self.operator.clone(),
            Body::OperatorChoice {
                prompt,
                choice: choice.clone(),
            },
        );
        match choice {
            Choice::Rerun if prompt == Prompt::LostCapture => self.recapture(i, fx),
            Choice::Retry | Choice::Rerun => {}
            Choice::Rollback => self.start_rollback(i, false, fx),
            Choice::RollbackItem => self.start_rollback(i, true, fx),
            Choice::Abort(reason) => {
                let outcome = if matches!(
                    prompt,
                    Prompt::Gate | Prompt::Window | Prompt::Rejected | Prompt::LostCapture
                ) {
                    Outcome::Refused
                } else {
                    Outcome::Failed
                };
                // At a failure the failure is the cause: the run failed (exit 1, as
                // DESIGN's exit codes say: "a step failed and the run ended … stopped"),
                // and its end says the operator aborted there, in their words if given.
                match (outcome, reason) {
                    (Outcome::Failed, said) => {
                        self.finish_because(fx, outcome, RunEnd::StoppedAfterFailure { said })
                    }
                    (_, Some(reason)) => self.finish(fx, outcome, Some(reason)),
                    (_, None) => {
                        let said = msg::abort_unexplained(msg::AbortedAt::Elsewhere);
                        self.finish(fx, outcome, Some(said.into()))
                    }
                }
                return Ok(());
            }
            Choice::Continue if prompt == Prompt::Rollback => {}
            Choice::Continue => {
                let body = Body::StepFinished {
                    status: StepStatus::Continued,
                    reason: Some(msg::CHOSE_CONTINUE.into()),
                    why: Some(StepEnd::ContinueChosen),
                };
                self.emit(fx, Some(i), self.shisa(), body);
            }
            Choice::Override(reason) if prompt == Prompt::Window => {
                let body = Body::Override {
                    what: OverrideKind::Window,
                    reason,
                };
                self.emit(fx, Some(i), self.operator.clone(), body);
            }
            Choice::Override(reason) => {
                let body = Body::Override {
                    what: OverrideKind::Precheck,
                    reason: reason.clone(),
                };
                self.emit(fx, Some(i), self.operator.clone(), body);
                let body = Body::StepFinished {
                    status: StepStatus::Overridden,
                    reason: Some(reason),
                    why: None,
                };
                self.emit(fx, Some(i), self.shisa(), body);
            }
            // The operator says the in-doubt step's own part finished; its verify still has
            // to prove it (the step closes in `advance`, after the checks).
            Choice::Done(_) => {}
        }
        self.advance(fx);
        Ok(())
    }

    /// Undo: the failed step first (if its command ran), then every completed mutating step
    /// in reverse order (only those of the failed loop pass with `only_pass`). Steps without
    /// rollback commands, and changes kept on purpose, are named, never skipped silently.
    pub(super) fn start_rollback(&mut self, failed: usize, only_pass: bool, fx: &mut Vec<Effect>) {
        let plan = if only_pass {
            self.rollback_plan_of_pass(failed)
        } else {
            self.rollback_plan(failed)
        };
        let ids = |v: Vec<usize>| v.into_iter().map(|j| self.rb.steps[j].id.clone()).collect();
        let body = Body::RollbackStarted {
            plan: ids(plan.undo),
            without_rollback: ids(plan.without_rollback),
            kept: ids(plan.kept),
            pass_only: only_pass,
        };
        self.emit(fx, Some(failed), self.operator.clone(), body);
        if self.steps[failed].status().is_none()
            && !self
                .rollback_state()
                .is_some_and(|r| r.plan.contains(&failed))
        {
            let body = Body::StepFinished {
                status: StepStatus::Failed,
                reason: Some(msg::ROLLBACK_CHOSEN.into()),
                why: Some(StepEnd::RollbackChosen),
            };
            self.emit(fx, Some(failed), self.shisa(), body);
        }
    }
}
