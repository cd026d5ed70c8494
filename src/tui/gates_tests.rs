//! Screens around the gates that stop a change mid-run: the change window counting down and
//! closing, a reviewer's rejection, and what an abort leaves in place. Same harness as
//! `tests.rs` (a real engine, fixed times), snapshots at 80×24 and 120×40.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::KeyCode;

use super::tests::{APPROVAL, Sim, approval_sim, sizes, snap};
use crate::engine::{Engine, Event, Phase};
use crate::frontend::{FrontEnd, Intent};
use crate::journal::record::{Choice, Prompt};
use crate::runbook::load_str;

fn tokyo(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().into()
}

/// The approval runbook (window Mon-Fri 09:00-18:00 JST), run up to the change at `at`.
fn near_closing(w: u16, h: u16, at: &str) -> Sim {
    let mut sim = Sim::new(load_str("approval.yaml", APPROVAL).unwrap(), w, h);
    sim.set_at(tokyo(at));
    sim.app().ui.frozen = Some((sim.at(), Duration::from_secs(83)));
    sim
}

#[test]
fn the_header_counts_down_to_the_window_closing() {
    for (w, h) in sizes() {
        let mut sim = near_closing(w, h, "2023-12-05T17:50:00+09:00");
        let screen = sim.screen();
        assert!(screen.contains("closes 18:00 JST (in 10m00s)"), "{screen}");
        assert!(screen.contains("times in JST"), "{screen}");
        snap!("window_countdown", sim);
    }
}

#[test]
fn a_window_closing_mid_run_offers_the_override_instead_of_ending() {
    for (w, h) in sizes() {
        let mut sim = near_closing(w, h, "2023-12-05T17:58:00+09:00");
        sim.key(KeyCode::Enter);
        sim.done(0, "");
        // The snapshot is taken; the change's step begins after 18:00.
        sim.set_at(tokyo("2023-12-05T18:01:00+09:00"));
        sim.app().ui.frozen = Some((sim.at(), Duration::from_secs(190)));
        sim.key(KeyCode::Enter);
        assert!(matches!(
            sim.e().phase(),
            Phase::Failed {
                prompt: Prompt::Window,
                ..
            }
        ));
        assert!(
            sim.spawned().is_none(),
            "nothing ran after the window closed"
        );
        let screen = sim.screen();
        assert!(screen.contains("The change window closed"), "{screen}");
        // The header says when the window opens and who watches, whole at 80 columns too.
        assert!(
            screen.contains("window CLOSED, opens Wed 09:00 JST")
                && screen.contains("nobody watching"),
            "{screen}"
        );
        snap!("window_closed_mid_run", sim);
        // `o` selects the override, which asks why; the reason goes to the journal.
        sim.key(KeyCode::Char('o'));
        assert!(
            sim.key(KeyCode::Enter).is_empty(),
            "a reason is asked first"
        );
        sim.typed("INC-42 spreading");
        assert_eq!(
            sim.key(KeyCode::Enter),
            vec![Intent::Choice(Choice::Override("INC-42 spreading".into()))]
        );
        assert!(sim.screen().contains("window CLOSED, overridden") || w < 100);
        assert_eq!(sim.e().phase(), Phase::Ready(1));
    }
}

fn rev2() -> crate::journal::record::Actor {
    crate::journal::record::Actor {
        role: crate::journal::record::Role::Reviewer,
        user: "rev2".into(),
        uid: 1002,
        host: "bastion-1".into(),
    }
}

#[test]
fn a_reviewers_rejection_is_on_the_operators_screen_at_once() {
    for (w, h) in sizes() {
        let mut sim = approval_sim(w, h, false);
        sim.feed(crate::engine::Event::WatcherJoined(
            "rev2 (uid 1002, pid 4242)".into(),
        ));
        let pending = sim.e().pending_approval().unwrap();
        sim.feed(crate::engine::Event::Answer(crate::engine::Answer {
            reviewer: rev2(),
            step: pending.step_id,
            command_sha256: pending.command_sha256,
            who: crate::engine::Who::account(&rev2()),
            verdict: crate::engine::Verdict::Reject {
                reason: "key k-2023-live is still in use by billing".into(),
            },
        }));
        let screen = sim.screen();
        assert!(screen.contains("Rejected by a reviewer"), "{screen}");
        assert!(screen.contains("rev2 rejected the approval"), "{screen}");
        assert!(screen.contains("watching: rev2"), "{screen}");
        // No command failed: no log is offered as if one had (the lookup's passed).
        assert!(!screen.contains("output:"), "{screen}");
        assert!(sim.spawned().is_none(), "the step did not run");
        snap!("reviewer_rejected", sim);
        // Retry asks for approval again (rollback: the snapshot changed nothing).
        assert_eq!(sim.key(KeyCode::Enter), vec![Intent::Choice(Choice::Retry)]);
        assert!(matches!(sim.e().phase(), Phase::Approval { .. }));
    }
}

#[test]
fn a_watcher_rejects_with_a_reason_and_can_hide_the_request() {
    for (w, h) in sizes() {
        let mut sim = approval_sim(w, h, true);
        assert!(sim.screen().contains("Approval wanted"));
        // Esc hides the request so the evidence under it can be read; r still rejects.
        sim.key(KeyCode::Esc);
        assert!(!sim.screen().contains("Approval wanted"));
        sim.key(KeyCode::Char('r'));
        assert!(sim.key(KeyCode::Enter).is_empty(), "a reason is needed");
        sim.typed("billing still uses it");
        snap!("watcher_reject", sim);
        let enter =
            crossterm::event::KeyEvent::new(KeyCode::Enter, crossterm::event::KeyModifiers::NONE);
        let intents = sim
            .app()
            .input(crate::frontend::Input::Key(enter), &sim.e(), false);
        assert_eq!(
            intents,
            vec![Intent::Reject("billing still uses it".into())]
        );
    }
}

#[test]
fn quitting_lists_the_changes_in_place_and_offers_rollback_first() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(super::tests::demo(), w, h);
        sim.reach_manual();
        // The manual step's note field takes letters: hide it, then quit.
        sim.key(KeyCode::Esc);
        sim.key(KeyCode::Char('q'));
        let screen = sim.screen();
        assert!(
            screen.contains("Changes of this run in place now:"),
            "{screen}"
        );
        assert!(
            screen.contains("◆ Attach Deny-all to the quarantine OU"),
            "{screen}"
        );
        snap!("quit_with_changes_in_place", sim);
        // Abort lists what stays and how to undo it later.
        sim.key(KeyCode::Char('a'));
        let screen = sim.screen();
        assert!(screen.contains("These stay in place:"), "{screen}");
        assert!(
            screen.contains("shisa rollback 20231205T011500Z-3f9a"),
            "{screen}"
        );
        snap!("abort_leaves_changes", sim);
        // Esc, then rollback first: a reason, then the rollback runs.
        sim.key(KeyCode::Esc);
        sim.key(KeyCode::Char('q'));
        sim.key(KeyCode::Char('r'));
        assert!(sim.key(KeyCode::Enter).is_empty(), "a reason is asked");
        sim.typed("customer withdrew");
        assert_eq!(
            sim.key(KeyCode::Enter),
            vec![
                Intent::RollbackNow("customer withdrew".into()),
                // The question is closed: the hold it put on ends, after the rollback began.
                Intent::Deciding(false)
            ]
        );
        let rollback = sim.spawned().expect("the rollback command runs");
        assert_eq!(rollback.step_id, "attach-deny");
        assert!(sim.e().rollback().is_some());
    }
}

#[test]
fn n_is_a_note_never_a_no() {
    let mut sim = Sim::new(super::tests::demo(), 80, 24);
    sim.key(KeyCode::Char('q'));
    assert!(sim.key(KeyCode::Char('n')).is_empty());
    let screen = sim.screen();
    assert!(screen.contains("Quit?"), "n did not answer the question");
    // Nothing changed yet: abort leaves nothing in place, and the keys say so.
    assert!(
        screen.contains("a abort for good") && !screen.contains("leave them"),
        "{screen}"
    );
    sim.key(KeyCode::Esc);
    assert!(!sim.screen().contains("Quit?"));
}

#[test]
fn the_chooser_shows_the_key_of_each_choice() {
    let mut sim = Sim::new(super::tests::demo(), 80, 24);
    sim.reach_failure();
    let screen = sim.screen();
    assert!(
        screen.contains("▶[r]ollback   re[t]ry   [a]bort…"),
        "{screen}"
    );
    // The footer says the letters select, as Tab does.
    let footer = screen.lines().last().unwrap_or_default().to_string();
    assert!(footer.contains("or r/t/a select"), "{screen}");
    // The bracketed key is the one that selects it.
    sim.key(KeyCode::Char('t'));
    assert!(sim.screen().contains("▶re[t]ry"));
}

/// `shisa rollback RUN --reason` of a completed run: the journal replayed, the rollback
/// asked for, and the change's gates met again — the target looked up and typed, then a
/// new approval. Both dialogs say that what is confirmed and approved is the rollback.
#[test]
fn a_later_rollback_asks_the_target_and_an_approval_naming_the_rollback() {
    for (w, h) in sizes() {
        let mut first = approval_sim(w, h, false);
        first.key(KeyCode::Char('a'));
        first.key(KeyCode::Enter);
        first.done(0, "rotated k-2023-live\n");
        first.done(0, "ok\n");
        assert!(matches!(first.e().phase(), Phase::Finished { .. }));
        let e = Engine::replay(
            first.e().runbook().clone(),
            super::tests::operator(),
            first.e().params().clone(),
            &first.entries(),
        );
        let mut sim = Sim::with_engine(e, w, h, false);
        sim.feed(Event::RollbackRequested {
            reason: "INC-7: clients fail with the new key".into(),
            outside_window: None,
        });
        sim.done(0, "k-2023-live\n");
        assert!(matches!(sim.e().phase(), Phase::Confirm { step: 1, .. }));
        let screen = sim.screen();
        assert!(
            screen.contains("Rollback of Rotate k-2023-live"),
            "{screen}"
        );
        assert!(screen.contains("ROLLING BACK"), "{screen}");
        // What the gates let run is the rollback command, not the change's.
        if w >= 100 {
            assert!(
                screen.contains("rollback-1 $ keyctl restore k-2023-live"),
                "{screen}"
            );
            assert!(!screen.contains("keyctl rotate"), "{screen}");
        }
        snap!("rollback_later_target", sim);

        sim.typed("k-2023-live");
        sim.key(KeyCode::Enter);
        assert!(matches!(sim.e().phase(), Phase::Approval { step: 1, .. }));
        assert!(
            sim.spawned().is_none(),
            "nothing is undone before the approval"
        );
        let screen = sim.screen();
        assert!(
            screen.contains("Rollback of Rotate k-2023-live"),
            "{screen}"
        );
        snap!("rollback_later_approval", sim);

        sim.key(KeyCode::Char('a'));
        sim.key(KeyCode::Enter);
        let undo = sim.spawned().expect("the rollback command runs");
        assert_eq!(undo.step_id, "rotate");
        assert_eq!(undo.purpose, crate::journal::record::Purpose::Rollback(1));
    }
}

const SECRET_CAPTURE: &str = r#"version: 1
name: rotate a password
steps:
  - id: rotate
    kind: snapshot
    run: make-password
    capture: { pw: { regex: 'new password: (\S+)', secret: true } }
  - id: pause
    kind: manual
    instructions: Wait for the replicas.
  - id: use-it
    kind: verify
    run: 'login "$pw"'
"#;

#[test]
fn a_resumed_run_that_lost_a_secret_capture_offers_to_run_its_step_again() {
    for (w, h) in sizes() {
        let loaded = || load_str("rotate.yaml", SECRET_CAPTURE).unwrap();
        let mut first = Sim::new(loaded(), w, h);
        first.key(KeyCode::Enter);
        first.done(0, "new password: hunter2-fresh\n");
        assert!(matches!(
            first.e().phase(),
            Phase::Ready(1) | Phase::Manual(1)
        ));
        // A restart: the journal is replayed into an engine that never saw the secret.
        let e = crate::engine::Engine::replay(
            Arc::new(loaded().runbook),
            super::tests::operator(),
            first.e().params().clone(),
            &first.entries(),
        );
        let mut sim = Sim::with_engine(e, w, h, false);
        sim.feed(crate::engine::Event::Resume {
            outside_window: None,
            clock_faked: None,
        });
        sim.key(KeyCode::Enter);
        sim.feed(crate::engine::Event::ManualDone {
            choice: None,
            note: None,
        });
        sim.key(KeyCode::Enter);
        assert!(matches!(
            sim.e().phase(),
            Phase::Failed {
                prompt: Prompt::LostCapture,
                ..
            }
        ));
        assert!(
            sim.spawned().is_none(),
            "nothing ran with the mask in place"
        );
        let screen = sim.screen();
        assert!(screen.contains("A captured secret is gone"), "{screen}");
        assert!(!screen.contains("hunter2"), "{screen}");
        snap!("lost_capture_offer", sim);
        sim.key(KeyCode::Char('e'));
        assert_eq!(sim.key(KeyCode::Enter), vec![Intent::Choice(Choice::Rerun)]);
        // The capturing step is where the run is now: Enter begins it again.
        assert_eq!(sim.e().phase(), Phase::Ready(0));
        sim.key(KeyCode::Enter);
        assert_eq!(sim.spawned().as_ref().map(|s| s.step), Some(0));
    }
}
