//! Every verify check runs and each result is kept; one question names every failure;
//! retry runs only the failed checks again.

use super::tests::{Sim, tuesday_10am};
use super::*;
use crate::journal::record::{Body, Choice, Purpose, StepStatus};

const CHECKS: &str = r#"version: 1
name: checks
steps:
  - id: snap
    kind: snapshot
    run: echo saved
  - id: change
    kind: action
    target: { describe: echo thing }
    run: echo changed
    verify:
      - run: check-one
      - run: check-two
      - run: check-three
        retry: { attempts: 2, delay: 1s }
    rollback:
      - run: undo
"#;

/// How each verify check ends, per (check, attempt): ok unless listed as failing.
fn answers(failing: &'static [(u32, u32)]) -> impl FnMut(&Spawn) -> (i32, String) {
    move |s| match s.purpose {
        Purpose::Describe => (0, "thing\n".into()),
        Purpose::Verify(n) if failing.contains(&(n, s.attempt)) => (1, String::new()),
        _ => (0, String::new()),
    }
}

fn failed_reason(sim: &Sim) -> String {
    sim.journal
        .iter()
        .rev()
        .find_map(|e| match &e.body {
            Body::StepFailed { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .expect("a step_failed record")
}

#[test]
fn a_failed_check_does_not_stop_the_others_and_one_question_names_each_failure() {
    // Check 1 fails; check 2 passes; check 3 fails twice (its own retry used up).
    let mut sim = Sim::new(CHECKS, &[]).answers(answers(&[(1, 1), (3, 1), (3, 2)]));
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::Typed("thing".into()));
    assert_eq!(
        sim.ran(),
        [
            "snap:main",
            "change:describe",
            "change:main",
            "change:verify-1",
            "change:verify-2",
            "change:verify-3",
            "change:verify-3"
        ]
    );
    assert!(matches!(sim.e.phase(), Phase::Failed { step: 1, .. }));
    let reason = failed_reason(&sim);
    assert!(
        reason.starts_with("2 of 3 checks failed — verify-1: "),
        "{reason}"
    );
    assert!(reason.contains("; verify-3: "), "{reason}");
    assert_eq!(
        sim.kinds().iter().filter(|k| *k == "step_failed").count(),
        1,
        "one question, not one per check"
    );
    let checks = &sim.e.step(1).checks;
    assert!(checks[&1].is_some() && checks[&2].is_none() && checks[&3].is_some());

    // Retry runs the failed checks again, not the change and not the check that held.
    let before = sim.ran().len();
    sim.answer = Box::new(answers(&[]));
    sim.send(Event::Choice(Choice::Retry));
    assert_eq!(sim.ran()[before..], ["change:verify-1", "change:verify-3"]);
    assert_eq!(sim.e.step(1).status(), Some(StepStatus::Ok));
    assert_eq!(sim.finished, Some(0), "{:?}", sim.e.phase());
}

#[test]
fn one_failed_check_reads_as_before() {
    let mut sim = Sim::new(CHECKS, &[]).answers(answers(&[(2, 1)]));
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::Typed("thing".into()));
    assert!(sim.ran().contains(&"change:verify-3".to_string()));
    let reason = failed_reason(&sim);
    assert!(reason.starts_with("verify-2: "), "{reason}");
}
