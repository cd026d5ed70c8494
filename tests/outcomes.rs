//! Outcomes an exhausted operator can trust: `completed` (exit 0) only when every step passed
//! its own checks; going on past a failed check, overriding a precheck or accepting an
//! in-doubt change without proof ends `completed with exceptions` (exit 5); and `done` on an
//! in-doubt change runs its verify.

mod common;

use std::path::Path;

use common::{Live, Run, Scratch};

/// A change whose verify reads a file the test controls, after a snapshot.
fn push_runbook(verify_waived: bool) -> String {
    let verify = if verify_waived {
        "    waive: { target: test, verify: \"nothing can check this\" }\n".to_string()
    } else {
        "    waive: { target: test }\n    verify:\n      - run: grep -qx healthy \"$SHISA_RUN_DIR/health\"\n"
            .to_string()
    };
    format!(
        "version: 1\nname: push\nsteps:\n  - id: snap\n    kind: snapshot\n    run: '[ ! -e \"$SHISA_RUN_DIR/effects\" ] || cp \"$SHISA_RUN_DIR/effects\" \"$SHISA_RUN_DIR/effects.before\"; echo saved'\n  \
         - id: push\n    kind: action\n    run: echo pushed >> \"$SHISA_RUN_DIR/effects\"; sleep 30\n{verify}    \
         rollback:\n      - run: echo undone >> \"$SHISA_RUN_DIR/effects\"\n"
    )
}

/// Starts the run, stops it with SIGTERM while `push` runs, and returns its directory.
fn interrupted_mid_push(s: &Scratch, rb: &Path) -> std::path::PathBuf {
    let live = Live::start({
        let mut c = s.shisa();
        c.arg("run").arg(rb).arg("--headless");
        c
    });
    live.wait_for("run directory", 10);
    let dir = live
        .output()
        .lines()
        .find_map(|l| l.split_once("run directory ").map(|(_, p)| p.trim().into()))
        .expect("run directory");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !std::fs::read_to_string(Path::new(&dir).join("effects"))
        .is_ok_and(|t| t.contains("pushed"))
    {
        assert!(std::time::Instant::now() < deadline, "push never ran");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(live.child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let stopped = live.finish();
    assert_eq!(stopped.code, 3, "{}", stopped.explain());
    dir
}

fn kinds_after_resume(r: &Run) -> Vec<String> {
    let j = r.journal();
    let at = j
        .iter()
        .rposition(|r| r["kind"] == "run_resumed")
        .expect("a resume");
    j[at..]
        .iter()
        .map(|r| {
            format!(
                "{}:{}:{}",
                r["kind"].as_str().unwrap_or(""),
                r["step"].as_str().unwrap_or(""),
                r["data"]["purpose"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn done_on_an_in_doubt_change_runs_its_verify_and_a_failing_verify_is_a_failure() {
    let s = Scratch::new();
    let rb = s.write("push.yaml", &push_runbook(false));
    let dir = interrupted_mid_push(&s, &rb);
    // The health file says the change is not healthy: `done` must not end "completed".
    std::fs::write(dir.join("health"), "broken\n").unwrap();
    let resumed = s.resume(&dir, "done checked by hand: the push went out\nrollback\n");
    let after = kinds_after_resume(&resumed);
    assert!(
        after.contains(&"command_started:push:verify-1".to_string()),
        "the in-doubt change's verify never ran: {after:?}\n{}",
        resumed.explain()
    );
    assert_ne!(resumed.code, 0, "{}", resumed.explain());
    assert_ne!(resumed.outcome(), "completed", "{}", resumed.explain());
    assert!(
        resumed.stdout.contains("FAILED"),
        "the failing verify is shown as a failure:\n{}",
        resumed.explain()
    );
    let effects = std::fs::read_to_string(dir.join("effects")).unwrap();
    assert_eq!(effects, "pushed\nundone\n", "rolled back once, pushed once");
}

#[test]
fn done_on_an_in_doubt_change_whose_verify_passes_completes() {
    let s = Scratch::new();
    let rb = s.write("push.yaml", &push_runbook(false));
    let dir = interrupted_mid_push(&s, &rb);
    std::fs::write(dir.join("health"), "healthy\n").unwrap();
    let resumed = s.resume(&dir, "done checked by hand\n");
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
    assert_eq!(resumed.outcome(), "completed");
    let finished = resumed.records("step_finished", Some("push"));
    let last = finished.last().unwrap();
    assert_eq!(last["data"]["status"], "ok");
    assert!(
        last["data"]["reason"]
            .as_str()
            .unwrap()
            .contains("its verify passed"),
        "{last}"
    );
}

#[test]
fn done_on_an_in_doubt_change_with_no_verify_ends_with_exceptions() {
    let s = Scratch::new();
    let rb = s.write("push.yaml", &push_runbook(true));
    let dir = interrupted_mid_push(&s, &rb);
    let resumed = s.resume(&dir, "done checked by hand\n");
    assert_eq!(resumed.code, 5, "{}", resumed.explain());
    assert_eq!(resumed.outcome(), "completed_with_exceptions");
    let finished = resumed.records("step_finished", Some("push"));
    assert_eq!(finished.last().unwrap()["data"]["status"], "unproven");
    assert!(
        resumed
            .stdout
            .contains("! OVERRIDE push: accepted as done but unproven: no check confirmed it"),
        "{}",
        resumed.explain()
    );
}

#[test]
fn continuing_past_a_failed_verify_is_not_completed() {
    let s = Scratch::new();
    let rb = s.write(
        "cont.yaml",
        "version: 1\nname: cont\nsteps:\n  - id: snap\n    kind: snapshot\n    run: '[ ! -e \"$SHISA_RUN_DIR/effects\" ] || cp \"$SHISA_RUN_DIR/effects\" \"$SHISA_RUN_DIR/effects.before\"; echo saved'\n  \
         - id: change\n    kind: action\n    run: 'true'\n    on_failure: continue\n    \
         waive: { target: test }\n    verify: [ { run: 'false' } ]\n    rollback: [ { run: 'echo undone >> \"$SHISA_RUN_DIR/undone\"' } ]\n  \
         - id: after\n    kind: verify\n    run: 'true'\n",
    );
    let run = s.run(&rb, &[], "continue\n");
    assert_eq!(run.code, 5, "{}", run.explain());
    assert_eq!(run.outcome(), "completed_with_exceptions");
    assert!(
        run.stdout
            .contains("! FAILED change: step failed; the run continued past it, unproven"),
        "{}",
        run.explain()
    );
    assert!(
        run.commands().contains(&"after:main".to_string()),
        "the run went on"
    );
    let change = run.records("step_finished", Some("change"));
    assert_eq!(change.last().unwrap()["data"]["status"], "continued");
    // The export says so too: never a plain COMPLETED.
    let export = s.shisa().args(["export"]).arg(run.dir()).output().unwrap();
    let md = String::from_utf8_lossy(&export.stdout);
    assert!(md.contains("COMPLETED WITH EXCEPTIONS"), "{md}");
}

#[test]
fn an_overridden_precheck_is_not_a_pass() {
    let s = Scratch::new();
    let rb = s.write(
        "over.yaml",
        "version: 1\nname: over\nsteps:\n  - id: pre\n    kind: precheck\n    run: 'false'\n    \
         allow_override: true\n  - id: after\n    kind: verify\n    run: 'true'\n",
    );
    let run = s.run(&rb, &[], "override the check is known to be broken today\n");
    assert_eq!(run.code, 5, "{}", run.explain());
    assert_eq!(run.outcome(), "completed_with_exceptions");
    let pre = run.records("step_finished", Some("pre"));
    assert_eq!(pre.last().unwrap()["data"]["status"], "overridden");
    assert!(
        run.stdout
            .contains("! OVERRIDE pre: precheck failed and was overridden"),
        "{}",
        run.explain()
    );
    assert!(
        !run.stdout.contains("✓ pre"),
        "drawn as a pass:\n{}",
        run.stdout
    );
}

#[test]
fn a_faked_clock_on_resume_is_journaled_like_on_start() {
    let s = Scratch::new();
    let rb = s.write(
        "win.yaml",
        "version: 1\nname: win\nwindow: { timezone: UTC, allow: ['* 00:00-24:00'] }\nsteps:\n  \
         - id: ask\n    kind: manual\n    instructions: wait here\n",
    );
    // End of input at the manual step: the run stops, resumable.
    let first = s.run(&rb, &[], "");
    assert_eq!(first.code, 3, "{}", first.explain());
    let mut c = s.shisa();
    c.env("SHISA_FAKE_NOW", "2026-11-24T12:30:00+00:00")
        .arg("resume")
        .arg(first.dir())
        .arg("--headless");
    let resumed = Run::from(common::feed(c, "done it was done\n"));
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
    let j = resumed.journal();
    let at = j.iter().position(|r| r["kind"] == "run_resumed").unwrap();
    assert!(
        j[at..]
            .iter()
            .any(|r| r["kind"] == "override" && r["data"]["what"] == "clock"),
        "the faked clock on resume left no trace"
    );
}

#[test]
fn a_run_id_works_wherever_a_run_directory_does() {
    let s = Scratch::new();
    let rb = s.write(
        "ask.yaml",
        "version: 1\nname: ask\nsteps:\n  - id: ask\n    kind: manual\n    instructions: wait\n",
    );
    let first = s.run(&rb, &[], "");
    assert_eq!(first.code, 3, "{}", first.explain());
    let id = first
        .dir()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let verify = s.shisa().args(["verify", &id]).output().unwrap();
    assert_eq!(verify.status.code(), Some(0), "{verify:?}");
    let export = s.shisa().args(["export", &id]).output().unwrap();
    assert_eq!(export.status.code(), Some(0), "{export:?}");
    let mut c = s.shisa();
    c.args(["resume", &id, "--headless"]);
    let resumed = Run::from(common::feed(c, "done it was done\n"));
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
}

/// Two changes; `two`'s verify fails. `one`'s rollback fails until `fixed` exists in the run
/// directory.
const UNDO_FAILS: &str = "version: 1\nname: undo\nsteps:\n  - id: snap\n    kind: snapshot\n    run: '[ ! -e \"$SHISA_RUN_DIR/effects\" ] || cp \"$SHISA_RUN_DIR/effects\" \"$SHISA_RUN_DIR/effects.before\"; echo saved'\n  \
     - id: one\n    kind: action\n    run: echo one >> \"$SHISA_RUN_DIR/effects\"\n    waive: { target: test }\n    \
     verify: [ { run: 'true' } ]\n    \
     rollback: [ { run: '[ -e \"$SHISA_RUN_DIR/fixed\" ] || { echo permission denied >&2; exit 1; }; echo undo-one >> \"$SHISA_RUN_DIR/effects\"' } ]\n  \
     - id: two\n    kind: action\n    run: echo two >> \"$SHISA_RUN_DIR/effects\"\n    waive: { target: test }\n    \
     verify: [ { run: 'false' } ]\n    rollback: [ { run: 'echo undo-two >> \"$SHISA_RUN_DIR/effects\"' } ]\n";

#[test]
fn continuing_past_a_failed_undo_is_not_a_clean_rollback() {
    let s = Scratch::new();
    let rb = s.write("undo.yaml", UNDO_FAILS);
    let run = s.run(&rb, &[], "rollback\ncontinue\n");
    assert_eq!(run.code, 1, "{}", run.explain());
    assert_eq!(run.outcome(), "failed", "{}", run.explain());
    let one = run.records("step_finished", Some("one"));
    let last = &one.last().unwrap()["data"];
    assert_ne!(last["status"], "rolled_back", "{}", run.explain());
    assert_eq!(last["why"]["kind"], "not_undone", "{last}");
    let two = run.records("step_finished", Some("two"));
    assert_eq!(two.last().unwrap()["data"]["status"], "rolled_back");
    let end = run.records("run_finished", None);
    assert_eq!(
        end.last().unwrap()["data"]["why"]["not_undone"],
        serde_json::json!(["one"]),
        "{}",
        run.explain()
    );
    // What the operator reads: `one` is not undone, and the run says so at its end.
    assert!(
        run.stdout
            .contains("one: step failed — not undone: its rollback command 1 failed"),
        "{}",
        run.explain()
    );
    assert!(run.stdout.contains("not undone: one"), "{}", run.explain());

    // The change is still owed: a later rollback undoes it once its command can pass.
    std::fs::write(run.dir().join("fixed"), "").unwrap();
    let mut c = s.shisa();
    c.arg("rollback")
        .arg(run.dir())
        .args(["--headless", "--reason", "permissions fixed"]);
    let later = Run::from(common::feed(c, ""));
    assert_eq!(later.code, 0, "{}", later.explain());
    let effects = std::fs::read_to_string(run.dir().join("effects")).unwrap();
    assert_eq!(effects, "one\ntwo\nundo-two\nundo-one\n");
}
