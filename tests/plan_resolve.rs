//! `shisa plan --resolve`: the targets' read-only `describe` commands run up front, and the
//! verdict `deny` / `must_match` will give is known before any precheck or snapshot.

mod common;

use common::{Scratch, runbook};

fn plan(s: &Scratch, rb: &str, params: &[&str]) -> (i32, String) {
    let mut c = s.shisa();
    c.arg("plan").arg(runbook(rb)).arg("--resolve");
    for p in params {
        c.arg("-p").arg(p);
    }
    let o = c.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code().unwrap_or(-1), text)
}

#[test]
fn the_production_ou_refusal_is_known_before_anything_runs() {
    let s = Scratch::new();
    let (code, text) = plan(
        &s,
        "quarantine-accounts.yaml",
        &["target_id=ou-7x2q-prod0001", "policy_id=p-denyall01"],
    );
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("REFUSED: resolves to `Production`, refused by must_match"),
        "{text}"
    );
    assert!(
        text.contains("the run would stop at this step, after the 5 before it"),
        "{text}"
    );
    assert!(text.contains("Nothing but the read-only describe and impact commands above has run."));
    // No run directory, no journal: a plan is not a run.
    assert!(!s.journals().exists() || std::fs::read_dir(s.journals()).unwrap().next().is_none());
}

#[test]
fn the_root_is_refused_by_deny_and_the_quarantine_ou_resolves() {
    let s = Scratch::new();
    let (code, text) = plan(&s, "demo.yaml", &["ou_id=r-7x2q"]);
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("REFUSED: resolves to `Root`, refused by deny '^Root$'"),
        "{text}"
    );
    let (code, text) = plan(&s, "demo.yaml", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("ok: resolves to `quarantine-2023-12`"),
        "{text}"
    );
}

#[test]
fn the_impact_is_counted_and_a_blind_target_is_not_shown() {
    let s = Scratch::new();
    let (code, text) = plan(
        &s,
        "quarantine-accounts.yaml",
        &["target_id=ou-7x2q-quar2312", "policy_id=p-denyall01"],
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("impact    $ orgctl count-accounts --under \"$target_id\""),
        "{text}"
    );
    assert!(
        text.contains("ok: this touches 2 accounts (at most 3)"),
        "{text}"
    );
    assert!(text.contains("· 456789012345 customer-0412"), "{text}");
    // Blind: judged, but the answer the operator must name is not printed beforehand.
    assert!(
        text.contains("ok: resolved, not shown (blind confirmation"),
        "{text}"
    );
    assert!(!text.contains("`quarantine-2023-12`"), "{text}");
    // The plan says which confirmation is in force, for the operator and the reviewer.
    assert!(
        text.contains(
            "blind: the operator names the intended target before the resolved one is shown"
        ),
        "{text}"
    );
    assert!(
        text.contains("connected with `shisa approve`, names the target blind"),
        "{text}"
    );
}

#[test]
fn a_narrowing_that_cuts_a_session_is_refused_by_its_impact() {
    let s = Scratch::new();
    let (code, text) = plan(&s, "narrow-db-admin.yaml", &["new_host=10.0.3.%"]);
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("REFUSED: this touches 1 sessions, more than the 0 allowed"),
        "{text}"
    );
    assert!(text.contains("· admin-console 10.0.8.20"), "{text}");
    let (code, text) = plan(&s, "narrow-db-admin.yaml", &["new_host=10.0.%"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("ok: this touches 0 sessions (at most 0)"),
        "{text}"
    );
}

#[test]
fn without_resolve_nothing_runs() {
    let s = Scratch::new();
    let o = s
        .shisa()
        .arg("plan")
        .arg(runbook("demo.yaml"))
        .args(["-p", "ou_id=r-7x2q"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0));
    assert!(!text.contains("Targets, resolved now"), "{text}");
    assert!(text.contains("Nothing has run."));
}
