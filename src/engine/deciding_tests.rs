//! The quit question's hold (`deciding.rs`): while the operator decides whether to quit, an
//! approval is journaled but its change waits, a retry of a change falling due waits, and a
//! rollback asked for from the question runs; closing the question goes on.

use std::time::Duration;

use super::tests::{Sim, tuesday_10am};
use super::*;
use crate::journal::record::{Actor, Body, Purpose, Role, StepEnd};

const APPROVED_CHANGE: &str = r#"version: 1
name: approve
steps:
  - id: flip
    kind: action
    run: flagctl on cache
    waive: { snapshot: "a flag", target: "one cache", verify: "checked by attach" }
    rollback: [ { run: flagctl off cache } ]
  - id: attach
    kind: action
    target: { describe: echo quarantine-2023-12 }
    approval: required
    waive: { snapshot: "flip's rollback is the way back" }
    argv: [orgctl, attach]
    verify: [ { run: check } ]
    rollback: [ { run: undo } ]
"#;

fn rev2() -> Actor {
    Actor {
        role: Role::Reviewer,
        user: "rev2".into(),
        uid: 1002,
        host: "bastion-1".into(),
    }
}

/// `flip` done, `attach` waiting for approval, the operator at the quit question; rev2 then
/// approves through the shared session (client 7). What the engine answered.
fn approved_while_deciding() -> (Sim, Vec<Effect>) {
    let mut sim = Sim::new(APPROVED_CHANGE, &[]).answers(|s| {
        let out = if s.purpose == Purpose::Describe {
            "quarantine-2023-12\n"
        } else {
            ""
        };
        (0, out.into())
    });
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::Typed("quarantine-2023-12".into()));
    assert!(matches!(sim.e.phase(), Phase::Approval { .. }));
    sim.send(Event::Deciding(true));
    let command_sha256 = sim
        .journal
        .iter()
        .find_map(|e| match &e.body {
            Body::ApprovalRequested { command_sha256, .. } => Some(command_sha256.clone()),
            _ => None,
        })
        .unwrap();
    let answer = Event::ClientAnswer(ClientAnswer {
        client: 7,
        run_id: sim.e.run_id().unwrap().to_string(),
        step: "attach".into(),
        command_sha256,
        request: "r1".into(),
        latest_request: Some("r1".into()),
        who: Who::account(&rev2()),
        reviewer: rev2(),
        verdict: Verdict::Approve {
            typed: "quarantine-2023-12".into(),
        },
    });
    let fx = sim.e.update(sim.now, answer).unwrap();
    for f in &fx {
        match f {
            Effect::Journal(entry) => sim.journal.push(entry.clone()),
            Effect::Spawn(s) => sim.spawned.push(s.clone()),
            _ => {}
        }
    }
    (sim, fx)
}

fn spawns(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|f| match f {
            Effect::Spawn(s) => Some(format!("{}:{}", s.step_id, s.purpose)),
            _ => None,
        })
        .collect()
}

#[test]
fn an_approval_while_the_operator_decides_is_journaled_and_its_change_waits_for_them() {
    let (mut sim, fx) = approved_while_deciding();
    assert_eq!(
        sim.kinds().last().map(String::as_str),
        Some("approval_granted")
    );
    assert!(spawns(&fx).is_empty(), "nothing starts: {fx:?}");
    let reply = fx.iter().find_map(|f| match f {
        Effect::Reply {
            granted, message, ..
        } => Some((*granted, message.clone())),
        _ => None,
    });
    assert_eq!(
        reply,
        Some((true, messages::APPROVED_HELD.to_string())),
        "the reviewer is told the change waits for the operator"
    );
    assert!(sim.e.deciding());
    // The operator stays: the approved change starts then, once.
    let fx = sim.e.update(sim.now, Event::Deciding(false)).unwrap();
    assert_eq!(spawns(&fx), ["attach:main"]);
    assert!(matches!(sim.e.phase(), Phase::Running { step: 1, .. }));
}

#[test]
fn a_rollback_asked_for_from_the_question_undoes_the_earlier_change_and_never_starts_the_approved_one()
 {
    let (mut sim, _) = approved_while_deciding();
    sim.send(Event::RollbackRequested {
        reason: "customer withdrew".into(),
        outside_window: None,
    });
    assert_eq!(
        sim.ran().last().map(String::as_str),
        Some("flip:rollback-1")
    );
    assert!(
        !sim.ran().contains(&"attach:main".to_string()),
        "{:?}",
        sim.ran()
    );
    let skipped = sim.journal.iter().any(|e| {
        e.step.as_deref() == Some("attach")
            && matches!(
                e.body,
                Body::StepFinished {
                    why: Some(StepEnd::RolledBackInstead),
                    ..
                }
            )
    });
    assert!(skipped, "{:?}", sim.kinds());
    // The question closing after it changes nothing.
    let fx = sim.e.update(sim.now, Event::Deciding(false)).unwrap();
    assert!(spawns(&fx).is_empty());
}

#[test]
fn quitting_while_an_approved_change_waits_leaves_it_unstarted_and_the_close_is_accepted() {
    let (mut sim, _) = approved_while_deciding();
    sim.send(Event::Interrupt(crate::journal::record::Halt::Quit));
    assert_eq!(
        sim.kinds().last().map(String::as_str),
        Some("run_interrupted")
    );
    // The front end closes its question after the halt: accepted, and nothing starts.
    let fx = sim.e.update(sim.now, Event::Deciding(false)).unwrap();
    assert!(fx.is_empty(), "{fx:?}");
    assert!(!sim.ran().contains(&"attach:main".to_string()));
}

const RETRIED: &str = r#"version: 1
name: retried
steps:
  - id: flip
    kind: action
    run: flagctl on cache
    retry: { attempts: 2, delay: 5s }
    waive: { snapshot: "a flag", target: "one cache", verify: "none" }
    rollback: [ { run: flagctl off cache } ]
"#;

#[test]
fn a_retry_of_a_change_falling_due_while_the_operator_decides_waits_for_them() {
    let mut sim = Sim::new(RETRIED, &[]);
    sim.start(tuesday_10am(), None);
    let now = sim.now;
    let fx = sim.e.update(now, Event::Begin).unwrap();
    let Some(Effect::Spawn(first)) = fx.iter().find(|f| matches!(f, Effect::Spawn(_))) else {
        panic!("{fx:?}")
    };
    let failed = CommandResult {
        step: first.step,
        purpose: Some(Purpose::Main),
        attempt: first.attempt,
        exit: Some(1),
        ..Default::default()
    };
    let fx = sim.e.update(now, Event::CommandDone(failed)).unwrap();
    let Some(Effect::Timer { event: due, .. }) =
        fx.into_iter().find(|f| matches!(f, Effect::Timer { .. }))
    else {
        panic!("a retry is scheduled")
    };
    sim.e.update(now, Event::Deciding(true)).unwrap();
    let later = now + Duration::from_secs(5);
    let fx = sim.e.update(later, due).unwrap();
    assert!(spawns(&fx).is_empty(), "the retry waits: {fx:?}");
    assert!(matches!(sim.e.phase(), Phase::RetryWait { .. }));
    let fx = sim.e.update(later, Event::Deciding(false)).unwrap();
    assert_eq!(spawns(&fx), ["flip:main"]);
    assert!(matches!(sim.e.phase(), Phase::Running { attempt: 2, .. }));
}

/// A change with retries left that the operator stops (Ctrl-C, or r/a at the quit question
/// while it runs) is not tried again by itself: the stopped command's failure goes to the
/// operator. Retried on its own, the change the operator stopped would run again.
#[test]
fn a_change_the_operator_stopped_is_not_retried_by_itself() {
    let mut sim = Sim::new(RETRIED, &[]);
    sim.start(tuesday_10am(), None);
    let now = sim.now;
    let fx = sim.e.update(now, Event::Begin).unwrap();
    let Some(Effect::Spawn(first)) = fx.iter().find(|f| matches!(f, Effect::Spawn(_))) else {
        panic!("{fx:?}")
    };
    sim.e
        .update(now, Event::Stop("the operator stopped it".into()))
        .unwrap();
    let killed = CommandResult {
        step: first.step,
        purpose: Some(Purpose::Main),
        attempt: first.attempt,
        exit: None,
        signal: Some(15),
        ..Default::default()
    };
    let fx = sim.e.update(now, Event::CommandDone(killed)).unwrap();
    assert!(
        !fx.iter()
            .any(|f| matches!(f, Effect::Timer { .. } | Effect::Spawn(_))),
        "nothing armed or spawned: {fx:?}"
    );
    assert!(
        matches!(sim.e.phase(), Phase::Failed { step: 0, .. }),
        "{:?}",
        sim.e.phase()
    );
}
