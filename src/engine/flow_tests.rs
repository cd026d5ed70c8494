//! Loops, conditions, choices, waits, checkpoints and points of no return, on runbooks whose
//! new keys are set on the model directly (the engine's contract, whatever the loader does).

use std::time::Duration;

use super::tests::{Sim, tuesday_10am};
use super::*;
use crate::journal::record::ChoiceKind as K;
use crate::journal::record::{Body, Choice, Outcome, Purpose, StepStatus};
use crate::runbook::Pos;
use crate::runbook::load_str;
use crate::runbook::model::{
    ChoiceOption, Condition, Loop, Runbook, StepRef, Undo, WaitUntil, When,
};
use crate::runbook::template::Template;

fn base(yaml: &str) -> Runbook {
    load_str("t.yaml", yaml)
        .unwrap_or_else(|r| panic!("{}", r.render(false)))
        .runbook
}

/// Puts steps `from..` (to the end, or `to`) into a loop over `list` as `var`.
fn in_loop(rb: &mut Runbook, id: &str, var: &str, list: &str, steps: std::ops::Range<usize>) {
    for s in &mut rb.steps[steps] {
        s.in_loop = Some(id.into());
    }
    rb.loops.push(Loop {
        id: id.into(),
        pos: Pos::new(1, 1),
        var: var.into(),
        list: list.into(),
        title: None,
    });
}

const ROLL: &str = r#"version: 1
name: roll
params:
  nodes: {}
steps:
  - id: snap
    kind: snapshot
    run: svcctl save "$node"
  - id: stop
    kind: action
    run: svcctl stop "$node"
    verify: [ { run: "true" } ]
    rollback: [ { run: svcctl start "$node" } ]
    waive: { target: a loop test }
  - id: start
    kind: action
    run: svcctl start "$node"
    verify: [ { run: "true" } ]
    rollback: [ { run: svcctl stop "$node" } ]
    waive: { target: a loop test }
"#;

/// Three nodes; the `start` step's verify fails on `fail_on`.
fn rolling(fail_on: &'static str) -> Sim {
    let mut rb = base(ROLL);
    in_loop(&mut rb, "roll", "node", "nodes", 0..3);
    Sim::with(rb, &[("nodes", "n1,n2,n3")]).answers(move |s| {
        let bad = s.step_id == format!("roll[{fail_on}]/start") && s.purpose == Purpose::Verify(1);
        (i32::from(bad), String::new())
    })
}

fn rolled_back_exit() -> u8 {
    crate::exit::Exit::from(crate::journal::record::Outcome::RolledBack).code()
}

fn rolled_back(sim: &Sim) -> Vec<String> {
    sim.spawned
        .iter()
        .filter(|s| matches!(s.purpose, Purpose::Rollback(_)))
        .map(|s| s.step_id.clone())
        .collect()
}

#[test]
fn a_loop_runs_its_steps_once_per_item_with_the_item_in_view() {
    let mut sim = rolling("none");
    sim.start(tuesday_10am(), None);
    sim.run();
    assert_eq!(sim.finished, Some(0), "{:?}", sim.e.phase());
    let mains: Vec<String> = sim
        .spawned
        .iter()
        .filter(|s| s.purpose == Purpose::Main)
        .map(|s| s.step_id.clone())
        .collect();
    assert_eq!(mains.len(), 9);
    assert_eq!(mains[3], "roll[n2]/snap");
    let second = &sim
        .spawned
        .iter()
        .find(|s| s.step_id == "roll[n2]/stop")
        .unwrap();
    assert!(second.env.contains(&("node".into(), "n2".into())));
    assert_eq!(second.log, "output/roll@n2~stop.1.log");
}

#[test]
fn a_failure_in_pass_two_undoes_pass_two_then_pass_one_each_change_once() {
    let mut sim = rolling("n2");
    sim.start(tuesday_10am(), None);
    sim.run();
    assert!(matches!(sim.e.phase(), Phase::Failed { .. }));
    assert!(sim.e.choices().contains(&K::RollbackItem));
    sim.send(Event::Choice(Choice::Rollback));
    assert_eq!(
        rolled_back(&sim),
        [
            "roll[n2]/start",
            "roll[n2]/stop",
            "roll[n1]/start",
            "roll[n1]/stop"
        ]
    );
    assert_eq!(sim.finished, Some(rolled_back_exit()));
}

#[test]
fn rolling_back_one_pass_keeps_the_earlier_ones_and_says_so() {
    let mut sim = rolling("n2");
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::Choice(Choice::RollbackItem));
    assert_eq!(rolled_back(&sim), ["roll[n2]/start", "roll[n2]/stop"]);
    let kept = sim.journal.iter().find_map(|e| match &e.body {
        Body::RollbackStarted { kept, .. } => Some(kept.clone()),
        _ => None,
    });
    assert_eq!(
        kept,
        Some(vec![
            "roll[n1]/start".to_string(),
            "roll[n1]/stop".to_string()
        ])
    );
    let reason = sim.journal.iter().find_map(|e| match &e.body {
        Body::RunFinished { reason, .. } => reason.clone(),
        _ => None,
    });
    assert!(reason.unwrap().contains("roll[n1]/stop"));
}

#[test]
fn a_resume_inside_pass_two_continues_there_without_repeating_pass_one() {
    let mut sim = rolling("none");
    sim.start(tuesday_10am(), None);
    // Run until the second pass's `stop` has started, then "crash".
    while !sim.spawned.iter().any(|s| s.step_id == "roll[n2]/stop") {
        sim.send(Event::Begin);
    }
    let cut = sim
        .journal
        .iter()
        .position(|e| {
            e.step.as_deref() == Some("roll[n2]/stop")
                && matches!(
                    e.body,
                    Body::CommandStarted {
                        purpose: Purpose::Main,
                        ..
                    }
                )
        })
        .unwrap();
    let journal = &sim.journal[..=cut];
    let mut resumed = Engine::replay(
        sim.e.written.clone(),
        super::tests::operator(),
        sim.e.params.clone(),
        journal,
    );
    let fx = resumed
        .update(
            tuesday_10am(),
            Event::Resume {
                outside_window: None,
                clock_faked: None,
            },
        )
        .unwrap();
    assert!(fx.iter().all(|f| !matches!(f, Effect::Spawn(_))));
    assert_eq!(resumed.phase(), Phase::InDoubt(4));
    assert_eq!(resumed.runbook().steps[4].id, "roll[n2]/stop");
}

const POLL: &str = r#"version: 1
name: poll
steps:
  - id: change
    kind: action
    run: svcctl change
    verify:
      - run: curl health
        expect: { stdout_equals: green }
    rollback: [ { run: svcctl undo } ]
    waive: { target: a poll test, snapshot: a poll test }
"#;

fn polled(green_at: u32) -> Sim {
    let mut rb = base(POLL);
    if let Some(c) = rb.steps[0].verify.first_mut() {
        c.wait_until = Some(WaitUntil {
            every: Duration::from_secs(30),
            deadline: Duration::from_secs(120),
        });
    }
    let mut polls = 0;
    Sim::with(rb, &[]).answers(move |s| match s.purpose {
        Purpose::Verify(1) => {
            polls += 1;
            let health = if polls >= green_at { "green" } else { "yellow" };
            (0, format!("{health}\n"))
        }
        _ => (0, String::new()),
    })
}

#[test]
fn a_poll_that_holds_on_the_fourth_try_leaves_no_failure() {
    let mut sim = polled(4);
    sim.start(tuesday_10am(), None);
    sim.run();
    assert_eq!(sim.finished, Some(0), "{:?}", sim.e.phase());
    let kinds = sim.kinds();
    assert!(
        !kinds
            .iter()
            .any(|k| k == "step_failed" || k == "expect_failed")
    );
    let finished: Vec<_> = sim
        .journal
        .iter()
        .filter_map(|e| match &e.body {
            Body::CommandFinished {
                ok,
                failure,
                not_yet,
                ..
            } => Some((*ok, failure.clone(), not_yet.is_some())),
            _ => None,
        })
        .collect();
    assert!(finished.iter().all(|(_, failure, _)| failure.is_none()));
    assert_eq!(
        finished.iter().filter(|(_, _, not_yet)| *not_yet).count(),
        3
    );
    let wait = sim.journal.iter().find_map(|e| match &e.body {
        Body::WaitFinished {
            polls,
            met,
            waited_ms,
            ..
        } => Some((*polls, *met, *waited_ms)),
        _ => None,
    });
    assert_eq!(wait, Some((4, true, 90_000)));
}

#[test]
fn a_deadline_that_passes_is_a_failure_with_rollback_offered() {
    let mut sim = polled(99);
    sim.start(tuesday_10am(), None);
    sim.run();
    let Phase::Failed { reason, .. } = sim.e.phase() else {
        panic!("{:?}", sim.e.phase());
    };
    assert!(
        reason.contains("did not hold within its 2m wait (5 polls)"),
        "{reason}"
    );
    assert_eq!(sim.e.choices()[0], K::Rollback);
    assert!(sim.kinds().contains(&"wait_finished".to_string()));
}

const DECIDE: &str = r#"version: 1
name: decide
steps:
  - id: decide
    kind: manual
    instructions: Is the reclaimable space large?
  - id: defrag
    kind: verify
    run: etcdctl defrag
  - id: report
    kind: verify
    run: "true"
"#;

#[test]
fn a_choice_decides_what_runs_and_a_skip_is_journaled_with_its_reason() {
    let mut rb = base(DECIDE);
    rb.steps[0].choices = vec![
        ChoiceOption {
            key: "defrag".into(),
            label: "Defragment".into(),
            pos: Pos::new(1, 1),
        },
        ChoiceOption {
            key: "capacity".into(),
            label: "Stop here".into(),
            pos: Pos::new(1, 1),
        },
    ];
    rb.steps[1].when = Some(Condition {
        pos: Pos::new(1, 1),
        test: When::Choice {
            step: StepRef {
                id: "decide".into(),
                pos: Pos::new(1, 1),
            },
            equals: "defrag".into(),
        },
    });
    let mut sim = Sim::with(rb, &[]);
    sim.start(tuesday_10am(), None);
    sim.run();
    assert_eq!(sim.e.phase(), Phase::Manual(0));
    let refused = sim.e.update(
        tuesday_10am(),
        Event::ManualDone {
            choice: Some("maybe".into()),
            note: None,
        },
    );
    assert!(refused.unwrap_err().0.contains("defrag, capacity"));
    sim.send(Event::ManualDone {
        choice: Some("capacity".into()),
        note: Some("db at 90% of quota".into()),
    });
    sim.run();
    assert_eq!(sim.finished, Some(0));
    assert!(!sim.ran().iter().any(|r| r.starts_with("defrag")));
    let skip = sim.journal.iter().find_map(|e| match &e.body {
        Body::StepFinished {
            status: StepStatus::Skipped,
            reason,
            ..
        } => Some(reason.clone().unwrap_or_default()),
        _ => None,
    });
    assert!(
        skip.unwrap()
            .contains("answered `defrag`, and it was `capacity`")
    );
}

const PHASES: &str = r#"version: 1
name: phases
steps:
  - id: disable
    kind: action
    run: svcctl disable
    verify: [ { run: "true" } ]
    rollback: [ { run: svcctl enable } ]
    waive: { target: t, snapshot: s }
  - id: enable
    kind: action
    run: svcctl enable
    verify: [ { run: "true" } ]
    waive: { target: t, snapshot: s, rollback: closes disable }
  - id: backup
    kind: action
    run: svcctl backup
    verify: [ { run: "true" } ]
    rollback: [ { run: svcctl drop-backup } ]
    waive: { target: t, snapshot: s }
  - id: upgrade
    kind: action
    run: svcctl upgrade
    verify: [ { run: "false" } ]
    rollback: [ { run: svcctl downgrade } ]
    waive: { target: t, snapshot: s }
"#;

fn phases(edit: impl FnOnce(&mut Runbook)) -> Sim {
    let mut rb = base(PHASES);
    edit(&mut rb);
    Sim::with(rb, &[]).answers(|s| {
        let bad = s.step_id == "upgrade" && s.purpose == Purpose::Verify(1);
        (i32::from(bad), String::new())
    })
}

#[test]
fn a_step_that_closes_another_takes_both_out_of_the_rollback() {
    let mut sim = phases(|rb| {
        rb.steps[1].closes = Some(StepRef {
            id: "disable".into(),
            pos: Pos::new(1, 1),
        });
    });
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::Choice(Choice::Rollback));
    assert_eq!(rolled_back(&sim), ["upgrade", "backup"]);
}

/// What a run leaves in place, as its end says it (`left_in_place`), is what a rollback
/// would have undone: a `closes` pair cancels out in both. A completed run lists nothing.
#[test]
fn an_aborted_run_leaves_in_place_what_a_rollback_would_undo_and_a_completed_one_nothing() {
    let mut sim = phases(|rb| {
        rb.steps[1].closes = Some(StepRef {
            id: "disable".into(),
            pos: Pos::new(1, 1),
        });
    });
    sim.start(tuesday_10am(), None);
    sim.run();
    let mut undo = sim.e.rollback_plan(3).undo;
    undo.sort_unstable();
    sim.send(Event::Abort(Some("stopping here".into())));
    assert!(
        matches!(sim.e.phase(), Phase::Finished { .. }),
        "{:?}",
        sim.e.phase()
    );
    assert_eq!(sim.e.left_in_place(), [2, 3]);
    assert_eq!(sim.e.left_in_place(), undo);
    assert!(!sim.e.in_effect(0) && !sim.e.in_effect(1) && sim.e.in_effect(3));

    let mut done = Sim::with(base(PHASES), &[]);
    done.start(tuesday_10am(), None);
    done.run();
    assert_eq!(done.e.finished().map(|f| f.0), Some(Outcome::Completed));
    assert_eq!(done.e.in_place(), [0, 1, 2, 3], "its changes are in place…");
    assert!(done.e.left_in_place().is_empty(), "…and are its point");
}

#[test]
fn a_checkpoint_limits_the_rollback_to_the_steps_after_it() {
    let mut sim = phases(|rb| rb.steps[2].checkpoint = Some("backup taken".into()));
    sim.start(tuesday_10am(), None);
    sim.run();
    let plan = sim.e.rollback_plan(3);
    assert_eq!(plan.undo, [3]);
    assert_eq!(plan.kept_by, Some(2));
    sim.send(Event::Choice(Choice::Rollback));
    assert_eq!(rolled_back(&sim), ["upgrade"]);
}

/// `plan` asks the same rule with every step before the failure supposed passed: at a
/// real failure after a real run, the engine's plan and the supposed one are the same,
/// with a `closes` pair, a checkpoint and a point of no return.
#[test]
fn the_plan_supposed_for_shisa_plan_is_the_one_the_run_makes() {
    let no_return = |rb: &mut Runbook| {
        rb.steps[3].point_of_no_return = Some("the old cluster is unusable".into());
    };
    let closes = |rb: &mut Runbook| {
        rb.steps[1].closes = Some(StepRef {
            id: "disable".into(),
            pos: Pos::new(1, 1),
        });
    };
    let checkpoint = |rb: &mut Runbook| rb.steps[2].checkpoint = Some("backup taken".into());
    type Edit<'a> = (&'a str, &'a dyn Fn(&mut Runbook));
    let edits: [Edit; 4] = [
        ("nothing", &|_| {}),
        ("closes", &closes),
        ("checkpoint", &checkpoint),
        ("point of no return", &no_return),
    ];
    for (what, edit) in edits {
        let mut sim = phases(edit);
        sim.start(tuesday_10am(), None);
        sim.run();
        if matches!(sim.e.phase(), Phase::NoReturn { .. }) {
            sim.send(Event::Typed("upgrade".into()));
        }
        let live = sim.e.rollback_plan(3);
        assert!(!live.undo.is_empty(), "{what}: {live:?}");
        assert_eq!(rollback_plan_supposing(sim.e.runbook(), 3), live, "{what}");
    }
}

#[test]
fn a_point_of_no_return_needs_its_name_typed_and_ends_automatic_rollback_before_it() {
    let mut sim = phases(|rb| {
        rb.steps[3].point_of_no_return = Some("the old cluster is unusable".into());
        rb.steps[3].rollback = vec![Undo::Manual {
            instructions: Template::literal("Restore from the backup"),
            pos: Pos::new(1, 1),
        }];
    });
    sim.start(tuesday_10am(), None);
    sim.run();
    assert!(matches!(sim.e.phase(), Phase::NoReturn { step: 3, .. }));
    assert!(!sim.ran().contains(&"upgrade:main".to_string()));
    let wrong = sim.e.update(tuesday_10am(), Event::Typed("yes".into()));
    assert!(wrong.unwrap_err().0.contains("type `upgrade`"));
    sim.send(Event::Typed("upgrade".into()));
    assert!(sim.ran().contains(&"upgrade:main".to_string()));
    assert_eq!(sim.e.rollback_plan(3).undo, [3]);
    assert_eq!(sim.e.rollback_plan(3).kept, [2, 1, 0]);
    sim.send(Event::Choice(Choice::Rollback));
    // Its rollback is done by hand: asked for, then marked done.
    assert_eq!(sim.e.phase(), Phase::ManualUndo { step: 3, n: 1 });
    sim.send(Event::ManualDone {
        choice: None,
        note: Some("restored from backup-0001".into()),
    });
    assert_eq!(sim.finished, Some(rolled_back_exit()));
    assert!(rolled_back(&sim).is_empty());
}

#[test]
fn a_manual_wait_refuses_done_until_its_time_has_passed() {
    let mut rb = base(DECIDE);
    rb.steps[0].wait = Some(Duration::from_secs(1800));
    let mut sim = Sim::with(rb, &[]);
    sim.start(tuesday_10am(), None);
    let fx = sim.e.update(sim.now, Event::Begin).unwrap();
    let timer = fx.iter().find_map(|f| match f {
        Effect::Timer { after, event } => Some((*after, event.clone())),
        _ => None,
    });
    assert_eq!(
        timer,
        Some((Duration::from_secs(1800), Event::WaitOver { step: 0 }))
    );
    assert!(matches!(sim.e.phase(), Phase::Waiting { step: 0, .. }));
    let early = sim.e.update(
        sim.now + Duration::from_secs(60),
        Event::ManualDone {
            choice: None,
            note: None,
        },
    );
    assert!(early.unwrap_err().0.contains("not yet"));
    // A timer that fires early is re-armed for the rest.
    let fx = sim
        .e
        .update(
            sim.now + Duration::from_secs(1000),
            Event::WaitOver { step: 0 },
        )
        .unwrap();
    assert!(matches!(fx[..], [Effect::Timer { after, .. }] if after == Duration::from_secs(800)));
    sim.now += Duration::from_secs(1800);
    sim.send(Event::WaitOver { step: 0 });
    assert_eq!(sim.e.phase(), Phase::Manual(0));
}

#[test]
fn a_target_typed_in_a_pass_is_not_asked_again_in_that_pass_but_is_in_the_next() {
    let mut rb = base(ROLL);
    in_loop(&mut rb, "roll", "node", "nodes", 0..3);
    for i in [1, 2] {
        rb.steps[i].waive.clear();
        let t = base(
            r#"version: 1
name: t
steps:
  - id: x
    kind: action
    run: "true"
    target: { describe: hostname }
    waive: { verify: v, rollback: r, snapshot: s }
"#,
        );
        rb.steps[i].target = t.steps[0].target.clone();
    }
    let mut sim = Sim::with(rb, &[("nodes", "n1,n2")]).answers(|s| match s.purpose {
        Purpose::Describe => (0, format!("{}\n", &s.step_id[5..7])),
        _ => (0, String::new()),
    });
    sim.start(tuesday_10am(), None);
    sim.run();
    assert!(matches!(sim.e.phase(), Phase::Confirm { step: 1, .. }));
    sim.send(Event::Typed("n1".into()));
    sim.run();
    // `start` in the same pass: confirmed by the earlier typing, journaled as such.
    assert!(
        matches!(sim.e.phase(), Phase::Confirm { step: 4, .. }),
        "{:?}",
        sim.e.phase()
    );
    let reused = sim.journal.iter().find_map(|e| match &e.body {
        Body::TargetConfirmed { reused_from, .. }
            if e.step.as_deref() == Some("roll[n1]/start") =>
        {
            reused_from.clone()
        }
        _ => None,
    });
    assert_eq!(reused.as_deref(), Some("roll[n1]/stop"));
}

#[test]
fn undoing_an_earlier_pass_uses_what_that_pass_captured() {
    let mut rb = base(
        r#"version: 1
name: roll
params:
  nodes: {}
steps:
  - id: snap
    kind: snapshot
    run: svcctl save "$node"
    capture: { old: 'v=(\S+)' }
  - id: deploy
    kind: action
    run: svcctl deploy "$node"
    verify: [ { run: "true" } ]
    rollback: [ { argv: [deploy, '{{ old }}'] } ]
    waive: { target: a loop test }
"#,
    );
    in_loop(&mut rb, "roll", "node", "nodes", 0..2);
    let mut sim = Sim::with(rb, &[("nodes", "n1,n2")]).answers(|s| match s.purpose {
        Purpose::Main if s.step_id.ends_with("/snap") => {
            (0, format!("v=old-{}\n", &s.step_id[5..7]))
        }
        Purpose::Verify(1) if s.step_id == "roll[n2]/deploy" => (1, String::new()),
        _ => (0, String::new()),
    });
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::Choice(Choice::Rollback));
    let undone: Vec<(String, Vec<String>)> = sim
        .spawned
        .iter()
        .filter(|s| matches!(s.purpose, Purpose::Rollback(_)))
        .map(|s| {
            let Program::Argv(a) = &s.program else {
                panic!()
            };
            (s.step_id.clone(), a.clone())
        })
        .collect();
    assert_eq!(
        undone,
        [
            (
                "roll[n2]/deploy".to_string(),
                vec!["deploy".to_string(), "old-n2".into()]
            ),
            (
                "roll[n1]/deploy".to_string(),
                vec!["deploy".to_string(), "old-n1".into()]
            ),
        ]
    );
}

#[test]
fn a_crash_during_a_manual_wait_resumes_the_wait_and_still_asks_for_the_answer() {
    let mut rb = base(DECIDE);
    rb.steps[0].wait = Some(Duration::from_secs(20));
    rb.steps[0].choices = vec![ChoiceOption {
        key: "keep".into(),
        label: "Keep".into(),
        pos: Pos::new(1, 1),
    }];
    let mut sim = Sim::with(rb, &[]);
    sim.start(tuesday_10am(), None);
    let begun = sim.e.update(sim.now, Event::Begin).unwrap();
    let mut journal: Vec<_> = sim.journal.clone();
    journal.extend(begun.into_iter().filter_map(|f| match f {
        Effect::Journal(e) => Some(e),
        _ => None,
    }));
    let mut resumed = Engine::replay(
        sim.e.written.clone(),
        super::tests::operator(),
        sim.e.params.clone(),
        &journal,
    );
    let later = tuesday_10am() + Duration::from_secs(6);
    let fx = resumed
        .update(
            later,
            Event::Resume {
                outside_window: None,
                clock_faked: None,
            },
        )
        .unwrap();
    assert!(matches!(resumed.phase(), Phase::Waiting { step: 0, .. }));
    assert!(
        fx.iter()
            .any(|f| matches!(f, Effect::Timer { after, .. } if *after == Duration::from_secs(14)))
    );
    let fx = resumed
        .update(later + Duration::from_secs(14), Event::WaitOver { step: 0 })
        .unwrap();
    assert!(!fx.is_empty());
    assert_eq!(resumed.phase(), Phase::Manual(0));
}

#[test]
fn a_crash_just_before_a_manual_wait_started_arms_one_timer_on_resume() {
    // Cut after `step_started`, before `wait_started`: the resumed run starts the wait
    // itself. Its timer is the only one, so no second `WaitOver` comes to be refused on
    // the operator's screen once the wait is over.
    let mut rb = base(DECIDE);
    rb.steps[0].wait = Some(Duration::from_secs(20));
    let mut sim = Sim::with(rb, &[]);
    sim.start(tuesday_10am(), None);
    let begun = sim.e.update(sim.now, Event::Begin).unwrap();
    let mut journal: Vec<_> = sim.journal.clone();
    journal.extend(begun.into_iter().filter_map(|f| match f {
        Effect::Journal(e) => Some(e),
        _ => None,
    }));
    let started = journal.pop().map(|e| e.body);
    assert!(
        matches!(started, Some(Body::WaitStarted { .. })),
        "{started:?}"
    );
    let mut resumed = Engine::replay(
        sim.e.written.clone(),
        super::tests::operator(),
        sim.e.params.clone(),
        &journal,
    );
    let fx = resumed
        .update(
            tuesday_10am() + Duration::from_secs(6),
            Event::Resume {
                outside_window: None,
                clock_faked: None,
            },
        )
        .unwrap();
    let timers = fx
        .iter()
        .filter(|f| matches!(f, Effect::Timer { .. }))
        .count();
    assert_eq!(timers, 1, "{fx:?}");
    assert!(matches!(resumed.phase(), Phase::Waiting { step: 0, .. }));
}

#[test]
fn a_rollback_asked_for_after_an_abort_between_polls_names_its_target_and_undoes_once() {
    // The check's first poll says "not yet"; the operator aborts while the next poll is
    // due. A later `shisa rollback` looks the target up, and the target it names is asked
    // for: the wait the check left behind does not swallow it (it did, and `describe`
    // then ran again and again).
    const POLLED: &str = r#"version: 1
name: polled
steps:
  - id: snap
    kind: snapshot
    run: cp state "$SHISA_RUN_DIR/state.bak"
  - id: push
    kind: action
    target:
      describe: echo db-1
    run: push config
    verify:
      - run: svcctl status
        wait_until: { every: 30s, deadline: 10m }
        expect: { stdout_equals: green }
    rollback: [ { run: undo push } ]
"#;
    let mut sim = Sim::new(POLLED, &[]).answers(|s| match s.purpose {
        Purpose::Describe => (0, "db-1\n".into()),
        Purpose::Verify(_) => (0, "yellow\n".into()),
        _ => (0, String::new()),
    });
    // Plays the runner but holds every timer back: the next poll stays due.
    fn until_timer(sim: &mut Sim, event: Event) {
        let mut queue = vec![event];
        while let Some(ev) = queue.pop() {
            let fx = sim.e.update(sim.now, ev).unwrap();
            for f in fx {
                match f {
                    Effect::Journal(e) => sim.journal.push(e),
                    Effect::Spawn(s) => {
                        let (exit, stdout) = (sim.answer)(&s);
                        queue.push(Event::CommandDone(crate::engine::CommandResult {
                            step: s.step,
                            purpose: Some(s.purpose),
                            attempt: s.attempt,
                            exit: Some(exit),
                            stdout,
                            ..Default::default()
                        }));
                        sim.spawned.push(s);
                        assert!(sim.spawned.len() < 20, "{:?}", sim.ran());
                    }
                    Effect::Finish { exit, .. } => sim.finished = Some(exit.code()),
                    _ => {}
                }
            }
        }
    }
    sim.start(tuesday_10am(), None);
    until_timer(&mut sim, Event::Begin);
    until_timer(&mut sim, Event::Begin);
    until_timer(&mut sim, Event::Typed("db-1".into()));
    assert!(
        sim.ran().contains(&"push:verify-1".to_string()),
        "{:?}",
        sim.ran()
    );
    until_timer(&mut sim, Event::Abort(Some("enough".into())));
    assert!(sim.finished.is_some());
    until_timer(
        &mut sim,
        Event::RollbackRequested {
            reason: "undo".into(),
            outside_window: None,
        },
    );
    assert!(
        matches!(sim.e.phase(), Phase::Confirm { .. }),
        "{:?}: {:?}",
        sim.e.phase(),
        sim.ran()
    );
    let describes = sim.ran().iter().filter(|r| *r == "push:describe").count();
    assert_eq!(describes, 2, "{:?}", sim.ran());
    // A new process replaying the journal stands at the same question.
    let replayed = Engine::replay(
        sim.e.written.clone(),
        super::tests::operator(),
        sim.e.params.clone(),
        &sim.journal,
    );
    assert_eq!(replayed.phase(), sim.e.phase());
}
