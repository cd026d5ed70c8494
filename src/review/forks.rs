//! Where the walk's paths meet again: a path at a fork point where another path has
//! already been, in everything that decides what follows, is not followed again.

use crate::runbook::model::When;

use super::cursor::Cursor;
use super::walk::Walker;

impl Walker {
    /// Whether a path at fork point `at` is where another path has already been, in all
    /// that decides what follows: if so, following it again would only repeat rows (and
    /// forks compound: twenty two-answer steps would be a million paths).
    pub(super) fn joins(&mut self, c: &Cursor, at: usize) -> bool {
        let captured: Vec<(String, String)> =
            c.e.vars()
                .into_iter()
                .filter(|(k, _)| self.capture_names.contains(k))
                .map(|(k, v)| match self.tested.contains_key(&k) {
                    true => (k, v),
                    false => (k, String::new()),
                })
                .collect();
        let answers: Vec<Option<String>> = self.rb.steps[at..]
            .iter()
            .filter_map(|s| match s.when.as_ref().map(|w| &w.test) {
                Some(When::Choice { step, .. }) => self.rb.step_index(&step.id),
                _ => None,
            })
            .map(|j| c.path.answers.get(&j).cloned())
            .collect();
        let plan = c.e.rollback_plan_now();
        let key = (
            at,
            c.path.failing.is_some(),
            plan.undo,
            plan.kept,
            captured,
            answers,
        );
        !self.forks.insert(key)
    }
}
