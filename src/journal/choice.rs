//! What the operator answers at a prompt, as journaled (`Choice`, with its reason) and as
//! offered (`ChoiceKind`), and which prompt it answered.

use serde::{Deserialize, Serialize};

/// The operator's answer at a prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "choice", content = "reason", rename_all = "snake_case")]
pub enum Choice {
    Rollback,
    /// Roll back only the failed loop pass; earlier passes stay as they are.
    RollbackItem,
    Retry,
    Abort(Option<String>),
    Continue,
    Override(String),
    Rerun,
    Done(String),
}

impl Choice {
    pub fn kind(&self) -> ChoiceKind {
        match self {
            Choice::Rollback => ChoiceKind::Rollback,
            Choice::RollbackItem => ChoiceKind::RollbackItem,
            Choice::Retry => ChoiceKind::Retry,
            Choice::Abort(_) => ChoiceKind::Abort,
            Choice::Continue => ChoiceKind::Continue,
            Choice::Override(_) => ChoiceKind::Override,
            Choice::Rerun => ChoiceKind::Rerun,
            Choice::Done(_) => ChoiceKind::Done,
        }
    }

    pub fn name(&self) -> &'static str {
        self.kind().name()
    }
}

/// A choice without its reason: what a prompt offers, what a key picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceKind {
    Rollback,
    RollbackItem,
    Retry,
    Abort,
    Continue,
    Override,
    Rerun,
    Done,
}

/// Whether an answer carries a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonNeed {
    None,
    Optional,
    Required,
}

impl ChoiceKind {
    pub const ALL: [ChoiceKind; 8] = [
        ChoiceKind::Rollback,
        ChoiceKind::RollbackItem,
        ChoiceKind::Retry,
        ChoiceKind::Abort,
        ChoiceKind::Continue,
        ChoiceKind::Override,
        ChoiceKind::Rerun,
        ChoiceKind::Done,
    ];

    /// The word an operator types (headless) and the journal records.
    pub fn name(self) -> &'static str {
        match self {
            ChoiceKind::Rollback => "rollback",
            ChoiceKind::RollbackItem => "rollback-item",
            ChoiceKind::Retry => "retry",
            ChoiceKind::Abort => "abort",
            ChoiceKind::Continue => "continue",
            ChoiceKind::Override => "override",
            ChoiceKind::Rerun => "rerun",
            ChoiceKind::Done => "done",
        }
    }

    pub fn parse(word: &str) -> Option<ChoiceKind> {
        ChoiceKind::ALL.into_iter().find(|k| k.name() == word)
    }

    pub fn reason(self) -> ReasonNeed {
        match self {
            ChoiceKind::Abort => ReasonNeed::Optional,
            ChoiceKind::Override | ChoiceKind::Done => ReasonNeed::Required,
            _ => ReasonNeed::None,
        }
    }

    /// The choice with its reason (trimmed; an empty one is none). A required reason that
    /// is missing is left empty for the engine to refuse with its own words.
    pub fn with(self, reason: &str) -> Choice {
        let reason = reason.trim();
        let given = (!reason.is_empty()).then(|| reason.to_string());
        match self {
            ChoiceKind::Rollback => Choice::Rollback,
            ChoiceKind::RollbackItem => Choice::RollbackItem,
            ChoiceKind::Retry => Choice::Retry,
            ChoiceKind::Abort => Choice::Abort(given),
            ChoiceKind::Continue => Choice::Continue,
            ChoiceKind::Override => Choice::Override(reason.to_string()),
            ChoiceKind::Rerun => Choice::Rerun,
            ChoiceKind::Done => Choice::Done(reason.to_string()),
        }
    }
}

/// The prompt a decision answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prompt {
    /// A step failed (command, expectation or verify).
    Failure,
    /// A precheck failed.
    Precheck,
    /// A safety gate refused the step after earlier changes were made.
    Gate,
    /// A rollback command failed.
    Rollback,
    /// A step was in progress when the run was cut off.
    InDoubt,
    /// A reviewer rejected the step's approval, with a reason.
    Rejected,
    /// The change window closed before a change could start (an operator at the screen
    /// may override it, journaled, instead of the run ending).
    Window,
    /// A command needs a captured secret that a stop or crash took with it (secrets are
    /// never written): the step that captured it may run again first.
    LostCapture,
}
