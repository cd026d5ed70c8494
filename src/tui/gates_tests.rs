//! Screens around the gates that stop a change mid-run: the change window counting down and
//! closing, a reviewer's rejection, and what an abort leaves in place. Same harness as
//! `tests.rs` (a real engine, fixed times), snapshots at 80×24 and 120×40.

use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::KeyCode;

use super::tests::{APPROVAL, Sim, sizes, snap};
use crate::engine::Phase;
use crate::frontend::Intent;
use crate::journal::record::{Choice, Prompt};
use crate::runbook::load_str;

fn tokyo(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().into()
}

/// The approval runbook (window Mon-Fri 09:00-18:00 JST), run up to the change at `at`.
fn near_closing(w: u16, h: u16, at: &str) -> Sim {
    let mut sim = Sim::new(load_str("approval.yaml", APPROVAL).unwrap(), w, h);
    sim.at = tokyo(at);
    sim.app.ui.frozen = Some((sim.at, Duration::from_secs(83)));
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
        sim.at = tokyo("2023-12-05T18:01:00+09:00");
        sim.app.ui.frozen = Some((sim.at, Duration::from_secs(190)));
        sim.key(KeyCode::Enter);
        assert!(matches!(
            sim.e.phase(),
            Phase::Failed {
                prompt: Prompt::Window,
                ..
            }
        ));
        assert!(sim.spawned.is_none(), "nothing ran after the window closed");
        let screen = sim.screen();
        assert!(screen.contains("The change window closed"), "{screen}");
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
        assert_eq!(sim.e.phase(), Phase::Ready(1));
    }
}
