//! An `environments:` entry of the model: where a runbook may run, and the rehearsal an
//! environment needs first (read by `build_envs.rs`, judged by `engine::rehearsal`).

use std::time::Duration;

use super::diag::Pos;

/// An `environments:` entry: a name `run --env` takes, and the rehearsal it needs first.
#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub pos: Pos,
    pub rehearsal: Option<Rehearsal>,
}

impl Environment {
    /// `production (needs a completed staging run within 14d)`, as `check` and `plan` say it.
    pub fn describe(&self) -> String {
        match &self.rehearsal {
            None => self.name.clone(),
            Some(r) => format!(
                "{} (needs a completed {} run within {})",
                self.name,
                r.env,
                super::duration::format_period(r.within)
            ),
        }
    }
}

/// `needs_rehearsal: staging, within: 14d`: a run in this environment starts only on the
/// evidence of a completed run of the same runbook in `env`, finished within `within`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rehearsal {
    pub env: String,
    pub within: Duration,
}
