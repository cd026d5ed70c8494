//! Engine tests without a terminal, a process or a clock: events in, journal entries and
//! effects out. A fake runner answers each spawned command from a script.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::*;
use crate::journal::record::ChoiceKind as K;
use crate::journal::record::{
    Actor, Body, Choice, Entry, Outcome, OverrideKind, Person, Prompt, Purpose, Role, RunbookRef,
};
use crate::runbook::load_str;
use crate::runbook::params::Params;

pub(super) fn operator() -> Actor {
    Actor {
        role: Role::Operator,
        user: "ops1".into(),
        uid: 1000,
        host: "bastion-1".into(),
    }
}

fn reviewer() -> Actor {
    Actor {
        role: Role::Reviewer,
        user: "rev1".into(),
        uid: 1001,
        host: "bastion-1".into(),
    }
}

pub(super) fn tuesday_10am() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2023-12-05T10:30:00+09:00")
        .unwrap()
        .into()
}

fn friday_evening() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2023-12-08T17:15:00+09:00")
        .unwrap()
        .into()
}

/// Plays the runner: how each spawned command ends (exit, stdout).
pub(super) type Answer = Box<dyn FnMut(&Spawn) -> (i32, String)>;

/// A run in memory. `answer` decides how each command ends: (exit, stdout).
pub(super) struct Sim {
    pub(super) e: Engine,
    pub(super) journal: Vec<Entry>,
    pub(super) spawned: Vec<Spawn>,
    pub(super) finished: Option<u8>,
    pub(super) answer: Answer,
    /// When the next event happens; a timer moves it on by its delay.
    pub(super) now: DateTime<Utc>,
}

impl Sim {
    pub(super) fn new(yaml: &str, params: &[(&str, &str)]) -> Sim {
        let loaded = load_str("t.yaml", yaml).unwrap_or_else(|r| panic!("{}", r.render(false)));
        Sim::with(loaded.runbook, params)
    }

    /// A run of a runbook built in the test (for format keys the loader may not read yet).
    pub(super) fn with(rb: crate::runbook::Runbook, params: &[(&str, &str)]) -> Sim {
        let mut p = Params::default();
        for (k, v) in params {
            p.values.insert(k.to_string(), v.to_string());
        }
        Sim {
            e: Engine::new(Arc::new(rb), operator(), p),
            journal: Vec::new(),
            spawned: Vec::new(),
            finished: None,
            answer: Box::new(|_| (0, String::new())),
            now: tuesday_10am(),
        }
    }

    pub(super) fn answers(mut self, f: impl FnMut(&Spawn) -> (i32, String) + 'static) -> Sim {
        self.answer = Box::new(f);
        self
    }

    pub(super) fn start(&mut self, now: DateTime<Utc>, outside: Option<&str>) {
        self.now = now;
        let info = StartInfo {
            run_id: "20231205T013000Z-3f9a".into(),
            runbook: RunbookRef {
                path: "t.yaml".into(),
                sha256: "0".repeat(64),
                name: "t".into(),
            },
            mode: "headless".into(),
            tool_version: "test".into(),
            clock_faked: None,
            outside_window: outside.map(str::to_string),
            env: None,
            rehearsals: None,
        };
        self.send(Event::Start(info));
    }

    /// Sends an event, then plays the runner and timers until the engine waits for a person.
    pub(super) fn send(&mut self, event: Event) {
        let mut queue = vec![event];
        while let Some(ev) = queue.pop() {
            let fx = self
                .e
                .update(self.now, ev)
                .unwrap_or_else(|r| panic!("refused: {r}; phase {:?}", self.e.phase()));
            for f in fx {
                match f {
                    Effect::Journal(entry) => self.journal.push(entry),
                    Effect::Spawn(s) => {
                        let (exit, stdout) = (self.answer)(&s);
                        queue.push(Event::CommandDone(CommandResult {
                            step: s.step,
                            purpose: Some(s.purpose),
                            attempt: s.attempt,
                            exit: Some(exit),
                            stdout,
                            ..Default::default()
                        }));
                        self.spawned.push(s);
                    }
                    Effect::Timer { after, event } => {
                        self.now += after;
                        queue.push(event);
                    }
                    Effect::Finish { exit, .. } => self.finished = Some(exit.code()),
                    Effect::Stop | Effect::Reply { .. } => {}
                }
            }
        }
    }

    /// Begins every ready step, as headless mode does, until a prompt or the end.
    pub(super) fn run(&mut self) {
        while let Phase::Ready(_) = self.e.phase() {
            self.send(Event::Begin);
        }
    }

    pub(super) fn kinds(&self) -> Vec<String> {
        self.journal
            .iter()
            .map(|e| e.body.kind().to_string())
            .collect()
    }

    pub(super) fn ran(&self) -> Vec<String> {
        self.spawned
            .iter()
            .map(|s| format!("{}:{}", s.step_id, s.purpose))
            .collect()
    }
}

const RUNBOOK: &str = r#"version: 1
name: quarantine
params:
  ou: { pattern: '^ou-' }
window:
  timezone: Asia/Tokyo
  allow: ['Mon-Thu 10:00-16:00']
  deny: ['Fri 12:00-24:00']
steps:
  - id: caller
    kind: precheck
    run: orgctl whoami
    expect: { stdout_matches: 'BreakGlass' }
  - id: save
    kind: snapshot
    run: orgctl export
    capture: { snap: 'saved (\S+)' }
  - id: attach
    kind: action
    target:
      describe: orgctl describe --id "$ou"
      capture: 'Name:\s*(\S+)'
      must_match: '^quarantine-'
      deny: ['^Root$']
    argv: [orgctl, attach, '{{ ou }}']
    verify:
      - run: orgctl policies --target "$ou"
        expect: { stdout_contains: 'deny' }
    rollback:
      - argv: [orgctl, detach, '{{ ou }}', '{{ snap }}']
  - id: tell
    kind: manual
    instructions: Tell the customer.
"#;

fn org(name: &'static str) -> impl FnMut(&Spawn) -> (i32, String) {
    move |s| match (s.step_id.as_str(), s.purpose) {
        ("caller", _) => (0, "role/BreakGlass/ops1\n".into()),
        ("save", _) => (0, "saved snap-0001\n".into()),
        ("attach", Purpose::Describe) => (0, format!("Id: x\nName: {name}\n")),
        ("attach", Purpose::Verify(1)) => (0, "p-deny\n".into()),
        _ => (0, String::new()),
    }
}

#[test]
fn happy_path_journals_every_habit_in_order() {
    let mut sim = Sim::new(RUNBOOK, &[("ou", "ou-1")]).answers(org("quarantine-2023-12"));
    sim.start(tuesday_10am(), None);
    sim.run();
    assert_eq!(
        sim.e.phase(),
        Phase::Confirm {
            step: 2,
            resolved: "quarantine-2023-12".into(),
            misses: 0
        }
    );
    sim.send(Event::Typed("  quarantine-2023-12 ".into()));
    assert_eq!(sim.e.phase(), Phase::Ready(3));
    sim.run();
    assert_eq!(sim.e.phase(), Phase::Manual(3));
    sim.send(Event::ManualDone {
        choice: None,
        note: Some("posted in #inc-42".into()),
    });
    assert_eq!(sim.finished, Some(0));
    assert_eq!(
        sim.ran(),
        [
            "caller:main",
            "save:main",
            "attach:describe",
            "attach:main",
            "attach:verify-1"
        ]
    );
    let attach = &sim.spawned[3];
    assert_eq!(
        attach.program,
        Program::Argv(vec!["orgctl".into(), "attach".into(), "ou-1".into()])
    );
    assert!(attach.env.contains(&("snap".into(), "snap-0001".into())));
    let kinds = sim.kinds();
    let expected = [
        "run_started",
        "window_checked",
        "step_started",
        "command_started",
        "command_finished",
        "step_finished",
        "step_started",
        "command_started",
        "command_finished",
        "snapshot_recorded",
        "step_finished",
        "window_checked",
        "step_started",
        "command_started",
        "command_finished",
        "target_resolved",
        "target_confirmed",
        "window_checked",
        "command_started",
        "command_finished",
        "command_started",
        "command_finished",
        "step_finished",
        "step_started",
        "manual_done",
        "step_finished",
        "run_finished",
    ];
    assert_eq!(kinds, expected);
}

#[test]
fn the_root_is_denied_and_nothing_runs() {
    let mut sim = Sim::new(RUNBOOK, &[("ou", "ou-1")]).answers(org("Root"));
    sim.start(tuesday_10am(), None);
    sim.run();
    assert_eq!(sim.finished, Some(4));
    assert!(!sim.ran().contains(&"attach:main".to_string()));
    let denied = sim
        .journal
        .iter()
        .find(|e| e.body.kind() == "target_denied")
        .unwrap();
    assert_eq!(
        denied.body,
        Body::TargetDenied {
            resolved: "Root".into(),
            rule: "deny".into(),
            pattern: "^Root$".into()
        }
    );
    assert_eq!(
        sim.e.phase(),
        Phase::Finished {
            outcome: Outcome::Refused,
            exit: crate::exit::Exit::Refused
        }
    );
}

#[test]
fn a_target_outside_must_match_is_refused() {
    let mut sim = Sim::new(RUNBOOK, &[("ou", "ou-1")]).answers(org("Production"));
    sim.start(tuesday_10am(), None);
    sim.run();
    assert_eq!(sim.finished, Some(4));
    assert!(sim.kinds().contains(&"target_denied".to_string()));
}

/// The tries the front ends say are left (`tries_left`) are the engine's own count: each
/// miss takes one, and the run halts exactly when none is left.
#[test]
fn the_tries_said_to_be_left_count_down_to_the_halt() {
    let mut sim = Sim::new(RUNBOOK, &[("ou", "ou-1")]).answers(org("quarantine-2023-12"));
    sim.start(tuesday_10am(), None);
    sim.run();
    let mut said = Vec::new();
    while let Phase::Confirm { misses, .. } = sim.e.phase() {
        said.push(super::tries_left(misses));
        sim.send(Event::Typed("quarantine".into()));
    }
    assert_eq!(said, [3, 2, 1]);
    assert!(
        matches!(sim.e.phase(), Phase::Halted(_)),
        "{:?}",
        sim.e.phase()
    );
}

#[test]
fn three_misses_halt_the_step_and_a_resume_asks_again_with_a_fresh_lookup() {
    let mut sim = Sim::new(RUNBOOK, &[("ou", "ou-1")]).answers(org("quarantine-2023-12"));
    sim.start(tuesday_10am(), None);
    sim.run();
    for typed in ["quarantine", "Root", "quarantine-2023-11"] {
        sim.send(Event::Typed(typed.into()));
    }
    assert_eq!(
        sim.finished,
        Some(4),
        "refused (exit 4), and not finished for good"
    );
    assert!(
        matches!(sim.e.phase(), Phase::Halted(ref r) if r.contains("shisa resume")),
        "{:?}",
        sim.e.phase()
    );
    assert!(!sim.kinds().contains(&"run_finished".to_string()));
    assert_eq!(
        sim.kinds()
            .iter()
            .filter(|k| *k == "target_mismatch")
            .count(),
        3
    );
    assert_eq!(
        sim.kinds().last().map(String::as_str),
        Some("run_interrupted")
    );
    assert!(!sim.ran().contains(&"attach:main".to_string()));
    let before = sim.ran();

    // Resumed (a replayed journal, as `shisa resume` does): not in doubt, the target is
    // looked up again and typed from a clean slate; the precheck and snapshot stay done.
    let journal = sim.journal.clone();
    let mut resumed = Sim::new(RUNBOOK, &[("ou", "ou-1")]).answers(org("quarantine-2023-12"));
    resumed.e = Engine::replay(
        sim.e.rb.clone(),
        operator(),
        sim.e.params().clone(),
        &journal,
    );
    resumed.send(Event::Resume {
        outside_window: None,
        clock_faked: None,
    });
    assert_eq!(
        resumed.e.phase(),
        Phase::Ready(2),
        "nothing runs before the operator says"
    );
    assert!(resumed.ran().is_empty());
    resumed.run();
    assert!(
        matches!(resumed.e.phase(), Phase::Confirm { misses: 0, .. }),
        "{:?}",
        resumed.e.phase()
    );
    assert_eq!(
        resumed.ran(),
        ["attach:describe"],
        "only the lookup ran again"
    );
    resumed.send(Event::Typed("quarantine-2023-12".into()));
    assert!(resumed.ran().contains(&"attach:main".to_string()));
    assert_eq!(before, ["caller:main", "save:main", "attach:describe"]);
    assert!(
        !resumed
            .ran()
            .iter()
            .any(|r| r.starts_with("caller") || r.starts_with("save")),
        "the precheck and the snapshot are not run again: {:?}",
        resumed.ran()
    );
}

#[test]
fn friday_evening_refuses_to_start_unless_overridden() {
    let mut sim = Sim::new(RUNBOOK, &[("ou", "ou-1")]).answers(org("quarantine-2023-12"));
    sim.start(friday_evening(), None);
    assert_eq!(sim.finished, Some(4));
    assert!(sim.ran().is_empty());
    assert_eq!(
        sim.kinds(),
        ["run_started", "window_checked", "run_finished"]
    );

    let mut sim = Sim::new(RUNBOOK, &[("ou", "ou-1")]).answers(org("quarantine-2023-12"));
    sim.start(
        friday_evening(),
        Some("incident INC-42: accounts are compromised now"),
    );
    assert_eq!(sim.finished, None);
    assert!(sim.kinds().contains(&"override".to_string()));
    sim.run();
    assert!(matches!(sim.e.phase(), Phase::Confirm { .. }));
}

#[test]
fn the_window_closing_mid_run_asks_the_operator_before_the_mutating_step() {
    let mut sim = Sim::new(RUNBOOK, &[("ou", "ou-1")]).answers(org("quarantine-2023-12"));
    sim.start(tuesday_10am(), None);
    sim.send(Event::Begin);
    sim.send(Event::Begin);
    sim.now = friday_evening();
    sim.send(Event::Begin);
    assert_eq!(sim.finished, None, "an operator at the screen is asked");
    assert!(matches!(
        sim.e.phase(),
        Phase::Failed {
            step: 2,
            prompt: Prompt::Window,
            ..
        }
    ));
    assert_eq!(sim.e.choices(), vec![K::Override, K::Abort]);
    assert!(!sim.ran().iter().any(|r| r.starts_with("attach")));
    // Why it asks is journaled as data (every phrasebook says it), beside the sentence.
    let asked = sim.journal.iter().rev().find_map(|e| match &e.body {
        Body::StepFailed { reason, why, .. } => Some((reason.clone(), why.clone())),
        _ => None,
    });
    let (reason, why) = asked.expect("step_failed");
    assert!(
        matches!(&why, Some(crate::journal::record::StepFailure::Window { shut })
            if matches!(shut, crate::journal::record::Shut::Denied { span, .. } if span == "Fri 12:00-24:00")),
        "{why:?}"
    );
    assert_eq!(
        reason,
        super::messages::step_failure(why.as_ref().unwrap(), &[])
    );
    assert!(reason.contains("the change has not started"), "{reason}");
    // An override needs a reason; with one it is journaled and the step can begin.
    assert!(
        sim.e
            .update(sim.now, Event::Choice(Choice::Override(" ".into())))
            .is_err()
    );
    sim.send(Event::Choice(Choice::Override(
        "INC-42 is still spreading".into(),
    )));
    assert!(sim.journal.iter().any(|e| matches!(
        &e.body,
        Body::Override { what: OverrideKind::Window, reason } if reason == "INC-42 is still spreading"
    )));
    assert_eq!(sim.e.phase(), Phase::Ready(2));
    sim.send(Event::Begin);
    assert!(matches!(sim.e.phase(), Phase::Confirm { step: 2, .. }));
    sim.send(Event::Typed("quarantine-2023-12".into()));
    assert!(sim.ran().contains(&"attach:main".to_string()));
}

#[test]
fn the_window_closing_mid_run_halts_a_line_mode_run() {
    let mut sim = Sim::new(RUNBOOK, &[("ou", "ou-1")]).answers(org("quarantine-2023-12"));
    sim.e = sim.e.clone().begins_steps_itself();
    sim.start(tuesday_10am(), None);
    sim.run();
    assert!(matches!(sim.e.phase(), Phase::Confirm { .. }));
    sim.now = friday_evening();
    sim.send(Event::Typed("quarantine-2023-12".into()));
    assert_eq!(sim.finished, Some(4));
    assert!(matches!(sim.e.phase(), Phase::Halted(_)));
    assert!(!sim.ran().contains(&"attach:main".to_string()));
}

#[test]
fn the_window_closing_while_the_target_is_typed_stops_the_change_from_starting() {
    let mut sim = Sim::new(RUNBOOK, &[("ou", "ou-1")]).answers(org("quarantine-2023-12"));
    sim.start(tuesday_10am(), None);
    sim.run();
    assert!(matches!(sim.e.phase(), Phase::Confirm { .. }));
    // The step began inside the window; the operator types the target after it closed.
    sim.now = friday_evening();
    sim.send(Event::Typed("quarantine-2023-12".into()));
    assert!(matches!(
        sim.e.phase(),
        Phase::Failed {
            prompt: Prompt::Window,
            ..
        }
    ));
    sim.send(Event::Choice(Choice::Abort(None)));
    assert_eq!(sim.finished, Some(4));
    assert!(
        !sim.ran().contains(&"attach:main".to_string()),
        "the change started outside the window: {:?}",
        sim.ran()
    );
}

#[test]
fn a_failed_snapshot_blocks_the_mutating_step() {
    let yaml = RUNBOOK.replace(
        "    capture: { snap: 'saved (\\S+)' }",
        "    capture: { snap: 'saved (\\S+)' }\n    on_failure: continue",
    );
    let mut sim = Sim::new(&yaml, &[("ou", "ou-1")]).answers(|s| match s.step_id.as_str() {
        "caller" => (0, "BreakGlass".into()),
        "save" => (1, "disk full".into()),
        _ => (0, String::new()),
    });
    sim.start(tuesday_10am(), None);
    sim.run();
    assert!(matches!(sim.e.phase(), Phase::Failed { step: 1, .. }));
    assert_eq!(
        sim.e.choices(),
        [K::Rollback, K::Retry, K::Abort, K::Continue]
    );
    sim.send(Event::Choice(Choice::Continue));
    sim.run();
    assert_eq!(sim.finished, Some(4));
    assert!(!sim.ran().iter().any(|r| r.starts_with("attach")));
    let last = sim
        .journal
        .iter()
        .rev()
        .find(|e| e.body.kind() == "step_finished")
        .unwrap();
    assert!(format!("{:?}", last.body).contains("snapshot step `save` has not succeeded"));
}

const THREE_CHANGES: &str = r#"version: 1
name: three
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
    rollback: [ { run: undo 2a }, { run: undo 2b } ]
  - id: three
    kind: action
    run: change 3
    target: { describe: echo three }
    verify: [ { run: check 3 } ]
    rollback: [ { run: undo 3 } ]
"#;

fn three_changes(fail_verify_of: &'static str) -> Sim {
    Sim::new(THREE_CHANGES, &[]).answers(move |s| match s.purpose {
        Purpose::Describe => (0, format!("{}\n", s.step_id)),
        Purpose::Verify(_) if s.step_id == fail_verify_of => (1, "403".into()),
        _ => (0, String::new()),
    })
}

pub(super) fn confirm_all(sim: &mut Sim) {
    loop {
        sim.run();
        match sim.e.phase() {
            Phase::Confirm { resolved, .. } => sim.send(Event::Typed(resolved)),
            _ => return,
        }
    }
}

#[test]
fn failure_at_the_third_change_rolls_back_in_reverse() {
    let mut sim = three_changes("three");
    sim.start(tuesday_10am(), None);
    confirm_all(&mut sim);
    let Phase::Failed {
        step: 3, reason, ..
    } = sim.e.phase()
    else {
        panic!("{:?}", sim.e.phase())
    };
    assert_eq!(reason, "verify-1: exit 1 (expected 0)");
    sim.send(Event::Choice(Choice::Rollback));
    assert_eq!(sim.finished, Some(1));
    let undo: Vec<String> = sim
        .ran()
        .into_iter()
        .filter(|r| r.contains("rollback"))
        .collect();
    assert_eq!(
        undo,
        [
            "three:rollback-1",
            "two:rollback-1",
            "two:rollback-2",
            "one:rollback-1"
        ]
    );
    let statuses: Vec<_> = sim.e.steps.iter().map(|s| s.status()).collect();
    use crate::journal::record::StepStatus::*;
    assert_eq!(
        statuses,
        [
            Some(Ok),
            Some(RolledBack),
            Some(RolledBack),
            Some(RolledBack)
        ]
    );
    assert_eq!(
        sim.e.phase(),
        Phase::Finished {
            outcome: Outcome::RolledBack,
            exit: crate::exit::Exit::Failed
        }
    );
}

#[test]
fn retries_then_operator_retry_reruns_the_failed_check_not_the_change() {
    let yaml = THREE_CHANGES.replace(
        "    verify: [ { run: check 1 } ]",
        "    verify: [ { run: check 1, retry: { attempts: 2, delay: 1s } } ]",
    );
    let mut fails = 3;
    let mut sim = Sim::new(&yaml, &[]).answers(move |s| match s.purpose {
        Purpose::Describe => (0, format!("{}\n", s.step_id)),
        Purpose::Verify(_) if s.step_id == "one" && fails > 0 => {
            fails -= 1;
            (1, String::new())
        }
        _ => (0, String::new()),
    });
    sim.start(tuesday_10am(), None);
    confirm_all(&mut sim);
    assert!(
        matches!(sim.e.phase(), Phase::Failed { step: 1, .. }),
        "{:?}",
        sim.e.phase()
    );
    sim.send(Event::Choice(Choice::Retry));
    confirm_all(&mut sim);
    assert_eq!(sim.finished, Some(0));
    let logs: Vec<&str> = sim
        .spawned
        .iter()
        .filter(|s| s.step_id == "one")
        .map(|s| s.log.as_str())
        .collect();
    assert_eq!(
        logs,
        [
            "output/one.describe.1.log",
            "output/one.1.log",
            "output/one.verify-1.1.log",
            "output/one.verify-1.2.log",
            // The operator's retry runs the failed check again, not the change.
            "output/one.verify-1.3.log",
            "output/one.verify-1.4.log"
        ]
    );
}

#[test]
fn a_failed_precheck_may_be_overridden_only_where_allowed() {
    let yaml = RUNBOOK.replace(
        "    expect: { stdout_matches: 'BreakGlass' }",
        "    expect: { stdout_matches: 'BreakGlass' }\n    allow_override: true",
    );
    let mut sim = Sim::new(&yaml, &[("ou", "ou-1")]).answers(|s| match s.step_id.as_str() {
        "caller" => (0, "role/ReadOnly".into()),
        _ => (0, "saved snap-1\n".into()),
    });
    sim.start(tuesday_10am(), None);
    sim.run();
    assert_eq!(sim.e.choices(), [K::Retry, K::Abort, K::Override]);
    assert!(
        sim.e
            .update(tuesday_10am(), Event::Choice(Choice::Rollback))
            .is_err()
    );
    sim.send(Event::Choice(Choice::Override(
        "ReadOnly is enough for a dry run".into(),
    )));
    assert_eq!(sim.e.phase(), Phase::Ready(1));
    assert!(sim.kinds().contains(&"override".to_string()));
}

const APPROVAL: &str = r#"version: 1
name: approve
steps:
  - id: snap
    kind: snapshot
    run: cp state "$SHISA_RUN_DIR/state.bak"
  - id: attach
    kind: action
    target: { describe: echo quarantine-2023-12 }
    approval: required
    argv: [orgctl, attach]
    verify: [ { run: check } ]
    rollback: [ { run: undo } ]
"#;

/// The approval runbook, at its approval request; with the request's command hash.
fn at_approval() -> (Sim, String) {
    to_approval(APPROVAL, &[], "quarantine-2023-12")
}

/// An engine waiting for a reviewer to approve step `attach`, typing
/// `quarantine-2023-12`: for the tests of what a watcher sends.
/// A watcher's view of a run waiting for approval: its journal replayed.
pub(crate) fn replay_at_approval() -> Replay {
    let sim = at_approval().0;
    let mut r = Replay::new(sim.e.written.clone(), operator());
    for entry in &sim.journal {
        r.apply(entry);
    }
    r
}

/// Runs `yaml` until its step waits for approval, its `describe` naming `target` and the
/// operator typing it back; returns the sim and the requested command's hash.
pub(super) fn to_approval(yaml: &str, params: &[(&str, &str)], target: &str) -> (Sim, String) {
    let described = format!("{target}\n");
    let mut sim = Sim::new(yaml, params).answers(move |s| {
        let out = if s.purpose == Purpose::Describe {
            described.clone()
        } else {
            String::new()
        };
        (0, out)
    });
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::Typed(target.into()));
    assert!(matches!(sim.e.phase(), Phase::Approval { .. }));
    let sha = requested_sha(&sim);
    (sim, sha)
}

#[test]
fn the_approval_names_the_host_the_change_runs_on_and_its_hash_covers_it() {
    let on = |host: &str| {
        let yaml = APPROVAL
            .replace("steps:\n", "params: { node: { pattern: '^web-[0-9]$' } }\nhosts: { box: { ssh: '{{ node }}' } }\nsteps:\n")
            .replace("    approval: required\n", "    approval: required\n    on: box\n");
        let (sim, sha) = to_approval(&yaml, &[("node", host)], "quarantine-2023-12");
        let command = sim
            .journal
            .iter()
            .find_map(|e| match &e.body {
                Body::ApprovalRequested { command, .. } => Some(command.clone()),
                _ => None,
            })
            .unwrap();
        (command, sha)
    };
    let (one, sha_one) = on("web-1");
    let (two, sha_two) = on("web-2");
    assert_eq!(one, "on web-1: orgctl attach");
    assert_eq!(two, "on web-2: orgctl attach");
    assert_ne!(sha_one, sha_two);
    // A local step's request is the command alone, as before.
    let (_, local) = at_approval();
    assert_ne!(local, sha_one);
}

/// A rejection given in this process (`client` None) or by shared-session client `client`
/// of run `run`, answering the latest request.
fn rejection(who: Actor, sha: &str, reason: &str, client: Option<(u64, &str)>) -> Event {
    let verdict = Verdict::Reject {
        reason: reason.into(),
    };
    match client {
        None => Event::Answer(event::Answer {
            who: Who::account(&who),
            reviewer: who,
            step: "attach".into(),
            command_sha256: sha.into(),
            verdict,
        }),
        Some((client, run)) => Event::ClientAnswer(ClientAnswer {
            client,
            run_id: run.into(),
            step: "attach".into(),
            command_sha256: sha.into(),
            request: "r1".into(),
            latest_request: Some("r1".into()),
            who: Who::account(&who),
            reviewer: who,
            verdict,
        }),
    }
}

/// The operator's reject intent carries no made-up step, hash or request: it is its own
/// event, which the engine refuses, naming what to do instead.
#[test]
fn the_operators_own_rejection_is_refused_and_says_to_abort() {
    let (mut sim, _) = at_approval();
    let event = crate::frontend::Intent::Reject("changed my mind".into()).event(&operator());
    assert_eq!(event, Event::OperatorRejects);
    let before = sim.journal.len();
    let refused = sim.e.update(tuesday_10am(), event).unwrap_err();
    assert_eq!(refused.0, messages::operator_rejects("ops1"));
    assert!(matches!(sim.e.phase(), Phase::Approval { .. }));
    assert_eq!(sim.journal.len(), before);
    let mut idle = Sim::new(APPROVAL, &[]);
    idle.start(tuesday_10am(), None);
    let refused = idle.e.update(tuesday_10am(), Event::OperatorRejects);
    assert_eq!(refused.unwrap_err().0, messages::NO_APPROVAL_WAITING);
}

#[test]
fn a_reviewer_rejects_with_a_reason_and_the_operator_decides() {
    let (mut sim, sha) = at_approval();
    // The operator cannot reject their own step, and a rejection needs a reason.
    assert!(
        sim.e
            .update(sim.now, rejection(operator(), &sha, "no", None))
            .is_err()
    );
    assert!(
        sim.e
            .update(sim.now, rejection(reviewer(), &sha, "  ", None))
            .is_err()
    );
    let fx = sim
        .e
        .update(
            sim.now,
            rejection(
                reviewer(),
                &sha,
                "the OU id is not the ticket's",
                Some((7, sim.e.run_id().unwrap())),
            ),
        )
        .unwrap();
    let kinds: Vec<&str> = fx
        .iter()
        .filter_map(|f| match f {
            Effect::Journal(e) => Some(e.body.kind()),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["approval_rejected", "step_failed"]);
    assert!(fx.iter().any(|f| matches!(
        f,
        Effect::Reply {
            client: 7,
            granted: true,
            ..
        }
    )));
    let Phase::Failed {
        prompt: Prompt::Rejected,
        reason,
        ..
    } = sim.e.phase()
    else {
        panic!("{:?}", sim.e.phase())
    };
    assert!(reason.contains("rev1 rejected the approval: “the OU id is not the ticket's”"));
    assert!(
        !sim.spawned
            .iter()
            .any(|s| s.purpose == Purpose::Main && s.step_id == "attach")
    );
    // No change was made yet: rollback is not offered.
    assert_eq!(sim.e.choices(), vec![K::Retry, K::Abort]);
    // Asking again makes a new request: an answer to the old one is stale.
    sim.send(Event::Choice(Choice::Retry));
    assert!(matches!(sim.e.phase(), Phase::Approval { .. }));
    let requests = sim
        .journal
        .iter()
        .filter(|e| matches!(e.body, Body::ApprovalRequested { .. }))
        .count();
    assert_eq!(requests, 2);
    sim.send(rejection(reviewer(), &sha, "still wrong", None));
    sim.send(Event::Choice(Choice::Abort(Some(
        "ticket to be fixed".into(),
    ))));
    assert_eq!(sim.finished, Some(4));
}

#[test]
fn approval_needs_another_person_typing_the_target() {
    let mut sim = Sim::new(APPROVAL, &[]).answers(|s| {
        (
            0,
            if s.purpose == Purpose::Describe {
                "quarantine-2023-12\n".into()
            } else {
                String::new()
            },
        )
    });
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::Typed("quarantine-2023-12".into()));
    let Phase::Approval {
        expected,
        allow_self: false,
        ..
    } = sim.e.phase()
    else {
        panic!("{:?}", sim.e.phase())
    };
    assert_eq!(expected, "quarantine-2023-12");
    let command_sha256 = requested_sha(&sim);
    // `fresh` false: a client's answer to an earlier request than the latest one.
    let run_id = sim.e.run_id().unwrap().to_string();
    let offer = |who: Actor, typed: &str, fresh: bool| {
        Event::ClientAnswer(ClientAnswer {
            client: 7,
            run_id: run_id.clone(),
            step: "attach".into(),
            command_sha256: command_sha256.clone(),
            request: "r1".into(),
            latest_request: Some(if fresh { "r1" } else { "r2" }.into()),
            who: Who::account(&who),
            reviewer: who,
            verdict: Verdict::Approve {
                typed: typed.into(),
            },
        })
    };
    sim.send(offer(operator(), "quarantine-2023-12", true));
    sim.send(offer(reviewer(), "Root", true));
    sim.send(offer(reviewer(), "quarantine-2023-12", false));
    // Another uid, but the same human logged in (sudo -u): still not a second person.
    sim.send(Event::Answer(event::Answer {
        reviewer: reviewer(),
        step: "attach".into(),
        command_sha256: command_sha256.clone(),
        verdict: Verdict::Approve {
            typed: "quarantine-2023-12".into(),
        },
        who: Who {
            person: Person {
                login_uid: Some(1000),
                ..Who::account(&operator()).person
            },
            groups: Vec::new(),
        },
    }));
    assert!(matches!(sim.e.phase(), Phase::Approval { .. }));
    let refusals: Vec<String> = sim
        .journal
        .iter()
        .filter_map(|e| match &e.body {
            Body::ApprovalRefused { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(refusals.len(), 3);
    assert!(
        refusals[2].contains("this is ops1, the operator, under another account"),
        "{}",
        refusals[2]
    );
    assert!(refusals[0].contains("ops1 is the operator"));
    assert!(refusals[1].contains("stale"));
    // The reviewer's wrong target is a miss, theirs, not a refusal of the approval; it does
    // not count against the operator's three tries.
    let missed: Vec<&Entry> = sim
        .journal
        .iter()
        .filter(|e| matches!(e.body, Body::TargetMismatch { .. }))
        .collect();
    assert_eq!(missed.len(), 1);
    assert_eq!(missed[0].actor.role, Role::Reviewer);
    assert!(matches!(
        &missed[0].body,
        Body::TargetMismatch { typed, misses: 0, .. } if typed == "Root"
    ));
    assert!(!sim.ran().contains(&"attach:main".to_string()));
    sim.send(offer(reviewer(), "quarantine-2023-12", true));
    assert_eq!(sim.finished, Some(0));
    let granted = sim
        .journal
        .iter()
        .find(|e| matches!(e.body, Body::ApprovalGranted { .. }))
        .unwrap();
    assert_eq!(granted.actor.user, "rev1");
}

#[test]
fn secrets_never_reach_the_journal() {
    let yaml = r#"version: 1
name: secret
params:
  token: { secret: true }
steps:
  - id: call
    kind: precheck
    argv: [curl, -H, '{{ token }}']
    expect: { stdout_contains: ok }
"#;
    let mut sim = Sim::new(yaml, &[("token", "hunter2-xyz")])
        .answers(|_| (0, "echo hunter2-xyz denied".into()));
    sim.e.params.secrets.push("token".into());
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::Note {
        actor: operator(),
        text: "token was hunter2-xyz".into(),
    });
    sim.send(Event::Choice(Choice::Abort(Some(
        "leaked hunter2-xyz?".into(),
    ))));
    let text = format!("{:?}", sim.journal);
    assert!(!text.contains("hunter2-xyz"), "{text}");
    assert!(text.contains("[REDACTED:token]"));
    // The command itself got the real value.
    assert_eq!(
        sim.spawned[0].program,
        Program::Argv(vec!["curl".into(), "-H".into(), "hunter2-xyz".into()])
    );
}

/// The state a journal rebuilds, compared field by field with the live one.
pub(super) fn same_state(a: &Engine, b: &Engine) {
    assert_eq!(a.steps, b.steps);
    assert_eq!(a.current, b.current);
    assert_eq!(a.run, b.run);
    assert_eq!(a.captured, b.captured);
    assert_eq!(a.phase(), b.phase());
}

#[test]
fn replaying_the_journal_rebuilds_the_live_state_at_every_point() {
    let mut sim = three_changes("three");
    sim.start(tuesday_10am(), None);
    confirm_all(&mut sim);
    sim.send(Event::Choice(Choice::Rollback));
    for n in 0..=sim.journal.len() {
        let mut live = Sim::new(THREE_CHANGES, &[]);
        for entry in &sim.journal[..n] {
            live.e.apply(entry);
        }
        let replayed = Engine::replay(
            live.e.rb.clone(),
            operator(),
            Params::default(),
            &sim.journal[..n],
        );
        same_state(&live.e, &replayed);
    }
    let replayed = Engine::replay(
        sim.e.rb.clone(),
        operator(),
        Params::default(),
        &sim.journal,
    );
    same_state(&sim.e, &replayed);
}

/// Where a step's own command started in a journal: the point a crash cuts at.
pub(super) fn main_started(journal: &[Entry], step: &str) -> usize {
    journal
        .iter()
        .position(|e| {
            e.step.as_deref() == Some(step)
                && matches!(
                    e.body,
                    Body::CommandStarted {
                        purpose: Purpose::Main,
                        ..
                    }
                )
        })
        .expect("the step's command started")
}

#[test]
fn a_crash_mid_command_resumes_with_the_step_in_doubt() {
    let mut sim = three_changes("none");
    sim.start(tuesday_10am(), None);
    confirm_all(&mut sim);
    // Cut the journal right after the second change's command started.
    let cut = main_started(&sim.journal, "two");
    let mut resumed = Sim::new(THREE_CHANGES, &[]).answers(|s| (0, format!("{}\n", s.step_id)));
    resumed.e = Engine::replay(
        sim.e.rb.clone(),
        operator(),
        Params::default(),
        &sim.journal[..=cut],
    );
    resumed.send(Event::Resume {
        outside_window: None,
        clock_faked: None,
    });
    assert_eq!(resumed.e.phase(), Phase::InDoubt(2));
    assert_eq!(resumed.e.choices(), [K::Rerun, K::Done, K::Rollback]);
    resumed.send(Event::Choice(Choice::Done(
        "checked by hand: change 2 is in place".into(),
    )));
    confirm_all(&mut resumed);
    assert_eq!(resumed.finished, Some(0));
    // Nothing finished before the crash ran again, and `done` did not skip the in-doubt
    // change's verify: it ran before the run went on.
    let ran = resumed.ran();
    assert!(
        ran.iter()
            .all(|r| r.starts_with("three:") || r.starts_with("two:verify")),
        "{ran:?}"
    );
    assert!(ran[0].starts_with("two:verify"), "{ran:?}");
}

#[test]
fn an_interrupt_mid_command_resumes_with_the_step_in_doubt() {
    let mut sim = three_changes("none");
    sim.start(tuesday_10am(), None);
    confirm_all(&mut sim);
    let cut = main_started(&sim.journal, "two");
    // SIGTERM (or the operator quitting) while the change runs: the run is interrupted,
    // then the killed command's result arrives and is journaled.
    let mut e = Engine::replay(
        sim.e.rb.clone(),
        operator(),
        Params::default(),
        &sim.journal[..=cut],
    );
    let mut journal = sim.journal[..=cut].to_vec();
    for event in [
        Event::Interrupt(crate::journal::record::Halt::Sigterm),
        Event::CommandDone(CommandResult {
            step: 2,
            purpose: Some(Purpose::Main),
            attempt: 1,
            signal: Some(15),
            ..Default::default()
        }),
    ] {
        for f in e.update(tuesday_10am(), event).unwrap() {
            if let Effect::Journal(entry) = f {
                journal.push(entry);
            }
        }
    }
    let mut resumed = Sim::new(THREE_CHANGES, &[]).answers(|s| (0, format!("{}\n", s.step_id)));
    resumed.e = Engine::replay(sim.e.rb.clone(), operator(), Params::default(), &journal);
    resumed.send(Event::Resume {
        outside_window: None,
        clock_faked: None,
    });
    assert_eq!(resumed.e.phase(), Phase::InDoubt(2));
    assert!(resumed.spawned.is_empty(), "nothing ran again on its own");
}

#[test]
fn notes_are_accepted_at_any_time_and_events_out_of_turn_are_refused() {
    let mut sim = Sim::new(RUNBOOK, &[("ou", "ou-1")]).answers(org("quarantine-2023-12"));
    assert!(sim.e.update(tuesday_10am(), Event::Begin).is_err());
    sim.start(tuesday_10am(), None);
    assert!(
        sim.e
            .update(tuesday_10am(), Event::Typed("x".into()))
            .is_err()
    );
    assert!(
        sim.e
            .update(
                tuesday_10am(),
                Event::ManualDone {
                    choice: None,
                    note: None,
                }
            )
            .is_err()
    );
    sim.send(Event::Note {
        actor: reviewer(),
        text: "watching from bastion-2".into(),
    });
    let note = sim.journal.last().unwrap();
    assert_eq!(note.actor.user, "rev1");
    let forged = Event::Note {
        actor: reviewer(),
        text: "ok\n18:00:00.000  APPROVED by alice\x1b]0;x\x07".into(),
    };
    assert!(
        sim.e.update(tuesday_10am(), forged).is_err(),
        "a note cannot forge lines or act on a terminal"
    );
    let vars: BTreeMap<String, String> = sim.e.vars();
    assert_eq!(vars.get("ou").map(String::as_str), Some("ou-1"));
}

/// The command hash the approval request binds an approval to.
fn requested_sha(sim: &Sim) -> String {
    sim.journal
        .iter()
        .find_map(|e| match &e.body {
            Body::ApprovalRequested { command_sha256, .. } => Some(command_sha256.clone()),
            _ => None,
        })
        .expect("an approval request")
}

/// The kinds of what `update` returned, in order: records by kind, then the other effects.
fn order(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .map(|f| match f {
            Effect::Journal(e) => e.body.kind().to_string(),
            Effect::Spawn(_) => "SPAWN".into(),
            Effect::Timer { .. } => "TIMER".into(),
            Effect::Stop => "STOP".into(),
            Effect::Reply { granted, .. } => format!("REPLY {granted}"),
            Effect::Finish { exit, .. } => format!("FINISH {exit}"),
        })
        .collect()
}

/// A run whose first step's command is in flight (the runner never answers).
fn in_flight() -> Engine {
    let mut sim = Sim::new(
        "version: 1\nname: t\nsteps:\n  - id: slow\n    kind: precheck\n    run: sleep 60\n",
        &[],
    );
    // Start through the simulator; begin by hand, so that no one answers the command.
    sim.start(tuesday_10am(), None);
    let fx = sim.e.update(tuesday_10am(), Event::Begin).unwrap();
    assert_eq!(order(&fx).last().map(String::as_str), Some("SPAWN"));
    sim.e
}

#[test]
fn a_stop_is_journaled_before_the_signal() {
    let mut e = in_flight();
    let fx = e
        .update(
            tuesday_10am(),
            Event::Stop("the operator stopped it".into()),
        )
        .unwrap();
    assert_eq!(order(&fx), ["stop_requested", "STOP"]);
    // With nothing running there is nothing to stop, and nothing is written.
    let mut idle = Sim::new(RUNBOOK, &[]);
    assert!(
        idle.e
            .update(tuesday_10am(), Event::Stop("x".into()))
            .is_err()
    );
}

#[test]
fn an_interrupt_journals_then_stops_the_command_then_ends() {
    let mut e = in_flight();
    let fx = e
        .update(
            tuesday_10am(),
            Event::Interrupt(crate::journal::record::Halt::Sigterm),
        )
        .unwrap();
    assert_eq!(order(&fx), ["run_interrupted", "STOP", "FINISH 3"]);
}

#[test]
fn a_lost_output_log_is_journaled_and_nothing_runs_after_it() {
    let mut e = in_flight();
    let (step, purpose, attempt) = e.running().unwrap();
    let fx = e
        .update(
            tuesday_10am(),
            Event::CommandDone(CommandResult {
                step,
                purpose: Some(purpose),
                attempt,
                exit: Some(0),
                log_error: Some("No space left on device".into()),
                ..Default::default()
            }),
        )
        .unwrap();
    assert_eq!(
        order(&fx),
        ["command_finished", "run_interrupted", "FINISH 1"],
        "no spawn, no prompt"
    );
}

#[test]
fn the_engine_builds_the_operators_own_approval_and_answers_a_reviewer() {
    let mut sim = Sim::new(APPROVAL, &[]).answers(|s| {
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
    // The operator may not approve their own step here: the engine says so, and journals it.
    let fx = sim
        .e
        .update(
            tuesday_10am(),
            Event::SelfApproval {
                typed: "quarantine-2023-12".into(),
            },
        )
        .unwrap();
    assert_eq!(order(&fx), ["approval_refused"]);
    // A reviewer's client hears the engine's verdict.
    let command_sha256 = requested_sha(&sim);
    let fx = sim
        .e
        .update(
            tuesday_10am(),
            Event::ClientAnswer(ClientAnswer {
                client: 7,
                run_id: sim.e.run_id().unwrap().to_string(),
                step: "attach".into(),
                command_sha256,
                request: "r1".into(),
                latest_request: Some("r1".into()),
                reviewer: reviewer(),
                who: Who::account(&reviewer()),
                verdict: Verdict::Approve {
                    typed: "quarantine-2023-12".into(),
                },
            }),
        )
        .unwrap();
    assert_eq!(order(&fx)[..2], ["REPLY true", "approval_granted"]);
}

/// Two steps with one id (the loader refuses this now; the engine must not trust it): the
/// second step's records land on the first, and the run would repeat one piece of work
/// forever. The engine notices the lack of progress (a debug build stops at once).
#[test]
#[should_panic(expected = "no progress")]
fn work_that_moves_nothing_on_is_caught_not_repeated() {
    let loaded = load_str(
        "t.yaml",
        "version: 1\nname: t\nsteps:\n  - id: a\n    kind: precheck\n    run: 'true'\n  - id: b\n    kind: precheck\n    run: 'true'\n",
    )
    .unwrap();
    let mut rb = loaded.runbook;
    for step in &mut rb.steps {
        step.id = String::new();
    }
    let mut sim = Sim {
        e: Engine::new(Arc::new(rb), operator(), Params::default()),
        journal: Vec::new(),
        spawned: Vec::new(),
        finished: None,
        answer: Box::new(|_| (0, String::new())),
        now: tuesday_10am(),
    };
    sim.start(tuesday_10am(), None);
    sim.run();
}

#[test]
fn a_capture_that_is_the_start_of_a_secret_is_masked_but_commands_get_it() {
    let yaml = r#"version: 1
name: secret
params:
  token: { secret: true }
steps:
  - id: peek
    kind: precheck
    run: show-token
    capture: { head: 'tok=(\w{4})' }
  - id: use
    kind: precheck
    argv: [use, '{{ head }}']
"#;
    let mut sim =
        Sim::new(yaml, &[("token", "hunter2-xyz")]).answers(|_| (0, "tok=hunter2-xyz\n".into()));
    sim.e.params.secrets.push("token".into());
    sim.start(tuesday_10am(), None);
    sim.run();
    let text = format!("{:?}", sim.journal);
    assert!(!text.contains("\"hunt\""), "{text}");
    assert_eq!(sim.e.shown_vars()["head"], "[REDACTED:token]");
    assert_eq!(
        sim.spawned[1].program,
        Program::Argv(vec!["use".into(), "hunt".into()])
    );
}

const SECRET_TARGET: &str = r#"version: 1
name: t
params:
  tok: { secret: true }
steps:
  - id: snap
    kind: snapshot
    run: cp state "$SHISA_RUN_DIR/state.bak"
  - id: drop
    kind: action
    target: { describe: describe, deny: ['^prod-'] }
    run: drop
    verify: [ { run: check } ]
    rollback: [ { run: undo } ]
"#;

fn secret_target(tok: &str, target: &'static str) -> Sim {
    let mut sim = Sim::new(SECRET_TARGET, &[("tok", tok)]).answers(move |s| {
        let out = if s.purpose == Purpose::Describe {
            format!("{target}\n")
        } else {
            String::new()
        };
        (0, out)
    });
    sim.e.params.secrets.push("tok".into());
    sim.start(tuesday_10am(), None);
    sim.run();
    sim
}

#[test]
fn deny_judges_the_real_target_even_where_a_secret_masks_it() {
    // The secret happens to be `prod`: the journal shows `[REDACTED:tok]-main`, which
    // `^prod-` would not match.
    let sim = secret_target("prod", "prod-main");
    assert!(
        !sim.ran().contains(&"drop:main".to_string()),
        "{:?}",
        sim.ran()
    );
    assert!(sim.kinds().contains(&"target_denied".to_string()));
}

#[test]
fn the_real_target_is_typed_not_its_mask() {
    let mut sim = secret_target("S3cretValue9", "db-S3cretValue9-01");
    sim.send(Event::Typed("db-[REDACTED:tok]-01".into()));
    assert!(matches!(sim.e.phase(), Phase::Confirm { misses: 1, .. }));
    sim.send(Event::Typed("db-S3cretValue9-01".into()));
    assert!(
        sim.ran().contains(&"drop:main".to_string()),
        "{:?}",
        sim.ran()
    );
    let text = format!("{:?}", sim.journal);
    assert!(!text.contains("S3cretValue9"), "{text}");
}

#[test]
fn a_change_by_hand_is_not_shown_after_the_window_closed() {
    let yaml = RUNBOOK.replace(
        "  - id: tell\n    kind: manual\n    instructions: Tell the customer.\n",
        "",
    ) + "  - id: click\n    kind: manual\n    mutating: true\n    target: { describe: orgctl describe }\n    \
           instructions: Click it.\n    waive: { verify: by hand, rollback: by hand }\n";
    let mut org = org("quarantine-2023-12");
    let mut sim = Sim::new(&yaml, &[("ou", "ou-1")]).answers(move |s| match s.step_id.as_str() {
        "click" => (0, "quarantine-2023-12\n".into()),
        _ => org(s),
    });
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::Typed("quarantine-2023-12".into()));
    sim.run();
    assert!(
        matches!(sim.e.phase(), Phase::Confirm { step: 3, .. }),
        "{:?}",
        sim.e.phase()
    );
    sim.now = friday_evening();
    sim.send(Event::Typed("quarantine-2023-12".into()));
    assert!(
        matches!(
            sim.e.phase(),
            Phase::Failed {
                prompt: Prompt::Window,
                ..
            }
        ),
        "{:?}",
        sim.e.phase()
    );
    sim.send(Event::Choice(Choice::Abort(Some("next window".into()))));
    assert_eq!(sim.finished, Some(4));
}

/// RUNBOOK up to its manual step: the policy attached and verified, in place.
fn changed_then_manual() -> Sim {
    let mut sim = Sim::new(RUNBOOK, &[("ou", "ou-1")]).answers(org("quarantine-2023-12"));
    sim.start(tuesday_10am(), None);
    sim.run();
    sim.send(Event::Typed("quarantine-2023-12".into()));
    sim.run();
    assert_eq!(sim.e.phase(), Phase::Manual(3));
    sim
}

fn rollback_requested(reason: &str, outside: Option<&str>) -> Event {
    Event::RollbackRequested {
        reason: reason.into(),
        outside_window: outside.map(str::to_string),
    }
}

#[test]
fn an_ended_runs_changes_are_rolled_back_later_on_request() {
    let mut sim = changed_then_manual();
    sim.send(Event::Abort(Some("customer asked to wait".into())));
    assert_eq!(sim.finished, Some(3));
    assert_eq!(
        sim.e.rollback_plan_now().undo,
        vec![2],
        "attach is in place"
    );
    // A reason is required; outside the window a rollback is a change like any other.
    assert!(
        sim.e
            .update(sim.now, rollback_requested(" ", None))
            .is_err()
    );
    sim.now = friday_evening();
    let refused = sim
        .e
        .update(sim.now, rollback_requested("undo", None))
        .unwrap_err();
    assert!(refused.0.contains("--outside-window"), "{refused}");
    sim.send(rollback_requested("INC-42 closed", Some("customer outage")));
    // The target is looked up again and typed again before anything is undone.
    assert_eq!(
        sim.e.phase(),
        Phase::Confirm {
            step: 2,
            resolved: "quarantine-2023-12".into(),
            misses: 0
        }
    );
    assert!(!sim.ran().contains(&"attach:rollback-1".to_string()));
    sim.send(Event::Typed("quarantine-2023-12".into()));
    assert!(
        sim.ran().contains(&"attach:rollback-1".to_string()),
        "{:?}",
        sim.ran()
    );
    assert_eq!(
        sim.finished,
        Some(0),
        "a requested rollback that undid everything"
    );
    let kinds = sim.kinds();
    let from = kinds
        .iter()
        .position(|k| k == "rollback_requested")
        .unwrap();
    assert_eq!(kinds[from - 1], "run_finished");
    assert_eq!(
        &kinds[from..],
        [
            "rollback_requested",
            "override",
            "window_checked",
            "rollback_started",
            "command_started",
            "command_finished",
            "target_resolved",
            "target_confirmed",
            "window_checked",
            "command_started",
            "command_finished",
            "step_finished",
            "rollback_finished",
            "run_finished"
        ]
    );
    // Nothing is left to undo: asking again is refused.
    assert!(
        sim.e
            .update(sim.now, rollback_requested("again", Some("x")))
            .is_err()
    );
}

#[test]
fn a_live_run_rolls_back_instead_of_leaving_its_changes() {
    let mut sim = changed_then_manual();
    sim.send(rollback_requested("customer withdrew consent", None));
    assert!(sim.ran().contains(&"attach:rollback-1".to_string()));
    assert_eq!(sim.finished, Some(0));
    assert_eq!(
        sim.e.step(3).status(),
        Some(crate::journal::record::StepStatus::Skipped)
    );
    // Before any change there is nothing to undo.
    let mut fresh = Sim::new(RUNBOOK, &[("ou", "ou-1")]).answers(org("quarantine-2023-12"));
    fresh.start(tuesday_10am(), None);
    assert!(
        fresh
            .e
            .update(fresh.now, rollback_requested("x", None))
            .is_err()
    );
}

/// With `allow_self`, the operator who has just typed the target to confirm the step
/// approves it without typing it again: nothing typed approves the confirmed target.
#[test]
fn self_approval_after_typing_the_target_does_not_ask_for_it_again() {
    let yaml = APPROVAL.replace("approval: required", "approval: { allow_self: true }");
    let mut sim = Sim::new(&yaml, &[]).answers(|s| {
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
    assert!(!sim.e.self_approval_needs_typing());
    let fx = sim
        .e
        .update(tuesday_10am(), Event::SelfApproval { typed: " ".into() })
        .unwrap();
    assert_eq!(order(&fx)[0], "approval_granted");
    let granted = fx
        .iter()
        .find_map(|f| match f {
            Effect::Journal(Entry {
                body:
                    Body::ApprovalGranted {
                        typed,
                        self_approved,
                        ..
                    },
                ..
            }) => Some((typed.clone(), *self_approved)),
            _ => None,
        })
        .unwrap();
    assert_eq!(granted, ("quarantine-2023-12".to_string(), true));
}

/// An abort without a reason is journaled in the engine's words for where the run stood,
/// so the TUI and headless (which send none) journal the same sentence.
#[test]
fn an_abort_without_a_reason_is_journaled_in_the_engines_words() {
    let run_finished_reason = |sim: &Sim| {
        sim.journal.iter().rev().find_map(|e| match &e.body {
            Body::RunFinished { reason, .. } => reason.clone(),
            _ => None,
        })
    };
    let (mut sim, _) = at_approval();
    sim.send(Event::Abort(None));
    assert_eq!(
        run_finished_reason(&sim).as_deref(),
        Some("the operator aborted while waiting for approval")
    );
    let mut sim = changed_then_manual();
    sim.send(Event::Abort(None));
    assert_eq!(
        run_finished_reason(&sim).as_deref(),
        Some("the operator aborted")
    );
    // A reason given is the operator's, word for word.
    let mut sim = changed_then_manual();
    sim.send(Event::Abort(Some("customer asked to wait".into())));
    assert_eq!(
        run_finished_reason(&sim).as_deref(),
        Some("customer asked to wait")
    );
}

/// The driver reports how a command on a host failed as data; the engine journals its
/// stable name and its own sentence for it (the same words the log of the command gets).
#[test]
fn a_remote_failure_is_journaled_by_its_kind_in_the_engines_words() {
    let yaml = "version: 1\nname: r\nhosts: { box: { ssh: web-1 } }\nsteps:\n  - id: look\n    kind: precheck\n    on: box\n    run: uptime\n";
    let cases = [
        (
            RemoteFailure::StoppedConnecting {
                host: "web-1".into(),
            },
            "stopped_connecting",
            "stopped while connecting to web-1; nothing ran there".to_string(),
        ),
        (
            RemoteFailure::Ssh(crate::engine::ssh_failure::Failure::Unresolved {
                host: "web-1".into(),
            }),
            "unresolved",
            messages::ssh_failure(&crate::engine::ssh_failure::Failure::Unresolved {
                host: "web-1".into(),
            }),
        ),
    ];
    for (failure, kind, sentence) in cases {
        let mut sim = Sim::new(yaml, &[]);
        sim.start(tuesday_10am(), None);
        let spawn = sim
            .e
            .update(sim.now, Event::Begin)
            .unwrap()
            .into_iter()
            .find_map(|f| match f {
                Effect::Spawn(s) => Some(s),
                _ => None,
            })
            .expect("the precheck spawns");
        sim.send(Event::CommandDone(CommandResult {
            step: spawn.step,
            purpose: Some(spawn.purpose),
            attempt: spawn.attempt,
            exit: Some(255),
            remote: Some(failure),
            ..Default::default()
        }));
        let (ssh_failure, why) = sim
            .journal
            .iter()
            .find_map(|e| match &e.body {
                Body::CommandFinished {
                    ssh_failure, why, ..
                } => Some((ssh_failure.clone(), why.clone())),
                _ => None,
            })
            .expect("command_finished");
        assert_eq!(ssh_failure.as_deref(), Some(kind));
        assert_eq!(
            why,
            Some(crate::journal::reason::CommandFailure::Ssh {
                kind: kind.into(),
                message: sentence.clone(),
            })
        );
        assert!(sentence.contains("web-1"), "{sentence}");
    }
}
