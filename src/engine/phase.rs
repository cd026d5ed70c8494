//! Where the run stands, derived from state alone: what the engine waits for, or what it
//! must do next. Front ends draw and prompt from this; `update` acts on it.

use chrono::{DateTime, Utc};

use crate::exit::Exit;
use crate::journal::record::{Outcome, Prompt, Purpose};
use crate::runbook::model::{Approval as Needs, Confirm, Step, StepKind, Undo};

use super::run_progress::{Going, Held, RollbackState, RunProgress, Way};
use super::stage::{Asking, CommandState, NOTHING, Stage, TargetState, WaitState};
use super::state::{Engine, Progress};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    NotStarted,
    /// Waiting for the operator to begin step N.
    Ready(usize),
    Running {
        step: usize,
        purpose: Purpose,
        attempt: u32,
    },
    /// A command failed and will be tried again after its retry delay.
    RetryWait {
        step: usize,
        purpose: Purpose,
        attempt: u32,
    },
    /// Waiting for the operator to type the resolved target.
    Confirm {
        step: usize,
        resolved: String,
        misses: u32,
    },
    /// `confirm: blind`: waiting for the operator to name the target they intend. The
    /// resolved target is deliberately not here: nothing may show it before it is named.
    Blind {
        step: usize,
        misses: u32,
    },
    /// Waiting for a second person's approval.
    Approval {
        step: usize,
        expected: String,
        allow_self: bool,
    },
    /// Waiting for a person to do a manual step and mark it done.
    Manual(usize),
    /// A manual step's `wait`: its instructions are shown, `done` is accepted from `until`.
    Waiting {
        step: usize,
        until: DateTime<Utc>,
    },
    /// Waiting for the operator to type the step's name at its point of no return.
    NoReturn {
        step: usize,
        expected: String,
        reason: String,
    },
    /// Waiting for a person to carry out a manual rollback entry (number `n`).
    ManualUndo {
        step: usize,
        n: u32,
    },
    /// Waiting for the operator's decision after a failure.
    Failed {
        step: usize,
        prompt: Prompt,
        reason: String,
    },
    /// Resumed with a step whose outcome is unknown.
    InDoubt(usize),
    /// Stopped, resumable (window closed, quit, signal, crash).
    Halted(String),
    Finished {
        outcome: Outcome,
        exit: Exit,
    },
    /// Work the engine does without waiting (seen outside `update` only after a crash).
    Next(Todo),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Todo {
    /// The step's `when` does not hold: it is skipped.
    Skip(usize),
    /// The target was confirmed at that earlier step of the same loop pass.
    ReuseTarget(usize, usize),
    /// A manual step's `wait` begins.
    StartWait(usize),
    Describe(usize),
    /// The target's `impact` count runs.
    Impact(usize),
    RequestApproval(usize),
    Main(usize),
    Verify(usize, u32),
    /// Every verify check has run and some failed: ask once, naming each.
    ChecksFailed(usize),
    StepDone(usize),
    RunDone,
    RollbackCmd(usize, u32),
    RollbackStepDone(usize),
    RollbackDone,
}

impl Todo {
    pub fn step(self) -> Option<usize> {
        Phase::Next(self).step()
    }
}

impl Phase {
    /// The step the phase is about, if any.
    pub fn step(&self) -> Option<usize> {
        match self {
            Phase::Ready(i) | Phase::Manual(i) | Phase::InDoubt(i) => Some(*i),
            Phase::Waiting { step, .. }
            | Phase::NoReturn { step, .. }
            | Phase::ManualUndo { step, .. }
            | Phase::Running { step, .. }
            | Phase::RetryWait { step, .. }
            | Phase::Confirm { step, .. }
            | Phase::Blind { step, .. }
            | Phase::Approval { step, .. }
            | Phase::Failed { step, .. } => Some(*step),
            Phase::Next(t) => match t {
                Todo::Skip(i)
                | Todo::ReuseTarget(i, _)
                | Todo::StartWait(i)
                | Todo::Describe(i)
                | Todo::Impact(i)
                | Todo::RequestApproval(i)
                | Todo::Main(i)
                | Todo::Verify(i, _)
                | Todo::ChecksFailed(i)
                | Todo::StepDone(i)
                | Todo::RollbackCmd(i, _)
                | Todo::RollbackStepDone(i) => Some(*i),
                Todo::RunDone | Todo::RollbackDone => None,
            },
            Phase::NotStarted | Phase::Halted(_) | Phase::Finished { .. } => None,
        }
    }

    /// Whether the operator is being asked something.
    pub fn is_prompt(&self) -> bool {
        matches!(
            self,
            Phase::Confirm { .. }
                | Phase::Blind { .. }
                | Phase::Approval { .. }
                | Phase::Manual(_)
                | Phase::NoReturn { .. }
                | Phase::ManualUndo { .. }
                | Phase::Failed { .. }
                | Phase::InDoubt(_)
        )
    }
}

impl Engine {
    /// Where the run stands: a `match` on the run's state, then on the current step's
    /// `Progress` and what it has in flight (ARCHITECTURE.md, "One state at a time").
    pub fn phase(&self) -> Phase {
        match &self.run {
            RunProgress::NotStarted => Phase::NotStarted,
            RunProgress::Finished { outcome, exit, .. } => Phase::Finished {
                outcome: *outcome,
                exit: *exit,
            },
            RunProgress::Going(Going {
                held: Held::Halted { reason, .. },
                ..
            }) => Phase::Halted(reason.clone()),
            RunProgress::Going(g) => self.going_phase(g),
        }
    }

    /// Where a halted run stood when it stopped (a step in doubt still in doubt), for
    /// `resume`; otherwise the phase.
    pub(super) fn phase_past_halt(&self) -> Phase {
        match &self.run {
            RunProgress::Going(g) => self.going_phase(g),
            _ => self.phase(),
        }
    }

    /// A going run, halted or not: undoing, a step in doubt, or forward.
    fn going_phase(&self, g: &Going) -> Phase {
        match (&g.way, g.in_doubt()) {
            (
                Way::Undoing(r)
                | Way::Reopened {
                    ended_with: Some(r),
                },
                in_doubt,
            ) => self.undoing(r, in_doubt),
            (Way::Forward | Way::Reopened { ended_with: None }, Some(i)) => Phase::InDoubt(i),
            (Way::Forward | Way::Reopened { ended_with: None }, None) => self.forward(),
        }
    }

    /// Going forward: where the step the run is at stands.
    fn forward(&self) -> Phase {
        let i = self.at();
        let Some(step) = self.rb.steps.get(i) else {
            return Phase::Next(Todo::RunDone);
        };
        let s = &self.steps[i];
        match &s.progress {
            Progress::NotStarted {
                refused: Some(Asking { prompt, reason }),
            } => Phase::Failed {
                step: i,
                prompt: *prompt,
                reason: reason.clone(),
            },
            Progress::NotStarted { refused: None } => match self.condition(i) {
                Err(_) => Phase::Next(Todo::Skip(i)),
                Ok(()) => Phase::Ready(i),
            },
            Progress::Underway(stage) => self
                .in_flight(i, stage)
                .or_else(|| self.confirming(i, step, false))
                .unwrap_or_else(|| self.own_part(i, step, stage)),
            // Declared done after a crash that cut off its `describe`, a manual step still
            // has its target typed and its approval given before its checks run.
            Progress::Verifying { stage, .. } => self.checks_due(i, step, stage),
            // Never the step in progress: `step_finished` moves the run past it, and only a
            // rollback undoes steps. Taken as done, the run moves on from it.
            Progress::Undoing { stage, .. } => self.checks_due(i, step, stage),
            Progress::Finished(_) => self.checks_due(i, step, &NOTHING),
        }
    }

    /// A step whose own part is done: what it has in flight, then its gates, then its
    /// checks.
    fn checks_due(&self, i: usize, step: &Step, stage: &Stage) -> Phase {
        self.in_flight(i, stage)
            .or_else(|| self.confirming(i, step, false))
            .unwrap_or_else(|| self.after_main(i))
    }

    /// A begun step past its gates, its own part not done: its point of no return, its
    /// wait, a person's work or its command.
    fn own_part(&self, i: usize, step: &Step, stage: &Stage) -> Phase {
        if let Some(reason) = &step.point_of_no_return
            && !self.steps[i].no_return
        {
            return Phase::NoReturn {
                step: i,
                expected: step.base_id().to_string(),
                reason: reason.clone(),
            };
        }
        match (step.kind, step.wait, stage.wait()) {
            (StepKind::Manual, Some(_), None) => Phase::Next(Todo::StartWait(i)),
            (StepKind::Manual, _, Some(WaitState::Active { until, .. })) => Phase::Waiting {
                step: i,
                until: *until,
            },
            (StepKind::Manual, ..) => Phase::Manual(i),
            _ => Phase::Next(Todo::Main(i)),
        }
    }

    /// A rollback under way: where the step it is at stands in being undone.
    fn undoing(&self, r: &RollbackState, in_doubt: Option<usize>) -> Phase {
        let Some(&i) = r.plan.get(r.next) else {
            return Phase::Next(Todo::RollbackDone);
        };
        if in_doubt == Some(i) {
            return Phase::InDoubt(i);
        }
        let step = &self.rb.steps[i];
        // `rollback_started` puts every step of its plan in `Undoing`; in any other state
        // nothing of it is undone and nothing is in flight.
        let (n, stage) = match &self.steps[i].progress {
            Progress::Undoing { undone, stage, .. } => (*undone, stage),
            _ => (0, &NOTHING),
        };
        if let Some(p) = self.in_flight(i, stage) {
            return p;
        }
        // A later rollback meets the step's gates before any of its entries runs (none,
        // once the operator chose to leave the change in place).
        if r.gated
            && (n as usize) < step.rollback.len()
            && let Some(p) = self.confirming(i, step, true)
        {
            return p;
        }
        match step.rollback.get(n as usize) {
            Some(Undo::Manual { .. }) => Phase::ManualUndo { step: i, n: n + 1 },
            Some(Undo::Run(_)) => Phase::Next(Todo::RollbackCmd(i, n + 1)),
            None => Phase::Next(Todo::RollbackStepDone(i)),
        }
    }

    /// The typed target and the approval a begun step waits for, before its own part — or,
    /// `undoing` in a later rollback, before its rollback: then the blast radius is not
    /// counted again (it measured the change, not its undoing) and no earlier step's old
    /// confirmation stands in for this one.
    fn confirming(&self, i: usize, step: &Step, undoing: bool) -> Option<Phase> {
        let s = &self.steps[i];
        if let Some(t) = &step.target {
            match s.target() {
                TargetState::Unresolved => return Some(Phase::Next(Todo::Describe(i))),
                // The blast radius is counted before anyone is asked to confirm anything.
                TargetState::Resolved { .. } if !undoing && self.impact_due(i) => {
                    return Some(Phase::Next(Todo::Impact(i)));
                }
                TargetState::Resolved {
                    resolved,
                    misses: 0,
                } if !undoing && let Some(j) = self.confirmed_before(i, resolved) => {
                    return Some(Phase::Next(Todo::ReuseTarget(i, j)));
                }
                // Blind: the phase does not carry the resolved target at all.
                TargetState::Resolved { misses, .. } if t.confirm == Confirm::Blind => {
                    return Some(Phase::Blind { step: i, misses });
                }
                TargetState::Resolved { resolved, misses } => {
                    return Some(Phase::Confirm {
                        step: i,
                        resolved: resolved.to_string(),
                        misses,
                    });
                }
                TargetState::Confirmed { .. } => {}
            }
        }
        if let Needs::Required { allow_self, .. } = step.approval {
            match (s.request(), s.approved) {
                (Some(request), _) => {
                    return Some(Phase::Approval {
                        step: i,
                        expected: request.expected.clone(),
                        allow_self,
                    });
                }
                (None, false) => return Some(Phase::Next(Todo::RequestApproval(i))),
                (None, true) => {}
            }
        }
        None
    }

    /// A failure put to the operator, a command in flight, or a failed one about to be
    /// retried.
    fn in_flight(&self, i: usize, stage: &Stage) -> Option<Phase> {
        if let Some(Asking { prompt, reason }) = stage.asking() {
            return Some(Phase::Failed {
                step: i,
                prompt: *prompt,
                reason: reason.clone(),
            });
        }
        match stage.command()? {
            &CommandState::Running { purpose, attempt } => Some(Phase::Running {
                step: i,
                purpose,
                attempt,
            }),
            CommandState::Ended { ok: false, .. } if self.check_given_up(i) => None,
            &CommandState::Ended {
                purpose,
                attempt,
                ok: false,
            } => Some(Phase::RetryWait {
                step: i,
                purpose,
                attempt: attempt + 1,
            }),
            CommandState::Ended { ok: true, .. } | CommandState::Idle | CommandState::Asking(_) => {
                None
            }
        }
    }
}
