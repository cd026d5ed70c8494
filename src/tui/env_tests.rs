//! The header of a run in an environment: the environment before the runbook's name, and
//! where there is room the rehearsal it started on. Same harness as `tests.rs`.

use std::sync::Arc;

use chrono::Duration;

use super::tests::{RUN_ID, Sim, operator, sizes, snap};
use crate::engine::rehearsal::{Candidate, Rehearsals};
use crate::engine::{Engine, Event, StartInfo};
use crate::journal::record::RunbookRef;
use crate::runbook::{load_str, params};

const ENVS: &str = r#"
version: 1
name: Quarantine compromised accounts
environments:
  staging: {}
  production: { needs_rehearsal: staging, within: 14d }
steps:
  - id: look
    kind: precheck
    title: Who am I
    run: aws sts get-caller-identity
"#;

fn started(w: u16, h: u16) -> Sim {
    let loaded = load_str("q.yaml", ENVS).unwrap();
    let params = params::resolve(&loaded.runbook, &[], |_| None).unwrap();
    let e = Engine::new(Arc::new(loaded.runbook), operator(), params);
    let mut sim = Sim::with_engine(e, w, h, false);
    let sha = "7e72fcead0b8".repeat(5);
    sim.feed(Event::Start(StartInfo {
        run_id: RUN_ID.into(),
        runbook: RunbookRef {
            path: "/work/runbooks/q.yaml".into(),
            sha256: sha,
            name: sim.e().runbook().name.clone(),
        },
        mode: "tui".into(),
        tool_version: "0.1.0".into(),
        clock_faked: None,
        outside_window: None,
        env: Some("production".into()),
        rehearsals: Some(Rehearsals {
            looked_in: "/var/lib/shisa/runs".into(),
            rehearse: "shisa run --env {env} q.yaml".into(),
            runs: vec![Candidate {
                run_id: "20231201T090000Z-77aa".into(),
                same_version: true,
                outcome: "completed".into(),
                ended: Some(sim.at() - Duration::days(4)),
                journal: Some(Ok("cd".repeat(32))),
            }],
        }),
    }));
    sim
}

#[test]
fn the_header_names_the_environment_and_the_rehearsal() {
    for (w, h) in sizes() {
        let mut sim = started(w, h);
        let screen = sim.screen();
        let top = screen.lines().next().unwrap_or_default().to_string();
        assert!(top.contains("shisa │ production │ Quarantine"), "{top}");
        if w >= 100 {
            assert!(
                top.contains("rehearsed: staging run 20231201T090000Z-77aa"),
                "{top}"
            );
        }
        snap!("env_production", sim);
    }
}
