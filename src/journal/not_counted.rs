//! Why a reviewer's approval did not count (`approval_refused.why`), as data beside the
//! engine's English sentence, so every phrasebook says it (absent in old journals).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "refused", rename_all = "snake_case")]
pub enum NotCounted {
    /// The approval names another step than the one waiting.
    WrongStep {
        named: String,
        waiting: String,
    },
    /// It is for another command than the one waiting.
    OtherCommand,
    /// The journal moved on since the reviewer looked.
    Stale,
    /// The operator's own account, and the runbook does not allow self-approval.
    Operator {
        user: String,
    },
    /// The operator under another account (the same login uid, or sudo).
    SameLogin {
        person: String,
    },
    NotInGroup {
        person: String,
        group: String,
    },
    /// The reviewer named a blind target wrong as often as the operator may.
    BlindTriesSpent {
        max: u32,
    },
    /// One person counts once.
    AlreadyApproved {
        person: String,
        have: u32,
        needed: u32,
    },
}
