//! Through a real sshd: a stop (Ctrl-C) or a timeout ends the remote command, checked on the
//! server side — also one that ignores TERM, and what a command leaves in its group.

mod common;
#[path = "common/sshd.rs"]
mod sshd;

use std::time::{Duration, Instant};

use shisa::engine::Program;
use shisa::remote::{Failure, SshOutcome};

use sshd::Sshd;

fn started(server: &Sshd, cmdline: &str) {
    assert!(
        !server
            .wait_running(cmdline, Duration::from_secs(10))
            .is_empty(),
        "`{cmdline}` never started on the server"
    );
}

#[test]
fn a_stop_ends_the_remote_command() {
    let Some(server) = Sshd::start() else { return };
    let mut s = server.session("r-stop");
    let host = server.host("alpha");
    assert!(
        s.transport
            .open(&host, &server.dir().join("a.log"))
            .unwrap()
            .ready()
    );
    let t = Instant::now();
    let (running, log) = s.start(
        &host,
        Program::Script("sleep 34.1; echo finished".into()),
        &[],
        None,
    );
    started(&server, "sleep 34.1");
    running.stop();
    let ran = s.finish(&log, t);
    assert_eq!(
        ran.outcome,
        SshOutcome::Failed(Failure::Interrupted),
        "{}",
        ran.ssh_log
    );
    assert_eq!(ran.result.stdout, "");
    let left = server.wait_gone("sleep 34.1", Duration::from_secs(3));
    assert!(left.is_empty(), "still running on the server: {left:?}");
    // The master survives a stopped session: the next command runs over it.
    let ran = s.script(&host, "echo next");
    assert_eq!(ran.outcome, SshOutcome::Exited(0));
    assert!(ran.ssh_log.contains("from master"), "{}", ran.ssh_log);
}

#[test]
fn a_timeout_ends_the_remote_command() {
    let Some(server) = Sshd::start() else { return };
    let mut s = server.session("r-timeout");
    let host = server.host("beta");
    assert!(
        s.transport
            .open(&host, &server.dir().join("b.log"))
            .unwrap()
            .ready()
    );
    let t = Instant::now();
    let (_running, log) = s.start(
        &host,
        Program::Argv(vec!["sleep".into(), "34.2".into()]),
        &[],
        Some(Duration::from_millis(1500)),
    );
    started(&server, "sleep 34.2");
    let ran = s.finish(&log, t);
    assert!(ran.result.timed_out);
    assert!(ran.took < Duration::from_secs(10), "{:?}", ran.took);
    let left = server.wait_gone("sleep 34.2", Duration::from_secs(3));
    assert!(left.is_empty(), "still running on the server: {left:?}");
}

#[test]
fn a_remote_command_that_ignores_term_is_killed_five_seconds_later() {
    let Some(server) = Sshd::start() else { return };
    let mut s = server.session("r-ignore");
    let host = server.host("gamma");
    let t = Instant::now();
    let (running, log) = s.start(
        &host,
        Program::Script("(trap '' TERM; exec sleep 34.3) & wait".into()),
        &[],
        None,
    );
    started(&server, "sleep 34.3");
    let stopped = Instant::now();
    running.stop();
    let _ = s.finish(&log, t);
    // Still there right after TERM: it ignores it …
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        !server.running("sleep 34.3").is_empty(),
        "gone before KILL: was TERM ignored?"
    );
    // … and gone once KILL follows, 5 s after the session closed.
    let left = server.wait_gone("sleep 34.3", Duration::from_secs(8));
    assert!(left.is_empty(), "still running on the server: {left:?}");
    assert!(
        stopped.elapsed() >= Duration::from_secs(4),
        "{:?}",
        stopped.elapsed()
    );
}

#[test]
fn what_a_command_leaves_in_its_group_does_not_hold_the_step() {
    let Some(server) = Sshd::start() else { return };
    let mut s = server.session("r-left");
    let host = server.host("alpha");
    let ran = s.script(&host, "sleep 34.4 >/dev/null 2>&1 & echo started");
    assert_eq!(ran.outcome, SshOutcome::Exited(0), "{}", ran.ssh_log);
    assert_eq!(ran.result.stdout, "started\n");
    // The prelude gives it 2 s, then TERM.
    assert!(ran.took < Duration::from_secs(8), "{:?}", ran.took);
    assert!(
        server
            .wait_gone("sleep 34.4", Duration::from_secs(3))
            .is_empty()
    );
    // One that holds the output open would hold the session: it is ended the same way.
    let ran = s.script(&host, "sleep 34.5 & echo started");
    assert_eq!(ran.outcome, SshOutcome::Exited(0), "{}", ran.ssh_log);
    assert!(ran.took < Duration::from_secs(8), "{:?}", ran.took);
    assert!(
        server
            .wait_gone("sleep 34.5", Duration::from_secs(3))
            .is_empty()
    );
}

#[test]
fn a_local_ssh_killed_outright_still_ends_the_remote_command() {
    let Some(server) = Sshd::start() else { return };
    let mut s = server.session("r-kill9");
    let host = server.host("beta");
    assert!(
        s.transport
            .open(&host, &server.dir().join("b.log"))
            .unwrap()
            .ready()
    );
    let t = Instant::now();
    let (running, log) = s.start(&host, Program::Script("sleep 34.6".into()), &[], None);
    started(&server, "sleep 34.6");
    // As if shisa and its ssh were killed with -9: no TERM, no goodbye.
    nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(running.pgid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let ran = s.finish(&log, t);
    assert_eq!(ran.result.signal, Some(9));
    assert_eq!(ran.outcome, SshOutcome::Failed(Failure::Interrupted));
    let left = server.wait_gone("sleep 34.6", Duration::from_secs(3));
    assert!(left.is_empty(), "still running on the server: {left:?}");
}

/// shisa gone (a crash, kill -9) closes ssh's stdin and nothing else: ssh lives on in its
/// own process group. That end of file alone stops the remote command.
#[test]
fn the_end_of_stdin_alone_stops_the_remote_command() {
    let Some(server) = Sshd::start() else { return };
    let s = server.session("r-eof");
    let host = server.host("gamma");
    let log = server.dir().join("eof.ssh.log");
    let inv = s
        .transport
        .invocation(&host, &Program::Script("sleep 34.7".into()), &[], &log)
        .unwrap();
    let mut child = std::process::Command::new(&inv.argv[0])
        .args(&inv.argv[1..])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::io::Write::write_all(&mut stdin, &inv.stdin).unwrap();
    started(&server, "sleep 34.7");
    drop(stdin);
    let left = server.wait_gone("sleep 34.7", Duration::from_secs(3));
    assert!(left.is_empty(), "still running on the server: {left:?}");
    // ssh then ends with the prelude's status: the command died of TERM (128 + 15).
    let status = child.wait().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        shisa::remote::classify(status.code(), &text),
        SshOutcome::Exited(143)
    );
}
