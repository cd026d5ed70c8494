//! The screens of loops, waits, answers, points of no return and manual rollback, as insta
//! snapshots at 80×24 and 120×40 (see `tests.rs` for how the engine is driven).

use std::time::Duration;

use crossterm::event::KeyCode;

use super::tests::{Sim, sizes, snap};
use crate::engine::{Event, Phase};
use crate::journal::record::Purpose;
use crate::runbook::{load_file, load_str};

fn rolling() -> crate::runbook::Loaded {
    load_file(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks/rolling-restart.yaml"),
    )
    .unwrap()
}

/// What the simulator would print for the command now running; `broken` never turns
/// healthy after a deploy.
fn answer(sim: &Sim, broken: Option<&str>) -> (i32, String) {
    let s = sim.spawned().expect("a command runs");
    let node = s
        .step_id
        .split_once('[')
        .and_then(|(_, r)| r.split_once(']'))
        .map_or("", |(n, _)| n);
    let base = s.step_id.rsplit('/').next().unwrap_or("");
    let out = match (base, s.purpose) {
        ("cluster-green" | "node-serving", _) => "green".to_string(),
        ("silence-alerts", Purpose::Verify(_)) => "alerts off".into(),
        ("node-before", _) | ("drain" | "deploy", Purpose::Describe) => {
            format!("Name: {node}\nVersion: 2.4.1\nState: running\nPool: in\n")
        }
        ("drain", Purpose::Verify(_)) => "Pool: out".into(),
        ("undrain", Purpose::Verify(_)) => "Pool: in".into(),
        ("deploy", Purpose::Verify(_)) if broken == Some(node) => "red".into(),
        ("deploy", Purpose::Verify(_)) => "green".into(),
        _ => String::new(),
    };
    (0, format!("{out}\n"))
}

/// Begins steps, types targets and answers commands until `stop` holds.
fn drive(sim: &mut Sim, broken: Option<&str>, stop: impl Fn(&Sim) -> bool) {
    for _ in 0..200 {
        if stop(sim) {
            return;
        }
        if sim.spawned().is_some() {
            let (exit, out) = answer(sim, broken);
            sim.done(exit, &out);
            continue;
        }
        match sim.e().phase() {
            Phase::Ready(_) => {
                sim.key(KeyCode::Enter);
            }
            Phase::Confirm { resolved, .. } => {
                sim.typed(&resolved);
                sim.key(KeyCode::Enter);
            }
            // A poll waits for its timer: the test moves the clock on and plays it.
            Phase::RetryWait {
                step,
                purpose,
                attempt,
            } => {
                sim.set_at(sim.at() + Duration::from_secs(1));
                sim.feed(Event::RetryDue {
                    step,
                    purpose,
                    attempt,
                })
            }
            other => panic!("stuck at {other:?}"),
        }
    }
    panic!("never got there");
}

#[test]
fn a_loop_pass_shows_its_item_in_the_list_and_the_heading() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(rolling(), w, h);
        drive(
            &mut sim,
            None,
            |s| matches!(s.e().phase(), Phase::Confirm { step, .. } if s.e().runbook().steps[step].id == "roll[svc-2]/restart/drain"),
        );
        snap!("loop_pass_confirm", sim);
    }
}

#[test]
fn a_failed_pass_offers_to_roll_back_that_pass_only() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(rolling(), w, h);
        drive(&mut sim, Some("svc-2"), |s| {
            matches!(s.e().phase(), Phase::Failed { .. })
        });
        snap!("loop_pass_failed", sim);
        // Under the question, the pane calls the polls before the last what they were:
        // not yet true, not failures.
        sim.key(KeyCode::Esc);
        sim.key(KeyCode::PageUp);
        let screen = sim.screen();
        assert!(screen.contains("verify-1 not yet: expected"), "{screen}");
        assert!(!screen.contains("FAILED: failed"), "{screen}");
    }
}

#[test]
fn a_manual_wait_counts_down_then_asks_for_an_answer() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(rolling(), w, h);
        drive(&mut sim, None, |s| {
            matches!(s.e().phase(), Phase::Waiting { .. })
        });
        snap!("manual_wait", sim);
        sim.set_at(sim.at() + Duration::from_secs(10));
        let Phase::Waiting { step, .. } = sim.e().phase() else {
            unreachable!()
        };
        sim.feed(Event::WaitOver { step });
        sim.key(KeyCode::Tab);
        sim.typed("p99 flat");
        snap!("manual_answers", sim);
    }
}

const PHASES: &str = r#"version: 1
name: Upgrade the database cluster
steps:
  - id: backup
    kind: snapshot
    title: Back up the cluster
    run: pg_basebackup -D "$SHISA_RUN_DIR/base"
  - id: link-upgrade
    kind: action
    title: Upgrade in link mode
    point_of_no_return: "link mode: the old cluster is unusable once the new server starts"
    run: pg_upgrade --link
    verify: [ { run: pg_isready } ]
    rollback: [ { manual: "Restore the old cluster from the backup taken in `backup`, then start it" } ]
    waive: { target: the whole cluster }
"#;

#[test]
fn a_point_of_no_return_and_a_rollback_by_hand() {
    for (w, h) in sizes() {
        let loaded = load_str("upgrade.yaml", PHASES).unwrap();
        let mut sim = Sim::new(loaded, w, h);
        sim.key(KeyCode::Enter);
        sim.done(0, "backup written\n");
        sim.key(KeyCode::Enter);
        assert!(matches!(sim.e().phase(), Phase::NoReturn { .. }));
        sim.typed("link-up");
        snap!("point_of_no_return", sim);
        sim.typed("grade");
        sim.key(KeyCode::Enter);
        sim.done(0, "upgraded\n");
        sim.done(1, "no response\n");
        sim.key(KeyCode::Enter);
        assert!(
            matches!(sim.e().phase(), Phase::ManualUndo { .. }),
            "{:?}",
            sim.e().phase()
        );
        snap!("rollback_by_hand", sim);
    }
}

/// Two passes with no checkpoint between them: `rollback` undoes both, `rollback-item`
/// only the failed one.
const TWO_PASSES: &str = r#"version: 1
name: two passes
params:
  hosts: { list: true, pattern: '^w[0-9]$', default: 'w1,w2' }
steps:
  - id: snap
    kind: snapshot
    run: echo saved > "$SHISA_RUN_DIR/before"
  - id: roll
    for_each: { var: host, in: hosts }
    steps:
      - id: upgrade
        kind: action
        title: Upgrade {{ host }}
        run: upgrade "$host"
        verify: [ { run: healthy "$host" } ]
        rollback: [ { run: downgrade "$host" } ]
        waive: { target: test }
"#;

/// Cold read: with `rollback-item` selected the dialog listed both passes under "Rollback
/// would undo", though only the failed one is undone, and did not say the run then ends.
#[test]
fn rollback_item_selected_lists_only_the_failed_pass_and_says_the_run_ends() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(load_str("two.yaml", TWO_PASSES).unwrap(), w, h);
        while !matches!(sim.e().phase(), Phase::Failed { .. }) {
            if matches!(sim.e().phase(), Phase::Ready(_)) {
                sim.key(KeyCode::Enter);
            }
            let s = sim.spawned().expect("a command runs");
            let broken = s.step_id == "roll[w2]/upgrade" && s.purpose == Purpose::Verify(1);
            sim.done(i32::from(broken), "");
        }
        let both = sim.screen();
        assert!(
            both.contains("Rollback would undo, in this order:"),
            "{both}"
        );
        assert!(both.contains("2. Upgrade w1"), "{both}");
        sim.key(KeyCode::Right);
        let screen = sim.screen();
        assert!(
            screen.contains("Rolling back this loop pass would undo, in this order:"),
            "{screen}"
        );
        assert!(screen.contains("1. Upgrade w2"), "{screen}");
        assert!(!screen.contains("2. Upgrade w1"), "{screen}");
        assert!(screen.contains("= Upgrade w1 stays as it is"), "{screen}");
        assert!(screen.contains("then end the run"), "{screen}");
        snap!("rollback_item_selected", sim);
    }
}

/// Cold read: a wait's next poll read "waiting to retry verify-1 (attempt 3)", with no
/// deadline or time left, though a poll that does not hold is not a failure. It is a poll,
/// with the time left of the wait, and the output pane calls it a poll too.
#[test]
fn a_wait_between_polls_says_poll_and_the_time_left() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(rolling(), w, h);
        drive(&mut sim, Some("svc-1"), |s| {
            matches!(
                s.e().phase(),
                Phase::RetryWait {
                    purpose: Purpose::Verify(1),
                    attempt: 3,
                    ..
                }
            )
        });
        // The test's clock, moved a second before each poll, not the screen's frozen one.
        sim.app().ui.frozen = None;
        let screen = sim.screen();
        assert!(
            screen.contains("waiting for verify-1 to hold: poll 3 · 14.0 s left")
                && screen.contains("of 15 s"),
            "{screen}"
        );
        assert!(!screen.contains("attempt"), "{screen}");
        assert!(screen.contains("── verify-1 (poll 2) $"), "{screen}");
        snap!("wait_between_polls", sim);
    }
}
