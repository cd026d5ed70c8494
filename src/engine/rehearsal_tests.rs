//! What counts as a rehearsal, and what the refusal says was nearest.

use chrono::{DateTime, Duration, Utc};

use super::{Candidate, Rehearsals, judge};
use crate::runbook::{Runbook, load_str};

fn rb() -> Runbook {
    let text = "version: 1\nname: E\nenvironments:\n  staging: {}\n  production: { needs_rehearsal: staging, within: 14d }\nsteps:\n  - id: look\n    kind: precheck\n    run: hostname\n";
    load_str("e.yaml", text).unwrap().runbook
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-02T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn run(
    id: &str,
    days_ago: i64,
    outcome: &str,
    same: bool,
    journal: Option<Result<&str, &str>>,
) -> Candidate {
    Candidate {
        run_id: id.into(),
        same_version: same,
        outcome: outcome.into(),
        ended: Some(now() - Duration::days(days_ago)),
        journal: journal.map(|j| j.map(str::to_string).map_err(str::to_string)),
    }
}

fn found(runs: Vec<Candidate>) -> Rehearsals {
    Rehearsals {
        looked_in: "/var/lib/shisa/runs".into(),
        rehearse: "shisa run --env {env} /rb/e.yaml".into(),
        runs,
    }
}

fn refusal(runs: Vec<Candidate>) -> String {
    let why = judge(
        &rb(),
        Some("production"),
        "ab".repeat(32).as_str(),
        Some(&found(runs)),
        now(),
    )
    .unwrap_err();
    crate::engine::messages::run_end(&why)
}

#[test]
fn no_environment_or_one_without_needs_takes_no_evidence() {
    assert_eq!(judge(&rb(), None, "x", None, now()), Ok(None));
    assert_eq!(judge(&rb(), Some("staging"), "x", None, now()), Ok(None));
    let e =
        crate::engine::messages::run_end(&judge(&rb(), Some("qa"), "x", None, now()).unwrap_err());
    assert!(e.contains("names no environment `qa`"), "{e}");
}

#[test]
fn the_newest_completed_verified_run_of_this_version_within_the_period_is_the_evidence() {
    let runs = vec![
        run("r5", 0, "aborted", true, None),
        run("r4", 1, "completed", false, None),
        run(
            "r3",
            2,
            "completed",
            true,
            Some(Err("broken at line 4: chain")),
        ),
        run("r2", 3, "completed", true, Some(Ok("head2"))),
        run("r1", 4, "completed", true, None),
    ];
    let got = judge(&rb(), Some("production"), "x", Some(&found(runs)), now())
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            got.run_id.as_str(),
            got.env.as_str(),
            got.chain_head.as_str()
        ),
        ("r2", "staging", "head2")
    );
    assert_eq!(got.finished, "2026-11-29T08:00:00.000+00:00");
}

#[test]
fn each_refusal_names_what_was_looked_for_and_how_to_produce_it() {
    let e = refusal(Vec::new());
    for words in [
        "`production` needs a rehearsal in `staging`",
        "a completed run of this runbook (SHA-256 abababababababab) with --env staging",
        "finished within 14d (since 2026-11-18 08:00 UTC)",
        "in /var/lib/shisa/runs",
        "found no staging run of this runbook",
        "Rehearse it first: shisa run --env staging /rb/e.yaml",
    ] {
        assert!(e.contains(words), "{words:?} not in {e}");
    }
}

#[test]
fn the_nearest_miss_is_named() {
    let old = refusal(vec![run("r1", 16, "completed", true, Some(Ok("h")))]);
    assert!(
        old.contains("found a staging run of this version that completed 16 days ago, longer ago than 14d (r1)"),
        "{old}"
    );
    let aborted = refusal(vec![
        run("r2", 1, "completed", false, None),
        run("r1", 2, "aborted", true, None),
    ]);
    assert!(
        aborted.contains("found a staging run of this version that ended aborted 2 days ago (r1)"),
        "{aborted}"
    );
    let exceptions = refusal(vec![run("r1", 1, "completed with exceptions", true, None)]);
    assert!(
        exceptions.contains("that ended completed with exceptions"),
        "{exceptions}"
    );
    let other = refusal(vec![run("r1", 1, "completed", false, None)]);
    assert!(
        other.contains(
            "found a staging run of a different version of the runbook 24 hours ago (r1)"
        ),
        "{other}"
    );
    let broken = refusal(vec![
        run(
            "r2",
            1,
            "completed",
            true,
            Some(Err("broken at line 3: prev does not match")),
        ),
        run("r1", 20, "completed", true, Some(Ok("h"))),
    ]);
    assert!(
        broken
            .contains("whose journal does not verify (r2: broken at line 3: prev does not match)"),
        "{broken}"
    );
}

#[test]
fn a_run_exactly_at_the_edge_of_the_period_counts_and_one_past_it_does_not() {
    let mut edge = run("r1", 14, "completed", true, Some(Ok("h")));
    assert!(
        judge(
            &rb(),
            Some("production"),
            "x",
            Some(&found(vec![edge.clone()])),
            now()
        )
        .is_ok()
    );
    edge.ended = edge.ended.map(|t| t - Duration::seconds(1));
    assert!(
        judge(
            &rb(),
            Some("production"),
            "x",
            Some(&found(vec![edge])),
            now()
        )
        .is_err()
    );
}

#[test]
fn a_run_finished_after_now_is_no_evidence_beyond_a_minute_of_slack() {
    let judged = |ahead: Duration| {
        let mut r = run("r1", 0, "completed", true, Some(Ok("h")));
        r.ended = Some(now() + ahead);
        judge(&rb(), Some("production"), "x", Some(&found(vec![r])), now())
    };
    assert!(judged(Duration::seconds(30)).is_ok());
    let e = crate::engine::messages::run_end(&judged(Duration::days(400)).unwrap_err());
    assert!(
        e.contains("completed after this run's clock (r1, at 2028-01-06 08:00 UTC)"),
        "{e}"
    );
}
