//! `shisa resume` in line mode, through the binary: the evidence for a step in doubt, and
//! resuming from the runbook copy kept in the run directory.

mod common;

use std::time::{Duration, Instant};

use common::{Live, Scratch};

const SLOW: &str = "version: 1\nname: Slow change\nsteps:\n  - id: snap\n    kind: snapshot\n    run: '[ ! -e \"$SHISA_RUN_DIR/effects\" ] || cp \"$SHISA_RUN_DIR/effects\" \"$SHISA_RUN_DIR/effects.before\"; echo saved'\n  \
     - id: change\n    kind: action\n    title: Change slowly\n    target: { describe: echo thing-1 }\n    \
     run: 'echo step one; echo step two; sleep 60'\n    verify: [ { run: 'true' } ]\n    \
     rollback: [ { run: 'echo undone >> \"$SHISA_RUN_DIR/undone\"' } ]\n";

/// Runs SLOW headless until its change prints, then sends `signal` to shisa.
fn cut_off(s: &Scratch, signal: &str) -> std::path::PathBuf {
    let rb = s.write("slow.yaml", SLOW);
    let mut c = s.shisa();
    c.arg("run").arg(&rb).arg("--headless");
    let mut live = Live::start(c);
    live.wait_for("type the target", 30);
    live.send("thing-1");
    // The output line, not the line announcing the command (which also says "step two"):
    // that one is printed before the command is spawned, and a kill then finds nothing
    // running.
    live.wait_for("│ step two", 30);
    let pid = live.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while live.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "{}", live.output());
        std::thread::sleep(Duration::from_millis(20));
    }
    let run = live.finish();
    run.dir().to_path_buf()
}

#[test]
fn resume_prints_what_the_journal_knows_before_asking_about_the_step_in_doubt() {
    let s = Scratch::new();
    let dir = cut_off(&s, "-HUP");
    let resumed = s.resume(&dir, "rollback\n");
    let out = &resumed.stdout;
    for evidence in [
        "Change slowly: in doubt — `echo step one; echo step two; sleep 60` its command ran ",
        "and was stopped by signal 15 (TERM)",
        "Change slowly: the run stopped: SIGHUP: the terminal went away (shisa stopped the command)",
        "│ step one",
        "│ step two",
        "Change slowly: output log ",
    ] {
        assert!(
            out.contains(evidence),
            "{evidence} missing:\n{}",
            resumed.explain()
        );
    }
    let log = format!("{}/output/change.1.log", dir.display());
    assert!(out.contains(&log), "{}", resumed.explain());
    // The evidence comes before the question.
    let asked = out.find("? Change slowly was in progress").unwrap();
    assert!(out.find("│ step two").unwrap() < asked, "{out}");
    assert_eq!(resumed.code, 1, "rolled back: {}", resumed.explain());
}

#[test]
fn a_crash_leaves_no_reason_and_the_evidence_says_so() {
    let s = Scratch::new();
    let dir = cut_off(&s, "-KILL");
    // kill -9 leaves the command running in its own group: resume refuses and names the
    // group to stop (`kill -TERM -- -PGID`); stop exactly that one, then resume.
    let refused = s.resume(&dir, "");
    assert_eq!(refused.code, 4, "{}", refused.explain());
    let pgid = refused
        .stderr
        .split("kill -TERM -- -")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .unwrap_or_else(|| panic!("{}", refused.explain()))
        .to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", "--", &format!("-{pgid}")])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let resumed = s.resume(&dir, "");
        if !resumed.stderr.contains("still running") {
            assert!(
                resumed
                    .stdout
                    .contains("no record says why: shisa itself ended"),
                "{}",
                resumed.explain()
            );
            assert!(
                resumed.stdout.contains("no one saw it end"),
                "{}",
                resumed.explain()
            );
            break;
        }
        assert!(Instant::now() < deadline, "{}", resumed.explain());
        std::thread::sleep(Duration::from_millis(100));
    }
}

const FIXABLE: &str = "version: 1\nname: Fixable\nsteps:\n  - id: pre\n    kind: precheck\n    run: echo ok\n  \
     - id: check\n    kind: precheck\n    run: 'echo \"status: degraded\"'\n    expect: { stdout_contains: healthy }\n  \
     - id: after\n    kind: precheck\n    run: echo done\n";

fn resume_with(s: &Scratch, dir: &std::path::Path, args: &[&str], stdin: &str) -> common::Run {
    let mut c = s.shisa();
    c.arg("resume").arg(dir).arg("--headless").args(args);
    common::Run::from(common::feed(c, stdin))
}

#[test]
fn the_run_directory_keeps_the_runbook_and_resume_reads_that_copy() {
    let s = Scratch::new();
    let rb = s.write("fixable.yaml", FIXABLE);
    let run = s.run(&rb, &[], "");
    assert_eq!(
        run.code,
        3,
        "stopped at the failed check: {}",
        run.explain()
    );
    let copies: Vec<_> = std::fs::read_dir(run.dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("runbook-"))
        .collect();
    assert_eq!(copies.len(), 1);
    assert_eq!(std::fs::read_to_string(copies[0].path()).unwrap(), FIXABLE);
    // The file goes away (a branch switched, a checkout cleaned): the run still resumes.
    std::fs::remove_file(&rb).unwrap();
    let resumed = s.resume(run.dir(), "abort not today\n");
    assert_eq!(resumed.code, 1, "{}", resumed.explain());
    assert!(
        resumed.stdout.contains("? check precheck failed"),
        "{}",
        resumed.explain()
    );
}

#[test]
fn an_edited_runbook_goes_on_with_a_reason_only_where_finished_steps_are_unchanged() {
    let s = Scratch::new();
    let rb = s.write("fixable.yaml", FIXABLE);
    let run = s.run(&rb, &[], "");
    assert_eq!(run.code, 3, "{}", run.explain());
    let dir = run.dir().to_path_buf();

    // Editing a step the run finished is refused, reason or not; nothing is written.
    let bad = s.write(
        "bad.yaml",
        &FIXABLE.replace("run: echo ok", "run: echo changed"),
    );
    let refused = resume_with(
        &s,
        &dir,
        &["--runbook", bad.to_str().unwrap(), "--reason", "x"],
        "",
    );
    assert_eq!(refused.code, 4, "{}", refused.explain());
    assert!(
        refused
            .stderr
            .contains("`pre` has finished but its definition changed"),
        "{}",
        refused.explain()
    );

    // The fix of the failed check: without a reason it is refused and says how.
    let fixed = s.write(
        "fixed.yaml",
        &FIXABLE.replace("status: degraded", "status: healthy"),
    );
    let no_reason = resume_with(&s, &dir, &["--runbook", fixed.to_str().unwrap()], "");
    assert_eq!(no_reason.code, 4, "{}", no_reason.explain());
    assert!(
        no_reason.stderr.contains("give --reason TEXT"),
        "{}",
        no_reason.explain()
    );
    let records = common::journal(&dir).len();

    let resumed = resume_with(
        &s,
        &dir,
        &[
            "--runbook",
            fixed.to_str().unwrap(),
            "--reason",
            "the check read the wrong field",
        ],
        "retry\n",
    );
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
    assert_eq!(resumed.outcome(), "completed");
    let changed = &resumed.records("runbook_changed", None)[0];
    assert_eq!(changed["data"]["changed"], serde_json::json!(["check"]));
    assert_eq!(changed["data"]["reason"], "the check read the wrong field");
    assert!(
        resumed.stdout.contains("goes on with an edited runbook"),
        "{}",
        resumed.explain()
    );
    // It comes first in the continuation, and the journal still verifies.
    assert_eq!(common::journal(&dir)[records]["kind"], "runbook_changed");
    assert_eq!(s.verify(&dir).status.code(), Some(0));
    let copies = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("runbook-"))
        .count();
    assert_eq!(copies, 2, "both definitions are kept");
}

/// A run that has ended has nothing to resume: `resume` says how and when it ended and
/// exits 2 (nothing to do: an invocation error, README "Exit codes"), never 0, and
/// writes nothing to the journal.
#[test]
fn resuming_an_ended_run_says_how_it_ended_and_exits_2() {
    let s = Scratch::new();
    let rb = common::runbook("demo.yaml");
    for (stdin, how) in [
        ("quarantine-2023-12\ndone\n", ["completed", "(exit 0)"]),
        (
            "quarantine-2023-12\nabort customer asked to wait\n",
            ["aborted: ", "customer asked to wait"],
        ),
    ] {
        let run = s.run(&rb, &[], stdin);
        let before = std::fs::read(run.dir().join("journal.jsonl")).unwrap();
        let again = resume_with(&s, run.dir(), &[], "");
        assert_eq!(again.code, 2, "{}", again.explain());
        assert!(
            again.stderr.contains("has already ended — ")
                && how.iter().all(|h| again.stderr.contains(h))
                && again.stderr.contains("there is nothing to resume"),
            "{}",
            again.explain()
        );
        assert_eq!(
            std::fs::read(run.dir().join("journal.jsonl")).unwrap(),
            before,
            "nothing journaled"
        );
    }
}
