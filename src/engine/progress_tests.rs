//! A step's life as one state at a time (`Progress`): what each record moves it to, and
//! what a rollback keeps of how a step had ended.

use super::state::Stage;
use super::tests::{Sim, confirm_all, main_started, tuesday_10am};
use super::*;
use crate::journal::record::{Choice, Purpose, StepStatus};

/// Two changes; the second one's check fails. The first is undone in two entries, the
/// second by hand.
const TWO_CHANGES: &str = r#"version: 1
name: two
steps:
  - id: snap
    kind: snapshot
    run: cp state "$SHISA_RUN_DIR/state.bak"
  - id: one
    kind: action
    run: change 1
    target: { describe: echo one }
    verify: [ { run: check 1 } ]
    rollback: [ { run: undo 1a }, { manual: "put 1b back by hand" } ]
  - id: two
    kind: action
    run: change 2
    target: { describe: echo two }
    verify: [ { run: check 2 } ]
    rollback: [ { manual: "put 2 back by hand" } ]
"#;

fn two_changes() -> Sim {
    Sim::new(TWO_CHANGES, &[]).answers(|s| match s.purpose {
        Purpose::Describe => (0, format!("{}\n", s.step_id)),
        Purpose::Verify(_) if s.step_id == "two" => (1, String::new()),
        _ => (0, String::new()),
    })
}

/// Runs until the check of `two` has failed, typing each target as asked.
fn at_the_failed_check() -> Sim {
    let mut sim = two_changes();
    sim.start(tuesday_10am(), None);
    loop {
        sim.run();
        match sim.e.phase() {
            Phase::Confirm { resolved, .. } => sim.send(Event::Typed(resolved)),
            _ => break,
        }
    }
    assert!(
        matches!(sim.e.phase(), Phase::Failed { step: 2, .. }),
        "{:?}",
        sim.e.phase()
    );
    sim
}

fn ended(status: StepStatus) -> Option<Ended> {
    Some(Ended {
        status,
        reason: None,
    })
}

#[test]
fn a_step_is_in_one_state_at_a_time_from_not_started_to_undone() {
    let fresh = two_changes();
    assert!(
        fresh
            .e
            .steps()
            .iter()
            .all(|s| *s.progress() == Progress::default() && !s.underway())
    );
    let mut sim = at_the_failed_check();
    let (one, two) = (sim.e.step(1), sim.e.step(2));
    assert_eq!(
        one.progress(),
        &Progress::Finished(ended(StepStatus::Ok).unwrap())
    );
    // Its change succeeded and its check failed: its own part is done, it has not ended.
    assert!(matches!(
        two.progress(),
        Progress::Verifying { accepted: None, .. }
    ));
    assert!(two.underway());
    assert_eq!(two.status(), None);

    sim.send(Event::Choice(Choice::Rollback));
    // The failed step is undone first; it had not ended, and nothing of it is undone yet.
    assert_eq!(sim.e.phase(), Phase::ManualUndo { step: 2, n: 1 });
    assert_eq!(
        sim.e.step(2).progress(),
        &Progress::Undoing {
            ended: None,
            undone: 0,
            failed: vec![],
            stage: Stage::default()
        }
    );
    // The step that passed keeps how it ended while it waits to be undone: its change is
    // still in place, and it is still drawn and counted as passed.
    assert_eq!(
        sim.e.step(1).progress(),
        &Progress::Undoing {
            ended: ended(StepStatus::Ok),
            undone: 0,
            failed: vec![],
            stage: Stage::default()
        }
    );
    assert_eq!(sim.e.step(1).status(), Some(StepStatus::Ok));
    assert!(sim.e.in_effect(1));

    sim.send(Event::ManualDone {
        choice: None,
        note: None,
    });
    // `one`'s first entry ran; its second is done by hand.
    assert_eq!(sim.e.phase(), Phase::ManualUndo { step: 1, n: 2 });
    assert_eq!(sim.e.step(1).undone(), 1);
    assert_eq!(sim.e.step(2).status(), Some(StepStatus::RolledBack));
    sim.send(Event::ManualDone {
        choice: None,
        note: None,
    });
    assert_eq!(
        sim.e.step(1).progress(),
        &Progress::Finished(ended(StepStatus::RolledBack).unwrap())
    );
    assert!(matches!(sim.e.phase(), Phase::Finished { .. }));
}

#[test]
fn a_rollback_stopped_part_way_goes_on_from_its_entry_when_asked_again() {
    let mut sim = at_the_failed_check();
    sim.send(Event::Choice(Choice::Rollback));
    sim.send(Event::ManualDone {
        choice: None,
        note: None,
    });
    assert_eq!(sim.e.phase(), Phase::ManualUndo { step: 1, n: 2 });
    sim.send(Event::Abort(Some("the database team takes over".into())));
    assert!(matches!(sim.e.phase(), Phase::Finished { .. }));
    // Half undone: its first entry ran, and it is still in effect.
    assert_eq!(sim.e.step(1).undone(), 1);
    assert_eq!(sim.e.rollback_plan_now().undo, [1]);
    sim.send(Event::RollbackRequested {
        reason: "finish the undo".into(),
        outside_window: None,
    });
    // Asked for later, the step's target is looked up and typed again before the rest
    // of its rollback.
    assert_eq!(
        sim.e.phase(),
        Phase::Confirm {
            step: 1,
            resolved: "one".into(),
            misses: 0
        }
    );
    sim.send(Event::Typed("one".into()));
    // The entry that ran is not run again: the rollback asks for the one it stopped at.
    assert_eq!(sim.e.phase(), Phase::ManualUndo { step: 1, n: 2 });
    let undo_1a = sim.ran().iter().filter(|r| *r == "one:rollback-1").count();
    assert_eq!(undo_1a, 1, "{:?}", sim.ran());
}

#[test]
fn a_rerun_begins_the_step_again_remembering_that_its_command_ran() {
    let mut sim = two_changes();
    sim.start(tuesday_10am(), None);
    loop {
        sim.run();
        match sim.e.phase() {
            Phase::Confirm { resolved, .. } => sim.send(Event::Typed(resolved)),
            _ => break,
        }
    }
    // A crash while `two`'s change ran: resumed, the step is in doubt.
    let at = main_started(&sim.journal, "two");
    let mut e = Engine::replay(
        sim.e.runbook().clone(),
        super::tests::operator(),
        sim.e.params().clone(),
        &sim.journal[..=at],
    );
    e.update(
        tuesday_10am(),
        Event::Resume {
            outside_window: None,
            clock_faked: None,
        },
    )
    .unwrap();
    assert_eq!(e.phase(), Phase::InDoubt(2));
    assert!(matches!(e.step(2).progress(), Progress::Underway(_)));
    e.update(tuesday_10am(), Event::Choice(Choice::Rerun))
        .unwrap();
    assert_eq!(e.step(2).progress(), &Progress::default());
    assert_eq!(e.phase(), Phase::Ready(2));
    // Not begun again yet, but its change may be in place: a rollback still owes it.
    assert!(e.in_effect(2));
}

/// A change whose command ran before a crash, rerun, then halted at its typed target and
/// resumed again: its earlier change may be in place, so a rollback still undoes it.
#[test]
fn a_rerun_halted_at_its_target_still_owes_the_rollback_of_its_earlier_attempt() {
    use super::tests::operator;
    use crate::runbook::params::Params;
    let mut sim = Sim::new(TWO_CHANGES, &[]).answers(|s| (0, format!("{}\n", s.step_id)));
    sim.start(tuesday_10am(), None);
    confirm_all(&mut sim);
    let cut = main_started(&sim.journal, "two");
    let replayed = |journal: &[crate::journal::record::Entry]| {
        let mut r = Sim::new(TWO_CHANGES, &[]).answers(|s| (0, format!("{}\n", s.step_id)));
        r.e = Engine::replay(sim.e.rb.clone(), operator(), Params::default(), journal);
        r.send(Event::Resume {
            outside_window: None,
            clock_faked: None,
        });
        r
    };
    let mut again = replayed(&sim.journal[..=cut]);
    assert_eq!(again.e.phase(), Phase::InDoubt(2));
    again.send(Event::Choice(Choice::Rerun));
    again.run();
    assert!(
        matches!(again.e.phase(), Phase::Confirm { step: 2, .. }),
        "{:?}",
        again.e.phase()
    );
    for typed in ["x", "y", "z"] {
        again.send(Event::Typed(typed.into()));
    }
    assert!(
        matches!(again.e.phase(), Phase::Halted(_)),
        "{:?}",
        again.e.phase()
    );
    let whole: Vec<_> = sim.journal[..=cut]
        .iter()
        .chain(&again.journal)
        .cloned()
        .collect();
    let last = replayed(&whole);
    let plan = last.e.rollback_plan_now();
    assert!(
        plan.undo.contains(&2),
        "two's first attempt may have changed something: {plan:?}"
    );
}

#[test]
fn a_run_rolled_back_after_a_failed_check_names_the_step_and_the_check() {
    let mut sim = at_the_failed_check();
    sim.send(Event::Choice(Choice::Rollback));
    while matches!(sim.e.phase(), Phase::ManualUndo { .. }) {
        sim.send(Event::ManualDone {
            choice: None,
            note: None,
        });
    }
    assert!(matches!(sim.e.phase(), Phase::Finished { .. }));
    let why = sim.journal.iter().rev().find_map(|e| match &e.body {
        crate::journal::record::Body::RunFinished { why, reason, .. } => {
            Some((why.clone(), reason.clone()))
        }
        _ => None,
    });
    let (why, reason) = why.expect("run_finished");
    assert_eq!(
        why,
        Some(crate::journal::stops::RunEnd::RolledBack {
            failed: Some("two".into()),
            checks: vec![1],
        })
    );
    assert_eq!(
        reason.as_deref(),
        Some("rolled back after verify 1 of `two` failed")
    );
}
