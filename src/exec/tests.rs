//! The runner in-process: a real command, no engine, no binary.

use std::time::{Duration, Instant};

use super::procs;
use super::runner::Runner;
use super::stream::Stream;
use crate::engine::{CommandResult, Program, Spawn};
use crate::journal::record::Purpose;

const SECRET: &str = "s3cr3t-Hunter2-value-40-characters-long!";

struct Ran {
    result: CommandResult,
    log: String,
    took: Duration,
    _dir: tempfile::TempDir,
}

/// Runs `script` with `$token` set to the secret; stops it after `stop_after` if given.
fn run(script: &str, timeout: Option<Duration>, stop_after: Option<Duration>) -> Ran {
    let t = Instant::now();
    let waited = stop_after.map(|after| move || t.elapsed() >= after);
    run_until(
        script,
        timeout,
        waited.as_ref().map(|w| w as &dyn Fn() -> bool),
    )
}

/// Runs `script` as `run` does; stops it once `ready` holds, if given.
fn run_until(script: &str, timeout: Option<Duration>, ready: Option<&dyn Fn() -> bool>) -> Ran {
    run_with(tempfile::tempdir().unwrap(), script, timeout, ready)
}

/// Runs `script` in `dir` and stops it once `ready` holds.
fn run_in(dir: tempfile::TempDir, script: &str, ready: &dyn Fn() -> bool) -> Ran {
    run_with(dir, script, None, Some(ready))
}

fn run_with(
    dir: tempfile::TempDir,
    script: &str,
    timeout: Option<Duration>,
    ready: Option<&dyn Fn() -> bool>,
) -> Ran {
    let secrets = vec![(SECRET.to_string(), "[REDACTED:token]".to_string())];
    let (runner, mut rx) = Runner::new(dir.path().to_path_buf(), Vec::new(), secrets);
    let spawn = Spawn {
        step: 0,
        step_id: "step".into(),
        purpose: Purpose::Main,
        attempt: 1,
        program: Program::Script(script.into()),
        env: vec![("token".into(), SECRET.into())],
        timeout,
        log: "output/step.1.log".into(),
        redact: Vec::new(),
        withhold_stdout: Vec::new(),
    };
    let t = Instant::now();
    let running = runner.start(&spawn).unwrap().unwrap();
    if let Some(ready) = ready {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ready() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        running.stop();
    }
    let result = rx.done.blocking_recv().unwrap();
    let took = t.elapsed();
    let log = std::fs::read_to_string(dir.path().join(&spawn.log)).unwrap();
    Ran {
        result,
        log,
        took,
        _dir: dir,
    }
}

/// A command line no other process on the machine has: other checkouts run these same tests
/// at the same time, and `alive` looks machine-wide. The digits lengthen the sleep a little.
fn unique(line: &str) -> String {
    format!("{line}{}", std::process::id())
}

fn alive(pattern: &str) -> Vec<i32> {
    procs::all()
        .into_iter()
        .filter(|s| !s.is_gone())
        .filter(|s| {
            std::fs::read(format!("/proc/{}/cmdline", s.pid))
                .is_ok_and(|c| String::from_utf8_lossy(&c).replace('\0', " ").trim() == pattern)
        })
        .map(|s| s.pid)
        .collect()
}

fn kill(pids: &[i32]) {
    for &pid in pids {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

#[test]
fn the_judged_copy_has_every_byte_the_redactor_still_holds() {
    let ran = run("echo FATAL; sleep 0.2; seq 3", None, None);
    assert_eq!(ran.result.stdout, "FATAL\n1\n2\n3\n");
    assert_eq!(ran.log, "FATAL\n1\n2\n3\n");
    assert_eq!(ran.result.exit, Some(0));
}

#[test]
fn a_secret_written_half_to_each_stream_is_masked_in_the_log() {
    let ran = run(
        r#"printf %s "${token:0:9}"; exec >&-; sleep 0.1; printf %s "${token:9}" >&2"#,
        None,
        None,
    );
    assert_eq!(ran.log, "[REDACTED:token]");
    // The judged copy is raw: the engine masks what it journals.
    assert_eq!(ran.result.stdout, &SECRET[..9]);
}

#[test]
fn a_stop_ends_children_that_ignore_term_before_the_result() {
    let line = &unique("sleep 35.71");
    // Stopped once the child ignores TERM, not after a fixed while: on a loaded machine a
    // TERM that came before the trap was set ended the child at once.
    let marks = tempfile::tempdir().unwrap();
    let ready = marks.path().join("trapped");
    let ran = run_until(
        &format!(
            "(trap '' TERM; : > '{}'; exec {line}) >/dev/null 2>&1 & sleep 60",
            ready.display()
        ),
        None,
        Some(&|| ready.exists()),
    );
    let left = alive(line);
    kill(&left);
    assert!(
        left.is_empty(),
        "still running when the result came: {left:?}"
    );
    assert_eq!(ran.result.signal, Some(15));
    let killed: Vec<&str> = ran
        .result
        .background
        .killed
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(killed, ["sleep"]);
    assert!(ran.took >= super::watch::KILL_AFTER, "{:?}", ran.took);
}

#[test]
fn a_daemon_holding_the_output_is_named_and_left_behind() {
    let line = &unique("sleep 35.72");
    let ran = run(&format!("setsid {line} & echo started"), None, None);
    let left = alive(line);
    kill(&left);
    assert_eq!(ran.result.exit, Some(0));
    assert!(ran.took < Duration::from_secs(6), "{:?}", ran.took);
    let bg = &ran.result.background;
    assert!(bg.output_held_open, "{bg:?}");
    assert_eq!(
        bg.held_by.iter().map(|p| p.pid).collect::<Vec<_>>(),
        left,
        "{bg:?}"
    );
    assert!(bg.killed.is_empty(), "{bg:?}");
    assert_eq!(ran.log, "started\n");
}

#[test]
fn a_timeout_is_reported_and_leaves_nothing_of_the_group() {
    let line = unique("sleep 35.73");
    let ran = run(
        &format!("{line} & {line}"),
        Some(Duration::from_millis(200)),
        None,
    );
    assert!(ran.result.timed_out);
    assert!(alive(&line).is_empty());
    assert!(ran.took < Duration::from_secs(3), "{:?}", ran.took);
}

#[test]
fn fed_bytes_arrive_and_a_stop_closes_stdin_first() {
    let dir = tempfile::tempdir().unwrap();
    let (runner, mut rx) = Runner::new(dir.path().to_path_buf(), Vec::new(), Vec::new());
    // It ignores TERM: only the end of its stdin lets it finish before KILL.
    let script = "trap '' TERM; head -c 11; cat >/dev/null; echo ' eof seen'";
    let spawn = Spawn {
        step: 0,
        step_id: "fed".into(),
        purpose: Purpose::Main,
        attempt: 1,
        program: Program::Script(script.into()),
        env: Vec::new(),
        timeout: None,
        log: "output/fed.1.log".into(),
        redact: Vec::new(),
        withhold_stdout: Vec::new(),
    };
    let t = Instant::now();
    let running = runner
        .start_fed(&spawn, b"hello\0world".to_vec())
        .unwrap()
        .unwrap();
    // Held open: still running after the bytes are read.
    std::thread::sleep(Duration::from_millis(400));
    assert!(rx.done.try_recv().is_err(), "ended before its stdin closed");
    running.stop();
    let result = rx.done.blocking_recv().unwrap();
    assert_eq!(result.stdout, "hello\0world eof seen\n");
    assert_eq!(result.exit, Some(0));
    assert!(t.elapsed() < super::watch::KILL_AFTER, "{:?}", t.elapsed());
}

/// While no one reads the screen's queue, each stream keeps its newest output and says
/// how much it let go; the last pieces wait for room. So the screen gets every line's end
/// it gets at all, the count of what it missed, and the end of both streams.
#[test]
fn a_screen_that_cannot_keep_up_gets_each_streams_end_and_the_size_of_each_gap() {
    let dir = tempfile::tempdir().unwrap();
    let (runner, mut rx) = Runner::new(dir.path().to_path_buf(), Vec::new(), Vec::new());
    let spawn = Spawn {
        step: 0,
        step_id: "step".into(),
        purpose: Purpose::Main,
        attempt: 1,
        program: Program::Script("seq 1 3000000; echo FATAL >&2".into()),
        env: Vec::new(),
        timeout: None,
        log: "output/step.1.log".into(),
        redact: Vec::new(),
        withhold_stdout: Vec::new(),
    };
    runner.start(&spawn).unwrap().unwrap();
    let log = dir.path().join(&spawn.log);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(&log).is_ok_and(|t| t.contains("FATAL")) {
        assert!(Instant::now() < deadline, "the log never got the end");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut chunks = Vec::new();
    let result = loop {
        while let Ok(c) = rx.output.try_recv() {
            chunks.push(c);
        }
        if let Ok(r) = rx.done.try_recv() {
            while let Ok(c) = rx.output.try_recv() {
                chunks.push(c);
            }
            break r;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let (mut shown, mut skipped) = (Vec::new(), 0);
    for c in chunks.iter().filter(|c| c.stream == Stream::Stdout) {
        if let Some(s) = &c.skipped {
            assert!(shown.is_empty() || shown.ends_with(b"\n"), "a gap mid-line");
            assert_eq!(&*s.log, log.to_str().unwrap());
            skipped += s.lines;
        }
        shown.extend_from_slice(&c.bytes);
    }
    assert!(skipped > 0, "nothing was skipped: the test proves nothing");
    let lines: Vec<u64> = String::from_utf8(shown)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(lines.last(), Some(&3_000_000));
    assert_eq!(lines.len() as u64 + skipped, 3_000_000);
    let errs: Vec<&[u8]> = (chunks.iter().filter(|c| c.stream == Stream::Stderr))
        .map(|c| c.bytes.as_slice())
        .collect();
    assert_eq!(errs, [b"FATAL\n"]);
    assert_eq!(result.bytes, std::fs::metadata(&log).unwrap().len());
}

/// Output that came too soon after the last write to be written at once is written within
/// the bound even when nothing more comes: the thread wakes for it.
#[test]
fn output_followed_by_silence_reaches_the_log_while_the_command_runs() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("output/step.1.log");
    let seen = std::cell::Cell::new(None);
    let t = Instant::now();
    let in_log = || {
        let has = std::fs::read_to_string(&log).is_ok_and(|l| l == "x\ny\n");
        if has && seen.get().is_none() {
            seen.set(Some(t.elapsed()));
        }
        has
    };
    let ran = run_in(dir, "echo x; sleep 0.02; echo y; sleep 30", &in_log);
    let seen = seen
        .get()
        .expect("the log never had both lines while the command ran");
    assert!(seen < Duration::from_secs(2), "{seen:?}");
    assert!(
        ran.took < Duration::from_secs(20),
        "it was stopped once seen"
    );
}
