//! Why a step asked, ended or stopped, and why a run halted or ended, as data: a command's
//! failure (`reason.rs`) or checks, a safety gate, the change window, a rejection, a `when`
//! that does not hold, a halt, a missing rehearsal, a step ended by the operator's choice.
//! Journaled beside the engine's English sentence (`engine::messages` words each), so every
//! phrasebook says them in its own language; journals from before these fields hold the
//! sentence only, and are read and phrased as before (see `reason.rs`).
//!
//! What a person wrote (a reviewer's reason, the operator's words) is carried as written.
//! The system's own words (an ssh transport's explanation, a journal check's error) are
//! carried as they were said: no phrasebook can translate them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::purpose::Purpose;
use super::reason::CommandFailure;

/// Why a step's question (`step_failed`) was asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepFailure {
    /// One command failed: which, and why.
    Command {
        purpose: Purpose,
        failure: CommandFailure,
    },
    /// Verify checks failed, `failed` of `of` (each one's reason is in its own
    /// `command_finished`).
    Checks { failed: Vec<u32>, of: u32 },
    /// A safety gate refused the step after the run had changed things.
    Gate { gate: Gate },
    /// The change window shut before the step changed anything (asked at a screen).
    Window { shut: Shut },
    /// A reviewer rejected the approval; `reason` is theirs, as written.
    Rejected { by: String, reason: String },
    /// The command reads captures that held a secret, gone with the stop or crash before
    /// (secrets are never written); step `by` captured them and may run again (`mutating`:
    /// it is a change, and running it makes the change again).
    LostCapture {
        purpose: Purpose,
        names: Vec<String>,
        by: String,
        mutating: bool,
    },
}

/// Why a run ended, where shisa decided it (an operator's own words stay in `reason`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunEnd {
    /// Every step ended, but these went on without passing their checks.
    Exceptions {
        steps: Vec<String>,
    },
    /// The operator aborted at a failure: the run failed (exit 1), the failure its cause;
    /// `said`, their own words if they gave any (absent in older journals, which journaled
    /// words as the bare `reason` and no `why`).
    StoppedAfterFailure {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        said: Option<String>,
    },
    /// Rolled back after `failed` failed (absent in older journals): its own command, or
    /// the verify checks numbered in `checks`.
    RolledBack {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failed: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        checks: Vec<u32>,
    },
    /// Rolled back, leaving these steps' changes in place (a checkpoint, a point of no
    /// return, or earlier loop passes the operator kept).
    RolledBackKeeping {
        kept: Vec<String>,
        /// Only the failed loop pass was rolled back, as the operator chose
        /// (`rollback-item`): the earlier passes stay by that choice, not by a checkpoint.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        pass_only: bool,
    },
    RolledBackOnRequest,
    /// A rollback command was skipped; `not_undone` names the steps whose change is still
    /// in place because of it (absent in older journals).
    RollbackIncomplete {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        not_undone: Vec<String>,
    },
    /// A safety gate refused a step before the run changed anything.
    Refused {
        gate: Gate,
    },
    /// Refused at the start, outside the change window; `opens` is when it opens next
    /// (as `local` is written), if within eight days.
    OutsideWindow {
        shut: Shut,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        opens: Option<String>,
    },
    /// Refused at the start: the environment needs a rehearsal, and none was found.
    NoRehearsal(Box<NoRehearsal>),
    /// `run --env NAME` names no environment of the runbook.
    NoSuchEnvironment {
        name: String,
    },
}

/// Why the change window is shut: the window's own verdict, journaled as it is. It lives
/// with the window (`runbook::window`), which the journal may name and not the reverse.
pub use crate::runbook::window::Shut;

/// A safety gate that refused a step before it changed anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "gate", rename_all = "snake_case")]
pub enum Gate {
    /// The snapshot step guarding this change has not succeeded in this run.
    SnapshotMissing { snapshot: String, step: String },
    /// The resolved target is denied by `deny`, or fails `must_match` (`rule`).
    Target {
        resolved: String,
        rule: String,
        pattern: String,
    },
    /// The impact command failed or printed no count: the blast radius is unknown.
    ImpactUnknown { failure: CommandFailure },
    /// The count is above `at_most`: refused, with no override.
    ImpactOver {
        resolved: String,
        count: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        at_most: u64,
    },
    /// A command reads captures whose secret values were lost when the run stopped.
    LostCaptures {
        purpose: Purpose,
        names: Vec<String>,
        /// The steps that captured them.
        by: Vec<String>,
    },
    /// `at_most` reads a parameter whose value is no limit (`value` absent: it has none),
    /// so the count cannot be judged.
    LimitUnknown {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
    },
    /// `on:` names no entry of `hosts:`.
    UnknownHost { on: String },
    /// The host's `ssh:` did not resolve to a usable destination; `error` is the check's
    /// own words.
    UnusableHost { host: String, error: String },
}

/// Why a step's `when` does not hold: it is skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "when", rename_all = "snake_case")]
pub enum Skip {
    Param {
        name: String,
        have: String,
        wanted: String,
    },
    /// `have` absent: no step captured it.
    Capture {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        have: Option<String>,
        pattern: String,
    },
    /// `chosen` absent: the step was not answered.
    Choice {
        step: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        chosen: Option<String>,
        wanted: String,
    },
}

/// Why a run halted without ending (`run_interrupted`): resumable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "halt", rename_all = "snake_case")]
pub enum Halt {
    /// The operator quit the TUI.
    Quit,
    /// The terminal went away (the TUI's input closed).
    TerminalGone,
    CtrlC,
    /// Headless input ended while a question waited.
    EndOfInput,
    Sigterm,
    Sighup,
    /// The connection to a host was lost mid-command; `message` is the transport's words.
    ConnectionLost {
        message: String,
    },
    /// The output log could not be written; `error` is the system's words.
    OutputLogLost {
        error: String,
    },
    /// shisa made no progress at `phase` (a bug).
    NoProgress {
        phase: String,
    },
    /// Typed targets did not match `resolved`, `misses` times.
    Misses {
        misses: u32,
        resolved: String,
    },
    /// Named targets did not match, blind: the last named, and what the system resolved.
    BlindMisses {
        misses: u32,
        intended: String,
        resolved: String,
    },
    /// Before a change, outside the window, in line mode.
    OutsideWindow {
        shut: Shut,
    },
}

/// How a step ended, where a rule or a choice (not its commands) decided it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepEnd {
    /// Refused by a gate before the run changed anything.
    Refused {
        gate: Gate,
    },
    Skipped {
        skip: Skip,
    },
    /// The operator went on past the failure.
    ContinueChosen,
    RollbackChosen,
    /// The operator rolled back instead of going on.
    RolledBackInstead,
    /// A later rollback stopped at this step's gates (target, approval) and the operator
    /// went on without undoing it: its change stays in place.
    LeftInPlace,
    /// A rollback reached the step, its rollback commands numbered `failed` failed and the
    /// operator went on past them: its change is not undone.
    NotUndone {
        failed: Vec<u32>,
    },
    /// An in-doubt step the operator declared done, in their own words (`said`).
    Accepted {
        said: String,
        proven: bool,
        has_verify: bool,
    },
}

/// Why a run in an environment that `needs_rehearsal` was refused at the start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoRehearsal {
    /// The environment this run was for, and the one its rehearsal must be in.
    pub env: String,
    pub needs: String,
    pub within_s: u64,
    /// The runbook's SHA-256.
    pub sha256: String,
    /// The start of the period, RFC 3339 UTC (the period ends at the refusal).
    pub since: String,
    pub looked_in: String,
    /// The command that produces the evidence.
    pub rehearse: String,
    pub nearest: Nearest,
}

impl NoRehearsal {
    /// The period looked in: its start, and its end (this run's clock at the refusal).
    pub fn period(&self) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        let since = utc(&self.since);
        let now = since.map(|s| s + chrono::Duration::seconds(self.within_s as i64));
        (since, now)
    }
}

/// A journaled RFC 3339 time, read back in UTC.
pub fn utc(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A journaled time to the minute, `2023-12-05 17:15 UTC`, the same in every language;
/// empty when there is none.
pub fn utc_minute(text: Option<&str>) -> String {
    text.and_then(utc).map_or(String::new(), |t| {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    })
}

/// The closest thing to evidence that was found; `ended` in RFC 3339 UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "found", rename_all = "snake_case")]
pub enum Nearest {
    Nothing,
    TooOld {
        run_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ended: Option<String>,
    },
    /// Completed, but stamped after this run's clock (beyond a minute's slack).
    Ahead {
        run_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ended: Option<String>,
    },
    /// Its journal does not verify; `why` is the check's own words.
    Broken {
        run_id: String,
        why: String,
    },
    /// `outcome`: `live`, `stopped (resumable)`, or the outcome's name.
    NotCompleted {
        run_id: String,
        outcome: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ended: Option<String>,
    },
    OtherVersion {
        run_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ended: Option<String>,
    },
}

impl Gate {
    /// The limit of a step's `at_most` could not be read.
    pub fn limit_unknown(e: crate::runbook::target::LimitError) -> Gate {
        use crate::runbook::target::LimitError;
        match e {
            LimitError::Missing { name } => Gate::LimitUnknown { name, value: None },
            LimitError::NotWhole { name, value } => Gate::LimitUnknown {
                name,
                value: Some(value),
            },
        }
    }

    /// Every string a run's values could be in passed through `f` (masking).
    pub fn map(&self, f: &dyn Fn(&str) -> String) -> Gate {
        match self {
            Gate::Target {
                resolved,
                rule,
                pattern,
            } => Gate::Target {
                resolved: f(resolved),
                rule: rule.clone(),
                pattern: f(pattern),
            },
            Gate::ImpactUnknown { failure } => Gate::ImpactUnknown {
                failure: failure.map(f),
            },
            Gate::ImpactOver {
                resolved,
                count,
                unit,
                at_most,
            } => Gate::ImpactOver {
                resolved: f(resolved),
                count: *count,
                unit: unit.as_deref().map(f),
                at_most: *at_most,
            },
            Gate::LimitUnknown { name, value } => Gate::LimitUnknown {
                name: name.clone(),
                value: value.as_deref().map(f),
            },
            Gate::UnusableHost { host, error } => Gate::UnusableHost {
                host: host.clone(),
                error: f(error),
            },
            other => other.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journaled_as_tagged_objects_that_read_back() {
        let end = StepEnd::Refused {
            gate: Gate::Target {
                resolved: "prod-db".into(),
                rule: "deny".into(),
                pattern: "^prod-".into(),
            },
        };
        let json = serde_json::to_string(&end).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"refused","gate":{"gate":"target","resolved":"prod-db","rule":"deny","pattern":"^prod-"}}"#
        );
        assert_eq!(serde_json::from_str::<StepEnd>(&json).unwrap(), end);
        let halt = Halt::OutsideWindow {
            shut: Shut::Denied {
                local: "Fri 2023-12-08 17:15 JST".into(),
                span: "Fri 12:00-24:00".into(),
            },
        };
        let json = serde_json::to_string(&halt).unwrap();
        assert_eq!(serde_json::from_str::<Halt>(&json).unwrap(), halt);
    }
}
