//! Journal entries applied to the state: the only place it changes, so a replayed journal
//! rebuilds exactly the state the live run had.

use chrono::{DateTime, Utc};

use crate::journal::record::OverrideKind;
use crate::journal::record::{Body, Entry, Person, Purpose, Role, StepStatus};
use crate::runbook::model::StepKind;

use super::run_progress::{Going, Held, RunProgress, Way};
use super::stage::{Asking, WaitState};
use super::state::{Engine, pass_key, unrolled};

impl Engine {
    /// Applies one journal entry. The only place state changes (`apply_choice.rs` and
    /// `apply_run.rs` hold parts of it, called from here alone).
    pub(super) fn apply(&mut self, entry: &Entry) {
        let idx = entry.step.as_deref().and_then(|id| self.step_index(id));
        match &entry.body {
            Body::RunStarted {
                run_id,
                params,
                env,
                rehearsal,
                ..
            } => {
                if !self.started() {
                    self.run = RunProgress::Going(Going::default());
                }
                self.run_id = Some(run_id.clone());
                self.env = env.clone().map(|e| (e, rehearsal.clone()));
                if self.witness {
                    self.params.values = params.clone();
                    self.rb = unrolled(&self.written, &self.params);
                    self.index = super::state::index_of(&self.rb);
                    self.steps = super::state::Steps::new(self.rb.steps.len());
                }
            }
            Body::Override {
                what: OverrideKind::Window,
                reason,
            } => self.window_override = Some(reason.clone()),
            Body::StepStarted { mutating, .. } => {
                if let Some(i) = idx {
                    self.steps[i].begin();
                    self.steps[i].began_mutating |= *mutating;
                    // A step running again for a lost capture is a detour: the run comes
                    // back to where it was once it ends.
                    if !self.recapture.contains(&i) {
                        self.current = i;
                    }
                }
            }
            Body::CommandStarted {
                purpose, attempt, ..
            } => {
                if let Some(i) = idx {
                    self.steps[i].command_started(*purpose, *attempt);
                }
            }
            Body::CommandFinished {
                purpose,
                attempt,
                ok,
                captures,
                failure,
                ..
            } => {
                // Only the command that runs ends: a result for any other changes nothing.
                if let Some(i) = idx
                    && self.steps[i].command_ended(*purpose, *attempt, *ok)
                {
                    let s = &mut self.steps[i];
                    if let Purpose::Verify(n) = purpose {
                        let failed = failure.clone().unwrap_or_else(|| "failed".into());
                        s.checks.insert(*n, (!*ok).then_some(failed));
                    }
                    if *ok {
                        match purpose {
                            Purpose::Main => s.part_done(),
                            Purpose::Verify(_) => {}
                            Purpose::Rollback(n) => s.undone_to(*n),
                            Purpose::Describe | Purpose::Impact => {}
                        }
                    }
                    self.captured.extend(captures.clone());
                    if let Some(it) = &self.rb.steps[i].iteration
                        && !captures.is_empty()
                    {
                        self.pass_captured
                            .entry(pass_key(it))
                            .or_default()
                            .extend(captures.clone());
                    }
                }
            }
            Body::TargetImpact {
                count,
                unit,
                at_most,
                listed,
            } => {
                if let Some(i) = idx {
                    self.steps[i].impact = Some(super::state::Counted {
                        count: *count,
                        unit: unit.clone(),
                        at_most: *at_most,
                        listed: listed.clone(),
                    });
                }
            }
            Body::TargetResolved { resolved, .. } => {
                if let Some(i) = idx {
                    self.steps[i].target_named(resolved.clone());
                }
            }
            Body::TargetConfirmed { reused_from, .. } => {
                let earlier = reused_from.as_deref().and_then(|id| self.step_index(id));
                let by = match earlier.and_then(|j| self.steps[j].confirmed.as_ref()) {
                    Some(c) => c.by.clone(),
                    None => entry.actor.user.clone(),
                };
                if let Some(i) = idx {
                    self.steps[i].target_typed(by);
                }
            }
            Body::WaitStarted {
                purpose,
                deadline_ms,
                until,
                ..
            } => {
                if let Some(stage) = idx.and_then(|i| self.steps[i].progress.stage_mut()) {
                    let until = DateTime::parse_from_rfc3339(until)
                        .map(|t| t.with_timezone(&Utc))
                        .unwrap_or(DateTime::UNIX_EPOCH);
                    stage.wait_started(WaitState::Active {
                        purpose: *purpose,
                        until,
                        deadline_ms: *deadline_ms,
                        polls: 0,
                    });
                }
            }
            Body::WaitFinished { purpose, .. } => {
                if let Some(i) = idx {
                    let manual = self.rb.steps[i].kind == StepKind::Manual;
                    if let Some(stage) = self.steps[i].progress.stage_mut() {
                        stage.wait_finished(manual && *purpose == Purpose::Main);
                    }
                }
            }
            Body::NoReturnConfirmed { .. } => {
                if let Some(i) = idx {
                    self.steps[i].no_return = true;
                }
            }
            Body::TargetMismatch { misses, blind, .. } => {
                if let Some(i) = idx {
                    self.steps[i].target_missed(*misses);
                }
                // A reviewer's wrong blind guess at the approval waiting now.
                if let Some(i) = idx
                    && *blind
                    && entry.actor.role == Role::Reviewer
                {
                    self.steps[i].approval_missed(entry.actor.user.clone());
                }
            }
            Body::ApprovalRequested {
                command_sha256,
                expected,
                ..
            } => {
                if let Some(i) = idx {
                    self.steps[i].approval_requested(command_sha256.clone(), expected.clone());
                }
            }
            // One more person approved: the step may run once as many as it needs have
            // (a journal from before `person` counts its actor's account).
            Body::ApprovalGranted { person, .. } => {
                if let Some(i) = idx {
                    let needed = match &self.rb.steps[i].approval {
                        crate::runbook::model::Approval::Required { reviewers, .. } => *reviewers,
                        crate::runbook::model::Approval::None => 1,
                    };
                    let person = person.clone().unwrap_or_else(|| Person {
                        user: entry.actor.user.clone(),
                        uid: entry.actor.uid,
                        login_uid: None,
                        sudo_user: None,
                    });
                    self.steps[i].approval_granted(person, needed);
                }
            }
            Body::ManualDone {
                choice, undo: None, ..
            } => {
                if let Some(i) = idx {
                    let s = &mut self.steps[i];
                    s.part_done();
                    s.main_ran = true;
                    s.chosen = choice.clone();
                }
            }
            Body::ManualDone { undo: Some(n), .. } => {
                if let Some(i) = idx {
                    self.steps[i].undone_to(*n);
                }
            }
            Body::StepFailed { prompt, reason, .. } => {
                if let Some(i) = idx {
                    self.steps[i].ask(Asking {
                        prompt: *prompt,
                        reason: reason.clone(),
                    });
                }
            }
            // The capturing step begins again from its start, through its gates, keeping its
            // attempt numbers (no log is overwritten), that its command ran, and a point of no
            // return it passed: the change it made is in place, so no rollback reaches back
            // past it whatever its rerun comes to.
            Body::CaptureRerun { .. } => {
                if let Some(i) = idx {
                    let s = &mut self.steps[i];
                    let no_return = s.no_return;
                    s.restart(true);
                    s.no_return = no_return;
                    self.recapture.push(i);
                }
            }
            Body::OperatorChoice { prompt, choice } => {
                if let Some(i) = idx {
                    self.apply_choice(i, *prompt, choice);
                }
            }
            Body::StepFinished { status, reason, .. } => {
                if let Some(i) = idx {
                    let undoing =
                        self.rollback_state().and_then(|r| r.plan.get(r.next)) == Some(&i);
                    self.steps[i].finish(*status, reason.clone());
                    if *status == StepStatus::RolledBack || undoing {
                        if let Some(r) = self.rollback_mut() {
                            r.next += 1;
                        }
                    } else if self.recapture.last() == Some(&i) {
                        self.recapture.pop();
                    } else if i >= self.current {
                        self.current = i + 1;
                    }
                    self.settle_doubt(i);
                }
            }
            Body::RollbackStarted {
                plan,
                kept,
                pass_only,
                ..
            } => self.rollback_started(plan, kept, *pass_only, idx),
            Body::RollbackFinished { .. } => {}
            Body::RollbackRequested { .. } => {
                // An ended run goes again, to be undone; a going one is no longer halted.
                match &mut self.run {
                    RunProgress::Going(g) => g.unhalt(),
                    RunProgress::Finished { rollback, .. } => {
                        let ended_with = rollback.take();
                        self.run = RunProgress::Going(Going {
                            way: Way::Reopened { ended_with },
                            held: Held::Clear,
                        });
                        // The run's own `--outside-window` was a decision about then: a
                        // rollback later is judged by the window now, and its own override.
                        self.window_override = None;
                        // A new process: the ended one's connections ended with it.
                        self.watchers.clear();
                    }
                    RunProgress::NotStarted => {}
                }
                self.requested = true;
            }
            Body::WatcherJoined { watcher } => {
                self.watchers.insert(watcher.clone());
            }
            // Journaled as `user (uid, pid)`, with why after " — " when the watcher did not
            // simply leave (dropped, the run's process ended): the connection is the part
            // before it.
            Body::WatcherLeft { watcher } => {
                let who = watcher
                    .split_once(" — ")
                    .map_or(watcher.as_str(), |(w, _)| w);
                self.watchers.remove(who);
            }
            Body::RunInterrupted { reason, .. } => {
                if let Some(g) = self.going_mut() {
                    g.halt(reason.clone());
                }
            }
            Body::RunResumed { in_doubt } => self.run_resumed(in_doubt.as_deref()),
            Body::RunFinished { outcome, .. } => {
                self.finish_run(*outcome);
            }
            Body::StopRequested {
                purpose, attempt, ..
            } => {
                if let Some(i) = idx {
                    self.steps[i].stop_asked = Some((*purpose, *attempt));
                }
            }
            Body::WindowChecked { .. }
            | Body::Override { .. }
            | Body::Waiver { .. }
            | Body::ExpectFailed { .. }
            | Body::TargetDenied { .. }
            | Body::SnapshotRecorded { .. }
            | Body::ApprovalRefused { .. }
            | Body::ApprovalRejected { .. }
            | Body::OperatorNote { .. }
            | Body::ClientRefused { .. }
            | Body::JournalRecovered { .. }
            | Body::RunbookChanged { .. } => {}
        }
    }
}
