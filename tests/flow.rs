//! Loops, waits, conditions, choices, `closes` and points of no return through the real
//! binary, headless: what the journal, the effects on disk and the exit code say.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::{Scratch, journal};

/// Three passes over `nodes`; each pass appends to `$SHISA_RUN_DIR/effects` and undoes by
/// appending an `undo` line. `FAIL_ON` makes that node's verify fail.
const LOOP: &str = r#"version: 1
name: loop
params:
  nodes: { list: true, pattern: '^n[0-9]$' }
  fail_on: { pattern: '^(n[0-9]|none)$', default: none }
steps:
  - id: snap
    kind: snapshot
    run: '[ ! -e "$SHISA_RUN_DIR/effects" ] || cp "$SHISA_RUN_DIR/effects" "$SHISA_RUN_DIR/effects.before"; echo saved'
  - id: roll
    for_each: { var: node, in: nodes }
    steps:
      - id: stop
        kind: action
        title: Stop {{ node }}
        run: echo "stop $node" >> "$SHISA_RUN_DIR/effects"
        verify: [ { run: "true" } ]
        rollback: [ { run: echo "undo stop $node" >> "$SHISA_RUN_DIR/effects" } ]
        waive: { target: loop test }
      - id: start
        kind: action
        title: Start {{ node }}
        run: sleep 0.2; echo "start $node" >> "$SHISA_RUN_DIR/effects"
        verify: [ { run: 'test "$node" != "$fail_on"' } ]
        rollback: [ { run: echo "undo start $node" >> "$SHISA_RUN_DIR/effects" } ]
        waive: { target: loop test }
"#;

/// Starts a headless run of `rb` with one `-p` value, kills it (SIGKILL) as soon as
/// `ready` holds for its run directory, and returns that directory.
fn killed_once(s: &Scratch, rb: &Path, param: &str, ready: impl Fn(&Path) -> bool) -> PathBuf {
    let mut child = s
        .shisa()
        .args(["run", rb.to_str().unwrap(), "--headless", "-p", param])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let dir = loop {
        assert!(
            std::time::Instant::now() < deadline,
            "the run never got there"
        );
        std::thread::sleep(Duration::from_millis(20));
        let dir = s.newest_run_dir();
        if let Some(dir) = dir.filter(|d| ready(d)) {
            break dir;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    dir
}

fn effects(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("effects"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_failure_in_pass_two_of_three_rolls_back_pass_two_then_pass_one() {
    let s = Scratch::new();
    let rb = s.write("loop.yaml", LOOP);
    let run = s.run(&rb, &["nodes=n1,n2,n3", "fail_on=n2"], "rollback\n");
    assert_eq!(run.code, 1, "{}", run.explain());
    assert_eq!(run.outcome(), "rolled_back");
    assert_eq!(
        effects(run.dir()),
        [
            "stop n1",
            "start n1",
            "stop n2",
            "start n2",
            "undo start n2",
            "undo stop n2",
            "undo start n1",
            "undo stop n1"
        ]
    );
    // The journal names the pass of every record; the logs are per pass.
    assert_eq!(run.records("step_failed", Some("roll[n2]/start")).len(), 1);
    assert_eq!(
        run.records("step_finished", Some("roll[n2]/start"))[0]["data"]["status"],
        "rolled_back"
    );
    assert!(run.dir().join("output/roll@n1~stop.1.log").exists());
    assert!(run.stdout.contains("rollback-item"), "{}", run.stdout);
}

#[test]
fn rollback_item_undoes_only_the_failed_pass() {
    let s = Scratch::new();
    let rb = s.write("loop.yaml", LOOP);
    let run = s.run(
        &rb,
        &["nodes=n1", "nodes=n2", "fail_on=n2"],
        "rollback-item\n",
    );
    assert_eq!(
        effects(run.dir()),
        [
            "stop n1",
            "start n1",
            "stop n2",
            "start n2",
            "undo start n2",
            "undo stop n2"
        ],
        "{}",
        run.explain()
    );
    let kept = &run.records("rollback_started", None)[0]["data"]["kept"];
    assert_eq!(
        kept,
        &serde_json::json!(["roll[n1]/start", "roll[n1]/stop"])
    );
    // Cold read: the end said "every change undone" and, on the next line, that pass one
    // was left in place. Each line now says what was undone and what stays.
    let said = |text: &str| run.stdout.lines().any(|l| l.contains(text));
    assert!(
        !run.stdout.contains("every change undone"),
        "{}",
        run.stdout
    );
    assert!(
        said(
            "↺ ROLLBACK this loop pass only: undoing Start n2, then Stop n2; left in place: Start n1, Stop n1"
        ),
        "{}",
        run.stdout
    );
    assert!(
        said(
            "↺ ROLLBACK rollback finished; undone: Start n2, Stop n2; left in place: Start n1, Stop n1"
        ),
        "{}",
        run.stdout
    );
    assert!(
        said(
            "run finished (exit 1): rolled back the failed loop pass only, as the operator chose; left in place: roll[n1]/start, roll[n1]/stop"
        ),
        "{}",
        run.stdout
    );
    let export = s
        .shisa()
        .args(["export", run.dir().to_str().unwrap()])
        .output()
        .unwrap();
    let export = String::from_utf8_lossy(&export.stdout);
    assert!(!export.contains("every change undone"), "{export}");
    assert!(
        export.contains("finished at ")
            && export.contains(": those undone; left in place: Start n1, Stop n1."),
        "{export}"
    );
}

#[test]
fn kill_9_inside_pass_two_resumes_there_without_repeating_pass_one() {
    let s = Scratch::new();
    let rb = s.write("loop.yaml", LOOP);
    // `start n2` sleeps 0.2 s before it writes: the kill lands inside pass two.
    let run_dir = killed_once(&s, &rb, "nodes=n1,n2,n3", |dir| {
        effects(dir).iter().any(|l| l == "stop n2")
    });
    assert_eq!(s.verify(&run_dir).status.code(), Some(0));
    // The killed run's command finishes on its own (a resume refuses to run beside it).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !shisa::exec::survivors::of_run(&run_dir).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the command never ended"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let resumed = s.resume(&run_dir, "rerun\n");
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
    let lines = effects(&run_dir);
    // Pass 1 and pass 3 ran once each; the step of pass 2 cut off by the kill may have run
    // again (the operator answered `rerun`), but pass 2 did run.
    assert!(lines.iter().any(|l| l == "stop n2"), "{lines:?}");
    for once in ["stop n1", "start n1", "stop n3", "start n3"] {
        assert_eq!(
            lines.iter().filter(|l| *l == once).count(),
            1,
            "{once}: {lines:?}"
        );
    }
    let resumed_at = journal(&run_dir)
        .into_iter()
        .find(|r| r["kind"] == "run_resumed")
        .unwrap();
    assert!(
        resumed_at["data"]["in_doubt"]
            .as_str()
            .is_none_or(|id| id.starts_with("roll[n2]/")),
        "{resumed_at}"
    );
}

const POLL: &str = r#"version: 1
name: poll
params:
  green_at: { pattern: '^[0-9]+$' }
steps:
  - id: snap
    kind: snapshot
    run: echo 0 > "$SHISA_RUN_DIR/polls"
  - id: restart
    kind: action
    run: echo restarted
    waive: { target: poll test }
    verify:
      - run: |
          n=$(( $(cat "$SHISA_RUN_DIR/polls") + 1 )); echo "$n" > "$SHISA_RUN_DIR/polls"
          if [ "$n" -ge "$green_at" ]; then echo green; else echo yellow; fi
        wait_until: { every: 100ms, deadline: 2s }
        expect: { stdout_equals: green }
    rollback: [ { run: echo undone > "$SHISA_RUN_DIR/undone" } ]
"#;

#[test]
fn a_poll_that_holds_on_the_fourth_try_leaves_no_failure_in_journal_or_export() {
    let s = Scratch::new();
    let rb = s.write("poll.yaml", POLL);
    let run = s.run(&rb, &["green_at=4"], "");
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(run.outcome(), "completed");
    let kinds = run.kinds();
    assert!(
        !kinds
            .iter()
            .any(|k| k == "step_failed" || k == "expect_failed")
    );
    let done = run.records("wait_finished", Some("restart"));
    assert_eq!(done[0]["data"]["polls"], 4);
    assert_eq!(done[0]["data"]["met"], true);
    let polls = run.records("command_finished", Some("restart"));
    assert_eq!(
        polls
            .iter()
            .filter(|r| r["data"]["not_yet"].is_string())
            .count(),
        3
    );
    assert!(polls.iter().all(|r| r["data"]["failure"].is_null()));
    let export = s
        .shisa()
        .args(["export", run.dir().to_str().unwrap(), "--format", "md"])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&export.stdout);
    assert!(export.status.success(), "{md}");
    assert!(!md.contains("FAILED"), "{md}");
}

#[test]
fn a_deadline_that_passes_is_a_failure_with_rollback_offered() {
    let s = Scratch::new();
    let rb = s.write("poll.yaml", POLL);
    let run = s.run(&rb, &["green_at=999"], "rollback\n");
    assert_eq!(run.outcome(), "rolled_back", "{}", run.explain());
    assert!(
        run.stdout.contains("did not hold within its 2s wait"),
        "{}",
        run.stdout
    );
    assert!(run.dir().join("undone").exists());
    let done = run.records("wait_finished", Some("restart"));
    assert_eq!(done[0]["data"]["met"], false);
}

/// A wait that ran out is one failure with one figure on the operator's screen: the last
/// poll says what it saw, as the polls before it did; the wait's end is the failure, with
/// the time waited (journaled, never the runbook's 2s limit) and its polls; the step's
/// failure names the check without its reason again. Before, three lines said FAILED, the
/// reason twice, with "after 2s" beside "2.0 s" (issue 17).
#[test]
fn a_wait_that_ran_out_is_said_once_with_one_figure_on_the_operators_screen() {
    let s = Scratch::new();
    let rb = s.write("poll.yaml", POLL);
    let run = s.run(&rb, &["green_at=999"], "rollback\n");
    assert_eq!(run.outcome(), "rolled_back", "{}", run.explain());
    let end = &run.records("wait_finished", Some("restart"))[0]["data"];
    let polls = end["polls"].as_u64().unwrap();
    let waited = format!(
        "{:.1} s",
        end["waited_ms"].as_u64().unwrap() as f64 / 1000.0
    );
    // The record lines, each after its `HH:MM:SS.mmm`: not output, not the question.
    let timeline: Vec<&str> = (run.stdout.lines())
        .filter(|l| l.len() > 12 && l.as_bytes()[8] == b'.' && l.as_bytes()[2] == b':')
        .collect();
    let failed: Vec<&str> = (timeline.iter().copied())
        .filter(|l| l.contains("✗ FAILED restart:"))
        .collect();
    assert_eq!(failed.len(), 2, "{}", run.stdout);
    assert!(
        failed[0].ends_with(&format!(
            "✗ FAILED restart: verify 1 still did not hold after waiting {waited} ({polls} polls)"
        )),
        "{}",
        run.stdout
    );
    assert!(
        failed[1].ends_with("✗ FAILED restart: step failed: verify 1 did not hold within its wait"),
        "{}",
        run.stdout
    );
    let last = format!(
        "  restart: verify 1: did not hold at the last poll — expected stdout is \"green\", saw \"yellow\" (poll {polls}, "
    );
    assert_eq!(
        timeline.iter().filter(|l| l.contains(&last)).count(),
        1,
        "{}",
        run.stdout
    );
    // The limit is said once, at the wait's start ("for at most 2.0 s"); the time waited
    // once, at its end.
    assert_eq!(
        timeline
            .iter()
            .filter(|l| l.contains("after waiting"))
            .count(),
        1,
        "{}",
        run.stdout
    );
    for limit in ["after 2s", "still not met"] {
        assert!(
            !timeline.iter().any(|l| l.contains(limit)),
            "{limit:?} in\n{}",
            run.stdout
        );
    }
}

const CHOICE: &str = r#"version: 1
name: choice
steps:
  - id: decide
    kind: manual
    instructions: Is the reclaimable space large?
    choices: { defrag: Defragment each member, capacity: Stop here - capacity problem }
    links: ['https://grafana.example/d/etcd']
  - id: defrag
    kind: verify
    when: { choice: decide, equals: defrag }
    run: touch "$SHISA_RUN_DIR/defragged"
  - id: report
    kind: verify
    run: "true"
"#;

#[test]
fn when_on_a_choice_skips_the_step_and_journals_why() {
    let s = Scratch::new();
    let rb = s.write("choice.yaml", CHOICE);
    let run = s.run(&rb, &[], "maybe\ncapacity db at 90% of quota\n");
    assert_eq!(run.code, 0, "{}", run.explain());
    assert!(
        run.stdout.contains("https://grafana.example/d/etcd"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("not understood"), "{}", run.stdout);
    let answered = run.records("manual_done", Some("decide"));
    assert_eq!(answered[0]["data"]["choice"], "capacity");
    assert_eq!(answered[0]["data"]["note"], "db at 90% of quota");
    let skipped = run.records("step_finished", Some("defrag"));
    assert_eq!(skipped[0]["data"]["status"], "skipped");
    assert!(
        skipped[0]["data"]["reason"]
            .as_str()
            .unwrap()
            .contains("`capacity`")
    );
    assert!(!run.dir().join("defragged").exists());
    let other = s.run(&rb, &[], "defrag\n");
    assert!(
        other.dir().join("defragged").exists(),
        "{}",
        other.explain()
    );
}

const PHASES: &str = r#"version: 1
name: phases
steps:
  - id: snap
    kind: snapshot
    run: '[ ! -e "$SHISA_RUN_DIR/effects" ] || cp "$SHISA_RUN_DIR/effects" "$SHISA_RUN_DIR/effects.before"; echo saved'
  - id: disable-allocation
    kind: action
    run: echo disable >> "$SHISA_RUN_DIR/effects"
    verify: [ { run: "true" } ]
    rollback: [ { run: echo undo-disable >> "$SHISA_RUN_DIR/effects" } ]
    waive: { target: phases test }
  - id: reenable-allocation
    kind: action
    closes: disable-allocation
    run: echo enable >> "$SHISA_RUN_DIR/effects"
    verify: [ { run: "true" } ]
    waive: { target: phases test }
  - id: backup
    kind: action
    run: echo backup >> "$SHISA_RUN_DIR/effects"
    verify: [ { run: "true" } ]
    rollback: [ { run: echo undo-backup >> "$SHISA_RUN_DIR/effects" } ]
    waive: { target: phases test }
  - id: link-upgrade
    kind: action
    point_of_no_return: "link mode: the old cluster is unusable once the new server starts"
    run: echo upgrade >> "$SHISA_RUN_DIR/effects"
    verify: [ { run: "false" } ]
    rollback: [ { manual: Restore from the backup taken in `backup` } ]
    waive: { target: phases test }
"#;

#[test]
fn closes_and_a_point_of_no_return_shape_the_rollback() {
    let s = Scratch::new();
    let rb = s.write("phases.yaml", PHASES);
    // A wrong name at the point of no return is refused and asked again.
    let run = s.run(
        &rb,
        &[],
        "yes\nlink-upgrade\nrollback\ndone restored from backup-0001\n",
    );
    assert_eq!(run.outcome(), "rolled_back", "{}", run.explain());
    assert!(run.stdout.contains("point of no return"), "{}", run.stdout);
    assert!(run.stdout.contains("type `link-upgrade`"), "{}", run.stdout);
    assert_eq!(
        run.records("no_return_confirmed", Some("link-upgrade"))
            .len(),
        1
    );
    // Nothing before the point of no return is undone automatically; its own rollback
    // was done by hand.
    assert_eq!(
        effects(run.dir()),
        ["disable", "enable", "backup", "upgrade"],
        "{}",
        run.explain()
    );
    let manual = run.records("manual_done", Some("link-upgrade"));
    assert_eq!(manual[0]["data"]["undo"], 1);
    let kept = &run.records("rollback_started", None)[0]["data"]["kept"];
    assert_eq!(kept, &serde_json::json!(["backup"]));
}

#[test]
fn closes_takes_the_earlier_step_out_of_the_rollback() {
    let s = Scratch::new();
    let without_ponr = PHASES.replace(
        "    point_of_no_return: \"link mode: the old cluster is unusable once the new server starts\"\n",
        "",
    );
    let rb = s.write("closes.yaml", &without_ponr);
    let run = s.run(&rb, &[], "rollback\ndone restored\n");
    assert_eq!(run.outcome(), "rolled_back", "{}", run.explain());
    assert_eq!(
        effects(run.dir()),
        ["disable", "enable", "backup", "upgrade", "undo-backup"],
        "{}",
        run.explain()
    );
}

#[test]
fn the_rolling_restart_runbook_runs_offline() {
    let s = Scratch::new();
    let run = s.run(
        &common::runbook("rolling-restart.yaml"),
        &[],
        "svc-1\nsvc-2\nsvc-3\nkeep looks fine\n",
    );
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(run.outcome(), "completed");
    // One typed target per node: the deploy step reuses the drain's confirmation.
    assert_eq!(run.records("target_confirmed", None).len(), 6);
    assert_eq!(
        run.records("target_confirmed", None)
            .iter()
            .filter(|r| r["data"]["reused_from"].is_string())
            .count(),
        3
    );
    assert_eq!(run.records("wait_finished", None).len(), 4);
}

#[test]
fn a_first_step_whose_condition_fails_is_skipped_and_the_run_goes_on() {
    let s = Scratch::new();
    let rb = s.write(
        "first.yaml",
        "version: 1\nname: first\nparams: { mode: { choices: [fast, slow] } }\nsteps:\n  \
         - { id: first, kind: precheck, when: { param: mode, equals: slow }, run: echo first }\n  \
         - { id: second, kind: precheck, run: echo second }\n",
    );
    let run = s.run(&rb, &["mode=fast"], "");
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(
        run.records("step_finished", Some("first"))[0]["data"]["status"],
        "skipped"
    );
}

#[test]
fn a_failed_change_that_was_aborted_is_still_undone_by_a_later_rollback() {
    let s = Scratch::new();
    let rb = s.write(
        "abort.yaml",
        r#"version: 1
name: abort
steps:
  - { id: snap, kind: snapshot, run: 'echo saved > "$SHISA_RUN_DIR/snap"' }
  - id: c2
    kind: action
    run: echo c2 >> "$SHISA_RUN_DIR/effects"; false
    verify: [ { run: 'true' } ]
    rollback: [ { run: echo undo c2 >> "$SHISA_RUN_DIR/effects" } ]
    waive: { target: abort test }
"#,
    );
    let run = s.run(&rb, &[], "abort enough\n");
    assert_eq!(run.outcome(), "failed", "{}", run.explain());
    let later = s
        .shisa()
        .args([
            "rollback",
            run.dir().to_str().unwrap(),
            "--reason",
            "undo it",
            "--headless",
        ])
        .output()
        .unwrap();
    assert!(
        later.status.success(),
        "{}",
        String::from_utf8_lossy(&later.stdout)
    );
    assert_eq!(effects(run.dir()), ["c2", "undo c2"]);
}

#[test]
fn a_loop_item_that_holds_a_secret_is_refused_and_an_item_with_dots_verifies() {
    let s = Scratch::new();
    let rb = s.write(
        "items.yaml",
        "version: 1\nname: items\nparams:\n  items: { list: true }\n  tok: { secret: true, from_env: TOK }\n\
         steps:\n  - id: r\n    for_each: { var: it, in: items }\n    steps:\n      \
         - { id: a, kind: precheck, run: 'echo \"$it\"' }\n",
    );
    let refused = s.run_with(&rb, &["items=hunter2,x"], "", |c| {
        c.env("TOK", "hunter2");
    });
    assert_eq!(refused.code, 2, "{}", refused.explain());
    assert!(
        refused.stderr.contains("contains the value of a secret"),
        "{}",
        refused.explain()
    );
    let dots = s.run_with(&rb, &["items=x..y"], "", |c| {
        c.env("TOK", "hunter2");
    });
    assert_eq!(dots.code, 0, "{}", dots.explain());
    assert!(s.verify(dots.dir()).status.success());
}

#[test]
fn a_wait_cut_off_by_a_crash_is_not_a_failure_in_the_export() {
    let s = Scratch::new();
    let rb = s.write("poll.yaml", POLL);
    let run_dir = killed_once(&s, &rb, "green_at=999", |dir| {
        journal(dir)
            .iter()
            .filter(|r| r["data"]["not_yet"].is_string())
            .count()
            >= 2
    });
    let export = s
        .shisa()
        .args(["export", run_dir.to_str().unwrap(), "--format", "md"])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&export.stdout);
    assert!(md.contains("had not held yet after waiting"), "{md}");
    assert!(!md.contains("**FAILED**"), "{md}");
    assert!(md.contains("## Failures\n\nNone."), "{md}");
}

/// An abort at a failure ends the run failed (exit 1): the failure is its cause, as the
/// README's exit table says. Cold read: the end said only the operator's words, or "the
/// operator stopped after a failure", and read as a different ending from an abort at a
/// manual step (exit 3) with nothing to say why.
#[test]
fn an_abort_at_a_failure_ends_failed_and_says_the_operator_aborted_there() {
    let s = Scratch::new();
    let rb = s.write("loop.yaml", LOOP);
    let run = s.run(&rb, &["nodes=n1", "fail_on=n1"], "abort too risky\n");
    assert_eq!(run.code, 1, "{}", run.explain());
    assert_eq!(run.outcome(), "failed");
    assert!(
        run.stdout.lines().any(|l| l.contains(
            "✗ FAILED run finished (exit 1): failed; the operator aborted at the failure: “too risky”"
        )),
        "{}",
        run.stdout
    );
    let end = &run.records("run_finished", None)[0]["data"]["why"];
    assert_eq!(
        end,
        &serde_json::json!({"kind": "stopped_after_failure", "said": "too risky"})
    );
    let bare = s.run(&rb, &["nodes=n1", "fail_on=n1"], "abort\n");
    assert_eq!(bare.code, 1, "{}", bare.explain());
    assert!(
        bare.stdout
            .contains("run finished (exit 1): failed; the operator aborted at the failure\n"),
        "{}",
        bare.stdout
    );
}

/// A wait's polls are polls wherever a run is shown live: headless said `(attempt 2)` on a
/// poll's start and `(poll 2, …)` on its end (cold read). The journal says which commands
/// are polls.
#[test]
fn a_waits_polls_are_called_polls_not_attempts() {
    let s = Scratch::new();
    let rb = s.write(
        "wait.yaml",
        r#"version: 1
name: wait
steps:
  - id: snap
    kind: snapshot
    run: echo x > "$SHISA_RUN_DIR/before"
  - id: change
    kind: action
    run: touch "$SHISA_RUN_DIR/x"
    verify:
      - run: n=$(cat "$SHISA_RUN_DIR/n" 2>/dev/null || echo 0); echo $((n+1)) > "$SHISA_RUN_DIR/n"; [ $n -ge 2 ]
        wait_until: { every: 200ms, deadline: 10s }
    rollback: [ { run: rm -f "$SHISA_RUN_DIR/x" } ]
    waive: { target: test }
"#,
    );
    let run = s.run(&rb, &[], "");
    assert_eq!(run.code, 0, "{}", run.explain());
    assert!(!run.stdout.contains("attempt"), "{}", run.stdout);
    let said = |text: &str| run.stdout.lines().any(|l| l.contains(text));
    assert!(said("is running (poll 2)"), "{}", run.stdout);
    assert!(said("is running (poll 3)"), "{}", run.stdout);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains("verify 1 passed → exit 0") && l.ends_with("(poll 3)")),
        "{}",
        run.stdout
    );
    let started = run.records("command_started", Some("change"));
    let polls: Vec<bool> = started
        .iter()
        .map(|r| r["data"]["poll"].as_bool().unwrap_or(false))
        .collect();
    assert_eq!(polls, [false, true, true, true]);
}
