//! How a command ended, judged: expectations and captures, the resolved target and its
//! rules, retries and polls, and the failure question when it did not do what it should.

use std::collections::BTreeMap;

use crate::exit::Exit;
use crate::journal::record::{Body, CommandFailure, Gate, Halt, Prompt, Purpose, StepFailure};
use crate::runbook::model::StepKind;
use crate::runbook::params;

use super::event::{CommandResult, Effect, Event};
use super::expect::{Judgement, judge, resolve_target};
use super::messages as msg;
use super::state::Engine;
use super::update::{Refusal, refuse};

impl Engine {
    pub(super) fn command_done(
        &mut self,
        r: CommandResult,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let i = r.step;
        let Some(purpose) = r.purpose else {
            return refuse(msg::RESULT_WITHOUT_PURPOSE);
        };
        if self.steps.get(i).and_then(|s| s.running()) != Some((purpose, r.attempt)) {
            return refuse(msg::NO_SUCH_COMMAND);
        }
        // The connection went away mid-command: whether it finished is unknown. The run
        // halts with the step in doubt (journaled before the result, as a stop is), and
        // resume asks the operator.
        let lost = r
            .remote
            .as_ref()
            .filter(|f| f.may_have_run() && self.halted().is_none())
            .map(msg::remote_failure);
        if let Some(message) = &lost {
            let message = self.mask(message);
            self.journal_halt(Some(i), Halt::ConnectionLost { message }, fx);
        }
        let (mut j, resolved) = self.judged(i, purpose, &r);
        let count = super::impact::count_of(purpose, &r.stdout, &mut j);
        let poll = self.polling(i, purpose);
        let stopped = self.steps[i].stop_asked == Some((purpose, r.attempt));
        // A poll that does not hold yet is not a failure while its deadline has not passed,
        // nor one the run's stop cut off (a quit, SIGTERM): its wait was cut short, not run
        // out, and a resume polls afresh (`run_resumed`). Nothing is armed while halted.
        let not_yet = poll.is_some_and(|until| self.now < until)
            && j.failure.is_some()
            && r.log_error.is_none()
            && !stopped;
        // A poll the operator stopped did not run out its wait: its own failure is said.
        if poll.is_some()
            && !not_yet
            && !stopped
            && let Some(f) = j.failure.take()
        {
            j.failure = Some(CommandFailure::Deadline {
                deadline_ms: self.deadline_ms(i),
                polls: self.polls(i),
                last: Box::new(f),
            });
        }
        let captured = self.record_result(i, purpose, &r, &j, not_yet, fx);
        if poll.is_some() && !not_yet && self.halted().is_none() && r.log_error.is_none() {
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
            let error = self.mask(error);
            self.halt(Some(i), Halt::OutputLogLost { error }, Exit::Failed, fx);
            return Ok(());
        }
        if self.halted().is_some() {
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
            } else if poll.is_some() || stopped {
                // The deadline passed, or the operator stopped it: no automatic retry,
                // the operator decides.
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
                kind: f.kind().into(),
                message: self.mask(&msg::remote_failure(f)),
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
            poll: self.polling(i, purpose).is_some(),
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
        let prompt = match purpose {
            Purpose::Rollback(_) => Prompt::Rollback,
            // The target looked up again before a later rollback: the same question as a
            // rollback command's failure (retry, leave this change in place, or stop).
            Purpose::Describe if self.undoing_gated(i) => Prompt::Rollback,
            _ => super::choices::failure_prompt(&self.rb.steps[i]),
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
        let refusal = super::expect::target_refusal(t, real, &self.step_vars(i));
        // Before a later rollback the change is in place, so what `must_match` expected to
        // find before it may well be gone (the host pattern was narrowed): only `deny`
        // (what must never be touched) still holds.
        let refusal = refusal.filter(|(rule, _)| *rule == "deny" || !self.undoing_gated(i));
        let Some((rule, p)) = refusal else {
            return false;
        };
        let pattern = p.source.clone();
        let body = Body::TargetDenied {
            resolved: resolved.clone(),
            rule: rule.into(),
            pattern: pattern.clone(),
        };
        self.emit(fx, Some(i), self.shisa(), body);
        let gate = Gate::Target {
            resolved,
            rule: rule.into(),
            pattern,
        };
        self.gate(i, gate, fx);
        true
    }
}
