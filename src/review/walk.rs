//! Drives the pure engine through every path `shisa review` reports: all commands
//! succeeding, each command failing once (every attempt and poll of it), each answer of a
//! manual step, each way a `when` on a capture can go, and `continue` where a failure
//! offers it. Command results are made up (`madeup.rs`); nothing runs, no journal is
//! written. What happens on each path — the choices offered, the rollback order, the
//! values each command receives — is the engine's own answer, read as it runs.
//!
//! Here: the walk's loop and what it answers at each prompt and result. A path as it goes
//! is `cursor.rs`; where paths meet again, `forks.rs`; the values a command reads on a
//! path, `path_values.rs`; a path's end, `path_end.rs`.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use crate::engine::{Answer, Engine, Event, Phase, Spawn, StartInfo, Verdict, Who};
use crate::journal::record::{ChoiceKind, Prompt, Purpose, Role, RunbookRef};
use crate::runbook::Runbook;
use crate::runbook::model::{Approval, Pattern, When};
use crate::runbook::params::Params;

use super::cursor::{Cursor, PathInfo, Pending, actor, start_time};
use super::paths::{FailureRow, Undone, Walk};

/// How many paths are followed at most: past this the review says it stopped short.
const MAX_PATHS: usize = 20_000;

/// A fork point: the step, whether the path has failed already, the changes in place and
/// kept, the captures set (with the values a later `when` tests), the answers a later
/// `when` reads.
type ForkKey = (
    usize,
    bool,
    Vec<usize>,
    Vec<usize>,
    Vec<(String, String)>,
    Vec<Option<String>>,
);

pub(super) struct Walker {
    pub(super) rb: Arc<Runbook>,
    pub(super) capture_names: BTreeSet<String>,
    /// Capture name → the `when` patterns that test it.
    pub(super) tested: BTreeMap<String, Vec<Pattern>>,
    pub(super) tokens: BTreeMap<(String, String, Option<bool>), Option<String>>,
    pub(super) owners: BTreeMap<String, String>,
    /// Where paths were before a fork, as far as what follows depends on it (`joins`).
    pub(super) forks: HashSet<ForkKey>,
    /// Failures already followed: step, command, changes in place, captures set.
    pub(super) seen: HashSet<(usize, Purpose, Vec<usize>, Vec<String>)>,
    /// Rollbacks already followed, shared by the failure paths that end in them.
    pub(super) suffixes: super::shared::Suffixes,
    pub(super) out: Walk,
}

/// Walks `written` with `params` (loops unrolled by the engine for these values).
pub fn walk(written: Arc<Runbook>, params: Params, sha256: &str) -> Walk {
    walk_sharing(written, params, sha256, true)
}

/// The same, sharing rollbacks already walked between failure paths or (to test that
/// sharing changes nothing) walking every one.
pub(super) fn walk_sharing(
    written: Arc<Runbook>,
    params: Params,
    sha256: &str,
    share: bool,
) -> Walk {
    let e =
        Engine::new(written, actor(Role::Operator, "operator", 1000), params).begins_steps_itself();
    let rb = e.runbook().clone();
    let n = rb.steps.len();
    let mut tested: BTreeMap<String, Vec<Pattern>> = BTreeMap::new();
    for s in &rb.steps {
        if let Some(When::Capture { name, matches }) = s.when.as_ref().map(|c| &c.test) {
            tested
                .entry(name.clone())
                .or_default()
                .push(matches.clone());
        }
    }
    let mut w = Walker {
        capture_names: rb
            .steps
            .iter()
            .flat_map(|s| s.capture.iter().map(|c| c.name.clone()))
            .collect(),
        rb: rb.clone(),
        tested,
        tokens: BTreeMap::new(),
        owners: BTreeMap::new(),
        seen: HashSet::new(),
        forks: HashSet::new(),
        suffixes: super::shared::Suffixes::new(share),
        out: Walk {
            ran: vec![false; n],
            reached: vec![false; n],
            ..Walk::default()
        },
    };
    let info = StartInfo {
        run_id: "review".into(),
        runbook: RunbookRef {
            path: String::new(),
            sha256: sha256.into(),
            name: rb.name.clone(),
        },
        mode: "review".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        clock_faked: None,
        outside_window: Some("shisa review: nothing runs".into()),
        // No environment: the rehearsal gate is the checklist's, the walk is the steps'.
        env: None,
        rehearsals: None,
    };
    let mut c = Cursor {
        e,
        now: start_time(),
        pending: None,
        path: PathInfo::default(),
        ended: None,
    };
    c.send(Event::Start(info));
    let mut stack = vec![c];
    while let Some(c) = stack.pop() {
        if w.out.paths >= MAX_PATHS {
            w.out.cut_short = true;
            break;
        }
        w.out.paths += 1;
        w.follow(c, &mut stack);
    }
    w.out
        .rows
        .sort_by_key(|r| (r.step, r.purpose, r.after.len()));
    w.out
}

impl Walker {
    fn follow(&mut self, mut c: Cursor, stack: &mut Vec<Cursor>) {
        loop {
            if let Some(why) = c.ended.take() {
                self.stuck(&c, why);
                return self.end(&mut c);
            }
            match c.pending.take() {
                Some(Pending::Timer(after, ev)) => {
                    c.now = c
                        .now
                        .checked_add_signed(chrono::TimeDelta::from_std(after).unwrap_or_default())
                        .unwrap_or(c.now);
                    c.send(*ev);
                }
                Some(Pending::Spawn(s)) => {
                    if !self.result(&mut c, &s, stack) {
                        return;
                    }
                }
                None => {
                    if !self.prompt(&mut c, stack) {
                        return self.end(&mut c);
                    }
                }
            }
        }
    }

    /// Answers what the engine waits for; false when the path is over.
    fn prompt(&mut self, c: &mut Cursor, stack: &mut Vec<Cursor>) -> bool {
        match c.e.phase() {
            Phase::Ready(_) => c.send(Event::Begin),
            Phase::Confirm { resolved, .. } => c.send(Event::Typed(resolved)),
            // The operator names what the ticket says, which is what the system resolves on
            // a path that goes on (a mismatch is a refusal, as a denied target is).
            Phase::Blind { step, .. } => match c.e.step(step).target().resolved() {
                Some(r) => {
                    let r = r.to_string();
                    c.send(Event::Typed(r))
                }
                None => return false,
            },
            Phase::NoReturn { expected, .. } => c.send(Event::Typed(expected)),
            Phase::Approval { step, .. } => {
                let Some(p) = c.e.pending_approval() else {
                    return false;
                };
                // Each approval from another person, a member of the group the step names.
                c.path.approvals += 1;
                let reviewer = actor(Role::Reviewer, "reviewer", 1000 + c.path.approvals);
                let mut who = Who::account(&reviewer);
                if let Approval::Required { group: Some(g), .. } = &self.rb.steps[step].approval {
                    who.groups.push(g.resolve(&c.e.step_vars(step)));
                }
                c.send(Event::Answer(Answer {
                    reviewer,
                    step: p.step_id,
                    command_sha256: p.command_sha256,
                    who,
                    verdict: Verdict::Approve { typed: p.expected },
                }));
            }
            Phase::Manual(i) => {
                if !self.rb.steps[i].choices.is_empty() && self.joins(c, i) {
                    c.path.joined = true;
                    return false;
                }
                let keys: Vec<String> = self.rb.steps[i]
                    .choices
                    .iter()
                    .map(|o| o.key.clone())
                    .collect();
                for k in keys.iter().skip(1) {
                    let mut f = c.clone();
                    f.path
                        .decisions
                        .push(format!("`{}` answered `{k}`", self.rb.steps[i].id));
                    f.path.answers.insert(i, k.clone());
                    f.send(Event::ManualDone {
                        choice: Some(k.clone()),
                        note: None,
                    });
                    stack.push(f);
                }
                if let Some(k) = keys.first() {
                    c.path.answers.insert(i, k.clone());
                    c.path
                        .decisions
                        .push(format!("`{}` answered `{k}`", self.rb.steps[i].id));
                }
                c.send(Event::ManualDone {
                    choice: keys.first().cloned(),
                    note: None,
                });
            }
            Phase::ManualUndo { step, n } => {
                if let Some(r) = c.path.row {
                    let u = Undone {
                        step,
                        entry: n,
                        manual: true,
                        values: Vec::new(),
                    };
                    Self::record(c, &u, false);
                    self.out.rows[r].undone.push(u);
                }
                c.send(Event::ManualDone {
                    choice: None,
                    note: None,
                });
            }
            Phase::Waiting { step, until } => {
                c.now = until;
                c.send(Event::WaitOver { step });
            }
            Phase::Failed {
                step,
                prompt,
                reason,
            } => return self.failed(c, step, prompt, reason, stack),
            _ => return false,
        }
        true
    }

    /// A failure prompt: on a failure path, the row is written and rollback chosen (abort
    /// where rollback is not offered); elsewhere the path is stuck.
    fn failed(
        &mut self,
        c: &mut Cursor,
        step: usize,
        prompt: Prompt,
        reason: String,
        stack: &mut Vec<Cursor>,
    ) -> bool {
        if c.path.failing.is_none() || c.path.row.is_some() {
            self.stuck(c, reason);
            return false;
        }
        c.path.asked = true;
        let choices = c.e.choices();
        let pass_plan = choices
            .contains(&ChoiceKind::RollbackItem)
            .then(|| c.e.rollback_plan_of_pass(step));
        let (fs, fp) = c.path.failing.unwrap_or((step, Purpose::Main));
        self.out.rows.push(FailureRow {
            step: fs,
            purpose: fp,
            after: c.path.decisions.clone(),
            prompt,
            reason,
            choices: choices.clone(),
            plan: c.e.rollback_plan(step),
            pass_plan,
            undone: Vec::new(),
            outcome: None,
        });
        if choices.contains(&ChoiceKind::Continue) && prompt != Prompt::Rollback {
            let mut f = c.clone();
            f.path.decisions.push(format!(
                "`{}` failed and the operator chose `continue`",
                self.rb.steps[step].id
            ));
            f.send(Event::Choice(ChoiceKind::Continue.with("")));
            stack.push(f);
        }
        c.path.row = Some(self.out.rows.len() - 1);
        let pick = if choices.contains(&ChoiceKind::Rollback) {
            ChoiceKind::Rollback
        } else {
            ChoiceKind::Abort
        };
        c.send(Event::Choice(pick.with("")));
        true
    }

    /// Feeds the result of a spawned command: made-up success, or failure where this path
    /// fails it; forks the path where this command fails once, and where a capture a
    /// `when` tests could go either way.
    /// False when this path is replaced by the forks it made.
    fn result(&mut self, c: &mut Cursor, s: &Spawn, stack: &mut Vec<Cursor>) -> bool {
        self.check_reads(c, s);
        let in_rollback = c.e.rollback().is_some();
        if in_rollback && self.shared_suffix(c, s) {
            return false;
        }
        if in_rollback {
            if let (Some(r), Purpose::Rollback(n)) = (c.path.row, s.purpose) {
                let values = self.values(c, s);
                let u = Undone {
                    step: s.step,
                    entry: n,
                    manual: false,
                    values,
                };
                Self::record(c, &u, true);
                if self.out.rows[r].undone.last() != Some(&u) {
                    self.out.rows[r].undone.push(u);
                }
            }
        } else if c.path.failing == Some((s.step, s.purpose)) && c.path.row.is_none() {
            self.feed_failure(c, s);
            return true;
        } else if c.path.failing.is_none() && s.attempt == 1 {
            // The same failure with the same changes in place and the same values set
            // reads the same: one row for it, whichever branch came first.
            let set: Vec<String> =
                c.e.vars()
                    .into_keys()
                    .filter(|k| self.capture_names.contains(k))
                    .collect();
            let key = (s.step, s.purpose, c.e.rollback_plan_now().undo, set);
            if self.seen.insert(key) {
                let mut f = c.clone();
                f.path.failing = Some((s.step, s.purpose));
                self.feed_failure(&mut f, s);
                stack.push(f);
            }
        }
        let rb = self.rb.clone();
        let step = &rb.steps[s.step];
        if s.purpose == Purpose::Main && !in_rollback {
            let tested: Vec<String> = step
                .capture
                .iter()
                .filter(|cap| self.tested.contains_key(&cap.name))
                .map(|cap| cap.name.clone())
                .collect();
            if let Some(name) = tested.first()
                && !c.path.wishes.contains_key(&(s.step, name.clone()))
            {
                if self.joins(c, s.step) {
                    c.path.joined = true;
                    self.end(c);
                    return false;
                }
                for holds in [false, true] {
                    let mut f = c.clone();
                    f.path.wishes.insert((s.step, name.clone()), holds);
                    let how = if holds { "to match" } else { "not to match" };
                    f.path.decisions.push(format!(
                        "`{name}` (captured by `{}`) made up {how} the `when` that tests it",
                        step.id
                    ));
                    f.pending = Some(Pending::Spawn(Box::new(s.clone())));
                    stack.push(f);
                }
                return false;
            }
        }
        self.feed_success(c, s);
        true
    }
}
