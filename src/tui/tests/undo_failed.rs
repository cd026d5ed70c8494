//! A rollback command that failed: the dialog says what going on past it means, as the
//! engine records it (`engine/ends.rs`): the step is not undone and its change stays.

use super::*;
use crate::journal::record::Prompt;

/// The dialog's rows, inside its borders, joined: a sentence that wraps reads whole.
fn flat(screen: &str) -> String {
    screen
        .lines()
        .filter_map(|l| {
            let (from, to) = (l.find('┃')? + '┃'.len_utf8(), l.rfind('┃')?);
            l.get(from..to).map(str::trim)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn going_on_past_a_failed_undo_says_the_change_stays_not_undone() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(demo(), w, h);
        sim.reach_failure();
        assert_eq!(
            sim.key(KeyCode::Enter),
            vec![Intent::Choice(Choice::Rollback)]
        );
        sim.done(1, "");
        assert!(matches!(
            sim.e().phase(),
            Phase::Failed {
                prompt: Prompt::Rollback,
                ..
            }
        ));
        sim.key(KeyCode::Char('c'));
        let screen = flat(&sim.screen());
        assert!(
            screen.contains("its step stays NOT UNDONE, its change still in place"),
            "{w}x{h}: {screen}"
        );
        assert!(!screen.contains("recorded as incomplete"), "{screen}");
        // And so the engine records it, when the operator goes on.
        assert_eq!(
            sim.key(KeyCode::Enter),
            vec![Intent::Choice(Choice::Continue)]
        );
        let e = sim.e();
        assert_eq!(
            e.left_in_place()
                .iter()
                .map(|&j| e.runbook().steps[j].id.as_str())
                .collect::<Vec<_>>(),
            ["attach-deny"]
        );
    }
}
