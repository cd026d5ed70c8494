//! Property: at every point of any run, replaying the journal written so far rebuilds the
//! engine's live state exactly. Runs are random: runbook shapes, command results, typed
//! targets and the operator's choices.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use proptest::prelude::*;

use super::*;
use crate::journal::record::{Actor, Entry, Role, RunbookRef};
use std::time::Duration;

use crate::runbook::Pos;
use crate::runbook::load_str;
use crate::runbook::model::{
    ChoiceOption, Condition, Loop, Param, Runbook, StepKind, StepRef, Undo, WaitUntil, When,
};
use crate::runbook::params::Params;
use crate::runbook::template::Template;

fn operator() -> Actor {
    Actor {
        role: Role::Operator,
        user: "ops1".into(),
        uid: 1000,
        host: "h".into(),
    }
}

#[derive(Debug, Clone)]
struct Shape {
    kind: u8,
    target: bool,
    verify: u8,
    rollback: u8,
    retry: u8,
    /// 0 none, 1 the operator may approve, 2 two distinct people (the operator may be one).
    approval: u8,
    allow_continue: bool,
    /// A format addition on this step: 1 `when`, 2 checkpoint, 3 point of no return,
    /// 4 polled verify, 5 manual wait or `closes`, 6 manual rollback entry, 7 choices.
    extra: u8,
    /// The target's gates: bit 1 `confirm: blind`, bit 2 an `impact` count.
    gates: u8,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        0u8..4,
        any::<bool>(),
        0u8..3,
        0u8..3,
        1u8..3,
        0u8..3,
        any::<bool>(),
        (0u8..8, 0u8..4),
    )
        .prop_map(
            |(kind, target, verify, rollback, retry, approval, allow_continue, (extra, gates))| {
                Shape {
                    kind,
                    target,
                    verify,
                    rollback,
                    retry,
                    approval,
                    allow_continue,
                    extra,
                    gates,
                }
            },
        )
}

/// Sets the drawn format additions on the loaded runbook (the loader's own tests cover the
/// YAML); with `looped`, every step after the snapshot runs once per item of two.
fn extras(rb: &mut Runbook, shapes: &[Shape], looped: bool) {
    let at = Pos::new(1, 1);
    rb.params.push(Param {
        name: "items".into(),
        pos: at,
        description: None,
        pattern: None,
        choices: Vec::new(),
        deny: Vec::new(),
        secret: false,
        from_env: None,
        default: None,
        list: true,
    });
    let mut last_mutating: Option<String> = None;
    for (i, shape) in shapes.iter().enumerate() {
        let step = &mut rb.steps[i + 1];
        match shape.extra {
            1 => {
                step.when = Some(Condition {
                    pos: at,
                    test: When::Param {
                        name: "items".into(),
                        equals: if shape.target { "a,b" } else { "x" }.into(),
                    },
                })
            }
            2 => step.checkpoint = Some("phase over".into()),
            3 if step.mutating => step.point_of_no_return = Some("no way back".into()),
            4 => {
                if let Some(c) = step.verify.first_mut() {
                    c.wait_until = Some(WaitUntil {
                        every: Duration::from_secs(10),
                        deadline: Duration::from_secs(35),
                    });
                }
            }
            5 if step.kind == StepKind::Manual => step.wait = Some(Duration::from_secs(60)),
            5 => {
                step.closes = last_mutating.clone().map(|id| StepRef { id, pos: at });
            }
            6 if step.mutating => step.rollback.insert(
                0,
                Undo::Manual {
                    instructions: Template::literal("undo by hand"),
                    pos: at,
                },
            ),
            7 if step.kind == StepKind::Manual => {
                step.choices = ["go", "stop"]
                    .iter()
                    .map(|k| ChoiceOption {
                        key: (*k).into(),
                        label: (*k).into(),
                        pos: at,
                    })
                    .collect()
            }
            _ => {}
        }
        if step.mutating {
            last_mutating = Some(step.id.clone());
        }
    }
    if looped {
        for step in &mut rb.steps[1..] {
            step.in_loop = Some("each".into());
        }
        rb.loops.push(Loop {
            id: "each".into(),
            pos: at,
            var: "item".into(),
            list: "items".into(),
            title: None,
        });
    }
}

/// A runbook that passes lint: a snapshot first, then steps of the drawn shapes.
fn runbook(shapes: &[Shape]) -> String {
    let mut y =
        String::from("version: 1\nname: p\nsteps:\n  - id: snap\n    kind: snapshot\n    run: s\n");
    for (i, s) in shapes.iter().enumerate() {
        let kind = ["precheck", "action", "verify", "manual"][s.kind as usize];
        y.push_str(&format!("  - id: s{i}\n    kind: {kind}\n"));
        match kind {
            "manual" => y.push_str("    instructions: do it\n    mutating: true\n"),
            _ => y.push_str(&format!(
                "    run: c{i}\n    retry: {{ attempts: {}, delay: 1s }}\n",
                s.retry
            )),
        }
        let mutating = matches!(kind, "action" | "manual");
        if mutating || s.target {
            let blind = if s.gates & 1 != 0 {
                ", confirm: blind"
            } else {
                ""
            };
            let impact = if s.gates & 2 != 0 {
                format!(", impact: {{ run: n{i}, at_most: 3 }}")
            } else {
                String::new()
            };
            y.push_str(&format!(
                "    target: {{ describe: d{i}{blind}{impact} }}\n"
            ));
        }
        match s.approval {
            1 if mutating => y.push_str("    approval: { allow_self: true }\n"),
            2 if mutating => y.push_str("    approval: { allow_self: true, reviewers: 2 }\n"),
            _ => {}
        }
        if mutating {
            let v = s.verify.max(1);
            let checks: Vec<String> = (0..v).map(|k| format!("{{ run: v{i}-{k} }}")).collect();
            y.push_str(&format!("    verify: [ {} ]\n", checks.join(", ")));
            let r = s.rollback.max(1);
            let undo: Vec<String> = (0..r).map(|k| format!("{{ run: u{i}-{k} }}")).collect();
            y.push_str(&format!("    rollback: [ {} ]\n", undo.join(", ")));
        }
        if s.allow_continue && kind != "precheck" {
            y.push_str("    on_failure: continue\n");
        }
    }
    y
}

fn same(live: &Engine, journal: &[Entry]) -> Result<(), TestCaseError> {
    let replayed = Engine::replay(live.rb.clone(), operator(), live.params.clone(), journal);
    prop_assert_eq!(&replayed.steps, &live.steps);
    prop_assert_eq!(replayed.current, live.current);
    prop_assert_eq!(&replayed.run, &live.run);
    prop_assert_eq!(&replayed.captured, &live.captured);
    prop_assert_eq!(replayed.phase(), live.phase());
    Ok(())
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2023-12-05T10:30:00+09:00")
        .unwrap()
        .into()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn replay_rebuilds_the_live_state_at_every_event(
        shapes in prop::collection::vec(shape(), 1..6),
        dice in prop::collection::vec(any::<u8>(), 200),
        crash_at in 0usize..60,
        looped in any::<bool>(),
    ) {
        let mut loaded = load_str("p.yaml", &runbook(&shapes)).map_err(|r| TestCaseError::fail(r.render(false)))?;
        extras(&mut loaded.runbook, &shapes, looped);
        let mut params = Params::default();
        params.values.insert("items".into(), "a,b".into());
        let mut e = Engine::new(Arc::new(loaded.runbook), operator(), params);
        let mut clock = now();
        let mut journal: Vec<Entry> = Vec::new();
        let mut queue = vec![Event::Start(StartInfo {
            run_id: "r".into(),
            runbook: RunbookRef { path: "p".into(), sha256: "0".into(), name: "p".into() },
            mode: "headless".into(),
            tool_version: "t".into(),
            clock_faked: None,
            outside_window: None,
            env: None,
            rehearsals: None,
        })];
        let mut roll = dice.into_iter().cycle();
        let mut events = 0;
        while events < 120 {
            let event = match queue.pop() {
                Some(ev) => ev,
                None => {
                    let d = roll.next().unwrap_or(0);
                    match e.phase() {
                        Phase::Ready(_) => Event::Begin,
                        Phase::Confirm { resolved, .. } => Event::Typed(if d % 4 == 0 { "wrong".into() } else { resolved }),
                        Phase::Blind { step, .. } => {
                            let resolved = e.steps[step].target().resolved().unwrap_or_default().to_string();
                            Event::Typed(if d % 4 == 0 { "wrong".into() } else { resolved })
                        }
                        Phase::Manual(i) => Event::ManualDone {
                            choice: e.rb.steps[i].choices.first().map(|c| c.key.clone()),
                            note: None,
                        },
                        Phase::ManualUndo { .. } => Event::ManualDone {
                            choice: None,
                            note: None,
                        },
                        Phase::NoReturn { expected, .. } => Event::Typed(expected),
                        Phase::Waiting { step, until } => {
                            clock = clock.max(until);
                            Event::WaitOver { step }
                        }
                        Phase::Approval { step, expected, .. } => {
                            let Some(command_sha256) = e.steps[step].request().map(|r| r.command_sha256.clone()) else { break };
                            // The operator or one of two reviewers, drawn: the same person twice is
                            // refused and journaled, and replay must count people as the run did.
                            let reviewer = match d % 3 {
                                0 => operator(),
                                n => Actor { role: Role::Reviewer, user: format!("rev{n}"), uid: 1000 + u32::from(n), host: "bastion-1".into() },
                            };
                            let who = crate::engine::Who::account(&reviewer);
                            Event::Answer(Answer { reviewer, step: e.rb.steps[step].id.clone(), command_sha256, who, verdict: Verdict::Approve { typed: expected } })
                        }
                        Phase::Failed { .. } | Phase::InDoubt(_) => {
                            let choices = e.choices();
                            Event::Choice(choices[d as usize % choices.len()].with("checked"))
                        }
                        Phase::Halted(_) | Phase::Finished { .. } => break,
                        other => return Err(TestCaseError::fail(format!("stuck in {other:?}"))),
                    }
                }
            };
            events += 1;
            let effects = e.update(clock, event).map_err(|r| TestCaseError::fail(r.0))?;
            for fx in effects {
                match fx {
                    Effect::Journal(entry) => journal.push(entry),
                    Effect::Spawn(s) => {
                        let d = roll.next().unwrap_or(0);
                        queue.push(Event::CommandDone(CommandResult {
                            step: s.step,
                            purpose: Some(s.purpose),
                            attempt: s.attempt,
                            exit: Some(i32::from(d % 5 == 0)),
                            // An impact count: within `at_most: 3`, above it, or no count.
                            stdout: match (s.purpose, d % 7) {
                                (crate::journal::record::Purpose::Impact, 0) => "lots\n".into(),
                                (crate::journal::record::Purpose::Impact, 1) => "9 things\n".into(),
                                (crate::journal::record::Purpose::Impact, n) => format!("{} things\nx\n", n % 4),
                                _ => format!("t{}\n", s.step),
                            },
                            ..Default::default()
                        }));
                    }
                    Effect::Timer { after, event } => {
                        clock += after;
                        queue.insert(0, event);
                    }
                    Effect::Finish { .. } | Effect::Stop | Effect::Reply { .. } => {}
                }
            }
            same(&e, &journal)?;
            // A crash here: the journal so far, replayed and resumed, must be a state the
            // engine can go on from.
            if events == crash_at && e.finished().is_none() {
                let mut resumed = Engine::replay(e.written.clone(), operator(), e.params.clone(), &journal);
                let mut resumed_journal = journal.clone();
                if let Ok(fx) = resumed.update(clock, Event::Resume { outside_window: None, clock_faked: None }) {
                    resumed_journal.extend(fx.into_iter().filter_map(|f| match f { Effect::Journal(j) => Some(j), _ => None }));
                    same(&resumed, &resumed_journal)?;
                    // Nothing that may change something runs again across a crash by
                    // itself: a step or rollback command cut off waits for the operator's
                    // word. (A check only reads: it runs again.)
                    // A step's own command changes something only in a mutating step; a
                    // precheck or snapshot cut off only read, and runs again.
                    if let Phase::Running { step, purpose, .. } = e.phase() && purpose.may_change()
                        && (purpose != crate::journal::record::Purpose::Main || e.runbook().steps[step].mutating) {
                        prop_assert_eq!(resumed.phase(), Phase::InDoubt(step), "{} ran across a crash", purpose);
                    }
                    prop_assert!(!matches!(resumed.phase(), Phase::Running { purpose: crate::journal::record::Purpose::Main, .. }), "{:?} ran across a crash", resumed.phase());
                }
            }
        }
    }
}
