//! A run resumed from a journal cut where a crash (`kill -9`) would cut it: a lookup in
//! flight leaves nothing in doubt, a command started out of turn still numbers the next
//! attempt, and `done` on a change cut off mid-poll leaves no wait behind.

use super::tests::{Sim, operator, tuesday_10am};
use super::*;
use crate::journal::record::ChoiceKind as K;
use crate::journal::record::{Body, Choice, Entry, Purpose};
use crate::runbook::params::Params;

/// A change with a lookup and a blast radius, then a manual step with both too (at a
/// manual step `done` is offered for a step in doubt, so it must not be offered here).
const LOOKUPS: &str = r#"version: 1
name: lookups
steps:
  - id: snap
    kind: snapshot
    run: cp state "$SHISA_RUN_DIR/state.bak"
  - id: change
    kind: action
    run: change it
    target:
      describe: echo db-1
      impact: { run: count, at_most: 5 }
    verify: [ { run: check } ]
    rollback: [ { run: undo } ]
  - id: tell
    kind: manual
    instructions: Tell the owner of the database.
    target:
      describe: echo db-1
      impact: { run: count, at_most: 5 }
"#;

fn lookups() -> Sim {
    Sim::new(LOOKUPS, &[]).answers(|s| match s.purpose {
        Purpose::Describe => (0, "db-1\n".into()),
        Purpose::Impact => (0, "2 rows\n".into()),
        _ => (0, String::new()),
    })
}

/// Where `purpose` of `step` started in `journal`.
fn started(journal: &[Entry], step: &str, purpose: Purpose) -> usize {
    journal
        .iter()
        .position(|e| {
            e.step.as_deref() == Some(step)
                && matches!(e.body, Body::CommandStarted { purpose: p, .. } if p == purpose)
        })
        .unwrap_or_else(|| panic!("{step}:{purpose} started"))
}

/// A new process replays `journal` and resumes, as `shisa resume` does.
fn resumed(sim: &Sim, journal: &[Entry]) -> Sim {
    let mut r = lookups();
    r.e = Engine::replay(sim.e.rb.clone(), operator(), Params::default(), journal);
    r.send(Event::Resume {
        outside_window: None,
        clock_faked: None,
    });
    r
}

/// The whole run, each target typed and the manual step done.
fn finish(sim: &mut Sim) {
    for _ in 0..10 {
        sim.run();
        match sim.e.phase() {
            Phase::Confirm { resolved, .. } => sim.send(Event::Typed(resolved)),
            Phase::Manual(_) => sim.send(Event::ManualDone {
                choice: None,
                note: None,
            }),
            _ => return,
        }
    }
}

#[test]
fn a_lookup_cut_off_by_a_crash_leaves_nothing_in_doubt_and_the_step_begins_again() {
    let mut whole = lookups();
    whole.start(tuesday_10am(), None);
    finish(&mut whole);
    assert_eq!(whole.finished, Some(0), "{:?}", whole.e.phase());
    for (step, index) in [("change", 1), ("tell", 2)] {
        for lookup in [Purpose::Describe, Purpose::Impact] {
            let cut = started(&whole.journal, step, lookup);
            let mut r = resumed(&whole, &whole.journal[..=cut]);
            let said = format!("{step}:{lookup}");
            // Nothing was changed: no question, and the step waits to begin again, its
            // target to be looked up and typed afresh.
            assert_eq!(r.e.phase(), Phase::Ready(index), "{said}");
            let resumed_record = r.journal.iter().find_map(|e| match &e.body {
                Body::RunResumed { in_doubt } => Some(in_doubt.clone()),
                _ => None,
            });
            assert_eq!(resumed_record, Some(None), "{said}: nothing in doubt");
            assert!(r.e.choices().is_empty(), "{said}: {:?}", r.e.choices());
            assert!(
                r.spawned.is_empty(),
                "{said}: nothing runs before it begins"
            );
            // `done` is not an answer here: it is refused, not journaled and ignored.
            assert!(
                r.e.update(tuesday_10am(), Event::Choice(Choice::Done("sure".into())))
                    .is_err(),
                "{said}"
            );
            r.run();
            assert_eq!(
                r.ran(),
                [format!("{step}:describe"), format!("{step}:impact")],
                "{said}: looked up again from the start"
            );
            assert!(
                matches!(r.e.phase(), Phase::Confirm { misses: 0, .. }),
                "{said}"
            );
            finish(&mut r);
            assert_eq!(r.finished, Some(0), "{said}: {:?}", r.e.phase());
            assert!(
                !r.journal
                    .iter()
                    .any(|e| matches!(e.body, Body::OperatorChoice { .. })),
                "{said}: nobody was asked anything"
            );
            // A lookup's attempt numbers go on past the one cut off: no log overwritten.
            let again = r.spawned.iter().find(|s| s.purpose == lookup).unwrap();
            assert_eq!(again.attempt, 2, "{said}");
            if step == "change" {
                assert!(r.ran().contains(&"change:main".to_string()), "{said}");
            }
        }
    }
}

/// A journal with a change's start out of turn (before its step began, as a damaged or
/// older journal may hold one): the next attempt is numbered past it.
#[test]
fn a_start_out_of_turn_still_numbers_the_next_attempt_past_it() {
    let mut whole = lookups();
    whole.start(tuesday_10am(), None);
    finish(&mut whole);
    let main = started(&whole.journal, "change", Purpose::Main);
    let begun = whole
        .journal
        .iter()
        .position(|e| {
            e.step.as_deref() == Some("change") && matches!(e.body, Body::StepStarted { .. })
        })
        .unwrap();
    let mut journal = whole.journal[..begun].to_vec();
    let mut early = whole.journal[main].clone();
    if let Body::CommandStarted { attempt, .. } = &mut early.body {
        *attempt = 3;
    }
    journal.push(early);
    let e = Engine::replay(whole.e.rb.clone(), operator(), Params::default(), &journal);
    assert_eq!(e.steps[1].progress(), &Progress::default(), "not begun");
    assert_eq!(e.steps[1].attempts.get(&Purpose::Main), Some(&3));
    assert!(
        e.steps[1].main_ran,
        "a change that started owes its rollback"
    );
    let mut r = resumed(&whole, &journal);
    finish(&mut r);
    let spawned = r
        .spawned
        .iter()
        .find(|s| s.purpose == Purpose::Main && s.step == 1);
    assert_eq!(spawned.map(|s| s.attempt), Some(4));
}

/// A step whose own command is polled with `wait_until`, then a check with its own retries.
const POLLED: &str = r#"version: 1
name: polled
steps:
  - id: change
    kind: verify
    run: svcctl status
    wait_until: { every: 30s, deadline: 10m }
    expect: { stdout_equals: green }
    verify:
      - run: health
        retry: { attempts: 2, delay: 1s }
"#;

/// `kill -9` during a check step's second poll; resumed, the step is not in doubt (its
/// command only reads: `done` would pass a check that never held), it begins again and
/// polls afresh. The check that then fails twice has used its retries: the operator is
/// asked, the run does not wait for a retry no timer will bring (the old stage kept the
/// cut-off wait).
#[test]
fn a_crash_mid_poll_of_a_check_step_begins_it_again_and_a_failed_check_is_asked_about() {
    let mut whole = Sim::new(POLLED, &[]).answers(|s| match s.purpose {
        Purpose::Main => (0, "yellow\n".into()),
        _ => (0, String::new()),
    });
    whole.start(tuesday_10am(), None);
    whole.run();
    let second = whole
        .journal
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            matches!(
                e.body,
                Body::CommandStarted {
                    purpose: Purpose::Main,
                    ..
                }
            )
        })
        .nth(1)
        .map(|(n, _)| n)
        .expect("a second poll");
    let mut r = Sim::new(POLLED, &[]).answers(|s| match s.purpose {
        Purpose::Verify(_) => (1, "red\n".into()),
        _ => (0, "green\n".into()),
    });
    r.e = Engine::replay(
        whole.e.rb.clone(),
        operator(),
        Params::default(),
        &whole.journal[..=second],
    );
    r.send(Event::Resume {
        outside_window: None,
        clock_faked: None,
    });
    assert_eq!(r.e.phase(), Phase::Ready(0));
    assert!(!r.e.choices().contains(&K::Done), "{:?}", r.e.choices());
    r.send(Event::Begin);
    assert_eq!(
        r.ran(),
        ["change:main", "change:verify-1", "change:verify-1"]
    );
    assert!(
        matches!(r.e.phase(), Phase::Failed { step: 0, .. }),
        "{:?}",
        r.e.phase()
    );
    assert!(r.e.choices().contains(&K::Retry), "{:?}", r.e.choices());
}
