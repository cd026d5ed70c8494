//! What is known about one step in a run: the state the engine keeps per step, changed
//! (like all its state) only by `apply` of journal entries.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::journal::record::{Prompt, Purpose, StepStatus};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ApprovalState {
    #[default]
    NotRequested,
    Requested {
        command_sha256: String,
        expected: String,
    },
    Granted,
}

/// What is known about one step in this run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StepState {
    pub started: bool,
    pub status: Option<StepStatus>,
    pub reason: Option<String>,
    pub target: TargetState,
    pub approval: ApprovalState,
    /// Where the step's current command stands, or the failure waiting for a decision.
    pub command: CommandState,
    /// Attempts of the current command's purpose since the operator last chose (for
    /// automatic retries).
    pub round: u32,
    /// Highest attempt number used, per purpose (log names never repeat).
    pub attempts: BTreeMap<Purpose, u32>,
    /// The step's own command succeeded (or a manual step was marked done).
    pub main_done: bool,
    /// Whether the step's own command ever started: a rollback is owed if it did.
    pub main_ran: bool,
    /// This round's result of each verify check that has one (`None`: it passed; else its
    /// failure). Retry forgets the failures, so only those run again (`verify_all.rs`).
    pub checks: BTreeMap<u32, Option<String>>,
    /// Rollback commands finished (or skipped) during a rollback.
    pub rolled_back_cmds: u32,
    /// The operator declared this in-doubt step done, with this reason.
    pub accepted: Option<String>,
    /// The answer picked at a manual step with `choices`.
    pub chosen: Option<String>,
    /// A `wait` or `wait_until` in progress or over.
    pub wait: WaitState,
    /// The operator confirmed this step's point of no return.
    pub no_return: bool,
}

/// Where a step's wait stands: a manual step's minimum time, or the polls of a command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum WaitState {
    #[default]
    None,
    Active {
        purpose: Purpose,
        until: DateTime<Utc>,
        deadline_ms: u64,
        /// Polls started so far.
        polls: u32,
    },
    /// A manual step's wait ran out: `done` is accepted.
    Passed,
}

/// Where a step's target confirmation stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TargetState {
    /// Not asked yet (its `describe` has not run, or not to its end).
    #[default]
    Unresolved,
    /// The system named it; waiting for the operator to type it (after `misses` misses).
    Resolved { resolved: String, misses: u32 },
    Confirmed {
        resolved: String,
        /// Who typed it (at this step, or where it was first confirmed).
        by: String,
    },
}

impl TargetState {
    /// The target as the system named it (secrets masked), once known.
    pub fn resolved(&self) -> Option<&str> {
        match self {
            TargetState::Unresolved => None,
            TargetState::Resolved { resolved, .. } | TargetState::Confirmed { resolved, .. } => {
                Some(resolved)
            }
        }
    }

    pub fn confirmed(&self) -> bool {
        matches!(self, TargetState::Confirmed { .. })
    }
}

/// A step's current command, one state at a time: none, running, ended (a failed one is
/// retried after its delay), or a failure put to the operator.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CommandState {
    #[default]
    Idle,
    Running {
        purpose: Purpose,
        attempt: u32,
    },
    Ended {
        purpose: Purpose,
        attempt: u32,
        ok: bool,
    },
    /// A failure waiting for the operator's decision.
    Asking {
        prompt: Prompt,
        reason: String,
    },
}

impl CommandState {
    /// The command running now, if one is.
    pub fn running(&self) -> Option<(Purpose, u32)> {
        match self {
            CommandState::Running { purpose, attempt } => Some((*purpose, *attempt)),
            _ => None,
        }
    }
}
