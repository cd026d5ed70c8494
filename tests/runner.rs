//! The runner end to end: what a command's output, its children and its daemons do to a run,
//! seen through the real binary and its journal.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{Live, Run, Scratch, feed};

const TOKEN: &str = "s3cr3t-Hunter2-value-40-characters-long!";

/// The test's own copy of its sleep markers: every `33.NN` (and the pattern `33[.]NN`) gets
/// this process's id appended. Other checkouts on the machine run these same tests at the
/// same time, and `pgrep` looks machine-wide: without it one test saw, and `Reap` killed,
/// another checkout's sleeps. The digits only lengthen a sleep a little.
fn own(text: &str) -> String {
    let marker = regex::Regex::new(r"33(\.|\[\.\])(\d\d)").unwrap();
    let pid = std::process::id();
    marker
        .replace_all(text, format!("33${{1}}${{2}}{pid}").as_str())
        .into_owned()
}

/// Processes whose command line matches `pattern` (a regex that does not match itself), with
/// its markers made this test process's own (`own`).
fn pids(pattern: &str) -> Vec<i32> {
    let out = Command::new("pgrep")
        .args(["-f", &own(pattern)])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Kills, by pid, what a test left running (its own `sleep`s with a unique length), also when
/// the test fails.
struct Reap(&'static str);

impl Drop for Reap {
    fn drop(&mut self) {
        for pid in pids(self.0) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

fn wait_until(what: &str, secs: u64, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The run ends by itself within `secs`, or the test fails (and shisa is killed).
fn finish_within(mut live: Live, secs: u64) -> Run {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while live.child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = live.child.kill();
            let _ = live.child.wait();
            panic!(
                "shisa was still running after {secs} s; output:\n{}",
                live.output()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    live.finish()
}

fn start(s: &Scratch, rb: &std::path::Path, extra: impl FnOnce(&mut Command)) -> Live {
    let mut c = s.shisa();
    c.arg("run").arg(rb).arg("--headless");
    extra(&mut c);
    Live::start(c)
}

fn signal(live: &Live, sig: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(live.child.id() as i32), sig).unwrap();
}

/// Everything in the run directory, as text.
fn files_of(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_of(&p));
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            out.push((p, text));
        }
    }
    out
}

fn background(run: &Run, step: &str) -> serde_json::Value {
    run.records("command_finished", Some(step))[0]["data"]["background"].clone()
}

fn names(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|p| p["name"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn with_a_secret_set_the_start_of_stdout_is_still_judged() {
    let s = Scratch::new();
    let rb = s.write(
        "judged.yaml",
        "version: 1\nname: judged\nparams:\n  token: { secret: true, from_env: RUNNER_TOKEN }\nsteps:\n  \
         - id: scan\n    kind: precheck\n    run: 'echo FATAL; sleep 0.2; seq 50'\n    \
         expect: { stdout_not_contains: FATAL }\n",
    );
    let run = s.run_with(&rb, &[], "abort FATAL was printed\n", |c| {
        c.env("RUNNER_TOKEN", TOKEN);
    });
    assert_eq!(run.code, 1, "{}", run.explain());
    let failed = run.records("expect_failed", Some("scan"));
    assert_eq!(failed.len(), 1, "{}", run.explain());
    assert_eq!(
        failed[0]["data"]["expectation"],
        "stdout does not contain \"FATAL\""
    );
}

#[test]
fn a_timed_out_commands_children_that_ignore_term_are_gone_before_rollback() {
    let _reap = Reap("sleep 33[.]21");
    let s = Scratch::new();
    let rb = s.write(
        "stubborn.yaml",
        &own("version: 1\nname: stubborn\nsteps:\n  - id: snap\n    kind: snapshot\n    run: '[ ! -e \"$SHISA_RUN_DIR/effects\" ] || cp \"$SHISA_RUN_DIR/effects\" \"$SHISA_RUN_DIR/effects.before\"; echo saved'\n  \
         - id: change\n    kind: action\n    waive: { target: \"test\" }\n    timeout: 1500ms\n    \
         run: '(trap \"\" TERM; exec sleep 33.21) >/dev/null 2>&1 & sleep 60'\n    \
         verify: [ { run: 'true' } ]\n    \
         rollback: [ { run: 'if pgrep -f \"sleep 33[.]21\" >/dev/null; then echo alive; else echo gone; fi > \"$SHISA_RUN_DIR/seen\"' } ]\n"),
    );
    let run = s.run(&rb, &[], "rollback\n");
    assert_eq!(run.outcome(), "rolled_back", "{}", run.explain());
    let seen = std::fs::read_to_string(run.dir().join("seen")).unwrap();
    assert_eq!(
        seen, "gone\n",
        "the rollback ran beside the timed-out change"
    );
    let finished = &run.records("command_finished", Some("change"))[0];
    assert_eq!(finished["data"]["timed_out"], true);
    assert_eq!(
        names(&background(&run, "change")["killed"]),
        ["sleep"],
        "the kill is journaled: {finished}"
    );
}

#[test]
fn a_daemon_holding_stdout_does_not_hold_the_run() {
    let _reap = Reap("sleep 33[.]31");
    let s = Scratch::new();
    let rb = s.write(
        "daemon.yaml",
        &own("version: 1\nname: daemon\nsteps:\n  - id: start\n    kind: precheck\n    \
         run: 'setsid sleep 33.31 & echo started'\n  - id: after\n    kind: precheck\n    run: 'echo next'\n"),
    );
    let started = Instant::now();
    let run = finish_within(start(&s, &rb, |_| {}), 15);
    assert_eq!(run.code, 0, "{}", run.explain());
    assert!(started.elapsed() < Duration::from_secs(10));
    let bg = background(&run, "start");
    assert_eq!(bg["output_held_open"], true, "{bg}");
    assert_eq!(names(&bg["held_by"]), ["sleep"], "{bg}");
    let daemon = pids("sleep 33[.]31");
    assert_eq!(bg["held_by"][0]["pid"], daemon[0], "{bg}");
    assert!(
        names(&bg["killed"]).is_empty(),
        "a daemon outside the group is left alone: {bg}"
    );
    assert!(
        run.stdout.contains("held open by sleep (pid"),
        "the operator is told: {}",
        run.explain()
    );
}

#[test]
fn a_child_left_holding_stdout_is_killed_and_the_kill_journaled() {
    let _reap = Reap("sleep 33[.]32");
    let s = Scratch::new();
    let rb = s.write(
        "child.yaml",
        &own(
            "version: 1\nname: child\nsteps:\n  - id: start\n    kind: precheck\n    \
         run: 'sleep 33.32 & sleep 0.3; echo started'\n",
        ),
    );
    let run = finish_within(start(&s, &rb, |_| {}), 15);
    assert_eq!(run.code, 0, "{}", run.explain());
    let bg = background(&run, "start");
    assert_eq!(names(&bg["killed"]), ["sleep"], "{bg}");
    assert!(pids("sleep 33[.]32").is_empty());
    assert!(
        run.stdout
            .contains("killed what it left running: sleep (pid"),
        "the operator is told: {}",
        run.explain()
    );
}

#[test]
fn a_timeout_ends_the_step_while_a_daemon_holds_the_pipe() {
    let _reap = Reap("sleep 33[.]33");
    let s = Scratch::new();
    let rb = s.write(
        "slow.yaml",
        &own("version: 1\nname: slow\nsteps:\n  - id: slow\n    kind: precheck\n    timeout: 1500ms\n    \
         run: 'setsid sleep 33.33 & sleep 60'\n"),
    );
    let mut live = start(&s, &rb, |_| {});
    live.send("abort too slow");
    let run = finish_within(live, 15);
    assert_eq!(run.code, 1, "{}", run.explain());
    let finished = &run.records("command_finished", Some("slow"))[0];
    assert_eq!(finished["data"]["timed_out"], true);
    assert_eq!(names(&background(&run, "slow")["held_by"]), ["sleep"]);
}

#[test]
fn a_command_that_exited_in_time_is_not_timed_out_by_what_it_left_behind() {
    let _reap = Reap("sleep 33[.]34");
    let s = Scratch::new();
    let rb = s.write(
        "quick.yaml",
        &own("version: 1\nname: quick\nsteps:\n  - id: quick\n    kind: precheck\n    timeout: 1s\n    \
         run: 'setsid sleep 33.34 & echo started'\n"),
    );
    let run = finish_within(start(&s, &rb, |_| {}), 15);
    assert_eq!(run.code, 0, "{}", run.explain());
    let finished = &run.records("command_finished", Some("quick"))[0];
    assert_eq!(finished["data"]["timed_out"], false, "{finished}");
    assert_eq!(finished["data"]["ok"], true, "{finished}");
    assert_eq!(names(&background(&run, "quick")["held_by"]), ["sleep"]);
}

/// Stops shisa with `signals` while its command waits and a daemon holds the command's pipe.
fn stop_while_a_daemon_holds_the_pipe(marker: &str, signals: &[nix::sys::signal::Signal]) {
    let s = Scratch::new();
    let rb = s.write(
        "held.yaml",
        &own(&format!(
            "version: 1\nname: held\nsteps:\n  - id: held\n    kind: precheck\n    \
             run: 'setsid sleep {marker} & echo started; sleep 60'\n"
        )),
    );
    let mut live = start(&s, &rb, |_| {});
    live.wait_for("started", 10);
    // `setsid` has detached once the daemon runs as `sleep`.
    let pattern = format!("sleep {}", marker.replace('.', "[.]"));
    wait_until("the daemon", 10, || !pids(&pattern).is_empty());
    for sig in signals {
        signal(&live, *sig);
        std::thread::sleep(Duration::from_millis(200));
    }
    // At the failure's prompt, end of input leaves the run resumable.
    live.close_stdin();
    let run = finish_within(live, 15);
    assert_ne!(run.code, 0, "{}", run.explain());
}

#[test]
fn sigterm_works_while_a_daemon_holds_the_pipe() {
    let _reap = Reap("sleep 33[.]34");
    stop_while_a_daemon_holds_the_pipe("33.34", &[nix::sys::signal::Signal::SIGTERM]);
}

#[test]
fn ctrl_c_stops_the_command_while_a_daemon_holds_the_pipe() {
    use nix::sys::signal::Signal;
    let _reap = Reap("sleep 33[.]35");
    stop_while_a_daemon_holds_the_pipe("33.35", &[Signal::SIGINT, Signal::SIGINT]);
}

#[test]
fn a_secret_split_across_stdout_and_stderr_is_masked_in_the_log_and_on_screen() {
    let s = Scratch::new();
    let rb = s.write(
        "split.yaml",
        "version: 1\nname: split\nparams:\n  token: { secret: true, from_env: RUNNER_TOKEN }\nsteps:\n  \
         - id: across\n    kind: precheck\n    \
         run: 'printf %s \"${token:0:7}\"; exec >&-; sleep 0.2; printf %s \"${token:7}\" >&2'\n  \
         - id: between\n    kind: precheck\n    \
         run: 'printf %s \"${token:0:7}\"; sleep 0.1; printf x >&2; sleep 0.1; printf \"%s\\n\" \"${token:7}\"'\n",
    );
    let run = s.run_with(&rb, &[], "", |c| {
        c.env("RUNNER_TOKEN", TOKEN);
    });
    assert_eq!(run.code, 0, "{}", run.explain());
    assert!(!run.stdout.contains(TOKEN), "{}", run.explain());
    for (path, text) in files_of(run.dir()) {
        assert!(!text.contains(TOKEN), "{} holds the secret", path.display());
    }
    let log = std::fs::read_to_string(run.dir().join("output/across.1.log")).unwrap();
    assert_eq!(log, "[REDACTED:token]");
    // One stray stderr byte inside the secret must not leave it readable in the log with
    // that byte taken out (a redactor over the merged bytes saw it cut in two).
    // (The token starts with `x` itself, so the second layer may hold the stray byte back
    // until it knows; the order of the two may differ, never the content.)
    let log = std::fs::read_to_string(run.dir().join("output/between.1.log")).unwrap();
    let mut rest: Vec<char> = log.replacen("[REDACTED:token]", "", 1).chars().collect();
    rest.sort();
    assert_eq!(rest, ['\n', 'x'], "{log:?}");
}

/// `shisa resume` with the token in its environment, no answers.
fn resume(s: &Scratch, dir: &std::path::Path) -> Run {
    let mut c = s.shisa();
    c.env("RUNNER_TOKEN", TOKEN)
        .arg("resume")
        .arg(dir)
        .arg("--headless");
    Run::from(feed(c, ""))
}

#[test]
fn resume_finds_a_survivor_that_cleared_its_environment_and_masks_its_argv() {
    let _reap = (Reap("sleep 33[.]51"), Reap("^x-.* 33[.]52"));
    for (pattern, run_line) in [
        ("sleep 33[.]51", "exec env -i sleep 33.51"),
        // The secret as the process's name: its command line shows it to every user.
        ("^x-.* 33[.]52", "exec -a \"x-$token\" sleep 33.52"),
    ] {
        let s = Scratch::new();
        let rb = s.write(
            "survive.yaml",
            &own(&format!(
                "version: 1\nname: survive\nparams:\n  token: {{ secret: true, from_env: RUNNER_TOKEN }}\nsteps:\n  \
                 - id: long\n    kind: precheck\n    run: 'echo started; {}'\n",
                run_line.replace('\'', "''")
            )),
        );
        let mut live = start(&s, &rb, |c| {
            c.env("RUNNER_TOKEN", TOKEN);
        });
        wait_until("the command", 10, || !pids(pattern).is_empty());
        // The runner notes the command's process group just after it spawns it; a kill
        // before that moment is a window this test does not aim at.
        wait_until("the group noted", 10, || {
            std::fs::read_to_string(s.run_dir().join("groups")).is_ok_and(|t| !t.trim().is_empty())
        });
        let _ = live.child.kill(); // SIGKILL: the command lives on
        let _ = live.child.wait();
        let refused = resume(&s, &s.run_dir());
        assert_eq!(refused.code, 4, "{run_line}: {}", refused.explain());
        assert!(
            refused
                .stderr
                .contains("still running from before it stopped")
                && refused.stderr.contains("long/main/1"),
            "{run_line}: {}",
            refused.explain()
        );
        assert!(
            !refused.stderr.contains(TOKEN) && !refused.stdout.contains(TOKEN),
            "{run_line}: {}",
            refused.explain()
        );
    }
}

/// A flood the screen cannot keep up with: the operator's screen (here a headless run whose
/// reader stalls until the command is over) may skip, but says where and how much, and the
/// end of each stream is printed before the result: the error line above all. Before, the
/// skipped pieces left silent gaps and the last pieces, sent while the queue was fullest,
/// were the ones lost.
#[test]
fn a_flood_the_screen_cannot_keep_up_with_keeps_its_end_and_marks_each_skip() {
    use std::io::Read;
    let s = Scratch::new();
    let rb = s.write(
        "flood.yaml",
        "version: 1\nname: flood\nsteps:\n  - id: main\n    kind: verify\n    title: Flood\n    \
         run: 'seq 1 3000000; printf no-newline-at-end; echo \"FATAL: disk full on /var\" >&2; exit 1'\n",
    );
    let mut c = s.shisa();
    c.arg("run").arg(&rb).arg("--headless");
    let mut child = c
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read nothing until the command is over, so the screen's queue is full at its end.
    wait_until("the flood's end in its log", 120, || {
        let log = s.newest_run_dir().map(|d| d.join("output/main.1.log"));
        log.and_then(|l| std::fs::read_to_string(l).ok())
            .is_some_and(|t| t.contains("FATAL"))
    });
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child.wait().unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let failed = lines.iter().position(|l| l.contains("✗ FAILED")).unwrap();
    let before: Vec<&str> = lines[..failed].iter().map(|l| l.trim()).collect();
    let tail = &before[before.len().saturating_sub(3)..];
    assert!(tail.contains(&"! FATAL: disk full on /var"), "{tail:?}");
    assert!(tail.contains(&"│ no-newline-at-end"), "{tail:?}");
    assert!(before.contains(&"│ 3000000"), "the last line is shown");
    // Every gap in the numbers is marked where it is, with its size and the log.
    let log = s.run_dir().join("output/main.1.log");
    let (mut last, mut skipped, mut marked, mut shown) = (0u64, 0u64, false, 0u64);
    for line in &before {
        if let Some(note) = line.strip_prefix("│ … ") {
            assert!(note.ends_with(&format!("the log has all of it: {}", log.display())));
            skipped += note.split(' ').next().unwrap().parse::<u64>().unwrap();
            marked = true;
        } else if let Some(n) = line.strip_prefix("│ ").and_then(|n| n.parse::<u64>().ok()) {
            assert!(
                n == last + 1 || marked,
                "{last} -> {n} with no mark between"
            );
            (last, marked, shown) = (n, false, shown + 1);
        }
    }
    assert_eq!(last, 3_000_000);
    assert_eq!(
        shown + skipped,
        3_000_000,
        "the marks count exactly what is missing"
    );
    assert!(
        skipped > 0,
        "the stalled screen skipped nothing: the test proves nothing"
    );
}
