//! Which steps run and what they may skip: `when` conditions, and targets already typed in
//! the same loop pass.

use crate::journal::record::Skip;
use crate::runbook::model::{Step, When};

use super::stage::TargetState;
use super::state::Engine;

/// The loop pass a step belongs to (`None` at the top level): a target typed in one pass
/// says nothing about another.
fn pass(step: &Step) -> Option<(&str, usize)> {
    step.iteration
        .as_ref()
        .map(|it| (it.loop_id.as_str(), it.index))
}

impl Engine {
    /// Whether step `i` is to run: `Err` holds why not, as journaled with the skip.
    pub fn condition(&self, i: usize) -> Result<(), Skip> {
        let Some(cond) = self.rb.steps.get(i).and_then(|s| s.when.as_ref()) else {
            return Ok(());
        };
        match &cond.test {
            When::Param { name, equals } => {
                let have = self.params.shown().get(name).cloned().unwrap_or_default();
                if self.params.values.get(name) == Some(equals) {
                    Ok(())
                } else {
                    Err(Skip::Param {
                        name: name.clone(),
                        have,
                        wanted: self.mask(equals),
                    })
                }
            }
            When::Capture { name, matches } => match self.step_vars(i).get(name) {
                Some(v) if matches.is_match(v) => Ok(()),
                v => Err(Skip::Capture {
                    name: name.clone(),
                    have: v.map(|v| self.mask(v)),
                    pattern: matches.source.clone(),
                }),
            },
            When::Choice { step, equals } => {
                let chosen = self
                    .step_index(&step.id)
                    .and_then(|j| self.steps[j].chosen.as_deref());
                match chosen {
                    Some(c) if c == equals => Ok(()),
                    _ => Err(Skip::Choice {
                        step: step.id.clone(),
                        chosen: chosen.map(str::to_string),
                        wanted: equals.clone(),
                    }),
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
                && matches!(self.steps[j].target(),
                    TargetState::Confirmed { resolved: r, .. } if r == resolved)
        })
    }
}
