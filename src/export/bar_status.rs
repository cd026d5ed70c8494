//! A step's state as the chart draws it and the JSON names it: its own small module, so the
//! model and each language's words can both name it.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BarStatus {
    Ok,
    Failed,
    RolledBack,
    Skipped,
    /// Failed, and the operator went on past it.
    Continued,
    /// A failed precheck, overridden.
    Overridden,
    /// In doubt, declared done with nothing left to prove it.
    Unproven,
    /// Started and not finished while the run is live.
    Running,
    /// Started and not finished when the journal stops (crash, halt): in doubt.
    InDoubt,
    /// A safety gate refused it before its command ran (a denied target, a blast radius
    /// over its limit); on a merged chart's run lane, the run ended refused. New within the
    /// JSON's version 2, documented in `assets/export.schema.json` (before, `failed`).
    Refused,
    /// A merged chart's run lane only (never a step, so never in the JSON): the run was
    /// halted and can be resumed, not cut off.
    Halted,
    /// Started and never finished in a run that ended (aborted or refused at a prompt).
    Stopped,
    /// Started, its end past a break in the journal: what became of it is not trusted, and
    /// its bar ends at the last intact record. New within the JSON's version 2, documented
    /// in `assets/export.schema.json` (before, `in_doubt`).
    Damaged,
    /// A merged chart's run lane only (never a step, so never in the JSON): someone
    /// aborted the run, which is not a failure of anything it ran.
    Aborted,
    NotStarted,
}

impl BarStatus {
    pub fn label(self) -> &'static str {
        match self {
            BarStatus::Ok => "ok",
            BarStatus::Failed => "failed",
            BarStatus::RolledBack => "rolled back",
            BarStatus::Skipped => "skipped",
            BarStatus::Continued => "failed, continued past",
            BarStatus::Overridden => "failed, overridden",
            BarStatus::Unproven => "accepted unproven",
            BarStatus::Running => "in progress",
            BarStatus::InDoubt => "in doubt (cut off)",
            BarStatus::Refused => "refused",
            BarStatus::Halted => "halted, resumable",
            BarStatus::Stopped => "stopped unfinished",
            BarStatus::Damaged => "damaged",
            BarStatus::Aborted => "aborted",
            BarStatus::NotStarted => "not reached",
        }
    }
}
