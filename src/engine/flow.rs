//! Which steps run and what they may skip: `when` conditions, and targets already typed in
//! the same loop pass.

use crate::runbook::model::{Step, When};

use super::messages as msg;
use super::state::{Engine, TargetState};

/// The loop pass a step belongs to (`None` at the top level): a target typed in one pass
/// says nothing about another.
fn pass(step: &Step) -> Option<(&str, usize)> {
    step.iteration
        .as_ref()
        .map(|it| (it.loop_id.as_str(), it.index))
}

impl Engine {
    /// Whether step `i` is to run: `Err` holds why not, as journaled with the skip.
    pub fn condition(&self, i: usize) -> Result<(), String> {
        let Some(cond) = self.rb.steps.get(i).and_then(|s| s.when.as_ref()) else {
            return Ok(());
        };
        match &cond.test {
            When::Param { name, equals } => {
                let have = self.params.shown().get(name).cloned().unwrap_or_default();
                if self.params.values.get(name) == Some(equals) {
                    Ok(())
                } else {
                    Err(msg::skipped_param(name, &have, &self.mask(equals)))
                }
            }
            When::Capture { name, matches } => match self.step_vars(i).get(name) {
                Some(v) if matches.is_match(v) => Ok(()),
                Some(v) => Err(msg::skipped_capture(name, &self.mask(v), &matches.source)),
                None => Err(msg::skipped_capture_unset(name, &matches.source)),
            },
            When::Choice { step, equals } => {
                let chosen = self
                    .step_index(&step.id)
                    .and_then(|j| self.steps[j].chosen.as_deref());
                match chosen {
                    Some(c) if c == equals => Ok(()),
                    _ => Err(msg::skipped_choice(&step.id, chosen, equals)),
                }
            }
        }
    }

    /// An earlier step of the same loop pass where the operator confirmed this very target.
    /// Top-level steps are asked each time, as they always were.
    pub(super) fn confirmed_before(&self, i: usize, resolved: &str) -> Option<usize> {
        let here = pass(&self.rb.steps[i]);
        here?;
        (0..i).rev().find(|&j| {
            pass(&self.rb.steps[j]) == here
                && matches!(&self.steps[j].target,
                    TargetState::Confirmed { resolved: r, .. } if r == resolved)
        })
    }
}
