//! The runbook as shisa understands it, after loading and validation. Positions are kept
//! where a later check (lint, plan, parameter validation) must point back at the source.

use std::collections::BTreeMap;
use std::time::Duration;

use regex::Regex;

pub use super::approval::{Approval, ApproverGroup, is_group_name};
use super::diag::Pos;
use super::template::Template;
use super::window::Window;

pub use super::environment::{Environment, Rehearsal};

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

/// An `on: NAME` key: the command runs on that `hosts:` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnHost {
    pub name: String,
    pub pos: Pos,
}

/// A `path:` entry: one directory, relative to the runbook file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathDir {
    pub dir: String,
    pub pos: Pos,
}

/// A compiled regular expression that remembers its source text and place.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: String,
    pub regex: Regex,
    pub pos: Pos,
    /// `must_match: '^{{ node }}$'`: the pattern reads values, each one inserted with its
    /// regex metacharacters escaped (a value `a.b` matches only `a.b`), so it is compiled
    /// per use ([`Pattern::matches`]); `regex` is then only the loader's syntax check.
    pub template: Option<Template>,
}

impl Pattern {
    /// For patterns that read no values (parameters' own rules, captures, `when`).
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// Whether `text` matches, the pattern's values taken from `vars`, as literals.
    pub fn matches(&self, text: &str, vars: &BTreeMap<String, String>) -> bool {
        match &self.template {
            None => self.regex.is_match(text),
            Some(t) => {
                let source = t.render_with(|name| vars.get(name).map(|v| regex::escape(v)));
                // Escaped values cannot break a pattern the loader compiled; a size limit
                // can still refuse a huge value, and then nothing matches.
                regex::RegexBuilder::new(&source)
                    .size_limit(1 << 20)
                    .build()
                    .is_ok_and(|re| re.is_match(text))
            }
        }
    }
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

/// A command as written. Values reach it only as environment variables (`run`) or as whole
/// argv elements (`argv`); never as shell text.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Run {
        script: String,
        pos: Pos,
        /// Where the script's text lies, to point at a place inside it.
        layout: Layout,
    },
    Argv {
        args: Vec<Arg>,
        pos: Pos,
    },
}

/// How a scalar's text lies in the file, so that a byte offset in it maps to a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Nothing maps: every offset is shown at the start.
    #[default]
    Start,
    /// On one line, after an opening quote if `quoted`.
    Line { quoted: bool },
    /// A `|` block whose lines all start at the column of the first.
    Block,
}

impl Layout {
    /// The place of byte `offset` of `text`, which starts at `start`.
    pub fn pos(self, start: Pos, text: &str, offset: usize) -> Pos {
        let before = text.get(..offset).unwrap_or(text);
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        match self {
            Layout::Start => start,
            Layout::Line { quoted } => start.moved(
                start.line,
                start
                    .col
                    .saturating_add(u32::from(quoted))
                    .saturating_add(count(before.chars().count())),
            ),
            Layout::Block => {
                let line = before.matches('\n').count();
                let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
                start.moved(
                    start.line.saturating_add(count(line)),
                    start.col.saturating_add(count(col)),
                )
            }
        }
    }
}

impl Command {
    pub fn pos(&self) -> Pos {
        match self {
            Command::Run { pos, .. } | Command::Argv { pos, .. } => *pos,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Lit(String),
    /// A whole element that is one value (`'{{ node }}'`).
    Var {
        name: String,
        pos: Pos,
    },
    /// Text and values in one element (`--field-selector=spec.nodeName={{ node }}`): still
    /// one argv element whatever the values hold.
    Part {
        template: Template,
        pos: Pos,
    },
}

impl Arg {
    /// Whether this element reads the value `name`.
    pub fn reads(&self, name: &str) -> bool {
        match self {
            Arg::Lit(_) => false,
            Arg::Var { name: n, .. } => n == name,
            Arg::Part { template, .. } => template.vars().any(|(n, _)| n == name),
        }
    }

    /// The value this element starts with, if it starts with one: a value with a leading
    /// `-` there makes the program read the element as an option.
    pub fn leading_value(&self) -> Option<(&str, Pos)> {
        match self {
            Arg::Lit(_) => None,
            Arg::Var { name, pos } => Some((name, *pos)),
            Arg::Part { template, .. } => match template.parts.first() {
                Some(super::template::Part::Var { name, pos, .. }) => Some((name, *pos)),
                _ => None,
            },
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub exit: i32,
    pub stdout_contains: Vec<Template>,
    pub stdout_not_contains: Vec<Template>,
    pub stdout_matches: Vec<Pattern>,
    pub stdout_equals: Option<Template>,
    /// `stdout_number: { lt: '{{ size_before }}' }`: stdout read as a number and compared.
    pub stdout_number: Vec<NumberCheck>,
}

#[derive(Debug, Clone)]
pub struct NumberCheck {
    pub op: Compare,
    pub value: Template,
    pub pos: Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl Compare {
    pub const ALL: [(&'static str, Compare); 5] = [
        ("lt", Compare::Lt),
        ("le", Compare::Le),
        ("gt", Compare::Gt),
        ("ge", Compare::Ge),
        ("eq", Compare::Eq),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, c)| *c == self)
            .map_or("?", |(n, _)| n)
    }

    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Compare::Lt => left < right,
            Compare::Le => left <= right,
            Compare::Gt => left > right,
            Compare::Ge => left >= right,
            Compare::Eq => left == right,
        }
    }
}

impl Expect {
    pub fn looks_at_stdout(&self) -> bool {
        !(self.stdout_contains.is_empty()
            && self.stdout_not_contains.is_empty()
            && self.stdout_matches.is_empty()
            && self.stdout_equals.is_none()
            && self.stdout_number.is_empty())
    }
}

#[derive(Debug, Clone)]
pub struct Capture {
    pub name: String,
    pub pos: Pos,
    pub pattern: Pattern,
    /// `capture: { name: { regex: '…', secret: true } }`: masked like a secret parameter;
    /// the capturing command's stdout is withheld from its log and the screen.
    pub secret: bool,
}

#[derive(Debug, Clone)]
pub struct Waiver {
    pub reason: String,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Target {
    pub pos: Pos,
    pub describe: Command,
    /// `on:` inside `target:`: where `describe` runs, if not where the step does.
    pub on: Option<OnHost>,
    pub capture: Option<Pattern>,
    pub must_match: Option<Pattern>,
    pub deny: Vec<Pattern>,
    /// How the operator (and a reviewer) confirm it: `echo` types back what is shown,
    /// `blind` names the intended target before the resolved one is shown.
    pub confirm: Confirm,
    /// `impact:`: a read-only count of what the step touches, refused above `at_most`.
    pub impact: Option<Impact>,
}

/// How a target is confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Confirm {
    /// The resolved target is shown; the operator types it back.
    #[default]
    Echo,
    /// The operator names the target they intend (from the ticket) first; the resolved
    /// one is shown only once the two match. Copying a screen cannot pass it.
    Blind,
}

impl Confirm {
    pub const ALL: &[(&str, Confirm)] = &[("echo", Confirm::Echo), ("blind", Confirm::Blind)];

    pub fn name(self) -> &'static str {
        match self {
            Confirm::Echo => "echo",
            Confirm::Blind => "blind",
        }
    }
}

/// The blast radius of a step: a read-only command that counts what it touches (run after
/// `describe`, where `describe` runs), and the most it may touch. Above it the step is
/// refused with no override, like a `deny` pattern.
#[derive(Debug, Clone)]
pub struct Impact {
    pub pos: Pos,
    pub command: Command,
    pub at_most: u64,
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
