//! The blind target prompt and the blast radius beside the target, drawn at
//! 80×24 and 120×40 with the same harness as `tests.rs`.

use crossterm::event::KeyCode;

use super::tests::{Sim, sizes, snap};
use crate::engine::{Event, Phase};
use crate::frontend::Intent;
use crate::runbook::load_str;

fn runbook(confirm: &str) -> String {
    format!(
        r#"
version: 1
name: Quarantine compromised accounts
params:
  target_id: {{ default: ou-7x2q-quar2312 }}
steps:
  - id: save
    kind: snapshot
    title: Save every policy attachment
    run: orgctl export-attachments > "$SHISA_RUN_DIR/attachments.json"
  - id: attach-deny
    kind: action
    title: Attach the Deny-all policy to the quarantine OU
    target:
      describe: orgctl describe --id "$target_id"
      capture: 'Name:\s*(\S+)'
      confirm: {confirm}
      impact:
        run: orgctl count-accounts --under "$target_id"
        at_most: 3
    approval: required
    argv: [orgctl, attach-policy, --target, '{{{{ target_id }}}}']
    verify:
      - run: orgctl policies --target "$target_id"
    rollback:
      - argv: [orgctl, detach-policy, --target, '{{{{ target_id }}}}']
"#
    )
}

const RESOLVED: &str = "quarantine-2023-12";

/// Through the snapshot, the lookup and the count, to the target question.
fn at_target(confirm: &str, w: u16, h: u16) -> Sim {
    let mut sim = Sim::new(load_str("q.yaml", &runbook(confirm)).unwrap(), w, h);
    sim.key(KeyCode::Enter);
    sim.done(0, "");
    sim.key(KeyCode::Enter);
    sim.done(
        0,
        &format!("Id: ou-7x2q-quar2312\nType: ORGANIZATIONAL_UNIT\nName: {RESOLVED}\n"),
    );
    sim.done(
        0,
        "2 accounts\n456789012345 customer-0412\n567890123456 customer-0977\n",
    );
    sim
}

#[test]
fn the_blind_prompt_asks_for_the_intent_and_shows_the_count_not_the_target() {
    for (w, h) in sizes() {
        let mut sim = at_target("blind", w, h);
        assert!(matches!(sim.e().phase(), Phase::Blind { .. }));
        let screen = sim.screen();
        assert!(
            !screen.contains(RESOLVED),
            "the answer is on screen:\n{screen}"
        );
        assert!(screen.contains("blind confirmation"), "{screen}");
        assert!(
            screen.contains("this touches 2 accounts (at most 3)"),
            "{screen}"
        );
        snap!("blind_prompt", sim);
        // A miss says what was named, never what the system resolved.
        sim.typed("quarantine-2023-11");
        sim.key(KeyCode::Enter);
        let screen = sim.screen();
        assert!(!screen.contains(RESOLVED), "{screen}");
        assert!(screen.contains("2 tries left"), "{screen}");
        // Named right: now the target is shown, confirmed.
        sim.typed(RESOLVED);
        assert_eq!(
            sim.key(KeyCode::Enter),
            vec![Intent::Typed(RESOLVED.into())]
        );
        assert!(sim.e().reveals_target(1, crate::engine::Viewer::Operator));
        // At 80×24 the approval question covers the target box.
        if h >= 40 {
            let screen = sim.screen();
            assert!(screen.contains(RESOLVED), "{screen}");
            assert!(screen.contains("TARGET ✓ confirmed"), "{screen}");
        }
    }
}

#[test]
fn the_impact_line_stands_beside_an_echo_target() {
    for (w, h) in sizes() {
        let mut sim = at_target("echo", w, h);
        assert!(matches!(sim.e().phase(), Phase::Confirm { .. }));
        let screen = sim.screen();
        assert!(screen.contains(RESOLVED), "{screen}");
        assert!(
            screen.contains("this touches 2 accounts (at most 3)"),
            "{screen}"
        );
        snap!("impact_line", sim);
    }
}

#[test]
fn a_watching_reviewer_names_a_blind_target_before_seeing_it() {
    for (w, h) in sizes() {
        let mut sim = at_target("blind", w, h);
        sim.typed(RESOLVED);
        sim.key(KeyCode::Enter);
        assert!(matches!(sim.e().phase(), Phase::Approval { .. }));
        let mut rev = Sim::with_engine(sim.e(), w, h, true);
        rev.app().ui.frozen = sim.app().ui.frozen;
        rev.feed(Event::WatcherJoined("rev2".into()));
        assert!(rev.screen().contains("Approval wanted"), "{}", rev.screen());
        rev.key(KeyCode::Char('a'));
        let screen = rev.screen();
        // The form answers the request and replaces it: the two stacked crowd 80×24.
        assert!(!screen.contains("Approval wanted"), "{screen}");
        assert!(
            !screen.contains(RESOLVED),
            "shown to the reviewer:\n{screen}"
        );
        assert!(
            screen.contains("name the target you intend, from the ticket"),
            "{screen}"
        );
        snap!("blind_reviewer", rev);
        // Cancelled, the request is back.
        rev.key(KeyCode::Esc);
        assert!(rev.screen().contains("Approval wanted"), "{}", rev.screen());
    }
}

/// Resumed at a blind target (the terminal went away at the question), the screen reloads
/// each earlier command's output from its log — but not the lookup's, which prints the
/// very name the operator must come up with unaided; the impact count's still shows.
#[test]
fn a_resumed_blind_target_does_not_reload_its_lookups_output() {
    let first = at_target("blind", 80, 24);
    assert!(matches!(first.e().phase(), Phase::Blind { .. }));
    let dir = tempfile::tempdir().unwrap();
    let mut logs = 0;
    for r in &first.records() {
        if let crate::journal::record::Body::CommandStarted { purpose, log, .. } = &r.body {
            let text = match purpose {
                crate::journal::record::Purpose::Describe => format!("Name: {RESOLVED}\n"),
                crate::journal::record::Purpose::Impact => "2 accounts\n".to_string(),
                _ => "saved\n".to_string(),
            };
            let path = dir.path().join(log);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
            logs += 1;
        }
    }
    assert_eq!(logs, 3);
    let mut sim = Sim::resumed(&first, dir.path(), 80, 24);
    for _ in 0..5 {
        sim.key(KeyCode::PageUp);
    }
    let screen = sim.screen();
    assert!(screen.contains("2 accounts"), "{screen}");
    assert!(!screen.contains(RESOLVED), "{screen}");
}
