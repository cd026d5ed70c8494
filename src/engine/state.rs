//! The engine's state, changed only by [`Engine::apply`] of journal entries. That is what
//! makes a replayed journal rebuild exactly the state the live run had.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::exit::Exit;
use crate::journal::record::OverrideKind;
use crate::journal::record::{Actor, Body, Choice, Entry, Outcome, Prompt, Purpose, StepStatus};
use crate::runbook::Runbook;
use crate::runbook::params::{self, Params};

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
    pub verified: u32,
    /// Rollback commands finished (or skipped) during a rollback.
    pub rolled_back_cmds: u32,
    /// The operator declared this in-doubt step done, with this reason.
    pub accepted: Option<String>,
}

/// Where a step's target confirmation stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TargetState {
    /// Not asked yet (its `describe` has not run, or not to its end).
    #[default]
    Unresolved,
    /// The system named it; waiting for the operator to type it (after `misses` misses).
    Resolved {
        resolved: String,
        misses: u32,
    },
    Confirmed {
        resolved: String,
    },
}

impl TargetState {
    /// The target as the system named it (secrets masked), once known.
    pub fn resolved(&self) -> Option<&str> {
        match self {
            TargetState::Unresolved => None,
            TargetState::Resolved { resolved, .. } | TargetState::Confirmed { resolved } => {
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackState {
    /// Step indexes to undo, in order.
    pub plan: Vec<usize>,
    /// How many of `plan` are done.
    pub next: usize,
    /// A rollback command failed and the operator skipped it.
    pub incomplete: bool,
}

#[derive(Debug, Clone)]
pub struct Engine {
    pub(super) rb: Arc<Runbook>,
    pub(super) operator: Actor,
    pub(super) params: Params,
    /// Values captured by steps so far, as journaled (secrets masked).
    pub(super) captured: BTreeMap<String, String>,
    /// The real values of captures that held a secret: kept in memory only, never
    /// journaled, so a replay does not have them (see `lost_captures`).
    pub(super) held: BTreeMap<String, String>,
    pub(super) steps: Vec<StepState>,
    /// The step in progress, or the next to begin (`steps.len()` when all are done).
    pub(super) current: usize,
    pub(super) run_id: Option<String>,
    pub(super) started: bool,
    pub(super) rollback: Option<RollbackState>,
    pub(super) in_doubt: Option<usize>,
    pub(super) interrupted: Option<String>,
    pub(super) finished: Option<(Outcome, Exit)>,
    pub(super) window_override: Option<String>,
    pub(super) watchers: BTreeSet<String>,
    /// When the event being handled happened (given to `update`); never part of the state
    /// a journal rebuilds.
    pub(super) now: DateTime<Utc>,
    /// Steps begin without anyone pressing Enter (headless mode).
    pub(super) auto_begin: bool,
    /// A watcher's or an export's copy: it takes the run's values from `run_started`
    /// (secrets masked there), since it was never given them.
    pub(super) witness: bool,
}

impl Engine {
    pub fn new(rb: Arc<Runbook>, operator: Actor, params: Params) -> Engine {
        let steps = vec![StepState::default(); rb.steps.len()];
        Engine {
            rb,
            operator,
            params,
            captured: BTreeMap::new(),
            held: BTreeMap::new(),
            steps,
            current: 0,
            run_id: None,
            started: false,
            rollback: None,
            in_doubt: None,
            interrupted: None,
            finished: None,
            window_override: None,
            watchers: BTreeSet::new(),
            now: DateTime::UNIX_EPOCH,
            auto_begin: false,
            witness: false,
        }
    }

    /// Steps begin on their own as the previous one ends (headless: nobody paces the run).
    pub fn begins_steps_itself(mut self) -> Engine {
        self.auto_begin = true;
        self
    }

    /// An engine that follows a run it does not drive (a watcher, an export): records are
    /// applied as they come, and the run's values are the ones `run_started` shows.
    pub fn witness(rb: Arc<Runbook>, operator: Actor) -> Engine {
        let secrets = rb
            .params
            .iter()
            .filter(|p| p.secret)
            .map(|p| p.name.clone())
            .collect();
        let params = Params {
            values: Default::default(),
            secrets,
        };
        let mut e = Engine::new(rb, operator, params);
        e.witness = true;
        e
    }

    /// Rebuilds the state of a run from its journal.
    pub fn replay<'a>(
        rb: Arc<Runbook>,
        operator: Actor,
        params: Params,
        entries: impl IntoIterator<Item = &'a Entry>,
    ) -> Engine {
        let mut e = Engine::new(rb, operator, params);
        for entry in entries {
            e.apply(entry);
        }
        e
    }

    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.rb.step_index(id)
    }

    /// Every value a command may see: parameters, then captures (their real values where
    /// the journal holds them masked).
    pub fn vars(&self) -> BTreeMap<String, String> {
        let mut v = self.params.values.clone();
        // A capture whose real value is gone is left out: an unset variable fails loudly
        // (`set -u`), masked text would not.
        let lost = self.lost_captures();
        v.extend(
            self.captured
                .iter()
                .filter(|(k, _)| !lost.contains(&k.as_str()))
                .map(|(k, val)| (k.clone(), val.clone())),
        );
        v.extend(self.held.clone());
        v
    }

    /// What to scrub from text shown or written: the secret parameters, and the real values
    /// of captures that held a secret (each stands for its masked form).
    pub fn redactions(&self) -> Vec<(String, String)> {
        let mut out = self.params.redactions();
        out.extend(
            self.held_masks()
                .map(|(real, shown)| (real.to_string(), shown.to_string())),
        );
        out
    }

    /// Each held capture's real value and the masked form it stands for.
    fn held_masks(&self) -> impl Iterator<Item = (&str, &str)> {
        self.held.iter().filter_map(|(k, real)| {
            let shown = self.captured.get(k)?;
            (shown != real && !real.is_empty()).then_some((real.as_str(), shown.as_str()))
        })
    }

    /// The same, with secrets masked: for anything shown or journaled.
    pub fn shown_vars(&self) -> BTreeMap<String, String> {
        let mut v = self.params.shown();
        v.extend(
            self.captured
                .iter()
                .map(|(k, val)| (k.clone(), self.mask(val))),
        );
        v
    }

    /// Replaces secret values in text shown or journaled.
    pub fn mask(&self, text: &str) -> String {
        let mut out = self.params.mask_text(text);
        for (real, shown) in self.held_masks() {
            out = out.replace(real, shown);
        }
        out
    }

    /// A captured value as journaled and shown: secrets in it masked, and the whole value
    /// masked where it is the start of a secret (a capture cut short by its regex would
    /// otherwise show the first characters of the secret).
    pub fn mask_capture(&self, value: &str) -> String {
        let cut = self
            .params
            .redactions()
            .into_iter()
            .find(|(secret, _)| value.len() >= 2 && secret.starts_with(value));
        match cut {
            Some((_, mask)) => mask,
            None => self.mask(value),
        }
    }

    /// Captures whose real value is gone: they held a secret, the journal keeps only the
    /// masked text, and this process did not see them (a resumed run). A command must
    /// never receive masked text in place of a value.
    pub fn lost_captures(&self) -> Vec<&str> {
        self.captured
            .iter()
            .filter(|(k, v)| params::is_masked(v) && !self.held.contains_key(*k))
            .map(|(k, _)| k.as_str())
            .collect()
    }

    /// Applies one journal entry. The only place state changes.
    pub fn apply(&mut self, entry: &Entry) {
        let idx = entry.step.as_deref().and_then(|id| self.rb.step_index(id));
        match &entry.body {
            Body::RunStarted { run_id, params, .. } => {
                self.started = true;
                self.run_id = Some(run_id.clone());
                if self.witness {
                    self.params.values = params.clone();
                }
            }
            Body::Override {
                what: OverrideKind::Window,
                reason,
            } => self.window_override = Some(reason.clone()),
            Body::StepStarted { .. } => {
                if let Some(i) = idx {
                    self.steps[i].started = true;
                    self.current = i;
                }
            }
            Body::CommandStarted {
                purpose, attempt, ..
            } => {
                if let Some(s) = idx.map(|i| &mut self.steps[i]) {
                    s.round = match s.command {
                        CommandState::Ended {
                            purpose: p,
                            ok: false,
                            ..
                        } if p == *purpose => s.round + 1,
                        _ => 1,
                    };
                    s.command = CommandState::Running {
                        purpose: *purpose,
                        attempt: *attempt,
                    };
                    s.attempts.insert(*purpose, *attempt);
                    s.main_ran |= *purpose == Purpose::Main;
                }
            }
            Body::CommandFinished {
                purpose,
                attempt,
                ok,
                captures,
                ..
            } => {
                if let Some(i) = idx {
                    let s = &mut self.steps[i];
                    s.command = CommandState::Ended {
                        purpose: *purpose,
                        attempt: *attempt,
                        ok: *ok,
                    };
                    if *ok {
                        match purpose {
                            Purpose::Main => s.main_done = true,
                            Purpose::Verify(n) => s.verified = s.verified.max(*n),
                            Purpose::Rollback(n) => s.rolled_back_cmds = s.rolled_back_cmds.max(*n),
                            Purpose::Describe => {}
                        }
                    }
                    self.captured.extend(captures.clone());
                }
            }
            Body::TargetResolved { resolved } => {
                if let Some(i) = idx {
                    self.steps[i].target = TargetState::Resolved {
                        resolved: resolved.clone(),
                        misses: 0,
                    };
                }
            }
            Body::TargetConfirmed { .. } => {
                if let Some(i) = idx
                    && let Some(resolved) = self.steps[i].target.resolved()
                {
                    self.steps[i].target = TargetState::Confirmed {
                        resolved: resolved.to_string(),
                    };
                }
            }
            Body::TargetMismatch { misses, .. } => {
                if let Some(i) = idx
                    && let TargetState::Resolved { misses: m, .. } = &mut self.steps[i].target
                {
                    *m = *misses;
                }
            }
            Body::ApprovalRequested {
                command_sha256,
                expected,
                ..
            } => {
                if let Some(i) = idx {
                    self.steps[i].approval = ApprovalState::Requested {
                        command_sha256: command_sha256.clone(),
                        expected: expected.clone(),
                    };
                }
            }
            Body::ApprovalGranted { .. } => {
                if let Some(i) = idx {
                    self.steps[i].approval = ApprovalState::Granted;
                }
            }
            Body::ManualDone { .. } => {
                if let Some(i) = idx {
                    self.steps[i].main_done = true;
                    self.steps[i].main_ran = true;
                }
            }
            Body::StepFailed { prompt, reason } => {
                if let Some(i) = idx {
                    self.steps[i].command = CommandState::Asking {
                        prompt: *prompt,
                        reason: reason.clone(),
                    };
                }
            }
            Body::OperatorChoice { prompt, choice } => {
                if let Some(i) = idx {
                    self.apply_choice(i, *prompt, choice);
                }
            }
            Body::StepFinished { status, reason } => {
                if let Some(i) = idx {
                    let s = &mut self.steps[i];
                    s.status = Some(*status);
                    s.reason = reason.clone();
                    s.command = CommandState::Idle;
                    if *status == StepStatus::RolledBack {
                        if let Some(r) = &mut self.rollback {
                            r.next += 1;
                        }
                    } else if i >= self.current {
                        self.current = i + 1;
                    }
                    if self.in_doubt == Some(i) {
                        self.in_doubt = None;
                    }
                }
            }
            Body::RollbackStarted { plan, .. } => {
                let plan = plan
                    .iter()
                    .filter_map(|id| self.rb.step_index(id))
                    .collect();
                // The failure that led here is decided; failed commands are not retried.
                for s in &mut self.steps {
                    s.command = CommandState::Idle;
                }
                self.in_doubt = None;
                self.rollback = Some(RollbackState {
                    plan,
                    next: 0,
                    incomplete: false,
                });
            }
            Body::RollbackFinished { .. } => {}
            Body::WatcherJoined { watcher } => {
                self.watchers.insert(watcher.clone());
            }
            Body::WatcherLeft { watcher } => {
                self.watchers.remove(watcher);
            }
            Body::RunInterrupted { reason } => self.interrupted = Some(reason.clone()),
            Body::RunResumed { in_doubt } => {
                self.interrupted = None;
                // Whatever was running died with the old process.
                for s in &mut self.steps {
                    if matches!(
                        s.command,
                        CommandState::Running { .. } | CommandState::Ended { ok: false, .. }
                    ) {
                        s.command = CommandState::Idle;
                    }
                }
                self.in_doubt = in_doubt.as_deref().and_then(|id| self.rb.step_index(id));
            }
            Body::RunFinished { outcome, .. } => {
                self.finished = Some((*outcome, Exit::from(*outcome)))
            }
            Body::WindowChecked { .. }
            | Body::StopRequested { .. }
            | Body::Override { .. }
            | Body::Waiver { .. }
            | Body::ExpectFailed { .. }
            | Body::TargetDenied { .. }
            | Body::SnapshotRecorded { .. }
            | Body::ApprovalRefused { .. }
            | Body::OperatorNote { .. }
            | Body::ClientRefused { .. }
            | Body::JournalRecovered { .. } => {}
        }
    }

    fn apply_choice(&mut self, i: usize, prompt: Prompt, choice: &Choice) {
        let s = &mut self.steps[i];
        match (prompt, choice) {
            // Retry runs again what failed: the step's own command if that failed, else the
            // verify check that failed — never a change that already succeeded.
            (_, Choice::Retry) => {
                s.command = CommandState::Idle;
            }
            (Prompt::Rollback, Choice::Continue) => {
                s.command = CommandState::Idle;
                s.rolled_back_cmds += 1;
                if let Some(r) = &mut self.rollback {
                    r.incomplete = true;
                }
            }
            // A rollback command in doubt: run it again, or count it done.
            (Prompt::InDoubt, Choice::Rerun) if self.rollback.is_some() => self.in_doubt = None,
            (Prompt::InDoubt, Choice::Done(_)) if self.rollback.is_some() => {
                s.rolled_back_cmds += 1;
                self.in_doubt = None;
            }
            // The operator says the step's own part finished: what is left (its verify)
            // runs from here.
            (Prompt::InDoubt, Choice::Done(reason)) => {
                s.main_done = true;
                s.main_ran = true;
                s.command = CommandState::Idle;
                s.accepted = Some(reason.clone());
                self.in_doubt = None;
            }
            (Prompt::InDoubt, Choice::Rerun) => {
                // Start the step over, but keep counting attempts so no log is overwritten.
                let attempts = std::mem::take(&mut s.attempts);
                *s = StepState {
                    attempts,
                    ..StepState::default()
                };
                self.in_doubt = None;
            }
            _ => {}
        }
    }
}
