//! What the review's walk reports: the failure rows, the branches without a failure, the
//! values read that no step set, and which steps any path reached.

use crate::engine::RollbackPlan;
use crate::journal::record::{ChoiceKind, Outcome, Prompt, Purpose};

use super::reads::Value;

/// A failure on one path and what the engine does about it.
#[derive(Debug, Clone)]
pub struct FailureRow {
    pub step: usize,
    pub purpose: Purpose,
    /// Decisions earlier on the path (answers, made-up values a `when` tests).
    pub after: Vec<String>,
    pub prompt: Prompt,
    /// Why the step failed, as the engine says it.
    pub reason: String,
    pub choices: Vec<ChoiceKind>,
    /// `Engine::rollback_plan` at the failure: what a rollback undoes, in order.
    pub plan: RollbackPlan,
    /// With `rollback-item` offered: the plan limited to the failed loop pass.
    pub pass_plan: Option<RollbackPlan>,
    /// What the rollback ran once chosen, in order (or nothing, when it is not offered).
    pub undone: Vec<Undone>,
    pub outcome: Option<Outcome>,
}

/// One rollback entry as the engine ran it on a path.
#[derive(Debug, Clone, PartialEq)]
pub struct Undone {
    pub step: usize,
    pub entry: u32,
    /// A `manual:` entry: a person carries it out.
    pub manual: bool,
    /// Each value the command reads, and where it came from on this path.
    pub values: Vec<(String, Value)>,
}

/// A path with no failure on it: its decisions and how the run ends.
#[derive(Debug, Clone)]
pub struct Branch {
    pub decisions: Vec<String>,
    pub skipped: Vec<(usize, String)>,
    pub outcome: Option<Outcome>,
}

/// A command that reads a captured value that was never set on its path.
#[derive(Debug, Clone)]
pub struct UnsetRead {
    pub step: usize,
    pub purpose: Purpose,
    pub name: String,
    pub after: Vec<String>,
}

/// What the walk found, over every path.
#[derive(Debug, Default)]
pub struct Walk {
    pub rows: Vec<FailureRow>,
    pub branches: Vec<Branch>,
    pub unset: Vec<UnsetRead>,
    /// Per step: some path began it (it ran).
    pub ran: Vec<bool>,
    /// Per step: some path got to it (ran, or skipped by its `when`).
    pub reached: Vec<bool>,
    /// Where a path could not go on, and why (made-up output the engine did not accept).
    pub stuck: Vec<(usize, String)>,
    pub paths: usize,
    pub cut_short: bool,
}
