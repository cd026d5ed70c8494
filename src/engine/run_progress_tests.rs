//! The run's state one thing at a time (`run_progress.rs`): which way it goes, and what
//! holds it back. A halt can come while the operator is asked about a step in doubt; the
//! step stays in doubt under the halt, and the next resume asks about it again.

use super::run_progress::{Held, RunProgress};
use super::tests::{Sim, confirm_all, main_started, operator, tuesday_10am};
use super::*;
use crate::journal::record::{Entry, Halt, Purpose};
use crate::runbook::params::Params;

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
    rollback: [ { run: undo 1 } ]
  - id: two
    kind: action
    run: change 2
    target: { describe: echo two }
    verify: [ { run: check 2 } ]
    rollback: [ { run: undo 2 } ]
"#;

fn two_changes() -> Sim {
    Sim::new(TWO_CHANGES, &[]).answers(|s| match s.purpose {
        Purpose::Describe => (0, format!("{}\n", s.step_id)),
        _ => (0, String::new()),
    })
}

/// A new process replays `journal` and resumes, as `shisa resume` does.
fn resumed(rb: &std::sync::Arc<crate::runbook::Runbook>, journal: &[Entry]) -> Sim {
    let mut r = two_changes();
    r.e = Engine::replay(rb.clone(), operator(), Params::default(), journal);
    r.journal = journal.to_vec();
    r.send(Event::Resume {
        outside_window: None,
        clock_faked: None,
    });
    r
}

fn held(e: &Engine) -> Held {
    match &e.run {
        RunProgress::Going(g) => g.held.clone(),
        other => panic!("not going: {other:?}"),
    }
}

#[test]
fn a_halt_at_the_question_about_a_step_in_doubt_keeps_it_in_doubt_for_the_next_resume() {
    let mut sim = two_changes();
    sim.start(tuesday_10am(), None);
    confirm_all(&mut sim);
    assert_eq!(sim.finished, Some(0));
    let rb = sim.e.rb.clone();
    let cut = main_started(&sim.journal, "two");
    let mut r = resumed(&rb, &sim.journal[..=cut]);
    assert_eq!(r.e.phase(), Phase::InDoubt(2));
    assert_eq!(held(&r.e), Held::InDoubt(2));
    // The operator quits at the question (or a signal comes): halted, still in doubt.
    r.send(Event::Interrupt(Halt::Sigterm));
    assert!(matches!(r.e.phase(), Phase::Halted(_)), "{:?}", r.e.phase());
    assert!(matches!(
        held(&r.e),
        Held::Halted {
            in_doubt: Some(2),
            ..
        }
    ));
    let again = resumed(&rb, &r.journal);
    assert_eq!(again.e.phase(), Phase::InDoubt(2));
    assert!(again.spawned.is_empty(), "nothing ran again on its own");
}

#[test]
fn what_the_operator_answers_in_doubt_clears_the_doubt_and_nothing_else_holds_the_run() {
    let mut sim = two_changes();
    sim.start(tuesday_10am(), None);
    confirm_all(&mut sim);
    let cut = main_started(&sim.journal, "two");
    let mut r = resumed(&sim.e.rb, &sim.journal[..=cut]);
    r.send(Event::Choice(crate::journal::record::Choice::Done(
        "checked by hand".into(),
    )));
    confirm_all(&mut r);
    assert_eq!(r.finished, Some(0));
    assert_eq!(r.ran(), ["two:verify-1"]);
}
