//! Commands: what runs for each purpose and starting one (journal first); retries and
//! `wait_until` polls (judging how one ended is `command_done.rs`).

use chrono::{DateTime, Utc};

use crate::hash::sha256_hex;
use crate::journal::record::{Body, Prompt, Purpose, Restarted};
use crate::runbook::model::{Check, Command, Expect, WaitUntil};
use crate::runbook::show;

use super::event::{Effect, Program, Spawn};
use super::manual::{later, millis, stamp};
use super::stage::WaitState;
use super::state::Engine;
use super::update::command_id;

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
        // A rollback command changes things too; before it, the window may also have closed
        // (a target typed, an approval awaited).
        let changes = match purpose {
            Purpose::Main => self.rb.steps[i].mutating,
            Purpose::Rollback(_) => true,
            _ => false,
        };
        if changes && self.window_halts(i, fx) {
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
            Some(Err(gate)) => {
                // Nothing can run where the host is not known: a gate, like a lost value.
                let prompt = match purpose {
                    Purpose::Rollback(_) => Prompt::Rollback,
                    _ => Prompt::Gate,
                };
                self.ask_gate(i, gate, prompt, fx);
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
            poll: self.polling(i, purpose).is_some(),
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
    pub(super) fn polling(&self, i: usize, purpose: Purpose) -> Option<DateTime<Utc>> {
        match self.steps[i].wait() {
            Some(WaitState::Active {
                purpose: p, until, ..
            }) if *p == purpose => Some(*until),
            _ => None,
        }
    }

    pub(super) fn polls(&self, i: usize) -> u32 {
        match self.steps[i].wait() {
            Some(WaitState::Active { polls, .. }) => *polls,
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
        // Polls a stop cut short: a fresh wait, the whole deadline from now (the time no
        // process polled is no time the check failed to hold in), naming the earlier one.
        let restarted = match self.steps[i].wait() {
            Some(&WaitState::CutShort { purpose: p, polls }) if p == purpose => {
                Some(Restarted { polls })
            }
            _ => None,
        };
        let body = Body::WaitStarted {
            purpose,
            every_ms: Some(millis(w.every)),
            deadline_ms: millis(w.deadline),
            until: stamp(later(self.now, w.deadline)),
            restarted,
        };
        self.emit(fx, Some(i), self.shisa(), body);
    }

    /// The command in flight, if any: step, purpose, attempt.
    pub fn running(&self) -> Option<(usize, Purpose, u32)> {
        self.steps
            .iter()
            .enumerate()
            .find_map(|(i, s)| s.running().map(|(p, a)| (i, p, a)))
    }
}
