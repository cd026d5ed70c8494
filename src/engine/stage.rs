//! What a begun step has in flight: its current command, the target waiting to be typed,
//! the approval waiting for reviewers, a wait. It lives inside the `Progress` variants of a
//! step that is under way, verifying or being undone (`step.rs`), so a step that has not
//! begun, or has ended, cannot hold a running command, a prompt or a wait: finishing a step
//! drops its stage with everything in it (ARCHITECTURE.md, "One state at a time").

use chrono::{DateTime, Utc};

use crate::journal::record::{Person, Prompt, Purpose};

/// What a begun step has in flight. Each part spans several records (a command starts and
/// ends; a target is named, missed, typed; an approval is asked for and given by one
/// person after another), which is why they are parts of one stage rather than `Progress`
/// variants of their own. Passed on as the step moves from its own part to its checks (a
/// step declared done after a crash may still owe its typed target and approval).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stage {
    /// Where the step's current command stands, or the failure waiting for a decision.
    pub(super) command: CommandState,
    /// The target the system named, not yet typed.
    pub(super) target: Option<Named>,
    /// The approval asked for and not yet given by as many people as it needs.
    pub(super) approval: Option<Request>,
    /// A `wait` or `wait_until` in progress or over.
    pub(super) wait: WaitState,
}

/// A stage with nothing in flight, for the states that have none.
pub(super) static NOTHING: Stage = Stage {
    command: CommandState::Idle,
    target: None,
    approval: None,
    wait: WaitState::None,
};

/// The target as the system named it (secrets masked), waiting for the operator to type
/// it, after `misses` misses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub(super) resolved: String,
    pub(super) misses: u32,
}

/// An approval asked for (`approval_requested`) and not yet given by enough people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The command the reviewers approve, as hashed in the request: an answer about any
    /// other does not count.
    pub(super) command_sha256: String,
    /// What a reviewer types to approve.
    pub(super) expected: String,
    /// The people who approved this request so far, in order.
    pub(super) approvals: Vec<Person>,
    /// The reviewer account of each wrong blind guess at this request: a reviewer has
    /// as many tries as the operator.
    pub(super) missed: Vec<String>,
}

/// A failure put to the operator: which question, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asking {
    pub prompt: Prompt,
    pub reason: String,
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
    Asking(Asking),
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

/// Where a step's target confirmation stands, read from its stage (a target named and not
/// yet typed) and its history (the target typed, and who typed it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState<'a> {
    /// Not asked yet (its `describe` has not run, or not to its end), or asked afresh.
    Unresolved,
    /// The system named it; waiting for the operator to type it (after `misses` misses).
    Resolved { resolved: &'a str, misses: u32 },
    Confirmed {
        resolved: &'a str,
        /// Who typed it (at this step, or where it was first confirmed).
        by: &'a str,
    },
}

impl<'a> TargetState<'a> {
    /// The target as the system named it (secrets masked), once known.
    pub fn resolved(self) -> Option<&'a str> {
        match self {
            TargetState::Unresolved => None,
            TargetState::Resolved { resolved, .. } | TargetState::Confirmed { resolved, .. } => {
                Some(resolved)
            }
        }
    }

    pub fn confirmed(self) -> bool {
        matches!(self, TargetState::Confirmed { .. })
    }
}
