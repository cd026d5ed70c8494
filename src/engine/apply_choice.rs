//! An operator's choice (`operator_choice`) applied to the step it answers: what each
//! answer at each prompt changes. `apply.rs` sends each here.

use crate::journal::record::{Choice, Prompt};

use super::run_progress::{Going, RunProgress};
use super::state::Engine;

impl Engine {
    pub(super) fn apply_choice(&mut self, i: usize, prompt: Prompt, choice: &Choice) {
        // Before a later rollback's gates are met, the question is about the step's whole
        // rollback: retry looks the target up again, continue leaves the change in place.
        let before_gates =
            prompt == Prompt::Rollback && self.undoing_gated(i) && !self.undo_gates_met(i);
        let entries = self.rb.steps[i].rollback.len() as u32;
        let s = &mut self.steps[i];
        // The run-wide state beside the step's (a field apart, so both can change here).
        let mut going = match &mut self.run {
            RunProgress::Going(g) => Some(g),
            _ => None,
        };
        let rolling_back = going.as_ref().is_some_and(|g| g.rollback().is_some());
        match (prompt, choice) {
            // Retry runs again what failed: the step's own command if that failed, else the
            // verify check that failed — never a change that already succeeded.
            // After a rejection, "retry" asks for approval again: a new request, which the
            // old one's answers cannot meet.
            (Prompt::Rollback, Choice::Retry) if before_gates => {
                s.settle_command();
                s.forget_target(false);
            }
            (Prompt::Rollback, Choice::Continue) if before_gates => {
                s.settle_command();
                s.undone_to(entries);
                if let Some(r) = going.as_mut().and_then(|g| g.rollback_mut()) {
                    r.incomplete = true;
                }
            }
            (Prompt::Rejected, Choice::Retry) => {
                s.settle_command();
                s.forget_approval();
            }
            (_, Choice::Retry) => {
                s.settle_command();
                s.checks.retain(|_, failure| failure.is_none());
            }
            // The window override is on record (its own `override` entry): the step goes
            // on from where the window stopped it.
            (Prompt::Window, Choice::Override(_)) => {
                s.settle_command();
            }
            // The entry that failed is not undone, and neither is the step (`NotUndone`).
            (Prompt::Rollback, Choice::Continue) => {
                s.settle_command();
                s.undo_failed(s.undone() + 1);
                if let Some(r) = going.as_mut().and_then(|g| g.rollback_mut()) {
                    r.incomplete = true;
                }
            }
            // A rollback command in doubt: run it again, or count it done.
            (Prompt::InDoubt, Choice::Rerun) if rolling_back => settle(going),
            (Prompt::InDoubt, Choice::Done(_)) if rolling_back => {
                s.undone_to(s.undone() + 1);
                settle(going);
            }
            // The operator says the step's own part finished: what is left (its verify)
            // runs from here.
            (Prompt::InDoubt, Choice::Done(reason)) => {
                s.accept(reason.clone());
                settle(going);
            }
            // The step that needs the value tries again once the capturing step has run
            // again (`capture_rerun`, journaled next, starts that).
            (Prompt::LostCapture, Choice::Rerun) => s.settle_command(),
            (Prompt::InDoubt, Choice::Rerun) => {
                // Start the step over, but keep counting attempts so no log is overwritten, and
                // remember that its command ran before: whatever it changed may be in place.
                s.restart(s.main_ran);
                settle(going);
            }
            _ => {}
        }
    }
}

/// The step in doubt is settled: the operator said what happened.
fn settle(going: Option<&mut Going>) {
    if let Some(g) = going {
        g.settle_doubt();
    }
}
