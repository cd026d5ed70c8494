//! The refusal of a run whose environment needs a rehearsal none was found for, in the
//! engine's English, from the journaled data (`journal::stops::NoRehearsal`).

use chrono::{DateTime, Utc};

use crate::journal::record::{Nearest, NoRehearsal};
use crate::journal::stops::{utc, utc_minute};
use crate::runbook::duration::format_period;

/// What was looked for, what was found nearest, and how to produce the evidence.
pub fn refused_no_rehearsal(n: &NoRehearsal) -> String {
    let needs = &n.needs;
    let within = format_period(std::time::Duration::from_secs(n.within_s));
    let (since, now) = n.period();
    let ago = |ended: &Option<String>| match (now, ended.as_deref().and_then(utc)) {
        (Some(now), Some(t)) => format!(" {}", ago(now, t)),
        _ => String::new(),
    };
    let found = match &n.nearest {
        Nearest::Nothing => format!("no {needs} run of this runbook"),
        Nearest::TooOld { run_id, ended } => format!(
            "a {needs} run of this version that completed{}, longer ago than {within} ({run_id})",
            ago(ended)
        ),
        Nearest::Ahead { run_id, ended } => format!(
            "a {needs} run of this version that completed after this run's clock ({run_id}, at {}): a clock was wrong then or is now, so it proves no period",
            utc_minute(ended.as_deref())
        ),
        Nearest::Broken { run_id, why } => format!(
            "a completed {needs} run of this version whose journal does not verify ({run_id}: {why})"
        ),
        Nearest::NotCompleted {
            run_id,
            outcome,
            ended,
        } => {
            let how = match outcome.as_str() {
                "live" => "is still running".to_string(),
                o if o.starts_with("stopped") => {
                    format!("stopped before finishing (resumable){}", ago(ended))
                }
                o => format!("ended {o}{}", ago(ended)),
            };
            format!("a {needs} run of this version that {how} ({run_id})")
        }
        Nearest::OtherVersion { run_id, ended } => format!(
            "a {needs} run of a different version of the runbook{} ({run_id}), which is no evidence for this text",
            ago(ended)
        ),
    };
    format!(
        "`{}` needs a rehearsal in `{needs}`: a completed run of this runbook (SHA-256 {}) with --env {needs}, finished within {within} (since {} UTC), in {}; found {found}. Rehearse it first: {}",
        n.env,
        &n.sha256[..16.min(n.sha256.len())],
        since.map_or_else(
            || n.since.clone(),
            |s| s.format("%Y-%m-%d %H:%M").to_string()
        ),
        n.looked_in,
        n.rehearse,
    )
}

/// `16 days ago`, `5 hours ago`, `12 minutes ago`.
fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let m = now.signed_duration_since(then).num_minutes().max(0);
    match m {
        m if m >= 2 * 24 * 60 => format!("{} days ago", m / (24 * 60)),
        m if m >= 120 => format!("{} hours ago", m / 60),
        0 => "less than a minute ago".into(),
        1 => "1 minute ago".into(),
        m => format!("{m} minutes ago"),
    }
}
