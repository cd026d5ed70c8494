//! What the operator may answer when the run asks: the choices each question offers (the
//! one list the engine enforces, the front ends offer and `plan` prints), narrowed by where
//! the run is (undoing already, nothing to undo, a loop pass). The answer a question starts
//! on is `default_choice.rs`.

use crate::journal::record::{Choice, ChoiceKind, Prompt};
use crate::runbook::model::{OnFailure, Step, StepKind};

use super::phase::Phase;
use super::state::Engine;

use ChoiceKind as K;

/// The choices at a failed change or a failed check of one: what `offered` gives for
/// `Prompt::Failure` unless the step says otherwise (`plan` names only steps that do).
pub const USUAL_FAILURE_CHOICES: [ChoiceKind; 3] = [K::Rollback, K::Retry, K::Abort];

/// The question a failure of `step`'s own command or of its checks puts to the operator: a
/// precheck's differs (nothing to roll back, perhaps an override). The engine asks it and
/// `plan` prints its choices from the same function.
pub fn failure_prompt(step: &Step) -> Prompt {
    match step.kind {
        StepKind::Precheck => Prompt::Precheck,
        _ => Prompt::Failure,
    }
}

/// What the operator may answer when `step` stops at `prompt`: the one list the engine
/// enforces, the front ends offer and `plan` prints.
pub fn offered(step: &Step, prompt: Prompt) -> Vec<ChoiceKind> {
    match prompt {
        Prompt::Precheck if step.allow_override => vec![K::Retry, K::Abort, K::Override],
        Prompt::Precheck => vec![K::Retry, K::Abort],
        Prompt::Gate => vec![K::Rollback, K::Abort],
        Prompt::Rollback => vec![K::Retry, K::Continue, K::Abort],
        Prompt::InDoubt => vec![K::Rerun, K::Done, K::Rollback],
        // Not `retry`: the window does not reopen on request, and asking again in the same
        // minute would be the same question.
        Prompt::Window => vec![K::Override, K::Abort],
        // Run the step that captured the lost value again (its gates again), undo, or stop.
        Prompt::LostCapture => vec![K::Rerun, K::Rollback, K::Abort],
        // Ask for approval again (another reviewer, or the same one after a fix elsewhere),
        // undo what was done, or stop.
        Prompt::Rejected => vec![K::Retry, K::Rollback, K::Abort],
        Prompt::Failure if step.on_failure == OnFailure::AllowContinue => {
            vec![K::Rollback, K::Retry, K::Abort, K::Continue]
        }
        Prompt::Failure => USUAL_FAILURE_CHOICES.to_vec(),
    }
}

impl Engine {
    /// The answers the operator may give at the current prompt.
    pub fn choices(&self) -> Vec<ChoiceKind> {
        let mut offered = self.choices_offered();
        // Undoing already: a refused target or a rejected approval cannot start another.
        if self.rollback_state().is_some() {
            offered.retain(|k| !matches!(k, K::Rollback | K::RollbackItem));
        }
        // In a loop, the operator may undo only the pass that failed and keep the earlier
        // ones (each already verified) where they are.
        if let Some(at) = offered.iter().position(|k| *k == K::Rollback)
            && let Some(i) = self.phase().step()
            && self.rollback_state().is_none()
            // Outside a loop the two plans are one (and each costs a pass over every step).
            && self.rb.steps[i].iteration.is_some()
            && self.rollback_plan(i).kept != self.rollback_plan_of_pass(i).kept
        {
            offered.insert(at + 1, K::RollbackItem);
        }
        offered
    }

    fn choices_offered(&self) -> Vec<ChoiceKind> {
        match self.phase() {
            // Nothing to undo: rolling back would only end the run under another name.
            Phase::Failed {
                step,
                prompt: Prompt::Rejected,
                ..
            } if !self.changes_made() => {
                let mut offered = offered(&self.rb.steps[step], Prompt::Rejected);
                offered.retain(|k| *k != K::Rollback);
                offered
            }
            Phase::Failed {
                step,
                prompt: Prompt::LostCapture,
                ..
            } if !self.changes_made() => {
                let mut offered = offered(&self.rb.steps[step], Prompt::LostCapture);
                offered.retain(|k| *k != K::Rollback);
                offered
            }
            Phase::Failed { step, prompt, .. } => offered(&self.rb.steps[step], prompt),
            // During a rollback the question is about one rollback command.
            Phase::InDoubt(_) if self.rollback_state().is_some() => vec![K::Rerun, K::Done],
            // `done` says the step's own command finished: not where it never started, and
            // not where what it printed matters (a snapshot, a capture) and its result is not
            // in the journal, because nobody can say what that was.
            Phase::InDoubt(step)
                if self.rb.steps[step].kind != StepKind::Manual
                    && (!self.steps[step].main_ran
                        || (!self.steps[step].main_done()
                            && (self.rb.steps[step].kind == StepKind::Snapshot
                                || !self.rb.steps[step].capture.is_empty()))) =>
            {
                vec![K::Rerun, K::Rollback]
            }
            Phase::InDoubt(step) => offered(&self.rb.steps[step], Prompt::InDoubt),
            _ => Vec::new(),
        }
    }

    pub fn allows(&self, choice: &Choice) -> bool {
        self.choices().contains(&choice.kind())
    }

    /// The prompt the current decision answers.
    pub fn prompt(&self) -> Option<Prompt> {
        match self.phase() {
            Phase::Failed { prompt, .. } => Some(prompt),
            Phase::InDoubt(_) => Some(Prompt::InDoubt),
            _ => None,
        }
    }
}
