//! A real OpenSSH server for tests: the distribution's `sshd` (package `openssh-server`),
//! started by the test as its own child on a free port of 127.0.0.1–127.0.0.5, with a
//! throwaway host key, user key and `authorized_keys` in a temp dir, and killed (with every
//! session it started) on drop.
//!
//! The client side lives in the same temp dir: `home/.ssh/config` names the host aliases
//! `alpha`, `beta`, `gamma` (127.0.0.2–4, all loopback: Linux routes 127/8 to `lo`) with
//! their keys in `home/.ssh/known_hosts`, and `stranger` (127.0.0.5), whose key is not
//! there. OpenSSH finds `~` in the password database, not in `$HOME`, so the client is
//! pointed at that file with `ssh -F` (`Transport::with_config`) rather than a temp HOME.
//!
//! Needs root (sshd's privilege separation, and the login is root's on loopback) and
//! `/usr/sbin/sshd`: outside CI their absence is a visible skip, in CI a failure.
#![allow(dead_code)]

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use shisa::engine::{CommandResult, Program, Spawn};
use shisa::exec::procs;
use shisa::exec::runner::{Runner, RunnerRx, Running};
use shisa::journal::record::Purpose;
use shisa::remote::{ControlDir, Host, SshOutcome, Transport, classify};

use crate::common::needs;

const SSHD: &str = "/usr/sbin/sshd";
/// The aliases whose keys are known, and the address each reaches.
pub const ALIASES: [(&str, &str); 3] = [
    ("alpha", "127.0.0.2"),
    ("beta", "127.0.0.3"),
    ("gamma", "127.0.0.4"),
];
/// An alias whose host key is not in known_hosts.
pub const STRANGER: (&str, &str) = ("stranger", "127.0.0.5");

pub struct Sshd {
    dir: tempfile::TempDir,
    child: Child,
    pub port: u16,
}

impl Sshd {
    /// A running server, or `None` when the machine cannot run one (skip outside CI).
    pub fn start() -> Option<Sshd> {
        let install = "apt-get install openssh-server openssh-client (.ci/run does), and run the tests as root";
        if !nix::unistd::getuid().is_root() {
            needs::missing("root (sshd on loopback, logging in as root)", install);
            return None;
        }
        if !Path::new(SSHD).is_file() {
            needs::missing("sshd (/usr/sbin/sshd)", install);
            return None;
        }
        needs::tool(&["ssh"], install)?;
        needs::tool(&["ssh-keygen"], install)?;
        // Privilege separation needs this directory; the package creates it at boot only.
        std::fs::create_dir_all("/run/sshd").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("home/.ssh")).unwrap();
        keygen(&d.join("host_ed25519"));
        keygen(&d.join("home/.ssh/id_ed25519"));
        std::fs::copy(
            d.join("home/.ssh/id_ed25519.pub"),
            d.join("authorized_keys"),
        )
        .unwrap();
        // A free port can be taken between looking and binding: try a few.
        for _ in 0..5 {
            let port = free_port();
            write_config(d, port);
            let log = std::fs::File::create(d.join("sshd.log")).unwrap();
            let child = Command::new(SSHD)
                .args(["-D", "-e", "-f"])
                .arg(d.join("sshd_config"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap();
            let mut child = child;
            if listening(&mut child, port) {
                return Some(Sshd { dir, child, port });
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!(
            "sshd did not start: {}",
            std::fs::read_to_string(d.join("sshd.log")).unwrap_or_default()
        );
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The client configuration naming the aliases.
    pub fn config(&self) -> PathBuf {
        self.dir().join("home/.ssh/config")
    }

    pub fn known_hosts(&self) -> PathBuf {
        self.dir().join("home/.ssh/known_hosts")
    }

    /// A transport as a run would have it, with its control sockets under this server's
    /// temp dir (a short path: the socket name limit).
    pub fn transport(&self, run_id: &str) -> Transport {
        let base = self.dir().join("s");
        std::fs::create_dir_all(&base).unwrap();
        let control = ControlDir::create(&base, run_id).unwrap();
        Transport::new(control).with_config(self.config())
    }

    pub fn host(&self, alias: &str) -> Host {
        Host::new(alias, None, false).unwrap()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir().join("sshd.log")).unwrap_or_default()
    }

    /// Every process the server started (its sessions and what they run), by pid.
    pub fn descendants(&self) -> Vec<procs::Stat> {
        let all = procs::all();
        let mut found = vec![self.child.id() as i32];
        let mut out = Vec::new();
        let mut i = 0;
        while i < found.len() {
            let parent = found[i];
            for s in all.iter().filter(|s| s.ppid == parent && !s.is_gone()) {
                found.push(s.pid);
                out.push(s.clone());
            }
            i += 1;
        }
        out
    }

    /// Processes whose command line is exactly `cmdline`, anywhere on the machine: what a
    /// session started is reparented when the session ends, so it is looked for by its
    /// (unique) command line, not by ancestry.
    pub fn running(&self, cmdline: &str) -> Vec<i32> {
        procs::all()
            .into_iter()
            .filter(|s| !s.is_gone())
            .filter(|s| {
                std::fs::read(format!("/proc/{}/cmdline", s.pid))
                    .is_ok_and(|c| String::from_utf8_lossy(&c).replace('\0', " ").trim() == cmdline)
            })
            .map(|s| s.pid)
            .collect()
    }

    /// Waits up to `within` for a server-side process with that command line to appear.
    pub fn wait_running(&self, cmdline: &str, within: Duration) -> Vec<i32> {
        let deadline = Instant::now() + within;
        loop {
            let p = self.running(cmdline);
            if !p.is_empty() || Instant::now() > deadline {
                return p;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits up to `within` for every server-side process with that command line to go.
    pub fn wait_gone(&self, cmdline: &str, within: Duration) -> Vec<i32> {
        let deadline = Instant::now() + within;
        loop {
            let p = self.running(cmdline);
            if p.is_empty() || Instant::now() > deadline {
                return p;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Cuts every connection: kills the per-connection server processes (the listener's
    /// children), as a crashed or rebooted host or a dropped network would.
    pub fn cut_connections(&self) {
        let me = self.child.id() as i32;
        for s in procs::all().iter().filter(|s| s.ppid == me) {
            kill(s.pid);
        }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        // Sessions call setsid, so no process group holds them all: kill by pid, the
        // listener first so no new session starts.
        let left = self.descendants();
        let _ = self.child.kill();
        let _ = self.child.wait();
        for s in left {
            kill(s.pid);
        }
    }
}

fn kill(pid: i32) {
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    );
}

/// Waits until every address answers, or sshd has exited.
fn listening(child: &mut Child, port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if child.try_wait().ok().flatten().is_some() {
            return false;
        }
        if ALIASES
            .iter()
            .chain([&STRANGER])
            .all(|(_, a)| TcpStream::connect((*a, port)).is_ok())
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn keygen(path: &Path) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "shisa-test", "-f"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn write_config(d: &Path, port: u16) {
    let listen: String = ALIASES
        .iter()
        .chain([&STRANGER])
        .map(|(_, a)| format!("ListenAddress {a}:{port}\n"))
        .collect();
    let sshd = format!(
        "{listen}HostKey {d}/host_ed25519
AuthorizedKeysFile {d}/authorized_keys
PidFile none
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
MaxSessions 64
LogLevel VERBOSE
",
        d = d.display()
    );
    std::fs::write(d.join("sshd_config"), sshd).unwrap();
    let mut client = String::new();
    let mut known = String::new();
    let mut key = String::new();
    std::fs::File::open(d.join("host_ed25519.pub"))
        .unwrap()
        .read_to_string(&mut key)
        .unwrap();
    let key: Vec<&str> = key.split_whitespace().take(2).collect();
    for (alias, addr) in ALIASES.iter().chain([&STRANGER]) {
        client += &format!("Host {alias}\n  HostName {addr}\n");
        if (*alias, *addr) != STRANGER {
            known += &format!("[{addr}]:{port} {}\n", key.join(" "));
        }
    }
    client += &format!(
        "Host *
  Port {port}
  User root
  IdentityFile {d}/home/.ssh/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile {d}/home/.ssh/known_hosts
  GlobalKnownHostsFile /dev/null
",
        d = d.display()
    );
    std::fs::write(d.join("home/.ssh/config"), client).unwrap();
    std::fs::write(d.join("home/.ssh/known_hosts"), known).unwrap();
}

/// One run's worth of remote commands through the real runner, as the driver will spawn
/// them: `Transport::remote_spawn`, then `Runner::start_fed`, then `classify`.
pub struct Session {
    pub transport: Transport,
    run_dir: tempfile::TempDir,
    runner: Runner,
    rx: RunnerRx,
    count: u32,
}

/// What a remote command came to.
pub struct Ran {
    pub result: CommandResult,
    pub outcome: SshOutcome,
    pub ssh_log: String,
    pub took: Duration,
}

impl Sshd {
    pub fn session(&self, run_id: &str) -> Session {
        let run_dir = tempfile::tempdir().unwrap();
        let (runner, rx) = Runner::new(run_dir.path().to_path_buf(), Vec::new(), Vec::new());
        Session {
            transport: self.transport(run_id),
            run_dir,
            runner,
            rx,
            count: 0,
        }
    }
}

impl Session {
    /// Starts `program` on `host`; returns the handle and the path of ssh's own log.
    pub fn start(
        &mut self,
        host: &Host,
        program: Program,
        env: &[(String, String)],
        timeout: Option<Duration>,
    ) -> (Running, PathBuf) {
        self.count += 1;
        let n = self.count;
        // The engine's spawn, as it would ask for a local command …
        let spawn = Spawn {
            step: 0,
            step_id: format!("c{n}"),
            purpose: Purpose::Main,
            attempt: 1,
            program,
            env: env.to_vec(),
            timeout,
            log: format!("output/c{n}.log"),
            redact: Vec::new(),
            withhold_stdout: Vec::new(),
        };
        // … made remote, and started by the real runner.
        let remote = self
            .transport
            .remote_spawn(
                host,
                &spawn,
                self.run_dir.path().join(format!("output/c{n}.ssh.log")),
            )
            .unwrap();
        let running = self
            .runner
            .start_fed(&remote.spawn, remote.stdin)
            .unwrap()
            .unwrap();
        (running, remote.ssh_log)
    }

    /// Waits for the command started last and judges it.
    pub fn finish(&mut self, ssh_log: &Path, started: Instant) -> Ran {
        let result = self.rx.done.blocking_recv().unwrap();
        let log = std::fs::read_to_string(ssh_log).unwrap_or_default();
        Ran {
            outcome: classify(result.exit, &log),
            result,
            ssh_log: log,
            took: started.elapsed(),
        }
    }

    pub fn run(&mut self, host: &Host, program: Program, env: &[(String, String)]) -> Ran {
        let t = Instant::now();
        let (_running, log) = self.start(host, program, env, None);
        self.finish(&log, t)
    }

    pub fn script(&mut self, host: &Host, script: &str) -> Ran {
        self.run(host, Program::Script(script.into()), &[])
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.transport.close_all();
    }
}
