//! The runbook as shisa understands it, after loading and validation. Positions are kept
//! where a later check (lint, plan, parameter validation) must point back at the source.

use std::collections::BTreeMap;
use std::time::Duration;

pub use super::approval::{Approval, ApproverGroup, is_group_name};
pub use super::command::{Arg, Command, Layout, OnHost};
use super::diag::Pos;
pub use super::environment::{Environment, Rehearsal};
pub use super::expect::{Capture, Compare, Expect, NumberCheck, Pattern};
pub use super::target::{Confirm, Impact, Limit, LimitError, Target};
use super::template::Template;
use super::window::Window;

#[derive(Debug, Clone, Default)]
pub struct Runbook {
    pub version: u32,
    pub name: String,
    pub description: Option<String>,
    /// Directories (relative to the runbook file) put in front of `PATH` for every command.
    pub path: Vec<PathDir>,
    pub params: Vec<Param>,
    pub window: Option<Window>,
    /// Every step, in order. Steps inside a `for_each` block name it in `in_loop`; after
    /// [`super::expand`] they appear once per item, with their `iteration`.
    pub steps: Vec<Step>,
    /// The `for_each` blocks, in order of appearance.
    pub loops: Vec<Loop>,
    /// `hosts:`: the remote hosts steps may run `on:`, in order of appearance.
    pub hosts: Vec<HostDef>,
    /// `environments:`: where the runbook may run (`run --env NAME`); empty when it does
    /// not name any, and then `--env` is not taken.
    pub environments: Vec<Environment>,
}

impl Runbook {
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name == name)
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    pub fn host(&self, name: &str) -> Option<&HostDef> {
        self.hosts.iter().find(|h| h.name == name)
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }

    /// The snapshot step that guards step `index`: the nearest snapshot step before it.
    pub fn guarding_snapshot(&self, index: usize) -> Option<usize> {
        self.steps[..index.min(self.steps.len())]
            .iter()
            .rposition(|s| s.kind == StepKind::Snapshot)
    }
}

/// A `hosts:` entry: how to reach a remote host with the system's ssh client. `ssh` is a
/// destination as the user's `~/.ssh/config` knows it, and may hold values
/// (`'{{ node }}'`), filled in per step and checked as a plain host name when it runs.
#[derive(Debug, Clone)]
pub struct HostDef {
    pub name: String,
    pub pos: Pos,
    pub ssh: Template,
    pub user: Option<String>,
    pub sudo: bool,
}

/// A `path:` entry: one directory, relative to the runbook file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathDir {
    pub dir: String,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub pos: Pos,
    pub description: Option<String>,
    pub pattern: Option<Pattern>,
    pub choices: Vec<String>,
    pub deny: Vec<Pattern>,
    pub secret: bool,
    pub from_env: Option<String>,
    pub default: Option<String>,
    /// `list: true`: the value is a list of items (`-p nodes=a,b` or `-p nodes=a -p
    /// nodes=b`), each checked against `pattern`, `choices` and `deny`.
    pub list: bool,
}

/// A `for_each` block: its steps run once per item of a list parameter, in order.
#[derive(Debug, Clone)]
pub struct Loop {
    pub id: String,
    pub pos: Pos,
    /// The name each item is known by inside the block (`{{ node }}`, `$node`).
    pub var: String,
    /// The list parameter iterated over.
    pub list: String,
    pub title: Option<Template>,
}

/// Which pass of a loop an expanded step belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iteration {
    pub loop_id: String,
    pub var: String,
    pub item: String,
    /// 0-based.
    pub index: usize,
    pub count: usize,
}

/// A reference to another step by id (`closes`, `when: { choice: }`), with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRef {
    pub id: String,
    pub pos: Pos,
}

/// `when:` — the step runs only if this holds; otherwise it is skipped, journaled with
/// the condition.
#[derive(Debug, Clone)]
pub struct Condition {
    pub pos: Pos,
    pub test: When,
}

#[derive(Debug, Clone)]
pub enum When {
    Param { name: String, equals: String },
    Capture { name: String, matches: Pattern },
    Choice { step: StepRef, equals: String },
}

/// One answer a manual step offers (`choices: { key: label }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceOption {
    pub key: String,
    pub label: String,
    pub pos: Pos,
}

/// `wait_until: { every, deadline }`: poll the command until its expectations hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitUntil {
    pub every: Duration,
    pub deadline: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepKind {
    Precheck,
    Snapshot,
    Action,
    Verify,
    Manual,
}

impl StepKind {
    pub const ALL: [(&'static str, StepKind); 5] = [
        ("precheck", StepKind::Precheck),
        ("snapshot", StepKind::Snapshot),
        ("action", StepKind::Action),
        ("verify", StepKind::Verify),
        ("manual", StepKind::Manual),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("?", |(n, _)| n)
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: String,
    pub pos: Pos,
    pub kind: StepKind,
    pub kind_pos: Pos,
    pub title: Template,
    pub instructions: Option<Template>,
    pub command: Option<Command>,
    pub mutating: bool,
    pub expect: Expect,
    pub capture: Vec<Capture>,
    pub target: Option<Target>,
    pub approval: Approval,
    pub timeout: Option<Duration>,
    pub retry: Retry,
    pub verify: Vec<Check>,
    pub rollback: Vec<Undo>,
    pub waive: BTreeMap<Guard, Waiver>,
    pub on_failure: OnFailure,
    /// A failed precheck may be overridden by the operator, with a reason.
    pub allow_override: bool,
    /// The `for_each` block this step belongs to (template steps, before expansion).
    pub in_loop: Option<String>,
    /// Set by expansion: the loop pass this copy of the step runs in.
    pub iteration: Option<Iteration>,
    pub when: Option<Condition>,
    /// A manual step's answers; the one chosen is journaled and usable in `when`.
    pub choices: Vec<ChoiceOption>,
    /// Dashboards, tickets, docs: shown with the step, kept in the export.
    pub links: Vec<String>,
    /// A manual step's minimum duration: `done` is refused until it has passed.
    pub wait: Option<Duration>,
    /// The step's own command is polled until its expectations hold.
    pub wait_until: Option<WaitUntil>,
    /// This step undoes that earlier one: once it is done, neither is rolled back.
    pub closes: Option<StepRef>,
    /// Ends a phase: once this step is done, a later failure rolls back only later steps.
    pub checkpoint: Option<String>,
    /// Asks for an extra typed confirmation; once it starts, earlier steps are not rolled
    /// back automatically.
    pub point_of_no_return: Option<String>,
    /// Why an `action` with `mutating: false` changes nothing.
    pub read_only: Option<String>,
    /// `on:`: the step's commands (describe, run, verify, rollback) run on this host,
    /// unless an entry names its own.
    pub on: Option<OnHost>,
    /// A fragment's step (`use:`): the values of the fragment's parameters, one layer per
    /// `use` it came through, outermost first. Each layer's templates are read with the
    /// names known where that `use` was written (`Engine::step_vars`).
    pub bound: Vec<Vec<Binding>>,
}

/// One fragment parameter's value at a `use:` (`with: { node: '{{ node }}' }`, or its
/// default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub name: String,
    pub value: Template,
    pub pos: Pos,
}

impl Step {
    /// Verify checks and rollback commands: every command the step may run besides its
    /// own and its `describe`.
    pub fn checks(&self) -> impl Iterator<Item = &Check> {
        self.verify
            .iter()
            .chain(self.rollback.iter().filter_map(Undo::check))
    }

    /// The id as written in the runbook, without the loop and item (`stop` for
    /// `roll[es-data-2]/stop`).
    pub fn base_id(&self) -> &str {
        self.id.rsplit('/').next().unwrap_or(&self.id)
    }
}

/// A `rollback:` entry: a command, or instructions a person carries out and marks done.
#[derive(Debug, Clone)]
// Runbooks hold a handful of these; boxing the common case would cost more than it saves.
#[allow(clippy::large_enum_variant)]
pub enum Undo {
    Run(Check),
    Manual { instructions: Template, pos: Pos },
}

impl Undo {
    pub fn check(&self) -> Option<&Check> {
        match self {
            Undo::Run(c) => Some(c),
            Undo::Manual { .. } => None,
        }
    }

    pub fn pos(&self) -> Pos {
        match self {
            Undo::Run(c) => c.pos,
            Undo::Manual { pos, .. } => *pos,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Waiver {
    pub reason: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub attempts: u32,
    pub delay: Duration,
}

impl Default for Retry {
    fn default() -> Retry {
        Retry {
            attempts: 1,
            delay: Duration::ZERO,
        }
    }
}

/// A command with its own expectations: a verify check or a rollback command.
#[derive(Debug, Clone)]
pub struct Check {
    pub pos: Pos,
    pub command: Command,
    pub expect: Expect,
    pub retry: Retry,
    pub timeout: Option<Duration>,
    pub wait_until: Option<WaitUntil>,
    /// `on:` on a verify or rollback entry: where it runs, if not where the step does.
    pub on: Option<OnHost>,
}

/// The four habits a mutating step must keep, unless waived with a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Guard {
    Snapshot,
    Target,
    Verify,
    Rollback,
}

impl Guard {
    pub const ALL: [(&'static str, Guard); 4] = [
        ("snapshot", Guard::Snapshot),
        ("target", Guard::Target),
        ("verify", Guard::Verify),
        ("rollback", Guard::Rollback),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, g)| *g == self)
            .map_or("?", |(n, _)| n)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnFailure {
    /// The operator chooses rollback, retry or abort.
    #[default]
    Ask,
    /// `continue` is offered as well: the step's failure does not have to end the run.
    AllowContinue,
}
