//! Blind target confirmation and the blast radius (`impact` / `at_most`), on the pure engine.

use super::tests::{Sim, operator, tuesday_10am};
use super::*;
use crate::journal::record::{Actor, Body, Outcome, Purpose, Role};

/// Incident 002 as a runbook that would let the root through: no `deny`, no `must_match`.
/// Only the blind confirmation stands between the operator and the root.
fn runbook(approval: &str, at_most: u64) -> String {
    format!(
        r#"version: 1
name: quarantine
params:
  ou: {{ pattern: '^(ou|r)-' }}
steps:
  - id: save
    kind: snapshot
    run: orgctl export
  - id: attach
    kind: action
    target:
      describe: orgctl describe --id "$ou"
      capture: 'Name:\s*(\S+)'
      confirm: blind
      impact:
        run: orgctl count-accounts --under "$ou"
        at_most: {at_most}
    approval: {approval}
    argv: [orgctl, attach, '{{{{ ou }}}}']
    verify:
      - run: orgctl policies --target "$ou"
    rollback:
      - argv: [orgctl, detach, '{{{{ ou }}}}']
"#
    )
}

/// The organization: `name` is what the id resolves to, `count` what the impact prints.
fn org(name: &'static str, count: &'static str) -> impl FnMut(&Spawn) -> (i32, String) {
    move |s| match s.purpose {
        Purpose::Describe => (0, format!("Id: x\nName: {name}\n")),
        Purpose::Impact => (0, count.into()),
        _ => (0, String::new()),
    }
}

fn reviewer() -> Actor {
    Actor {
        role: Role::Reviewer,
        user: "rev1".into(),
        uid: 1001,
        host: "bastion-1".into(),
    }
}

fn bodies<'a>(sim: &'a Sim, kind: &str) -> Vec<&'a Body> {
    sim.journal
        .iter()
        .filter(|e| e.body.kind() == kind)
        .map(|e| &e.body)
        .collect()
}

#[test]
fn the_intended_ou_against_a_resolved_root_is_three_misses_and_nothing_changes() {
    let mut sim =
        Sim::new(&runbook("none", 10), &[("ou", "r-7x2q")]).answers(org("Root", "4 accounts\n"));
    sim.start(tuesday_10am(), None);
    sim.run();
    // The phase a front end draws from does not hold the resolved target at all.
    assert_eq!(sim.e.phase(), Phase::Blind { step: 1, misses: 0 });
    assert!(!sim.e.reveals_target(1, Viewer::Operator));
    for n in 1..=3u32 {
        sim.send(Event::Typed("quarantine-2023-12".into()));
        if n < 3 {
            assert_eq!(sim.e.phase(), Phase::Blind { step: 1, misses: n });
        }
    }
    assert_eq!(sim.finished, Some(4), "refused for now (exit 4)");
    assert!(!sim.ran().contains(&"attach:main".to_string()));
    let misses = bodies(&sim, "target_mismatch");
    assert_eq!(misses.len(), 3);
    assert_eq!(
        misses[2],
        &Body::TargetMismatch {
            resolved: "Root".into(),
            typed: "quarantine-2023-12".into(),
            misses: 3,
            blind: true,
        }
    );
    // Only now, with the step refused, are the intent and the system's answer said.
    let Phase::Halted(why) = sim.e.phase() else {
        panic!("{:?}", sim.e.phase());
    };
    assert!(
        why.contains("the last named was `quarantine-2023-12`, the system resolved `Root`"),
        "{why}"
    );
    assert_eq!(
        bodies(&sim, "target_resolved"),
        [&Body::TargetResolved {
            resolved: "Root".into(),
            blind: true
        }]
    );
}

#[test]
fn naming_the_intended_target_confirms_it_and_only_then_reveals_it() {
    let mut sim = Sim::new(&runbook("none", 10), &[("ou", "ou-1")])
        .answers(org("quarantine-2023-12", "2 accounts\n"));
    sim.start(tuesday_10am(), None);
    sim.run();
    assert!(!sim.e.reveals_target(1, Viewer::Operator));
    sim.send(Event::Typed(" quarantine-2023-12 ".into()));
    assert_eq!(
        bodies(&sim, "target_confirmed"),
        [&Body::TargetConfirmed {
            resolved: "quarantine-2023-12".into(),
            typed: "quarantine-2023-12".into(),
            reused_from: None,
            blind: true,
        }]
    );
    assert!(sim.e.reveals_target(1, Viewer::Operator));
    assert_eq!(sim.finished, Some(0));
    assert_eq!(
        sim.ran(),
        [
            "save:main",
            "attach:describe",
            "attach:impact",
            "attach:main",
            "attach:verify-1"
        ],
        "the blast radius is counted before anyone is asked to confirm"
    );
}

#[test]
fn a_reviewer_names_the_target_blind_too() {
    let mut sim = Sim::new(&runbook("required", 10), &[("ou", "ou-1")])
        .answers(org("quarantine-2023-12", "2 accounts\n"));
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::Typed("quarantine-2023-12".into()));
    let pending = sim.e.pending_approval().expect("waiting for approval");
    assert!(pending.blind, "a reviewer is told not to be shown it");
    assert!(sim.e.reveals_target(1, Viewer::Operator));
    assert!(!sim.e.reveals_target(1, Viewer::Reviewer));
    let run_id = sim.e.run_id().unwrap().to_string();
    let offer = |typed: &str| {
        Event::ClientAnswer(ClientAnswer {
            client: 7,
            run_id: run_id.clone(),
            step: "attach".into(),
            command_sha256: pending.command_sha256.clone(),
            request: "r1".into(),
            latest_request: Some("r1".into()),
            reviewer: reviewer(),
            who: Who::account(&reviewer()),
            verdict: Verdict::Approve {
                typed: typed.into(),
            },
        })
    };
    sim.send(offer("quarantine-2023-11"));
    let miss = sim.journal.last().unwrap();
    assert_eq!(miss.actor.role, Role::Reviewer);
    assert_eq!(
        miss.body,
        Body::TargetMismatch {
            resolved: "quarantine-2023-12".into(),
            typed: "quarantine-2023-11".into(),
            misses: 0,
            blind: true,
        }
    );
    assert!(!sim.e.reveals_target(1, Viewer::Reviewer));
    sim.send(offer("quarantine-2023-12"));
    assert!(sim.e.reveals_target(1, Viewer::Reviewer));
    assert_eq!(sim.finished, Some(0));
}

#[test]
fn an_impact_above_at_most_is_refused_with_no_override_before_anything_changes() {
    let mut sim = Sim::new(&runbook("required", 3), &[("ou", "ou-1")]).answers(org(
        "quarantine-2023-12",
        "4 accounts\n111 a\n222 b\n333 c\n444 d\n",
    ));
    sim.start(tuesday_10am(), None);
    sim.run();
    assert_eq!(sim.finished, Some(4));
    assert_eq!(
        bodies(&sim, "target_impact"),
        [&Body::TargetImpact {
            count: 4,
            unit: Some("accounts".into()),
            at_most: 3,
            listed: vec![
                "111 a".into(),
                "222 b".into(),
                "333 c".into(),
                "444 d".into()
            ],
        }]
    );
    assert!(!sim.ran().contains(&"attach:main".to_string()));
    assert!(bodies(&sim, "approval_requested").is_empty());
    assert!(bodies(&sim, "target_confirmed").is_empty());
    assert!(matches!(
        sim.e.phase(),
        Phase::Finished {
            outcome: Outcome::Refused,
            ..
        }
    ));
    let Some(Body::RunFinished {
        reason: Some(why), ..
    }) = bodies(&sim, "run_finished").first().copied()
    else {
        panic!("no reason");
    };
    assert!(
        why.contains("touches 4 accounts, more than `at_most: 3`; refused, with no override"),
        "{why}"
    );
    // Exactly the limit is allowed.
    let mut sim = Sim::new(&runbook("none", 4), &[("ou", "ou-1")])
        .answers(org("quarantine-2023-12", "4 accounts\n"));
    sim.start(tuesday_10am(), None);
    sim.run();
    assert_eq!(sim.e.phase(), Phase::Blind { step: 1, misses: 0 });
    assert_eq!(sim.e.impact(1).map(|c| c.count), Some(4));
}

#[test]
fn no_count_is_a_refusal_too() {
    for (exit, out, says) in [
        (0, "many\n", "is not a count"),
        (0, "", "printed nothing"),
        (3, "4\n", "exit 3"),
    ] {
        let mut sim =
            Sim::new(&runbook("none", 10), &[("ou", "ou-1")]).answers(move |s| match s.purpose {
                Purpose::Describe => (0, "Name: quarantine-2023-12\n".into()),
                Purpose::Impact => (exit, out.into()),
                _ => (0, String::new()),
            });
        sim.start(tuesday_10am(), None);
        sim.run();
        assert_eq!(sim.finished, Some(4), "{out:?}");
        assert!(bodies(&sim, "target_impact").is_empty());
        assert!(!sim.ran().contains(&"attach:main".to_string()));
        let Some(Body::StepFinished {
            reason: Some(why), ..
        }) = bodies(&sim, "step_finished").last().copied()
        else {
            panic!("no reason");
        };
        assert!(why.starts_with("the blast radius is unknown"), "{why}");
        assert!(why.contains(says), "{why}");
    }
}

#[test]
fn a_replayed_journal_rebuilds_the_count_and_the_blind_state() {
    let mut sim = Sim::new(&runbook("none", 10), &[("ou", "ou-1")])
        .answers(org("quarantine-2023-12", "2 accounts\nx\n"));
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::Typed("wrong".into()));
    let replayed = Engine::replay(
        sim.e.runbook().clone(),
        operator(),
        sim.e.params().clone(),
        &sim.journal,
    );
    assert_eq!(replayed.phase(), sim.e.phase());
    assert_eq!(replayed.phase(), Phase::Blind { step: 1, misses: 1 });
    assert_eq!(replayed.steps(), sim.e.steps());
    assert_eq!(
        replayed.impact(1).map(|c| (c.count, c.listed.clone())),
        Some((2, vec!["x".to_string()]))
    );
}

/// A reviewer had as many blind guesses as they liked: after enough misses any reviewer
/// could name a target they were never told. Like the operator, three misses and no more:
/// their later approvals are refused (another person may still approve).
#[test]
fn a_reviewer_gets_three_blind_tries_like_the_operator() {
    let mut sim = Sim::new(&runbook("required", 10), &[("ou", "ou-1")])
        .answers(org("quarantine-2023-12", "2 accounts\n"));
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::Typed("quarantine-2023-12".into()));
    let pending = sim.e.pending_approval().expect("waiting for approval");
    let run_id = sim.e.run_id().unwrap().to_string();
    let offer = |typed: &str| {
        Event::ClientAnswer(ClientAnswer {
            client: 7,
            run_id: run_id.clone(),
            step: "attach".into(),
            command_sha256: pending.command_sha256.clone(),
            request: "r1".into(),
            latest_request: Some("r1".into()),
            reviewer: reviewer(),
            who: Who::account(&reviewer()),
            verdict: Verdict::Approve {
                typed: typed.into(),
            },
        })
    };
    for guess in ["quarantine-2023-10", "quarantine-2023-11", "root"] {
        sim.send(offer(guess));
        assert!(matches!(
            sim.journal.last().unwrap().body,
            Body::TargetMismatch { .. }
        ));
    }
    sim.send(offer("quarantine-2023-12"));
    match &sim.journal.last().unwrap().body {
        Body::ApprovalRefused { reason, .. } => assert!(
            reason.contains("named the target wrong 3 times"),
            "{reason}"
        ),
        other => panic!("a fourth guess was taken: {other:?}"),
    }
    assert!(!sim.e.reveals_target(1, Viewer::Reviewer));
    assert!(
        sim.e.pending_approval().is_some(),
        "still waiting for another person"
    );
    // The same state comes back from the journal.
    let replayed = Engine::replay(
        sim.e.runbook().clone(),
        operator(),
        sim.e.params().clone(),
        &sim.journal,
    );
    assert_eq!(replayed.steps(), sim.e.steps());
}

/// The quarantine runbook with its limit taken from the parameter `max` (the ticket's count).
fn runbook_with_max() -> String {
    runbook("none", 0)
        .replace("at_most: 0", "at_most: '{{ max }}'")
        .replace("params:\n", "params:\n  max: { pattern: '^[0-9]+$' }\n")
}

#[test]
fn a_limit_from_a_parameter_is_the_parameters_value_journaled_as_a_number() {
    let rb = runbook_with_max();
    // Above the value: refused before anything changes, the limit journaled as the number.
    let mut sim = Sim::new(&rb, &[("ou", "ou-1"), ("max", "3")])
        .answers(org("quarantine-2023-12", "4 accounts\n"));
    sim.start(tuesday_10am(), None);
    sim.run();
    assert_eq!(sim.finished, Some(4));
    assert!(matches!(
        bodies(&sim, "target_impact").as_slice(),
        [Body::TargetImpact {
            count: 4,
            at_most: 3,
            ..
        }]
    ));
    assert!(!sim.ran().contains(&"attach:main".to_string()));
    // At the value: the step goes on to the blind prompt.
    let mut sim = Sim::new(&rb, &[("ou", "ou-1"), ("max", "4")])
        .answers(org("quarantine-2023-12", "4 accounts\n"));
    sim.start(tuesday_10am(), None);
    sim.run();
    assert_eq!(sim.e.phase(), Phase::Blind { step: 1, misses: 0 });
}

#[test]
fn a_limit_that_is_not_a_whole_number_when_the_step_is_due_refuses_it() {
    // `run` refuses such a value before it starts (`params::resolve`); a fragment's
    // parameter bound from a capture is known only now, and the engine fails closed.
    for bad in ["ten", "-1", "1,000"] {
        let mut sim = Sim::new(&runbook_with_max(), &[("ou", "ou-1"), ("max", bad)])
            .answers(org("quarantine-2023-12", "1 account\n"));
        sim.start(tuesday_10am(), None);
        sim.run();
        assert_eq!(sim.finished, Some(4), "{bad}");
        assert!(bodies(&sim, "target_impact").is_empty());
        assert!(!sim.ran().contains(&"attach:main".to_string()));
        let Some(Body::StepFinished {
            reason: Some(why), ..
        }) = bodies(&sim, "step_finished").last().copied()
        else {
            panic!("no reason");
        };
        assert!(
            why.contains(&format!(
                "`at_most` reads `max` = `{bad}`, which is not a whole number"
            )),
            "{why}"
        );
    }
}
