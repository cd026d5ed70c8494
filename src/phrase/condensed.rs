//! What a condensed timeline row stands for, as data a phrasebook turns into one sentence:
//! a step that simply passed, or a check tried several times. The export decides which
//! records a row covers (`export/condense.rs`); each language only says it.

use std::collections::BTreeMap;

use crate::journal::record::Purpose;

/// One command of a step, with its attempts collapsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub purpose: Purpose,
    /// As it reads in a sentence (`command_line`); None when its start is not journaled.
    pub command: Option<String>,
    pub attempts: u32,
    pub ok: bool,
    pub exit: Option<i32>,
}

/// A step whose start, commands and end merge into one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepPassed {
    /// The step's title as shown (user-written: kept as written).
    pub title: String,
    /// From its start to its end.
    pub took_ms: u64,
    pub commands: Vec<Ran>,
    /// What a snapshot step captured, when it is one.
    pub snapshot: Option<BTreeMap<String, String>>,
}

impl StepPassed {
    /// The step's own command (not a check).
    pub fn main(&self) -> Option<&Ran> {
        self.commands.iter().find(|r| r.purpose == Purpose::Main)
    }

    /// How many checks (verify commands) passed.
    pub fn checks(&self) -> usize {
        self.commands
            .iter()
            .filter(|r| matches!(r.purpose, Purpose::Verify(_)))
            .count()
    }

    /// The most attempts any one command needed.
    pub fn most_attempts(&self) -> u32 {
        self.commands.iter().map(|r| r.attempts).max().unwrap_or(1)
    }
}

/// One command tried again and again without a person deciding in between (`retry:`; the
/// polls of a `wait_until` will collapse the same way), as one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempts {
    /// The step's title, or its id.
    pub step: Option<String>,
    pub ran: Ran,
    /// From the first attempt's start to the last one's end; for polls, the wait's own
    /// start to its end (in an export, `Ctx::waited_ms`).
    pub took_ms: u64,
    /// Why the last attempt that missed missed (the journal's words), if one did.
    pub last_miss: Option<String>,
    /// The attempts were the polls of a `wait_until`: how many.
    pub polls: Option<u32>,
    /// The last poll had not held yet when these rows end (the run stopped mid-wait, or
    /// the wait goes on after a resume): not a failure.
    pub pending: bool,
}
