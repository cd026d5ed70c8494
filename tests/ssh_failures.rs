//! Through a real sshd: an unknown or changed host key and a refused login stop before
//! anything runs; a cut connection is told apart from a remote non-zero exit (255
//! included); a master that died leaves no trap for the next command (tests/common/sshd.rs).

mod common;
#[path = "common/sshd.rs"]
mod sshd;

use std::process::Command;
use std::time::{Duration, Instant};

use shisa::engine::Program;
use shisa::remote::{Class, Failure, Host, SshOutcome};

use sshd::{STRANGER, Sshd};

#[test]
fn an_unknown_host_key_refuses_before_anything_runs() {
    let Some(server) = Sshd::start() else { return };
    let mut s = server.session("r-unknown");
    let host = server.host(STRANGER.0);
    let opened = s
        .transport
        .open(&host, &server.dir().join("stranger.ssh.log"))
        .unwrap();
    let SshOutcome::Failed(f) = &opened.outcome else {
        panic!("{opened:?}")
    };
    assert_eq!(
        f,
        &Failure::HostKeyUnknown {
            host: STRANGER.1.into(),
            port: Some(server.port)
        }
    );
    assert_eq!(f.class(), Class::HostKey);
    // The engine says the fix, in the sentence it journals.
    let said = shisa::engine::messages::ssh_failure(f);
    assert!(
        said.contains(&format!("ssh-keyscan -p {} {}", server.port, STRANGER.1)),
        "{said}"
    );
    // Straight to a command, without `open`: refused the same way, and it did not run.
    let canary = server.dir().join("ran");
    let ran = s.script(&host, &format!("touch '{}'", canary.display()));
    assert_eq!(ran.outcome, SshOutcome::Failed(f.clone()));
    assert!(!canary.exists());
    assert_eq!(ran.result.stdout, "");
    // Nothing was added to known_hosts (never `accept-new`).
    let known = std::fs::read_to_string(server.known_hosts()).unwrap();
    assert!(!known.contains(STRANGER.1), "{known}");
}

#[test]
fn a_changed_host_key_and_a_refused_login_are_their_own_errors() {
    let Some(server) = Sshd::start() else { return };
    let mut s = server.session("r-keys");
    // alpha's line now holds another key: the server's looks changed.
    let known = std::fs::read_to_string(server.known_hosts()).unwrap();
    let other = std::fs::read_to_string(server.dir().join("home/.ssh/id_ed25519.pub")).unwrap();
    let other: Vec<&str> = other.split_whitespace().take(2).collect();
    let alpha = format!("[127.0.0.2]:{} ", server.port);
    let changed: String = known
        .lines()
        .map(|l| match l.strip_prefix(&alpha) {
            Some(_) => format!("{alpha}{}\n", other.join(" ")),
            None => format!("{l}\n"),
        })
        .collect();
    std::fs::write(server.known_hosts(), changed).unwrap();
    let ran = s.script(&server.host("alpha"), "echo ran");
    let SshOutcome::Failed(f) = &ran.outcome else {
        panic!("{}", ran.ssh_log)
    };
    assert!(
        matches!(f, Failure::HostKeyChanged { host, port: Some(p), fingerprint: Some(fp) }
            if host == "127.0.0.2" && *p == server.port && fp.starts_with("SHA256:")),
        "{f:?}"
    );
    assert_eq!(ran.result.stdout, "");

    // beta is untouched, but no such user exists there.
    let nobody = Host::new("beta", Some("no-such-user"), false).unwrap();
    let ran = s.script(&nobody, "echo ran");
    assert_eq!(
        ran.outcome,
        SshOutcome::Failed(Failure::AuthFailed {
            methods: "publickey".into()
        }),
        "{}",
        ran.ssh_log
    );
    assert_eq!(ran.result.stdout, "");
}

#[test]
fn a_refused_connection_names_the_port() {
    let Some(server) = Sshd::start() else { return };
    let s = server.session("r-refused");
    // A port nothing listens on: bind one, note it, let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let host = Host::new("127.0.0.1", None, false).unwrap();
    let cfg = server.dir().join("refused.config");
    std::fs::write(&cfg, format!("Host *\n  Port {port}\n")).unwrap();
    let t = s.transport.clone().with_config(cfg);
    let opened = t.open(&host, &server.dir().join("r.log")).unwrap();
    assert_eq!(
        opened.outcome,
        SshOutcome::Failed(Failure::Refused {
            host: "127.0.0.1".into(),
            port: Some(port)
        })
    );
}

#[test]
fn a_remote_exit_even_255_is_the_commands_and_a_cut_connection_is_not() {
    let Some(server) = Sshd::start() else { return };
    let mut s = server.session("r-cut");
    let host = server.host("gamma");
    assert!(
        s.transport
            .open(&host, &server.dir().join("g.log"))
            .unwrap()
            .ready()
    );
    assert_eq!(s.script(&host, "exit 3").outcome, SshOutcome::Exited(3));
    let ran = s.script(&host, "echo bye; exit 255");
    assert_eq!(ran.outcome, SshOutcome::Exited(255), "{}", ran.ssh_log);
    assert_eq!(ran.result.stdout, "bye\n");

    let t = Instant::now();
    let (_running, log) = s.start(&host, Program::Script("sleep 33.1".into()), &[], None);
    assert!(
        !server
            .wait_running("sleep 33.1", Duration::from_secs(10))
            .is_empty(),
        "the remote command never started"
    );
    server.cut_connections();
    let ran = s.finish(&log, t);
    assert_eq!(ran.result.exit, Some(255));
    let SshOutcome::Failed(f) = &ran.outcome else {
        panic!("{}", ran.ssh_log)
    };
    assert_eq!(f, &Failure::ConnectionLost, "{}", ran.ssh_log);
    assert!(f.may_have_run());
    // The session's end reached the prelude: the command is gone on the server.
    let left = server.wait_gone("sleep 33.1", Duration::from_secs(8));
    assert!(left.is_empty(), "still running on the server: {left:?}");
}

#[test]
fn a_dead_master_leaves_no_trap_and_close_cleans_up() {
    let Some(server) = Sshd::start() else { return };
    let mut s = server.session("r-stale");
    let host = server.host("alpha");
    assert!(
        s.transport
            .open(&host, &server.dir().join("a.log"))
            .unwrap()
            .ready()
    );
    let socket = s.transport.control().socket(&host);
    let master = master_pid(&socket).expect("a master after open");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(master),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert!(socket.exists(), "the dead master's socket stays behind");
    // The next command is not fooled by it.
    let ran = s.script(&host, "echo fine");
    assert_eq!(ran.outcome, SshOutcome::Exited(0), "{}", ran.ssh_log);
    assert_eq!(ran.result.stdout, "fine\n");
    // A stale socket (a crash) is swept on resume, and a live master is closed.
    assert!(
        s.transport
            .open(&host, &server.dir().join("a2.log"))
            .unwrap()
            .ready()
    );
    let live = master_pid(&socket).expect("a new master");
    s.transport.close_all();
    assert!(!socket.exists());
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::path::Path::new(&format!("/proc/{live}")).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !std::path::Path::new(&format!("/proc/{live}")).exists(),
        "master {live} still running after close"
    );
    // Closing again, or a host never opened, is not an error.
    s.transport.close(&host);
    s.transport.close(&server.host("beta"));
}

/// The pid of the master behind a control socket (`ssh -O check` says it).
fn master_pid(socket: &std::path::Path) -> Option<i32> {
    let out = Command::new("ssh")
        .args(["-F", "/dev/null", "-o"])
        .arg(format!("ControlPath={}", socket.display()))
        .args(["-O", "check", "x"])
        .output()
        .ok()?;
    let err = String::from_utf8_lossy(&out.stderr);
    err.split("pid=").nth(1)?.split(')').next()?.parse().ok()
}
