//! The journal's record types: what each line of `journal.jsonl` holds. Pure data,
//! shared by the engine (which decides records), the writer, the reader and the exporters.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use super::actor::{Actor, Role};
pub use super::background::{Background, BackgroundProcess};
pub use super::choice::{Choice, ChoiceKind, Prompt, ReasonNeed};
pub use super::not_counted::NotCounted;
pub use super::outcome::{Outcome, StepStatus};
pub use super::person::Person;
pub use super::purpose::Purpose;
pub use super::reason::{CommandFailure, Excerpt, Expected, Saw};
pub use super::run_ref::{Rehearsed, RunbookRef};
pub use super::stops::{
    Gate, Halt, Nearest, NoRehearsal, RunEnd, Shut, Skip, StepEnd, StepFailure,
};

/// The journal format this shisa writes and the newest it reads, stamped as `"format"` in
/// the data of every record that opens a segment ([`STAMPED`]; a record without it is
/// format 1, from before the stamp).
/// Format 2 added a step's end `not_undone` (`step_finished.why`) and the `not_undone` list
/// of a `rollback_incomplete` run end: a shisa that reads only format 1 would fail to parse
/// them, so it refuses the journal by its stamp instead, naming both formats.
/// Format 3 changed what `run_resumed` means: a step cut off where nothing can have changed
/// (at its approval, its point of no return, before its command's `command_started`)
/// begins again, its approval asked afresh. A format-2 shisa would replay such a journal
/// with the old request still standing, which the new process no longer honours.
pub const FORMAT: u64 = 3;

/// The records that open a segment of a journal: the run's start, and the first record of
/// each shisa that goes on with it (`resume`, `shisa rollback`). Each is stamped with the
/// format of the shisa that wrote it, since a format-1 run resumed by this shisa goes on
/// in format 2, and a reader checks every stamp, not just the first.
pub const STAMPED: &[&str] = &["run_started", "run_resumed", "rollback_requested"];

/// What an `override` record set aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrideKind {
    /// The run started (or resumed) outside its change window, with a reason.
    Window,
    /// A failed precheck was overridden, with a reason.
    Precheck,
    /// The clock was faked (`SHISA_FAKE_NOW`, debug builds only).
    Clock,
}

impl OverrideKind {
    /// The name the journal and the JSON export use.
    pub fn name(self) -> &'static str {
        match self {
            OverrideKind::Window => "window",
            OverrideKind::Precheck => "precheck",
            OverrideKind::Clock => "clock",
        }
    }
}

/// The wait a stop cut short, named by the fresh one a resumed run begins (`wait_started`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restarted {
    /// The polls the cut-short wait had started.
    pub polls: u32,
}

/// What one record says. Serialized as `"kind": "...", "data": {...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Body {
    RunStarted {
        run_id: String,
        runbook: RunbookRef,
        params: BTreeMap<String, String>,
        tool_version: String,
        mode: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clock_faked: Option<String>,
        /// `run --env NAME`: where this run changes things.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        env: Option<String>,
        /// The rehearsal the environment needed and this run started on.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rehearsal: Option<Rehearsed>,
    },
    WindowChecked {
        timezone: String,
        local: String,
        inside: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// `reason` as data (absent in old journals).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<Shut>,
    },
    Override {
        what: OverrideKind,
        reason: String,
    },
    Waiver {
        guard: String,
        reason: String,
    },
    StepStarted {
        index: usize,
        title: String,
        step_kind: String,
        mutating: bool,
    },
    CommandStarted {
        purpose: Purpose,
        attempt: u32,
        command: String,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        env: BTreeMap<String, String>,
        command_sha256: String,
        log: String,
        /// The host the command ran on (`on:`), as `user@destination`; absent: locally.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        host: Option<String>,
        /// A poll of a `wait_until`: `attempt` counts polls, not retries (absent: false,
        /// and in older journals).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        poll: bool,
    },
    CommandFinished {
        purpose: Purpose,
        attempt: u32,
        exit: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signal: Option<i32>,
        timed_out: bool,
        duration_ms: u64,
        bytes: u64,
        sha256: String,
        log: String,
        ok: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failure: Option<String>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        captures: BTreeMap<String, String>,
        #[serde(default, skip_serializing_if = "Background::is_empty")]
        background: Background,
        /// A poll of `wait_until` that does not meet its expectations yet: not a failure,
        /// the next poll follows.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        not_yet: Option<String>,
        /// A remote command whose ssh failed: which way (`host_key_unknown`,
        /// `auth_failed`, `connection_refused`, `connection_lost`, … see
        /// `engine::RemoteFailure::kind`). Absent: the exit status is the command's own.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ssh_failure: Option<String>,
        /// `failure` or `not_yet` as data, for every phrasebook (absent in old journals).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<CommandFailure>,
        /// A poll of a `wait_until`, as in `command_started`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        poll: bool,
    },
    /// A command is polled until its expectations hold, until `until` at the latest.
    WaitStarted {
        purpose: Purpose,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        every_ms: Option<u64>,
        deadline_ms: u64,
        /// RFC 3339, UTC: when the wait ends (a manual step's `done` is accepted from then).
        until: String,
        /// A wait begun afresh on resume: the one before it was cut short by the stop of
        /// the run's process (`Engine::resume`), after this many polls. Absent: a first wait.
        /// Added within format 3: a reader that ignores it still replays a fresh wait.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restarted: Option<Restarted>,
    },
    WaitFinished {
        purpose: Purpose,
        polls: u32,
        waited_ms: u64,
        met: bool,
    },
    /// The operator typed the step's name at its point of no return.
    NoReturnConfirmed {
        reason: String,
        typed: String,
    },
    ExpectFailed {
        purpose: Purpose,
        attempt: u32,
        expectation: String,
        detail: String,
        /// `expectation` and `detail` as data (absent in old journals).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expected: Option<Expected>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        saw: Option<Saw>,
    },
    TargetResolved {
        resolved: String,
        /// `confirm: blind`: the value stays off every screen until someone names it.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        blind: bool,
    },
    /// The target's `impact` count: how many things the step touches, and its limit. Above
    /// `at_most` the step is refused with no override.
    TargetImpact {
        count: u64,
        /// What is counted, as the command named it (`accounts`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        at_most: u64,
        /// What is touched, one per line as the command listed it (the first few).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        listed: Vec<String>,
    },
    TargetDenied {
        resolved: String,
        rule: String,
        pattern: String,
    },
    TargetConfirmed {
        resolved: String,
        typed: String,
        /// Not typed again: the same target was confirmed at this step earlier in the run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reused_from: Option<String>,
        /// `confirm: blind`: `typed` is the target the person intended, named before the
        /// resolved one was shown.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        blind: bool,
    },
    TargetMismatch {
        resolved: String,
        typed: String,
        misses: u32,
        /// `confirm: blind`: `typed` is the intended target; `resolved` was not shown.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        blind: bool,
    },
    SnapshotRecorded {
        #[serde(default)]
        captures: BTreeMap<String, String>,
        log: String,
    },
    ApprovalRequested {
        command: String,
        command_sha256: String,
        expected: String,
        allow_self: bool,
        /// How many distinct people must approve (absent: one).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reviewers: Option<u32>,
        /// The group each of them must be in.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
        /// `confirm: blind`: the reviewer names the target before it is shown to them.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        blind: bool,
    },
    ApprovalGranted {
        typed: String,
        self_approved: bool,
        /// The person counted (absent in journals from before it was recorded).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        person: Option<Person>,
        /// This approval is the `count`th of `needed` distinct people's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        count: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        needed: Option<u32>,
        /// The group the person was found in.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
    },
    ApprovalRefused {
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        typed: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        person: Option<Person>,
        /// `reason` as data (absent in old journals).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<NotCounted>,
    },
    /// A reviewer said no, with a reason: the step does not run, and the operator decides
    /// what happens next (ask again, roll back, abort).
    ApprovalRejected {
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        person: Option<Person>,
    },
    ManualDone {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// The answer picked from the step's `choices`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        choice: Option<String>,
        /// A manual rollback entry (its number) was carried out, not the step itself.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        undo: Option<u32>,
    },
    OperatorNote {
        text: String,
    },
    StepFailed {
        prompt: Prompt,
        reason: String,
        /// `reason` as data (absent in old journals).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<StepFailure>,
    },
    OperatorChoice {
        prompt: Prompt,
        #[serde(flatten)]
        choice: Choice,
    },
    StepFinished {
        status: StepStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// `reason` as data, where a rule or a choice ended the step (absent in old
        /// journals).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<StepEnd>,
    },
    RollbackStarted {
        plan: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        without_rollback: Vec<String>,
        /// Changes left in place on purpose: before a checkpoint or a point of no return,
        /// or earlier loop passes when only the failed one is rolled back.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        kept: Vec<String>,
        /// The operator chose `rollback-item`: only the failed loop pass is undone, and the
        /// earlier passes in `kept` stay by that choice (absent: false, in older journals).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        pass_only: bool,
    },
    RollbackFinished {
        ok: bool,
        /// The steps the rollback undid, in its order, and those it left in place on
        /// purpose (absent in older journals): its end says what was undone and what
        /// stays, never "every change" while something stays.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        undone: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        kept: Vec<String>,
    },
    /// The operator asks to undo the changes an ended run left in place (`shisa rollback`),
    /// or, before the end, to roll back instead of leaving them: the continuation's first
    /// record after a `run_finished`.
    RollbackRequested {
        reason: String,
    },
    WatcherJoined {
        watcher: String,
    },
    /// A connection to the shared session was refused or cut off.
    ClientRefused {
        who: String,
        reason: String,
    },
    WatcherLeft {
        watcher: String,
    },
    RunInterrupted {
        reason: String,
        /// `reason` as data (absent in old journals).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<Halt>,
    },
    RunResumed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        in_doubt: Option<String>,
    },
    JournalRecovered {
        moved_to: String,
        bytes: u64,
    },
    /// `resume --runbook FILE --reason`: the run goes on with an edited runbook, every step
    /// it had finished unchanged; the copy in the run directory is named by `to_sha256`.
    RunbookChanged {
        path: String,
        from_sha256: String,
        to_sha256: String,
        reason: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        changed: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        added: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        removed: Vec<String>,
    },
    /// The operator chose to run this step again for the secret `names` it captures, lost
    /// when the run stopped, which step `needed_by` reads. It begins again from its start,
    /// through its gates (a change: its target and approval are asked again); once it
    /// ends, the run goes on at `needed_by`.
    CaptureRerun {
        needed_by: String,
        names: Vec<String>,
        mutating: bool,
    },
    /// The running command is being stopped (TERM to its process group, then KILL): durable
    /// before the signal is sent.
    StopRequested {
        purpose: Purpose,
        attempt: u32,
        reason: String,
    },
    RunFinished {
        outcome: Outcome,
        exit_code: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// `reason` as data, where shisa decided the end (absent in old journals, and where
        /// the reason is the operator's own words).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<RunEnd>,
    },
}

/// A record as the engine decides it; the writer adds `seq`, `ts` and `prev`.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub body: Body,
    pub step: Option<String>,
    pub actor: Actor,
}

/// One line of `journal.jsonl`. Read by hand (`record_de.rs`), without buffering the line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub seq: u64,
    pub ts: String,
    #[serde(flatten)]
    pub body: Body,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    pub actor: Actor,
    pub prev: String,
}

impl Record {
    pub fn entry(&self) -> Entry {
        Entry {
            body: self.body.clone(),
            step: self.step.clone(),
            actor: self.actor.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor() -> Actor {
        Actor {
            role: Role::Operator,
            user: "ops1".into(),
            uid: 1000,
            host: "bastion-1".into(),
        }
    }

    #[test]
    fn a_record_reads_back_as_written() {
        let r = Record {
            seq: 7,
            ts: "2023-12-05T17:15:02.113+09:00".into(),
            body: Body::TargetConfirmed {
                resolved: "quarantine-2023-12".into(),
                typed: "quarantine-2023-12".into(),
                reused_from: None,
                blind: false,
            },
            step: Some("attach-deny".into()),
            actor: actor(),
            prev: "0".repeat(64),
        };
        let line = serde_json::to_string(&r).unwrap();
        assert!(
            line.starts_with(
                r#"{"seq":7,"ts":"2023-12-05T17:15:02.113+09:00","kind":"target_confirmed","data":{"resolved""#
            ),
            "{line}"
        );
        assert_eq!(serde_json::from_str::<Record>(&line).unwrap(), r);
    }

    #[test]
    fn choices_and_purposes_serialize_as_plain_words() {
        let b = Body::OperatorChoice {
            prompt: Prompt::Failure,
            choice: Choice::Abort(Some("vendor outage".into())),
        };
        let v = serde_json::to_value(&b).unwrap();
        assert_eq!(v["data"]["choice"], "abort");
        assert_eq!(v["data"]["reason"], "vendor outage");
        assert_eq!(serde_json::from_value::<Body>(v).unwrap(), b);
        assert_eq!("rollback-2".parse::<Purpose>(), Ok(Purpose::Rollback(2)));
        assert_eq!(Purpose::Verify(1).to_string(), "verify-1");
        assert!("verify-x".parse::<Purpose>().is_err());
        assert_eq!(b.kind(), "operator_choice");
        // The name is serde's own, for every kind.
        for body in [
            Body::RunResumed { in_doubt: None },
            Body::ClientRefused {
                who: "x".into(),
                reason: "y".into(),
            },
        ] {
            assert_eq!(serde_json::to_value(&body).unwrap()["kind"], body.kind());
        }
    }
}
