//! How a step ended, and how a run ended.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Ok,
    Failed,
    Skipped,
    RolledBack,
    /// The step failed and the operator went on past it (`on_failure: continue`).
    Continued,
    /// A failed precheck the operator overrode with a reason.
    Overridden,
    /// An in-doubt step the operator declared done, with no check left to prove it.
    Unproven,
}

impl StepStatus {
    /// The step ended and the run went on as if it had passed: what it did is in effect.
    pub fn went_on(self) -> bool {
        matches!(
            self,
            StepStatus::Ok | StepStatus::Continued | StepStatus::Overridden | StepStatus::Unproven
        )
    }

    /// The run went on past this step without its checks passing: an exception the
    /// outcome must carry.
    pub fn is_exception(self) -> bool {
        matches!(
            self,
            StepStatus::Continued | StepStatus::Overridden | StepStatus::Unproven
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every step ended and passed its own checks.
    Completed,
    /// Every step ended, but the run went past a failed check, an overridden precheck or
    /// an in-doubt change accepted without proof: the change is in place, not proven.
    CompletedWithExceptions,
    Failed,
    RolledBack,
    Aborted,
    /// Refused by a gate (window, denied target, missing snapshot) before changing anything.
    Refused,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::CompletedWithExceptions => "completed with exceptions",
            Outcome::Failed => "failed",
            Outcome::RolledBack => "rolled back",
            Outcome::Aborted => "aborted",
            Outcome::Refused => "refused",
        }
    }
}
