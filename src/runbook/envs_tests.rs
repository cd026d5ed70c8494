//! `environments:`: each mistake refused with its place and hint; a good one loads.

use std::time::Duration;

use super::flow_tests::{pos_of, refused};
use super::model::Rehearsal;

fn with(envs: &str) -> String {
    format!(
        "version: 1\nname: Envs\nenvironments:\n{envs}steps:\n  - id: look\n    kind: precheck\n    run: hostname\n"
    )
}

#[test]
fn environments_load_with_their_rehearsal() {
    let text = with(
        "  dev:\n  staging: {}\n  production: { needs_rehearsal: staging, within: 14d }\n  dr: { needs_rehearsal: production, within: 36h }\n",
    );
    let l = match super::load_str("envs.yaml", &text) {
        Ok(l) => l,
        Err(r) => panic!("{:#?}", r.diags),
    };
    let rb = &l.runbook;
    let names: Vec<&str> = rb.environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["dev", "staging", "production", "dr"]);
    assert_eq!(rb.environment("staging").unwrap().rehearsal, None);
    assert_eq!(
        rb.environment("production").unwrap().rehearsal,
        Some(Rehearsal {
            env: "staging".into(),
            within: Duration::from_secs(14 * 86_400)
        })
    );
    assert_eq!(
        rb.environment("dr")
            .unwrap()
            .rehearsal
            .as_ref()
            .unwrap()
            .within,
        Duration::from_secs(36 * 3600)
    );
    assert!(super::load_str("none.yaml", &with("")).is_err());
}

#[test]
fn needs_rehearsal_names_a_declared_environment() {
    let text = with("  staging: {}\n  production: { needs_rehearsal: stagign, within: 14d }\n");
    refused(
        &text,
        "environment `production` needs a rehearsal in `stagign`, which `environments` does not name",
        pos_of(&text, "stagign", 0),
        "did you mean `staging`?",
    );
    let text = with("  production: { needs_rehearsal: qa, within: 14d }\n");
    refused(
        &text,
        "which `environments` does not name",
        pos_of(&text, "qa", 0),
        "add `qa: {}` to `environments`",
    );
}

#[test]
fn an_environment_cannot_rehearse_in_itself_or_in_a_circle() {
    let text = with("  production: { needs_rehearsal: production, within: 14d }\n");
    refused(
        &text,
        "environment `production` needs a rehearsal in itself",
        pos_of(&text, "production,", 0),
        "a run is no rehearsal for itself",
    );
    let text = with(
        "  staging: { needs_rehearsal: qa, within: 7d }\n  qa: { needs_rehearsal: production, within: 7d }\n  production: { needs_rehearsal: staging, within: 14d }\n",
    );
    refused(
        &text,
        "the rehearsals go round in a circle: staging → qa → production → staging",
        pos_of(&text, "qa,", 0),
        "the first environment in the chain needs no rehearsal",
    );
    let diags = super::load_str("c.yaml", &text).unwrap_err().diags;
    assert_eq!(
        diags
            .iter()
            .filter(|d| d.message.contains("circle"))
            .count(),
        1,
        "one circle, one error: {diags:#?}"
    );
}

#[test]
fn within_is_a_period_and_goes_with_needs_rehearsal() {
    let text = with("  staging: {}\n  production: { needs_rehearsal: staging, within: 2w }\n");
    refused(
        &text,
        "`within`: unknown unit `w` in `2w`",
        pos_of(&text, "2w", 0),
        "a period looks like `14d`",
    );
    let text = with("  staging: {}\n  production: { needs_rehearsal: staging, within: 400d }\n");
    refused(
        &text,
        "longer than 366 days",
        pos_of(&text, "400d", 0),
        "a period looks like",
    );
    let text = with("  staging: {}\n  production: { needs_rehearsal: staging }\n");
    refused(
        &text,
        "environment `production` needs a rehearsal but says not how recent",
        pos_of(&text, "{ needs", 0),
        "add `within: 14d`",
    );
    let text = with("  staging: { within: 3d }\n");
    refused(
        &text,
        "`within` in environment `staging` has no `needs_rehearsal`",
        pos_of(&text, "3d", 0),
        "needs_rehearsal: staging",
    );
}

#[test]
fn names_and_keys_are_checked() {
    let text = with("  Prod EU: {}\n");
    refused(
        &text,
        "`Prod EU` cannot be an environment name",
        pos_of(&text, "Prod EU", 0),
        "lower-case letters",
    );
    let text = with("  staging: {}\n  production: { needs_rehersal: staging, within: 1d }\n");
    refused(
        &text,
        "unknown key `needs_rehersal` in environment `production`",
        pos_of(&text, "needs_rehersal", 0),
        "did you mean `needs_rehearsal`?",
    );
    let text = with("  - staging\n");
    refused(
        &text,
        "`environments` must be a mapping",
        pos_of(&text, "- staging", 0),
        "",
    );
}
