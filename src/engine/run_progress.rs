//! Where the run as a whole stands: one state at a time. A run has not started, is going
//! (forward through its steps, or undoing them: `Way`), or has finished — so a finished run
//! that is also halted, or a rollback before the run started, cannot be built. What can
//! hold a going run back (a step in doubt after a crash, a halt: `Held`) is one thing, only
//! there while it goes.

use crate::exit::Exit;
use crate::journal::record::Outcome;

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

/// A run under way: which way it goes, and what holds it back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Going {
    pub way: Way,
    pub held: Held,
}

/// Which way a going run goes: forward through its steps, or undoing them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Way {
    #[default]
    Forward,
    /// An ended run set going again by `rollback_requested`, its rollback not started yet
    /// (they are journaled in one decision): the rollback it starts is `gated`. It keeps
    /// the rollback it had ended with, if any, until then.
    Reopened { ended_with: Option<RollbackState> },
    /// The rollback under way.
    Undoing(RollbackState),
}

/// What holds a going run back: nothing, a step in doubt, or a halt. A halt can come
/// while the operator is asked about a step in doubt (a quit, a signal): the step stays in
/// doubt under the halt, and `resume` asks about it again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Held {
    #[default]
    Clear,
    /// A step (or rollback command) resumed with its outcome unknown, until the operator
    /// says what happened.
    InDoubt(usize),
    /// The run stopped (a signal, a quit, the window, a crash), resumable; the reason.
    Halted {
        reason: String,
        in_doubt: Option<usize>,
    },
}

impl Going {
    /// The rollback under way (or, reopened, the one the run had ended with).
    pub fn rollback(&self) -> Option<&RollbackState> {
        match &self.way {
            Way::Forward | Way::Reopened { ended_with: None } => None,
            Way::Undoing(r)
            | Way::Reopened {
                ended_with: Some(r),
            } => Some(r),
        }
    }

    pub(super) fn rollback_mut(&mut self) -> Option<&mut RollbackState> {
        match &mut self.way {
            Way::Forward | Way::Reopened { ended_with: None } => None,
            Way::Undoing(r)
            | Way::Reopened {
                ended_with: Some(r),
            } => Some(r),
        }
    }

    /// The rollback the run keeps once it ends.
    pub(super) fn into_rollback(self) -> Option<RollbackState> {
        match self.way {
            Way::Forward => None,
            Way::Reopened { ended_with } => ended_with,
            Way::Undoing(r) => Some(r),
        }
    }

    /// Why the run is halted, if it is.
    pub fn halted(&self) -> Option<&str> {
        match &self.held {
            Held::Halted { reason, .. } => Some(reason),
            Held::Clear | Held::InDoubt(_) => None,
        }
    }

    /// The step in doubt, halted or not.
    pub fn in_doubt(&self) -> Option<usize> {
        match self.held {
            Held::InDoubt(i)
            | Held::Halted {
                in_doubt: Some(i), ..
            } => Some(i),
            Held::Clear | Held::Halted { in_doubt: None, .. } => None,
        }
    }

    /// `run_interrupted`: halted, a step in doubt still in doubt.
    pub(super) fn halt(&mut self, reason: String) {
        let in_doubt = self.in_doubt();
        self.held = Held::Halted { reason, in_doubt };
    }

    /// No longer halted: what was in doubt still is.
    pub(super) fn unhalt(&mut self) {
        self.held = self.in_doubt().map_or(Held::Clear, Held::InDoubt);
    }

    /// Nothing is in doubt any more (the operator said what happened, the step ended, a
    /// rollback began); a halt stays.
    pub(super) fn settle_doubt(&mut self) {
        if let Held::Halted { in_doubt, .. } = &mut self.held {
            *in_doubt = None;
        } else {
            self.held = Held::Clear;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackState {
    /// Step indexes to undo, in order.
    pub plan: Vec<usize>,
    /// How many of `plan` are done.
    pub next: usize,
    /// A rollback command failed and the operator skipped it.
    pub incomplete: bool,
    /// Changes left in place on purpose (before a checkpoint or a point of no return, or
    /// earlier loop passes).
    pub kept: Vec<usize>,
    /// Asked for of an ended run (`shisa rollback`): each step's typed target and approval
    /// are asked for afresh before its rollback runs, since what was confirmed then may no
    /// longer be what the system says now.
    pub gated: bool,
    /// The step whose failure the rollback was chosen at (none when asked for).
    pub failed: Option<usize>,
    /// Only the failed loop pass is undone (`rollback-item`).
    pub pass_only: bool,
}
