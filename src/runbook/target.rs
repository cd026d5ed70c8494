//! A step's `target:`: how it is looked up, the rules it must pass, how the operator
//! confirms it, and its blast radius (`impact`).

use super::command::{Command, OnHost};
use super::diag::Pos;
use super::expect::Pattern;

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
