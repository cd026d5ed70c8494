//! A path is over, or stuck: which steps it reached and skipped, how it ended, and the
//! failure row it fills in (a row of its own when a gate ended the run with no question).

use crate::engine::Phase;
use crate::journal::record::Prompt;

use super::cursor::Cursor;
use super::paths::{Branch, FailureRow};
use super::walk::Walker;

impl Walker {
    pub(super) fn stuck(&mut self, c: &Cursor, why: String) {
        let step = c.e.phase().step().unwrap_or(c.e.current());
        if !why.is_empty() && !self.out.stuck.iter().any(|(s, w)| *s == step && *w == why) {
            self.out.stuck.push((step, why));
        }
    }

    /// A path is over: which steps it reached, and (without a failure) how it ended.
    pub(super) fn end(&mut self, c: &mut Cursor) {
        let finished = match c.e.phase() {
            Phase::Finished { outcome, .. } => Some(outcome),
            _ => None,
        };
        self.close_at_end(c, finished);
        if c.path.abandoned {
            return;
        }
        let mut skipped = Vec::new();
        for (i, s) in c.e.steps().iter().enumerate() {
            let was_skipped = s.status() == Some(crate::journal::record::StepStatus::Skipped);
            if s.progress().begun() && !was_skipped {
                self.out.ran[i] = true;
                self.out.reached[i] = true;
            } else if was_skipped {
                self.out.reached[i] = true;
                let why = c.e.condition(i).err();
                skipped.push((
                    i,
                    why.map(|w| crate::engine::messages::skip(&w))
                        .unwrap_or_default(),
                ));
            }
        }
        if c.path.joined {
            return;
        }
        if c.path.failing.is_none() {
            let outcome = match c.e.phase() {
                Phase::Finished { outcome, .. } => Some(outcome),
                _ => None,
            };
            self.out.branches.push(Branch {
                decisions: c.path.decisions.clone(),
                skipped,
                outcome,
            });
        } else if let Some(r) = c.path.row
            && let Phase::Finished { outcome, .. } = c.e.phase()
        {
            self.out.rows[r].outcome = Some(outcome);
        } else if let Some((step, purpose)) = c.path.failing
            && !c.path.asked
            && let Phase::Finished { outcome, .. } = c.e.phase()
        {
            // Ended with no question (a gate refusing before any change): a row all the
            // same, asking nothing.
            self.out.rows.push(FailureRow {
                step,
                purpose,
                after: c.path.decisions.clone(),
                prompt: Prompt::Gate,
                reason: c.path.finished_why.clone().unwrap_or_default(),
                choices: Vec::new(),
                plan: c.e.rollback_plan(step),
                pass_plan: None,
                undone: Vec::new(),
                outcome: Some(outcome),
            });
        }
    }
}
