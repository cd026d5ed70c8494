//! `kill -9` at many points of a run: the journal always verifies, and `resume` finishes the
//! run without running any step that had finished before the crash.

mod common;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use common::{Scratch, journal};

const STEPS: usize = 50;

fn runbook(steps: usize) -> String {
    let mut y = String::from(
        "version: 1\nname: crash me\nsteps:\n  - id: snap\n    kind: snapshot\n    run: '[ ! -e \"$SHISA_RUN_DIR/effects\" ] || cp \"$SHISA_RUN_DIR/effects\" \"$SHISA_RUN_DIR/effects.before\"; echo saved'\n",
    );
    for i in 1..=steps {
        y.push_str(&format!(
            "  - id: s{i}\n    kind: action\n    run: sleep 0.005; echo s{i} >> \"$SHISA_RUN_DIR/effects\"\n    \
             waive: {{ target: \"test step\" }}\n    verify: [ {{ run: 'grep -qx s{i} \"$SHISA_RUN_DIR/effects\"' }} ]\n    \
             rollback: [ {{ run: 'echo undone >> \"$SHISA_RUN_DIR/undone\"' }} ]\n"
        ));
    }
    y
}

/// Kills a headless run after `delay`, resumes it, and checks what ran.
fn crash_and_resume(s: &Scratch, rb: &std::path::Path, delay: Duration) -> Option<usize> {
    let mut child = s
        .shisa()
        .arg("run")
        .arg(rb)
        .arg("--headless")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    drop(child.stdin.take());
    let run_dir = s.newest_run_dir()?;
    let before = journal(&run_dir);
    if before.is_empty() {
        return None;
    }
    let verify = s.verify(&run_dir);
    assert_eq!(
        verify.status.code(),
        Some(0),
        "after kill at {delay:?}: {}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let finished: Vec<String> = before
        .iter()
        .filter(|r| r["kind"] == "step_finished")
        .map(|r| r["step"].as_str().unwrap().to_string())
        .collect();
    if before.iter().any(|r| r["kind"] == "run_finished") {
        return Some(finished.len());
    }
    wait_until_gone(&run_dir);
    let resumed = s.resume(&run_dir, "rerun\n");
    assert_eq!(
        resumed.code,
        0,
        "resume after kill at {delay:?}: {}",
        resumed.explain()
    );
    let effects = std::fs::read_to_string(run_dir.join("effects")).unwrap_or_default();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for line in effects.lines() {
        *count.entry(line).or_default() += 1;
    }
    for step in finished
        .iter()
        .filter(|s| s.starts_with('s') && *s != "snap")
    {
        assert_eq!(
            count.get(step.as_str()),
            Some(&1),
            "{step} had finished before the kill and ran again"
        );
    }
    for i in 1..=12 {
        assert!(
            count.contains_key(format!("s{i}").as_str()),
            "s{i} never ran"
        );
    }
    let verify = s.verify(&run_dir);
    assert_eq!(verify.status.code(), Some(0));
    std::fs::remove_dir_all(&run_dir).unwrap();
    Some(finished.len())
}

/// `SHISA_TORTURE_KILLS=500 cargo test --release --test crash` for the long variant.
#[test]
fn kill_9_anywhere_then_resume_never_repeats_a_finished_step() {
    let kills: u64 = std::env::var("SHISA_TORTURE_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let s = Scratch::new();
    let rb = s.write("crash.yaml", &runbook(STEPS));
    // How long an uninterrupted run takes here, so kills land all across it.
    let started = std::time::Instant::now();
    let full = s.run(&rb, &[], "");
    assert_eq!(full.code, 0, "{}", full.explain());
    let span = started.elapsed().as_millis() as u64;
    std::fs::remove_dir_all(full.dir()).unwrap();
    let mut points = Vec::new();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..kills {
        // xorshift: reproducible, spread over the whole run.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_millis(5 + seed % span.max(1));
        if let Some(finished) = crash_and_resume(&s, &rb, delay) {
            points.push(finished);
        }
    }
    points.sort();
    points.dedup();
    assert!(
        // A sanity check of the harness, not of shisa: the kills did not all land in one
        // place. On a loaded 2-core machine the spread is uneven, so ask for little.
        points.len() >= (kills as usize / 4).min(3),
        "kills landed at too few distinct points: {points:?}"
    );
}

/// A crash in the middle of a rollback command: resume asks instead of running it again.
#[test]
fn an_interrupted_rollback_command_is_in_doubt_on_resume() {
    let s = Scratch::new();
    let rb = s.write(
        "undo.yaml",
        "version: 1\nname: undo\nsteps:\n  - id: snap\n    kind: snapshot\n    run: '[ ! -e \"$SHISA_RUN_DIR/effects\" ] || cp \"$SHISA_RUN_DIR/effects\" \"$SHISA_RUN_DIR/effects.before\"; echo saved'\n  \
         - id: change\n    kind: action\n    waive: { target: \"test\" }\n    run: echo done\n    \
         verify: [ { run: 'false' } ]\n    \
         rollback: [ { run: 'echo undo >> \"$SHISA_RUN_DIR/undone\"; sleep 30.271' } ]\n",
    );
    let mut op = s.shisa();
    op.arg("run").arg(&rb).arg("--headless");
    let mut op = common::Live::start(op);
    op.wait_for("answer `rollback`", 30);
    op.send("rollback");
    op.wait_for("change: rollback 1 `echo undo", 30);
    let _ = op.child.kill(); // SIGKILL mid-rollback
    let _ = op.child.wait();
    let run_dir = s.run_dir();
    // The orphaned rollback command is still running: resume refuses and says how to stop it.
    let refused = s.resume(&run_dir, "");
    assert_eq!(refused.code, 4, "{}", refused.explain());
    assert!(
        refused
            .stderr
            .contains("still running from before it stopped")
            && refused.stderr.contains("change/rollback-1/1"),
        "{}",
        refused.explain()
    );
    let _ = std::process::Command::new("pkill")
        .args(["-f", "sleep 30.271"])
        .status();
    wait_until_gone(&run_dir);
    let resumed = s.resume(&run_dir, "done the undo is in place, checked by hand\n");
    assert_eq!(resumed.code, 1, "{}", resumed.explain());
    assert!(
        resumed
            .stdout
            .contains("? rollback 1 of change was cut off mid-command"),
        "{}",
        resumed.explain()
    );
    assert_eq!(resumed.outcome(), "rolled_back");
    let started = resumed.records("command_started", Some("change"));
    assert_eq!(
        started
            .iter()
            .filter(|r| r["data"]["purpose"] == "rollback-1")
            .count(),
        1,
        "the rollback command was not run again"
    );
}

/// A command's result is not fsync'd on its own: it rides with the next record that must be
/// durable (the next command's start, a question, the run's end). A kill -9 after the
/// command exited and before that commit leaves the journal with the command's start and no
/// result, its effect done. Here the command itself kills shisa as its last act, which
/// leaves exactly that journal every time. `resume` must ask about the change, never run it
/// again on its own, and go no further than the question.
#[test]
fn a_kill_after_a_command_ended_but_before_its_result_was_durable_asks_on_resume() {
    let s = Scratch::new();
    let rb = s.write(
        "late.yaml",
        "version: 1\nname: late\nsteps:\n  - id: snap\n    kind: snapshot\n    run: '[ ! -e \"$SHISA_RUN_DIR/effects\" ] || cp \"$SHISA_RUN_DIR/effects\" \"$SHISA_RUN_DIR/effects.before\"; echo saved'\n  \
         - id: change\n    kind: action\n    waive: { target: \"test\" }\n    \
         run: 'echo changed >> \"$SHISA_RUN_DIR/effects\"; kill -9 $PPID'\n    \
         verify: [ { run: 'true' } ]\n    rollback: [ { run: 'echo undone >> \"$SHISA_RUN_DIR/undone\"' } ]\n  \
         - id: after\n    kind: action\n    waive: { target: \"test\" }\n    run: echo after >> \"$SHISA_RUN_DIR/effects\"\n    \
         verify: [ { run: 'true' } ]\n    rollback: [ { run: 'echo undone >> \"$SHISA_RUN_DIR/undone\"' } ]\n",
    );
    let killed = s.run(&rb, &[], "");
    assert_ne!(killed.code, 0, "{}", killed.explain());
    let run_dir = s.run_dir();
    let before = journal(&run_dir);
    let last = before.last().unwrap();
    assert_eq!(
        (last["kind"].as_str(), last["step"].as_str()),
        (Some("command_started"), Some("change")),
        "the journal ends at the change's start: {before:#?}"
    );
    wait_until_gone(&run_dir);
    assert_eq!(s.verify(&run_dir).status.code(), Some(0));

    let resumed = s.resume(&run_dir, "");
    assert!(
        resumed.stdout.contains("? change was in progress"),
        "resume asks about the change: {}",
        resumed.explain()
    );
    let effects = std::fs::read_to_string(run_dir.join("effects")).unwrap();
    assert_eq!(effects, "changed\n", "nothing ran again, nothing ran after");
    let started = resumed.records("command_started", Some("change"));
    assert_eq!(
        started
            .iter()
            .filter(|r| r["data"]["purpose"] == "main")
            .count(),
        1,
        "the change was started once"
    );
    assert!(resumed.records("step_started", Some("after")).is_empty());
}

/// `kill -9` while a lookup (`describe`, then `impact`) runs: it only read, so the resumed
/// run asks nothing about it. The step begins again — the target looked up and typed
/// afresh — and nothing is declared done. The lookup kills shisa itself as its first act
/// (once), so the kill lands inside it every time.
#[test]
fn a_kill_during_a_lookup_leaves_nothing_in_doubt_and_the_step_asks_for_its_target_again() {
    let kill_once =
        "[ -e \"$SHISA_RUN_DIR/killed\" ] || { touch \"$SHISA_RUN_DIR/killed\"; kill -9 $PPID; }";
    for lookup in ["describe", "impact"] {
        let s = Scratch::new();
        let (describe, impact) = match lookup {
            "describe" => (format!("{kill_once}; echo thing-1"), "echo 1".to_string()),
            _ => ("echo thing-1".to_string(), format!("{kill_once}; echo 1")),
        };
        let rb = s.write(
            "lookup.yaml",
            &format!(
                "version: 1\nname: lookup\nsteps:\n  - id: snap\n    kind: snapshot\n    run: '[ ! -e \"$SHISA_RUN_DIR/effects\" ] || cp \"$SHISA_RUN_DIR/effects\" \"$SHISA_RUN_DIR/effects.before\"; echo saved'\n  \
                 - id: change\n    kind: action\n    \
                 target: {{ describe: '{describe}', impact: {{ run: '{impact}', at_most: 5 }} }}\n    \
                 run: 'echo changed >> \"$SHISA_RUN_DIR/effects\"'\n    \
                 verify: [ {{ run: 'true' }} ]\n    rollback: [ {{ run: 'echo undone >> \"$SHISA_RUN_DIR/undone\"' }} ]\n"
            ),
        );
        let killed = s.run(&rb, &[], "thing-1\n");
        assert_ne!(killed.code, 0, "{lookup}: {}", killed.explain());
        let run_dir = s.run_dir();
        let before = journal(&run_dir);
        let last = before.last().unwrap();
        assert_eq!(
            (
                last["kind"].as_str(),
                last["step"].as_str(),
                last["data"]["purpose"].as_str()
            ),
            (Some("command_started"), Some("change"), Some(lookup)),
            "the journal ends at the lookup's start: {before:#?}"
        );
        wait_until_gone(&run_dir);

        let resumed = s.resume(&run_dir, "thing-1\n");
        assert_eq!(resumed.code, 0, "{lookup}: {}", resumed.explain());
        assert_eq!(resumed.outcome(), "completed", "{lookup}");
        let out = &resumed.stdout;
        assert!(
            !out.contains("in doubt") && !out.contains("was in progress"),
            "{lookup}: no question about the lookup: {}",
            resumed.explain()
        );
        let at_resume = out.find("resumed the run").expect("resume is said");
        let asked = out[at_resume..].find("type the target");
        assert!(asked.is_some(), "{lookup}: {}", resumed.explain());
        let whole = resumed.journal();
        let ran_resumed: Vec<_> = whole
            .iter()
            .filter(|r| r["kind"] == "run_resumed")
            .collect();
        assert_eq!(ran_resumed.len(), 1);
        assert!(
            ran_resumed[0]["data"]["in_doubt"].is_null(),
            "{lookup}: {:#?}",
            ran_resumed[0]
        );
        assert!(
            whole.iter().all(|r| r["kind"] != "operator_choice"),
            "{lookup}: nothing declared done, nobody asked"
        );
        let starts = |purpose: &str| {
            whole
                .iter()
                .filter(|r| {
                    r["kind"] == "command_started"
                        && r["step"] == "change"
                        && r["data"]["purpose"] == purpose
                })
                .count()
        };
        assert_eq!(starts(lookup), 2, "{lookup}: looked up again");
        assert_eq!(
            starts("main"),
            1,
            "{lookup}: the change ran once, after the target"
        );
        assert_eq!(
            resumed.records("step_started", Some("change")).len(),
            2,
            "{lookup}: the step began again"
        );
        assert_eq!(resumed.records("step_started", Some("snap")).len(), 1);
        let effects = std::fs::read_to_string(run_dir.join("effects")).unwrap();
        assert_eq!(effects, "changed\n", "{lookup}");
    }
}

/// `kill -9` while a precheck or a snapshot runs: their own commands only read (or save the
/// way back), so resume asks nothing about whether they finished and never offers `done`,
/// which would pass a precheck that never passed. The step begins again and runs again.
#[test]
fn a_kill_during_a_precheck_or_snapshot_runs_it_again_and_asks_nothing() {
    // The killed run's command exits too, so what is written is the rerun's alone.
    let kill_once = "[ -e \"$SHISA_RUN_DIR/killed\" ] || { touch \"$SHISA_RUN_DIR/killed\"; kill -9 $PPID; exit 1; }";
    for kind in ["precheck", "snapshot"] {
        let s = Scratch::new();
        let rb = s.write(
            "reads.yaml",
            &format!(
                "version: 1\nname: reads\nsteps:\n  - id: look\n    kind: {kind}\n    \
                 run: '{kill_once}; echo looked >> \"$SHISA_RUN_DIR/looks\"'\n  \
                 - id: tell\n    kind: manual\n    instructions: say it\n"
            ),
        );
        let killed = s.run(&rb, &[], "");
        assert_ne!(killed.code, 0, "{kind}: {}", killed.explain());
        let run_dir = s.run_dir();
        wait_until_gone(&run_dir);
        let resumed = s.resume(&run_dir, "done\n");
        assert_eq!(resumed.code, 0, "{kind}: {}", resumed.explain());
        assert_eq!(resumed.outcome(), "completed", "{kind}");
        assert!(
            !resumed.stdout.contains("in doubt") && !resumed.stdout.contains("did it finish"),
            "{kind}: nothing asked: {}",
            resumed.explain()
        );
        let whole = resumed.journal();
        let ran_resumed: Vec<_> = whole
            .iter()
            .filter(|r| r["kind"] == "run_resumed")
            .collect();
        assert!(ran_resumed[0]["data"]["in_doubt"].is_null(), "{kind}");
        assert_eq!(
            resumed.records("step_started", Some("look")).len(),
            2,
            "{kind}: the step began again"
        );
        let looks = std::fs::read_to_string(run_dir.join("looks")).unwrap();
        assert_eq!(looks, "looked\n", "{kind}: ran again, to its end, once");
    }
}

/// `kill -9` while a change waits for its approval: nothing of it ran (its command starts
/// only after the grant), so resume asks nothing about whether it finished. The step begins
/// again, its target typed and its approval asked afresh (the new process's request), and
/// the change runs once.
#[test]
fn a_kill_while_waiting_for_approval_leaves_nothing_in_doubt_and_asks_for_the_approval_again() {
    let s = Scratch::new();
    let rb = s.write(
        "approve.yaml",
        "version: 1\nname: approve\nsteps:\n  - id: snap\n    kind: snapshot\n    run: 'echo off > \"$SHISA_RUN_DIR/flag.before\"'\n  \
         - id: change\n    kind: action\n    title: Flip the flag\n    target: { describe: echo flag-7 }\n    \
         approval: { allow_self: true }\n    run: echo on >> \"$SHISA_RUN_DIR/effects\"\n    verify: [ { run: 'true' } ]\n    \
         rollback: [ { run: 'echo undone >> \"$SHISA_RUN_DIR/undone\"' } ]\n",
    );
    let mut c = s.shisa();
    c.arg("run").arg(&rb).arg("--headless");
    let mut live = common::Live::start(c);
    live.wait_for("type the target", 30);
    live.send("flag-7");
    live.wait_for("needs approval", 30);
    live.child.kill().unwrap(); // SIGKILL, at the question
    live.child.wait().unwrap();
    let run_dir = s.run_dir();
    let before = journal(&run_dir);
    assert_eq!(
        before.last().unwrap()["kind"],
        "approval_requested",
        "the journal ends at the request: {before:#?}"
    );
    wait_until_gone(&run_dir);

    let resumed = s.resume(&run_dir, "flag-7\napprove\n");
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
    assert_eq!(resumed.outcome(), "completed", "{}", resumed.explain());
    let out = &resumed.stdout;
    assert!(
        !out.contains("in doubt") && !out.contains("was in progress"),
        "no question about a change that never ran: {}",
        resumed.explain()
    );
    let whole = resumed.journal();
    let at = |kind: &str| {
        whole
            .iter()
            .enumerate()
            .filter(|(_, r)| r["kind"] == kind && r["step"] == "change")
            .map(|(n, _)| n)
            .collect::<Vec<_>>()
    };
    let resumed_at = whole
        .iter()
        .position(|r| r["kind"] == "run_resumed")
        .expect("run_resumed");
    assert!(
        whole[resumed_at]["data"]["in_doubt"].is_null(),
        "{:#?}",
        whole[resumed_at]
    );
    let requests = at("approval_requested");
    assert_eq!(requests.len(), 2, "asked again: {whole:#?}");
    assert!(
        requests[1] > resumed_at,
        "the second request is the new process's"
    );
    let mains: Vec<_> = at("command_started")
        .into_iter()
        .filter(|&n| whole[n]["data"]["purpose"] == "main")
        .collect();
    assert_eq!(mains.len(), 1, "the change ran once");
    assert!(mains[0] > requests[1], "after the approval asked afresh");
    assert!(
        whole.iter().all(|r| r["kind"] != "operator_choice"),
        "nobody chose anything"
    );
    let effects = std::fs::read_to_string(run_dir.join("effects")).unwrap();
    assert_eq!(effects, "on\n");
}

/// End of input at a prompt stops the run without closing it: a later resume can still
/// roll back, and a run that ends with changes not undone says which.
#[test]
fn end_of_input_leaves_the_run_resumable_and_names_changes_left_in_place() {
    let s = Scratch::new();
    let rb = s.write(
        "two.yaml",
        "version: 1\nname: two\nsteps:\n  - id: snap\n    kind: snapshot\n    run: '[ ! -e \"$SHISA_RUN_DIR/effects\" ] || cp \"$SHISA_RUN_DIR/effects\" \"$SHISA_RUN_DIR/effects.before\"; echo saved'\n  \
         - id: first\n    kind: action\n    waive: { target: \"test\" }\n    run: echo one >> \"$SHISA_RUN_DIR/effects\"\n    \
         verify: [ { run: 'true' } ]\n    rollback: [ { run: 'echo undo-one >> \"$SHISA_RUN_DIR/effects\"' } ]\n  \
         - id: second\n    kind: action\n    waive: { target: \"test\" }\n    run: 'false'\n    \
         verify: [ { run: 'true' } ]\n    rollback: [ { run: 'echo undone >> \"$SHISA_RUN_DIR/undone\"' } ]\n",
    );
    let stopped = s.run(&rb, &[], "");
    assert_eq!(stopped.code, 3, "{}", stopped.explain());
    assert!(
        stopped.stderr.contains("CHANGES LEFT IN PLACE")
            && stopped.stderr.contains("- first (first)"),
        "{}",
        stopped.explain()
    );
    assert!(
        stopped.records("run_finished", None).is_empty(),
        "the run is stopped, not closed"
    );
    let resumed = s.resume(stopped.dir(), "rollback\n");
    assert_eq!(resumed.outcome(), "rolled_back", "{}", resumed.explain());
    let effects = std::fs::read_to_string(stopped.dir().join("effects")).unwrap();
    assert_eq!(effects, "one\nundo-one\n");
}

/// After a kill, the commands the dead shisa started finish on their own; wait for that.
fn wait_until_gone(run_dir: &std::path::Path) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !shisa::exec::survivors::of_run(run_dir).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "commands of the run never ended"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `kill -9` while a command prints slowly: what the screen showed is in the command's log
/// already (before, the log was buffered until the command ended and stayed empty), so the
/// resumed run's in-doubt question shows those last lines, and the run still verifies: a
/// log with no `command_finished` has no hash to keep.
#[test]
fn a_kill_mid_command_keeps_what_the_screen_showed_in_the_log_and_resume_shows_it() {
    let s = Scratch::new();
    let rb = s.write(
        "ticks.yaml",
        "version: 1\nname: ticks\nsteps:\n  - id: snap\n    kind: snapshot\n    run: 'echo saved > \"$SHISA_RUN_DIR/saved\"'\n  \
         - id: change\n    kind: action\n    waive: { target: \"test\" }\n    \
         run: 'for i in 1 2 3 4 5 6 7 8; do echo tick $i; sleep 0.5; done'\n    \
         verify: [ { run: 'true' } ]\n    \
         rollback: [ { run: 'echo undo >> \"$SHISA_RUN_DIR/undone\"' } ]\n",
    );
    let mut op = s.shisa();
    op.arg("run").arg(&rb).arg("--headless");
    let mut op = common::Live::start(op);
    op.wait_for("│ tick 3", 30);
    let _ = op.child.kill(); // SIGKILL, mid-command
    let _ = op.child.wait();
    let run_dir = s.run_dir();
    let log = std::fs::read_to_string(run_dir.join("output/change.1.log")).unwrap();
    assert!(log.starts_with("tick 1\ntick 2\ntick 3\n"), "{log:?}");
    wait_until_gone(&run_dir);
    let resumed = s.resume(&run_dir, "");
    let said = resumed.stdout.lines().map(str::trim).collect::<Vec<_>>();
    let at = (said.iter().position(|l| l.contains("in doubt —")))
        .unwrap_or_else(|| panic!("{}", resumed.explain()));
    assert!(said[at..].contains(&"│ tick 3"), "{}", resumed.explain());
    let verified = s.verify(&run_dir);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
}
