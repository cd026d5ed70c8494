//! What the world may read of the engine. Its fields are private: front ends, the driver,
//! watchers and exports see the state through these, and change it only by sending events
//! (or, replaying a journal, by `apply`).

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::exit::Exit;
use chrono::{DateTime, Utc};

use crate::journal::record::{Actor, Outcome, Purpose};
use crate::runbook::Runbook;
use crate::runbook::params::Params;

use super::run_progress::{Going, RunProgress};
use super::stage::WaitState;
use super::state::{Engine, RollbackState, StepState};

impl Engine {
    pub fn runbook(&self) -> &Arc<Runbook> {
        &self.rb
    }

    /// Who runs it: every record the operator makes carries this actor.
    pub fn operator(&self) -> &Actor {
        &self.operator
    }

    /// The person the operator is (login uid, `SUDO_USER`, groups), as the session said.
    pub fn operator_person(&self) -> &super::event::Who {
        &self.operator_who
    }

    /// The run's values (secret ones real: show them only through `shown_vars`/`mask`).
    pub fn params(&self) -> &Params {
        &self.params
    }

    pub fn step(&self, i: usize) -> &StepState {
        &self.steps[i]
    }

    pub fn steps(&self) -> &super::state::Steps {
        &self.steps
    }

    /// The step in progress, or the next to begin (`steps().len()` when all are done).
    pub fn current(&self) -> usize {
        self.at()
    }

    pub fn run_id(&self) -> Option<&str> {
        self.run_id.as_deref()
    }

    /// The environment the run is in (`run --env`), and the rehearsal it started on.
    pub fn env(&self) -> Option<(&str, Option<&crate::journal::record::Rehearsed>)> {
        self.env.as_ref().map(|(e, r)| (e.as_str(), r.as_ref()))
    }

    /// The rollback under way, if any.
    pub fn rollback(&self) -> Option<&RollbackState> {
        self.rollback_state()
    }

    pub fn finished(&self) -> Option<(Outcome, Exit)> {
        self.finished_as()
    }

    /// The reason the change window was overridden, if it was.
    pub fn window_override(&self) -> Option<&str> {
        self.window_override.as_deref()
    }

    pub fn watchers(&self) -> &BTreeSet<String> {
        &self.watchers
    }

    // Where the run as a whole stands (`run_progress.rs`).

    pub(super) fn started(&self) -> bool {
        !matches!(self.run, RunProgress::NotStarted)
    }

    pub(super) fn going(&self) -> Option<&Going> {
        match &self.run {
            RunProgress::Going(g) => Some(g),
            _ => None,
        }
    }

    pub(super) fn going_mut(&mut self) -> Option<&mut Going> {
        match &mut self.run {
            RunProgress::Going(g) => Some(g),
            _ => None,
        }
    }

    /// The rollback under way, or the one the run finished with.
    pub(super) fn rollback_state(&self) -> Option<&RollbackState> {
        match &self.run {
            RunProgress::Going(g) => g.rollback(),
            RunProgress::Finished { rollback, .. } => rollback.as_ref(),
            RunProgress::NotStarted => None,
        }
    }

    pub(super) fn rollback_mut(&mut self) -> Option<&mut RollbackState> {
        self.going_mut().and_then(Going::rollback_mut)
    }

    /// Why the run is halted, if it is.
    pub(super) fn halted(&self) -> Option<&str> {
        self.going().and_then(Going::halted)
    }

    pub(super) fn finished_as(&self) -> Option<(Outcome, Exit)> {
        match self.run {
            RunProgress::Finished { outcome, exit, .. } => Some((outcome, exit)),
            _ => None,
        }
    }

    /// The wait step `i`'s check `purpose` is polled under, while it is under way: when it
    /// runs out and how long it is, so a front end can call its runs polls and show the
    /// time left (a poll that does not hold is not a failure to retry).
    pub fn wait_of(&self, i: usize, purpose: Purpose) -> Option<Polled> {
        match self.steps.get(i)?.wait()? {
            WaitState::Active {
                purpose: p,
                until,
                deadline_ms,
                ..
            } if *p == purpose => Some(Polled {
                until: *until,
                deadline_ms: *deadline_ms,
            }),
            _ => None,
        }
    }
}

/// A wait under way (`Engine::wait_of`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Polled {
    pub until: DateTime<Utc>,
    pub deadline_ms: u64,
}
