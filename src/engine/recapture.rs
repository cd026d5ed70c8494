//! A resumed run that lost a secret capture (ARCHITECTURE.md, "Secrets never reach disk or
//! screen"): the value was held in memory only, so a command that reads it cannot run.
//! The engine asks instead (`Prompt::LostCapture`): run the step that captured it again
//! (`rerun`, journaled as `capture_rerun`), undo, or stop. The capturing step begins again
//! from its start — a change through its gates again, its target typed and its approval
//! given anew — and once it ends, the run goes back to the step that needed the value.

use crate::journal::record::{Body, Gate, Prompt, Purpose, StepFailure};

use super::commands::reads;
use super::event::Effect;
use super::messages as msg;
use super::state::Engine;

impl Engine {
    /// The step the run is at: one running again for a lost capture, else `current`.
    pub(super) fn at(&self) -> usize {
        self.recapture.last().copied().unwrap_or(self.current)
    }

    /// The captures step `i`'s command for `purpose` reads whose real value is gone.
    fn lost_read_by(&self, i: usize, purpose: Purpose) -> Vec<String> {
        let Some((cmd, check)) = self.command_for(i, purpose) else {
            return Vec::new();
        };
        let expect = match purpose {
            Purpose::Main => Some(&self.rb.steps[i].expect),
            Purpose::Describe | Purpose::Impact => None,
            _ => check.map(|c| &c.expect),
        };
        self.lost_captures()
            .into_iter()
            .filter(|k| reads(&cmd, expect, k))
            .map(str::to_string)
            .collect()
    }

    /// The lost captures any command of step `i` (before its rollback) reads.
    fn lost_read_by_step(&self, i: usize) -> Vec<String> {
        let checks = self.rb.steps[i].verify.len() as u32;
        let purposes = [Purpose::Describe, Purpose::Impact, Purpose::Main]
            .into_iter()
            .chain((1..=checks).map(Purpose::Verify));
        let mut names: Vec<String> = purposes.flat_map(|p| self.lost_read_by(i, p)).collect();
        names.sort();
        names.dedup();
        names
    }

    /// The step to run again for `names`: the last one before `i` that captured one of
    /// them and ended (the latest capture of a name is the one a later step reads).
    fn capturer(&self, i: usize, names: &[String]) -> Option<usize> {
        (0..i.min(self.steps.len())).rev().find(|&j| {
            self.steps[j].status().is_some()
                && self.rb.steps[j]
                    .capture
                    .iter()
                    .any(|c| names.contains(&c.name))
        })
    }

    /// Step `i`'s command for `purpose` reads a capture whose value is gone: it must not
    /// run with the mask in its place. Asks the operator (true: nothing may start now).
    pub(super) fn lost_halts(&mut self, i: usize, purpose: Purpose, fx: &mut Vec<Effect>) -> bool {
        let lost = self.lost_read_by(i, purpose);
        if lost.is_empty() {
            return false;
        }
        let again = match purpose {
            // Mid-rollback, nothing runs forward again: skip this command or stop.
            Purpose::Rollback(_) => None,
            _ => self.capturer(i, &lost),
        };
        match again {
            Some(j) => {
                let why = StepFailure::LostCapture {
                    purpose,
                    names: lost,
                    by: self.rb.steps[j].id.clone(),
                    mutating: self.rb.steps[j].mutating,
                };
                let body = Body::StepFailed {
                    prompt: Prompt::LostCapture,
                    reason: msg::step_failure(&why, &[]),
                    why: Some(why),
                };
                self.emit(fx, Some(i), self.shisa(), body);
            }
            None => {
                let by: Vec<String> = self
                    .rb
                    .steps
                    .iter()
                    .filter(|s| s.capture.iter().any(|c| lost.contains(&c.name)))
                    .map(|s| s.id.clone())
                    .collect();
                // Running it again cannot bring the value back: roll back or stop (during
                // a rollback, skip this command or stop).
                let prompt = match purpose {
                    Purpose::Rollback(_) => Prompt::Rollback,
                    _ => Prompt::Gate,
                };
                let gate = Gate::LostCaptures {
                    purpose,
                    names: lost,
                    by,
                };
                self.ask_gate(i, gate, prompt, fx);
            }
        }
        true
    }

    /// The operator chose to run again the step that captured what step `i` needs.
    pub(super) fn recapture(&mut self, i: usize, fx: &mut Vec<Effect>) {
        let lost = self.lost_read_by_step(i);
        let Some(j) = self.capturer(i, &lost) else {
            return;
        };
        let step = &self.rb.steps[j];
        let names = lost
            .into_iter()
            .filter(|k| step.capture.iter().any(|c| &c.name == k))
            .collect();
        let body = Body::CaptureRerun {
            needed_by: self.rb.steps[i].id.clone(),
            names,
            mutating: step.mutating,
        };
        self.emit(fx, Some(j), self.operator.clone(), body);
    }
}
