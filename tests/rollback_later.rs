//! `shisa rollback RUN --reason`: an ended run's changes undone later, through the binary,
//! on the same journal, with the rollback commands the run had.

mod common;

use common::{Run, Scratch, feed, runbook};

fn rollback(s: &Scratch, run: &std::path::Path, extra: &[&str]) -> Run {
    let mut c = s.shisa();
    c.arg("rollback").arg(run).arg("--headless").args(extra);
    Run::from(feed(c, ""))
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
    let undo = rollback(
        &s,
        std::path::Path::new(&id),
        &["--reason", "INC-42 closed"],
    );
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
