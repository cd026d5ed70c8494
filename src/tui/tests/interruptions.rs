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
            name: sim.e().runbook().name.clone(),
        },
        mode: "tui".into(),
        tool_version: "0.1.0".into(),
        clock_faked: None,
        outside_window: None,
        env: None,
        rehearsals: None,
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
        sim.e().phase(),
        Phase::Finished {
            exit: crate::exit::Exit::Refused,
            ..
        }
    ));
    assert!(
        sim.ended(),
        "the driver closed the screen when the run ended"
    );
    sim
}

fn press(sim: &mut Sim, code: KeyCode) {
    sim.app()
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
        // The pane beside it cuts the directory at 80 columns; the dialog does not.
        assert!(
            screen.contains(&format!("/var/lib/shisa/runs/{RUN_ID}")),
            "{screen}"
        );
        snap!("refused_with_reason", sim);
        assert_eq!(
            sim.app().farewell(),
            vec![format!("shisa: run finished: refused (exit 4): {why}")]
        );
    }
}

#[test]
fn esc_on_the_final_dialog_hides_it_and_enter_brings_it_back() {
    let mut sim = refused(80, 24);
    assert!(sim.screen().contains("The run is over"));
    press(&mut sim, KeyCode::Esc);
    assert!(!sim.app().left(), "Esc does not quit");
    let hidden = sim.screen();
    assert!(!hidden.contains("The run is over"), "{hidden}");
    press(&mut sim, KeyCode::Enter);
    assert!(!sim.app().left(), "Enter on a hidden dialog shows it first");
    assert!(sim.screen().contains("The run is over"));
    press(&mut sim, KeyCode::Enter);
    assert!(sim.app().left());
}

#[test]
fn a_pasted_target_is_refused_and_a_pasted_note_is_taken() {
    let mut sim = Sim::new(demo(), 80, 24);
    sim.reach_confirm();
    let intents = sim
        .app()
        .input(Input::Paste("quarantine-2023-12".into()), &sim.e(), false);
    assert!(intents.is_empty());
    let screen = sim.screen();
    assert!(screen.contains("pasting is refused here"), "{screen}");
    assert!(screen.contains("> █"), "the field stays empty:\n{screen}");
    assert_eq!(
        sim.key(KeyCode::Enter),
        Vec::<Intent>::new(),
        "nothing was typed"
    );
    assert!(matches!(sim.e().phase(), Phase::Confirm { misses: 0, .. }));
    // A note is another matter: put the question away, open a note, paste into it.
    sim.key(KeyCode::Esc);
    sim.key(KeyCode::Char('n'));
    let _ = sim
        .app()
        .input(Input::Paste("ticket\nINC-4411".into()), &sim.e(), false);
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
    assert!(matches!(sim.e().phase(), Phase::Halted(_)));
    assert!(
        sim.ended(),
        "the driver closed the screen when the run ended"
    );
    let screen = sim.screen();
    assert!(screen.contains("Run stopped"), "{screen}");
    assert!(
        screen.contains(&format!("shisa resume {RUN_ID}")),
        "{screen}"
    );
    let words = sim.app().farewell();
    assert!(
        words[0].contains("did not match `quarantine-2023-12`"),
        "{words:?}"
    );
    assert_eq!(
        words[1],
        format!("shisa: it can be resumed: shisa resume {RUN_ID}")
    );
}

/// The demo cut off by SIGHUP while its change ran (TERM sent, 2m13s in), then resumed.
fn resumed_in_doubt(w: u16, h: u16, logs: &std::path::Path) -> Sim {
    let mut first = Sim::new(demo(), w, h);
    first.reach_confirm();
    first.typed("quarantine-2023-12");
    first.key(KeyCode::Enter);
    first.output(
        Stream::Stdout,
        "attaching p-denyall01 to ou-7x2q-quar2312\nwaiting for the API…\n",
    );
    first.feed(Event::Interrupt(crate::journal::record::Halt::TerminalGone));
    let s = first.take_spawned().expect("the change runs");
    first.feed(Event::CommandDone(CommandResult {
        step: s.step,
        purpose: Some(s.purpose),
        attempt: s.attempt,
        signal: Some(15),
        duration_ms: 133_200,
        ..Default::default()
    }));
    assert!(matches!(first.e().phase(), Phase::Halted(_)));
    std::fs::create_dir_all(logs.join("output")).unwrap();
    let log: String = (1..=12)
        .map(|n| format!("attach: retry {n} of 12 (API throttled)\n"))
        .collect();
    std::fs::write(logs.join("output/attach-deny.1.log"), log).unwrap();
    // The journal as `resume` reads it: each entry with a time, 10:15 + seq seconds.
    let records: Vec<Record> = first
        .entries()
        .iter()
        .enumerate()
        .map(|(n, entry)| Record {
            seq: n as u64 + 1,
            ts: format!("2023-12-05T10:{:02}:{:02}.000+09:00", 13 + n / 60, n % 60),
            body: entry.body.clone(),
            step: entry.step.clone(),
            actor: entry.actor.clone(),
            prev: String::new(),
        })
        .collect();
    let e = Engine::replay(
        first.e().runbook().clone(),
        operator(),
        first.e().params().clone(),
        &first.entries(),
    );
    let mut sim = Sim::with_engine(e, w, h, false);
    let past = crate::frontend::evidence::Past {
        records,
        run_dir: logs.to_path_buf(),
    };
    sim.app().remember(past, &sim.e());
    sim.feed(Event::Resume {
        clock_faked: None,
        outside_window: None,
    });
    assert_eq!(sim.e().phase(), Phase::InDoubt(2));
    sim
}

#[test]
fn resume_shows_what_the_journal_knows_about_the_step_in_doubt() {
    for (w, h) in sizes() {
        let logs = tempfile::tempdir().unwrap();
        let mut sim = resumed_in_doubt(w, h, logs.path());
        let screen = sim.screen();
        for evidence in [
            "its command ran 2m13s and was stopped by signal 15 (TERM)",
            "the terminal went away",
            "retry 12 of 12",
        ] {
            assert!(screen.contains(evidence), "{evidence} missing:\n{screen}");
        }
        if h >= 30 {
            assert!(screen.contains("retry 10 of 12"), "{screen}");
        }
        // The timeline holds the run so far, not only the resume.
        assert!(
            sim.app().ui.timeline.len() > 10,
            "{:?}",
            sim.app().ui.timeline.len()
        );
        snap!("in_doubt_with_evidence", sim);
        // Esc: the output pane behind has the log's last lines.
        sim.key(KeyCode::Esc);
        let behind = sim.screen();
        assert!(behind.contains("retry 11 of 12"), "{behind}");
    }
}

/// The run cut off while its first step's command runs, then resumed by a new process.
fn resumed_during_first_command(mut first: Sim) -> Sim {
    first.key(KeyCode::Enter);
    assert!(matches!(first.e().phase(), Phase::Running { step: 0, .. }));
    let e = Engine::replay(
        first.e().runbook().clone(),
        operator(),
        first.e().params().clone(),
        &first.entries(),
    );
    let mut sim = Sim::with_engine(e, 80, 24, false);
    sim.feed(Event::Resume {
        clock_faked: None,
        outside_window: None,
    });
    sim
}

#[test]
fn a_precheck_cut_off_is_not_in_doubt_and_begins_again() {
    // Cut off during the precheck's command: it only read, so nothing is asked (`done`
    // there would pass a precheck that never passed); the step begins again.
    let mut sim = resumed_during_first_command(Sim::new(demo(), 80, 24));
    assert_eq!(sim.e().phase(), Phase::Ready(0));
    let screen = sim.screen();
    assert!(!screen.contains("r[e]run"), "{screen}");
}

#[test]
fn rollback_is_not_preselected_where_it_would_undo_nothing() {
    // Cut off during a change that has no way back and nothing before it: rollback would
    // undo nothing, so it is offered but not chosen for the operator.
    let rb = load_str(
        "nothing.yaml",
        "version: 1\nname: nothing to undo\nsteps:\n  - id: touch\n    kind: action\n    \
         run: touch flag\n    waive: { snapshot: t, target: t, verify: t, rollback: t }\n",
    )
    .unwrap();
    let mut sim = resumed_during_first_command(Sim::new(rb, 80, 24));
    assert_eq!(sim.e().phase(), Phase::InDoubt(0));
    let screen = sim.screen();
    assert!(screen.contains("Rollback would undo nothing"), "{screen}");
    // The selected choice is the one marked ▶ (its key in brackets).
    assert!(screen.contains("▶r[e]run"), "{screen}");
    assert!(!screen.contains("▶[r]ollback"), "{screen}");
}

#[test]
fn a_failed_command_is_named_with_its_last_lines() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(demo(), w, h);
        sim.key(KeyCode::Enter);
        sim.output(Stream::Stderr, "orgctl: assuming role…\n");
        sim.done(
            0,
            "arn:aws:sts::111122223333:assumed-role/ReadOnly/ops1\nwarning: session expires in 5m\n",
        );
        assert!(matches!(sim.e().phase(), Phase::Failed { .. }));
        let screen = sim.screen();
        assert!(screen.contains("$ orgctl whoami"), "{screen}");
        assert!(
            screen.contains("│ warning: session expires in 5m"),
            "{screen}"
        );
        assert!(screen.contains("output/caller.1.log"), "{screen}");
        snap!("failed_command_with_output", sim);
    }
}

#[test]
fn elapsed_counts_from_the_runs_start_across_a_resume() {
    let mut ui = crate::tui::state::Ui::new(RUN_ID.into(), "/runs/x".into(), false, false);
    ui.started_at("2023-12-05T10:13:00.000+09:00", now());
    // now() is 10:15:00 in Tokyo: two minutes since the run started.
    let e = ui.elapsed(now());
    assert!(
        e >= Duration::from_secs(120) && e < Duration::from_secs(130),
        "{e:?}"
    );
}
