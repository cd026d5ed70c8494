//! `confirm: blind` (incident 002): a person names the target they intend, from
//! the ticket, before the resolved one is shown; a copy of the screen cannot pass that. The
//! check itself is the typed-target check (`confirm.rs`); this says what may be shown when,
//! so every front end (TUI, line mode, watchers, `shisa approve`) keeps the same secret.
//!
//! It keeps a habit honest, not a secret from someone who goes looking: the journal (and a
//! watcher's copy of it) holds the resolved target from the moment it is known.

use crate::journal::record::Purpose;
use crate::runbook::model::{Approval, Confirm};

use super::state::Engine;

/// Who looks at the target: the operator, or a watcher who may be asked to approve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Operator,
    Reviewer,
}

impl Engine {
    /// Whether step `i` confirms its target blind.
    pub fn blind(&self, i: usize) -> bool {
        self.rb
            .steps
            .get(i)
            .and_then(|s| s.target.as_ref())
            .is_some_and(|t| t.confirm == Confirm::Blind)
    }

    /// Whether `viewer` may see step `i`'s resolved target now: always with `echo`; with
    /// `blind`, the operator once they named it, a reviewer once the approval they must
    /// name it for is granted (or the step needs none).
    pub fn reveals_target(&self, i: usize, viewer: Viewer) -> bool {
        if !self.blind(i) {
            return true;
        }
        let Some(s) = self.steps.get(i) else {
            return false;
        };
        let named = s.target().confirmed() || s.status().is_some();
        match viewer {
            Viewer::Operator => named,
            Viewer::Reviewer => {
                let approved = self.rb.steps[i].approval == Approval::None || s.approved;
                named && (approved || s.status().is_some())
            }
        }
    }

    /// Whether a command's output may be shown as it comes: not a blind target's lookup,
    /// which prints the very name the operator must come up with on their own (it is in
    /// the output log all the same).
    pub fn shows_output(&self, step: usize) -> bool {
        !matches!(self.running(), Some((i, Purpose::Describe, _)) if i == step && self.blind(i))
    }

    /// Whether a watcher who joins late may be sent the output `purpose` of step `step`
    /// printed earlier (read back from its log): not a blind target's lookup before the
    /// target is revealed to a reviewer, or the log would tell them (or the operator in a
    /// second terminal) the name they must come up with unaided.
    pub fn shows_logged_output(&self, step: usize, purpose: Purpose) -> bool {
        purpose != Purpose::Describe || self.reveals_target(step, Viewer::Reviewer)
    }
}
