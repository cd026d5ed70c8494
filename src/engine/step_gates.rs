//! A step's gates — its typed target and its approval — as their records change them: what
//! waits is in the step's stage (`stage.rs`), what was met is its history (`step.rs`), so
//! a record of a gate at a step not begun or ended changes nothing (ARCHITECTURE.md, "One
//! state at a time").

use crate::journal::record::Person;

use super::stage::{Named, Request};
use super::step::{Confirmed, StepState};

impl StepState {
    /// `target_resolved`: the system named the target, to be typed at this stage.
    pub(super) fn target_named(&mut self, resolved: String) {
        if let Some(stage) = self.progress.stage_mut() {
            stage.target = Some(Named {
                resolved,
                misses: 0,
            });
            self.confirmed = None;
        }
    }

    /// `target_mismatch`: one more miss at the target waiting to be typed.
    pub(super) fn target_missed(&mut self, misses: u32) {
        if let Some(Named { misses: m, .. }) = self
            .progress
            .stage_mut()
            .and_then(|stage| stage.target.as_mut())
        {
            *m = misses;
        }
    }

    /// `target_confirmed`: the target waiting (or typed before, confirmed again) is typed,
    /// by `by`.
    pub(super) fn target_typed(&mut self, by: String) {
        let named = self
            .progress
            .stage_mut()
            .and_then(|stage| stage.target.take());
        let resolved = match (named, &self.confirmed) {
            (Some(named), _) => named.resolved,
            (None, Some(c)) => c.resolved.clone(),
            (None, None) => return,
        };
        self.confirmed = Some(Confirmed { resolved, by });
    }

    /// The target is to be looked up and typed afresh: a named one no longer waits, and
    /// with `typed`, an earlier confirmation no longer stands.
    pub(super) fn forget_target(&mut self, typed: bool) {
        if let Some(stage) = self.progress.stage_mut() {
            stage.target = None;
        }
        if typed {
            self.confirmed = None;
        }
    }

    /// `approval_requested`: reviewers are asked, at this stage.
    pub(super) fn approval_requested(&mut self, command_sha256: String, expected: String) {
        if let Some(stage) = self.progress.stage_mut() {
            stage.approval = Some(Request {
                command_sha256,
                expected,
                approvals: Vec::new(),
                missed: Vec::new(),
            });
            self.approved = false;
        }
    }

    /// `approval_granted`: one more person approved; with as many as `needed`, the step is
    /// approved (a grant with no request waiting — an older journal — approves it at once).
    pub(super) fn approval_granted(&mut self, person: Person, needed: u32) {
        match self
            .progress
            .stage_mut()
            .and_then(|stage| stage.approval.as_mut())
        {
            Some(r) => {
                r.approvals.push(person);
                if r.approvals.len() as u32 >= needed {
                    if let Some(stage) = self.progress.stage_mut() {
                        stage.approval = None;
                    }
                    self.approved = true;
                }
            }
            None => self.approved = true,
        }
    }

    /// The approval is to be asked afresh: a request no longer waits, nor counts one given.
    pub(super) fn forget_approval(&mut self) {
        if let Some(stage) = self.progress.stage_mut() {
            stage.approval = None;
        }
        self.approved = false;
    }

    /// A reviewer's wrong blind guess at the approval waiting now.
    pub(super) fn approval_missed(&mut self, user: String) {
        if let Some(r) = self
            .progress
            .stage_mut()
            .and_then(|stage| stage.approval.as_mut())
        {
            r.missed.push(user);
        }
    }
}
