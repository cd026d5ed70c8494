//! What a step has in flight lives inside its `Progress` (`stage.rs`): the combinations the
//! old product of sub-states could hold — an ended step with a running command, a request
//! or a wait at a step not begun — cannot be built, and a record that would make one
//! changes nothing in flight, as a record naming no step of the runbook changes nothing
//! (a command's start is still history: its attempt number and that a change started).

use std::collections::BTreeMap;

use super::stage::{Asking, CommandState, Stage, TargetState, WaitState};
use super::state::{Engine, Progress, StepState};
use super::tests::{Sim, operator, same_state, tuesday_10am};
use super::*;
use crate::journal::record::{Body, Entry, Prompt, Purpose, StepStatus};
use crate::runbook::params::Params;

fn wait() -> WaitState {
    WaitState::Active {
        purpose: Purpose::Main,
        until: tuesday_10am(),
        deadline_ms: 60_000,
        polls: 0,
    }
}

/// A step whose target is named and missed once while its `impact` count runs.
fn busy() -> StepState {
    let mut s = StepState::default();
    s.begin();
    s.target_named("db-1".into());
    s.target_missed(1);
    s.command_started(Purpose::Impact, 1);
    s
}

/// A step past its gates, its command polled in a `wait_until`.
fn polling() -> StepState {
    let mut s = StepState::default();
    s.begin();
    s.target_named("db-1".into());
    s.target_typed("ops1".into());
    s.approval_requested("0".repeat(64), "db-1".into());
    s.approval_granted(person("rev1"), 1);
    if let Some(stage) = s.progress.stage_mut() {
        stage.wait_started(wait());
    }
    s.command_started(Purpose::Main, 1);
    s
}

#[test]
fn finishing_a_step_drops_everything_it_had_in_flight() {
    let mut s = busy();
    assert_eq!(s.running(), Some((Purpose::Impact, 1)));
    assert_eq!(
        s.target(),
        TargetState::Resolved {
            resolved: "db-1",
            misses: 1
        }
    );
    s.finish(StepStatus::Failed, None);
    assert_eq!(s.status(), Some(StepStatus::Failed));
    assert_eq!(s.running(), None);
    assert_eq!(s.asking(), None);
    assert_eq!(*s.stage(), Stage::default());
    // The target was named, never typed: nothing of it is history.
    assert_eq!(s.target(), TargetState::Unresolved);

    let mut s = polling();
    assert_eq!(s.running(), Some((Purpose::Main, 1)));
    assert!(matches!(s.wait(), Some(WaitState::Active { polls: 1, .. })));
    s.finish(StepStatus::Failed, None);
    assert_eq!((s.running(), s.wait()), (None, None));
    // What the step did stays: its command ran.
    assert!(s.main_ran);
}

#[test]
fn what_cannot_happen_at_the_same_time_is_never_in_flight_together() {
    // A target waiting to be typed: reviewers are not asked, and no wait begins.
    let mut s = busy();
    let before = s.clone();
    s.approval_requested("0".repeat(64), "db-1".into());
    if let Some(stage) = s.progress.stage_mut() {
        stage.wait_started(wait());
    }
    assert_eq!(s, before);

    // An approval waiting: no wait begins, no target is named; a command that starts
    // means the step moved past the request, which no longer waits.
    let mut s = StepState::default();
    s.begin();
    s.approval_requested("0".repeat(64), "db-1".into());
    let before = s.clone();
    s.target_named("db-2".into());
    if let Some(stage) = s.progress.stage_mut() {
        stage.wait_started(wait());
    }
    assert_eq!(s, before);
    s.command_started(Purpose::Main, 1);
    assert_eq!(s.request(), None);
    assert_eq!(s.running(), Some((Purpose::Main, 1)));

    // A command polled in its wait: no target is named, no approval asked for.
    let mut s = polling();
    let before = s.clone();
    s.target_named("db-2".into());
    s.approval_requested("0".repeat(64), "db-1".into());
    assert_eq!(s, before);

    // A rollback command runs only at a step being undone, and only a rollback (or the
    // lookup of its gates) there: otherwise its start is history alone.
    let mut s = StepState::default();
    s.begin();
    s.command_started(Purpose::Rollback(1), 1);
    assert_eq!(s.running(), None);
    assert_eq!(s.attempts.get(&Purpose::Rollback(1)), Some(&1));
    s.finish(StepStatus::Ok, None);
    s.start_undo();
    s.command_started(Purpose::Main, 2);
    assert_eq!((s.running(), s.main_ran), (None, true));
    s.command_started(Purpose::Rollback(1), 2);
    assert_eq!(s.running(), Some((Purpose::Rollback(1), 2)));
}

#[test]
fn a_rejection_is_asked_beside_the_request_and_retry_asks_afresh() {
    let mut s = StepState::default();
    s.begin();
    s.approval_requested("0".repeat(64), "db-1".into());
    s.approval_granted(person("rev1"), 2);
    let rejected = Asking {
        prompt: Prompt::Rejected,
        reason: "no".into(),
    };
    s.ask(rejected.clone());
    assert_eq!(s.asking(), Some(&rejected));
    // Who approved before the rejection is still counted while the operator decides.
    assert_eq!(s.request().map(|r| r.approvals.len()), Some(1));
    s.settle_command();
    s.forget_approval();
    assert_eq!((s.asking(), s.request(), s.approved), (None, None, false));
    assert_eq!(*s.stage(), Stage::default());
}

#[test]
fn a_typed_target_and_a_granted_approval_outlive_the_step() {
    let mut s = StepState::default();
    s.begin();
    s.target_named("db-1".into());
    s.target_typed("ops1".into());
    s.approval_requested("0".repeat(64), "db-1".into());
    s.approval_granted(person("rev1"), 1);
    assert_eq!(s.request(), None);
    s.finish(StepStatus::Ok, None);
    assert_eq!(
        s.target(),
        TargetState::Confirmed {
            resolved: "db-1",
            by: "ops1"
        }
    );
    assert!(s.approved);
    // A rollback reaching it starts with nothing in flight, what it confirmed still known.
    s.start_undo();
    assert!(matches!(
        s.progress(),
        Progress::Undoing {
            ended: Some(_),
            undone: 0,
            ..
        }
    ));
    assert_eq!(*s.stage(), Stage::default());
    assert!(s.target().confirmed());
}

/// A gate is named (or asked) and waiting, or met, never both: the one waits in the stage,
/// the other is history, and only these setters move between them (`step_gates.rs`).
#[test]
fn a_gate_waiting_again_is_no_longer_met() {
    let mut s = StepState::default();
    s.begin();
    s.target_named("db-1".into());
    s.target_typed("ops1".into());
    s.approval_requested("0".repeat(64), "db-1".into());
    s.approval_granted(person("rev1"), 1);
    assert!(s.target().confirmed() && s.approved);
    s.target_named("db-2".into());
    assert_eq!(s.confirmed, None);
    assert_eq!(
        s.target(),
        TargetState::Resolved {
            resolved: "db-2",
            misses: 0
        }
    );
    s.target_typed("ops1".into());
    s.approval_requested("1".repeat(64), "db-2".into());
    assert!(!s.approved);
    assert!(s.request().is_some());
}

#[test]
fn a_step_not_begun_runs_nothing_and_an_ended_one_asks_nothing() {
    let fresh = StepState::default();
    let mut s = fresh.clone();
    s.command_started(Purpose::Main, 1);
    s.target_named("db-1".into());
    s.target_missed(2);
    s.approval_requested("0".repeat(64), "db-1".into());
    s.approval_missed("rev1".into());
    assert!(!s.command_ended(Purpose::Main, 1, true));
    s.part_done();
    // Nothing is in flight. That a change started is history all the same: the journal
    // says it was spawned, so its rollback is owed and its log number is taken.
    assert_eq!(
        s,
        StepState {
            attempts: BTreeMap::from([(Purpose::Main, 1)]),
            main_ran: true,
            ..fresh
        }
    );

    let mut ended = busy();
    ended.finish(StepStatus::Ok, None);
    let before = ended.clone();
    ended.ask(Asking {
        prompt: Prompt::Failure,
        reason: "late".into(),
    });
    ended.command_started(Purpose::Verify(1), 1);
    ended.target_named("db-2".into());
    ended.accept("said so".into());
    ended.begin();
    let mut numbered = before;
    numbered.attempts.insert(Purpose::Verify(1), 1);
    assert_eq!(ended, numbered);
}

#[test]
fn a_refused_beginning_waits_before_the_step_and_only_its_answer_lets_it_begin() {
    let mut s = StepState::default();
    let window = Asking {
        prompt: Prompt::Window,
        reason: "the window is closed".into(),
    };
    s.ask(window.clone());
    assert_eq!(
        s.progress(),
        &Progress::NotStarted {
            refused: Some(window.clone())
        }
    );
    assert_eq!(s.asking(), Some(&window));
    assert!(!s.progress().begun());
    // `step_started` while the question waits is out of turn: the question stays.
    s.begin();
    assert_eq!(s.asking(), Some(&window));
    assert!(!s.progress().begun());
    s.settle_command();
    s.begin();
    assert_eq!(s.progress(), &Progress::Underway(Stage::default()));
}

#[test]
fn only_the_command_that_runs_ends() {
    let mut s = polling();
    assert!(!s.command_ended(Purpose::Main, 2, true));
    assert!(!s.command_ended(Purpose::Verify(1), 1, true));
    assert_eq!(s.running(), Some((Purpose::Main, 1)));
    assert!(s.command_ended(Purpose::Main, 1, true));
    assert_eq!(
        s.stage().command(),
        Some(&CommandState::Ended {
            purpose: Purpose::Main,
            attempt: 1,
            ok: true
        })
    );
}

fn person(user: &str) -> crate::journal::record::Person {
    crate::journal::record::Person {
        user: user.into(),
        uid: 1001,
        login_uid: None,
        sudo_user: None,
    }
}

const IN_FLIGHT: &str = r#"version: 1
name: inflight
steps:
  - id: snap
    kind: snapshot
    run: cp state "$SHISA_RUN_DIR/state.bak"
  - id: one
    kind: action
    run: change 1
    target: { describe: echo db-1 }
    approval: { allow_self: true }
    verify: [ { run: check 1 } ]
    rollback: [ { run: undo 1 } ]
  - id: two
    kind: action
    run: change 2
    waive: { target: "one host, named in the command" }
    verify: [ { run: check 2 } ]
    rollback: [ { run: undo 2 } ]
  - id: tell
    kind: manual
    instructions: Tell the customer.
"#;

/// Records that only a begun step in flight can take: at a step not begun or ended, each
/// is out of turn.
fn out_of_turn(ended: bool) -> Vec<Body> {
    let mut bodies = vec![
        Body::CommandStarted {
            poll: false,
            purpose: Purpose::Main,
            attempt: 7,
            command: "change".into(),
            env: BTreeMap::new(),
            command_sha256: "0".repeat(64),
            log: "x.log".into(),
            host: None,
        },
        Body::WaitStarted {
            purpose: Purpose::Main,
            every_ms: None,
            deadline_ms: 1000,
            until: "2023-12-05T01:31:00Z".into(),
            restarted: None,
        },
        Body::TargetResolved {
            resolved: "db-9".into(),
            blind: false,
        },
        Body::TargetMismatch {
            resolved: "db-9".into(),
            typed: "db-8".into(),
            misses: 1,
            blind: false,
        },
        Body::ApprovalRequested {
            command: "change".into(),
            command_sha256: "0".repeat(64),
            expected: "db-9".into(),
            allow_self: true,
            reviewers: None,
            group: None,
            blind: false,
        },
    ];
    // Before a step begins, a question is how a gate refuses it: in turn there.
    if ended {
        bodies.push(Body::StepFailed {
            prompt: Prompt::Failure,
            reason: "late".into(),
            why: None,
        });
    }
    bodies
}

#[test]
fn records_out_of_turn_leave_a_step_not_begun_or_ended_as_it_was() {
    let mut sim = Sim::new(IN_FLIGHT, &[]).answers(|s| match s.purpose {
        Purpose::Describe => (0, "db-1\n".into()),
        _ => (0, String::new()),
    });
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::Typed("db-1".into()));
    sim.send(Event::SelfApproval {
        typed: "db-1".into(),
    });
    sim.run();
    sim.send(Event::ManualDone {
        choice: None,
        note: None,
    });
    assert_eq!(sim.finished, Some(0));
    let rb = sim.e.rb.clone();
    let mut tried = 0;
    for n in 0..=sim.journal.len() {
        let clean = Engine::replay(rb.clone(), operator(), Params::default(), &sim.journal[..n]);
        for (k, s) in clean.steps.iter().enumerate() {
            let ended = matches!(s.progress(), Progress::Finished(_));
            if !ended && *s.progress() != Progress::default() {
                continue;
            }
            let mut e = clean.clone();
            for body in out_of_turn(ended) {
                e.apply(&Entry {
                    body,
                    step: Some(rb.steps[k].id.clone()),
                    actor: operator(),
                });
                tried += 1;
            }
            // Only history changes: the out-of-turn start of attempt 7 of the change.
            let mut expected = clean.clone();
            let h = &mut expected.steps[k];
            h.attempts.insert(Purpose::Main, 7);
            h.main_ran = true;
            same_state(&expected, &e);
        }
    }
    assert!(tried > 100, "{tried}");
    // A result that arrives again once its step ended changes nothing either.
    let result = (sim.journal.iter())
        .find(|e| {
            e.step.as_deref() == Some("one")
                && matches!(
                    e.body,
                    Body::CommandFinished {
                        purpose: Purpose::Main,
                        ..
                    }
                )
        })
        .cloned()
        .expect("one's result");
    let clean = Engine::replay(rb.clone(), operator(), Params::default(), &sim.journal);
    let mut again = clean.clone();
    again.apply(&result);
    same_state(&clean, &again);
}
