//! A step's verify checks all run, even after one fails, so the operator learns which hold
//! (is the API server still answering?) before deciding. A check whose own retries are
//! used up is final for this round; the next check runs; once every check has a result, a
//! step with failures asks once, naming each failed check. Retry runs only the failed ones
//! again (`apply_choice`).

use super::messages as msg;
use crate::journal::record::{Body, Purpose, StepFailure};

use super::choices::failure_prompt;
use super::event::Effect;
use super::phase::{Phase, Todo};
use super::stage::{CommandState, WaitState};
use super::state::Engine;

impl Engine {
    /// What comes after the step's own command: the next check without a result this
    /// round, else the failures put together, else the step is done.
    pub(super) fn after_main(&self, i: usize) -> Phase {
        let (step, s) = (&self.rb.steps[i], &self.steps[i]);
        let n = step.verify.len() as u32;
        if let Some(k) = (1..=n).find(|k| !s.checks.contains_key(k)) {
            return Phase::Next(Todo::Verify(i, k));
        }
        if s.checks.values().any(Option::is_some) {
            return Phase::Next(Todo::ChecksFailed(i));
        }
        Phase::Next(Todo::StepDone(i))
    }

    /// A failed verify check whose retries are used up (and that is not being polled):
    /// final for this round, so the run goes on to the next check rather than waiting.
    pub(super) fn check_given_up(&self, i: usize) -> bool {
        let s = &self.steps[i];
        match s.stage().command() {
            Some(&CommandState::Ended {
                purpose: purpose @ Purpose::Verify(_),
                ok: false,
                ..
            }) => {
                !matches!(s.wait(), Some(WaitState::Active { .. }))
                    && s.round >= self.retry_of(i, purpose).attempts
            }
            _ => false,
        }
    }

    /// Every check has run and some failed: one question, each failure named.
    pub(super) fn checks_failed(&mut self, i: usize, fx: &mut Vec<Effect>) {
        let failures: Vec<(u32, String)> = self.steps[i]
            .checks
            .iter()
            .filter_map(|(k, f)| f.clone().map(|f| (*k, f)))
            .collect();
        let why = StepFailure::Checks {
            failed: failures.iter().map(|f| f.0).collect(),
            of: self.rb.steps[i].verify.len().try_into().unwrap_or(u32::MAX),
        };
        let reason = msg::step_failure(&why, &failures);
        let body = Body::StepFailed {
            prompt: failure_prompt(&self.rb.steps[i]),
            reason: self.mask(&reason),
            why: Some(why),
        };
        self.emit(fx, Some(i), self.shisa(), body);
    }
}
