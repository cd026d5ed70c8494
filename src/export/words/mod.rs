//! What an export says around the records — headings, labels, verdicts, integrity notes,
//! the chart's words — per language. Like record sentences, each is a whole sentence from
//! one method: a language never glues fragments shaped for another. The sentences about
//! records themselves come from `crate::phrase`.

mod en;
mod ja;

use super::bar_status::BarStatus;
use super::markup::Markup;
use super::zone::{Time, ZoneChoice};
use crate::journal::record::{Outcome, OverrideKind};
use crate::phrase::Lang;

/// The document words of a language.
pub fn of(lang: Lang) -> &'static dyn DocumentWords {
    match lang {
        Lang::En => &en::English,
        Lang::Ja => &ja::Japanese,
    }
}

/// A fixed word or heading of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    // Headings.
    Summary,
    Runs,
    Timeline,
    Snapshots,
    Targets,
    Approvals,
    Failures,
    Rollbacks,
    Overrides,
    Notes,
    Integrity,
    // Summary rows and table heads.
    Runbook,
    RunId,
    Run,
    Operator,
    Reviewers,
    Watchers,
    Host,
    Start,
    End,
    Duration,
    Outcome,
    Parameters,
    ChainHead,
    /// The chain head's place when the journal breaks: the hash of the last record before
    /// the break, which is not the run's head.
    LastIntactHead,
    /// The changes a run leaves in place, not rolled back.
    LeftInPlace,
    Clock,
    Environment,
    RehearsalRun,
    RehearsalFinished,
    RehearsalChainHead,
    Time,
    Actor,
    Event,
    Step,
    Captured,
    OutputLog,
    Resolved,
    Typed,
    By,
    Result,
    Reviewer,
    Kind,
    What,
    Reason,
    From,
    Note,
    Records,
    Verify,
    // Short words.
    /// Before a warning a reader must not miss.
    Warning,
    /// An empty list in a summary cell.
    Nobody,
    /// An empty section.
    NoneYet,
    /// Where the runbook, not a person, decided (a waiver's author).
    TheRunbook,
    /// A waiver's time: the runbook decided it before the run, at no moment of it.
    FromTheRunbook,
    // The chart.
    ChartRunLane,
    /// The run lane's tooltip: what its markers are.
    ChartRunLaneTip,
    ChartNotReached,
    ChartJournalEnds,
    /// Where a damaged journal's trusted records end: the records after it are left out.
    ChartJournalBreaks,
    /// Beside a bar whose end lies past the break.
    ChartDamaged,
    ChartNow,
    ChartInDoubt,
    ChartRunning,
    LegendOk,
    LegendFailed,
    LegendRolledBack,
    LegendRollbackRunning,
    LegendOpen,
    /// Drawn only when a chart has such a bar.
    LegendDamaged,
    LegendAborted,
    LegendApproval,
    LegendFailure,
    LegendRollback,
    LegendOverride,
    LegendFinished,
}

/// How a run that has not finished stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfinished<'a> {
    /// Another process holds the run; `at` is when this export was made.
    Live { at: &'a str },
    /// Interrupted (resumable), with the journaled reason.
    Halted { reason: &'a str },
    /// The journal stops without `run_finished`; `torn` bytes of a last line cut short;
    /// `doubt`: the steps under way at the cut and how far each had got (empty where the
    /// runbook is not there to replay).
    CutOff {
        torn: Option<usize>,
        doubt: &'a [CutStep],
        /// No change command started in the journal: the run changed nothing.
        unchanged: bool,
    },
    /// The journal breaks before its `run_finished` record, which is there but untrusted.
    Damaged,
}

/// A step under way where a cut-off journal stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutStep {
    pub title: String,
    /// It changes something: what was in flight may have changed it.
    pub mutating: bool,
    pub at: CutAt,
}

/// How far a step had got where the journal stops: only what was in flight is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutAt {
    /// Its change command had started and not ended: whether it changed anything is unknown.
    ChangeRunning,
    /// Its change command had ended, but the crash tore the record of its result: its exit
    /// code, and so whether it changed anything, is unknown.
    ChangeEnded,
    /// Its change command was running or had just ended: the torn `command_finished` is
    /// the result of one of `of` open commands, it among them, and does not say which.
    ChangeMaybeEnded { of: usize },
    /// It had failed (a `precheck`, or any other failure) and shisa was waiting for the
    /// operator's decision: the journal's last word on it is that `step_failed`.
    Awaiting { precheck: bool },
    /// Its change command ended with exit 0; `passed` of its `of` verify checks passed,
    /// and verification went no further in the journal.
    Verifying { passed: u32, of: u32 },
    /// Anywhere else (before its change command, or after one that failed): whether its
    /// change was made is not told by the journal.
    Unknown,
}

/// The words of an export document in one language.
pub trait DocumentWords: Sync {
    fn label(&self, l: Label) -> &'static str;

    /// Something and, in brackets, what identifies it (`#2 Name (run-id)`,
    /// `#2 Name（run-id）`); both markup already.
    fn aside(&self, text: &str, aside: &str) -> String;
    /// The summary's runbook cell: its name, its path and its SHA-256 (markup already).
    fn runbook_cell(&self, name: &str, path: &str, sha: &str) -> String;

    /// A label and what it labels, joined as the language punctuates it (`Records: 26`,
    /// `レコード数：26`); both markup already.
    fn labelled(&self, label: &str, value: &str) -> String;

    /// Items of one list in a cell (the run's parameters), joined as the language lists
    /// them (`a, b`, `a、b`); markup already.
    fn list(&self, items: &[String]) -> String;

    /// The document's title: one runbook, or several (`names` in order of their runs).
    fn title(&self, names: &[&str]) -> String;

    /// The line under the timeline heading: which zone, chosen how (`from`: the number and
    /// runbook of the merged run whose window zone it is), and the day when the whole
    /// timeline is on one; markup, the option that chose it as code, as other option names.
    fn zone_line(
        &self,
        m: &dyn Markup,
        label: &str,
        source: ZoneChoice,
        from: Option<&(usize, String)>,
        day: Option<&str>,
    ) -> String;

    /// A row's time in the timeline and the sections; `seconds` for a `--full` timeline,
    /// whose rows within one minute must still be told apart.
    fn row_time(&self, t: &Time, multi_day: bool, seconds: bool) -> String;

    /// A moment in full, with its offset (the summary's start and end).
    fn moment(&self, t: &Time) -> String;

    /// A date above the chart's ticks when the run crosses midnight.
    fn chart_date(&self, t: &Time) -> String;

    /// A finished run's outcome, exit code and journaled reason.
    fn verdict(&self, outcome: Outcome, exit: u8, reason: Option<&str>) -> String;

    /// An abort's reason as the verdict gives it: who aborted, then their words as written,
    /// as an abort without words names who too (`Phrasebook::aborted`).
    fn aborted_by(&self, who: &str, reason: &str) -> String;

    /// The reason a run undone later by `shisa rollback` gives after its verdict: `by`
    /// aborted it at `at` with `exit`, and the changes left in place were rolled back at
    /// `asked`'s request.
    fn undone_after_abort(&self, by: &str, at: &str, exit: u8, asked: &str) -> String;

    /// The changes a run leaves in place (markup), each step by its title and id (`steps`
    /// holds plain (title, id, in doubt) triples, in doubt when whether its change was made
    /// is unknown); the label says they were not rolled back.
    fn left_in_place(&self, m: &dyn Markup, steps: &[(&str, &str, bool)]) -> String;
    /// A damaged run's left-in-place cell: what is left past the damage cannot be told;
    /// `left` (markup, maybe empty) is what was in place or under way at the last intact
    /// record.
    fn left_past_damage(&self, left: &str) -> String;
    /// A merged runs table's outcome cell: the verdict and the changes left in place, both
    /// markup already.
    fn verdict_and_left(&self, verdict: &str, left: &str) -> String;

    /// A short verdict for a run that has not finished.
    fn unfinished_short(&self, u: Unfinished) -> String;

    /// What an unfinished run means, ending with what to do (`resume`, a sentence).
    fn unfinished_long(&self, u: Unfinished, dir: &str, resume: &str) -> String;

    /// How to continue it: `shisa resume DIR`.
    fn resume_hint(&self, dir: &str) -> String;
    /// Why it cannot be resumed: the journal is damaged.
    fn resume_damaged(&self, dir: &str) -> String;
    /// Why it cannot be resumed: the runbook is not as it was (`why`, shisa's words).
    fn resume_needs_runbook(&self, why: &str) -> String;

    /// The summary's end cell for an unfinished run (`end` is the last record's time).
    fn end_unfinished(&self, u: Unfinished, end: &str) -> String;
    /// A damaged run's duration cell: `took` (already said) is only up to the last intact
    /// record, its end being unknown.
    fn duration_to_break(&self, took: &str) -> String;
    /// A cut-off run's duration cell: `took` is only up to its last record, as the damaged
    /// one's is to its last intact one; when it really ended is unknown.
    fn duration_to_cut(&self, took: &str) -> String;
    /// The line under a timeline that stops before `run_finished`.
    fn timeline_stops(&self, u: Unfinished) -> &'static str;

    /// `verify` passes: how many records and logs checked out (logs None when not asked).
    fn chain_intact(&self, records: usize, logs: Option<usize>) -> String;
    /// `verify` fails at `line`; when the chain broke, lines 1 to `kept` are shown.
    fn chain_broken(&self, line: usize, reason: &str, kept: Option<usize>) -> String;
    /// `line`'s `prev` does not match the line before: one of the two was altered, and
    /// lines 1 to `kept` (the two before it) are shown.
    fn chain_altered(&self, line: usize, kept: usize) -> String;
    /// The loud warning for a journal that does not verify.
    fn integrity_warning(&self, detail: &str) -> String;
    /// The warning when the runbook file is not as the run used it.
    fn runbook_warning(&self, note: &str) -> String;
    /// The runbook's file changed since the run (sha is the new hash, shortened).
    fn runbook_changed(&self, path: &str, sha: &str) -> String;
    /// The runbook's file is gone or no longer valid.
    fn runbook_unreadable(&self, path: &str) -> String;
    /// No `run_started` record opens the journal.
    fn no_run_started(&self) -> String;

    /// The integrity section's lines (markup): the verdict of `shisa verify`, a torn
    /// tail, lines left out, and how to compare the head.
    fn verify_line(&self, m: &dyn Markup, passed: bool, detail: &str) -> String;
    fn torn_line(&self, bytes: usize) -> String;
    /// Lines `first` to `last` are left out (past the break, or the altered one and on).
    fn untrusted_line(&self, first: usize, last: usize) -> String;
    fn compare_head(&self, m: &dyn Markup, heads: &HeadsToCompare) -> String;

    /// A step's state as the chart names it (the JSON keeps the stable key).
    fn bar_status(&self, s: BarStatus) -> &'static str;

    /// A step's lane tooltip: its id, its state and its kind as the timeline says it
    /// (a changing action too).
    fn step_lane(&self, id: &str, status: BarStatus, kind: &str, mutating: bool) -> String;
    /// A run's lane tooltip in a merged chart: its id, its state and its verdict.
    fn run_lane(&self, id: &str, status: BarStatus, verdict: &str) -> String;

    /// A bar's tooltip after the step's title: its state, how long it took, when it began
    /// (a bar without an end says so instead of a duration).
    fn bar_tip(&self, status: BarStatus, took: &str, from: &str) -> String;

    /// A target check's result: `confirmed`, `mismatch` (misses so far), `denied` (rule,
    /// pattern).
    fn target_confirmed(&self) -> String;
    /// Not typed again: the same target was confirmed at `from` (a step's title) earlier.
    fn target_reused(&self, from: &str) -> String;
    fn target_mismatch(&self, misses: u32) -> String;
    fn target_denied(&self, rule: &str, pattern: &str) -> String;
    /// Blind: the person named the intended target first, and it matched.
    fn target_confirmed_blind(&self) -> String;
    /// Blind: what was intended beside what the system resolved, after `miss` (the
    /// ordinary mismatch words).
    fn target_mismatch_blind(&self, intended: &str, resolved: &str, miss: &str) -> String;
    /// The blast radius counted, against its limit.
    fn target_impact(&self, count: u64, unit: Option<&str>, at_most: u64) -> String;

    /// An approval's result; `reason` is the reviewer's or shisa's words for a refusal.
    fn approval_result(&self, self_approved: bool, refused: Option<&str>) -> String;

    /// What an override set aside; the in-doubt kind has no journal name of its own.
    fn override_what(&self, kind: Option<OverrideKind>, step: Option<&str>) -> String;
    /// A waiver: the guard the runbook waives for a step.
    fn waiver_what(&self, guard: &str, step: &str) -> String;
    /// A note written when marking a manual step done.
    fn note_on_done(&self, note: &str) -> String;

    /// A failure's status (exit code, signal, time-out, attempt), None when nothing to say.
    fn failure_status(
        &self,
        exit: Option<i32>,
        signal: Option<i32>,
        timed_out: bool,
        attempt: u32,
    ) -> Option<String>;
    /// A failure's heading after its time: the step, and which of its commands failed
    /// (`verify 2`, `rollback 1`) when one did.
    fn failure_heading(&self, step: &str, p: Option<crate::journal::record::Purpose>) -> String;
    /// A failure's lines (markup): what ran, its status, why, and the output log.
    fn failure_command(&self, m: &dyn Markup, command: &str) -> String;
    fn failure_state(&self, status: &str) -> String;
    fn failure_reason(&self, m: &dyn Markup, reason: &str) -> String;
    fn failure_last_lines(&self, m: &dyn Markup, n: usize, log: &str) -> String;
    fn failure_log_problem(&self, m: &dyn Markup, log: &str, problem: &str) -> String;
    /// Why no output lines can be shown.
    fn log_none(&self) -> String;
    fn log_empty(&self) -> String;
    fn log_outside(&self, log: &str) -> String;

    /// A rollback's line (markup): when, by whom, the steps in order, and how it ended.
    fn rollback_line(&self, m: &dyn Markup, r: &RollbackLine) -> String;
    fn rollback_without(&self, m: &dyn Markup, steps: &[String]) -> String;
    /// Before a rollback command's text: when, and the step it undoes (plain text).
    fn rollback_command_lead(&self, at: &str, step: &str) -> String;
    /// A rollback command's result after its text: `→ exit 0`, `— FAILED: …`.
    fn rollback_command_result(&self, ok: bool, exit: Option<i32>, failure: Option<&str>)
    -> String;

    /// The stderr line after writing an export to a file.
    fn wrote(&self, format: &str, runs: &[&str], path: &str) -> String;
}

/// Where copies of a run's chain head may be kept, to compare it with: printed at the
/// run's end (a finished or halted run printed one; a cut-off or live run did not), and
/// kept by a watcher (only a run that had one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadCopies {
    pub printed: bool,
    pub watched: bool,
}

/// The runs whose chain head the integrity section offers to compare (a damaged run has no
/// head to compare), grouped by the copies each has (`HeadCopies`, decided per run: one
/// run's watcher kept no other run's head), the groups in order of their first run.
/// A group's `runs` are labels (markup, `#2`), empty for a single run's export, or when
/// every run of a merged one has a head and all are in one group (`every`).
pub struct HeadsToCompare {
    pub every: bool,
    pub groups: Vec<HeadGroup>,
}

pub struct HeadGroup {
    pub runs: Vec<String>,
    pub copies: HeadCopies,
}

/// What a rollback line says; times are already formatted, names plain text.
pub struct RollbackLine<'a> {
    pub at: &'a str,
    pub by: &'a str,
    /// Step titles in the order undone; empty when nothing was undone.
    pub plan: &'a [String],
    /// Step titles of the changes left in place on purpose: with any, a finished rollback
    /// undid its plan, not every change.
    pub kept: &'a [String],
    /// `Some(true)` every change undone at `finished`, `Some(false)` incomplete, None while
    /// running or cut off.
    pub ok: Option<bool>,
    pub finished: &'a str,
}

#[cfg(test)]
mod tests;
