//! `hosts:` and `on:` end to end: the real binary, headless, against a real sshd
//! (`tests/common/sshd.rs`). The remote side writes which address served each command
//! (`$SSH_CONNECTION`'s third field: each alias is its own loopback address), so a step
//! run on the wrong host cannot pass.

mod common;
#[path = "common/sshd.rs"]
mod sshd;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{Live, Run, Scratch};
use sshd::Sshd;

/// The server address the command's session came in on.
const SERVER: &str = r#"server=$(set -- $SSH_CONNECTION; echo "$3")"#;

fn loop_runbook() -> String {
    format!(
        r#"version: 1
name: Remote loop
params:
  nodes: {{ list: true, pattern: '^(alpha|beta|gamma)$' }}
  ledger: {{ pattern: '^/[A-Za-z0-9/._-]+$' }}
  msg: {{ description: anything at all }}
hosts:
  node: {{ ssh: '{{{{ node }}}}' }}
steps:
  - id: roll
    for_each: {{ var: node, in: nodes }}
    steps:
      - id: push
        kind: action
        on: node
        target:
          describe: '{SERVER}; echo "$server"'
          must_match: '^127\.0\.0\.[2-4]$'
        run: |
          {SERVER}
          printf '%s %s %s\n' "$SHISA_STEP" "$node" "$server" >> "$ledger"
          printf '%s' "$msg" > "$ledger.$node"
        verify:
          - run: '{SERVER}; grep -qxF "$SHISA_STEP $node $server" "$ledger"'
        rollback:
          - run: rm -f "$ledger.$node"
        waive: {{ snapshot: the test's ledger is scratch }}
"#
    )
}

/// `shisa` with the server's ssh configuration and a short socket directory.
fn with_server(server: &Sshd) -> impl Fn(&mut Command) + '_ {
    move |c: &mut Command| {
        let sockets = server.dir().join("s");
        std::fs::create_dir_all(&sockets).unwrap();
        c.env("SHISA_SSH_CONFIG", server.config())
            .env("SHISA_SOCKET_DIR", sockets);
    }
}

fn ledger(s: &Scratch) -> PathBuf {
    s.path().join("ledger")
}

fn ssh_failures(run: &Run) -> Vec<String> {
    run.records("command_finished", None)
        .iter()
        .filter_map(|r| r["data"]["ssh_failure"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_loop_over_three_hosts_runs_each_step_on_its_host() {
    let Some(server) = Sshd::start() else { return };
    let s = Scratch::new();
    let rb = s.write("loop.yaml", &loop_runbook());
    let hostile = "it's \"quoted\" $(touch /tmp/shisa-pwned) `id` ; rm -rf / --x ünï ✓ \\";
    let _ = std::fs::remove_file("/tmp/shisa-pwned");
    let ledger = ledger(&s);
    let run = s.run_with(
        &rb,
        &[
            "nodes=alpha,beta,gamma",
            &format!("ledger={}", ledger.display()),
            &format!("msg={hostile}"),
        ],
        "127.0.0.2\n127.0.0.3\n127.0.0.4\n",
        with_server(&server),
    );
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(run.outcome(), "completed");
    // Each pass ran on its own host: the server side says which address served it.
    let served = std::fs::read_to_string(&ledger).unwrap();
    assert_eq!(
        served,
        "roll[alpha]/push alpha 127.0.0.2\nroll[beta]/push beta 127.0.0.3\n\
         roll[gamma]/push gamma 127.0.0.4\n"
    );
    // The hostile value arrived byte for byte and did nothing.
    for node in ["alpha", "beta", "gamma"] {
        let got = std::fs::read(format!("{}.{node}", ledger.display())).unwrap();
        assert_eq!(got, hostile.as_bytes(), "{node}");
    }
    assert!(!Path::new("/tmp/shisa-pwned").exists());
    // Journaled with the host, and every command (describe, run, verify) ran there.
    let started = run.records("command_started", None);
    assert_eq!(started.len(), 9, "{}", run.explain());
    for r in &started {
        let step = r["step"].as_str().unwrap();
        let node = &step[5..step.find(']').unwrap()];
        assert_eq!(r["data"]["host"], node, "{r}");
        // Output logs per host.
        let log = r["data"]["log"].as_str().unwrap();
        assert!(log.starts_with(&format!("output/host-{node}/")), "{log}");
        assert!(run.dir().join(log).is_file(), "{log}");
    }
    assert!(ssh_failures(&run).is_empty());
    // Every master was closed at the end.
    let left: Vec<_> = std::fs::read_dir(server.dir().join("s"))
        .unwrap()
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "sockets left: {left:?}");
}

#[test]
fn an_unknown_host_key_refuses_before_anything_runs() {
    let Some(server) = Sshd::start() else { return };
    let s = Scratch::new();
    let ledger = ledger(&s);
    let rb = s.write(
        "stranger.yaml",
        r#"version: 1
name: Stranger
params:
  ledger: { pattern: '^/[A-Za-z0-9/._-]+$' }
hosts:
  db: { ssh: stranger }
steps:
  - id: look
    kind: precheck
    on: db
    run: echo looked >> "$ledger"
  - id: local
    kind: precheck
    run: echo local >> "$ledger"
"#,
    );
    let run = s.run_with(
        &rb,
        &[&format!("ledger={}", ledger.display())],
        "abort\n",
        with_server(&server),
    );
    assert_ne!(run.code, 0, "{}", run.explain());
    assert!(!ledger.exists(), "something ran:\n{}", run.explain());
    assert_eq!(ssh_failures(&run), ["host_key_unknown"]);
    // Said on screen with the fix.
    assert!(
        run.stdout.contains("does not know the host key of"),
        "{}",
        run.explain()
    );
    assert!(run.stdout.contains("ssh-keyscan"), "{}", run.explain());
    assert_eq!(run.commands(), ["look:main"]);
}

fn slow_runbook(command: &str) -> String {
    format!(
        r#"version: 1
name: Slow remote step
params:
  ledger: {{ pattern: '^/[A-Za-z0-9/._-]+$' }}
hosts:
  h: {{ ssh: alpha }}
steps:
  - id: slow
    kind: action
    on: h
    run: '{command}'
    waive: {{ snapshot: test, target: test, verify: test, rollback: test }}
"#
    )
}

fn start(s: &Scratch, server: &Sshd, rb: &Path) -> Live {
    let mut c = s.shisa();
    c.arg("run").arg(rb).arg("--headless");
    c.arg("-p").arg(format!("ledger={}", ledger(s).display()));
    with_server(server)(&mut c);
    Live::start(c)
}

fn wait_file(path: &Path) {
    for _ in 0..200 {
        if path.exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} never appeared", path.display());
}

#[test]
fn a_cut_connection_leaves_the_step_in_doubt_and_resume_asks() {
    let Some(server) = Sshd::start() else { return };
    let s = Scratch::new();
    // The first time it hangs (and is cut off); run again, it finishes.
    let rb = s.write(
        "cut.yaml",
        &slow_runbook(
            r#"if [ -e "$ledger" ]; then echo again; else touch "$ledger"; sleep 33.71; fi"#,
        ),
    );
    let live = start(&s, &server, &rb);
    wait_file(&ledger(&s));
    assert!(
        !server
            .wait_running("sleep 33.71", Duration::from_secs(10))
            .is_empty()
    );
    server.cut_connections();
    let run = live.finish();
    assert_ne!(run.code, 0, "{}", run.explain());
    assert_eq!(ssh_failures(&run), ["connection_lost"], "{}", run.explain());
    assert_eq!(run.records("run_interrupted", None).len(), 1);
    assert!(
        run.stdout
            .contains("whether the command finished is unknown"),
        "{}",
        run.explain()
    );
    // Resume asks about the step in doubt; rerun it.
    let mut c = s.shisa();
    c.arg("resume").arg(run.dir()).arg("--headless");
    with_server(&server)(&mut c);
    let resumed = Run::from(common::feed(c, "rerun\n"));
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
    let resumes = resumed.records("run_resumed", None);
    assert_eq!(
        resumes.last().unwrap()["data"]["in_doubt"],
        "slow",
        "{}",
        resumed.explain()
    );
    assert_eq!(resumed.outcome(), "completed");
}

#[test]
fn ctrl_c_stops_the_remote_command() {
    let Some(server) = Sshd::start() else { return };
    let s = Scratch::new();
    let rb = s.write(
        "stop.yaml",
        &slow_runbook(r#"touch "$ledger"; sleep 33.72"#),
    );
    let mut live = start(&s, &server, &rb);
    wait_file(&ledger(&s));
    assert!(
        !server
            .wait_running("sleep 33.72", Duration::from_secs(10))
            .is_empty()
    );
    for _ in 0..2 {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(live.child.id() as i32),
            nix::sys::signal::Signal::SIGINT,
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(200));
    }
    live.close_stdin();
    let run = live.finish();
    assert_ne!(run.code, 0, "{}", run.explain());
    // Gone on the server, within the prelude's grace.
    assert!(
        server
            .wait_gone("sleep 33.72", Duration::from_secs(10))
            .is_empty(),
        "the remote command survived Ctrl-C"
    );
}

#[test]
fn the_rolling_config_push_runbook_runs_on_three_hosts() {
    let Some(server) = Sshd::start() else { return };
    let s = Scratch::new();
    let conf = s.path().join("etc-app");
    let name = nix::unistd::gethostname().unwrap();
    let name = name.to_string_lossy();
    let run = s.run_with(
        &common::runbook("rolling-config-push.yaml"),
        &[
            "nodes=alpha,beta,gamma",
            "version=2.5.0",
            &format!("conf_root={}", conf.display()),
        ],
        &format!("{name}\n{name}\n{name}\n"),
        with_server(&server),
    );
    println!("{}", run.stdout);
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(run.outcome(), "completed");
    // One typed target per host.
    assert_eq!(run.records("target_confirmed", None).len(), 3);
    let hosts: Vec<String> = run
        .records("command_started", None)
        .iter()
        .map(|r| r["data"]["host"].as_str().unwrap_or("local").to_string())
        .collect();
    let each = ["alpha", "beta", "gamma"].map(|h| hosts.iter().filter(|x| *x == h).count());
    assert_eq!(each, [5, 5, 5], "{hosts:?}");
    // The three aliases share this machine's disk: the last pass's config is in place.
    assert_eq!(
        std::fs::read_to_string(conf.join("app.conf")).unwrap(),
        "version = 2.5.0\nnode = gamma\n"
    );
}

/// The processes whose command line names `needle` (the test's own ssh configuration).
fn processes_naming(needle: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            String::from_utf8_lossy(&cmdline)
                .contains(needle)
                .then_some(pid)
        })
        .collect()
}

/// A host that takes connections (the kernel does, into the backlog) and never says a
/// word: ssh waits for the server's greeting up to its connect timeout (15 s). Returns the
/// listener (keep it), and `shisa run --headless` of a one-step runbook on that host, the
/// step's extra keys in `extra`, with its ssh configuration.
fn silent_host(s: &Scratch, extra: &str) -> (std::net::TcpListener, PathBuf, Command) {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let config = s.write(
        "ssh_config",
        &format!("Host silent\n  HostName 127.0.0.1\n  Port {port}\n  User nobody\n"),
    );
    let sockets = s.path().join("s");
    std::fs::create_dir_all(&sockets).unwrap();
    let rb = s.write(
        "silent.yaml",
        &format!(
            "version: 1\nname: Silent host\nhosts:\n  h: {{ ssh: silent }}\nsteps:\n  \
             - id: look\n    kind: precheck\n    on: h\n    run: hostname\n{extra}"
        ),
    );
    let mut c = s.shisa();
    c.arg("run").arg(&rb).arg("--headless");
    c.env("SHISA_SSH_CONFIG", &config)
        .env("SHISA_SOCKET_DIR", &sockets);
    (silent, config, c)
}

#[test]
fn a_host_that_never_answers_does_not_hold_the_run_and_ctrl_c_stops_the_connecting() {
    let Some(_) = common::needs::tool(&["ssh"], "apt-get install openssh-client (.ci/run does)")
    else {
        return;
    };
    let s = Scratch::new();
    let (silent, config, mut c) = silent_host(&s, "");
    // A group of its own, as a shell gives a job: Ctrl-C at a terminal reaches the group.
    std::os::unix::process::CommandExt::process_group(&mut c, 0);
    let mut live = Live::start(c);
    live.wait_for("is running", 10);
    // The connection is being opened: ssh is waiting for the greeting.
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !processes_naming(&config.display().to_string()).is_empty(),
        "no ssh is opening the host"
    );
    let pid = nix::unistd::Pid::from_raw(live.child.id() as i32);
    let asked = std::time::Instant::now();
    // To the whole group, as the terminal sends it: the ssh opening the host must not get
    // it (it is in a group of its own), or it would die behind shisa's back.
    nix::sys::signal::killpg(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    // The loop answers at once, not after ssh gives up.
    live.wait_for("Ctrl-C: stop the running command", 1);
    live.send("stop");
    live.wait_for("stopped while connecting to silent; nothing ran there", 2);
    let stopped_in = asked.elapsed();
    live.close_stdin();
    let run = live.finish();
    assert!(
        stopped_in < Duration::from_secs(3),
        "the stop took {stopped_in:?}\n{}",
        run.explain()
    );
    // Journaled: the stop, then the command's end, with nothing run on the host.
    let kinds: Vec<String> = run
        .records("stop_requested", Some("look"))
        .iter()
        .chain(&run.records("command_finished", Some("look")))
        .map(|r| r["kind"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        kinds,
        ["stop_requested", "command_finished"],
        "{}",
        run.explain()
    );
    assert_eq!(
        ssh_failures(&run),
        ["stopped_connecting"],
        "{}",
        run.explain()
    );
    assert!(
        processes_naming(&config.display().to_string()).is_empty(),
        "the connecting ssh was left behind"
    );
    drop(silent);
}

#[test]
fn a_steps_timeout_covers_opening_its_host() {
    let Some(_) = common::needs::tool(&["ssh"], "apt-get install openssh-client (.ci/run does)")
    else {
        return;
    };
    let s = Scratch::new();
    let (silent, _, c) = silent_host(&s, "    timeout: 2s\n");
    let began = std::time::Instant::now();
    let run = Run::from(common::feed(c, "abort\n"));
    let took = began.elapsed();
    // Well before ssh's own 15 s: the step's 2 s counted from its start.
    assert!(
        took < Duration::from_secs(8),
        "took {took:?}\n{}",
        run.explain()
    );
    assert_eq!(ssh_failures(&run), ["timed_out"], "{}", run.explain());
    assert!(
        run.stdout
            .contains("silent did not answer within the command's timeout"),
        "{}",
        run.explain()
    );
    drop(silent);
}

/// A run whose host refused the connection, exported in Japanese: the ssh failure is said
/// in Japanese from its journaled kind (the journal keeps the engine's English beside it).
#[test]
fn a_japanese_export_says_the_hosts_refusal_in_japanese() {
    let Some(_) = common::needs::tool(&["ssh"], "apt-get install openssh-client (.ci/run does)")
    else {
        return;
    };
    let s = Scratch::new();
    let (_silent, config, c) = silent_host(&s, "");
    // Pointed instead at a port nobody listens on any more: refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        &config,
        format!("Host silent\n  HostName 127.0.0.1\n  Port {port}\n  User nobody\n"),
    )
    .unwrap();
    let run = Run::from(common::feed(c, "abort the host is down\n"));
    assert_ne!(run.code, 0, "{}", run.explain());
    let finished = run.records("command_finished", Some("look"));
    assert_eq!(
        finished[0]["data"]["ssh_failure"],
        "connection_refused",
        "{}",
        run.explain()
    );
    let out = s
        .shisa()
        .args(["export", "--lang", "ja"])
        .arg(run.dir())
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{md}");
    assert!(
        md.contains("ホストが ssh の接続を拒否した（connection refused）")
            && md.contains("ホスト上では何も実行されていない"),
        "{md}"
    );
}
