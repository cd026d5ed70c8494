//! Where the run as a whole stands: one state at a time. A run has not started, is going
//! (forward through its steps, or undoing them), or has finished — so a finished run that
//! is also halted, or a rollback before the run started, cannot be built. What can hold a
//! going run back (a step in doubt after a crash, a halt) is only there while it goes.

use crate::exit::Exit;
use crate::journal::record::Outcome;

use super::state::{Engine, RollbackState};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RunProgress {
    /// No `run_started` yet.
    #[default]
    NotStarted,
    Going(Going),
    /// Ended: how, with which exit code, and the rollback it ended with, if any (the end
    /// screen still draws its steps, and a later rollback starts from what it left).
    Finished {
        outcome: Outcome,
        exit: Exit,
        rollback: Option<RollbackState>,
    },
}

/// A run under way. Each of these may hold with any of the others: a halt can come while a
/// rollback runs, with a step in doubt.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Going {
    /// The rollback under way, when the run is undoing its steps.
    pub rollback: Option<RollbackState>,
    /// A step (or rollback command) resumed with its outcome unknown, until the operator
    /// says what happened.
    pub in_doubt: Option<usize>,
    /// The run stopped (a signal, a quit, the window, a crash), resumable; the reason.
    pub halted: Option<String>,
}

impl Engine {
    pub(super) fn started(&self) -> bool {
        !matches!(self.run, RunProgress::NotStarted)
    }

    pub(super) fn going(&self) -> Option<&Going> {
        match &self.run {
            RunProgress::Going(g) => Some(g),
            _ => None,
        }
    }

    pub(super) fn going_mut(&mut self) -> Option<&mut Going> {
        match &mut self.run {
            RunProgress::Going(g) => Some(g),
            _ => None,
        }
    }

    /// The rollback under way, or the one the run finished with.
    pub(super) fn rollback_state(&self) -> Option<&RollbackState> {
        match &self.run {
            RunProgress::Going(g) => g.rollback.as_ref(),
            RunProgress::Finished { rollback, .. } => rollback.as_ref(),
            RunProgress::NotStarted => None,
        }
    }

    pub(super) fn rollback_mut(&mut self) -> Option<&mut RollbackState> {
        self.going_mut().and_then(|g| g.rollback.as_mut())
    }

    /// Why the run is halted, if it is.
    pub(super) fn halted(&self) -> Option<&str> {
        self.going().and_then(|g| g.halted.as_deref())
    }

    /// Step `i` ended: it is no longer in doubt, if it was.
    pub(super) fn settle_doubt(&mut self, i: usize) {
        if let Some(g) = self.going_mut()
            && g.in_doubt == Some(i)
        {
            g.in_doubt = None;
        }
    }

    pub(super) fn finished_as(&self) -> Option<(Outcome, Exit)> {
        match self.run {
            RunProgress::Finished { outcome, exit, .. } => Some((outcome, exit)),
            _ => None,
        }
    }

    /// `run_finished`: the run ends, keeping the rollback it ended with.
    pub(super) fn finish_run(&mut self, outcome: Outcome) {
        let exit = self.exit_of(outcome);
        let rollback = match std::mem::take(&mut self.run) {
            RunProgress::Going(g) => g.rollback,
            RunProgress::Finished { rollback, .. } => rollback,
            RunProgress::NotStarted => None,
        };
        self.run = RunProgress::Finished {
            outcome,
            exit,
            rollback,
        };
    }
}
