//! `run --env NAME`: which environment, and, where it needs a rehearsal, the runs in the
//! journal directory that could be one (`engine::rehearsal` decides which counts).
//!
//! The listing is `shisa runs`'s (`run_history`: each journal read once, a few kinds of
//! line parsed). A completed run of this version is then checked as `shisa verify` checks
//! it (chain and output logs), and its facts are read again from the verified records, not
//! from the quick listing: newest first, until one verifies.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::run_history::{self, RunSummary};
use crate::engine::rehearsal::{Candidate, Rehearsals};
use crate::exit::{Error, Result};
use crate::journal::reader;
use crate::journal::record::{Body, Outcome};
use crate::runbook::diag::did_you_mean;
use crate::runbook::{Loaded, Runbook};

/// The environment a run is in: `--env` must name one of the runbook's, and a runbook that
/// names environments is never run without saying which (the difference between staging
/// and production is not a default). Exit 2 otherwise, before anything is created.
pub fn choose(rb: &Runbook, given: Option<&str>) -> Result<Option<String>> {
    let names: Vec<&str> = rb.environments.iter().map(|e| e.name.as_str()).collect();
    let list = || {
        rb.environments
            .iter()
            .map(|e| e.describe())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match given {
        None if names.is_empty() => Ok(None),
        None => Err(Error::Invalid(format!(
            "this runbook runs in one of its environments: give --env NAME, one of {}; nothing has run",
            list()
        ))),
        Some(name) if names.is_empty() => Err(Error::Invalid(format!(
            "--env {name}: this runbook names no environments (add `environments:` to it, or run it without --env); nothing has run"
        ))),
        Some(name) if names.contains(&name) => Ok(Some(name.to_string())),
        Some(name) => {
            let hint = did_you_mean(name, names.iter().copied())
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            Err(Error::Invalid(format!(
                "--env {name}: the runbook names no such environment; {hint}its environments: {}; nothing has run",
                list()
            )))
        }
    }
}

/// The runs that could be the rehearsal `env` needs, or `None` when it needs none.
pub fn gather(
    journal_dir: &Path,
    loaded: &Loaded,
    runbook_path: &Path,
    env: Option<&str>,
    rehearse: String,
) -> Result<Option<Rehearsals>> {
    let Some(needs) = env
        .and_then(|e| loaded.runbook.environment(e))
        .and_then(|e| e.rehearsal.as_ref())
    else {
        return Ok(None);
    };
    let all = run_history::Options {
        all: true,
        ..Default::default()
    };
    let path = runbook_path.display().to_string();
    let mut verified = false;
    let mut runs = Vec::new();
    // Newest first by when each started: run ids sort by the second only.
    let mut listed = run_history::list(journal_dir, &all)?;
    listed.sort_by_cached_key(|s| std::cmp::Reverse(DateTime::parse_from_rfc3339(&s.started).ok()));
    for s in listed {
        let this_runbook = s.runbook_sha256 == loaded.sha256
            || s.runbook_path == path
            || s.runbook == loaded.runbook.name;
        if s.env.as_deref() != Some(needs.env.as_str()) || !this_runbook {
            continue;
        }
        let mut c = Candidate {
            run_id: s.id.clone(),
            same_version: s.runbook_sha256 == loaded.sha256,
            outcome: s.outcome.clone(),
            ended: ended(&s),
            journal: None,
        };
        if c.same_version && c.outcome == "completed" && !verified {
            match check(Path::new(&s.dir), &needs.env, &loaded.sha256) {
                Ok((head, at)) => {
                    (c.journal, c.ended, verified) = (Some(Ok(head)), Some(at), true);
                }
                Err(why) => c.journal = Some(Err(why)),
            }
        }
        runs.push(c);
    }
    Ok(Some(Rehearsals {
        looked_in: journal_dir.display().to_string(),
        rehearse,
        runs,
    }))
}

/// When a listed run last acted: its start plus its span.
fn ended(s: &RunSummary) -> Option<DateTime<Utc>> {
    let start = DateTime::parse_from_rfc3339(&s.started).ok()?;
    Some(start.with_timezone(&Utc) + chrono::Duration::milliseconds(s.duration_ms as i64))
}

/// `shisa verify` on a run directory, then what its verified records say: it ran this
/// runbook in `env` and its last ending is `completed`. The chain head and when it finished.
fn check(
    dir: &Path,
    env: &str,
    sha256: &str,
) -> std::result::Result<(String, DateTime<Utc>), String> {
    let j = reader::read(dir).map_err(|e| e.to_string())?;
    reader::check_logs(dir, &j).map_err(|b| format!("broken at line {}: {}", b.line, b.reason))?;
    let Some(Body::RunStarted {
        runbook,
        env: e,
        run_id,
        ..
    }) = j.records.first().map(|r| &r.body)
    else {
        return Err("its journal does not begin with run_started".into());
    };
    // The evidence is cited by its directory's name: a copy under another name would cite
    // a run that never happened.
    let dir_name = dir.file_name().map(|n| n.to_string_lossy());
    if dir_name.as_deref() != Some(run_id.as_str()) {
        return Err(format!(
            "its journal is of run {run_id}, not its own: a copy of another run's directory"
        ));
    }
    // A run resumed with an edited runbook rehearsed the last edit (every step finished
    // before an edit is unchanged by it), not the text it started with.
    let rehearsed = j
        .records
        .iter()
        .rev()
        .find_map(|r| match &r.body {
            Body::RunbookChanged { to_sha256, .. } => Some(to_sha256),
            _ => None,
        })
        .unwrap_or(&runbook.sha256);
    if rehearsed != sha256 || e.as_deref() != Some(env) {
        return Err("its verified journal names another runbook or environment".into());
    }
    let finished = reader::ended_at(&j.records, j.records.len())
        .and_then(|n| j.records.get(n - 1))
        .filter(|r| {
            matches!(
                r.body,
                Body::RunFinished {
                    outcome: Outcome::Completed,
                    ..
                }
            )
        })
        .ok_or("its verified journal does not end completed")?;
    let at = DateTime::parse_from_rfc3339(&finished.ts)
        .map_err(|e| format!("its run_finished time does not read: {e}"))?;
    Ok((j.head().to_string(), at.with_timezone(&Utc)))
}

/// The command that produces the evidence: this runbook, `--env {env}` (filled in by the
/// engine), the same journal directory, and the parameters to give (their values for the
/// rehearsal environment, never this run's: a rehearsal must not touch production).
pub fn rehearse_command(
    loaded: &Loaded,
    runbook_path: &Path,
    journal_dir: Option<&Path>,
    headless: bool,
) -> String {
    let mut cmd = format!(
        "shisa run --env {{env}} {}",
        crate::runbook::show::quote(&runbook_path.display().to_string())
    );
    if let Some(d) = journal_dir {
        cmd.push_str(&format!(
            " --journal-dir {}",
            crate::runbook::show::quote(&d.display().to_string())
        ));
    }
    if headless {
        cmd.push_str(" --headless");
    }
    for p in &loaded.runbook.params {
        if p.default.is_none() && p.from_env.is_none() {
            cmd.push_str(&format!(" -p {}=…", p.name));
        }
    }
    cmd
}
