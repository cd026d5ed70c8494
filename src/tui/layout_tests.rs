//! The layout at 80×24 and 120×40 (issue 14, item 10): step titles read whole, the run's
//! parameters in view, a running command's clock, a dialog stacked on a question without
//! hiding its chooser, scrolling that stops at the top, and earlier steps' output. Same
//! harness as `tests.rs`, snapshots at both sizes.

use std::time::Duration;

use crossterm::event::KeyCode;

use super::tests::{Sim, demo, sizes, snap};
use crate::engine::Phase;
use crate::exec::stream::Stream;
use crate::runbook::load_str;

/// Titles as long as real ones get, a secret parameter, and a command with a timeout.
const LONG: &str = r#"
version: 1
name: Fail over the primary database to the standby in the other zone
params:
  cluster: { default: pg-main-eu-west-1 }
  standby: { default: pg-main-eu-west-1-b, pattern: '^pg-[a-z0-9-]+$' }
  token: { secret: true, from_env: KEY_TOKEN }
steps:
  - id: lag
    kind: precheck
    title: Replication lag on the standby is under one second
    run: pgctl lag "$standby"
    timeout: 5m
  - id: snap
    kind: snapshot
    title: Save the cluster configuration and the current primary's name
    run: pgctl config "$cluster" > "$SHISA_RUN_DIR/config.txt"
  - id: promote
    kind: action
    title: Promote the standby in the other availability zone to primary
    target:
      describe: pgctl describe "$standby"
    run: pgctl promote "$standby"
    verify:
      - run: pgctl role "$standby"
    rollback:
      - argv: [pgctl, demote, '{{ standby }}']
  - id: tell
    kind: manual
    title: Tell the application owners that writes go to the new primary now
    instructions: Post in the incident channel.
"#;

fn long(w: u16, h: u16) -> Sim {
    Sim::new(load_str("failover.yaml", LONG).unwrap(), w, h)
}

#[test]
fn long_step_titles_wrap_in_the_list_and_parameters_show_masked() {
    for (w, h) in sizes() {
        let mut sim = long(w, h);
        let screen = sim.screen();
        // Every word of every title is on screen, in the list (at 80 columns it is 22
        // wide, so a title takes several rows).
        for word in [
            "Replication",
            "second",
            "configuration",
            "primary's",
            "availability",
            "owners",
        ] {
            assert!(screen.contains(word), "{word} at {w}x{h}:\n{screen}");
        }
        let list: Vec<String> = screen
            .lines()
            .skip(4)
            .map(|l| l.chars().take(26).collect())
            .collect();
        assert!(
            !list.concat().contains('…'),
            "nothing is cut at {w}x{h}:\n{screen}"
        );
        assert!(
            screen.contains("params: cluster=pg-main-eu-west-1 · standby=pg-main-eu-west-1-b"),
            "{screen}"
        );
        // At 80 columns the masked token is the value left out, and counted.
        if w >= 100 {
            assert!(screen.contains("token=[REDACTED:token]"), "{screen}");
        } else {
            assert!(screen.contains("· +1 more"), "{screen}");
        }
        assert!(!screen.contains("hunter2"), "{screen}");
        snap!("long_titles", sim);
    }
}

#[test]
fn a_long_list_keeps_the_current_step_whole_and_in_view() {
    let mut sim = long(80, 24);
    sim.key(KeyCode::Enter);
    sim.done(0, "lag 0.2s\n");
    sim.key(KeyCode::Enter);
    sim.done(0, "");
    sim.key(KeyCode::Enter);
    sim.done(0, "Name: pg-main-eu-west-1-b\n");
    assert!(matches!(sim.e().phase(), Phase::Confirm { .. }));
    sim.key(KeyCode::Esc);
    let screen = sim.screen();
    let list: String = screen
        .lines()
        .map(|l| l.chars().skip(1).take(24).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n");
    for word in ["Promote", "availability", "primary"] {
        assert!(list.contains(word), "{word}:\n{screen}");
    }
}

#[test]
fn a_running_command_shows_its_elapsed_time_and_what_is_left_of_its_timeout() {
    for (w, h) in sizes() {
        let mut sim = long(w, h);
        sim.key(KeyCode::Enter);
        sim.output(Stream::Stdout, "checking lag on pg-main-eu-west-1-b\n");
        // The command started with the first record after the run began; 42 s later:
        let began = sim.app().ui.command_began.expect("the command started");
        sim.app().ui.frozen = Some((began + chrono::Duration::seconds(42), Duration::ZERO));
        let screen = sim.screen();
        assert!(
            screen.contains("0:42 of 5:00 (4:18 left)"),
            "at {w}x{h}:\n{screen}"
        );
        snap!("command_clock", sim);
    }
    // Without a timeout, the clock says so.
    let mut sim = Sim::new(demo(), 120, 40);
    sim.key(KeyCode::Enter);
    let began = sim.app().ui.command_began.unwrap();
    sim.app().ui.frozen = Some((began + chrono::Duration::seconds(7), Duration::ZERO));
    assert!(sim.screen().contains("0:07, no timeout"));
}

/// The screen's clocks count to the driver's clock, the one the records are stamped by,
/// not to the system's: here a fake one, moved by the test, with nothing frozen.
#[test]
fn the_elapsed_time_and_a_commands_clock_follow_the_drivers_clock() {
    let mut sim = Sim::new(demo(), 120, 40);
    sim.app().ui.frozen = None;
    sim.key(KeyCode::Enter);
    let began = sim.app().ui.command_began.expect("the command started");
    sim.set_at(began + chrono::Duration::seconds(7));
    let screen = sim.screen();
    assert!(screen.contains("0:07, no timeout"), "{screen}");
    let elapsed = |screen: &str| {
        let at = screen.find("elapsed ").expect("the header's clock") + 8;
        screen[at..at + 8].to_string()
    };
    // The run began with its first records, seconds before the command.
    let first = elapsed(&screen);
    assert!(first.starts_with("00:00:"), "{screen}");
    sim.set_at(began + chrono::Duration::seconds(3600 + 7));
    assert_eq!(elapsed(&sim.screen()), format!("01{}", &first[2..]));
}

#[test]
fn a_reason_asked_over_the_failure_leaves_its_chooser_in_view() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(demo(), w, h);
        sim.reach_failure();
        sim.key(KeyCode::Char('a'));
        sim.key(KeyCode::Enter);
        let screen = sim.screen();
        assert!(screen.contains("Why abort? (optional)"), "{screen}");
        assert!(
            screen.contains("[r]ollback") && screen.contains("▶[a]bort…"),
            "the chooser stays in view under the reason at {w}x{h}:\n{screen}"
        );
        snap!("reason_over_failure", sim);
        // A note over it, and quit over it, the same.
        sim.key(KeyCode::Esc);
        sim.key(KeyCode::Char('q'));
        let screen = sim.screen();
        assert!(screen.contains("Quit?"), "{screen}");
        assert!(screen.contains("[r]ollback"), "{screen}");
    }
}

/// The precheck printed more than a pane; the run has moved on.
fn long_output(w: u16, h: u16) -> Sim {
    let mut sim = Sim::new(demo(), w, h);
    sim.key(KeyCode::Enter);
    let text: String = (1..=60).map(|n| format!("line {n:02}\n")).collect();
    sim.done(0, &format!("{text}role/BreakGlass\n"));
    sim
}

#[test]
fn home_and_page_up_stop_at_the_oldest_line() {
    for (w, h) in sizes() {
        let mut sim = long_output(w, h);
        sim.key(KeyCode::Home);
        let screen = sim.screen();
        let rows: Vec<&str> = screen.lines().collect();
        let first = rows
            .iter()
            .position(|r| r.contains("── main $ orgctl whoami"))
            .unwrap_or_else(|| panic!("the first line is in view:\n{screen}"));
        // The pane is full from its top row down: no blank rows above the first line.
        assert!(rows[first - 1].contains("┌ Output"), "{screen}");
        assert!(screen.contains("(the top)"), "{screen}");
        snap!("scrolled_to_the_top", sim);
        // Further up changes nothing; one page down moves at once.
        let top = sim.screen();
        sim.key(KeyCode::PageUp);
        sim.key(KeyCode::Up);
        assert_eq!(sim.screen(), top);
        sim.key(KeyCode::PageDown);
        assert_ne!(sim.screen(), top, "PgDn after Home moves at once");
    }
}

#[test]
fn earlier_steps_output_can_be_browsed() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(demo(), w, h);
        sim.reach_manual();
        sim.key(KeyCode::Esc);
        let live = sim.screen();
        assert!(!live.contains("assumed-role/BreakGlass"), "{live}");
        // Back to the precheck, step by step (the manual step printed nothing: the change
        // is the live output, then the snapshot, then the precheck).
        sim.key(KeyCode::Char('['));
        assert!(sim.screen().contains("Output of step 2 of 4"));
        sim.key(KeyCode::Char('['));
        let screen = sim.screen();
        assert!(screen.contains("Output of step 1 of 4"), "{screen}");
        assert!(screen.contains("assumed-role/BreakGlass"), "{screen}");
        snap!("earlier_step_output", sim);
        sim.key(KeyCode::Char('['));
        assert!(sim.screen().contains("no earlier step has output"));
        sim.key(KeyCode::Char(']'));
        assert!(sim.screen().contains("Output of step 2 of 4"));
        sim.key(KeyCode::End);
        assert!(!sim.screen().contains("Output of step"));
    }
}

/// The parameters of `runbooks/narrow-db-admin.yaml`, with the value a run gives
/// `new_host`: at 80 columns they take more than one row.
const FOUR_PARAMS: &str = r#"
version: 1
name: Narrow the database master user's host
params:
  new_host: { default: 10.0.%, pattern: '^10\.[0-9.]+%$' }
  console_ip: { default: 10.0.8.20 }
  api_ip: { default: 10.0.3.7 }
  approvers: { default: dba }
steps:
  - id: check
    kind: precheck
    run: dbadm whoami
"#;

/// The header's rows, as drawn: everything above the panes' top border.
fn header_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .take_while(|l| !l.contains('┌'))
        .map(str::to_string)
        .collect()
}

/// The pairs shown whole on the header's rows, and how many it says are left out.
fn params_shown(head: &[String]) -> (Vec<String>, usize) {
    let rows: Vec<&String> = head
        .iter()
        .skip_while(|row| !row.contains("params:"))
        .collect();
    let text = rows
        .iter()
        .map(|r| r.trim_matches('"').trim().trim_start_matches("params:"))
        .collect::<Vec<_>>()
        .join(" · ");
    let mut pairs = Vec::new();
    let mut more = 0;
    for part in text.split(" · ").map(str::trim).filter(|p| !p.is_empty()) {
        match part.strip_prefix('+').and_then(|m| m.strip_suffix(" more")) {
            Some(n) => more = n.parse().unwrap(),
            None => pairs.push(part.to_string()),
        }
    }
    (pairs, more)
}

#[test]
fn the_parameters_show_whole_or_counted_never_cut_mid_word() {
    let all = [
        "new_host=10.0.%",
        "console_ip=10.0.8.20",
        "api_ip=10.0.3.7",
        "approvers=dba",
    ];
    for (w, h) in sizes() {
        let mut sim = Sim::new(load_str("narrow.yaml", FOUR_PARAMS).unwrap(), w, h);
        let screen = sim.screen();
        let head = header_rows(&screen);
        assert!(
            !head.concat().contains('…'),
            "nothing cut at {w}x{h}:\n{screen}"
        );
        let (shown, more) = params_shown(&head);
        // Whole pairs, in the runbook's order; the rest counted.
        assert_eq!(shown, all[..shown.len()], "{screen}");
        assert_eq!(shown.len() + more, all.len(), "{screen}");
        if w >= 100 {
            assert_eq!(more, 0, "{screen}");
        }
        snap!("four_params", sim);
    }
}

#[test]
fn parameters_beyond_their_rows_are_counted_not_cut() {
    let many: String = (1..=9)
        .map(|n| format!("  param_{n}: {{ default: value-number-{n} }}\n"))
        .collect();
    let source = FOUR_PARAMS.replace("params:\n", &format!("params:\n{many}"));
    for (w, h) in sizes() {
        let mut sim = Sim::new(load_str("many.yaml", &source).unwrap(), w, h);
        let screen = sim.screen();
        let head = header_rows(&screen);
        let rows = head.iter().filter(|r| r.contains('=')).count();
        // A second row of values only where the screen is tall enough to spare it.
        assert_eq!(rows, if h > 30 { 2 } else { 1 }, "{screen}");
        let (shown, more) = params_shown(&head);
        assert!(more > 0, "{screen}");
        assert_eq!(shown.len() + more, 13, "{screen}");
        assert!(!head.concat().contains('…'), "{screen}");
    }
}

/// On a small terminal (60×15) the target confirmation keeps what the gate needs in view:
/// the target the system names, the line asking for it and the input being typed. They
/// were cut off below the screen's edge, so the operator typed blind.
#[test]
fn a_small_terminal_keeps_the_target_and_the_input_in_view() {
    let mut sim = Sim::new(demo(), 60, 15);
    sim.reach_confirm();
    sim.typed("quar");
    let screen = sim.screen();
    assert!(screen.contains("quarantine-2023-12"), "{screen}");
    assert!(screen.contains("Type it back exactly"), "{screen}");
    assert!(screen.contains("> quar█"), "{screen}");
    snap!("confirm_small", sim);
}
