//! What people do by hand: manual steps (with their answers and minimum wait), manual
//! rollback entries, and the point of no return they must name.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::journal::record::{Body, Purpose};

use super::event::{Effect, Event};
use super::messages as msg;
use super::phase::Phase;
use super::stage::WaitState;
use super::state::Engine;
use super::update::{Refusal, has_controls, refuse};

/// A time as the journal writes it.
pub(super) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `d` after `t`, or the end of time (a wait of centuries is not worth a panic).
pub(super) fn later(t: DateTime<Utc>, d: std::time::Duration) -> DateTime<Utc> {
    chrono::TimeDelta::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Milliseconds in a duration, saturating.
pub(super) fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Engine {
    pub(super) fn manual_done(
        &mut self,
        choice: Option<String>,
        note: Option<String>,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        if note.as_deref().is_some_and(has_controls) {
            return refuse(msg::NOTE_CONTROLS);
        }
        let note = note.map(|n| self.mask(&n)).filter(|n| !n.trim().is_empty());
        let (i, undo) = match self.phase() {
            Phase::Manual(i) => (i, None),
            Phase::ManualUndo { step, n } => (step, Some(n)),
            Phase::Waiting { until, .. } => {
                let local = until.format("%H:%M:%S UTC").to_string();
                return refuse(msg::wait_not_over(&local));
            }
            _ => return refuse(msg::NO_MANUAL_STEP),
        };
        let keys: Vec<&str> = match undo {
            Some(_) => Vec::new(),
            None => self.rb.steps[i]
                .choices
                .iter()
                .map(|c| c.key.as_str())
                .collect(),
        };
        match (&choice, keys.is_empty()) {
            (None, false) => return refuse(msg::choice_needed(&keys)),
            (Some(c), true) => return refuse(msg::no_choices_here(c)),
            (Some(c), false) if !keys.contains(&c.as_str()) => {
                return refuse(msg::unknown_choice(c, &keys));
            }
            _ => {}
        }
        let body = Body::ManualDone { note, choice, undo };
        self.emit(fx, Some(i), self.operator.clone(), body);
        self.advance(fx);
        Ok(())
    }

    /// A manual step with `wait` shows its instructions and starts its timer.
    pub(super) fn start_wait(&mut self, i: usize, fx: &mut Vec<Effect>) {
        let wait = self.rb.steps[i].wait.unwrap_or_default();
        let until = later(self.now, wait);
        let body = Body::WaitStarted {
            purpose: Purpose::Main,
            every_ms: None,
            deadline_ms: millis(wait),
            until: stamp(until),
            restarted: None,
        };
        self.emit(fx, Some(i), self.shisa(), body);
        fx.push(Effect::Timer {
            after: wait,
            event: Event::WaitOver { step: i },
        });
    }

    /// The timer of a manual step's wait: `done` is accepted from now on.
    pub(super) fn wait_over(&mut self, step: usize, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        let Phase::Waiting { step: i, until } = self.phase() else {
            return refuse(msg::NO_WAIT_RUNNING);
        };
        if i != step {
            return refuse(msg::NO_WAIT_RUNNING);
        }
        // A timer may fire a little early (or the clock moved): wait for the rest.
        if self.now < until {
            self.wait_timer(step, until, fx);
            return Ok(());
        }
        let waited = match self.steps[i].wait() {
            Some(WaitState::Active { deadline_ms, .. }) => *deadline_ms,
            _ => 0,
        };
        let body = Body::WaitFinished {
            purpose: Purpose::Main,
            polls: 0,
            waited_ms: waited,
            met: true,
        };
        self.emit(fx, Some(i), self.shisa(), body);
        self.advance(fx);
        Ok(())
    }

    /// The timer a resumed run owes a wait in progress (none is running in a new process).
    pub(super) fn rearm_wait(&self, fx: &mut Vec<Effect>) {
        if let Phase::Waiting { step, until } = self.phase() {
            self.wait_timer(step, until, fx);
        }
    }

    /// A timer for what is left of a manual step's wait.
    fn wait_timer(&self, step: usize, until: DateTime<Utc>, fx: &mut Vec<Effect>) {
        fx.push(Effect::Timer {
            after: (until - self.now).to_std().unwrap_or_default(),
            event: Event::WaitOver { step },
        });
    }

    /// The operator names the step at its point of no return.
    pub(super) fn no_return_typed(
        &mut self,
        i: usize,
        expected: &str,
        reason: String,
        typed: &str,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        if typed.trim() != expected {
            return refuse(msg::no_return_mismatch(expected));
        }
        let body = Body::NoReturnConfirmed {
            reason,
            typed: typed.trim().to_string(),
        };
        self.emit(fx, Some(i), self.operator.clone(), body);
        self.advance(fx);
        Ok(())
    }

    /// How long a wait ran, for `wait_finished`.
    pub(super) fn waited_ms(&self, i: usize) -> u64 {
        match self.steps[i].wait() {
            Some(WaitState::Active {
                until, deadline_ms, ..
            }) => {
                let deadline =
                    chrono::Duration::milliseconds(i64::try_from(*deadline_ms).unwrap_or(i64::MAX));
                let started = *until - deadline;
                u64::try_from((self.now - started).num_milliseconds()).unwrap_or(0)
            }
            _ => 0,
        }
    }

    /// Says how long a deadline is, for people.
    pub(super) fn deadline_ms(&self, i: usize) -> u64 {
        match self.steps[i].wait() {
            Some(WaitState::Active { deadline_ms, .. }) => *deadline_ms,
            _ => 0,
        }
    }
}
