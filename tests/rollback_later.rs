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
