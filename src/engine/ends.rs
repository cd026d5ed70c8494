//! How a step, a rollback and the run end once their work is done: the `step_finished`
//! and `run_finished` the engine journals, with the words that say why (`update.rs` calls
//! these from `work`).

use crate::journal::record::{Body, Outcome, RunEnd, StepEnd, StepStatus};
use crate::runbook::model::StepKind;

use super::event::Effect;
use super::messages as msg;
use super::state::{Engine, Progress};

impl Engine {
    /// The `step_finished` of a step whose rollback has run to its end (or been skipped
    /// at its gates).
    pub(super) fn rollback_step_done(&self, i: usize) -> Body {
        // Skipped at its gates, the change stays in place and the step ends as it
        // had: nothing says it was undone.
        let left = self.undoing_gated(i) && !self.undo_gates_met(i);
        let failed = self.steps[i].undo_failures();
        match self.steps[i].progress.ended() {
            // A failed undo the operator went past: the change is in place, and the
            // step is drawn and counted as a failure, never as rolled back.
            _ if !left && !failed.is_empty() => {
                let why = StepEnd::NotUndone {
                    failed: failed.to_vec(),
                };
                Body::StepFinished {
                    status: StepStatus::Failed,
                    reason: Some(msg::step_end(&why)),
                    why: Some(why),
                }
            }
            _ if !left => Body::StepFinished {
                status: StepStatus::RolledBack,
                reason: None,
                why: None,
            },
            ended => Body::StepFinished {
                status: ended.map_or(StepStatus::Failed, |e| e.status),
                reason: Some(msg::step_end(&StepEnd::LeftInPlace)),
                why: Some(StepEnd::LeftInPlace),
            },
        }
    }

    /// Every step has ended: completed, or completed with the exceptions it names.
    pub(super) fn run_done(&mut self, fx: &mut Vec<Effect>) {
        let exceptions: Vec<&str> = (self.rb.steps.iter().zip(&self.steps))
            .filter(|(_, s)| s.status().is_some_and(StepStatus::is_exception))
            .map(|(step, _)| step.id.as_str())
            .collect();
        if exceptions.is_empty() {
            self.finish(fx, Outcome::Completed, None);
        } else {
            let steps = exceptions.into_iter().map(str::to_string).collect();
            let why = RunEnd::Exceptions { steps };
            self.finish_because(fx, Outcome::CompletedWithExceptions, why);
        }
    }

    /// The rollback has reached its end: how it went decides the run's outcome.
    pub(super) fn rollback_done(&mut self, fx: &mut Vec<Effect>) {
        let ok = !self.rollback_state().is_some_and(|r| r.incomplete);
        let ids = |v: &[usize]| -> Vec<String> {
            v.iter().map(|&j| self.rb.steps[j].id.clone()).collect()
        };
        let kept = ids(self.rollback_state().map_or(&[][..], |r| &r.kept[..]));
        let pass_only = self.rollback_state().is_some_and(|r| r.pass_only);
        // What was undone: the plan's steps that ended rolled back (one skipped at its
        // gates, or whose undo failed, is not).
        let undone: Vec<usize> = (self.rollback_state().iter())
            .flat_map(|r| &r.plan)
            .copied()
            .filter(|&j| self.steps[j].status() == Some(StepStatus::RolledBack))
            .collect();
        let body = Body::RollbackFinished {
            ok,
            undone: ids(&undone),
            kept: kept.clone(),
        };
        self.emit(fx, None, self.shisa(), body);
        let (outcome, why) = match (ok, kept.is_empty()) {
            (false, _) => (
                Outcome::Failed,
                RunEnd::RollbackIncomplete {
                    not_undone: self.not_undone(),
                },
            ),
            (true, true) if self.requested => (Outcome::RolledBack, RunEnd::RolledBackOnRequest),
            (true, true) => (Outcome::RolledBack, self.rolled_back_after()),
            (true, false) => (
                Outcome::RolledBack,
                RunEnd::RolledBackKeeping { kept, pass_only },
            ),
        };
        self.finish_because(fx, outcome, why);
    }

    /// The steps the rollback reached and did not undo (a failed rollback command, or gates
    /// the operator went past), in the rollback's order.
    fn not_undone(&self) -> Vec<String> {
        let Some(r) = self.rollback_state() else {
            return Vec::new();
        };
        (r.plan.iter().take(r.next))
            .filter(|&&j| self.steps[j].status() != Some(StepStatus::RolledBack))
            .map(|&j| self.rb.steps[j].id.clone())
            .collect()
    }

    /// Why a rollback chosen at a failure ended the run: which step failed, and which of
    /// its checks (none: its own command).
    fn rolled_back_after(&self) -> RunEnd {
        let failed = self.rollback_state().and_then(|r| r.failed);
        let checks = failed
            .map(|i| {
                (self.steps[i].checks.iter())
                    .filter(|(_, f)| f.is_some())
                    .map(|(n, _)| *n)
                    .collect()
            })
            .unwrap_or_default();
        RunEnd::RolledBack {
            failed: failed.map(|i| self.rb.steps[i].id.clone()),
            checks,
        }
    }

    /// How a step whose commands all finished closes: passed, or — when the operator
    /// declared an in-doubt step done and no check ran to prove it — unproven.
    pub(super) fn step_done(&self, i: usize) -> Body {
        let (step, s) = (&self.rb.steps[i], &self.steps[i]);
        let Progress::Verifying {
            accepted: Some(said),
            ..
        } = &s.progress
        else {
            return Body::StepFinished {
                status: StepStatus::Ok,
                reason: None,
                why: None,
            };
        };
        let harmless = step.kind == StepKind::Manual && !step.mutating;
        let proven = !step.verify.is_empty() || harmless;
        let why = StepEnd::Accepted {
            said: said.clone(),
            proven,
            has_verify: !step.verify.is_empty(),
        };
        Body::StepFinished {
            status: if proven {
                StepStatus::Ok
            } else {
                StepStatus::Unproven
            },
            reason: Some(msg::step_end(&why)),
            why: Some(why),
        }
    }
}
