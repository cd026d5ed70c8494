//! `shisa export` end to end: journals of real runs — completed, rolled back, crashed, live —
//! become a Markdown postmortem, JSON for incident tools and an HTML page checked in a
//! real browser; secrets stay redacted in every format.

#[path = "common/browser.rs"]
mod browser;
mod common;
#[path = "common/synthetic.rs"]
mod synthetic;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{Run, Scratch, journal, runbook};
use serde_json::Value;

fn export(s: &Scratch, run_dir: &Path, args: &[&str]) -> Output {
    s.shisa()
        .arg("export")
        .arg(run_dir)
        .args(args)
        .output()
        .unwrap()
}

/// The export's standard output, after checking it exited `code`.
fn exported(s: &Scratch, run_dir: &Path, args: &[&str], code: i32) -> String {
    let o = export(s, run_dir, args);
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        o.status.code(),
        Some(code),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

fn completed(s: &Scratch) -> Run {
    let run = s.run(
        &runbook("demo.yaml"),
        &[],
        "quarantine-2023-12\ndone posted\n",
    );
    assert_eq!(run.code, 0, "{}", run.explain());
    run
}

fn rolled_back(s: &Scratch) -> Run {
    let run = s.run(
        &runbook("api-authorizer.yaml"),
        &["template=broken"],
        "accounts-api\nrollback\n",
    );
    assert_eq!(run.outcome(), "rolled_back", "{}", run.explain());
    run
}

const SLOW: &str = r#"version: 1
name: Slow change
steps:
  - id: snap
    kind: snapshot
    title: Save the state
    run: '[ ! -e "$SHISA_RUN_DIR/effects" ] || cp "$SHISA_RUN_DIR/effects" "$SHISA_RUN_DIR/effects.before"; echo saved'
  - id: first
    kind: action
    title: First change
    run: echo one
    waive: { target: "test", verify: "test" }
    rollback: [ { run: 'echo undone >> "$SHISA_RUN_DIR/undone"' } ]
  - id: slow
    kind: action
    title: The slow change
    run: echo started; sleep 60
    waive: { target: "test", verify: "test" }
    rollback: [ { run: 'echo undone >> "$SHISA_RUN_DIR/undone"' } ]
  - id: last
    kind: action
    title: Never reached
    run: echo three
    waive: { target: "test", verify: "test" }
    rollback: [ { run: 'echo undone >> "$SHISA_RUN_DIR/undone"' } ]
"#;

/// A `shisa run` in the background, killed (SIGKILL) and reaped when dropped.
struct Running(std::process::Child);

impl Running {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `slow.yaml`, waits until the slow command is journaled as started, and returns
/// the run (still going) and its run directory.
fn start_slow(s: &Scratch) -> (Running, PathBuf) {
    let rb = s.write("slow.yaml", SLOW);
    // Its output goes to files in the scratch dir, so a run that never reaches its step
    // says why in the failure (it flaked once with its stderr in /dev/null).
    let (out, err) = (s.path().join("slow.stdout"), s.path().join("slow.stderr"));
    // The run directory this run makes: not the newest by name, which a run started in
    // the same second by the same test may be (its id's suffix is random).
    let runs = |j: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(j)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let before = runs(&s.journals());
    let mut child = Running(
        s.shisa()
            .arg("run")
            .arg(&rb)
            .arg("--headless")
            .stdin(Stdio::piped())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let dir = runs(&s.journals())
            .into_iter()
            .find(|d| !before.contains(d));
        if let Some(dir) = &dir {
            let started = journal(dir)
                .iter()
                .any(|r| r["kind"] == "command_started" && r["step"] == "slow");
            if started {
                return (child, dir.clone());
            }
        }
        if Instant::now() >= deadline {
            let exited = child.0.try_wait();
            let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_else(|e| e.to_string());
            panic!(
                "the slow step never started (run directory {dir:?}; shisa exited: {exited:?})\n\
                 stdout:\n{}\nstderr:\n{}",
                read(&out),
                read(&err)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn crashed(s: &Scratch) -> PathBuf {
    let (mut run, dir) = start_slow(s);
    run.kill(); // SIGKILL: no last words
    dir
}

/// Table rows of the Markdown timeline, each checked to have exactly three cells.
fn timeline_rows(md: &str) -> Vec<String> {
    let start = md.find("| Time | Actor | Event |").expect("timeline table");
    let rows: Vec<String> = md[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(str::to_string)
        .collect();
    for row in &rows {
        let bars = row
            .match_indices('|')
            .filter(|(i, _)| !row[..*i].ends_with('\\'));
        assert_eq!(bars.count(), 4, "a row that is not three cells: {row}");
    }
    rows
}

fn no_control_characters(text: &str) {
    let bad = text.chars().find(|c| c.is_control() && *c != '\n');
    assert_eq!(bad, None, "a control character in the export");
}

fn head_printed_by(run: &Run) -> String {
    let (_, rest) = run.stdout.split_once("chain head ").expect("chain head");
    rest.split_whitespace().next().unwrap().to_string()
}

#[test]
fn a_completed_run_becomes_a_markdown_postmortem() {
    let s = Scratch::new();
    let run = completed(&s);
    let md = exported(&s, run.dir(), &[], 0);
    no_control_characters(&md);
    let user = run.journal()[0]["actor"]["user"]
        .as_str()
        .unwrap()
        .to_string();
    for want in [
        "# Postmortem timeline: Demo - isolate a quarantine OU",
        "| Runbook | Demo - isolate a quarantine OU (`",
        "| Outcome | **completed (exit 0)** |",
        &format!("| Operator | {user} |"),
        "Times are ",
        "| Time | Actor | Event |",
        &format!("{user} typed `quarantine-2023-12`, matching the resolved target"),
        "ran `orgctl attach-policy --policy p-denyall01 --target ou-7x2q-quar2312` → exit 0",
        "verify 2 passed: `orgctl policies --target root` → exit 0",
        "**COMPLETED** run finished (exit 0)",
        "## Snapshots taken",
        "`saved_count=3`",
        "| Attach Deny-all to the quarantine OU | `quarantine-2023-12` | `quarantine-2023-12` |",
        "## Failures\n\nNone.",
        "- `shisa verify`: passed",
    ] {
        assert!(md.contains(want), "missing {want:?} in\n{md}");
    }
    let sha = run.journal()[0]["data"]["runbook"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(md.contains(&sha));
    assert!(
        md.contains(&head_printed_by(&run)),
        "the chain head is in the export"
    );
    let rows = timeline_rows(&md);
    // Condensed: a command's start and finish are one row, a successful target lookup speaks
    // through the resolved target, and a step that simply passed is one row.
    assert!(
        rows.len() >= 12 && rows.len() < run.journal().len() * 2 / 3,
        "{}",
        rows.len()
    );
    assert!(!md.contains("command_started") && !md.contains("step_finished"));
    assert!(
        md.contains("Working as the break-glass role: done (")
            && md.contains(" — ran `orgctl whoami`"),
        "{md}"
    );
    // `--full`: a row for every record, the journal's own order.
    let full = exported(&s, run.dir(), &["--full"], 0);
    assert_eq!(timeline_rows(&full).len(), run.journal().len());
    assert!(full.contains("Working as the break-glass role: started (precheck)"));
    // Written to a file, the same document, and the path said on stderr.
    let file = s.path().join("pm.md");
    let o = export(&s, run.dir(), &["-o", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), md);
    assert!(String::from_utf8_lossy(&o.stderr).contains("pm.md"));
}

#[test]
fn a_rolled_back_run_shows_the_failure_its_output_and_the_rollback() {
    let s = Scratch::new();
    let run = rolled_back(&s);
    let md = exported(&s, run.dir(), &[], 0);
    timeline_rows(&md);
    for want in [
        // The step by its title, and who chose the rollback (fourth cold read, N3).
        "| Outcome | **rolled back (exit 1): verify 2 and 3 of “Deploy the template to the prod stage” failed; root chose to roll back** |",
        "**ROLLED BACK** run finished (exit 1): rolled back after verify 2 and 3 of “Deploy the template to the prod stage” failed |",
        "**FAILED** Deploy the template to the prod stage: verify 2 failed: `apictl call --token none` — expected stdout is \"401\", saw \"403\"",
        "chose to roll back",
        "**ROLLBACK** undoing Deploy the template to the prod stage",
        "**ROLLED BACK** run finished (exit 1)",
        "### ",
        "- Command: `apictl call --token none`",
        // Under failures, an exit 0 does not read as a success (fourth cold read, N4).
        "- Status: exit code 0, but the output was not as expected\n",
        "- The last line of `output/deploy.verify-2.1.log`:\n\n  ```text\n  403\n  ```",
        "## Rollbacks\n\n- ",
        "`apictl rollback --to dep-0001` → exit 0",
    ] {
        assert!(md.contains(want), "missing {want:?} in\n{md}");
    }

    let json: Value =
        serde_json::from_str(&exported(&s, run.dir(), &["--format", "json"], 0)).unwrap();
    assert_eq!(json["format"], "shisa-export");
    assert_eq!(json["runs"][0]["state"], "finished");
    assert_eq!(json["runs"][0]["outcome"], "rolled_back");
    assert_eq!(json["runs"][0]["exit_code"], 1);
    let lines: Vec<String> = std::fs::read_to_string(run.dir().join("journal.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let timeline = json["timeline"].as_array().unwrap();
    let mut last_seq = 0;
    for e in timeline {
        let seq = e["seq"].as_u64().unwrap();
        assert!(seq > last_seq, "timeline in journal order");
        last_seq = seq;
        let line = &lines[seq as usize - 1];
        assert_eq!(e["record_hash"], shisa::hash::sha256_hex(line.as_bytes()));
        let time = e["time"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{time}");
        let journaled: Value = serde_json::from_str(line).unwrap();
        let condensed = ["step_passed", "command_attempts"].contains(&e["type"].as_str().unwrap());
        if !condensed {
            assert_eq!(e["type"], journaled["kind"]);
        }
        assert!(e["first_seq"].as_u64().unwrap() <= seq && seq <= e["last_seq"].as_u64().unwrap());
        for key in ["actor", "summary", "step", "exit_code"] {
            assert!(e.get(key).is_some(), "{key} in {e}");
        }
    }
    let failed = timeline.iter().find(|e| e["marker"] == "FAILED").unwrap();
    assert_eq!(failed["step"], "deploy");
    assert_eq!(failed["exit_code"], 0);
    assert_eq!(failed["type"], "command_finished");
    assert_eq!(
        json["runs"][0]["failures"][0]["last_lines"],
        serde_json::json!(["403"])
    );
    assert_eq!(json["runs"][0]["failures"][0]["purpose"], "verify-2");
    assert_eq!(json["runs"][0]["rollbacks"][0]["ok"], true);
    assert_eq!(
        json["runs"][0]["rollbacks"][0]["commands"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        json["runs"][0]["snapshots"][0]["captures"]["previous_deployment"],
        "dep-0001"
    );
    assert_eq!(json["runs"][0]["targets"][0]["typed"], "accounts-api");
    assert_eq!(json["runs"][0]["integrity"]["verify_passed"], true);
    assert_eq!(
        json["runs"][0]["integrity"]["chain_head"],
        head_printed_by(&run)
    );
    let deploy = json["runs"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == "deploy")
        .unwrap();
    assert_eq!(deploy["status"], "rolled_back");
    assert!(deploy["rollback_started"].is_string());
}

#[test]
fn a_crashed_run_exports_and_says_it_was_cut_off() {
    let s = Scratch::new();
    let dir = crashed(&s);
    let md = exported(&s, &dir, &[], 0);
    timeline_rows(&md);
    for want in [
        "> **Warning:** CUT OFF: the journal ends without `run_finished`",
        // The record's name as code, in the summary as in the warning (issue 17).
        "| Outcome | **CUT OFF: the journal ends without `run_finished` (likely a crash or a kill)** |",
        "The slow change: `echo started; sleep 60` was running when the journal stops",
        // The record's name as code in the footer too (issue 17, third cold read).
        "*The journal ends here, without `run_finished`: the run was cut off.*",
        // A cut-off run printed no head at its end, and it had no watcher: nothing to
        // compare it with (fourth cold read, N5).
        "- There is nothing to compare the head with: none was printed at the end (the run did not finish) and no watcher kept one; `shisa verify RUN_DIR --head HASH` checks a head kept some other way.",
        "`shisa resume ",
    ] {
        assert!(md.contains(want), "missing {want:?} in\n{md}");
    }
    let json: Value = serde_json::from_str(&exported(&s, &dir, &["--format", "json"], 0)).unwrap();
    assert_eq!(json["runs"][0]["state"], "cut_off");
    assert_eq!(json["runs"][0]["outcome"], Value::Null);
    let status = |id: &str| {
        json["runs"][0]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("first"), "ok");
    assert_eq!(status("slow"), "in_doubt");
    // The warning names the change the cut leaves in doubt, as the replayed engine has it,
    // and what was in flight: its command.
    assert!(
        md.contains("“The slow change”'s change command was running, so whether its change was made is unknown; `shisa resume "),
        "{md}"
    );
    let ja = exported(&s, &dir, &["--lang", "ja"], 0);
    assert!(
        ja.contains("\n*ジャーナルは `run_finished` なしでここで終わる。"),
        "{ja}"
    );
    assert!(
        ja.contains(
            "- このヘッドと照合できる控えはない（実行終了時に表示されておらず、閲覧者もいない）。"
        ),
        "{ja}"
    );
    assert!(
        ja.contains("。「The slow change」の変更コマンドは実行中だったため、変更が適用されたかは不明。`shisa resume "),
        "{ja}"
    );
    assert_eq!(status("last"), "not_started");

    // A crash in the middle of a write leaves a torn last line: said, not called tampering.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("journal.jsonl"))
        .unwrap();
    let next = journal(&dir).len() + 1;
    let torn = format!(r#"{{"seq":{next},"ts":"2"#);
    f.write_all(torn.as_bytes()).unwrap();
    let md = exported(&s, &dir, &[], 0);
    assert!(
        md.contains(&format!(
            "its last line is torn ({} bytes without a newline)",
            torn.len()
        )),
        "{md}"
    );
    // A likelihood, not a finding: the journal cannot tell a crash from a cut by hand.
    assert!(md.contains(&format!(
        "its last line is torn ({} bytes without a newline), so likely a crash while a record was being written",
        torn.len()
    )), "{md}");
    assert!(
        md.contains(&format!(
            "- The last line is torn ({} bytes): likely a crash mid-write, not tampering.",
            torn.len()
        )),
        "{md}"
    );
    let ja = exported(&s, &dir, &["--lang", "ja"], 0);
    for want in [
        format!(
            "最終行が {} バイトで途切れており、レコードの書き込み中にクラッシュした可能性が高い",
            torn.len()
        ),
        format!(
            "- 最終行が途切れている（{} バイト）。書き込み中にクラッシュした可能性が高い（改ざんの可能性は低い）。",
            torn.len()
        ),
    ] {
        assert!(ja.contains(&want), "missing {want:?} in\n{ja}");
    }
}

#[test]
fn a_live_run_exports_and_says_it_is_still_running() {
    let s = Scratch::new();
    let (mut run, dir) = start_slow(&s);
    let md = exported(&s, &dir, &[], 0);
    assert!(
        md.contains("> **Warning:** LIVE: the run is still going on"),
        "{md}"
    );
    assert!(md.contains("`echo started; sleep 60` is running"), "{md}");
    let json: Value = serde_json::from_str(&exported(&s, &dir, &["--format", "json"], 0)).unwrap();
    assert_eq!(json["runs"][0]["state"], "live");
    let slow = json["runs"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == "slow")
        .unwrap();
    assert_eq!(slow["status"], "running");
    run.kill();
}

#[test]
fn a_halted_run_says_how_to_resume_it() {
    use shisa::journal::record::{Body, RunbookRef};
    let s = Scratch::new();
    let dir = s.path().join("halted");
    let mut j = synthetic::Synthetic::create(&dir, "2023-12-05T08:15:00Z");
    j.op(
        None,
        Body::RunStarted {
            run_id: "20231205T081500Z-aaaa".into(),
            runbook: RunbookRef {
                path: "/nonexistent/rb.yaml".into(),
                sha256: "0".repeat(64),
                name: "Halted one".into(),
            },
            params: Default::default(),
            tool_version: "0.1.0".into(),
            mode: "headless".into(),
            clock_faked: None,
            env: None,
            rehearsal: None,
        },
    )
    .op(
        Some("change"),
        Body::StepStarted {
            index: 0,
            title: "Make the change".into(),
            step_kind: "action".into(),
            mutating: true,
        },
    )
    .wait(30)
    .op(
        None,
        Body::RunInterrupted {
            reason: "outside the change window".into(),
            why: None,
        },
    );
    let md = exported(&s, &dir, &[], 0);
    assert!(
        md.contains("HALTED: the run was interrupted (outside the change window)"),
        "{md}"
    );
    assert!(md.contains("**INTERRUPTED** run interrupted"), "{md}");
    // The runbook is gone: steps are named as the journal has them, and the export says so.
    assert!(md.contains("/nonexistent/rb.yaml cannot be read"), "{md}");
    assert!(md.contains("Make the change: started (action, changes something)"));
}

const NIGHT: &str = r#"version: 1
name: Quarantine at night
params:
  ou: { default: ou-7x2q-quar2312 }
window:
  timezone: Asia/Tokyo
  allow: ['* 00:00-24:00']
steps:
  - id: caller
    kind: precheck
    title: Working as the break-glass role
    run: 'true'
  - id: save
    kind: snapshot
    title: Save the attachments
    run: '[ ! -e "$SHISA_RUN_DIR/effects" ] || cp "$SHISA_RUN_DIR/effects" "$SHISA_RUN_DIR/effects.before"; echo saved'
  - id: attach
    kind: action
    title: Attach Deny-all to {{ ou }}
    target: { describe: 'echo quarantine-2023-12' }
    approval: required
    run: 'true'
    verify: [ { run: 'true' } ]
    rollback: [ { run: 'echo undone >> "$SHISA_RUN_DIR/undone"' } ]
  - id: tell
    kind: manual
    title: Tell the customer
    instructions: Post it in the channel.
"#;

/// A run of nearly three hours over midnight in Tokyo, with a reviewer's approval and notes, a
/// window override, and a verify that failed once: written through the journal writer.
fn night_run(s: &Scratch) -> PathBuf {
    use shisa::journal::record::{Body, Choice, Outcome, Prompt, Purpose, RunbookRef, StepStatus};
    let rb = s.write("night.yaml", NIGHT);
    let dir = s.journals().join("20231205T133000Z-n1gt");
    let mut j = synthetic::Synthetic::create(&dir, "2023-12-05T13:30:00Z");
    let ops2 = j.reviewer("ops2");
    let cmd = |purpose, attempt, command: &str, log: &str| Body::CommandStarted {
        poll: false,
        purpose,
        attempt,
        command: command.into(),
        env: Default::default(),
        command_sha256: "c".repeat(64),
        log: log.into(),
        host: None,
    };
    let done =
        |purpose, attempt, ms, ok: bool, log: &str, bytes: u64, sha: &str| Body::CommandFinished {
            poll: false,
            purpose,
            attempt,
            exit: Some(if ok { 0 } else { 1 }),
            signal: None,
            timed_out: false,
            duration_ms: ms,
            bytes,
            sha256: sha.into(),
            log: log.into(),
            ok,
            failure: (!ok).then(|| "exit 1 (expected 0)".into()),
            captures: Default::default(),
            background: Default::default(),
            not_yet: None,
            ssh_failure: None,
            // Written as a journal from before structured reasons: the sentence only.
            why: None,
        };
    let started = |index, title: &str, kind: &str, mutating| Body::StepStarted {
        index,
        title: title.into(),
        step_kind: kind.into(),
        mutating,
    };
    let finished = || Body::StepFinished {
        status: StepStatus::Ok,
        reason: None,
        why: None,
    };
    std::fs::create_dir_all(dir.join("output")).unwrap();
    let log = "output/attach.verify-1.1.log";
    let text = b"checking\nHTTP 403 from eu-west-1 | retry later\n";
    std::fs::write(dir.join(log), text).unwrap();
    let sha = shisa::hash::sha256_hex(text);
    j.op(
        None,
        Body::RunStarted {
            run_id: "20231205T133000Z-n1gt".into(),
            runbook: RunbookRef {
                path: rb.display().to_string(),
                sha256: shisa::hash::sha256_hex(NIGHT.as_bytes()),
                name: "Quarantine at night".into(),
            },
            params: [("ou".to_string(), "ou-7x2q-quar2312".to_string())].into(),
            tool_version: "0.1.0".into(),
            mode: "tui".into(),
            clock_faked: None,
            env: None,
            rehearsal: None,
        },
    )
    .op(
        None,
        Body::Override {
            what: shisa::journal::record::OverrideKind::Window,
            reason: "incident 42 cannot wait".into(),
        },
    )
    .shisa(
        None,
        Body::WatcherJoined {
            watcher: "ops2".into(),
        },
    )
    .op(
        Some("caller"),
        started(0, "Working as the break-glass role", "precheck", false),
    )
    .shisa(Some("caller"), cmd(Purpose::Main, 1, "true", ""))
    .wait(2)
    .shisa(
        Some("caller"),
        done(Purpose::Main, 1, 2000, true, "", 0, ""),
    )
    .shisa(Some("caller"), finished())
    .wait(300)
    .op(
        Some("save"),
        started(1, "Save the attachments", "snapshot", false),
    )
    .shisa(Some("save"), cmd(Purpose::Main, 1, "echo saved", ""))
    .wait(120)
    .shisa(
        Some("save"),
        done(Purpose::Main, 1, 120_000, true, "", 0, ""),
    )
    .shisa(
        Some("save"),
        Body::SnapshotRecorded {
            captures: [("saved".to_string(), "3".to_string())].into(),
            log: String::new(),
        },
    )
    .shisa(Some("save"), finished())
    .wait(180)
    .op(
        Some("attach"),
        started(2, "Attach Deny-all to ou-7x2q-quar2312", "action", true),
    )
    .shisa(
        Some("attach"),
        Body::TargetResolved {
            resolved: "quarantine-2023-12".into(),
            blind: false,
        },
    )
    .op(
        Some("attach"),
        Body::TargetConfirmed {
            resolved: "quarantine-2023-12".into(),
            typed: "quarantine-2023-12".into(),
            reused_from: None,
            blind: false,
        },
    )
    .shisa(
        Some("attach"),
        Body::ApprovalRequested {
            command: "true".into(),
            command_sha256: "c".repeat(64),
            expected: "quarantine-2023-12".into(),
            allow_self: false,
            reviewers: None,
            group: None,
            blind: false,
        },
    )
    .wait(1800)
    .by(
        &ops2,
        Some("attach"),
        Body::ApprovalGranted {
            typed: "quarantine-2023-12".into(),
            self_approved: false,
            person: None,
            count: None,
            needed: None,
            group: None,
        },
    )
    .shisa(Some("attach"), cmd(Purpose::Main, 1, "true", ""))
    .wait(60)
    .shisa(
        Some("attach"),
        done(Purpose::Main, 1, 60_000, true, "", 0, ""),
    )
    .shisa(
        Some("attach"),
        cmd(
            Purpose::Verify(1),
            1,
            "curl -s https://eu.example/health",
            log,
        ),
    )
    .wait(30)
    .shisa(
        Some("attach"),
        done(
            Purpose::Verify(1),
            1,
            30_000,
            false,
            log,
            text.len() as u64,
            &sha,
        ),
    )
    .shisa(
        Some("attach"),
        Body::StepFailed {
            prompt: Prompt::Failure,
            reason: "verify-1: exit 1 (expected 0)".into(),
            why: None,
        },
    )
    .by(
        &ops2,
        Some("attach"),
        Body::OperatorNote {
            text: "EU edge is flapping, not us".into(),
        },
    )
    .wait(600)
    .op(
        Some("attach"),
        Body::OperatorChoice {
            prompt: Prompt::Failure,
            choice: Choice::Retry,
        },
    )
    .shisa(
        Some("attach"),
        cmd(
            Purpose::Verify(1),
            2,
            "curl -s https://eu.example/health",
            "",
        ),
    )
    .wait(20)
    .shisa(
        Some("attach"),
        done(Purpose::Verify(1), 2, 20_000, true, "", 0, ""),
    )
    .shisa(Some("attach"), finished())
    .wait(240)
    .op(
        Some("tell"),
        started(3, "Tell the customer", "manual", false),
    )
    .wait(6000)
    .op(
        Some("tell"),
        Body::ManualDone {
            note: Some("posted in #inc-42".into()),
            choice: None,
            undo: None,
        },
    )
    .shisa(Some("tell"), finished())
    .wait(300)
    .shisa(
        None,
        Body::RunFinished {
            outcome: Outcome::Completed,
            exit_code: 0,
            reason: None,
            why: None,
        },
    );
    dir
}

#[test]
fn a_long_run_over_midnight_speaks_in_the_runbooks_zone() {
    let s = Scratch::new();
    let dir = night_run(&s);
    let md = exported(&s, &dir, &[], 0);
    timeline_rows(&md);
    for want in [
        "Times are Asia/Tokyo (UTC+09:00), the runbook's change-window zone.",
        "| Reviewers | ops2 |",
        "| Watchers | ops2 |",
        "| Start | 2023-12-05 22:30:00.000 +09:00 |",
        "| 2023-12-05 22:30:00.000 | ops1 | ops1 started run `20231205T133000Z-n1gt`",
        "| ops2 (reviewer) | **APPROVED** Attach Deny-all to ou-7x2q-quar2312: ops2 approved, independently typing `quarantine-2023-12` |",
        "**OVERRIDE** ops1 started outside the change window: “incident 42 cannot wait”",
        "**FAILED** Attach Deny-all to ou-7x2q-quar2312: verify 1 failed: `curl -s https://eu.example/health` — exit 1 (expected 0)",
        "verify 1 passed: `curl -s https://eu.example/health` → exit 0 (20.0 s) (attempt 2)",
        "| 2023-12-06 01:",
        "note from ops2 (reviewer): “EU edge is flapping, not us”",
        "| Duration | 2h40m52s |",
        "  HTTP 403 from eu-west-1 | retry later\n",
        "| **OVERRIDE** | window |",
    ] {
        assert!(md.contains(want), "missing {want:?} in\n{md}");
    }
    let berlin = exported(&s, &dir, &["--tz", "Europe/Berlin"], 0);
    assert!(
        berlin.contains("Times are Europe/Berlin (UTC+01:00), chosen with `--tz`."),
        "{berlin}"
    );
    assert!(berlin.contains("| 14:30:00.000 | ops1 |"), "{berlin}");
    let json: Value =
        serde_json::from_str(&exported(&s, &dir, &["--format", "json", "--tz", "UTC"], 0)).unwrap();
    assert_eq!(json["timeline"][0]["time"], "2023-12-05T13:30:00.000+00:00");
    assert_eq!(json["timezone"]["multi_day"], false);
    assert_eq!(json["runs"][0]["approvals"][0]["by"], "ops2 (reviewer)");
}

/// The machine's zone names the times, whatever day it is: a run now, and one that
/// crosses midnight in Kolkata (the fake clock of debug builds starts it 0.3 s before),
/// whose rows then carry their date. Before, the test failed when the wall clock did that.
#[test]
fn without_a_window_zone_the_machines_own_is_used() {
    for start in [None, Some("2026-12-02T18:29:59.700Z")] {
        let s = Scratch::new();
        // Its one step outlasts the 0.3 s to midnight however fast the machine starts it.
        let rb = s.write(
            "midnight.yaml",
            "version: 1\nname: midnight\nsteps:\n  - id: wait\n    kind: precheck\n    run: sleep 0.6\n",
        );
        let run = s.run_with(&rb, &[], "", |c| {
            if let Some(t) = start {
                c.env("SHISA_FAKE_NOW", t);
            }
        });
        assert_eq!(run.code, 0, "{}", run.explain());
        let o = s
            .shisa()
            .arg("export")
            .arg(run.dir())
            .env("TZ", "Asia/Kolkata")
            .output()
            .unwrap();
        let md = String::from_utf8(o.stdout).unwrap();
        assert!(
            md.contains("Times are Asia/Kolkata (UTC+05:30), this machine's local zone."),
            "{md}"
        );
        // The first record's time in Kolkata; with its date when the run crosses midnight
        // there, as the timeline then dates every row.
        let kolkata = "Asia/Kolkata".parse::<chrono_tz::Tz>().unwrap();
        let at = |r: &Value| {
            chrono::DateTime::parse_from_rfc3339(r["ts"].as_str().unwrap())
                .unwrap()
                .with_timezone(&kolkata)
        };
        let journal = run.journal();
        let (first, last) = (at(&journal[0]), at(journal.last().unwrap()));
        let crosses = first.date_naive() != last.date_naive();
        // (The run now may cross it too, if the wall clock is there: either way is right.)
        assert!(crosses || start.is_none(), "{first} to {last}");
        let local = if crosses {
            first.format("| %Y-%m-%d %H:%M:%S%.3f |")
        } else {
            first.format("| %H:%M:%S%.3f |")
        }
        .to_string();
        assert!(md.contains(&local), "{local} in\n{md}");
    }
}

const SECRET: &str = r#"version: 1
name: secret
params:
  token: { secret: true, from_env: SHISA_TEST_TOKEN }
steps:
  - id: argv
    kind: precheck
    title: Token is {{ token }}
    argv: [echo, '{{ token }}']
  - id: use
    kind: precheck
    run: |
      echo "token is $token"
      echo "again: ${token}" >&2
      exit 3
"#;

#[test]
fn secrets_stay_redacted_in_every_format() {
    let s = Scratch::new();
    let rb = s.write("secret.yaml", SECRET);
    let secret = "s3cr3t-Hunter2-value";
    let run = s.run_with(&rb, &[], &format!("note I used {secret}\nabort\n"), |c| {
        c.env("SHISA_TEST_TOKEN", secret);
    });
    assert_eq!(run.code, 1, "{}", run.explain());
    for format in ["md", "json", "html"] {
        let out = exported(&s, run.dir(), &["--format", format], 0);
        assert!(
            !out.contains(secret),
            "the secret is in the {format} export"
        );
        assert!(out.contains("[REDACTED:token]"), "{format}: {out}");
    }
    let md = exported(&s, run.dir(), &[], 0);
    assert!(
        md.contains("again: \\[REDACTED:token\\]") || md.contains("again: [REDACTED:token]"),
        "{md}"
    );
    assert!(md.contains("Token is \\[REDACTED:token\\]"), "{md}");
    assert!(md.contains("“I used \\[REDACTED:token\\]”"), "{md}");
}

#[test]
fn bad_invocations_exit_2_and_write_nothing() {
    let s = Scratch::new();
    let out = s.path().join("out.md");
    let o = export(&s, &s.path().join("nope"), &["-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no run directory"));
    let o = export(&s, s.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no journal.jsonl"));
    let run = completed(&s);
    let o = export(
        &s,
        run.dir(),
        &["--tz", "Mars/Olympus", "-o", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not an IANA time zone"));
    assert!(!out.exists());
    let o = export(&s, run.dir(), &["--format", "pdf"]);
    assert_eq!(o.status.code(), Some(2));
}

/// One rule for every export error: the invocation is refused in English whatever `--lang`
/// says (the document's language, not the command's), exit 2, nothing written. The same run
/// given twice names both names and what to do, as the other refusals say what to do.
#[test]
fn under_lang_ja_a_bad_invocation_is_refused_in_english_as_every_error_is() {
    let s = Scratch::new();
    let run = completed(&s);
    let out = s.path().join("out.md");
    let out_arg = out.to_str().unwrap();
    let mut again = run.dir().as_os_str().to_owned();
    again.push("/");
    let twice = s
        .shisa()
        .arg("export")
        .arg(run.dir())
        .arg(&again)
        .args(["--lang", "ja", "-o", out_arg])
        .output()
        .unwrap();
    let nope = s.path().join("nope");
    let cases = [
        (
            twice,
            "are the same run (one journal under two names); give each run once",
        ),
        (
            export(&s, &nope, &["--lang", "ja", "-o", out_arg]),
            "no run directory",
        ),
        (
            export(
                &s,
                run.dir(),
                &["--lang", "ja", "--tz", "Mars/Olympus", "-o", out_arg],
            ),
            "is not an IANA time zone name",
        ),
    ];
    for (o, says) in cases {
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{says:?} in {err}");
        assert!(
            err.is_ascii(),
            "English, one language for every error: {err}"
        );
        assert!(
            o.stdout.is_empty() && !out.exists(),
            "nothing written: {err}"
        );
    }
}

#[test]
fn a_broken_journal_exports_only_what_verifies_and_exits_1() {
    let s = Scratch::new();
    let run = completed(&s);
    let path = run.dir().join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen("\"typed\":\"quarantine-2023-12\"", "\"typed\":\"Root\"", 1),
    )
    .unwrap();
    let edited = text
        .lines()
        .position(|l| l.contains("target_confirmed"))
        .unwrap()
        + 1;
    let o = export(&s, run.dir(), &[]);
    assert_eq!(o.status.code(), Some(1));
    let md = String::from_utf8(o.stdout).unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("JOURNAL INTEGRITY: BROKEN at line"), "{err}");
    assert!(
        md.contains("> **Warning:** JOURNAL INTEGRITY: BROKEN at line"),
        "{md}"
    );
    assert!(md.contains("- `shisa verify`: **FAILED**"), "{md}");
    // The edited line is not shown, and neither is anything after it.
    assert!(!md.contains("`Root`"), "{md}");
    // The hash shown is the last intact record's, not the run's head: labelled so, in the
    // summary and the integrity section, in both languages (issue 17).
    assert!(!md.contains("chain head"), "{md}");
    assert!(md.contains("| Last intact record's hash | `"), "{md}");
    assert!(md.contains("- Last intact record's hash: `"), "{md}");
    let ja = exported(&s, run.dir(), &["--lang", "ja"], 1);
    assert!(!ja.contains("チェーンヘッド"), "{ja}");
    assert!(
        ja.contains("| 破損前の最後のレコードのハッシュ | `"),
        "{ja}"
    );
    assert!(ja.contains("- 破損前の最後のレコードのハッシュ：`"), "{ja}");
    let json: Value =
        serde_json::from_str(&exported(&s, run.dir(), &["--format", "json"], 1)).unwrap();
    assert_eq!(json["runs"][0]["integrity"]["records"], edited - 1);
    assert_eq!(
        json["runs"][0]["integrity"]["untrusted_lines"],
        text.lines().count() - (edited - 1)
    );
    // When not even the first line verifies, there is nothing to export: exit 1, said why.
    std::fs::write(&path, format!("garbage\n{text}")).unwrap();
    let o = export(&s, run.dir(), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("broken at line 1"), "{err}");
}

/// A finished run whose journal is damaged before its end: its `run_finished` line is there,
/// past the damage, so the export gives the damage warning alone — no second one guessing
/// that shisa was killed — in both languages. A run cut off with no end record still gets
/// that guess, said as a guess.
#[test]
fn only_a_journal_without_an_end_is_called_cut_off_and_as_a_guess() {
    let s = Scratch::new();
    let run = completed(&s);
    let path = run.dir().join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let damaged = text.replacen("\"typed\":\"quarantine-2023-12\"", "\"typed\":\"Root\"", 1);
    assert_ne!(damaged, text);
    std::fs::write(&path, damaged).unwrap();
    let warnings = |md: &str| -> Vec<String> {
        md.lines()
            .filter(|l| l.starts_with("> **"))
            .map(str::to_string)
            .collect()
    };
    for (lang, damage, cut, unknown) in [
        (
            "en",
            "JOURNAL INTEGRITY: BROKEN at line",
            "CUT OFF",
            "| Outcome | **UNKNOWN: the journal is damaged before its end** |",
        ),
        (
            "ja",
            "ジャーナルの完全性",
            "異常終了",
            "| 結果 | **不明：終了の記録より前でジャーナルが破損している** |",
        ),
    ] {
        let md = exported(&s, run.dir(), &["--lang", lang], 1);
        let w = warnings(&md);
        assert_eq!(w.len(), 1, "{md}");
        assert!(w[0].contains(damage), "{md}");
        assert!(!md.contains(cut), "{md}");
        assert!(md.contains(unknown), "{md}");
    }
    let json: Value =
        serde_json::from_str(&exported(&s, run.dir(), &["--format", "json"], 1)).unwrap();
    assert_eq!(json["runs"][0]["state"], "damaged");
    assert_eq!(json["runs"][0]["warnings"].as_array().unwrap().len(), 1);

    let dir = crashed(&s);
    for (lang, guess) in [
        (
            "en",
            "shisa may have been killed, or its machine may have gone down",
        ),
        (
            "ja",
            "shisa が強制終了されたか、マシンが停止した可能性がある",
        ),
    ] {
        let md = exported(&s, &dir, &["--lang", lang], 0);
        let w = warnings(&md);
        assert_eq!(w.len(), 1, "{md}");
        assert!(w[0].contains(guess), "{md}");
    }
}

/// Exports `run_dir` as HTML, loads it in headless chromium, and checks the page: it is
/// self-contained, it loaded, the chart was laid out with one drawn bar per started step,
/// and the table has one row per timeline entry.
fn check_in_browser(s: &Scratch, run_dir: &Path, name: &str) -> String {
    let file = s.path().join(format!("{name}.html"));
    let o = export(
        s,
        run_dir,
        &["--format", "html", "-o", file.to_str().unwrap()],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = std::fs::read_to_string(&file).unwrap();
    no_control_characters(&html);
    // No external requests: nothing to fetch, and a policy that forbids fetching.
    for attr in [" src=", " href=", "url(http", "@import", "xmlns"] {
        assert!(!html.contains(attr), "{name}: the page references {attr}");
    }
    assert!(
        html.contains("Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-")
    );
    assert!(!html.contains("unsafe-inline"));
    let json: Value =
        serde_json::from_str(&exported(s, run_dir, &["--format", "json"], 0)).unwrap();
    let started = json["runs"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["started"].is_string())
        .count();
    let rows = json["timeline"].as_array().unwrap().len();

    let dom = browser::dump_dom(&file);
    assert!(
        dom.contains("<svg id=\"chart\""),
        "{name}: no chart in\n{dom}"
    );
    assert!(
        dom.contains(&format!("data-chart-bars-drawn=\"{started}\"")),
        "{name}: the browser did not draw {started} bars:\n{}",
        &dom[..dom.len().min(600)]
    );
    let width: f64 = dom
        .split("data-chart-width=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .and_then(|w| w.parse().ok())
        .expect("chart width");
    assert!(width > 600.0, "{name}: the chart is {width}px wide");
    assert_eq!(dom.matches("<rect class=\"bar ").count(), started, "{name}");
    assert!(dom.matches(" data-seq=").count() >= rows, "{name}");
    let table = dom
        .split("<table id=\"timeline\">")
        .nth(1)
        .expect("timeline table");
    let table = table.split("</table>").next().unwrap();
    assert_eq!(
        table.matches("<tr").count(),
        rows + 1,
        "{name}: one row per event"
    );
    if let Some(dir) = std::env::var_os("SHISA_EXPORT_SCREENSHOTS") {
        let png = PathBuf::from(dir).join(format!("{name}.png"));
        browser::run(
            &file,
            &[
                &format!("--screenshot={}", png.display()),
                "--window-size=1280,1600",
            ],
        );
    }
    dom
}

#[test]
fn html_exports_render_in_a_real_browser() {
    if browser::chromium().is_none() {
        return;
    }
    let s = Scratch::new();
    let done = completed(&s);
    let dom = check_in_browser(&s, done.dir(), "completed");
    assert!(dom.contains("<strong class=\"m m-COMPLETED\">COMPLETED</strong>"));

    let back = rolled_back(&s);
    let dom = check_in_browser(&s, back.dir(), "rolled-back");
    assert!(dom.contains("class=\"bar rolled-back\""));
    assert!(dom.contains("class=\"rollback-seg\""));
    assert!(
        dom.contains("<polygon class=\"mk fail\""),
        "a failure marker"
    );

    let s2 = Scratch::new();
    let crash = crashed(&s2);
    let dom = check_in_browser(&s2, &crash, "crashed");
    assert!(dom.contains("class=\"bar in-doubt\""));
    assert!(dom.contains("journal ends"));
    assert!(dom.contains("<div class=\"warn\">CUT OFF"));

    let s3 = Scratch::new();
    let night = night_run(&s3);
    let dom = check_in_browser(&s3, &night, "night");
    assert!(
        dom.contains("<polygon class=\"mk approve\""),
        "an approval marker"
    );
    assert!(
        dom.contains("<rect class=\"mk override\""),
        "an override marker"
    );
    // Ticks adapt to a three-hour run over midnight: hours and minutes, dated.
    assert!(dom.contains(">22:30<") && dom.contains(">00:00<"), "{dom}");
    assert!(dom.contains(">Tue Dec 05<"), "the first day is dated");
    assert!(dom.contains(">Wed Dec 06<"), "the new day is dated");
}

#[test]
fn a_merged_html_export_draws_each_run_on_its_own_lane() {
    if browser::chromium().is_none() {
        return;
    }
    let s = Scratch::new();
    let done = completed(&s);
    let back = rolled_back(&s);
    let file = s.path().join("merged.html");
    let o = s
        .shisa()
        .arg("export")
        .args([back.dir(), done.dir()])
        .args([
            "--format",
            "html",
            "--lang",
            "ja",
            "-o",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = std::fs::read_to_string(&file).unwrap();
    no_control_characters(&html);
    assert!(html.contains("<html lang=\"ja\">"));
    // Each bar's tooltip is in Japanese too: "成功、10:28:45 から 112 ミリ秒".
    let tips: Vec<&str> = html
        .split("<rect class=\"bar ")
        .skip(1)
        .filter_map(|r| r.split_once("<title>"))
        .filter_map(|(_, t)| t.split("</title></rect>").next())
        .collect();
    assert!(!tips.is_empty(), "bars carry tooltips");
    for tip in &tips {
        assert!(tip.contains(" から ") && !tip.contains(" from "), "{tip}");
    }
    let dom = browser::dump_dom(&file);
    // One bar per run, in the order they started, each with its run's outcome.
    assert!(
        dom.contains("data-chart-bars-drawn=\"2\""),
        "{}",
        &dom[..dom.len().min(800)]
    );
    let first = dom
        .find("#1 Demo - isolate a quarantine OU")
        .expect("run #1's lane");
    let second = dom
        .find("#2 Deploy the accounts API")
        .expect("run #2's lane");
    assert!(first < second);
    assert!(dom.contains("class=\"bar ok\"") && dom.contains("class=\"bar rolled-back\""));
    assert!(
        dom.contains("<th>実行</th>"),
        "a run column in the timeline"
    );
}

/// An export file is a document to hand on (0644) unless the run it comes from is private:
/// shisa creates run directories 0700, so by default the export keeps to its owner too;
/// a run directory opened to a team (chmod g+rx) gives an export others can read.
#[test]
fn an_export_file_is_as_private_as_its_run() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new();
    let run = completed(&s);
    let dir = run.dir().to_path_buf();
    let export_to = |name: &str| -> u32 {
        let out = s.path().join(name);
        let o = std::process::Command::new("sh")
            .arg("-c")
            .arg("umask 022; exec \"$0\" export \"$1\" --format html -o \"$2\"")
            .arg(common::bin())
            .arg(&dir)
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert_eq!(export_to("private.html"), 0o600);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o750)).unwrap();
    assert_eq!(export_to("shared.html"), 0o644);
}

/// Merged, a cut-off run's journal end is drawn on its own lane and names the run: a label
/// on the first lane read as the first run's end (issue 17, third cold read).
#[test]
fn a_merged_charts_journal_end_sits_on_the_cut_off_runs_lane() {
    let s = Scratch::new();
    let done = completed(&s);
    let dir = crashed(&s);
    for (lang, label) in [("en", "#2 journal ends"), ("ja", "#2 ジャーナル終端")] {
        let html = exported(
            &s,
            done.dir(),
            &[dir.to_str().unwrap(), "--format", "html", "--lang", lang],
            0,
        );
        let cut = html
            .split("<line class=\"cut\"")
            .nth(1)
            .unwrap_or_else(|| panic!("no cut line in {html}"));
        let attr = |name: &str| -> f64 {
            let from = cut.split(&format!(" {name}=\"")).nth(1).unwrap();
            from.split('"').next().unwrap().parse().unwrap()
        };
        let (top, bottom, y) = (attr("y1"), attr("y2"), attr("y"));
        let text = cut
            .split("</text>")
            .next()
            .unwrap()
            .rsplit('>')
            .next()
            .unwrap();
        assert_eq!(text, label, "{cut}");
        // The second lane's row, not the first's: the line and its label span that row.
        let lanes: Vec<f64> = html
            .split("<rect class=\"lane")
            .skip(1)
            .map(|r| {
                let from = r.split(" y=\"").nth(1).unwrap();
                from.split('"').next().unwrap().parse().unwrap()
            })
            .collect();
        assert_eq!(lanes.len(), 2, "{html}");
        assert_eq!(top, lanes[1], "{cut}");
        assert!(top < y && y < bottom, "{cut}");
        assert_eq!(bottom - top, lanes[1] - lanes[0], "{cut}");
    }
}

/// The chart's tooltips of a step cut off: its state said once, when it started and that
/// no end was recorded, and its kind as the timeline says it (issue 17, third cold read).
#[test]
fn a_cut_off_steps_tooltips_say_its_state_once() {
    let s = Scratch::new();
    let dir = crashed(&s);
    for (lang, lane, bar) in [
        (
            "en",
            "slow — in doubt (cut off) (action, changes something)",
            "— in doubt (cut off): started ",
        ),
        (
            "ja",
            "slow — 未確定（異常終了）（変更作業）",
            "— 未確定（異常終了）：",
        ),
    ] {
        let html = exported(&s, &dir, &["--format", "html", "--lang", lang], 0);
        let titles: Vec<&str> = html
            .split("<title>")
            .skip(1)
            .map(|t| t.split("</title>").next().unwrap())
            .collect();
        assert!(titles.contains(&lane), "{titles:?}");
        let tip = titles
            .iter()
            .find(|t| t.contains(bar))
            .unwrap_or_else(|| panic!("no {bar:?} in {titles:?}"));
        let end = if lang == "en" {
            ", no end recorded"
        } else {
            " に開始、終了の記録なし"
        };
        assert!(tip.ends_with(end), "{tip}");
    }
}

/// In a merged export, a watcher's copy of the head is offered for the run that had a
/// watcher and not for the runs that had none; a run that printed no head and had no
/// watcher is said to have nothing to compare with, by its label. Both languages.
#[test]
fn a_watchers_copy_of_the_head_is_offered_only_for_the_run_that_had_one() {
    let s = Scratch::new();
    let watched = night_run(&s);
    let unwatched = completed(&s);
    let cut_off = crashed(&s);
    let merged = |lang: &str| {
        let o = s
            .shisa()
            .arg("export")
            .args([&watched, unwatched.dir(), &cut_off])
            .args(["--lang", lang])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{o:?}");
        String::from_utf8(o.stdout).unwrap()
    };
    let (en, ja) = (merged("en"), merged("ja"));
    // The runs in order of their start: the night run of 2023 (ops2 watched it), then
    // today's two, which no one watched.
    assert!(en.contains("| #1 | `20231205T133000Z-n1gt` |"), "{en}");
    // Markdown escapes the labels' `#`.
    let advice = |md: &str| {
        md.lines()
            .rfind(|l| l.starts_with("- "))
            .unwrap()
            .to_string()
    };
    assert_eq!(
        advice(&en),
        "- Compare \\#1's head with the one printed at the end of the run or kept by a watcher, \
         and \\#2's head with the one printed at the end of the run: `shisa verify RUN_DIR --head HASH`. \
         There is nothing to compare \\#3's head with: none was printed at the end (the run did not finish) \
         and no watcher kept one.",
        "{en}"
    );
    assert_eq!(
        advice(&ja),
        "- \\#1 のヘッドを実行終了時に表示されたものや閲覧者が控えたものと、\
         \\#2 のヘッドを実行終了時に表示されたものと照合すること：`shisa verify RUN_DIR --head HASH`。\
         \\#3 のヘッドと照合できる控えはない（実行終了時に表示されておらず、閲覧者もいない）。",
        "{ja}"
    );
}
