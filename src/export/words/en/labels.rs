//! English: the document's fixed words and headings, and the chart's words for a step's
//! state and its tooltips.

use super::super::Label;
use crate::export::bar_status::BarStatus;

pub fn label(l: Label) -> &'static str {
    use Label::*;
    match l {
        Summary => "Summary",
        Runs => "Runs",
        Timeline => "Timeline",
        Snapshots => "Snapshots taken",
        Targets => "Targets confirmed",
        Approvals => "Approvals",
        Failures => "Failures",
        Rollbacks => "Rollbacks",
        Overrides => "Overrides and waivers",
        Notes => "Notes",
        Integrity => "Integrity",
        Runbook => "Runbook",
        RunId => "Run id",
        Run => "Run",
        Operator => "Operator",
        Reviewers => "Reviewers",
        Watchers => "Watchers",
        Host => "Host",
        Start => "Start",
        End => "End",
        Duration => "Duration",
        Outcome => "Outcome",
        Parameters => "Parameters",
        ChainHead => "Journal chain head",
        LastIntactHead => "Last intact record's hash",
        LeftInPlace => "Left in place, not rolled back",
        Clock => "Clock",
        Environment => "Environment",
        RehearsalRun => "Rehearsal run",
        RehearsalFinished => "Rehearsal completed",
        RehearsalChainHead => "Rehearsal journal chain head (verified)",
        Time => "Time",
        Actor => "Actor",
        Event => "Event",
        Step => "Step",
        Captured => "Captured",
        OutputLog => "Output log",
        Resolved => "Resolved",
        Typed => "Typed",
        By => "By",
        Result => "Result",
        Reviewer => "Reviewer",
        Kind => "Kind",
        What => "What",
        Reason => "Reason",
        From => "From",
        Note => "Note",
        Records => "Records",
        Verify => "Journal",
        Warning => "Warning:",
        Nobody => "none",
        NoneYet => "None.",
        TheRunbook => "the runbook",
        FromTheRunbook => "(the runbook)",
        ChartRunLaneTip => {
            "the run's own events: approvals, failures, rollbacks, overrides, its end"
        }
        ChartRunLane => "Run",
        ChartNotReached => "not reached",
        ChartJournalEnds => "journal ends",
        ChartJournalBreaks => "journal breaks",
        ChartDamaged => "damaged: later records left out",
        LegendDamaged => "damaged",
        LegendAborted => "aborted",
        ChartNow => "now",
        ChartInDoubt => "in doubt: no end recorded",
        ChartRunning => "running",
        LegendOk => "ok",
        LegendFailed => "failed / refused",
        LegendRolledBack => "rolled back",
        LegendRollbackRunning => "rollback running",
        LegendOpen => "in progress / halted / cut off",
        LegendApproval => "approval",
        LegendFailure => "failure / refusal",
        LegendRollback => "rollback",
        LegendOverride => "override",
        LegendFinished => "run finished",
    }
}

pub fn bar_status(s: BarStatus) -> &'static str {
    s.label()
}

/// A bar's state said once, then its time: a step cut off or past the damage has no end,
/// so it says when it started and how far the record goes (issue 17, third cold read).
pub fn bar_tip(status: BarStatus, took: &str, from: &str) -> String {
    let word = bar_status(status);
    match status {
        BarStatus::InDoubt => format!("{word}: started {from}, no end recorded"),
        BarStatus::Damaged => {
            format!("{word}: started {from}, {took} until the last intact record")
        }
        BarStatus::Running => format!("{word}: started {from}"),
        _ => format!("{word}, {took} from {from}"),
    }
}

/// The kind as the timeline says it (`action, changes something`).
pub fn step_lane(id: &str, status: BarStatus, kind: &str, mutating: bool) -> String {
    let changes = if mutating { ", changes something" } else { "" };
    format!("{id} — {} ({kind}{changes})", bar_status(status))
}

/// The verdict alone, as in Japanese: it names the state already (`aborted (exit 3): …`),
/// and beside the state word it said it twice, one bracket inside another.
pub fn run_lane(id: &str, _status: BarStatus, verdict: &str) -> String {
    format!("{id} — {verdict}")
}
