//! A step's gates — its typed target and its approval — as their records change them: what
//! waits is in the step's stage (`stage.rs`), what was met is its history (`step.rs`), so
//! a record of a gate at a step not begun or ended changes nothing (ARCHITECTURE.md, "One
//! state at a time").

use crate::journal::record::Person;

use super::stage::{CommandState, Named, Request, Stage};
use super::step::{Confirmed, StepState};

impl StepState {
    /// `target_resolved`: the system named the target, to be typed at this stage, where
    /// only the command's place (its lookup) is in flight.
    pub(super) fn target_named(&mut self, resolved: String) {
        let Some(stage) = self.progress.stage_mut() else {
            return;
        };
        let target = Named {
            resolved,
            misses: 0,
        };
        match stage {
            Stage::Command(command) | Stage::Named { command, .. } => {
                let command = std::mem::take(command);
                *stage = Stage::Named { target, command };
            }
            Stage::Approval { .. } | Stage::Waiting { .. } => return,
        }
        self.confirmed = None;
    }

    /// `target_mismatch`: one more miss at the target waiting to be typed.
    pub(super) fn target_missed(&mut self, misses: u32) {
        if let Some(Stage::Named { target, .. }) = self.progress.stage_mut() {
            target.misses = misses;
        }
    }

    /// `target_confirmed`: the target waiting (or typed before, confirmed again) is typed,
    /// by `by`.
    pub(super) fn target_typed(&mut self, by: String) {
        let resolved = match self.progress.stage_mut() {
            Some(stage @ Stage::Named { .. }) => match std::mem::take(stage) {
                Stage::Named { target, command } => {
                    *stage = Stage::Command(command);
                    target.resolved
                }
                other => {
                    *stage = other;
                    return;
                }
            },
            _ => match &self.confirmed {
                Some(c) => c.resolved.clone(),
                None => return,
            },
        };
        self.confirmed = Some(Confirmed { resolved, by });
    }

    /// The target is to be looked up and typed afresh: a named one no longer waits, and
    /// with `typed`, an earlier confirmation no longer stands.
    pub(super) fn forget_target(&mut self, typed: bool) {
        if let Some(stage @ Stage::Named { .. }) = self.progress.stage_mut()
            && let Stage::Named { command, .. } = std::mem::take(stage)
        {
            *stage = Stage::Command(command);
        }
        if typed {
            self.confirmed = None;
        }
    }

    /// `approval_requested`: reviewers are asked, at this stage — where nothing is in
    /// flight but a command that ended, or a request this one replaces.
    pub(super) fn approval_requested(&mut self, command_sha256: String, expected: String) {
        let Some(stage) = self.progress.stage_mut() else {
            return;
        };
        match stage {
            Stage::Command(CommandState::Idle | CommandState::Ended { .. })
            | Stage::Approval { .. } => {}
            _ => return,
        }
        *stage = Stage::Approval {
            request: Request {
                command_sha256,
                expected,
                approvals: Vec::new(),
                missed: Vec::new(),
            },
            asking: None,
        };
        self.approved = false;
    }

    /// `approval_granted`: one more person approved; with as many as `needed`, the step is
    /// approved (a grant with no request waiting — an older journal — approves it at once).
    pub(super) fn approval_granted(&mut self, person: Person, needed: u32) {
        match self.progress.stage_mut() {
            Some(Stage::Approval { request, .. }) => {
                request.approvals.push(person);
                if request.approvals.len() as u32 >= needed {
                    self.forget_approval();
                    self.approved = true;
                }
            }
            _ => self.approved = true,
        }
    }

    /// The approval is to be asked afresh: a request no longer waits (a question beside it
    /// still does), nor counts one given.
    pub(super) fn forget_approval(&mut self) {
        if let Some(stage @ Stage::Approval { .. }) = self.progress.stage_mut()
            && let Stage::Approval { asking, .. } = std::mem::take(stage)
        {
            *stage = Stage::Command(asking.map_or(CommandState::Idle, CommandState::Asking));
        }
        self.approved = false;
    }

    /// A reviewer's wrong blind guess at the approval waiting now.
    pub(super) fn approval_missed(&mut self, user: String) {
        if let Some(Stage::Approval { request, .. }) = self.progress.stage_mut() {
            request.missed.push(user);
        }
    }
}
