//! What an export says about its runs, independent of its format. The Markdown and HTML
//! renderers draw it; the JSON export is this structure serialized (see `json.rs` and
//! `assets/export.schema.json`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::text::Text;
use super::zone::{Time, ZoneChoice};

/// The whole document: one run, or several merged into one timeline by time.
#[derive(Debug, Clone, Serialize)]
pub struct Postmortem {
    pub lang: crate::phrase::Lang,
    /// `condensed` (the default) or `full` (a row for every record).
    pub timeline_mode: &'static str,
    pub timezone: ZoneInfo,
    /// In order of their start.
    pub runs: Vec<RunReport>,
    pub timeline: Vec<TimelineRow>,
    /// Every run's warnings, each naming its run when there are several.
    pub warnings: Vec<String>,
}

impl Postmortem {
    /// Whether rows must name their run.
    pub fn merged(&self) -> bool {
        self.runs.len() > 1
    }

    /// The words of the document's language.
    pub fn words(&self) -> &'static dyn super::words::DocumentWords {
        super::words::of(self.lang)
    }

    /// The runbooks' names, each once, in order of their first run (for the title).
    pub fn runbook_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for r in &self.runs {
            if !names.contains(&r.run.runbook.name.as_str()) {
                names.push(&r.run.runbook.name);
            }
        }
        names
    }

    /// Whose runbook's window zone the times are in, when several runs are merged: the
    /// run's number and its runbook's name. With one run, "the runbook" says it.
    pub fn zone_from(&self) -> Option<(usize, String)> {
        let k = self.timezone.from_run.filter(|_| self.merged())?;
        let r = self.runs.get(k)?;
        Some((k + 1, r.run.runbook.name.clone()))
    }

    /// How a row names its run in a merged export: `#2 Runbook name`.
    pub fn run_label(&self, run: usize) -> String {
        let name = self
            .runs
            .get(run)
            .map_or("", |r| r.run.runbook.name.as_str());
        format!("#{} {name}", run + 1)
    }
}

/// One run: its summary, integrity, the chart's steps and the sections after the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    #[serde(flatten)]
    pub run: Summary,
    pub steps: Vec<StepBar>,
    pub snapshots: Vec<Snapshot>,
    pub targets: Vec<TargetCheck>,
    pub approvals: Vec<ApprovalDecision>,
    pub failures: Vec<Failure>,
    pub rollbacks: Vec<Rollback>,
    pub overrides: Vec<Override>,
    pub waivers: Vec<GuardWaived>,
    pub notes: Vec<Note>,
    pub integrity: Integrity,
    /// Things a reader must not miss (a live, cut-off or damaged run), loudest first.
    /// Code is in backticks.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub runbook: RunbookInfo,
    pub run_id: String,
    pub operator: String,
    pub host: String,
    pub reviewers: Vec<String>,
    pub watchers: Vec<String>,
    pub start: Time,
    /// The `run_finished` time; for a live or cut-off run, the last record's; for a
    /// damaged one, the last intact record's (its real end is past the break, unknown).
    pub end: Time,
    /// `start` to `end`: for a damaged run, only up to the last intact record.
    pub duration_ms: i64,
    /// `finished`, `live`, `halted` (interrupted, resumable), `cut_off` (crashed) or
    /// `damaged` (its end lies past a break in the journal).
    pub state: RunState,
    /// `completed`, `failed`, `rolled_back`, `aborted`, `refused`; absent until finished.
    pub outcome: Option<String>,
    pub exit_code: Option<u8>,
    pub reason: Option<String>,
    /// Short: the outcome, or why there is none yet.
    pub verdict: String,
    /// For a run that has not finished: what that means and what to do (also a warning).
    /// Empty once the run has finished.
    pub explanation: String,
    pub params: BTreeMap<String, String>,
    pub mode: String,
    pub tool_version: String,
    pub clock_faked: Option<String>,
    /// `run --env`: the environment the run changed.
    pub env: Option<String>,
    /// The completed run in the rehearsal environment this run started on.
    pub rehearsal: Option<crate::journal::record::Rehearsed>,
    /// The changes the run leaves in place, not rolled back, in runbook order, as the
    /// replayed engine decides it (`Engine::left_in_place`): none for a completed run,
    /// whose changes are its point. None when the runbook is not there to replay.
    pub left_in_place: Option<Vec<InPlace>>,
    /// The abort a later `shisa rollback` went on from: `outcome` and `exit_code` are then
    /// that rollback's, and this keeps the run's own end. None for any other run.
    pub aborted: Option<Aborted>,
}

/// How a run ended when it was aborted, before a later rollback continued its journal.
#[derive(Debug, Clone, Serialize)]
pub struct Aborted {
    pub by: String,
    pub at: Time,
    pub exit_code: u8,
    /// As the summary's `reason` gives an abort's.
    pub reason: Option<String>,
}

/// A step whose change may still be in effect.
#[derive(Debug, Clone, Serialize)]
pub struct InPlace {
    pub step: String,
    pub step_title: String,
    /// Whether its change was made is unknown: it was under way where a cut-off or damaged
    /// journal stops, its change command in flight or its fate not journaled, as the
    /// cut-off warning says (`state::change_in_doubt`).
    pub in_doubt: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Finished,
    Live,
    Halted,
    CutOff,
    /// The journal breaks before its `run_finished` record: the run ended, how is unknown.
    Damaged,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunbookInfo {
    pub name: String,
    pub path: String,
    pub sha256: String,
    /// Whether the file is still there with that hash (step titles and unreached steps
    /// come from it); when not, `note` says why and steps are named as the journal has them.
    pub matches_file: bool,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ZoneInfo {
    pub name: String,
    /// e.g. `Asia/Tokyo (UTC+09:00)`.
    pub label: String,
    pub source: ZoneChoice,
    /// Whose runbook's window zone it is (an index into `runs`), for the zone line.
    #[serde(skip)]
    pub from_run: Option<usize>,
    /// The same run by its id in the JSON; null unless `source` is `runbook`.
    #[serde(rename = "from_run")]
    pub from_run_id: Option<String>,
    /// The run crossed midnight in this zone, so times carry their date.
    pub multi_day: bool,
}

pub use crate::phrase::Marker;

/// One row of the timeline: one record, or several condensed into one (`condense.rs`).
#[derive(Debug, Clone, Serialize)]
pub struct TimelineRow {
    /// The run it belongs to.
    pub run_id: String,
    /// Its index in `runs`.
    #[serde(skip)]
    pub run: usize,
    pub time: Time,
    pub actor: String,
    /// The journal record kind this row stands for, or `step_passed` / `command_attempts`
    /// for a condensed row.
    #[serde(rename = "type")]
    pub kind: String,
    pub marker: Option<Marker>,
    /// Plain text; `code` in backticks.
    pub summary: String,
    #[serde(skip)]
    pub text: Text,
    pub step: Option<String>,
    pub step_title: Option<String>,
    pub exit_code: Option<i32>,
    pub duration_ms: Option<u64>,
    /// The record whose time the row shows.
    pub seq: u64,
    /// The first and last records the row stands for.
    pub first_seq: u64,
    pub last_seq: u64,
    /// The SHA-256 of `seq`'s journal line.
    pub record_hash: String,
}

pub use super::bar_status::BarStatus;

/// A runbook step as the chart draws it.
#[derive(Debug, Clone, Serialize)]
pub struct StepBar {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub mutating: bool,
    pub status: BarStatus,
    pub started: Option<Time>,
    /// When its own work ended (its first finish, or its rollback beginning).
    pub ended: Option<Time>,
    pub rollback_started: Option<Time>,
    pub rollback_ended: Option<Time>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub time: Time,
    pub step: String,
    pub step_title: String,
    pub captures: BTreeMap<String, String>,
    pub log: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetCheck {
    pub time: Time,
    pub step: String,
    pub step_title: String,
    pub resolved: String,
    pub typed: Option<String>,
    /// `blind` where the person named the target they intended before the resolved one
    /// was shown (then `intended` is what they named); else `echo`.
    pub confirm: String,
    pub intended: Option<String>,
    pub by: String,
    /// `confirmed`, `mismatch`, `denied`, `impact` (the blast radius counted, within its
    /// limit) or `impact_refused` (above it).
    pub result: String,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovalDecision {
    pub time: Time,
    pub step: String,
    pub step_title: String,
    pub by: String,
    pub typed: Option<String>,
    /// `approved`, `self_approved`, `refused`.
    pub result: String,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub time: Time,
    pub step: String,
    pub step_title: String,
    /// Which command: `main`, `describe`, `verify-2`, `rollback-1`; absent for a gate.
    pub purpose: Option<String>,
    #[serde(skip)]
    pub purpose_of: Option<crate::journal::record::Purpose>,
    pub attempt: Option<u32>,
    pub command: Option<String>,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub reason: String,
    pub log: Option<String>,
    /// The last lines of the output log, made safe to print.
    pub last_lines: Vec<String>,
    /// Why no lines are shown (log missing, empty, or changed since the run).
    pub log_problem: Option<String>,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rollback {
    pub started: Time,
    pub by: String,
    /// Step titles, in the order they were undone.
    pub plan: Vec<String>,
    pub without_rollback: Vec<String>,
    /// Step titles of the changes it left in place on purpose (a checkpoint, a point of
    /// no return, earlier loop passes): a finished rollback undid its plan, not these.
    pub kept: Vec<String>,
    pub commands: Vec<RollbackCommand>,
    pub finished: Option<Time>,
    /// Absent while running or when the journal stops before the rollback ended.
    pub ok: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RollbackCommand {
    pub time: Time,
    pub step_title: String,
    pub command: String,
    pub exit_code: Option<i32>,
    pub ok: bool,
    pub failure: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Override {
    pub time: Time,
    pub by: String,
    /// `window`, `clock`, `precheck`, `in_doubt`.
    pub what: String,
    /// None for an in-doubt step declared done.
    #[serde(skip)]
    pub kind: Option<crate::journal::record::OverrideKind>,
    pub step_title: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GuardWaived {
    pub step: String,
    pub step_title: String,
    pub guard: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Note {
    pub time: Time,
    pub by: String,
    pub step_title: Option<String>,
    /// As its author wrote it: shisa's words about it go in `written`, not into it.
    pub text: String,
    pub written: NoteWritten,
}

/// When a note was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteWritten {
    /// An operator's note on its own.
    Note,
    /// The note given when marking a manual step done.
    MarkingDone,
}

#[derive(Debug, Clone, Serialize)]
pub struct Integrity {
    pub records: usize,
    /// SHA-256 of the last trusted line: compare with the head printed at the end of the
    /// run or kept by a watcher (`shisa verify RUN_DIR --head HASH`).
    pub chain_head: String,
    /// What `shisa verify` would say: the chain and every output log check out.
    pub verify_passed: bool,
    pub detail: String,
    /// A last line cut short by a crash mid-write (bytes), not counted as tampering.
    pub torn_bytes: Option<usize>,
    /// Lines after a break in the chain, left out of this export.
    pub untrusted_lines: usize,
}

impl Integrity {
    /// What `chain_head` is: the run's head, or, past a break (lines left out), only the
    /// last intact record's hash, which no head printed at the run's end will match.
    pub fn head_label(&self) -> super::words::Label {
        if self.untrusted_lines > 0 {
            super::words::Label::LastIntactHead
        } else {
            super::words::Label::ChainHead
        }
    }
}

/// A time as the timeline and the sections show it, in the document's language: to the
/// second in a `--full` timeline, where many records share a minute.
pub fn when(p: &Postmortem, t: &Time) -> String {
    p.words()
        .row_time(t, p.timezone.multi_day, p.timeline_mode == "full")
}
