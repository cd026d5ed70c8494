//! Where the run as a whole stands: one state at a time. A run has not started, is going
//! (forward through its steps, or undoing them), or has finished — so a finished run that
//! is also halted, or a rollback before the run started, cannot be built. What can hold a
//! going run back (a step in doubt after a crash, a halt) is only there while it goes.

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
    /// An ended run set going again by `rollback_requested`: the rollback it starts is
    /// `gated`.
    pub reopened: bool,
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
}
