//! Resume's "in doubt" rule, as a property over real journals: each journal is cut after
//! every record, as `kill -9` would cut it, replayed and resumed as `shisa resume` does. A
//! step is in doubt exactly where a command that may change something (`Purpose::may_change`:
//! a step's own command, a rollback entry) had started and not ended; anywhere else nothing
//! is asked about whether it finished, and the run goes on to the end it had, running
//! nothing again that had finished.

use super::tests::{Sim, operator, tuesday_10am};
use super::*;
use crate::journal::record::ChoiceKind as K;
use crate::journal::record::{Body, Choice, Entry, Halt, Purpose};
use crate::runbook::params::Params;

/// Going forward: a change retried once, a change behind a target, its blast radius, an
/// approval and a point of no return, a step polled with `wait_until`, a manual step.
const FORWARD: &str = r#"version: 1
name: forward
steps:
  - id: snap
    kind: snapshot
    run: cp state "$SHISA_RUN_DIR/state.bak"
  - id: plain
    kind: action
    run: change plain
    retry: { attempts: 2, delay: 1s }
    waive: { target: "one host, named in the command" }
    verify: [ { run: check plain } ]
    rollback: [ { run: undo plain } ]
  - id: gated
    kind: action
    run: change gated
    target:
      describe: echo db-1
      impact: { run: count, at_most: 5 }
    approval: { allow_self: true }
    point_of_no_return: the old rows are dropped
    verify: [ { run: check gated } ]
    rollback: [ { run: undo gated } ]
  - id: polled
    kind: verify
    run: svcctl status
    wait_until: { every: 30s, deadline: 10m }
    expect: { stdout_equals: green }
  - id: tell
    kind: manual
    instructions: Tell the owner of the database.
"#;

/// Backwards: the second change's check fails, the operator rolls back, and the first
/// rollback entry of the first change fails once before its retry passes.
const BACKWARD: &str = r#"version: 1
name: backward
steps:
  - id: snap
    kind: snapshot
    run: cp state "$SHISA_RUN_DIR/state.bak"
  - id: one
    kind: action
    run: change one
    waive: { target: "one host, named in the command" }
    verify: [ { run: check one } ]
    rollback:
      - run: undo one a
        retry: { attempts: 2, delay: 1s }
      - run: undo one b
  - id: two
    kind: action
    run: change two
    waive: { target: "one host, named in the command" }
    verify: [ { run: check two } ]
    rollback: [ { run: undo two } ]
"#;

/// How the runner answers: a first attempt of `plain` fails, a first poll of `polled` is
/// not green yet, `two`'s check always fails, a first `undo one a` fails. Attempt numbers
/// go on past a crash, so a resumed run meets the same world a step further on.
fn sim(yaml: &str) -> Sim {
    Sim::new(yaml, &[]).answers(|s| match (s.step_id.as_str(), s.purpose) {
        (_, Purpose::Describe) => (0, "db-1\n".into()),
        (_, Purpose::Impact) => (0, "2 rows\n".into()),
        ("plain", Purpose::Main) if s.attempt == 1 => (1, String::new()),
        ("polled", Purpose::Main) if s.attempt == 1 => (0, "yellow\n".into()),
        ("polled", Purpose::Main) => (0, "green\n".into()),
        ("two", Purpose::Verify(_)) => (1, "403\n".into()),
        ("one", Purpose::Rollback(1)) if s.attempt == 1 => (1, String::new()),
        _ => (0, String::new()),
    })
}

/// The operator: types what is asked, approves, marks a manual step done, rolls back at a
/// failure and reruns a step in doubt.
fn operate(sim: &mut Sim) {
    for _ in 0..50 {
        sim.run();
        let event = match sim.e.phase() {
            Phase::Confirm { resolved, .. } => Event::Typed(resolved),
            Phase::Approval { .. } => Event::SelfApproval {
                typed: "db-1".into(),
            },
            Phase::NoReturn { expected, .. } => Event::Typed(expected),
            Phase::Manual(_) | Phase::Waiting { .. } => Event::ManualDone {
                choice: None,
                note: None,
            },
            Phase::Failed { .. } => Event::Choice(Choice::Rollback),
            Phase::InDoubt(_) => Event::Choice(Choice::Rerun),
            _ => return,
        };
        sim.send(event);
    }
}

/// The whole run of `yaml`, uncut.
fn whole(yaml: &str) -> Sim {
    let mut s = sim(yaml);
    s.start(tuesday_10am(), None);
    operate(&mut s);
    assert!(s.finished.is_some(), "{:?}", s.e.phase());
    s
}

/// What the journal alone says: the step whose command that may change something started
/// and did not end — or ended only after the run was halted while it ran (killed part-way).
/// A step's own command may change something only in a step that says it is mutating
/// (`step_started`); a rollback command always may.
fn cut_off_change(journal: &[Entry]) -> Option<String> {
    let mut open = None;
    let mut killed = false;
    let mut mutating = std::collections::HashMap::new();
    for e in journal {
        match &e.body {
            Body::StepStarted { mutating: m, .. } => {
                mutating.insert(e.step.clone(), *m);
            }
            Body::CommandStarted {
                purpose, attempt, ..
            } if purpose.may_change()
                && (*purpose != Purpose::Main
                    || mutating.get(&e.step).copied().unwrap_or(true)) =>
            {
                open = Some((e.step.clone(), *purpose, *attempt));
                killed = false;
            }
            Body::RunInterrupted { .. } => killed = open.is_some(),
            Body::CommandFinished {
                purpose, attempt, ..
            } if !killed && open == Some((e.step.clone(), *purpose, *attempt)) => open = None,
            _ => {}
        }
    }
    open.and_then(|(step, ..)| step)
}

/// `journal` replayed by a new process and resumed.
fn resumed(yaml: &str, whole: &Sim, journal: &[Entry]) -> Sim {
    let mut r = sim(yaml);
    r.e = Engine::replay(whole.e.rb.clone(), operator(), Params::default(), journal);
    r.send(Event::Resume {
        outside_window: None,
        clock_faked: None,
    });
    r
}

/// What `run_resumed` named in doubt.
fn named_in_doubt(r: &Sim) -> Option<String> {
    r.journal
        .iter()
        .find_map(|e| match &e.body {
            Body::RunResumed { in_doubt } => Some(in_doubt.clone()),
            _ => None,
        })
        .expect("run_resumed journaled")
}

/// `journal`, then SIGTERM: a command running is stopped and its result, killed, is
/// journaled after the halt.
fn interrupted(whole: &Sim, journal: &[Entry]) -> Vec<Entry> {
    let mut e = Engine::replay(whole.e.rb.clone(), operator(), Params::default(), journal);
    let mut out = journal.to_vec();
    let running = e.running();
    let mut events = vec![Event::Interrupt(Halt::Sigterm)];
    if let Some((step, purpose, attempt)) = running {
        events.push(Event::CommandDone(CommandResult {
            step,
            purpose: Some(purpose),
            attempt,
            signal: Some(15),
            ..Default::default()
        }));
    }
    for event in events {
        for f in e.update(tuesday_10am(), event).expect("accepted") {
            if let Effect::Journal(entry) = f {
                out.push(entry);
            }
        }
    }
    out
}

/// Checks one cut journal, resumed: in doubt exactly where the journal says a change was
/// cut off, and the run then ends as the whole run did, nothing that had finished run again.
fn check(yaml: &str, whole: &Sim, journal: &[Entry], said: &str) {
    let mut r = resumed(yaml, whole, journal);
    let expected = cut_off_change(journal);
    assert_eq!(named_in_doubt(&r), expected, "{said}");
    match &expected {
        Some(id) => {
            let i = whole.e.rb.steps.iter().position(|s| &s.id == id).unwrap();
            assert_eq!(r.e.phase(), Phase::InDoubt(i), "{said}");
            assert!(
                r.spawned.is_empty(),
                "{said}: nothing ran before the answer"
            );
        }
        None => {
            assert!(
                !matches!(r.e.phase(), Phase::InDoubt(_)),
                "{said}: {:?}",
                r.e.phase()
            );
            assert!(!r.e.choices().contains(&K::Done), "{said}");
            // Nothing that may change something ran by itself: it waits to begin again,
            // unless it was already a rollback's next entry.
            let changed = r.spawned.iter().any(|s| s.purpose == Purpose::Main);
            assert!(!changed, "{said}: {:?}", r.ran());
        }
    }
    operate(&mut r);
    assert_eq!(r.finished, whole.finished, "{said}: {:?}", r.e.phase());
    assert_eq!(r.e.finished(), whole.e.finished(), "{said}");
    // A change or undo that ended before the crash never runs again.
    for e in journal {
        if let Body::CommandFinished {
            purpose, ok: true, ..
        } = &e.body
            && purpose.may_change()
        {
            let step = e.step.as_deref().unwrap_or_default();
            let again = r
                .spawned
                .iter()
                .any(|s| s.step_id == step && s.purpose == *purpose);
            assert!(!again, "{said}: {step}:{purpose} ran again: {:?}", r.ran());
        }
    }
}

#[test]
fn a_step_is_in_doubt_after_a_crash_exactly_where_a_change_was_cut_off() {
    let mut doubted = 0;
    let mut cuts = 0;
    for (name, yaml) in [("forward", FORWARD), ("backward", BACKWARD)] {
        let whole = whole(yaml);
        let ended = whole
            .journal
            .iter()
            .position(|e| matches!(e.body, Body::RunFinished { .. }))
            .expect("the whole run ended");
        for n in 1..=ended {
            let journal = &whole.journal[..n];
            let said = format!("{name}, cut after {:?}", journal[n - 1].body.kind());
            doubted += usize::from(cut_off_change(journal).is_some());
            cuts += 1;
            check(yaml, &whole, journal, &said);
            // SIGTERM there instead: a change it stops is in doubt, a question it stops at
            // is asked again. (Stopped between a failed attempt and its retry, the step is
            // in doubt too, on the safe side: the state cannot tell that halt from one
            // that killed the attempt.)
            // A check it kills is a failed check, asked about as one: not this rule's.
            let e = Engine::replay(whole.e.rb.clone(), operator(), Params::default(), journal);
            let check_running = matches!(e.running(), Some((_, Purpose::Verify(_), _)));
            if !matches!(e.phase(), Phase::RetryWait { .. }) && !check_running {
                check(
                    yaml,
                    &whole,
                    &interrupted(&whole, journal),
                    &format!("{said}, then SIGTERM"),
                );
            }
        }
    }
    // The property covered both sides of the rule.
    assert!(cuts > 60 && doubted >= 8, "{cuts} cuts, {doubted} in doubt");
}

#[test]
fn a_rollback_command_in_doubt_stays_in_doubt_when_the_run_is_stopped_at_the_question() {
    // Killed while `undo two` ran; resumed, the operator is asked whether it finished and
    // stops the run (SIGTERM) at that question instead of answering. Resumed again, the
    // question comes back: the undo never runs again by itself.
    let whole = whole(BACKWARD);
    let cut = whole
        .journal
        .iter()
        .position(|e| {
            matches!(
                e.body,
                Body::CommandStarted {
                    purpose: Purpose::Rollback(_),
                    ..
                }
            ) && e.step.as_deref() == Some("two")
        })
        .expect("two's undo started");
    let first = resumed(BACKWARD, &whole, &whole.journal[..=cut]);
    let two = whole.e.rb.steps.iter().position(|s| s.id == "two").unwrap();
    assert_eq!(first.e.phase(), Phase::InDoubt(two));
    let mut journal = whole.journal[..=cut].to_vec();
    journal.extend(first.journal.iter().cloned());
    let stopped = interrupted(&whole, &journal);
    assert!(
        matches!(
            stopped.last().map(|e| &e.body),
            Some(Body::RunInterrupted { .. })
        ),
        "{:?}",
        stopped.last()
    );
    let again = resumed(BACKWARD, &whole, &stopped);
    assert_eq!(named_in_doubt(&again).as_deref(), Some("two"));
    assert_eq!(again.e.phase(), Phase::InDoubt(two));
    assert!(again.spawned.is_empty(), "{:?}", again.ran());
}
