//! Commands: what runs for each purpose, starting one (journal first), and judging how it
//! ended — expectations, captures, retries, the resolved target.

use std::collections::BTreeMap;

use crate::exit::Exit;
use crate::hash::sha256_hex;
use crate::journal::record::{Body, CommandFailure, Prompt, Purpose, StepFailure};
use chrono::{DateTime, Utc};

use crate::runbook::expand::file_safe;
use crate::runbook::model::{Check, Command, Expect, StepKind, WaitUntil};
use crate::runbook::{params, show};

use super::event::{CommandResult, Effect, Event, Program, Spawn};
use super::expect::{Judgement, judge, resolve_target};
use super::manual::{later, millis, stamp};
use super::messages as msg;
use super::state::{Engine, WaitState};
use super::update::{Refusal, command_id, refuse};

/// Where a command's output goes, relative to the run directory: the one naming rule.
pub fn log_path(step: &str, purpose: Purpose, attempt: u32) -> String {
    let step = file_safe(step);
    match purpose {
        Purpose::Main => format!("output/{step}.{attempt}.log"),
        p => format!("output/{step}.{p}.{attempt}.log"),
    }
}

/// Whether the command, or what its result is judged against, reads the value `name` (as
/// `$name` in a script, a `{{ name }}` argv element, or `{{ name }}` in an expectation).
pub(super) fn reads(cmd: &Command, expect: Option<&Expect>, name: &str) -> bool {
    let in_command = match cmd {
        Command::Run { script, .. } => show::script_refs(script).any(|r| r == name),
        Command::Argv { args, .. } => args.iter().any(|a| a.reads(name)),
    };
    let in_expect = expect.is_some_and(|e| {
        e.stdout_contains
            .iter()
            .chain(&e.stdout_not_contains)
            .chain(&e.stdout_equals)
            .chain(e.stdout_number.iter().map(|n| &n.value))
            .chain(e.stdout_matches.iter().filter_map(|p| p.template.as_ref()))
            .any(|t| t.vars().any(|(v, _)| v == name))
    });
    in_command || in_expect
}

impl Engine {
    /// The command behind a purpose, with its expectations and limits.
    pub fn command_for(&self, i: usize, purpose: Purpose) -> Option<(Command, Option<&Check>)> {
        let step = &self.rb.steps[i];
        let nth = |n: u32| (n as usize).checked_sub(1);
        let check = match purpose {
            Purpose::Describe => return step.target.as_ref().map(|t| (t.describe.clone(), None)),
            Purpose::Impact => {
                let impact = step.target.as_ref()?.impact.as_ref()?;
                return Some((impact.command.clone(), None));
            }
            Purpose::Main => return step.command.clone().map(|c| (c, None)),
            Purpose::Verify(n) => step.verify.get(nth(n)?)?,
            Purpose::Rollback(n) => step.rollback.get(nth(n)?)?.check()?,
        };
        Some((check.command.clone(), Some(check)))
    }

    /// How long a command may run: its check's own `timeout`, else its step's (a describe
    /// and the main command use the step's). What spawn gives the runner, and what the
    /// screen counts down.
    pub fn timeout_of(&self, i: usize, purpose: Purpose) -> Option<std::time::Duration> {
        let (_, check) = self.command_for(i, purpose)?;
        check.map_or(self.rb.steps[i].timeout, |c| c.timeout)
    }

    /// The command as people see it: values filled in, secrets masked.
    pub fn shown_command(&self, i: usize, purpose: Purpose) -> Option<String> {
        let (cmd, _) = self.command_for(i, purpose)?;
        Some(self.mask(&show::command(&cmd, &self.shown_step_vars(i))))
    }

    pub(super) fn spawn(&mut self, i: usize, purpose: Purpose, fx: &mut Vec<Effect>) {
        // Typing the target or waiting for approval takes time: the window may have closed
        // since the step began. The change itself must start inside it.
        if purpose == Purpose::Main && self.rb.steps[i].mutating && self.window_halts(i, fx) {
            return;
        }
        let Some((cmd, _)) = self.command_for(i, purpose) else {
            return;
        };
        if self.lost_halts(i, purpose, fx) {
            return;
        }
        let host = match self.remote_target(i, purpose) {
            None => None,
            Some(Ok(t)) => Some(self.mask(&t.label())),
            Some(Err(reason)) => {
                // Nothing can run where the host is not known: a gate, like a lost value.
                let prompt = match purpose {
                    Purpose::Rollback(_) => Prompt::Rollback,
                    _ => Prompt::Gate,
                };
                let body = Body::StepFailed {
                    prompt,
                    reason,
                    why: None,
                };
                self.emit(fx, Some(i), self.shisa(), body);
                return;
            }
        };
        let timeout = self.timeout_of(i, purpose);
        self.start_polling(i, purpose, fx);
        let attempt = self.steps[i].attempts.get(&purpose).copied().unwrap_or(0) + 1;
        let log = self.log_of(i, purpose, attempt);
        let vars = self.step_vars(i);
        let shown = self.shown_step_vars(i);
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
            host,
        };
        let step_id = self.rb.steps[i].id.clone();
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
            redact: self.redactions(),
            withhold_stdout: match purpose {
                Purpose::Main => self.rb.steps[i]
                    .capture
                    .iter()
                    .filter(|c| c.secret)
                    .map(|c| c.name.clone())
                    .collect(),
                _ => Vec::new(),
            },
        }));
    }

    pub(super) fn command_done(
        &mut self,
        r: CommandResult,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let i = r.step;
        let Some(purpose) = r.purpose else {
            return refuse(msg::RESULT_WITHOUT_PURPOSE);
        };
        if self.steps.get(i).and_then(|s| s.command.running()) != Some((purpose, r.attempt)) {
            return refuse(msg::NO_SUCH_COMMAND);
        }
        // The connection went away mid-command: whether it finished is unknown. The run
        // halts with the step in doubt (journaled before the result, as a stop is), and
        // resume asks the operator.
        let lost = r
            .remote
            .as_ref()
            .filter(|f| f.may_have_run && self.interrupted.is_none())
            .map(|f| f.message.clone());
        if let Some(why) = &lost {
            let body = Body::RunInterrupted {
                reason: self.mask(why),
            };
            self.emit(fx, Some(i), self.shisa(), body);
        }
        let (mut j, resolved) = self.judged(i, purpose, &r);
        let count = super::impact::count_of(purpose, &r.stdout, &mut j);
        let poll = self.polling(i, purpose);
        // A poll that does not hold yet is not a failure while its deadline has not passed.
        let not_yet = poll.is_some_and(|until| self.now < until)
            && j.failure.is_some()
            && r.log_error.is_none()
            && self.interrupted.is_none();
        if poll.is_some()
            && !not_yet
            && let Some(f) = j.failure.take()
        {
            j.failure = Some(CommandFailure::Deadline {
                deadline_ms: self.deadline_ms(i),
                polls: self.polls(i),
                last: Box::new(f),
            });
        }
        let captured = self.record_result(i, purpose, &r, &j, not_yet, fx);
        if poll.is_some() && !not_yet && self.interrupted.is_none() && r.log_error.is_none() {
            let body = Body::WaitFinished {
                purpose,
                polls: self.polls(i),
                waited_ms: self.waited_ms(i),
                met: j.ok(),
            };
            self.emit(fx, Some(i), self.shisa(), body);
        }
        if let Some(error) = &r.log_error {
            // Lost output is lost evidence: the result is journaled, then nothing more runs.
            let reason = msg::output_log_lost(error);
            let body = Body::RunInterrupted { reason };
            self.emit(fx, Some(i), self.shisa(), body);
            fx.push(Effect::Finish {
                outcome: None,
                exit: Exit::Failed,
            });
            return Ok(());
        }
        if self.interrupted.is_some() {
            // The run was stopped while this command ran: record how it ended, do nothing
            // more. On resume the step is in doubt.
            if lost.is_some() {
                fx.push(Effect::Finish {
                    outcome: None,
                    exit: Exit::Failed,
                });
            }
            return Ok(());
        }
        if not_yet {
            let every = self
                .wait_until_of(i, purpose)
                .map(|w| w.every)
                .unwrap_or_default();
            let event = Event::RetryDue {
                step: i,
                purpose,
                attempt: r.attempt + 1,
            };
            fx.push(Effect::Timer {
                after: every,
                event,
            });
            return Ok(());
        }
        if let Some(failure) = j.failure {
            if purpose == Purpose::Impact {
                self.uncounted(i, &failure, fx);
            } else if poll.is_some() {
                // The deadline passed: no automatic retry, the operator decides.
                self.ask(i, purpose, &failure, fx);
            } else {
                self.failed(i, purpose, r.attempt, &failure, fx);
            }
            return Ok(());
        }
        if purpose == Purpose::Main && self.rb.steps[i].kind == StepKind::Snapshot {
            let log = self.log_of(i, purpose, r.attempt);
            let body = Body::SnapshotRecorded {
                captures: captured,
                log,
            };
            self.emit(fx, Some(i), self.shisa(), body);
        }
        if let Some(resolved) = resolved
            && self.target_refused(i, &resolved, fx)
        {
            return Ok(());
        }
        if let Some(count) = count
            && self.counted(i, count, fx)
        {
            return Ok(());
        }
        self.advance(fx);
        Ok(())
    }

    /// How the command did against its expectations; for `describe`, the resolved target.
    fn judged(&self, i: usize, purpose: Purpose, r: &CommandResult) -> (Judgement, Option<String>) {
        let step = &self.rb.steps[i];
        let (expect, captures, timeout) = match purpose {
            Purpose::Main => (step.expect.clone(), step.capture.clone(), step.timeout),
            Purpose::Describe | Purpose::Impact => (Default::default(), Vec::new(), step.timeout),
            Purpose::Verify(_) | Purpose::Rollback(_) => {
                let check = self.command_for(i, purpose).and_then(|(_, c)| c.cloned());
                check
                    .map(|c| (c.expect, Vec::new(), c.timeout))
                    .unwrap_or_default()
            }
        };
        let mask = |t: &str| self.mask(t);
        let mut j = judge(r, &expect, &captures, &self.step_vars(i), timeout, &mask);
        if let Some(f) = &r.remote {
            // ssh's own failure: the exit status is ssh's, not the command's, so no
            // expectation was judged; the failure says which and how to fix it.
            j.unmet.clear();
            j.captures.clear();
            j.failure = Some(CommandFailure::Ssh {
                kind: f.kind.clone(),
                message: self.mask(&f.message),
            });
        }
        let resolved = match purpose {
            Purpose::Describe if j.ok() => {
                let capture = step.target.as_ref().and_then(|t| t.capture.as_ref());
                let resolved = resolve_target(capture, &r.stdout);
                if resolved.is_none() {
                    j.failure = Some(CommandFailure::NothingDescribed);
                }
                resolved
            }
            _ => None,
        };
        (j, resolved)
    }

    /// Journals how the command ended and which expectations it missed; returns the
    /// captures as journaled (masked).
    fn record_result(
        &mut self,
        i: usize,
        purpose: Purpose,
        r: &CommandResult,
        j: &Judgement,
        not_yet: bool,
        fx: &mut Vec<Effect>,
    ) -> BTreeMap<String, String> {
        // A secret capture is journaled as its mask, and its value scrubbed from every
        // sentence about this command (the engine learns it only now).
        let secret = |k: &str| {
            self.rb.steps[i]
                .capture
                .iter()
                .any(|c| c.secret && c.name == k)
                && purpose == Purpose::Main
        };
        let scrub: Vec<(String, String)> = j
            .captures
            .iter()
            .filter(|(k, v)| secret(k) && !v.is_empty())
            .map(|(k, v)| (v.clone(), params::mask(k)))
            .collect();
        let masked = |t: &str| {
            scrub
                .iter()
                .fold(self.mask(t), |t, (real, shown)| t.replace(real, shown))
        };
        let why = j.failure.as_ref().map(|f| f.map(&|t| masked(t)));
        let said = why.as_ref().map(msg::command_failure);
        let captured: BTreeMap<String, String> = j
            .captures
            .iter()
            .map(|(k, v)| {
                let shown = if secret(k) {
                    params::mask(k)
                } else {
                    self.mask_capture(v)
                };
                (k.clone(), shown)
            })
            .collect();
        // The judgement masked the run's secrets; a secret this command captured is known
        // only now, so it is scrubbed here.
        let unmet: Vec<_> = if not_yet {
            Vec::new()
        } else {
            j.unmet
                .iter()
                .map(|(e, saw)| (e.map(&|t| masked(t)), saw.map(&|t| masked(t))))
                .collect()
        };
        let body = Body::CommandFinished {
            purpose,
            attempt: r.attempt,
            exit: r.exit,
            signal: r.signal,
            timed_out: r.timed_out,
            duration_ms: r.duration_ms,
            bytes: r.bytes,
            sha256: r.sha256.clone(),
            log: self.log_of(i, purpose, r.attempt),
            background: r.background.masked(|n| self.mask(n)),
            ok: j.ok(),
            failure: said.clone().filter(|_| !not_yet),
            not_yet: said.filter(|_| not_yet),
            captures: if j.ok() {
                captured.clone()
            } else {
                Default::default()
            },
            ssh_failure: Engine::ssh_failure(r),
            why,
        };
        self.emit(fx, Some(i), self.shisa(), body);
        if j.ok() {
            for (k, v) in &j.captures {
                if captured.get(k) != Some(v) {
                    self.held.insert(k.clone(), v.clone());
                }
            }
        }
        for (expected, saw) in unmet {
            let (expectation, detail) = msg::unmet(&expected, &saw);
            let body = Body::ExpectFailed {
                purpose,
                attempt: r.attempt,
                expectation: self.mask(&expectation),
                detail: self.mask(&detail),
                expected: Some(expected),
                saw: Some(saw),
            };
            self.emit(fx, Some(i), self.shisa(), body);
        }
        captured
    }

    /// A command failed: try again after its retry delay, or ask the operator.
    fn failed(
        &mut self,
        i: usize,
        purpose: Purpose,
        attempt: u32,
        failure: &CommandFailure,
        fx: &mut Vec<Effect>,
    ) {
        let retry = self.retry_of(i, purpose);
        if self.steps[i].round < retry.attempts {
            let event = Event::RetryDue {
                step: i,
                purpose,
                attempt: attempt + 1,
            };
            fx.push(Effect::Timer {
                after: retry.delay,
                event,
            });
            return;
        }
        if let Purpose::Verify(_) = purpose {
            // The other checks run first; then one question names every failure.
            self.advance(fx);
            return;
        }
        self.ask(i, purpose, failure, fx);
    }

    /// Puts a failure to the operator.
    fn ask(&mut self, i: usize, purpose: Purpose, failure: &CommandFailure, fx: &mut Vec<Effect>) {
        let prompt = match (purpose, self.rb.steps[i].kind) {
            (Purpose::Rollback(_), _) => Prompt::Rollback,
            (_, StepKind::Precheck) => Prompt::Precheck,
            _ => Prompt::Failure,
        };
        let why = StepFailure::Command {
            purpose,
            failure: failure.map(&|t| self.mask(t)),
        };
        let reason = msg::step_failure(&why, &[]);
        let body = Body::StepFailed {
            prompt,
            reason,
            why: Some(why),
        };
        self.emit(fx, Some(i), self.shisa(), body);
    }

    /// Journals the resolved target and refuses it where `deny` or `must_match` says so (no
    /// override exists). True when refused.
    fn target_refused(&mut self, i: usize, real: &str, fx: &mut Vec<Effect>) -> bool {
        let resolved = self.mask_capture(real);
        let body = Body::TargetResolved {
            resolved: resolved.clone(),
            blind: self.blind(i),
        };
        self.emit(fx, Some(i), self.shisa(), body);
        let Some(t) = &self.rb.steps[i].target else {
            return false;
        };
        // The rules judge what the system said, not its masked form: a secret inside a
        // target name must not hide it from `deny`.
        let Some((rule, p)) = super::expect::target_refusal(t, real, &self.step_vars(i)) else {
            return false;
        };
        let pattern = p.source.clone();
        let body = Body::TargetDenied {
            resolved: resolved.clone(),
            rule: rule.into(),
            pattern: pattern.clone(),
        };
        self.emit(fx, Some(i), self.shisa(), body);
        let reason = msg::target_refused(&resolved, rule, &pattern);
        self.gate(i, reason, fx);
        true
    }

    pub(super) fn retry_of(&self, i: usize, purpose: Purpose) -> crate::runbook::model::Retry {
        match purpose {
            Purpose::Main => self.rb.steps[i].retry,
            Purpose::Describe | Purpose::Impact => Default::default(),
            p => self
                .command_for(i, p)
                .and_then(|(_, c)| c.map(|c| c.retry))
                .unwrap_or_default(),
        }
    }

    /// The `wait_until` of a command, if it is polled.
    pub fn wait_until_of(&self, i: usize, purpose: Purpose) -> Option<WaitUntil> {
        match purpose {
            Purpose::Main => self.rb.steps[i].wait_until,
            Purpose::Verify(_) => self
                .command_for(i, purpose)
                .and_then(|(_, c)| c.and_then(|c| c.wait_until)),
            Purpose::Describe | Purpose::Impact | Purpose::Rollback(_) => None,
        }
    }

    /// The deadline of the wait this command belongs to, while it is being polled.
    fn polling(&self, i: usize, purpose: Purpose) -> Option<DateTime<Utc>> {
        match &self.steps[i].wait {
            WaitState::Active {
                purpose: p, until, ..
            } if *p == purpose => Some(*until),
            _ => None,
        }
    }

    fn polls(&self, i: usize) -> u32 {
        match &self.steps[i].wait {
            WaitState::Active { polls, .. } => *polls,
            _ => 0,
        }
    }

    /// Journals the start of a wait before its first poll.
    fn start_polling(&mut self, i: usize, purpose: Purpose, fx: &mut Vec<Effect>) {
        let Some(w) = self.wait_until_of(i, purpose) else {
            return;
        };
        if self.polling(i, purpose).is_some() {
            return;
        }
        let body = Body::WaitStarted {
            purpose,
            every_ms: Some(millis(w.every)),
            deadline_ms: millis(w.deadline),
            until: stamp(later(self.now, w.deadline)),
        };
        self.emit(fx, Some(i), self.shisa(), body);
    }

    /// The command in flight, if any: step, purpose, attempt.
    pub fn running(&self) -> Option<(usize, Purpose, u32)> {
        self.steps
            .iter()
            .enumerate()
            .find_map(|(i, s)| s.command.running().map(|(p, a)| (i, p, a)))
    }
}
