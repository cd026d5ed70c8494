//! What `run_started` names beside the run: its runbook, and the rehearsal it started on.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunbookRef {
    pub path: String,
    pub sha256: String,
    pub name: String,
}

/// The evidence a run in an environment with `needs_rehearsal` started on: a completed run
/// of the same runbook in the rehearsal environment, its journal verified up to this head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rehearsed {
    pub run_id: String,
    pub env: String,
    /// The SHA-256 of its journal's last line when it was checked (`shisa verify --head`).
    pub chain_head: String,
    /// When it finished (its `run_finished` record's time).
    pub finished: String,
}
