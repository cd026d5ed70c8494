//! Starting, resuming and beginning steps: the change window, a faked clock, and the
//! gates a step must pass before it changes anything.

use crate::exit::Exit;
use crate::journal::record::OverrideKind;
use crate::journal::record::Purpose;
use crate::journal::record::{
    Body, Gate, Halt, Outcome, Prompt, RunEnd, Shut, StepEnd, StepFailure, StepStatus,
};
use crate::runbook::model::{Guard, Step};

use super::event::{Effect, StartInfo};
use super::messages as msg;
use super::phase::{Phase, Todo};
use super::state::{Engine, Progress};
use super::steps::Steps;
use super::update::{Refusal, refuse};

/// The step in doubt where the run stood (`stopped`: halted, its halt taken aside): one whose
/// command that may change something (`Purpose::may_change`) was cut off — started and not
/// ended, or ended by the stop that halted the run (killed part-way: how it ended is
/// journaled, what it changed is not) — or that was in doubt already and not yet
/// answered. Nothing else is: a failed attempt's result is known (a retry was due), a
/// lookup or a check only reads and runs again, a question is asked again, and a step whose
/// change had not started begins again (`Engine::begins_again`). The own command of a step
/// that changes nothing (a precheck, a snapshot, `mutating: false`) only reads too: asking
/// whether it finished would let `done` pass a precheck that never passed.
fn cut_off(stood: &Phase, stopped: bool, steps: &[Step], states: &Steps) -> Option<usize> {
    let changes = |step: usize, purpose: Purpose| {
        purpose.may_change()
            && (purpose != Purpose::Main || steps[step].mutating || states[step].began_mutating)
    };
    match *stood {
        Phase::InDoubt(step) => Some(step),
        Phase::Running { step, purpose, .. } if changes(step, purpose) => Some(step),
        Phase::RetryWait { step, purpose, .. } if changes(step, purpose) && stopped => Some(step),
        _ => None,
    }
}

impl Engine {
    pub(super) fn start(&mut self, info: StartInfo, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        if self.started() {
            return refuse(msg::ALREADY_STARTED);
        }
        let evidence = super::rehearsal::judge(
            &self.rb,
            info.env.as_deref(),
            &info.runbook.sha256,
            info.rehearsals.as_ref(),
            self.now,
        );
        let body = Body::RunStarted {
            run_id: info.run_id,
            runbook: info.runbook,
            params: self.params.shown(),
            tool_version: info.tool_version,
            mode: info.mode,
            clock_faked: info.clock_faked.clone(),
            env: info.env,
            rehearsal: evidence.clone().ok().flatten(),
        };
        self.emit(fx, None, self.operator.clone(), body);
        self.faked_clock(info.clock_faked, fx);
        self.outside_window(info.outside_window, fx);
        // No evidence, no start: before the window, since no window makes up for it.
        if let Err(why) = evidence {
            self.finish_because(fx, Outcome::Refused, why);
            return Ok(());
        }
        if let Some(shut) = self.window_closed(fx) {
            let opens = self
                .rb
                .window
                .as_ref()
                .and_then(|w| w.next_opening(self.now))
                .map(|t| t.format("%a %Y-%m-%d %H:%M %Z").to_string());
            let why = RunEnd::OutsideWindow { shut, opens };
            self.finish_because(fx, Outcome::Refused, why);
            return Ok(());
        }
        // Steps whose `when` does not hold are skipped at once, the first one too: nobody
        // is asked to begin a step that will not run.
        self.advance(fx);
        Ok(())
    }

    pub(super) fn resume(
        &mut self,
        outside: Option<String>,
        clock_faked: Option<String>,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        if !self.started() {
            return refuse(msg::NOTHING_TO_RESUME);
        }
        // Where the run stood when it stopped: an interrupted run reads as Halted, which
        // would hide a step cut off mid-command (SIGTERM, quitting while it ran) and let it
        // run again without asking.
        let stood = self.phase_past_halt();
        let stopped = self.going().is_some_and(|g| g.halted().is_some());
        let in_doubt = cut_off(&stood, stopped, &self.rb.steps, &self.steps);
        let in_doubt_id = in_doubt.map(|i| self.rb.steps[i].id.clone());
        let gone: Vec<String> = self.watchers.iter().cloned().collect();
        self.emit(
            fx,
            in_doubt,
            self.operator.clone(),
            Body::RunResumed {
                in_doubt: in_doubt_id,
            },
        );
        self.watchers_gone(gone, fx);
        self.faked_clock(clock_faked, fx);
        self.outside_window(outside, fx);
        // A wait already under way gets its timer before `advance`: one that `advance`
        // starts now arms its own, and a second timer would fire into a finished wait.
        self.rearm_wait(fx);
        self.advance(fx);
        Ok(())
    }

    /// The watchers the journal has connected to the run's earlier process: that process
    /// ended (a crash, a halt, the run's end) and its connections with it, and a new one
    /// has none. Each is journaled as gone, so every `watcher_joined` has its end
    /// (`run_resumed` and an ended run's `rollback_requested` have already cleared them).
    pub(super) fn watchers_gone(&mut self, gone: Vec<String>, fx: &mut Vec<Effect>) {
        for watcher in gone {
            let body = Body::WatcherLeft {
                watcher: format!("{watcher} — {}", msg::PROCESS_ENDED),
            };
            self.emit(fx, None, self.shisa(), body);
        }
    }

    /// The step a resume begins again: its change had not started when the old process
    /// died — it waited for its approval or its point of no return, or was about to run
    /// (write-ahead: `command_started` is durable before the spawn, so without one nothing
    /// ran). Its target may have changed since, and the reviewers of the new process can
    /// answer only a request it journals itself: the target is looked up and typed, and
    /// the approval asked, afresh, as after a lookup cut off (`run_resumed`).
    pub(super) fn begins_again(&self) -> Option<usize> {
        match self.phase() {
            Phase::Approval { step, .. }
            | Phase::NoReturn { step, .. }
            | Phase::Next(Todo::RequestApproval(step) | Todo::Main(step))
                if matches!(self.steps[step].progress(), Progress::Underway(_)) =>
            {
                Some(step)
            }
            _ => None,
        }
    }

    /// A faked clock decides window checks: it is journaled as an override, on every start
    /// and resume, so it can never hide.
    pub(super) fn faked_clock(&mut self, fake: Option<String>, fx: &mut Vec<Effect>) {
        if let Some(fake) = fake {
            let reason = msg::clock_faked(&fake);
            let body = Body::Override {
                what: OverrideKind::Clock,
                reason,
            };
            self.emit(fx, None, self.operator.clone(), body);
        }
    }

    pub(super) fn outside_window(&mut self, reason: Option<String>, fx: &mut Vec<Effect>) {
        if let Some(reason) = reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
        {
            self.emit(
                fx,
                None,
                self.operator.clone(),
                Body::Override {
                    what: OverrideKind::Window,
                    reason,
                },
            );
        }
    }

    /// Checks the change window; `Some(why)` when it is closed and not overridden.
    pub(super) fn window_closed(&mut self, fx: &mut Vec<Effect>) -> Option<Shut> {
        let w = self.rb.window.as_ref()?;
        let verdict = w.verdict(self.now);
        let shut = verdict.shut().cloned();
        let body = Body::WindowChecked {
            timezone: w.timezone.name().to_string(),
            local: verdict.local().to_string(),
            inside: shut.is_none(),
            reason: shut.as_ref().map(msg::shut),
            why: shut.clone(),
        };
        let step = self.phase().step();
        self.emit(fx, step, self.shisa(), body);
        shut.filter(|_| self.window_override.is_none())
    }

    pub(super) fn begin(&mut self, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        let Phase::Ready(i) = self.phase() else {
            return refuse(msg::NO_STEP_READY);
        };
        self.start_step(i, fx);
        self.advance(fx);
        Ok(())
    }

    /// Step `i` begins, unless a gate (window, snapshot) stops it first.
    pub(super) fn start_step(&mut self, i: usize, fx: &mut Vec<Effect>) {
        let step = self.rb.steps[i].clone();
        if step.mutating {
            if self.window_halts(i, fx) {
                return;
            }
            if !step.waive.contains_key(&Guard::Snapshot)
                && let Some(si) = self.rb.guarding_snapshot(i)
                && self.steps[si].status() != Some(StepStatus::Ok)
            {
                let gate = Gate::SnapshotMissing {
                    snapshot: self.rb.steps[si].id.clone(),
                    step: step.id.clone(),
                };
                self.gate(i, gate, fx);
                return;
            }
        }
        for (guard, w) in &step.waive {
            let body = Body::Waiver {
                guard: guard.name().to_string(),
                reason: w.reason.clone(),
            };
            self.emit(fx, Some(i), self.shisa(), body);
        }
        let body = Body::StepStarted {
            index: i,
            title: self.mask(&step.title.render(&self.step_vars(i))),
            step_kind: step.kind.name().to_string(),
            mutating: step.mutating,
        };
        self.emit(fx, Some(i), self.operator.clone(), body);
    }

    /// Checks the window before step `i` changes anything; closed (and not overridden), the
    /// operator at a screen is asked (override with a reason, or abort); in line mode,
    /// where a script drives the run, it halts, resumable inside the window. True when the
    /// change must not start now.
    pub(super) fn window_halts(&mut self, i: usize, fx: &mut Vec<Effect>) -> bool {
        let Some(shut) = self.window_closed(fx) else {
            return false;
        };
        if !self.auto_begin {
            let why = StepFailure::Window { shut };
            let body = Body::StepFailed {
                prompt: Prompt::Window,
                reason: msg::step_failure(&why, &[]),
                why: Some(why),
            };
            self.emit(fx, Some(i), self.shisa(), body);
            return true;
        }
        self.halt(Some(i), Halt::OutsideWindow { shut }, Exit::Refused, fx);
        true
    }

    /// A safety gate refused step `i`: stop, or let the operator undo earlier changes.
    pub(super) fn gate(&mut self, i: usize, gate: Gate, fx: &mut Vec<Effect>) {
        let gate = gate.map(&|t| self.mask(t));
        // Refused before a later rollback of the step: look again, leave this change in
        // place, or stop.
        if self.undoing_gated(i) {
            self.ask_gate(i, gate, Prompt::Rollback, fx);
        } else if self.changes_made() {
            self.ask_gate(i, gate, Prompt::Gate, fx);
        } else {
            let why = StepEnd::Refused { gate: gate.clone() };
            let body = Body::StepFinished {
                status: StepStatus::Failed,
                reason: Some(msg::step_end(&why)),
                why: Some(why),
            };
            self.emit(fx, Some(i), self.shisa(), body);
            self.finish_because(fx, Outcome::Refused, RunEnd::Refused { gate });
        }
    }

    /// A gate the operator is asked about at `prompt` whether or not anything changed yet
    /// (a value lost with a secret, a host that does not resolve: roll back or stop).
    pub(super) fn ask_gate(&mut self, i: usize, gate: Gate, prompt: Prompt, fx: &mut Vec<Effect>) {
        let why = StepFailure::Gate {
            gate: gate.map(&|t| self.mask(t)),
        };
        let body = Body::StepFailed {
            prompt,
            reason: msg::step_failure(&why, &[]),
            why: Some(why),
        };
        self.emit(fx, Some(i), self.shisa(), body);
    }

    /// The run halts (resumable), journaled with its reason as data, then ends with `exit`.
    pub(super) fn halt(&mut self, i: Option<usize>, why: Halt, exit: Exit, fx: &mut Vec<Effect>) {
        self.journal_halt(i, why, fx);
        fx.push(Effect::Finish {
            outcome: None,
            exit,
        });
    }

    /// Journals a halt (`run_interrupted`), its reason as data.
    pub(super) fn journal_halt(&mut self, i: Option<usize>, why: Halt, fx: &mut Vec<Effect>) {
        let body = Body::RunInterrupted {
            reason: self.mask(&msg::halt(&why)),
            why: Some(why),
        };
        self.emit(fx, i, self.shisa(), body);
    }
}
