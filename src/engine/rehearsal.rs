//! Rehearsal evidence (incident 002's remedy: test in a verification
//! environment, approve on its evidence). A run in an environment with `needs_rehearsal`
//! starts only on a *completed* run of the same runbook (same SHA-256) in the rehearsal
//! environment, finished within the period, whose journal verifies. The front of `run`
//! reads the journal directory and checks journals (I/O); what counts, and what the
//! refusal says was nearest, is decided here, at the engine's clock.
//!
//! `completed_with_exceptions` is no rehearsal: a check continued past, a precheck
//! overridden or a change accepted unproven is exactly what a rehearsal is there to catch.

use chrono::{DateTime, Utc};

use crate::journal::record::{Nearest, NoRehearsal, Rehearsed, RunEnd};
use crate::runbook::Runbook;

/// What the journal directory holds that could be this run's rehearsal.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rehearsals {
    /// The journal directory that was searched, as the refusal names it.
    pub looked_in: String,
    /// The command that would produce the evidence, with `{env}` where the rehearsal
    /// environment's name goes.
    pub rehearse: String,
    /// Runs of this runbook (this version or another) in the rehearsal environment.
    pub runs: Vec<Candidate>,
}

/// One run in the rehearsal environment, as the journal directory says.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub run_id: String,
    /// Its runbook has the SHA-256 this run's has.
    pub same_version: bool,
    /// `completed`, `aborted`, `completed with exceptions`, `live`, `stopped (resumable)` …
    pub outcome: String,
    /// When it finished, or last acted.
    pub ended: Option<DateTime<Utc>>,
    /// For a completed run of this version: its journal checked, with the chain head, or
    /// why it does not verify. `None`: not checked (not needed).
    pub journal: Option<Result<String, String>>,
}

impl Candidate {
    fn completed(&self) -> bool {
        self.outcome == "completed"
    }

    fn ended(&self) -> Option<String> {
        self.ended.map(rfc3339)
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `Ok(None)`: no rehearsal needed. `Ok(Some)`: the evidence. `Err`: why the run is
/// refused, as journaled.
pub fn judge(
    rb: &Runbook,
    env: Option<&str>,
    sha256: &str,
    found: Option<&Rehearsals>,
    now: DateTime<Utc>,
) -> Result<Option<Rehearsed>, RunEnd> {
    let Some(name) = env else {
        return Ok(None);
    };
    let Some(e) = rb.environment(name) else {
        return Err(RunEnd::NoSuchEnvironment { name: name.into() });
    };
    let Some(needs) = &e.rehearsal else {
        return Ok(None);
    };
    let empty = Rehearsals::default();
    let found = found.unwrap_or(&empty);
    // Within the period, and not after now: a finish stamped later than this run's clock
    // came from a clock that was wrong then or is wrong now, and proves no period.
    let fresh = |c: &Candidate| {
        c.ended.is_some_and(|t| {
            !stamped_ahead(t, now)
                && now.signed_duration_since(t).to_std().unwrap_or_default() <= needs.within
        })
    };
    // Candidates come newest first; the newest that qualifies and verifies is the evidence.
    let evidence = found.runs.iter().find_map(|c| match &c.journal {
        Some(Ok(head)) if c.same_version && c.completed() && fresh(c) => Some((c, head)),
        _ => None,
    });
    if let Some((c, head)) = evidence {
        return Ok(Some(Rehearsed {
            run_id: c.run_id.clone(),
            env: needs.env.clone(),
            chain_head: head.clone(),
            finished: c
                .ended
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false))
                .unwrap_or_default(),
        }));
    }
    let since = now - chrono::Duration::from_std(needs.within).unwrap_or_default();
    Err(RunEnd::NoRehearsal(Box::new(NoRehearsal {
        env: name.into(),
        needs: needs.env.clone(),
        within_s: needs.within.as_secs(),
        sha256: sha256.into(),
        since: rfc3339(since),
        looked_in: found.looked_in.clone(),
        rehearse: found.rehearse.replace("{env}", &needs.env),
        nearest: nearest(&found.runs, &fresh, now),
    })))
}

/// How far a rehearsal's finish may lie after this run's clock: the same host's clock read
/// twice, or two hosts sharing a journal directory a little apart; no more.
const CLOCK_SLACK: chrono::Duration = chrono::Duration::minutes(1);

fn stamped_ahead(ended: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    ended > now + CLOCK_SLACK
}

fn nearest(runs: &[Candidate], fresh: &dyn Fn(&Candidate) -> bool, now: DateTime<Utc>) -> Nearest {
    let mine = || runs.iter().filter(|c| c.same_version);
    if let Some(c) =
        mine().find(|c| c.completed() && c.ended.is_some_and(|t| stamped_ahead(t, now)))
    {
        return Nearest::Ahead {
            run_id: c.run_id.clone(),
            ended: c.ended(),
        };
    }
    let broken = |c: &Candidate, why: &str| Nearest::Broken {
        run_id: c.run_id.clone(),
        why: why.into(),
    };
    if let Some(c) = mine().find(|c| c.completed() && fresh(c))
        && let Some(Err(why)) = &c.journal
    {
        return broken(c, why);
    }
    if let Some(c) = mine().find(|c| c.completed()) {
        return match &c.journal {
            Some(Err(why)) => broken(c, why),
            _ => Nearest::TooOld {
                run_id: c.run_id.clone(),
                ended: c.ended(),
            },
        };
    }
    if let Some(c) = mine().next() {
        return Nearest::NotCompleted {
            run_id: c.run_id.clone(),
            outcome: c.outcome.clone(),
            ended: c.ended(),
        };
    }
    match runs.first() {
        Some(c) => Nearest::OtherVersion {
            run_id: c.run_id.clone(),
            ended: c.ended(),
        },
        None => Nearest::Nothing,
    }
}

#[cfg(test)]
#[path = "rehearsal_tests.rs"]
mod tests;
