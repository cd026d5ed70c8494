//! What a begun step has in flight, one moment at a time: its current command, the target
//! waiting to be typed, the approval waiting for reviewers, a wait. It lives inside the `Progress` variants of a
//! step that is under way, verifying or being undone (`step.rs`), so a step that has not
//! begun, or has ended, cannot hold a running command, a prompt or a wait: finishing a step
//! drops its stage with everything in it (ARCHITECTURE.md, "One state at a time").

use chrono::{DateTime, Utc};

use crate::journal::record::{Person, Prompt, Purpose};

/// What a begun step has in flight: one moment at a time. Its lookup names the target,
/// the operator types it, reviewers are asked and approve, its command runs: each is a
/// variant, and only what really happens at the same time shares one. A named target
/// waits while its `impact` count runs (or fails and is asked about); a wait is polled by
/// its command; a question about a failure takes the command's place (`CommandState`), or
/// stands beside a request a reviewer rejected. So a command cannot run while an approval
/// waits, nor a target wait to be typed while the step waits out its wait. Passed on as
/// the step moves from its own part to its checks, or into a rollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// The command's place alone: nothing yet, a command running or ended, or a failure
    /// put to the operator.
    Command(CommandState),
    /// The target the system named, not yet typed, and the command's place beside it (the
    /// lookup that named it, its `impact` count, or a failure of that put to the operator).
    Named {
        target: Named,
        command: CommandState,
    },
    /// The approval asked for and not yet given by as many people as it needs: nothing
    /// runs meanwhile. `asking`: a question put to the operator while the request stands
    /// (a reviewer rejected it); the request stays, with who approved it so far, until it
    /// is asked afresh.
    Approval {
        request: Request,
        asking: Option<Asking>,
    },
    /// A `wait` or `wait_until`, in progress or over, and its command's place: the polls
    /// of a `wait_until` (a manual step's wait has none).
    Waiting { wait: WaitState, poll: CommandState },
}

impl Default for Stage {
    fn default() -> Stage {
        Stage::Command(CommandState::Idle)
    }
}

/// A stage with nothing in flight, for the states that have none.
pub(super) static NOTHING: Stage = Stage::Command(CommandState::Idle);

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitState {
    Active {
        purpose: Purpose,
        until: DateTime<Utc>,
        deadline_ms: u64,
        /// Polls started so far.
        polls: u32,
    },
    /// A manual step's wait ran out: `done` is accepted.
    Passed,
    /// The polls of a command cut short by the stop of the run's process (`run_resumed`):
    /// nobody polled while no process ran, so the wait did not run out, and a poll only
    /// reads. The next poll of `purpose` begins a fresh wait, naming this one.
    CutShort { purpose: Purpose, polls: u32 },
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

/// Reading a stage: each part, where the moment has it.
impl Stage {
    /// The command's place, where the moment has one (not while an approval waits).
    pub fn command(&self) -> Option<&CommandState> {
        match self {
            Stage::Command(c)
            | Stage::Named { command: c, .. }
            | Stage::Waiting { poll: c, .. } => Some(c),
            Stage::Approval { .. } => None,
        }
    }

    fn command_mut(&mut self) -> Option<&mut CommandState> {
        match self {
            Stage::Command(c)
            | Stage::Named { command: c, .. }
            | Stage::Waiting { poll: c, .. } => Some(c),
            Stage::Approval { .. } => None,
        }
    }

    /// The failure put to the operator, if one waits for a decision.
    pub fn asking(&self) -> Option<&Asking> {
        match self {
            Stage::Approval { asking, .. } => asking.as_ref(),
            s => match s.command()? {
                CommandState::Asking(a) => Some(a),
                _ => None,
            },
        }
    }

    /// The target named and not yet typed.
    pub fn named(&self) -> Option<&Named> {
        match self {
            Stage::Named { target, .. } => Some(target),
            _ => None,
        }
    }

    /// The approval asked for and not yet given.
    pub fn request(&self) -> Option<&Request> {
        match self {
            Stage::Approval { request, .. } => Some(request),
            _ => None,
        }
    }

    /// The wait in progress or over.
    pub fn wait(&self) -> Option<&WaitState> {
        match self {
            Stage::Waiting { wait, .. } => Some(wait),
            _ => None,
        }
    }
}

/// Records moving a stage from one moment to the next (`step.rs`, `step_gates.rs` call
/// these). A record that does not fit the moment leaves it as it was.
impl Stage {
    /// A command starts: in the command's place. An approval waiting is over — nothing
    /// runs while one waits, so a command that starts means the step moved past it. The
    /// round of automatic retries goes on from a failed attempt of the same purpose.
    pub(super) fn start_command(&mut self, purpose: Purpose, attempt: u32, round: &mut u32) {
        if matches!(self, Stage::Approval { .. }) {
            *self = Stage::default();
        }
        if let Stage::Waiting {
            wait: WaitState::Active {
                purpose: p, polls, ..
            },
            ..
        } = self
            && *p == purpose
        {
            *polls += 1;
        }
        let Some(command) = self.command_mut() else {
            return;
        };
        *round = match command {
            CommandState::Ended {
                purpose: p,
                ok: false,
                ..
            } if *p == purpose => *round + 1,
            _ => 1,
        };
        *command = CommandState::Running { purpose, attempt };
    }

    /// The command that runs ends (true); a result for any other changes nothing.
    pub(super) fn end_command(&mut self, purpose: Purpose, attempt: u32, ok: bool) -> bool {
        match self.command_mut() {
            Some(c) if c.running() == Some((purpose, attempt)) => {
                *c = CommandState::Ended {
                    purpose,
                    attempt,
                    ok,
                };
                true
            }
            _ => false,
        }
    }

    /// A failure is put to the operator: in the command's place, or beside the request.
    pub(super) fn ask(&mut self, question: Asking) {
        match self {
            Stage::Approval { asking, .. } => *asking = Some(question),
            s => {
                if let Some(c) = s.command_mut() {
                    *c = CommandState::Asking(question);
                }
            }
        }
    }

    /// The question is answered, or the command was cut off: nothing in the command's place.
    pub(super) fn settle(&mut self) {
        match self {
            Stage::Approval { asking, .. } => *asking = None,
            s => {
                if let Some(c) = s.command_mut() {
                    *c = CommandState::Idle;
                }
            }
        }
    }

    /// The operator declared the step done after a crash: the command cut off is no longer
    /// in flight, nor the wait it was polled in; a target named or an approval asked for
    /// still waits.
    pub(super) fn accepted(&mut self) {
        *self = match std::mem::take(self) {
            Stage::Named { target, .. } => Stage::Named {
                target,
                command: CommandState::Idle,
            },
            Stage::Approval { request, .. } => Stage::Approval {
                request,
                asking: None,
            },
            Stage::Command(_) | Stage::Waiting { .. } => Stage::default(),
        };
    }

    /// `wait_started`: a wait begins where only the command's place is in flight (or a
    /// wait is already, which it replaces); not before the target is typed or the step
    /// approved.
    pub(super) fn wait_started(&mut self, new: WaitState) {
        match self {
            Stage::Command(c) => {
                *self = Stage::Waiting {
                    wait: new,
                    poll: std::mem::take(c),
                }
            }
            Stage::Waiting { wait, .. } => *wait = new,
            Stage::Named { .. } | Stage::Approval { .. } => {}
        }
    }

    /// `run_resumed`: the polls of a command under way in the old process were cut short
    /// (a manual step's wait keeps its `until`: it is a minimum, not a deadline).
    pub(super) fn cut_short(&mut self) {
        if let Stage::Waiting { wait, .. } = self
            && let WaitState::Active { purpose, polls, .. } = *wait
        {
            *wait = WaitState::CutShort { purpose, polls };
        }
    }

    /// `wait_finished`: over, and `passed` (a manual step's wait: `done` is accepted now)
    /// or done with.
    pub(super) fn wait_finished(&mut self, passed: bool) {
        match (std::mem::take(self), passed) {
            (Stage::Waiting { poll, .. } | Stage::Command(poll), true) => {
                *self = Stage::Waiting {
                    wait: WaitState::Passed,
                    poll,
                }
            }
            (Stage::Waiting { poll, .. }, false) => *self = Stage::Command(poll),
            (other, _) => *self = other,
        }
    }
}
