//! Journal entries that move the run as a whole (a rollback starting, a resume, the end),
//! applied to the state: `apply.rs` sends each here. Like every change of state, only from
//! a journal entry (ARCHITECTURE.md, replay).

use crate::journal::record::{Outcome, Purpose};
use crate::runbook::model::StepKind;

use super::run_progress::{Going, Held, RunProgress, Way};
use super::stage::{CommandState, WaitState};
use super::state::{Engine, Progress, RollbackState};

impl Engine {
    /// `rollback_started`: the steps of `plan` are to be undone, in order; `kept` stay.
    pub(super) fn rollback_started(
        &mut self,
        plan: &[String],
        kept: &[String],
        pass_only: bool,
        idx: Option<usize>,
    ) {
        let ids = |v: &[String]| {
            v.iter()
                .filter_map(|id| self.step_index(id))
                .collect::<Vec<_>>()
        };
        let (plan, kept) = (ids(plan), ids(kept));
        // The failure that led here is decided; failed commands are not retried.
        for s in self.steps.iter_mut_where(|s| s.has_command()) {
            s.settle_command();
        }
        for &j in &plan {
            self.steps[j].start_undo();
        }
        self.recapture.clear();
        // A rollback is asked for of a going run, or of an ended one (which
        // `rollback_requested` has set going again): then it is gated.
        let (reopened, held) = match self.going() {
            Some(g) => (
                matches!(
                    g.way,
                    Way::Reopened { .. } | Way::Undoing(RollbackState { gated: true, .. })
                ),
                g.held.clone(),
            ),
            None => (false, Held::Clear),
        };
        let plan_gated = plan.clone();
        let mut going = Going {
            way: Way::Undoing(RollbackState {
                plan,
                next: 0,
                incomplete: false,
                kept,
                gated: reopened,
                failed: idx,
                pass_only,
            }),
            held,
        };
        going.settle_doubt();
        self.run = RunProgress::Going(going);
        // Later, the gates are met afresh: the target as the system names it now,
        // and a new approval (of the rollback, not of the change).
        if reopened {
            for &j in &plan_gated {
                let s = &mut self.steps[j];
                s.forget_target(true);
                s.forget_approval();
            }
        }
    }

    /// `run_resumed`: a new process goes on with the run, `in_doubt` naming the step (or
    /// rollback command) whose outcome nobody knows.
    pub(super) fn run_resumed(&mut self, in_doubt: Option<&str>) {
        // Whatever was running died with the old process. A step that stopped at its
        // typed target (three misses, or a quit), or in its lookup (`describe`,
        // `impact`, which only read), changed nothing this time, and its target may
        // have changed since: it begins again, as the operator's rerun would, still
        // owing the rollback of an earlier attempt's command (never in doubt:
        // `Engine::resume`).
        self.checks_cut_off();
        // A new process has no connections: the old one's watchers left with it (journaled
        // by `Engine::resume`; a journal from before that is read the same way).
        self.watchers.clear();
        for s in &mut self.steps {
            // Stopped at the target before its rollback: looked up afresh too.
            let named = s.stage().named().is_some();
            if named && matches!(s.progress, Progress::Undoing { .. }) {
                s.forget_target(false);
                continue;
            }
            if named || s.looking_up() {
                s.restart(s.main_ran);
                continue;
            }
            if matches!(
                s.stage().command(),
                Some(CommandState::Running { .. } | CommandState::Ended { ok: false, .. })
            ) {
                s.settle_command();
            }
        }
        let in_doubt = in_doubt.and_then(|id| self.step_index(id));
        if let Some(g) = self.going_mut() {
            g.held = in_doubt.map_or(Held::Clear, Held::InDoubt);
        }
        // Its change had not started: it begins again, still owing the rollback of an
        // earlier attempt's command (`Engine::begins_again`).
        if let Some(i) = self.begins_again() {
            let s = &mut self.steps[i];
            s.restart(s.main_ran);
        }
    }

    /// At `run_resumed`: a verify check the old process was still running, polling or
    /// about to retry had no result for its round yet (a poll not holding yet, or an
    /// attempt with a retry due, is not its failure), and it only reads: it runs again,
    /// its retries counted afresh, never put to the operator as failed. Polls under way
    /// were cut short, not run out: the next poll begins a fresh wait, which says so
    /// (`WaitState::CutShort`, `start_polling`). A manual step's wait keeps its `until`.
    fn checks_cut_off(&mut self) {
        for i in 0..self.steps.len() {
            let check = match self.steps[i].stage().command() {
                Some(&CommandState::Running {
                    purpose: Purpose::Verify(n),
                    ..
                }) => Some(n),
                Some(&CommandState::Ended {
                    purpose: Purpose::Verify(n),
                    ok: false,
                    ..
                }) if !self.check_given_up(i) => Some(n),
                _ => None,
            };
            let polled = matches!(self.steps[i].wait(), Some(WaitState::Active { .. }))
                && self.rb.steps[i].kind != StepKind::Manual;
            if check.is_none() && !polled {
                continue;
            }
            let s = &mut self.steps[i];
            if let Some(n) = check {
                s.checks.remove(&n);
            }
            if let Some(stage) = s.progress.stage_mut().filter(|_| polled) {
                stage.cut_short();
            }
        }
    }

    /// Step `i` ended: it is no longer in doubt, if it was.
    pub(super) fn settle_doubt(&mut self, i: usize) {
        if let Some(g) = self.going_mut()
            && g.in_doubt() == Some(i)
        {
            g.settle_doubt();
        }
    }

    /// `run_finished`: the run ends, keeping the rollback it ended with.
    pub(super) fn finish_run(&mut self, outcome: Outcome) {
        let exit = self.exit_of(outcome);
        let rollback = match std::mem::take(&mut self.run) {
            RunProgress::Going(g) => g.into_rollback(),
            RunProgress::Finished { rollback, .. } => rollback,
            RunProgress::NotStarted => None,
        };
        self.run = RunProgress::Finished {
            outcome,
            exit,
            rollback,
        };
    }
}
