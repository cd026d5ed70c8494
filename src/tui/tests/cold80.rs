//! What a cold pass at 80×24 found (issue 14): the summary of a run that ends with a change
//! in place, the keys a hidden summary and the approval wait offer, a long step title in the
//! timeline, a notice longer than the bottom line.

use super::*;

fn press(sim: &mut Sim, code: KeyCode) {
    sim.app()
        .after_input(Input::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// The demo's change made, then the run aborted for good from the quit dialog.
fn aborted_in_place(w: u16, h: u16) -> Sim {
    let mut sim = Sim::new(demo(), w, h);
    sim.reach_manual();
    // The manual step's question hidden, q asks to quit; a aborts for good.
    sim.key(KeyCode::Esc);
    sim.key(KeyCode::Char('q'));
    sim.key(KeyCode::Char('a'));
    sim.typed("pager storm");
    sim.key(KeyCode::Enter);
    assert!(matches!(
        sim.e().phase(),
        Phase::Finished {
            exit: crate::exit::Exit::Aborted,
            ..
        }
    ));
    assert!(
        sim.ended(),
        "the driver closed the screen when the run ended"
    );
    sim
}

/// Rows of the screen with the borders and padding taken off, joined: a sentence that
/// wraps in a dialog reads whole.
fn flat(screen: &str) -> String {
    screen
        .lines()
        .map(|l| l.trim_matches(|c| c == '"' || c == ' ' || c == '┃' || c == '│'))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn an_aborted_run_says_on_its_summary_what_stays_in_place_and_how_to_undo_it() {
    for (w, h) in sizes() {
        let mut sim = aborted_in_place(w, h);
        let screen = sim.screen();
        assert!(
            screen.contains("The run is over: aborted (exit 3)."),
            "{screen}"
        );
        assert!(
            screen.contains("Left in place, not rolled back:"),
            "{screen}"
        );
        assert!(
            screen.contains("◆ Attach Deny-all to the quarantine OU"),
            "{screen}"
        );
        assert!(
            flat(&screen).contains(&format!("shisa rollback {RUN_ID} --reason …")),
            "{screen}"
        );
        snap!("aborted_left_in_place", sim);
    }
}

#[test]
fn a_completed_run_lists_nothing_as_left_in_place() {
    let mut sim = Sim::new(demo(), 80, 24);
    sim.reach_manual();
    sim.key(KeyCode::Enter);
    assert!(
        sim.ended(),
        "the driver closed the screen when the run ended"
    );
    let screen = sim.screen();
    assert!(screen.contains("completed (exit 0)"), "{screen}");
    assert!(!screen.contains("Left in place"), "{screen}");
}

#[test]
fn a_hidden_summary_says_enter_shows_it_and_q_leaves() {
    let mut sim = aborted_in_place(80, 24);
    let footer = |sim: &mut Sim| sim.screen().lines().last().unwrap().to_string();
    assert!(footer(&mut sim).contains("Enter leave"));
    press(&mut sim, KeyCode::Esc);
    let hidden = footer(&mut sim);
    assert!(hidden.contains("Enter show the summary"), "{hidden}");
    assert!(hidden.contains("q leave"), "{hidden}");
    assert!(!hidden.contains("Enter leave"), "{hidden}");
    press(&mut sim, KeyCode::Char('q'));
    assert!(sim.app().left());
}

#[test]
fn the_approval_wait_says_esc_hides_it() {
    let mut sim = approval_sim(80, 24, false);
    let screen = sim.screen();
    let footer = screen.lines().last().unwrap();
    assert!(footer.contains("Esc hide"), "{screen}");
    sim.key(KeyCode::Esc);
    let hidden = sim.screen();
    assert!(
        hidden
            .lines()
            .last()
            .unwrap()
            .contains("Enter reopen the question"),
        "{hidden}"
    );
}

const LONG: &str = "version: 1
name: Long titles
steps:
  - id: grow
    kind: precheck
    title: Grow the shared cache to eight gigabytes across every node in the region
    run: echo grown
";

#[test]
fn at_80_columns_the_timeline_keeps_what_happened_to_a_long_titled_step() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(load_str("long.yaml", LONG).unwrap(), w, h);
        sim.key(KeyCode::Enter);
        sim.done(0, "grown\n");
        let screen = sim.screen();
        let timeline: Vec<&str> = screen
            .lines()
            .skip_while(|l| !l.contains("Timeline"))
            .collect();
        // Each line still says what happened; the title gives way instead.
        assert!(
            timeline
                .iter()
                .any(|l| l.contains(": the command ran → exit 0")),
            "{screen}"
        );
        assert!(
            timeline
                .iter()
                .any(|l| l.contains("✓ Grow the shared") && l.contains(": done")),
            "{screen}"
        );
        snap!("long_title_timeline", sim);
    }
}

#[test]
fn a_notice_longer_than_the_bottom_line_wraps_instead_of_losing_its_end() {
    let mut sim = Sim::new(demo(), 80, 24);
    sim.reach_confirm();
    sim.app().ui.notice = Some(crate::tui::state::Notice {
        text: "not possible: `admin@10` is not the resolved target: nothing was approved; the approval still waits (approve again to type it afresh: `a` in watch, or `shisa approve` anew)".into(),
        error: true,
    });
    let screen = sim.screen();
    assert!(
        flat(&screen).contains("or `shisa approve` anew)"),
        "{screen}"
    );
    snap!("long_notice", sim);
}
