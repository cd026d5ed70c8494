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
        /// The people who approved this request so far, in order.
        approvals: Vec<crate::journal::record::Person>,
        /// The reviewer account of each wrong blind guess at this request: a reviewer has
        /// as many tries as the operator.
        missed: Vec<String>,
    },
    Granted,
}

/// What is known about one step in this run: where it is in its life (`progress`), what it
/// is doing there (its command, typed target, approval, wait: sub-states of their own,
/// since each spans several stages), and what stays true of it in any state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StepState {
    pub(super) progress: Progress,
    pub(super) target: TargetState,
    pub(super) approval: ApprovalState,
    /// Where the step's current command stands, or the failure waiting for a decision.
    pub(super) command: CommandState,
    /// Attempts of the current command's purpose since the operator last chose (for
    /// automatic retries).
    pub(super) round: u32,
    /// Highest attempt number used, per purpose (log names never repeat).
    pub(super) attempts: BTreeMap<Purpose, u32>,
    /// Whether the step's own command ever started, a rerun included: a rollback is owed
    /// if it did, whatever the step's state now.
    pub(super) main_ran: bool,
    /// This round's result of each verify check that has one (`None`: it passed; else its
    /// failure). Retry forgets the failures, so only those run again (`verify_all.rs`).
    pub(super) checks: BTreeMap<u32, Option<String>>,
    /// The answer picked at a manual step with `choices` (read by later steps' `when`).
    pub(super) chosen: Option<String>,
    /// A `wait` or `wait_until` in progress or over.
    pub(super) wait: WaitState,
    /// The operator confirmed this step's point of no return: no rollback reaches back
    /// past it, however the step ends.
    pub(super) no_return: bool,
    /// The target's `impact` count, once its command has run (`target_impact`).
    pub(super) impact: Option<Counted>,
}

/// What a target's `impact` command counted (`engine/impact.rs`), as journaled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub count: u64,
    /// What is counted (`accounts`), as the command named it.
    pub unit: Option<String>,
    pub at_most: u64,
    /// The first things touched, as the command listed them.
    pub listed: Vec<String>,
}

/// Where one step is in its life, one state at a time: a step cannot be both ended and
/// under way, nor have its own part done before it began, nor count rollback entries
/// outside a rollback.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Progress {
    /// Not begun: never yet, or to begin again (a rerun after a crash; a typed target that
    /// a resume asks afresh).
    #[default]
    NotStarted,
    /// Begun (`step_started`); its own part — its command, or a person's work — not done.
    Underway,
    /// Its own part is done: the command succeeded, the manual step was marked done, or the
    /// operator declared the step done after a crash (`accepted`, with their reason, which
    /// no result proves). Its verify checks are what is left.
    Verifying { accepted: Option<String> },
    /// Ended (`step_finished`).
    Finished(Ended),
    /// In a rollback's plan, being undone: `undone` of its rollback entries are finished
    /// or skipped. `ended` is how it had ended before the rollback reached it (`None` for
    /// the failed step, which had not): what it did is in place until it is undone.
    /// `failed` are the entries that failed and that the operator went on past: with any,
    /// the step is not undone, however the rest of its rollback goes.
    Undoing {
        ended: Option<Ended>,
        undone: u32,
        failed: Vec<u32>,
    },
}

/// How a step ended, as its `step_finished` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub status: StepStatus,
    pub reason: Option<String>,
}

impl Progress {
    /// How the step ended, if it has (a step being undone keeps how it had ended).
    pub fn ended(&self) -> Option<&Ended> {
        match self {
            Progress::Finished(e) | Progress::Undoing { ended: Some(e), .. } => Some(e),
            _ => None,
        }
    }
}

impl StepState {
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// How the step ended, if it has.
    pub fn status(&self) -> Option<StepStatus> {
        self.progress.ended().map(|e| e.status)
    }

    /// Begun and not ended: the step in progress, or the failed one being undone.
    pub fn underway(&self) -> bool {
        matches!(
            self.progress,
            Progress::Underway | Progress::Verifying { .. } | Progress::Undoing { ended: None, .. }
        )
    }

    /// How many of its rollback entries a rollback has finished or skipped.
    pub fn undone(&self) -> u32 {
        match self.progress {
            Progress::Undoing { undone, .. } => undone,
            _ => 0,
        }
    }

    pub fn target(&self) -> &TargetState {
        &self.target
    }

    /// Each verify check's result this round (`None`: passed).
    pub fn checks(&self) -> &BTreeMap<u32, Option<String>> {
        &self.checks
    }

    /// The step's own part is done and its checks are what is left.
    pub(super) fn main_done(&self) -> bool {
        matches!(self.progress, Progress::Verifying { .. })
    }

    /// `step_started`: a step not begun is under way (any other state is left as it is).
    pub(super) fn begin(&mut self) {
        if self.progress == Progress::NotStarted {
            self.progress = Progress::Underway;
        }
    }

    /// The step's own part is done (its command succeeded, or a person marked it done).
    pub(super) fn part_done(&mut self) {
        if self.progress == Progress::Underway {
            self.progress = Progress::Verifying { accepted: None };
        }
    }

    /// `step_finished`: the step ends, its command with it.
    pub(super) fn finish(&mut self, status: StepStatus, reason: Option<String>) {
        self.progress = Progress::Finished(Ended { status, reason });
        self.command = CommandState::Idle;
    }

    /// A rollback reaches the step (one that was being undone when an earlier rollback
    /// stopped goes on from where it was).
    pub(super) fn start_undo(&mut self) {
        if !matches!(self.progress, Progress::Undoing { .. }) {
            let ended = self.progress.ended().cloned();
            self.progress = Progress::Undoing {
                ended,
                undone: 0,
                failed: Vec::new(),
            };
        }
    }

    /// Its rollback entries up to `n` are finished or skipped.
    pub(super) fn undone_to(&mut self, n: u32) {
        self.start_undo();
        if let Progress::Undoing { undone, .. } = &mut self.progress {
            *undone = (*undone).max(n);
        }
    }

    /// Its rollback entry `n` failed and the operator went on past it.
    pub(super) fn undo_failed(&mut self, n: u32) {
        self.undone_to(n);
        if let Progress::Undoing { failed, .. } = &mut self.progress
            && !failed.contains(&n)
        {
            failed.push(n);
        }
    }

    /// The rollback entries that failed and that the operator went on past.
    pub fn undo_failures(&self) -> &[u32] {
        match &self.progress {
            Progress::Undoing { failed, .. } => failed,
            _ => &[],
        }
    }

    /// The step begins again from nothing, keeping its attempt numbers (no log is
    /// overwritten) and, where `ran` says so, that its command ran before.
    pub(super) fn restart(&mut self, ran: bool) {
        let attempts = std::mem::take(&mut self.attempts);
        *self = StepState {
            attempts,
            main_ran: ran,
            ..StepState::default()
        };
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
