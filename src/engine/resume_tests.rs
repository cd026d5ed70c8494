//! A run resumed from a journal cut where a crash (`kill -9`) would cut it: a lookup in
//! flight leaves nothing in doubt, a command started out of turn still numbers the next
//! attempt, `done` on a change cut off mid-poll leaves no wait behind, and a check's wait
//! cut short begins afresh (never a failure).

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

/// A change, then a check polled every 2 s for at most 6 s (README "waits"), then a check
/// with retries of its own.
const WAITED: &str = r#"version: 1
name: waited
steps:
  - id: upgrade
    kind: action
    waive: { target: "test", snapshot: "test", rollback: "test" }
    run: upgrade w1
    verify:
      - run: health w1
        wait_until: { every: 2s, deadline: 6s }
        expect: { stdout_equals: ready }
      - run: ping w1
        retry: { attempts: 3, delay: 5s }
"#;

/// Health answers "starting" to its first `starting` polls, then "ready"; ping fails its
/// first `pings` attempts.
fn waited(starting: usize, pings: usize) -> Sim {
    let (mut polls, mut tries) = (0, 0);
    Sim::new(WAITED, &[]).answers(move |s| match s.purpose {
        Purpose::Verify(1) => {
            polls += 1;
            (
                0,
                if polls > starting {
                    "ready"
                } else {
                    "starting"
                }
                .into(),
            )
        }
        Purpose::Verify(2) => {
            tries += 1;
            (i32::from(tries <= pings), String::new())
        }
        _ => (0, String::new()),
    })
}

/// Where the `nth` (from 1) start of `purpose` is in the journal.
fn nth_start(journal: &[Entry], purpose: Purpose, nth: usize) -> usize {
    journal
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.body, Body::CommandStarted { purpose: p, .. } if p == purpose))
        .nth(nth - 1)
        .map(|(n, _)| n)
        .unwrap_or_else(|| panic!("{purpose} started {nth} times"))
}

/// A new process, `later` after the cut, replays `journal` and resumes.
fn resumed_later(mut sim: Sim, journal: &[Entry], later: chrono::Duration) -> Sim {
    sim.e = Engine::replay(sim.e.rb.clone(), operator(), Params::default(), journal);
    sim.now = tuesday_10am() + later;
    sim.send(Event::Resume {
        outside_window: None,
        clock_faked: None,
    });
    sim
}

/// `kill -9` between the check's polls, or during one: a poll only reads, and a wait cut
/// short did not run out. Resumed (a minute later: past the old deadline), the wait begins
/// afresh and says so, the check is never put to the operator as failed, and the time the
/// wait reports is the fresh wait's, within its deadline.
#[test]
fn a_wait_cut_short_by_a_crash_begins_afresh_on_resume_and_never_reads_as_failed() {
    let mut whole = waited(2, 0);
    whole.start(tuesday_10am(), None);
    whole.run();
    assert_eq!(whole.finished, Some(0), "{:?}", whole.e.phase());
    let second = nth_start(&whole.journal, Purpose::Verify(1), 2);
    // Between polls: poll 2 said "not yet", poll 3 not started. During poll 2.
    for (cut, said) in [(second + 1, "between polls"), (second, "during poll 2")] {
        assert!(
            matches!(
                whole.journal[cut].body,
                Body::CommandFinished { .. } | Body::CommandStarted { .. }
            ),
            "{said}"
        );
        let r = resumed_later(
            waited(0, 0),
            &whole.journal[..=cut],
            chrono::Duration::minutes(1),
        );
        let after: Vec<&Entry> = r.journal.iter().collect();
        assert!(
            !after
                .iter()
                .any(|e| matches!(e.body, Body::StepFailed { .. })),
            "{said}: nothing failed: {:#?}",
            r.journal
        );
        let Some(Body::WaitStarted {
            restarted,
            until,
            deadline_ms,
            ..
        }) = after
            .iter()
            .map(|e| &e.body)
            .find(|b| matches!(b, Body::WaitStarted { .. }))
        else {
            panic!("{said}: a fresh wait: {:#?}", r.journal)
        };
        // Poll 2 had started either way: the cut-short wait made two.
        assert_eq!(
            *restarted,
            Some(crate::journal::record::Restarted { polls: 2 }),
            "{said}"
        );
        assert_eq!(*deadline_ms, 6000, "{said}: the whole deadline");
        assert_eq!(
            until,
            &super::manual::stamp(
                tuesday_10am() + chrono::Duration::minutes(1) + chrono::Duration::seconds(6)
            ),
            "{said}: from the resume"
        );
        assert_eq!(r.ran(), ["upgrade:verify-1", "upgrade:verify-2"], "{said}");
        let finished = r.journal.iter().find_map(|e| match &e.body {
            Body::WaitFinished {
                polls,
                waited_ms,
                met,
                ..
            } => Some((*polls, *waited_ms, *met)),
            _ => None,
        });
        assert_eq!(
            finished,
            Some((1, 0, true)),
            "{said}: one poll of the fresh wait"
        );
        assert_eq!(r.finished, Some(0), "{said}: {:?}", r.e.phase());
        // The attempt numbers go on: no poll's log is overwritten.
        assert_eq!(r.spawned[0].attempt, 3, "{said}");
    }
}

/// The fresh wait is a real deadline: a check that still does not hold fails when the
/// fresh wait runs out (polls and time the fresh wait's), and only then is asked about.
#[test]
fn a_resumed_wait_that_runs_out_fails_after_its_own_deadline() {
    let mut whole = waited(2, 0);
    whole.start(tuesday_10am(), None);
    whole.run();
    let cut = nth_start(&whole.journal, Purpose::Verify(1), 2) + 1;
    let mut r = resumed_later(
        waited(100, 0),
        &whole.journal[..=cut],
        chrono::Duration::minutes(1),
    );
    let finished = r.journal.iter().find_map(|e| match &e.body {
        Body::WaitFinished {
            polls,
            waited_ms,
            met,
            ..
        } => Some((*polls, *waited_ms, *met)),
        _ => None,
    });
    // Polls at 0, 2, 4 and 6 s of the fresh wait: the one at 6 s is past its deadline.
    assert_eq!(finished, Some((4, 6000, false)), "{:#?}", r.journal);
    assert!(
        matches!(r.e.phase(), Phase::Failed { step: 0, .. }),
        "{:?}",
        r.e.phase()
    );
    r.send(Event::Choice(Choice::Retry));
    let waits: Vec<_> = r
        .journal
        .iter()
        .filter_map(|e| match &e.body {
            Body::WaitStarted { restarted, .. } => Some(*restarted),
            _ => None,
        })
        .collect();
    assert_eq!(waits.len(), 2, "retry begins its own wait");
    assert_eq!(waits[1], None, "a retry's wait is no restart");
}

/// A check with retries of its own, cut off while its retry was due: it had no result for
/// its round yet, so it runs again, its retries counted afresh, and is not asked about.
#[test]
fn a_check_cut_off_while_its_retry_was_due_runs_again_on_resume() {
    let mut whole = waited(0, 1);
    whole.start(tuesday_10am(), None);
    whole.run();
    assert_eq!(whole.finished, Some(0), "{:?}", whole.e.phase());
    let cut = nth_start(&whole.journal, Purpose::Verify(2), 1) + 1;
    assert!(
        matches!(
            whole.journal[cut].body,
            Body::CommandFinished { ok: false, .. }
        ),
        "{:?}",
        whole.journal[cut]
    );
    let r = resumed_later(
        waited(0, 0),
        &whole.journal[..=cut],
        chrono::Duration::minutes(1),
    );
    assert_eq!(r.ran(), ["upgrade:verify-2"]);
    assert!(
        !r.journal
            .iter()
            .any(|e| matches!(e.body, Body::StepFailed { .. })),
        "{:#?}",
        r.journal
    );
    assert_eq!(r.finished, Some(0), "{:?}", r.e.phase());
}

/// SIGTERM during the check's second poll: the poll the stop killed is journaled as not
/// holding yet, never as the wait's failure ("did not hold at the last poll"), and the
/// resumed run polls afresh.
#[test]
fn a_poll_a_stop_kills_is_not_yet_and_the_resumed_run_polls_afresh() {
    let mut whole = waited(2, 0);
    whole.start(tuesday_10am(), None);
    whole.run();
    let second = nth_start(&whole.journal, Purpose::Verify(1), 2);
    let mut e = Engine::replay(
        whole.e.rb.clone(),
        operator(),
        Params::default(),
        &whole.journal[..=second],
    );
    let now = tuesday_10am() + chrono::Duration::seconds(3);
    let mut journal = whole.journal[..=second].to_vec();
    let mut take = |fx: Vec<Effect>| {
        for f in fx {
            if let Effect::Journal(entry) = f {
                journal.push(entry);
            }
        }
    };
    take(
        e.update(now, Event::Interrupt(crate::journal::record::Halt::Sigterm))
            .unwrap(),
    );
    let killed = CommandResult {
        step: 0,
        purpose: Some(Purpose::Verify(1)),
        attempt: 2,
        exit: None,
        signal: Some(15),
        ..Default::default()
    };
    take(e.update(now, Event::CommandDone(killed)).unwrap());
    let Some(Body::CommandFinished {
        failure, not_yet, ..
    }) = journal.last().map(|e| &e.body)
    else {
        panic!("{journal:#?}")
    };
    assert_eq!(failure, &None, "not the wait's failure");
    assert!(not_yet.is_some(), "{journal:#?}");
    assert!(
        !journal
            .iter()
            .any(|e| matches!(e.body, Body::WaitFinished { .. }))
    );
    let r = resumed_later(waited(0, 0), &journal, chrono::Duration::minutes(1));
    assert!(
        r.journal.iter().any(|e| matches!(
            e.body,
            Body::WaitStarted {
                restarted: Some(_),
                ..
            }
        )),
        "{:#?}",
        r.journal
    );
    assert_eq!(r.finished, Some(0), "{:?}", r.e.phase());
}

/// `kill -9` with a watcher connected: the new process has no connections. Its resume
/// journals the old process's watcher as gone, and nobody is left watching, whoever joins
/// and leaves after.
#[test]
fn the_watchers_of_a_crashed_process_are_journaled_gone_on_resume() {
    let nobody = "nobody (uid 65534, pid 41)";
    let mut whole = lookups();
    whole.start(tuesday_10am(), None);
    whole.run();
    whole.send(Event::WatcherJoined(nobody.into()));
    assert_eq!(whole.e.watchers().len(), 1);
    let mut r = resumed(&whole, &whole.journal);
    assert!(r.e.watchers().is_empty(), "{:?}", r.e.watchers());
    let kinds = r.kinds();
    let at = |k: &str| kinds.iter().position(|x| x == k).unwrap();
    assert!(at("run_resumed") < at("watcher_left"), "{kinds:?}");
    let left: Vec<_> = r
        .journal
        .iter()
        .filter_map(|e| match &e.body {
            Body::WatcherLeft { watcher } => Some(watcher.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        left,
        ["nobody (uid 65534, pid 41) — the run's process ended"]
    );
    r.send(Event::WatcherJoined("alice (uid 1001, pid 77)".into()));
    r.send(Event::WatcherLeft("alice (uid 1001, pid 77)".into()));
    assert!(r.e.watchers().is_empty(), "{:?}", r.e.watchers());
    // A journal resumed before this was journaled reads the same: cleared at the resume.
    let old: Vec<Entry> = r
        .journal
        .iter()
        .filter(
            |e| !matches!(&e.body, Body::WatcherLeft { watcher } if watcher.starts_with("nobody")),
        )
        .cloned()
        .collect();
    let e = Engine::replay(r.e.rb.clone(), operator(), Params::default(), &old);
    assert!(e.watchers().is_empty(), "{:?}", e.watchers());
}

/// A watcher dropped (it stopped reading) is journaled with why after " — ": it is gone
/// from who is watching, not left behind as a ghost.
#[test]
fn a_dropped_watcher_is_no_longer_watching() {
    let mut sim = lookups();
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::WatcherJoined("bob (uid 1002, pid 9)".into()));
    sim.send(Event::WatcherLeft(
        "bob (uid 1002, pid 9) — dropped: stopped reading for 5 s".into(),
    ));
    assert!(sim.e.watchers().is_empty(), "{:?}", sim.e.watchers());
}

/// `kill -9` while a change runs, then resumed with `--runbook` naming an edit in which the
/// step reads as a precheck: the journal says the step began as a change, so its cut-off
/// command is still in doubt. An edit must never take a change out of doubt and run it again.
#[test]
fn a_change_cut_off_stays_in_doubt_under_a_runbook_edited_to_call_it_a_check() {
    const CHANGE: &str = "version: 1\nname: c\nsteps:\n  - id: migrate\n    kind: action\n    \
        run: migrate\n    waive: { snapshot: t, target: t, verify: t, rollback: t }\n";
    const EDITED: &str = "version: 1\nname: c\nsteps:\n  - id: migrate\n    kind: precheck\n    \
        run: migrate\n";
    let mut whole = Sim::new(CHANGE, &[]);
    whole.start(tuesday_10am(), None);
    whole.run();
    let started = whole
        .journal
        .iter()
        .position(|e| {
            matches!(
                e.body,
                Body::CommandStarted {
                    purpose: Purpose::Main,
                    ..
                }
            )
        })
        .expect("the change started");
    let edited = crate::runbook::load_str("t.yaml", EDITED).unwrap().runbook;
    let mut r = Sim::new(EDITED, &[]);
    r.e = Engine::replay(
        std::sync::Arc::new(edited),
        operator(),
        Params::default(),
        &whole.journal[..=started],
    );
    r.send(Event::Resume {
        outside_window: None,
        clock_faked: None,
    });
    assert_eq!(r.e.phase(), Phase::InDoubt(0));
    assert!(r.ran().is_empty(), "{:?}", r.ran());
}
