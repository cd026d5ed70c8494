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

/// A change whose check is polled every 2 s for at most 6 s; the check holds from its
/// third poll on (it counts its polls in the run directory).
const POLLED: &str = "version: 1\nname: Polled upgrade\nsteps:\n  - id: snap\n    kind: snapshot\n    run: 'echo v1 > \"$SHISA_RUN_DIR/version.before\"'\n  \
     - id: upgrade\n    kind: action\n    title: Upgrade w1 to v2\n    waive: { target: \"test\" }\n    \
     run: 'echo v2 > \"$SHISA_RUN_DIR/version\"'\n    \
     verify:\n      - run: 'n=$(cat \"$SHISA_RUN_DIR/polls\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$SHISA_RUN_DIR/polls\"; if [ $n -ge 3 ]; then echo ready; else echo starting; fi'\n        \
     wait_until: { every: 2s, deadline: 6s }\n        expect: { stdout_equals: ready }\n    \
     rollback: [ { run: 'cp \"$SHISA_RUN_DIR/version.before\" \"$SHISA_RUN_DIR/version\"' } ]\n";

/// `kill -9` between the second and third poll of a check (the check about to hold), then
/// `shisa resume` at once: the wait was cut short, not failed. It begins afresh, the
/// timeline says so and why, and what it reports is the fresh wait's time, within its
/// deadline. Nobody is asked anything and nothing is rolled back.
#[test]
fn a_wait_cut_short_by_kill_9_goes_on_after_resume_and_never_reads_as_failed() {
    let s = Scratch::new();
    let rb = s.write("polled.yaml", POLLED);
    let mut c = s.shisa();
    c.arg("run").arg(&rb).arg("--headless");
    let live = Live::start(c);
    live.wait_for("(poll 2,", 30);
    let mut child = live.child;
    child.kill().unwrap(); // SIGKILL, in the 2 s before poll 3
    child.wait().unwrap();
    let dir = s.run_dir();
    let before = common::journal(&dir);
    assert!(
        !before.iter().any(|r| r["kind"] == "wait_finished"),
        "the kill cut the wait short: {before:#?}"
    );

    let resumed = s.resume(&dir, "");
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
    assert_eq!(resumed.outcome(), "completed", "{}", resumed.explain());
    let out = &resumed.stdout;
    assert!(
        !out.contains("FAILED") && !out.contains("failed") && !out.contains("in doubt"),
        "{}",
        resumed.explain()
    );
    assert!(
        out.contains(
            "polling verify 1 again every 2.0 s until it holds, for at most 6.0 s from now: \
             the wait before the stop was cut short after 2 polls, not run out"
        ),
        "{}",
        resumed.explain()
    );
    let waits = resumed.records("wait_started", Some("upgrade"));
    assert_eq!(waits.len(), 2, "{waits:#?}");
    assert_eq!(waits[1]["data"]["restarted"]["polls"], 2);
    let finished = resumed.records("wait_finished", Some("upgrade"));
    assert_eq!(finished.len(), 1, "{finished:#?}");
    assert_eq!(finished[0]["data"]["met"], true);
    assert_eq!(finished[0]["data"]["polls"], 1, "the fresh wait's polls");
    let waited = finished[0]["data"]["waited_ms"].as_u64().unwrap();
    assert!(waited <= 6000, "waited {waited} ms, past its 6 s deadline");
    assert!(resumed.records("step_failed", None).is_empty());
    assert!(resumed.records("rollback_started", None).is_empty());
    let version = std::fs::read_to_string(dir.join("version")).unwrap();
    assert_eq!(version, "v2\n");
}
