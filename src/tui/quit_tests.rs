//! The quit question (Ctrl-C or q): an approval arriving under it does not start the change,
//! and with a command running it still lists the changes in place and offers rolling back or
//! aborting (the command stopped first). Same harness as `tests.rs`; snapshots at 80×24 and
//! 120×40.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tests::{Sim, approval_sim, sizes, snap};
use crate::engine::{Answer, Event, Phase, Verdict, Who};
use crate::frontend::Intent;
use crate::journal::record::{Actor, Body, Choice, Purpose, Role};
use crate::runbook::load_str;

fn rev2() -> Actor {
    Actor {
        role: Role::Reviewer,
        user: "rev2".into(),
        uid: 1002,
        host: "bastion-1".into(),
    }
}

/// The operator waits for rev2's approval and presses Ctrl-C; rev2 then approves.
fn approved_under_quit(w: u16, h: u16) -> Sim {
    let mut sim = approval_sim(w, h, false);
    sim.feed(Event::WatcherJoined("rev2 (uid 1002, pid 4242)".into()));
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(sim.key_event(ctrl_c), vec![Intent::Deciding(true)]);
    let pending = sim.e().pending_approval().unwrap();
    sim.feed(Event::Answer(Answer {
        reviewer: rev2(),
        step: pending.step_id,
        command_sha256: pending.command_sha256,
        who: Who::account(&rev2()),
        verdict: Verdict::Approve {
            typed: "k-2023-live".into(),
        },
    }));
    sim
}

fn granted(sim: &Sim) -> bool {
    sim.entries()
        .iter()
        .any(|e| matches!(e.body, Body::ApprovalGranted { .. }))
}

fn main_started(sim: &Sim) -> bool {
    sim.entries().iter().any(|e| {
        matches!(
            e.body,
            Body::CommandStarted {
                purpose: Purpose::Main,
                ..
            }
        ) && e.step.as_deref() == Some("rotate")
    })
}

#[test]
fn an_approval_under_the_quit_question_is_recorded_and_the_change_waits_for_the_operator() {
    for (w, h) in sizes() {
        let mut sim = approved_under_quit(w, h);
        assert!(granted(&sim), "the approval is journaled when it is given");
        assert!(sim.spawned().is_none(), "nothing starts under the question");
        assert!(!main_started(&sim));
        let screen = sim.screen();
        // The question the operator opened is the one they still read: no command is
        // running, and abort is still offered.
        assert!(screen.contains("Quit?"), "{screen}");
        assert!(!screen.contains("stopped first"), "{screen}");
        assert!(screen.contains("press a to abort"), "{screen}");
        snap!("approved_under_quit", sim);
        // Esc: the operator stays, and the approved change starts then.
        assert_eq!(sim.key(KeyCode::Esc), vec![Intent::Deciding(false)]);
        let started = sim
            .spawned()
            .expect("the approved change starts once they stay");
        assert_eq!(
            (started.step_id.as_str(), started.purpose),
            ("rotate", Purpose::Main)
        );
        assert!(matches!(sim.e().phase(), Phase::Running { .. }));
    }
}

#[test]
fn quitting_after_an_approval_under_the_question_leaves_the_change_unstarted() {
    let mut sim = approved_under_quit(80, 24);
    let intents = sim.key(KeyCode::Char('y'));
    assert_eq!(intents[1], Intent::Deciding(false), "{intents:?}");
    assert!(sim.spawned().is_none());
    assert!(!main_started(&sim), "the change never started");
    let bodies: Vec<_> = sim.entries().into_iter().map(|e| e.body).collect();
    let at = |f: fn(&Body) -> bool| bodies.iter().position(f);
    let grant = at(|b| matches!(b, Body::ApprovalGranted { .. })).unwrap();
    let stop = at(|b| matches!(b, Body::RunInterrupted { .. })).unwrap();
    assert!(
        grant < stop,
        "the journal says: approved, then the operator quit"
    );
    assert!(
        !bodies
            .iter()
            .any(|b| matches!(b, Body::StopRequested { .. })),
        "no command was running to stop"
    );
}

#[test]
fn aborting_after_an_approval_under_the_question_never_starts_the_change() {
    let mut sim = approved_under_quit(80, 24);
    sim.key(KeyCode::Char('a'));
    assert!(
        sim.screen().contains("Why abort the run"),
        "{}",
        sim.screen()
    );
    let intents = sim.key(KeyCode::Enter);
    assert_eq!(intents, vec![Intent::Abort(None), Intent::Deciding(false)]);
    assert!(sim.spawned().is_none());
    assert!(!main_started(&sim));
    assert!(matches!(sim.e().phase(), Phase::Finished { .. }));
}

const CHANGE_THEN_SLEEP: &str = r#"
version: 1
name: Flip the flag, then let it settle
steps:
  - id: flip
    kind: action
    title: Turn the cache flag on
    run: flagctl on cache
    waive: { snapshot: "a flag", target: "one cache", verify: "the next step waits" }
    rollback:
      - run: flagctl off cache
  - id: settle
    kind: action
    mutating: false
    read_only: "it only waits"
    title: Let the caches settle
    run: sleep 20
"#;

/// The change has finished; the next step's `sleep 20` runs.
fn sleeping(w: u16, h: u16) -> Sim {
    let mut sim = Sim::new(load_str("settle.yaml", CHANGE_THEN_SLEEP).unwrap(), w, h);
    sim.key(KeyCode::Enter);
    sim.done(0, "cache on\n");
    sim.key(KeyCode::Enter);
    let s = sim.spawned().expect("the sleep runs");
    assert_eq!(s.step_id, "settle");
    sim
}

#[test]
fn q_while_a_command_runs_lists_the_changes_in_place_and_what_happens_to_the_command() {
    for (w, h) in sizes() {
        let mut sim = sleeping(w, h);
        assert_eq!(sim.key(KeyCode::Char('q')), vec![Intent::Deciding(true)]);
        let screen = sim.screen();
        assert!(
            screen.contains("Changes of this run in place now:"),
            "{screen}"
        );
        assert!(screen.contains("◆ Turn the cache flag on"), "{screen}");
        assert!(screen.contains("stopped first"), "{screen}");
        assert!(screen.contains("roll back"), "{screen}");
        snap!("quit_while_running_with_changes", sim);
    }
}

#[test]
fn r_at_the_quit_question_stops_the_command_then_offers_rolling_back_or_aborting() {
    for key in ['r', 'a'] {
        let mut sim = sleeping(80, 24);
        sim.key(KeyCode::Char('q'));
        assert_eq!(
            sim.key(KeyCode::Char(key)),
            vec![Intent::Stop, Intent::Deciding(false)],
            "{key}"
        );
        assert_eq!(sim.stopped(), vec!["settle".to_string()], "{key}");
        // The command ends as TERM left it: its step fails, and the engine asks.
        sim.done(143, "");
        assert!(
            matches!(sim.e().phase(), Phase::Failed { .. }),
            "{key}: {:?}",
            sim.e().phase()
        );
        let choices = sim.e().choices();
        assert!(
            choices.contains(&crate::journal::record::ChoiceKind::Rollback),
            "{choices:?}"
        );
        assert!(
            choices.contains(&crate::journal::record::ChoiceKind::Abort),
            "{choices:?}"
        );
        // Rollback first: it undoes the change in place.
        assert_eq!(
            sim.key(KeyCode::Enter),
            vec![Intent::Choice(Choice::Rollback)],
            "{key}"
        );
    }
}
