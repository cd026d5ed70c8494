//! A rollback command that fails and that the operator goes on past has not undone its
//! step: the step is not drawn or counted as rolled back, the rollback's outcome names it,
//! and a later rollback still owes it.

use super::tests::{Sim, confirm_all, tuesday_10am};
use super::*;
use crate::journal::record::{Body, Choice, Outcome, Prompt, Purpose, RunEnd, StepEnd, StepStatus};

const TWO_CHANGES: &str = r#"version: 1
name: two
steps:
  - id: snap
    kind: snapshot
    run: save state
  - id: one
    kind: action
    run: change 1
    target: { describe: echo one }
    verify: [ { run: check 1 } ]
    rollback: [ { run: undo 1 } ]
  - id: two
    kind: action
    run: change 2
    target: { describe: echo two }
    verify: [ { run: check 2 } ]
    rollback: [ { run: undo 2 } ]
"#;

/// Step `one` passes; `two`'s verify fails; the operator rolls back, and `one`'s undo fails.
fn undo_of_one_fails() -> Sim {
    let mut sim = Sim::new(TWO_CHANGES, &[]).answers(|s| match (s.step_id.as_str(), s.purpose) {
        (id, Purpose::Describe) => (0, format!("{id}\n")),
        ("two", Purpose::Verify(_)) => (1, String::new()),
        ("one", Purpose::Rollback(_)) => (1, "permission denied".into()),
        _ => (0, String::new()),
    });
    sim.start(tuesday_10am(), None);
    confirm_all(&mut sim);
    assert!(matches!(sim.e.phase(), Phase::Failed { step: 2, .. }));
    sim.send(Event::Choice(Choice::Rollback));
    let Phase::Failed {
        step: 1, prompt, ..
    } = sim.e.phase()
    else {
        panic!("{:?}", sim.e.phase());
    };
    assert_eq!(prompt, Prompt::Rollback);
    sim
}

#[test]
fn continuing_past_a_failed_undo_does_not_mark_the_step_rolled_back() {
    let mut sim = undo_of_one_fails();
    sim.send(Event::Choice(Choice::Continue));
    assert_eq!(
        sim.e.step(2).status(),
        Some(StepStatus::RolledBack),
        "two's own undo ran and passed"
    );
    assert_ne!(
        sim.e.step(1).status(),
        Some(StepStatus::RolledBack),
        "one's undo failed: it was not rolled back"
    );
    assert!(sim.e.in_effect(1), "one's change is still in place");
    let ended = sim.journal.iter().rev().find_map(|e| match &e.body {
        Body::StepFinished { why, reason, .. } if e.step.as_deref() == Some("one") => {
            Some((why.clone(), reason.clone()))
        }
        _ => None,
    });
    let (why, reason) = ended.expect("one ended");
    assert_eq!(why, Some(StepEnd::NotUndone { failed: vec![1] }));
    assert!(
        reason.as_deref().is_some_and(|r| r.contains("not undone")),
        "{reason:?}"
    );
    let end = sim.journal.iter().find_map(|e| match &e.body {
        Body::RunFinished { outcome, why, .. } => Some((*outcome, why.clone())),
        _ => None,
    });
    assert_eq!(
        end,
        Some((
            Outcome::Failed,
            Some(RunEnd::RollbackIncomplete {
                not_undone: vec!["one".into()]
            })
        ))
    );
    assert_eq!(sim.finished, Some(1));
}

#[test]
fn a_later_rollback_still_owes_a_step_whose_undo_failed() {
    let mut sim = undo_of_one_fails();
    sim.send(Event::Choice(Choice::Continue));
    let plan = sim.e.rollback_plan_now();
    assert_eq!(plan.undo, [1], "one is still to undo: {plan:?}");
}

#[test]
fn a_retried_undo_that_passes_rolls_the_step_back() {
    let mut fails = 1;
    let mut sim =
        Sim::new(TWO_CHANGES, &[]).answers(move |s| match (s.step_id.as_str(), s.purpose) {
            (id, Purpose::Describe) => (0, format!("{id}\n")),
            ("two", Purpose::Verify(_)) => (1, String::new()),
            ("one", Purpose::Rollback(_)) if fails > 0 => {
                fails -= 1;
                (1, String::new())
            }
            _ => (0, String::new()),
        });
    sim.start(tuesday_10am(), None);
    confirm_all(&mut sim);
    sim.send(Event::Choice(Choice::Rollback));
    sim.send(Event::Choice(Choice::Retry));
    assert_eq!(sim.e.step(1).status(), Some(StepStatus::RolledBack));
    assert_eq!(
        sim.e.phase(),
        Phase::Finished {
            outcome: Outcome::RolledBack,
            exit: crate::exit::Exit::Failed
        }
    );
}
