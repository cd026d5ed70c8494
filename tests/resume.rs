//! `shisa resume` in line mode, through the binary: the evidence for a step in doubt, and
//! resuming from the runbook copy kept in the run directory.

mod common;

use std::time::{Duration, Instant};

use common::{Live, Scratch};

const SLOW: &str = "version: 1\nname: Slow change\nsteps:\n  - id: snap\n    kind: snapshot\n    run: echo saved\n  \
     - id: change\n    kind: action\n    title: Change slowly\n    target: { describe: echo thing-1 }\n    \
     run: 'echo step one; echo step two; sleep 60'\n    verify: [ { run: 'true' } ]\n    \
     rollback: [ { run: 'echo undone' } ]\n";

/// Runs SLOW headless until its change prints, then sends `signal` to shisa.
fn cut_off(s: &Scratch, signal: &str) -> std::path::PathBuf {
    let rb = s.write("slow.yaml", SLOW);
    let mut c = s.shisa();
    c.arg("run").arg(&rb).arg("--headless");
    let mut live = Live::start(c);
    live.wait_for("type the target", 30);
    live.send("thing-1");
    live.wait_for("step two", 30);
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
