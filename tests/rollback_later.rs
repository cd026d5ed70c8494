//! `shisa rollback RUN --reason`: an ended run's changes undone later, through the binary,
//! on the same journal, with the rollback commands the run had.

mod common;

use common::{Run, Scratch, feed, runbook};

/// The operator's answers at a later rollback of the demo: its one change's target,
/// looked up again and typed again.
const DEMO_TARGET: &str = "quarantine-2023-12\n";

fn rollback(s: &Scratch, run: &std::path::Path, extra: &[&str]) -> Run {
    rollback_typing(s, run, extra, DEMO_TARGET)
}

fn rollback_typing(s: &Scratch, run: &std::path::Path, extra: &[&str], stdin: &str) -> Run {
    let mut c = s.shisa();
    c.arg("rollback").arg(run).arg("--headless").args(extra);
    Run::from(feed(c, stdin))
}

#[test]
fn an_aborted_runs_change_is_undone_later_and_the_journal_goes_on() {
    let s = Scratch::new();
    // The policy is attached and verified; the operator aborts at the manual step.
    let run = s.run(
        &runbook("demo.yaml"),
        &[],
        "quarantine-2023-12\nabort customer asked to wait\n",
    );
    assert_eq!(run.code, 3, "{}", run.explain());
    assert!(run.commands().contains(&"attach-deny:main".to_string()));
    let dir = run.dir().to_path_buf();
    let id = dir.file_name().unwrap().to_str().unwrap().to_string();

    let no_reason = s
        .shisa()
        .args(["rollback", &id, "--headless"])
        .output()
        .unwrap();
    assert_eq!(no_reason.status.code(), Some(2));

    // By run id, like every command that takes a run.
    let mut c = s.shisa();
    c.args(["rollback", &id, "--headless", "--reason", "INC-42 closed"]);
    let undo = Run::from(feed(c, DEMO_TARGET));
    assert_eq!(undo.code, 0, "{}", undo.explain());
    assert!(
        undo.stdout
            .contains("asked to roll back the changes left in place: “INC-42 closed”"),
        "{}",
        undo.stdout
    );
    let kinds = undo.kinds();
    let at = kinds
        .iter()
        .position(|k| k == "rollback_requested")
        .expect("journaled");
    assert_eq!(kinds[at - 1], "run_finished", "it continues the ended run");
    assert_eq!(run.outcome(), "rolled_back", "the journal's last word");
    assert!(
        undo.commands()
            .contains(&"attach-deny:rollback-1".to_string()),
        "{:?}",
        undo.commands()
    );
    let verified = s.verify(&dir);
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );

    // Nothing is left in place now: a second request is refused and journals nothing.
    let before = std::fs::read(dir.join("journal.jsonl")).unwrap();
    let again = rollback(&s, &dir, &["--reason", "again"]);
    assert_eq!(again.code, 4, "{}", again.explain());
    assert!(
        again.stderr.contains("nothing to undo"),
        "{}",
        again.explain()
    );
    assert_eq!(std::fs::read(dir.join("journal.jsonl")).unwrap(), before);
}

#[test]
fn a_run_that_has_not_ended_is_resumed_not_rolled_back() {
    let s = Scratch::new();
    // End of input at the manual step stops the run without ending it.
    let run = s.run(&runbook("demo.yaml"), &[], "quarantine-2023-12\n");
    assert_eq!(run.code, 3, "{}", run.explain());
    let undo = rollback(&s, run.dir(), &["--reason", "undo"]);
    assert_eq!(undo.code, 2, "{}", undo.explain());
    assert!(
        undo.stderr.contains("has not ended: `shisa resume"),
        "{}",
        undo.explain()
    );
}

/// The runbook file was edited after the run (its rollback command now differs): the
/// rollback runs the run's own commands, from the copy kept in the run directory, as
/// `resume` would; the edited file given with --runbook is refused.
#[test]
fn a_later_rollback_uses_the_runs_kept_copy_not_the_edited_file() {
    let s = Scratch::new();
    let sim = common::root().join("assets/sim");
    let demo = std::fs::read_to_string(runbook("demo.yaml"))
        .unwrap()
        .replace(
            "path: [../assets/sim]",
            &format!("path: ['{}']", sim.display()),
        );
    let file = s.write("demo.yaml", &demo);
    let run = s.run(
        &file,
        &[],
        "quarantine-2023-12\nabort customer asked to wait\n",
    );
    assert_eq!(run.code, 3, "{}", run.explain());
    let dir = run.dir().to_path_buf();
    // Someone edits the file: its rollback would now do something else entirely.
    let edited = demo.replace(
        "argv: [orgctl, detach-policy,",
        "argv: [orgctl, attach-policy,",
    );
    assert_ne!(edited, demo);
    std::fs::write(&file, &edited).unwrap();

    let refused = rollback(
        &s,
        &dir,
        &["--reason", "undo", "--runbook", file.to_str().unwrap()],
    );
    assert_eq!(refused.code, 4, "{}", refused.explain());
    assert!(
        refused
            .stderr
            .contains("a rollback runs the run's own rollback commands"),
        "{}",
        refused.explain()
    );

    let undo = rollback(&s, &dir, &["--reason", "INC-42 closed"]);
    assert_eq!(undo.code, 0, "{}", undo.explain());
    let rolled: Vec<serde_json::Value> = undo
        .records("command_started", Some("attach-deny"))
        .into_iter()
        .filter(|r| r["data"]["purpose"] == "rollback-1")
        .collect();
    assert_eq!(rolled.len(), 1, "{}", undo.explain());
    let cmd = rolled[0]["data"]["command"].as_str().unwrap();
    assert!(
        cmd.contains("detach-policy"),
        "the run's own rollback ran: {cmd}"
    );
    assert_eq!(s.verify(&dir).status.code(), Some(0));
}

/// The demo's change, undone later: the target is looked up again (its `describe` runs
/// after `rollback_requested`) and must be typed again; three misses stop the rollback
/// before its command, resumable, and the next try asks afresh.
#[test]
fn a_later_rollback_asks_for_the_target_again_before_undoing() {
    let s = Scratch::new();
    let run = s.run(
        &runbook("demo.yaml"),
        &[],
        "quarantine-2023-12\nabort customer asked to wait\n",
    );
    assert_eq!(run.code, 3, "{}", run.explain());
    let dir = run.dir().to_path_buf();

    let missed = rollback_typing(
        &s,
        &dir,
        &["--reason", "INC-42 closed"],
        "Root\nquarantine\nquarantine-2023\n",
    );
    assert_eq!(missed.code, 4, "{}", missed.explain());
    assert!(
        missed
            .stdout
            .contains("type the target `quarantine-2023-12` to confirm"),
        "{}",
        missed.explain()
    );
    let kinds = missed.kinds();
    let at = kinds
        .iter()
        .position(|k| k == "rollback_requested")
        .unwrap();
    let after: Vec<&str> = kinds[at..].iter().map(String::as_str).collect();
    assert_eq!(
        after.iter().filter(|k| **k == "target_mismatch").count(),
        3,
        "{after:?}"
    );
    assert!(
        after.contains(&"target_resolved"),
        "looked up afresh: {after:?}"
    );
    assert!(
        !missed
            .commands()
            .contains(&"attach-deny:rollback-1".to_string()),
        "nothing undone on a mistyped target: {:?}",
        missed.commands()
    );
    assert!(
        missed
            .commands()
            .iter()
            .filter(|c| *c == "attach-deny:describe")
            .count()
            >= 2,
        "the describe ran again at rollback: {:?}",
        missed.commands()
    );

    // Resumed, the rollback looks the target up again and asks for it from scratch.
    let resumed = s.resume(&dir, DEMO_TARGET);
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
    assert!(
        resumed
            .commands()
            .contains(&"attach-deny:rollback-1".to_string()),
        "{}",
        resumed.explain()
    );
    assert_eq!(resumed.outcome(), "rolled_back");
    assert_eq!(s.verify(&dir).status.code(), Some(0));
}

/// A runbook with a change window, a typed target and an approval the operator may give
/// themself; the change and its rollback leave their marks in the run directory.
const GATED: &str = r#"version: 1
name: Gated later rollback
window:
  timezone: UTC
  allow: ['Mon-Fri 09:00-10:00']
steps:
  - id: flip
    kind: action
    title: Flip the switch
    target: { describe: 'cat "$SHISA_RUN_DIR/name" 2>/dev/null || echo switch-a' }
    approval: { allow_self: true }
    waive: { snapshot: "the state file is rewritten whole; its rollback writes it back" }
    run: 'echo on > "$SHISA_RUN_DIR/state"'
    verify: [ { run: 'cat "$SHISA_RUN_DIR/state"', expect: { stdout_equals: 'on' } } ]
    rollback: [ { run: 'echo off > "$SHISA_RUN_DIR/state"' } ]
"#;

/// Wednesday 09:30 UTC: inside the window; 12:00 is outside it.
const INSIDE: &str = "2026-11-25T09:30:00+00:00";
const OUTSIDE: &str = "2026-11-25T12:00:00+00:00";

fn gated_run(s: &Scratch, outside_window: Option<&str>) -> std::path::PathBuf {
    let file = s.write("gated.yaml", GATED);
    let now = if outside_window.is_some() {
        OUTSIDE
    } else {
        INSIDE
    };
    let run = s.run_with(&file, &[], "switch-a\napprove switch-a\n", |c| {
        c.env("SHISA_FAKE_NOW", now);
        if let Some(why) = outside_window {
            c.arg("--outside-window").arg(why);
        }
    });
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(
        std::fs::read_to_string(run.dir().join("state")).unwrap(),
        "on\n"
    );
    run.dir().to_path_buf()
}

fn rollback_at(s: &Scratch, dir: &std::path::Path, now: &str, extra: &[&str], stdin: &str) -> Run {
    let mut c = s.shisa();
    c.env("SHISA_FAKE_NOW", now)
        .arg("rollback")
        .arg(dir)
        .arg("--headless")
        .args(["--reason", "planned revert"])
        .args(extra);
    Run::from(feed(c, stdin))
}

/// The run's own `--outside-window` was a decision about then: a rollback later, outside
/// the window, is refused (exit 4, naming the window and the flag) and journals nothing,
/// until it gives its own override, which is journaled after `rollback_requested`.
#[test]
fn a_later_rollback_outside_the_window_needs_its_own_override() {
    let s = Scratch::new();
    let dir = gated_run(&s, Some("INC-9: exposed now"));
    let before = std::fs::read(dir.join("journal.jsonl")).unwrap();

    let refused = rollback_at(&s, &dir, OUTSIDE, &[], "switch-a\napprove switch-a\n");
    assert_eq!(refused.code, 4, "{}", refused.explain());
    assert!(
        refused.stderr.contains("outside") && refused.stderr.contains("--outside-window \"why\""),
        "{}",
        refused.explain()
    );
    assert_eq!(
        std::fs::read(dir.join("journal.jsonl")).unwrap(),
        before,
        "a refused rollback journals nothing"
    );
    assert_eq!(std::fs::read_to_string(dir.join("state")).unwrap(), "on\n");

    let undo = rollback_at(
        &s,
        &dir,
        OUTSIDE,
        &["--outside-window", "INC-9 closed: revert now"],
        "switch-a\napprove switch-a\n",
    );
    assert_eq!(undo.code, 0, "{}", undo.explain());
    let kinds = undo.kinds();
    let at = kinds
        .iter()
        .position(|k| k == "rollback_requested")
        .unwrap();
    let overrides = undo.records("override", None);
    let window = overrides
        .iter()
        .filter(|r| r["data"]["what"] == "window")
        .map(|r| r["data"]["reason"].as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert_eq!(window, ["INC-9: exposed now", "INC-9 closed: revert now"]);
    assert_eq!(kinds[at + 1], "override", "{kinds:?}");
    assert_eq!(std::fs::read_to_string(dir.join("state")).unwrap(), "off\n");
}

/// Inside the window no override is needed, and the rollback is gated like the change:
/// its target is looked up and typed again, and its approval is asked for afresh, naming
/// the rollback command; without an answer nothing is undone.
#[test]
fn a_later_rollback_asks_for_a_new_approval_naming_the_rollback() {
    let s = Scratch::new();
    let dir = gated_run(&s, None);
    // The system names the target differently now: the rollback asks for that name.
    std::fs::write(dir.join("name"), "switch-b\n").unwrap();

    let waiting = rollback_at(&s, &dir, INSIDE, &[], "switch-b\n");
    assert_ne!(waiting.code, 0, "{}", waiting.explain());
    assert_eq!(
        std::fs::read_to_string(dir.join("state")).unwrap(),
        "on\n",
        "no approval, nothing undone: {}",
        waiting.explain()
    );
    // The questions say that what is typed and approved now is the undoing.
    assert!(
        waiting
            .stdout
            .contains("? rollback of Flip the switch: type the target `switch-b` to confirm"),
        "{}",
        waiting.explain()
    );
    assert!(
        waiting.stdout.contains(
            "? rollback of Flip the switch: needs approval; `approve` to approve it yourself"
        ),
        "{}",
        waiting.explain()
    );
    let kinds = waiting.kinds();
    let at = kinds
        .iter()
        .position(|k| k == "rollback_requested")
        .unwrap();
    let requests = waiting.records("approval_requested", Some("flip"));
    assert_eq!(requests.len(), 2, "{}", waiting.explain());
    let command = requests[1]["data"]["command"].as_str().unwrap();
    assert!(
        command.starts_with("rollback of `flip`: ") && command.contains("echo off"),
        "{command}"
    );
    assert_eq!(requests[1]["data"]["expected"], "switch-b");
    assert_ne!(
        requests[0]["data"]["command_sha256"], requests[1]["data"]["command_sha256"],
        "the change's approval cannot stand for its rollback"
    );
    assert!(
        kinds[at..].contains(&"approval_requested".to_string()),
        "{kinds:?}"
    );

    let mut c = s.shisa();
    c.env("SHISA_FAKE_NOW", INSIDE)
        .arg("resume")
        .arg(&dir)
        .arg("--headless");
    let undo = Run::from(feed(c, "approve\n"));
    assert_eq!(undo.code, 0, "{}", undo.explain());
    let granted = undo.records("approval_granted", Some("flip"));
    assert_eq!(granted.len(), 2, "{}", undo.explain());
    assert_eq!(std::fs::read_to_string(dir.join("state")).unwrap(), "off\n");
    assert_eq!(undo.outcome(), "rolled_back");
}
