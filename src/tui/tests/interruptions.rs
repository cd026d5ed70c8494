//! Screens around an interruption or a refusal (issue 14): the reason on the final dialog
//! and in the last words, Esc hiding that dialog, a pasted target refused, the halt after
//! three misses.

use super::*;

/// The demo with `ou_id` set: `r-7x2q` is the organization root, which `deny` refuses.
fn demo_with(ou_id: &str, w: u16, h: u16) -> Sim {
    let loaded = demo();
    let given = vec![("ou_id".to_string(), ou_id.to_string())];
    let params = params::resolve(&loaded.runbook, &given, |_| None).unwrap();
    let e = Engine::new(Arc::new(loaded.runbook), operator(), params);
    let mut sim = Sim::with_engine(e, w, h, false);
    sim.feed(Event::Start(StartInfo {
        run_id: RUN_ID.into(),
        runbook: RunbookRef {
            path: "/work/runbooks/demo.yaml".into(),
            sha256: "7e72fcead0b8".repeat(5),
            name: sim.e.runbook().name.clone(),
        },
        mode: "tui".into(),
        tool_version: "0.1.0".into(),
        clock_faked: None,
        outside_window: None,
    }));
    sim
}

fn refused(w: u16, h: u16) -> Sim {
    let mut sim = demo_with("r-7x2q", w, h);
    sim.key(KeyCode::Enter);
    sim.done(
        0,
        "arn:aws:sts::111122223333:assumed-role/BreakGlass/ops1\n",
    );
    sim.key(KeyCode::Enter);
    sim.done(0, "saved attachments.json (3 attachments)\n");
    sim.key(KeyCode::Enter);
    sim.done(0, "Id: r-7x2q\nType: ROOT\nName: Root\nParent: -\n");
    assert!(matches!(
        sim.e.phase(),
        Phase::Finished {
            exit: crate::exit::Exit::Refused,
            ..
        }
    ));
    sim.app.close(&sim.e);
    sim
}

fn press(sim: &mut Sim, code: KeyCode) {
    sim.app
        .after_input(Input::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

#[test]
fn a_refused_run_says_why_on_screen_and_in_its_last_words() {
    let why = "the target resolved to `Root`, which is denied by `deny: '^Root$'`";
    for (w, h) in sizes() {
        let mut sim = refused(w, h);
        let screen = sim.screen();
        assert!(screen.contains("refused (exit 4)"), "{screen}");
        // Wrapped, never cut: the reason and the whole run directory are on the dialog.
        let flat: String = screen
            .lines()
            .map(|l| l.trim_matches(|c| c == '"' || c == ' ' || c == '┃' || c == '│'))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(flat.contains("which is denied by"), "{screen}");
        assert!(
            screen.contains(&format!("{RUN_ID}")) && flat.contains("/var/lib/shisa/runs/"),
            "{screen}"
        );
        snap!("refused_with_reason", sim);
        assert_eq!(
            sim.app.farewell(),
            vec![format!("shisa: run finished: refused (exit 4): {why}")]
        );
    }
}

#[test]
fn esc_on_the_final_dialog_hides_it_and_enter_brings_it_back() {
    let mut sim = refused(80, 24);
    assert!(sim.screen().contains("The run is over"));
    press(&mut sim, KeyCode::Esc);
    assert!(!sim.app.left(), "Esc does not quit");
    let hidden = sim.screen();
    assert!(!hidden.contains("The run is over"), "{hidden}");
    press(&mut sim, KeyCode::Enter);
    assert!(!sim.app.left(), "Enter on a hidden dialog shows it first");
    assert!(sim.screen().contains("The run is over"));
    press(&mut sim, KeyCode::Enter);
    assert!(sim.app.left());
}

#[test]
fn a_pasted_target_is_refused_and_a_pasted_note_is_taken() {
    let mut sim = Sim::new(demo(), 80, 24);
    sim.reach_confirm();
    let intents = sim
        .app
        .input(Input::Paste("quarantine-2023-12".into()), &sim.e, false);
    assert!(intents.is_empty());
    let screen = sim.screen();
    assert!(screen.contains("pasting is refused here"), "{screen}");
    assert!(screen.contains("> █"), "the field stays empty:\n{screen}");
    assert_eq!(
        sim.key(KeyCode::Enter),
        Vec::<Intent>::new(),
        "nothing was typed"
    );
    assert!(matches!(sim.e.phase(), Phase::Confirm { misses: 0, .. }));
    // A note is another matter: put the question away, open a note, paste into it.
    sim.key(KeyCode::Esc);
    sim.key(KeyCode::Char('n'));
    let _ = sim
        .app
        .input(Input::Paste("ticket\nINC-4411".into()), &sim.e, false);
    assert_eq!(
        sim.key(KeyCode::Enter),
        vec![Intent::Note("ticket INC-4411".into())]
    );
}

#[test]
fn three_misses_stop_the_run_resumably_and_say_how() {
    let mut sim = Sim::new(demo(), 80, 24);
    sim.reach_confirm();
    for typed in ["quarantine", "Root", "quarantine-2023-11"] {
        sim.typed(typed);
        sim.key(KeyCode::Enter);
    }
    assert!(matches!(sim.e.phase(), Phase::Halted(_)));
    sim.app.close(&sim.e);
    let screen = sim.screen();
    assert!(screen.contains("Run stopped"), "{screen}");
    assert!(
        screen.contains(&format!("shisa resume {RUN_ID}")),
        "{screen}"
    );
    let words = sim.app.farewell();
    assert!(
        words[0].contains("did not match `quarantine-2023-12`"),
        "{words:?}"
    );
    assert_eq!(
        words[1],
        format!("shisa: it can be resumed: shisa resume {RUN_ID}")
    );
}
