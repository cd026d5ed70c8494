//! `update`: an event in, journal entries and effects out. Every state change goes through
//! `emit`, which applies the entry to the state at once and queues it for the journal, so
//! the journal always holds exactly what the state was built from.

use chrono::{DateTime, Utc};

use crate::exit::Exit;
use crate::journal::record::{
    Actor, Body, Entry, Halt, Outcome, Purpose, RunEnd, StepEnd, StepStatus,
};

use super::event::{Effect, Event};
use super::messages as msg;
use super::phase::{Phase, Todo};
use super::state::{Engine, StepState};

/// Why an event was not accepted (the state is unchanged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

pub(super) fn refuse<T>(text: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(text.into()))
}

/// Notes are shown on every screen and in every export: nothing in them may act on a
/// terminal or start a line of its own.
pub(super) fn has_controls(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// `step/purpose/attempt`: one command of a run.
pub fn command_id(step: &str, purpose: Purpose, attempt: u32) -> String {
    format!("{step}/{purpose}/{attempt}")
}

impl Engine {
    /// Handles `event`, which happened at `now` (the driver's clock; tests pass their own).
    pub fn update(&mut self, now: DateTime<Utc>, event: Event) -> Result<Vec<Effect>, Refusal> {
        self.now = now;
        let mut fx = Vec::new();
        if self.finished_as().is_some()
            && !matches!(
                event,
                Event::WatcherJoined(_)
                    | Event::WatcherLeft(_)
                    | Event::RollbackRequested { .. }
                    | Event::Deciding(_)
            )
        {
            return refuse(msg::RUN_OVER);
        }
        // A decision taken from the quit question ends the hold it put on (`deciding.rs`):
        // a rollback asked for there must run.
        if matches!(
            event,
            Event::Abort(_) | Event::Interrupt(_) | Event::RollbackRequested { .. }
        ) {
            self.deciding = false;
        }
        let while_halted = matches!(
            event,
            Event::CommandDone(_)
                | Event::WatcherJoined(_)
                | Event::WatcherLeft(_)
                | Event::Note { .. }
                | Event::Resume { .. }
                | Event::Stop(_)
                | Event::Recovered { .. }
                | Event::RunbookChanged(_)
                | Event::ClientRefused { .. }
                | Event::Deciding(_)
        );
        if self.halted().is_some() && !while_halted {
            return refuse(msg::HALTED);
        }
        // Events that move a live run: each must leave it somewhere new, or start something.
        // (A result arriving while halted is only recorded; a resume may ask the same again.
        // Nor while the operator decides whether to quit: the change due waits for them.)
        let moves = self.halted().is_none()
            && !self.deciding
            && matches!(
                event,
                Event::Begin
                    | Event::CommandDone(_)
                    | Event::RetryDue { .. }
                    | Event::Typed(_)
                    | Event::ManualDone { .. }
                    | Event::WaitOver { .. }
                    | Event::Choice(_)
            );
        let before = moves.then(|| (self.progress_mark(), event.name()));
        match event {
            Event::Start(info) => self.start(info, &mut fx)?,
            Event::Resume {
                outside_window,
                clock_faked,
            } => self.resume(outside_window, clock_faked, &mut fx)?,
            Event::Begin => self.begin(&mut fx)?,
            Event::CommandDone(result) => self.command_done(result, &mut fx)?,
            Event::RetryDue {
                step,
                purpose,
                attempt,
            } => {
                if self.phase()
                    != (Phase::RetryWait {
                        step,
                        purpose,
                        attempt,
                    })
                {
                    return refuse(msg::NO_RETRY_DUE);
                }
                if !self.holds_retry(step, purpose, attempt) {
                    self.spawn(step, purpose, &mut fx);
                }
            }
            Event::Typed(text) => self.typed(text, &mut fx)?,
            Event::ManualDone { choice, note } => self.manual_done(choice, note, &mut fx)?,
            Event::WaitOver { step } => self.wait_over(step, &mut fx)?,
            Event::Choice(choice) => self.choose(choice, &mut fx)?,
            Event::Note { actor, text } => {
                let text = self.mask(text.trim());
                if text.is_empty() {
                    return refuse(msg::EMPTY_NOTE);
                }
                if has_controls(&text) {
                    return refuse(msg::NOTE_CONTROLS);
                }
                let step = self
                    .phase()
                    .step()
                    .or(Some(self.current))
                    .filter(|&i| i < self.rb.steps.len());
                self.emit(&mut fx, step, actor, Body::OperatorNote { text });
            }
            Event::Answer(answer) => self.answer(answer, &mut fx)?,
            Event::OperatorRejects => self.operator_rejects()?,
            Event::ClientAnswer(answer) => self.client_answer(answer, &mut fx)?,
            Event::RollbackRequested {
                reason,
                outside_window,
            } => self.request_rollback(reason, outside_window, &mut fx)?,
            Event::SelfApproval { typed } => {
                let offer = self.own_offer(typed)?;
                self.approval(offer, &mut fx)?;
            }
            Event::Stop(reason) => {
                let Some((i, purpose, attempt)) = self.running() else {
                    return refuse(msg::NO_COMMAND_RUNNING);
                };
                let body = Body::StopRequested {
                    purpose,
                    attempt,
                    reason,
                };
                self.emit(&mut fx, Some(i), self.operator.clone(), body);
                fx.push(Effect::Stop);
            }
            Event::Recovered { moved_to, bytes } => {
                let body = Body::JournalRecovered { moved_to, bytes };
                self.emit(&mut fx, None, self.shisa(), body);
            }
            Event::RunbookChanged(c) => {
                let body = Body::RunbookChanged {
                    path: self.mask(&c.path),
                    from_sha256: c.from_sha256,
                    to_sha256: c.to_sha256,
                    reason: c.reason,
                    changed: c.changed,
                    added: c.added,
                    removed: c.removed,
                };
                self.emit(&mut fx, None, self.operator.clone(), body);
            }
            Event::ClientRefused { who, reason } => {
                let body = Body::ClientRefused { who, reason };
                self.emit(&mut fx, None, self.shisa(), body);
            }
            Event::Abort(reason) => {
                if matches!(self.phase(), Phase::Running { .. }) {
                    return refuse(msg::STOP_FIRST);
                }
                let at = match self.phase() {
                    Phase::NoReturn { .. } => msg::AbortedAt::NoReturn,
                    Phase::Approval { .. } => msg::AbortedAt::Approval,
                    _ => msg::AbortedAt::Elsewhere,
                };
                let reason = reason.unwrap_or_else(|| msg::abort_unexplained(at).to_string());
                self.finish(&mut fx, Outcome::Aborted, Some(reason));
            }
            Event::Deciding(on) => self.set_deciding(on, &mut fx),
            Event::Interrupt(why) => {
                // A running command is stopped, and its result is still journaled when it
                // arrives; nothing runs after it (see command_done).
                let running = self.running();
                let body = Body::RunInterrupted {
                    reason: msg::halt(&why),
                    why: Some(why),
                };
                self.emit(&mut fx, None, self.operator.clone(), body);
                if running.is_some() {
                    fx.push(Effect::Stop);
                }
                fx.push(Effect::Finish {
                    outcome: None,
                    exit: Exit::Aborted,
                });
            }
            Event::WatcherJoined(who) => self.emit(
                &mut fx,
                None,
                self.operator.as_shisa(),
                Body::WatcherJoined { watcher: who },
            ),
            Event::WatcherLeft(who) => self.emit(
                &mut fx,
                None,
                self.operator.as_shisa(),
                Body::WatcherLeft { watcher: who },
            ),
        }
        if let Some((mark, ev)) = before {
            self.check_progress(mark, ev, &mut fx);
        }
        Ok(fx)
    }

    pub(super) fn emit(
        &mut self,
        fx: &mut Vec<Effect>,
        step: Option<usize>,
        actor: Actor,
        body: Body,
    ) {
        let entry = Entry {
            body,
            step: step.map(|i| self.rb.steps[i].id.clone()),
            actor,
        };
        self.apply(&entry);
        fx.push(Effect::Journal(entry));
    }

    pub(super) fn shisa(&self) -> Actor {
        self.operator.as_shisa()
    }

    /// The exit code an outcome ends with. A rollback the operator asked for, that undid
    /// all it set out to, did what was asked: exit 0, not the failure a rollback after a
    /// failed step reports.
    pub(super) fn exit_of(&self, outcome: Outcome) -> Exit {
        match outcome {
            Outcome::RolledBack if self.requested => Exit::Ok,
            o => Exit::from(o),
        }
    }

    pub(super) fn finish(
        &mut self,
        fx: &mut Vec<Effect>,
        outcome: Outcome,
        reason: Option<String>,
    ) {
        self.finish_with(fx, outcome, reason, None);
    }

    /// Finishes for a reason shisa decided: journaled as data and in the engine's words.
    pub(super) fn finish_because(&mut self, fx: &mut Vec<Effect>, outcome: Outcome, why: RunEnd) {
        let reason = msg::run_end(&why);
        self.finish_with(fx, outcome, Some(reason), Some(why));
    }

    fn finish_with(
        &mut self,
        fx: &mut Vec<Effect>,
        outcome: Outcome,
        reason: Option<String>,
        why: Option<RunEnd>,
    ) {
        let exit = self.exit_of(outcome);
        let reason = reason.map(|r| self.mask(&r));
        self.emit(
            fx,
            None,
            self.shisa(),
            Body::RunFinished {
                outcome,
                exit_code: exit.code(),
                reason,
                why,
            },
        );
        fx.push(Effect::Finish {
            outcome: Some(outcome),
            exit,
        });
    }

    /// Does everything that needs no one: start commands, close steps, finish the run.
    /// Every piece of work must move the run on; one that does not would repeat forever
    /// (or leave the run waiting on nothing), so it halts the run instead, resumable.
    pub(super) fn advance(&mut self, fx: &mut Vec<Effect>) {
        loop {
            let todo = match self.phase() {
                // The operator is deciding whether to quit: no change starts under them.
                Phase::Next(todo) if self.held_back(todo) => return,
                Phase::Next(todo) => todo,
                // Headless runs are paced by nobody: the next step begins in the same
                // decision as the last one ended, so one fsync covers both.
                Phase::Ready(i) if self.auto_begin => {
                    self.start_step(i, fx);
                    if self.phase() == Phase::Ready(i) {
                        return self.no_progress(Phase::Ready(i), "begin", fx);
                    }
                    continue;
                }
                // A change made by hand starts when its instructions are shown: the window
                // must still be open then (the target was typed, the approval came, since
                // the step began).
                Phase::Manual(i) if self.rb.steps[i].mutating => {
                    self.window_halts(i, fx);
                    return;
                }
                _ => return,
            };
            let waits = self.work(todo, fx);
            if self.phase() == Phase::Next(todo) {
                return self.no_progress(Phase::Next(todo), "work", fx);
            }
            if waits {
                return;
            }
        }
    }

    /// Where the run stands, and the state of the step it is about: cheap to compare.
    fn progress_mark(&self) -> (Phase, Option<StepState>) {
        let phase = self.phase();
        let step = phase.step().map(|i| self.steps[i].clone());
        (phase, step)
    }

    /// An accepted event that changed no step and left the run where it was would be
    /// repeated forever by whoever sends it (headless begins steps on its own): halt,
    /// resumable, instead of writing records in a loop.
    fn check_progress(&mut self, mark: (Phase, Option<StepState>), ev: &str, fx: &mut Vec<Effect>) {
        let started = fx.iter().any(|f| {
            matches!(
                f,
                Effect::Spawn(_) | Effect::Timer { .. } | Effect::Finish { .. }
            )
        });
        // A question put to a person is where a run waits, not a loop.
        if started || self.progress_mark() != mark || self.phase().is_prompt() {
            return;
        }
        self.no_progress(mark.0, ev, fx);
    }

    /// Something that had to move the run on left it at `phase`: a bug. Repeating it would
    /// write records forever, so the run halts (resumable); a debug build stops at once, so
    /// every test fails on such a loop.
    fn no_progress(&mut self, phase: Phase, after: &str, fx: &mut Vec<Effect>) {
        debug_assert!(false, "no progress at {phase:?} after {after}");
        let why = Halt::NoProgress {
            phase: format!("{phase:?}"),
        };
        self.halt(phase.step(), why, Exit::Failed, fx);
    }

    /// Does one piece of work; true when the run now waits (a command, a person, the end).
    fn work(&mut self, todo: Todo, fx: &mut Vec<Effect>) -> bool {
        match todo {
            Todo::Skip(i) => {
                let why = self
                    .condition(i)
                    .err()
                    .map(|skip| StepEnd::Skipped { skip });
                let body = Body::StepFinished {
                    status: StepStatus::Skipped,
                    reason: why.as_ref().map(msg::step_end),
                    why,
                };
                self.emit(fx, Some(i), self.shisa(), body);
                return false;
            }
            Todo::ReuseTarget(i, j) => {
                let resolved = self.steps[i]
                    .target()
                    .resolved()
                    .unwrap_or_default()
                    .to_string();
                let body = Body::TargetConfirmed {
                    resolved,
                    typed: String::new(),
                    reused_from: Some(self.rb.steps[j].id.clone()),
                    blind: self.blind(i),
                };
                self.emit(fx, Some(i), self.shisa(), body);
                return false;
            }
            Todo::StartWait(i) => {
                self.start_wait(i, fx);
            }
            Todo::Describe(i) => self.spawn(i, Purpose::Describe, fx),
            Todo::Impact(i) => self.spawn(i, Purpose::Impact, fx),
            Todo::Main(i) => self.spawn(i, Purpose::Main, fx),
            Todo::Verify(i, n) => self.spawn(i, Purpose::Verify(n), fx),
            Todo::ChecksFailed(i) => self.checks_failed(i, fx),
            Todo::RollbackCmd(i, n) => self.spawn(i, Purpose::Rollback(n), fx),
            Todo::RequestApproval(i) => self.request_approval(i, fx),
            Todo::StepDone(i) => {
                let body = self.step_done(i);
                self.emit(fx, Some(i), self.shisa(), body);
                return false;
            }
            Todo::RollbackStepDone(i) => {
                let body = self.rollback_step_done(i);
                self.emit(fx, Some(i), self.shisa(), body);
                return false;
            }
            Todo::RunDone => self.run_done(fx),
            Todo::RollbackDone => self.rollback_done(fx),
        }
        true
    }
}
