//! `update`: an event in, journal entries and effects out. Every state change goes through
//! `emit`, which applies the entry to the state at once and queues it for the journal, so
//! the journal always holds exactly what the state was built from.

use chrono::{DateTime, Utc};

use crate::hash::sha256_hex;
use crate::journal::record::{
    Actor, Body, Choice, Entry, Outcome, Prompt, Purpose, Role, StepStatus,
};
use crate::runbook::model::{Approval as Needs, Check, Command, Guard, StepKind};
use crate::runbook::{show, window::Verdict};

use super::event::{CommandResult, Effect, Event, Offer, Program, Spawn, StartInfo};
use super::expect::{judge, resolve_target};
use super::phase::{Phase, Todo};
use super::state::{Approval, Engine};

/// Why an event was not accepted (the state is unchanged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// How many typed targets may miss before the run ends.
pub const MAX_MISSES: u32 = 3;

fn refuse<T>(text: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(text.into()))
}

/// Notes are shown on every screen and in every export: nothing in them may act on a
/// terminal or start a line of its own.
fn has_controls(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// `step/purpose/attempt`: one command of a run.
pub fn command_id(step: &str, purpose: Purpose, attempt: u32) -> String {
    format!("{step}/{purpose}/{attempt}")
}

pub fn exit_code(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Completed => 0,
        Outcome::Failed | Outcome::RolledBack => 1,
        Outcome::Aborted => 3,
        Outcome::Refused => 4,
    }
}

impl Engine {
    pub fn update(&mut self, event: Event) -> Result<Vec<Effect>, Refusal> {
        let mut fx = Vec::new();
        if self.finished.is_some()
            && !matches!(event, Event::WatcherJoined(_) | Event::WatcherLeft(_))
        {
            return refuse("the run is over");
        }
        let while_halted = matches!(
            event,
            Event::CommandDone(_)
                | Event::WatcherJoined(_)
                | Event::WatcherLeft(_)
                | Event::Note { .. }
                | Event::Resume { .. }
        );
        if self.interrupted.is_some() && !while_halted {
            return refuse("the run is halted; resume it first");
        }
        match event {
            Event::Start(info) => self.start(info, &mut fx)?,
            Event::Resume {
                now,
                outside_window,
            } => self.resume(now, outside_window, &mut fx)?,
            Event::Begin { now } => self.begin(now, &mut fx)?,
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
                    return refuse("no retry is due");
                }
                self.spawn(step, purpose, &mut fx);
            }
            Event::Typed(text) => self.typed(text, &mut fx)?,
            Event::ManualDone(note) => {
                let Phase::Manual(i) = self.phase() else {
                    return refuse("no manual step is waiting");
                };
                if note.as_deref().is_some_and(has_controls) {
                    return refuse("a note cannot hold control characters or line breaks");
                }
                let note = note.map(|n| self.mask(&n)).filter(|n| !n.trim().is_empty());
                self.emit(
                    &mut fx,
                    Some(i),
                    self.operator.clone(),
                    Body::ManualDone { note },
                );
                self.advance(&mut fx);
            }
            Event::Choice(choice) => self.choose(choice, &mut fx)?,
            Event::Note { actor, text } => {
                let text = self.mask(text.trim());
                if text.is_empty() {
                    return refuse("an empty note");
                }
                if has_controls(&text) {
                    return refuse("a note cannot hold control characters or line breaks");
                }
                let step = self
                    .phase()
                    .step()
                    .or(Some(self.current))
                    .filter(|&i| i < self.rb.steps.len());
                self.emit(&mut fx, step, actor, Body::OperatorNote { text });
            }
            Event::Approval(offer) => {
                self.approval(offer, &mut fx)?;
            }
            Event::Abort(reason) => {
                if matches!(self.phase(), Phase::Running { .. }) {
                    return refuse("a command is running; stop it first");
                }
                self.finish(&mut fx, Outcome::Aborted, Some(reason));
            }
            Event::Interrupt(reason) => {
                // A running command's result is still journaled when it arrives; nothing
                // runs after it (see command_done).
                self.emit(
                    &mut fx,
                    None,
                    self.operator.clone(),
                    Body::RunInterrupted { reason },
                );
                fx.push(Effect::Finish {
                    outcome: None,
                    exit: exit_code(Outcome::Aborted),
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
        Ok(fx)
    }

    fn emit(&mut self, fx: &mut Vec<Effect>, step: Option<usize>, actor: Actor, body: Body) {
        let entry = Entry {
            body,
            step: step.map(|i| self.rb.steps[i].id.clone()),
            actor,
        };
        self.apply(&entry);
        fx.push(Effect::Journal(entry));
    }

    fn shisa(&self) -> Actor {
        self.operator.as_shisa()
    }

    fn start(&mut self, info: StartInfo, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        if self.started {
            return refuse("the run has already started");
        }
        let body = Body::RunStarted {
            run_id: info.run_id,
            runbook: info.runbook,
            params: self.params.shown(),
            tool_version: info.tool_version,
            mode: info.mode,
            clock_faked: info.clock_faked.clone(),
        };
        self.emit(fx, None, self.operator.clone(), body);
        if let Some(fake) = info.clock_faked {
            let reason = format!("the clock reads {fake} (SHISA_FAKE_NOW); window checks use it");
            self.emit(
                fx,
                None,
                self.operator.clone(),
                Body::Override {
                    what: "clock".into(),
                    reason,
                },
            );
        }
        self.outside_window(info.outside_window, fx);
        if let Some(reason) = self.window_closed(info.now, fx) {
            let next = self
                .rb
                .window
                .as_ref()
                .and_then(|w| w.next_opening(info.now));
            let when = next
                .map(|t| {
                    format!(
                        "; the window opens next {}",
                        t.format("%a %Y-%m-%d %H:%M %Z")
                    )
                })
                .unwrap_or_default();
            let reason =
                format!("{reason}{when}; to start now anyway, give --outside-window \"why\"");
            self.finish(fx, Outcome::Refused, Some(reason));
        }
        Ok(())
    }

    fn resume(
        &mut self,
        now: DateTime<Utc>,
        outside: Option<String>,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let _ = now;
        if !self.started {
            return refuse("nothing to resume: the journal has no run_started");
        }
        // Where the run stood when it stopped: an interrupted run reads as Halted, which
        // would hide a step cut off mid-command (SIGTERM, quitting while it ran) and let it
        // run again without asking.
        let halted = self.interrupted.take();
        let stood = self.phase();
        self.interrupted = halted;
        let in_doubt = match stood {
            // A rollback command cut off mid-way may or may not have undone its part, and
            // rollbacks are not always safe to repeat: the operator says which.
            Phase::Running {
                step,
                purpose: Purpose::Rollback(_),
                ..
            }
            | Phase::RetryWait {
                step,
                purpose: Purpose::Rollback(_),
                ..
            } if self.rollback.is_some() => Some(step),
            _ if self.rollback.is_some() => None,
            Phase::Ready(_) | Phase::Halted(_) | Phase::NotStarted | Phase::Next(Todo::RunDone) => {
                None
            }
            // A failure waiting for a decision is known, not in doubt: ask the same again.
            Phase::Failed { .. } => None,
            p => p
                .step()
                .filter(|&i| self.steps[i].started && self.steps[i].status.is_none()),
        };
        let in_doubt_id = in_doubt.map(|i| self.rb.steps[i].id.clone());
        self.emit(
            fx,
            in_doubt,
            self.operator.clone(),
            Body::RunResumed {
                in_doubt: in_doubt_id,
            },
        );
        self.outside_window(outside, fx);
        self.advance(fx);
        Ok(())
    }

    fn outside_window(&mut self, reason: Option<String>, fx: &mut Vec<Effect>) {
        if let Some(reason) = reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
        {
            self.emit(
                fx,
                None,
                self.operator.clone(),
                Body::Override {
                    what: "window".into(),
                    reason,
                },
            );
        }
    }

    /// Checks the change window; `Some(reason)` when it is closed and not overridden.
    fn window_closed(&mut self, now: DateTime<Utc>, fx: &mut Vec<Effect>) -> Option<String> {
        let w = self.rb.window.as_ref()?;
        let verdict = w.verdict(now);
        let (inside, reason) = match &verdict {
            Verdict::Inside { .. } => (true, None),
            Verdict::Outside { reason, .. } => (false, Some(reason.clone())),
        };
        let body = Body::WindowChecked {
            timezone: w.timezone.name().to_string(),
            local: verdict.local().to_string(),
            inside,
            reason: reason.clone(),
        };
        let step = self.phase().step();
        self.emit(fx, step, self.shisa(), body);
        match reason {
            Some(r) if self.window_override.is_none() => {
                Some(format!("outside the change window: {r}"))
            }
            _ => None,
        }
    }

    fn begin(&mut self, now: DateTime<Utc>, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        let Phase::Ready(i) = self.phase() else {
            return refuse("no step is waiting to begin");
        };
        let step = self.rb.steps[i].clone();
        if step.mutating {
            if let Some(reason) = self.window_closed(now, fx) {
                let reason = format!(
                    "{reason}; resume inside the window, or with --outside-window \"reason\""
                );
                self.emit(fx, Some(i), self.shisa(), Body::RunInterrupted { reason });
                fx.push(Effect::Finish {
                    outcome: None,
                    exit: exit_code(Outcome::Refused),
                });
                return Ok(());
            }
            if !step.waive.contains_key(&Guard::Snapshot)
                && let Some(si) = self.rb.guarding_snapshot(i)
                && self.steps[si].status != Some(StepStatus::Ok)
            {
                let reason = format!(
                    "snapshot step `{}` has not succeeded in this run; `{}` cannot change anything without it",
                    self.rb.steps[si].id, step.id
                );
                self.gate(i, reason, fx);
                return Ok(());
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
            title: self.mask(&step.title.render(&self.vars())),
            step_kind: step.kind.name().to_string(),
            mutating: step.mutating,
        };
        self.emit(fx, Some(i), self.operator.clone(), body);
        self.advance(fx);
        Ok(())
    }

    /// A safety gate refused step `i`: stop, or let the operator undo earlier changes.
    fn gate(&mut self, i: usize, reason: String, fx: &mut Vec<Effect>) {
        if self.changes_made() {
            self.emit(
                fx,
                Some(i),
                self.shisa(),
                Body::StepFailed {
                    prompt: Prompt::Gate,
                    reason,
                },
            );
        } else {
            let body = Body::StepFinished {
                status: StepStatus::Failed,
                reason: Some(reason.clone()),
            };
            self.emit(fx, Some(i), self.shisa(), body);
            self.finish(fx, Outcome::Refused, Some(reason));
        }
    }

    fn finish(&mut self, fx: &mut Vec<Effect>, outcome: Outcome, reason: Option<String>) {
        let exit = exit_code(outcome);
        let reason = reason.map(|r| self.mask(&r));
        self.emit(
            fx,
            None,
            self.shisa(),
            Body::RunFinished {
                outcome,
                exit_code: exit,
                reason,
            },
        );
        fx.push(Effect::Finish {
            outcome: Some(outcome),
            exit,
        });
    }

    /// Does everything that needs no one: start commands, close steps, finish the run.
    fn advance(&mut self, fx: &mut Vec<Effect>) {
        loop {
            let Phase::Next(todo) = self.phase() else {
                return;
            };
            match todo {
                Todo::Describe(i) => return self.spawn(i, Purpose::Describe, fx),
                Todo::Main(i) => return self.spawn(i, Purpose::Main, fx),
                Todo::Verify(i, n) => return self.spawn(i, Purpose::Verify(n), fx),
                Todo::RollbackCmd(i, n) => return self.spawn(i, Purpose::Rollback(n), fx),
                Todo::RequestApproval(i) => return self.request_approval(i, fx),
                Todo::StepDone(i) => {
                    let body = Body::StepFinished {
                        status: StepStatus::Ok,
                        reason: None,
                    };
                    self.emit(fx, Some(i), self.shisa(), body);
                }
                Todo::RollbackStepDone(i) => {
                    let body = Body::StepFinished {
                        status: StepStatus::RolledBack,
                        reason: None,
                    };
                    self.emit(fx, Some(i), self.shisa(), body);
                }
                Todo::RunDone => return self.finish(fx, Outcome::Completed, None),
                Todo::RollbackDone => {
                    let ok = !self.rollback.as_ref().is_some_and(|r| r.incomplete);
                    self.emit(fx, None, self.shisa(), Body::RollbackFinished { ok });
                    let (outcome, reason) = if ok {
                        (Outcome::RolledBack, "rolled back after a failure")
                    } else {
                        (
                            Outcome::Failed,
                            "rollback incomplete: a rollback command was skipped",
                        )
                    };
                    return self.finish(fx, outcome, Some(reason.into()));
                }
            }
        }
    }

    /// The command behind a purpose, with its expectations and limits.
    pub fn command_for(&self, i: usize, purpose: Purpose) -> Option<(Command, Option<&Check>)> {
        let step = &self.rb.steps[i];
        let (list, n) = match purpose {
            Purpose::Describe => return step.target.as_ref().map(|t| (t.describe.clone(), None)),
            Purpose::Main => return step.command.clone().map(|c| (c, None)),
            Purpose::Verify(n) => (&step.verify, n),
            Purpose::Rollback(n) => (&step.rollback, n),
        };
        list.get((n as usize).checked_sub(1)?)
            .map(|c| (c.command.clone(), Some(c)))
    }

    /// The command as people see it: values filled in, secrets masked.
    pub fn shown_command(&self, i: usize, purpose: Purpose) -> Option<String> {
        let (cmd, _) = self.command_for(i, purpose)?;
        Some(self.mask(&show::command(&cmd, &self.shown_vars())))
    }

    fn spawn(&mut self, i: usize, purpose: Purpose, fx: &mut Vec<Effect>) {
        let Some((cmd, check)) = self.command_for(i, purpose) else {
            return;
        };
        let step = &self.rb.steps[i];
        let attempt = self.steps[i].attempts.get(&purpose).copied().unwrap_or(0) + 1;
        let log = match purpose {
            Purpose::Main => format!("output/{}.{attempt}.log", step.id),
            p => format!("output/{}.{p}.{attempt}.log", step.id),
        };
        let timeout = check.map_or(step.timeout, |c| c.timeout);
        let vars = self.vars();
        let shown = self.shown_vars();
        let program = match &cmd {
            Command::Run { script, .. } => Program::Script(script.clone()),
            Command::Argv { args, .. } => Program::Argv(show::argv(args, &vars)),
        };
        let command = self.mask(&show::command(&cmd, &shown));
        let env = show::script_env(&cmd, &shown)
            .into_iter()
            .map(|(k, v)| (k, self.mask(&v)))
            .collect();
        let body = Body::CommandStarted {
            purpose,
            attempt,
            command_sha256: sha256_hex(command.as_bytes()),
            command,
            env,
            log: log.clone(),
        };
        let step_id = step.id.clone();
        self.emit(fx, Some(i), self.shisa(), body);
        let mut env: Vec<(String, String)> = vars.into_iter().collect();
        env.push(("SHISA_STEP".into(), step_id.clone()));
        // Names this very command, so that a later resume can find it still running after
        // shisa itself was killed.
        env.push((
            "SHISA_COMMAND".into(),
            command_id(&step_id, purpose, attempt),
        ));
        fx.push(Effect::Spawn(Spawn {
            step: i,
            step_id,
            purpose,
            attempt,
            program,
            env,
            timeout,
            log,
        }));
    }

    fn command_done(&mut self, r: CommandResult, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        let i = r.step;
        let Some(purpose) = r.purpose else {
            return refuse("a result without a purpose");
        };
        if self.steps.get(i).and_then(|s| s.in_flight) != Some((purpose, r.attempt)) {
            return refuse("no such command is running");
        }
        let step = self.rb.steps[i].clone();
        let vars = self.vars();
        let (expect, captures, timeout) = match purpose {
            Purpose::Main => (step.expect.clone(), step.capture.clone(), step.timeout),
            Purpose::Describe => (Default::default(), Vec::new(), step.timeout),
            Purpose::Verify(_) | Purpose::Rollback(_) => {
                let check = self.command_for(i, purpose).and_then(|(_, c)| c.cloned());
                check
                    .map(|c| (c.expect, Vec::new(), c.timeout))
                    .unwrap_or_default()
            }
        };
        let mask = |t: &str| self.mask(t);
        let mut j = judge(&r, &expect, &captures, &vars, timeout, &mask);
        let resolved = match purpose {
            Purpose::Describe if j.ok() => {
                let target = step.target.as_ref();
                let resolved = resolve_target(target.and_then(|t| t.capture.as_ref()), &r.stdout);
                if resolved.is_none() {
                    j.failure = Some("`describe` printed nothing to confirm".into());
                }
                resolved
            }
            _ => None,
        };
        let log = match &self.steps[i].in_flight {
            Some((p, a)) if *p == Purpose::Main => format!("output/{}.{a}.log", step.id),
            Some((p, a)) => format!("output/{}.{p}.{a}.log", step.id),
            None => String::new(),
        };
        let captured: std::collections::BTreeMap<String, String> = j
            .captures
            .iter()
            .map(|(k, v)| (k.clone(), self.mask(v)))
            .collect();
        let body = Body::CommandFinished {
            purpose,
            attempt: r.attempt,
            exit: r.exit,
            signal: r.signal,
            timed_out: r.timed_out,
            duration_ms: r.duration_ms,
            bytes: r.bytes,
            sha256: r.sha256.clone(),
            log: log.clone(),
            ok: j.ok(),
            failure: j.failure.as_ref().map(|f| self.mask(f)),
            captures: if j.ok() {
                captured.clone()
            } else {
                Default::default()
            },
            background: r.background.masked(|n| self.mask(n)),
        };
        self.emit(fx, Some(i), self.shisa(), body);
        for (expectation, detail) in &j.unmet {
            let body = Body::ExpectFailed {
                purpose,
                attempt: r.attempt,
                expectation: self.mask(expectation),
                detail: self.mask(detail),
            };
            self.emit(fx, Some(i), self.shisa(), body);
        }
        if self.interrupted.is_some() {
            // The run was stopped while this command ran: record how it ended, do nothing
            // more. On resume the step is in doubt.
            return Ok(());
        }
        if let Some(failure) = j.failure {
            let retry = self.retry_of(i, purpose);
            if self.steps[i].round < retry.attempts {
                let event = Event::RetryDue {
                    step: i,
                    purpose,
                    attempt: r.attempt + 1,
                };
                fx.push(Effect::Timer {
                    after: retry.delay,
                    event,
                });
            } else {
                let prompt = match (purpose, step.kind) {
                    (Purpose::Rollback(_), _) => Prompt::Rollback,
                    (_, StepKind::Precheck) => Prompt::Precheck,
                    _ => Prompt::Failure,
                };
                let what = match purpose {
                    Purpose::Main => String::new(),
                    p => format!("{p}: "),
                };
                let reason = self.mask(&format!("{what}{failure}"));
                self.emit(
                    fx,
                    Some(i),
                    self.shisa(),
                    Body::StepFailed { prompt, reason },
                );
            }
            return Ok(());
        }
        if purpose == Purpose::Main && step.kind == StepKind::Snapshot {
            self.emit(
                fx,
                Some(i),
                self.shisa(),
                Body::SnapshotRecorded {
                    captures: captured,
                    log,
                },
            );
        }
        if let Some(resolved) = resolved {
            let resolved = self.mask(&resolved);
            self.emit(
                fx,
                Some(i),
                self.shisa(),
                Body::TargetResolved {
                    resolved: resolved.clone(),
                },
            );
            if let Some(t) = &step.target {
                let denied = t
                    .deny
                    .iter()
                    .find(|d| d.is_match(&resolved))
                    .map(|d| ("deny", d));
                let unmatched = t
                    .must_match
                    .as_ref()
                    .filter(|m| !m.is_match(&resolved))
                    .map(|m| ("must_match", m));
                if let Some((rule, p)) = denied.or(unmatched) {
                    let body = Body::TargetDenied {
                        resolved: resolved.clone(),
                        rule: rule.into(),
                        pattern: p.source.clone(),
                    };
                    self.emit(fx, Some(i), self.shisa(), body);
                    let why = if rule == "deny" {
                        "is denied by"
                    } else {
                        "does not match"
                    };
                    let reason = format!(
                        "the target resolved to `{resolved}`, which {why} `{rule}: '{}'`",
                        p.source
                    );
                    self.gate(i, reason, fx);
                    return Ok(());
                }
            }
        }
        self.advance(fx);
        Ok(())
    }

    fn retry_of(&self, i: usize, purpose: Purpose) -> crate::runbook::model::Retry {
        match purpose {
            Purpose::Main => self.rb.steps[i].retry,
            Purpose::Describe => Default::default(),
            p => self
                .command_for(i, p)
                .and_then(|(_, c)| c.map(|c| c.retry))
                .unwrap_or_default(),
        }
    }

    fn typed(&mut self, text: String, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        let Phase::Confirm {
            step: i,
            resolved,
            misses,
        } = self.phase()
        else {
            return refuse("no target is waiting to be confirmed");
        };
        let typed = self.mask(text.trim());
        if text.trim() == resolved {
            self.emit(
                fx,
                Some(i),
                self.operator.clone(),
                Body::TargetConfirmed { resolved, typed },
            );
            self.advance(fx);
        } else {
            let misses = misses + 1;
            let body = Body::TargetMismatch {
                resolved: resolved.clone(),
                typed,
                misses,
            };
            self.emit(fx, Some(i), self.operator.clone(), body);
            if misses >= MAX_MISSES {
                self.gate(
                    i,
                    format!("{MAX_MISSES} typed targets did not match `{resolved}`"),
                    fx,
                );
            }
        }
        Ok(())
    }

    fn request_approval(&mut self, i: usize, fx: &mut Vec<Effect>) {
        let step = &self.rb.steps[i];
        let allow_self = matches!(step.approval, Needs::Required { allow_self: true });
        let command = self
            .shown_command(i, Purpose::Main)
            .unwrap_or_else(|| format!("manual step `{}`", step.id));
        let expected = self.steps[i]
            .resolved
            .clone()
            .unwrap_or_else(|| step.id.clone());
        let body = Body::ApprovalRequested {
            command_sha256: sha256_hex(command.as_bytes()),
            command,
            expected,
            allow_self,
        };
        self.emit(fx, Some(i), self.shisa(), body);
    }

    fn approval(&mut self, offer: Offer, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        let Offer {
            reviewer,
            step,
            command_sha256: sha,
            typed,
            fresh,
            same_login,
        } = offer;
        let (step, sha) = (step.as_str(), sha.as_str());
        let Phase::Approval {
            step: i,
            expected,
            allow_self,
        } = self.phase()
        else {
            return refuse("no step is waiting for approval");
        };
        let Approval::Requested { command_sha256, .. } = self.steps[i].approval.clone() else {
            return refuse("no step is waiting for approval");
        };
        let self_approved = reviewer.uid == self.operator.uid || same_login;
        let refusal = if self.rb.steps[i].id != step {
            Some(format!(
                "the approval names step `{step}`, but `{}` is waiting",
                self.rb.steps[i].id
            ))
        } else if sha != command_sha256 {
            Some("the approval is for a different command than the one waiting".to_string())
        } else if !fresh {
            Some("stale approval: the journal moved on since the reviewer looked".to_string())
        } else if self_approved && !allow_self && reviewer.uid != self.operator.uid {
            Some(format!(
                "{} is logged in as the operator (the same login session, through sudo or su); a different person must approve",
                reviewer.user
            ))
        } else if self_approved && !allow_self {
            Some(format!(
                "{} is the operator; a different person must approve",
                reviewer.user
            ))
        } else if typed.trim() != expected {
            Some(format!(
                "the reviewer typed `{}`, which is not the resolved target",
                self.mask(typed.trim())
            ))
        } else {
            None
        };
        let reviewer = Actor {
            role: if self_approved {
                Role::Operator
            } else {
                Role::Reviewer
            },
            ..reviewer
        };
        let typed = self.mask(typed.trim());
        match refusal {
            Some(reason) => {
                self.emit(
                    fx,
                    Some(i),
                    reviewer,
                    Body::ApprovalRefused {
                        reason,
                        typed: Some(typed),
                    },
                );
            }
            None => {
                self.emit(
                    fx,
                    Some(i),
                    reviewer,
                    Body::ApprovalGranted {
                        typed,
                        self_approved,
                    },
                );
                self.advance(fx);
            }
        }
        Ok(())
    }

    fn choose(&mut self, choice: Choice, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        let (Some(prompt), Some(i)) = (self.prompt(), self.phase().step()) else {
            return refuse("nothing is waiting for a decision");
        };
        if !self.allows(&choice) {
            return refuse(format!(
                "`{}` is not possible here; choose {}",
                choice.name(),
                self.choices().join(", ")
            ));
        }
        let choice = match choice {
            Choice::Abort(r) => Choice::Abort(r.map(|r| self.mask(&r))),
            Choice::Override(ref r) | Choice::Done(ref r) if r.trim().is_empty() => {
                return refuse(format!("`{}` needs a reason", choice.name()));
            }
            Choice::Override(r) => Choice::Override(self.mask(r.trim())),
            Choice::Done(r) => Choice::Done(self.mask(r.trim())),
            c => c,
        };
        self.emit(
            fx,
            Some(i),
            self.operator.clone(),
            Body::OperatorChoice {
                prompt,
                choice: choice.clone(),
            },
        );
        match choice {
            Choice::Retry | Choice::Rerun => {}
            Choice::Rollback => self.start_rollback(i, fx),
            Choice::Abort(reason) => {
                let outcome = if prompt == Prompt::Gate {
                    Outcome::Refused
                } else {
                    Outcome::Failed
                };
                let reason =
                    reason.unwrap_or_else(|| "the operator stopped after a failure".into());
                return {
                    self.finish(fx, outcome, Some(reason));
                    Ok(())
                };
            }
            Choice::Continue if prompt == Prompt::Rollback => {}
            Choice::Continue => {
                let body = Body::StepFinished {
                    status: StepStatus::Failed,
                    reason: Some("the operator chose to continue".into()),
                };
                self.emit(fx, Some(i), self.shisa(), body);
            }
            Choice::Override(reason) => {
                let body = Body::Override {
                    what: "precheck".into(),
                    reason: reason.clone(),
                };
                self.emit(fx, Some(i), self.operator.clone(), body);
                let body = Body::StepFinished {
                    status: StepStatus::Ok,
                    reason: Some(format!("overridden: {reason}")),
                };
                self.emit(fx, Some(i), self.shisa(), body);
            }
            Choice::Done(_) if self.rollback.is_some() => {}
            Choice::Done(reason) => {
                let body = Body::StepFinished {
                    status: StepStatus::Ok,
                    reason: Some(format!("marked done by the operator: {reason}")),
                };
                self.emit(fx, Some(i), self.operator.clone(), body);
            }
        }
        self.advance(fx);
        Ok(())
    }

    /// Undo: the failed step first (if its command ran), then every completed mutating step
    /// in reverse order. Steps without rollback commands are named, not skipped silently.
    fn start_rollback(&mut self, failed: usize, fx: &mut Vec<Effect>) {
        let mut order = Vec::new();
        let f = &self.steps[failed];
        if self.rb.steps[failed].mutating && f.main_ran && f.status.is_none() {
            order.push(failed);
        }
        for j in (0..self.rb.steps.len()).rev() {
            if j != failed
                && self.rb.steps[j].mutating
                && self.steps[j].status == Some(StepStatus::Ok)
            {
                order.push(j);
            }
        }
        let (plan, without): (Vec<usize>, Vec<usize>) = order
            .into_iter()
            .partition(|&j| !self.rb.steps[j].rollback.is_empty());
        let ids = |v: Vec<usize>| v.into_iter().map(|j| self.rb.steps[j].id.clone()).collect();
        let body = Body::RollbackStarted {
            plan: ids(plan),
            without_rollback: ids(without),
        };
        self.emit(fx, Some(failed), self.operator.clone(), body);
        if self.steps[failed].status.is_none()
            && !self
                .rollback
                .as_ref()
                .is_some_and(|r| r.plan.contains(&failed))
        {
            let body = Body::StepFinished {
                status: StepStatus::Failed,
                reason: Some("rollback chosen".into()),
            };
            self.emit(fx, Some(failed), self.shisa(), body);
        }
    }
}
