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

pub fn bar_tip(status: &str, took: &str, from: &str) -> String {
    format!("{status}, {took} from {from}")
}

pub fn step_lane(id: &str, status: BarStatus, kind: &str) -> String {
    format!("{id} — {} ({kind})", bar_status(status))
}

/// The verdict alone, as in Japanese: it names the state already (`aborted (exit 3): …`),
/// and beside the state word it said it twice, one bracket inside another.
pub fn run_lane(id: &str, _status: BarStatus, verdict: &str) -> String {
    format!("{id} — {verdict}")
}
