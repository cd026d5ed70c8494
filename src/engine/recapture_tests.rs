//! A resumed run that lost a secret capture offers to run the capturing step again
//! (`engine/recapture.rs`): journaled, through the step's gates, then the run goes on at
//! the step that needed the value.

use super::tests::{Sim, operator, tuesday_10am};
use super::*;
use crate::journal::record::ChoiceKind as K;
use crate::journal::record::{Body, Choice, Outcome, Prompt, Purpose};

const SNAPSHOT: &str = r#"version: 1
name: rotate
steps:
  - id: rotate
    kind: snapshot
    run: make-password
    capture: { pw: { regex: 'new password: (\S+)', secret: true } }
  - id: pause
    kind: manual
    instructions: wait
  - id: use-it
    kind: verify
    run: 'login "$pw"'
"#;

/// Each password command prints a fresh password; the rest print nothing.
fn passwords() -> impl FnMut(&Spawn) -> (i32, String) {
    let mut n = 0;
    move |s| match s.step_id.as_str() {
        "rotate" if s.purpose == Purpose::Main => {
            n += 1;
            (0, format!("new password: hunter{n}\n"))
        }
        "rotate" => (0, "db-1\n".into()),
        _ => (0, String::new()),
    }
}

/// Runs to the manual step, then "crashes": the journal so far is replayed into a new
/// engine (as `shisa resume` does), which never saw the secret.
fn resumed(yaml: &str, typed: Option<&str>) -> Sim {
    let mut sim = Sim::new(yaml, &[]).answers(passwords());
    sim.start(tuesday_10am(), None);
    sim.run();
    if let Some(t) = typed {
        sim.send(Event::Typed(t.into()));
        sim.run();
    }
    assert_eq!(sim.e.phase(), Phase::Manual(1), "{:?}", sim.kinds());
    let mut again = Sim::new(yaml, &[]).answers(passwords());
    again.e = Engine::replay(
        sim.e.rb.clone(),
        operator(),
        sim.e.params().clone(),
        &sim.journal,
    );
    again.journal = sim.journal.clone();
    again.send(Event::Resume {
        outside_window: None,
        clock_faked: None,
    });
    again.send(Event::ManualDone {
        choice: None,
        note: None,
    });
    again.run();
    again
}

fn env_of<'a>(s: &'a Spawn, name: &str) -> Option<&'a str> {
    s.env
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn a_lost_secret_capture_offers_to_run_its_step_again_then_goes_on() {
    let mut sim = resumed(SNAPSHOT, None);
    let Phase::Failed {
        step,
        prompt,
        reason,
    } = sim.e.phase()
    else {
        panic!("{:?}", sim.e.phase());
    };
    assert_eq!((step, prompt), (2, Prompt::LostCapture));
    assert!(reason.contains("reads pw"), "{reason}");
    assert!(reason.contains("`rerun` runs `rotate` again"), "{reason}");
    assert!(!reason.contains("changes something"), "{reason}");
    // Nothing was changed: there is nothing to roll back.
    assert_eq!(sim.e.choices(), [K::Rerun, K::Abort]);
    assert!(sim.ran().is_empty(), "nothing ran with the mask in place");

    sim.send(Event::Choice(Choice::Rerun));
    sim.run();
    let kinds = sim.kinds();
    let at = kinds.iter().rposition(|k| k == "operator_choice").unwrap();
    assert_eq!(
        &kinds[at..at + 3],
        ["operator_choice", "capture_rerun", "step_started"]
    );
    let rerun = &sim.journal[at + 1];
    assert_eq!(rerun.step.as_deref(), Some("rotate"));
    assert_eq!(
        rerun.body,
        Body::CaptureRerun {
            needed_by: "use-it".into(),
            names: vec!["pw".into()],
            mutating: false,
        }
    );
    // The capturing step ran again, then the step that needed it, with the fresh value.
    assert_eq!(sim.ran(), ["rotate:main", "use-it:main"]);
    assert_eq!(env_of(&sim.spawned[1], "pw"), Some("hunter1"));
    assert_eq!(
        sim.e.phase(),
        Phase::Finished {
            outcome: Outcome::Completed,
            exit: crate::exit::Exit::Ok
        }
    );
    // The fresh value is journaled masked, like the first.
    let j = serde_json::to_string(&sim.journal.iter().map(|e| &e.body).collect::<Vec<_>>());
    assert!(!j.unwrap().contains("hunter"));
}

const CHANGE: &str = r#"version: 1
name: rotate
steps:
  - id: rotate
    kind: action
    target: { describe: whoami-db, must_match: '^db-' }
    run: make-password
    capture: { pw: { regex: 'new password: (\S+)', secret: true } }
    waive: { snapshot: the old password is useless once rotated, verify: use-it proves it }
    rollback: [ { run: restore-password } ]
  - id: pause
    kind: manual
    instructions: wait
  - id: use-it
    kind: verify
    run: 'login "$pw"'
"#;

#[test]
fn running_a_change_again_for_its_capture_says_so_and_asks_its_target_again() {
    let mut sim = resumed(CHANGE, Some("db-1"));
    let Phase::Failed { prompt, reason, .. } = sim.e.phase() else {
        panic!("{:?}", sim.e.phase());
    };
    assert_eq!(prompt, Prompt::LostCapture);
    assert!(
        reason.contains("`rotate` changes something: running it again makes that change again"),
        "{reason}"
    );
    // A change was made: undoing it is on offer too.
    assert_eq!(sim.e.choices(), [K::Rerun, K::Rollback, K::Abort]);

    // Step by step, as at a screen: the rerun waits for the operator to begin it.
    sim.send(Event::Choice(Choice::Rerun));
    assert_eq!(sim.e.phase(), Phase::Ready(0));
    assert_eq!(
        sim.e.current(),
        0,
        "the screen shows the step running again"
    );
    // The replayed journal is at the same place (the detour is state, journaled).
    let replayed = Engine::replay(
        sim.e.rb.clone(),
        operator(),
        sim.e.params().clone(),
        &sim.journal,
    );
    assert_eq!(replayed.phase(), Phase::Ready(0));
    sim.send(Event::Begin);
    // The target is looked up and typed again before the change runs again.
    assert!(
        matches!(sim.e.phase(), Phase::Confirm { step: 0, .. }),
        "{:?}",
        sim.e.phase()
    );
    assert_eq!(sim.ran(), ["rotate:describe"]);
    sim.send(Event::Typed("db-1".into()));
    assert_eq!(sim.ran(), ["rotate:describe", "rotate:main", "use-it:main"]);
    // Attempt numbers go on: the first run's log is not overwritten.
    assert_eq!(sim.spawned[1].attempt, 2);
    assert_eq!(env_of(&sim.spawned[2], "pw"), Some("hunter1"));
    assert!(matches!(
        sim.e.phase(),
        Phase::Finished {
            outcome: Outcome::Completed,
            ..
        }
    ));
}

#[test]
fn a_lost_capture_in_a_rollback_is_skipped_or_stopped_not_rerun() {
    let yaml = CHANGE.replace("run: restore-password", "run: 'restore \"$pw\"'");
    let mut sim = resumed(&yaml, Some("db-1"));
    sim.send(Event::Choice(Choice::Rollback));
    let Phase::Failed { prompt, .. } = sim.e.phase() else {
        panic!("{:?}", sim.e.phase());
    };
    assert_eq!(prompt, Prompt::Rollback);
    assert!(!sim.kinds().contains(&"capture_rerun".to_string()));
}
