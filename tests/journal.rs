//! The journal's rules through the binary: nothing is accepted after the end of a run,
//! `verify --head` of a finished run means "ends here", a torn tail is only what a crash can
//! leave, symbolic links are refused, a newer format is refused, and records are committed
//! one decision at a time yet recovered line by line.

mod common;

use std::path::{Path, PathBuf};

use common::{Run, Scratch, journal};
use shisa::hash::sha256_hex;

fn runbook(s: &Scratch, steps: usize) -> PathBuf {
    let mut y = String::from("version: 1\nname: journal rules\nsteps:\n");
    for i in 1..=steps {
        y.push_str(&format!(
            "  - id: s{i}\n    kind: precheck\n    run: 'true'\n"
        ));
    }
    s.write("rb.yaml", &y)
}

fn finished_run(s: &Scratch, steps: usize) -> Run {
    let run = s.run(&runbook(s, steps), &[], "");
    assert_eq!(run.code, 0, "{}", run.explain());
    run
}

fn lines(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    text.lines().map(str::to_string).collect()
}

/// Writes `lines` back with every `prev` recomputed: a forger who knows the format.
fn rechain(dir: &Path, lines: &[String]) -> String {
    let mut prev = "0".repeat(64);
    let mut out = String::new();
    for line in lines {
        let at = line.find("\"prev\":\"").unwrap() + 8;
        let line = format!("{}{prev}{}", &line[..at], &line[at + 64..]);
        prev = sha256_hex(line.as_bytes());
        out.push_str(&line);
        out.push('\n');
    }
    std::fs::write(dir.join("journal.jsonl"), out).unwrap();
    prev
}

/// A record as a forger would add it after the last line.
fn forged(kind: &str, data: &str, seq: usize) -> String {
    format!(
        r#"{{"seq":{seq},"ts":"2030-01-01T00:00:00.000+00:00","kind":"{kind}","data":{data},"actor":{{"role":"operator","user":"ops1","uid":1000,"host":"h"}},"prev":"{}"}}"#,
        "0".repeat(64)
    )
}

fn verify(s: &Scratch, dir: &Path, head: Option<&str>) -> (i32, String) {
    let mut c = s.shisa();
    c.arg("verify").arg(dir);
    if let Some(h) = head {
        c.arg("--head").arg(h);
    }
    let o = c.output().unwrap();
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    (o.status.code().unwrap_or(-1), text)
}

fn chain_head(run: &Run) -> String {
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("chain head "))
        .unwrap();
    line.rsplit("chain head ")
        .next()
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn a_record_appended_after_run_finished_is_named_not_accepted() {
    let s = Scratch::new();
    let run = finished_run(&s, 2);
    let head = chain_head(&run);
    assert_eq!(verify(&s, run.dir(), Some(&head)).0, 0);

    let mut all = lines(run.dir());
    let n = all.len();
    all.push(forged(
        "operator_note",
        r#"{"text":"approved by the CISO"}"#,
        n + 1,
    ));
    let forged_head = rechain(run.dir(), &all);
    for head in [None, Some(head.as_str()), Some(forged_head.as_str())] {
        let (code, out) = verify(&s, run.dir(), head);
        assert_eq!(code, 1, "--head {head:?}: {out}");
        assert!(
            out.contains(&format!("BROKEN at line {}", n + 1))
                && out.contains("after the run finished"),
            "{out}"
        );
    }
}

#[test]
fn verify_head_of_a_finished_run_means_the_journal_ends_there() {
    let s = Scratch::new();
    let run = finished_run(&s, 1);
    let head = chain_head(&run);
    // A continuation is the one thing the chain rule lets follow the end; against the head
    // the run printed, it still shows as appended afterwards.
    let mut all = lines(run.dir());
    let n = all.len();
    all.push(forged("run_resumed", "{}", n + 1));
    rechain(run.dir(), &all);
    assert_eq!(verify(&s, run.dir(), None).0, 0);
    let (code, out) = verify(&s, run.dir(), Some(&head));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "BROKEN at line {}: a `run_resumed` record follows head",
            n + 1
        )),
        "{out}"
    );
}

#[test]
fn a_torn_tail_is_only_what_a_crash_can_leave() {
    let s = Scratch::new();
    let run = finished_run(&s, 1);
    let path = run.dir().join("journal.jsonl");
    let intact = std::fs::read(&path).unwrap();
    let n = lines(run.dir()).len();

    let mut bytes = intact.clone();
    bytes.extend_from_slice(format!("{{\"seq\":{},\"ts\":\"2030-01-01T00:00", n + 1).as_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let (code, out) = verify(&s, run.dir(), None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("the last line is torn"), "{out}");

    let mut bytes = intact;
    bytes.extend_from_slice(
        format!("{{\"seq\":{},\"note\":\"hidden here, no newline\"}}", n + 1).as_bytes(),
    );
    std::fs::write(&path, &bytes).unwrap();
    let (code, out) = verify(&s, run.dir(), None);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("BROKEN at line {}", n + 1)) && !out.contains("torn"),
        "{out}"
    );
}

/// The run's journal cut back to just after `s1` finished: a run to resume.
fn halted_run(s: &Scratch) -> PathBuf {
    let run = finished_run(s, 2);
    let all = lines(run.dir());
    let keep = all
        .iter()
        .position(|l| l.contains("\"kind\":\"step_finished\""))
        .unwrap();
    std::fs::write(
        run.dir().join("journal.jsonl"),
        all[..=keep].join("\n") + "\n",
    )
    .unwrap();
    run.dir().to_path_buf()
}

#[test]
fn a_journal_or_run_directory_behind_a_symbolic_link_is_refused() {
    let s = Scratch::new();
    let dir = halted_run(&s);
    let link = s.path().join("linked-run");
    std::os::unix::fs::symlink(&dir, &link).unwrap();
    let before = lines(&dir);
    let resumed = s.resume(&link, "");
    assert_eq!(resumed.code, 4, "{}", resumed.explain());
    assert!(
        resumed.stderr.contains("is a symbolic link"),
        "{}",
        resumed.explain()
    );

    // journal.jsonl itself pointing at the real journal, from a copy of the run directory.
    let copy = s.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    std::os::unix::fs::symlink(dir.join("journal.jsonl"), copy.join("journal.jsonl")).unwrap();
    let resumed = s.resume(&copy, "");
    assert_ne!(resumed.code, 0, "{}", resumed.explain());
    assert!(
        resumed.stderr.contains("is a symbolic link"),
        "{}",
        resumed.explain()
    );
    assert_eq!(
        lines(&dir),
        before,
        "nothing was written through either link"
    );
}

/// Every reader refuses a journal a newer shisa wrote with the same sentence, naming both
/// formats and what to do, and exits 2 as for any invocation that cannot go on (README,
/// "Exit codes"); it neither parses what it cannot read nor writes to it.
#[test]
fn a_journal_from_a_newer_shisa_is_refused_with_an_upgrade_hint() {
    let s = Scratch::new();
    let dir = halted_run(&s);
    let mut all = lines(&dir);
    assert!(all[0].contains("\"data\":{\"format\":3,"), "{}", all[0]);
    all[0] = all[0].replace("\"format\":3,", "\"format\":4,");
    rechain(&dir, &all);
    refused_by_every_reader(&s, &dir);
}

/// A newer shisa's resume of a run stamps its own format on `run_resumed`: from there on
/// the journal is one this shisa may misread, so every reader refuses it as a whole.
#[test]
fn a_journal_resumed_by_a_newer_shisa_is_refused_by_its_resume_stamp() {
    let s = Scratch::new();
    let dir = halted_run(&s);
    // The journal was cut back after s1: s2's log is of a run that no longer happened.
    std::fs::remove_file(dir.join("output/s2.1.log")).unwrap();
    let resumed = s.resume(&dir, "");
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
    let mut all = lines(&dir);
    let at = all
        .iter()
        .position(|l| l.contains("\"kind\":\"run_resumed\""))
        .expect("run_resumed");
    assert!(all[at].contains("\"data\":{\"format\":3"), "{}", all[at]);
    all[at] = all[at].replace("\"format\":3", "\"format\":4");
    rechain(&dir, &all);
    refused_by_every_reader(&s, &dir);
}

/// `verify`, `resume`, `export` and `rollback` refuse `dir` with the one sentence naming
/// both formats (exit 2) and write nothing; `runs` lists it as unreadable, saying why.
fn refused_by_every_reader(s: &Scratch, dir: &Path) {
    let before = lines(dir);
    let want = "this journal was written by a newer shisa (format 4); this shisa reads format 3 — upgrade shisa";
    let (code, out) = verify(s, dir, None);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains(want), "{out}");
    let resumed = s.resume(dir, "");
    assert_eq!(resumed.code, 2, "{}", resumed.explain());
    assert!(resumed.stderr.contains(want), "{}", resumed.explain());
    for args in [
        vec!["export"],
        vec!["export", "--lang", "ja"],
        vec!["rollback", "--reason", "undo it"],
    ] {
        let out = s
            .shisa()
            .args(&args[..1])
            .arg(dir)
            .args(&args[1..])
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: nothing exported: {stdout}");
    }
    // The history lists the run and says why it cannot say more.
    let out = s.shisa().args(["runs", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["outcome"], "unreadable", "{v}");
    assert_eq!(v[0]["reason"], want, "{v}");
    assert_eq!(lines(dir), before, "no reader wrote to it");
}

/// A journal stamped format 1 (before `not_undone` existed) still reads, verifies and
/// resumes to the end, and so does one from before the stamp.
#[test]
fn a_format_1_journal_still_replays_and_resumes() {
    for stamp in ["\"format\":1,", "", "\"format\":2,"] {
        let s = Scratch::new();
        let dir = halted_run(&s);
        let mut all = lines(&dir);
        all[0] = all[0].replace("\"format\":3,", stamp);
        rechain(&dir, &all);
        // The journal was cut back after s1: s2's log is of a run that no longer happened.
        for log in std::fs::read_dir(dir.join("output")).unwrap() {
            let log = log.unwrap().path();
            if !log
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("s1.")
            {
                std::fs::remove_file(log).unwrap();
            }
        }
        let (code, out) = verify(&s, &dir, None);
        assert_eq!(code, 0, "{stamp}: {out}");
        let resumed = s.resume(&dir, "");
        assert_eq!(resumed.code, 0, "{stamp}: {}", resumed.explain());
        assert_eq!(resumed.outcome(), "completed", "{stamp}");
        assert!(
            resumed.records("step_finished", Some("s2")).len() == 1,
            "{stamp}: the step after the halt ran: {}",
            resumed.explain()
        );
        let (code, out) = verify(&s, &dir, None);
        assert_eq!(code, 0, "{stamp}: {out}");
        // What this shisa wrote is under its own stamp, the segment before under the old.
        let all = lines(&dir);
        let resumed_line = all
            .iter()
            .find(|l| l.contains("\"kind\":\"run_resumed\""))
            .expect("run_resumed");
        assert!(
            resumed_line.contains("\"data\":{\"format\":3"),
            "{stamp}: {resumed_line}"
        );
        assert!(!all[0].contains("\"format\":3"), "{stamp}: {}", all[0]);
        // A journal of two formats exports whole.
        let out = s.shisa().arg("export").arg(&dir).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{stamp}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty(), "{stamp}: nothing exported");
    }
}

#[test]
fn a_format_stamp_that_is_not_a_format_number_is_refused() {
    for stamp in ["\"1\"", "1.0", "-1", "0", "null", "18446744073709551616"] {
        let s = Scratch::new();
        let dir = halted_run(&s);
        let mut all = lines(&dir);
        all[0] = all[0].replace("\"format\":3,", &format!("\"format\":{stamp},"));
        rechain(&dir, &all);
        let (code, out) = verify(&s, &dir, None);
        assert_ne!(code, 0, "{stamp}: {out}");
        assert!(out.contains("format"), "{stamp}: {out}");
    }
}

#[test]
fn a_batch_cut_mid_write_keeps_its_complete_lines_and_resumes() {
    let s = Scratch::new();
    let run = finished_run(&s, 3);
    let all = lines(run.dir());
    // The decision after s1's command: its result, s1's end, s2's start and command.
    let at = all
        .iter()
        .position(|l| l.contains("\"kind\":\"command_started\"") && l.contains("\"step\":\"s2\""))
        .unwrap();
    let mut bytes = (all[..at].join("\n") + "\n").into_bytes();
    bytes.extend_from_slice(&all[at].as_bytes()[..all[at].len() / 2]);
    std::fs::write(run.dir().join("journal.jsonl"), &bytes).unwrap();
    // The crash came before s2's command was spawned: it left no output log.
    for log in std::fs::read_dir(run.dir().join("output")).unwrap() {
        let log = log.unwrap().path();
        if !log
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("s1.")
        {
            std::fs::remove_file(log).unwrap();
        }
    }
    assert_eq!(verify(&s, run.dir(), None).0, 0);

    let resumed = s.resume(run.dir(), "rerun\n");
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
    let after = lines(run.dir());
    assert_eq!(
        after[..at],
        all[..at],
        "the complete lines of the batch are kept"
    );
    let recovered = &journal(run.dir())[at];
    assert_eq!(recovered["kind"], "journal_recovered", "{recovered}");
    assert_eq!(verify(&s, run.dir(), None).0, 0);
}

#[test]
fn one_decision_is_one_fsync() {
    let Some(strace) = common::needs::tool(&["strace"], "apt-get install strace") else {
        return;
    };
    let s = Scratch::new();
    let steps = 20;
    let rb = runbook(&s, steps);
    let trace = s.path().join("trace");
    let mut c = std::process::Command::new(strace);
    c.arg("-f")
        .arg("-y")
        .arg("-e")
        .arg("trace=fsync,fdatasync")
        .arg("-o")
        .arg(&trace)
        .arg(common::bin())
        .args(["run", "--headless"])
        .arg(&rb)
        .env("SHISA_JOURNAL_DIR", s.journals())
        .env("NO_COLOR", "1");
    let out = common::feed(c, "");
    let trace = std::fs::read_to_string(&trace).unwrap_or_default();
    if !trace.contains("journal.jsonl>") {
        common::needs::missing("a working strace (ptrace allowed)", "run outside a sandbox");
        return;
    }
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let syncs = trace
        .lines()
        .filter(|l| l.contains("journal.jsonl>"))
        .count();
    let records = journal(&Run::from(out).run_dir.unwrap()).len();
    // One commit per step: a command's result and its step's end announce nothing, so they
    // ride with the next step's start and command (one decision in line mode), the last
    // with the run's end; plus the run's start. Four per step before group commit.
    assert!(
        syncs <= steps + 2,
        "{syncs} fsyncs of the journal for {records} records in {steps} steps"
    );
}
