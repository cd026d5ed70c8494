//! A small builder for end-to-end tests: run the real `shisa` binary headless in a scratch
//! journal directory, feed stdin, and read back what a user would look at.
#![allow(dead_code)]

pub mod blind;
pub mod needs;
pub mod real;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_shisa")
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn runbook(name: &str) -> PathBuf {
    root().join("runbooks").join(name)
}

/// The environment a test runs `runbook` in when it does not say: a runbook that names
/// `environments:` (the four incident runbooks do) refuses to run without `--env`, and its
/// rehearsal environment, `staging`, needs no evidence of its own.
pub fn default_env(runbook: &Path) -> Option<&'static str> {
    let text = std::fs::read_to_string(runbook).ok()?;
    text.lines()
        .any(|l| l.starts_with("environments:"))
        .then_some("staging")
}

/// A scratch place for journals and runbooks written by the test.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn journals(&self) -> PathBuf {
        self.path().join("runs")
    }

    /// The newest run directory, if a run made one (run ids begin with their UTC start, so
    /// the greatest name is the latest run).
    /// Two runs begun in the same second share their name's time, and the random tail after
    /// it does not sort by start: the directory made last is the one born last.
    pub fn newest_run_dir(&self) -> Option<PathBuf> {
        let born = |p: &PathBuf| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            let stamp = name.and_then(|n| n.split_once('-').map(|(t, _)| t.to_string()));
            let meta = std::fs::metadata(p).ok();
            let at = meta.and_then(|m| m.created().or_else(|_| m.modified()).ok());
            (stamp, at)
        };
        std::fs::read_dir(self.journals())
            .ok()?
            .flatten()
            .map(|e| e.path())
            .max_by_key(born)
    }

    /// The run directory of a scratch whose run must have made one.
    pub fn run_dir(&self) -> PathBuf {
        self.newest_run_dir()
            .unwrap_or_else(|| panic!("no run directory in {}", self.journals().display()))
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn shisa(&self) -> Command {
        let mut c = Command::new(bin());
        c.env("SHISA_JOURNAL_DIR", self.journals())
            .env("NO_COLOR", "1")
            .env_remove("SHISA_FAKE_NOW")
            .current_dir(root());
        c
    }

    /// `shisa run RUNBOOK --headless -p …` with `stdin` as the operator's answers.
    pub fn run(&self, runbook: &Path, params: &[&str], stdin: &str) -> Run {
        self.run_with(runbook, params, stdin, |_| {})
    }

    pub fn run_with(
        &self,
        runbook: &Path,
        params: &[&str],
        stdin: &str,
        extra: impl FnOnce(&mut Command),
    ) -> Run {
        let mut c = self.shisa();
        c.arg("run").arg(runbook).arg("--headless");
        if let Some(env) = default_env(runbook) {
            c.arg("--env").arg(env);
        }
        for p in params {
            c.arg("-p").arg(p);
        }
        extra(&mut c);
        Run::from(feed(c, stdin))
    }

    pub fn resume(&self, run_dir: &Path, stdin: &str) -> Run {
        let mut c = self.shisa();
        c.arg("resume").arg(run_dir).arg("--headless");
        Run::from(feed(c, stdin))
    }

    pub fn verify(&self, run_dir: &Path) -> Output {
        self.shisa().arg("verify").arg(run_dir).output().unwrap()
    }
}

pub fn feed(mut c: Command, stdin: &str) -> Output {
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A run refused at its start (exit 2 or 4) may be gone before its answers are written:
    // a closed pipe then is no error of the test's.
    let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

/// What a finished `shisa run` left behind.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub run_dir: Option<PathBuf>,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
        let run_dir = stdout.lines().find_map(|l| {
            l.split_once("run directory ")
                .map(|(_, p)| PathBuf::from(p.trim()))
        });
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout,
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            run_dir,
        }
    }
}

impl Run {
    pub fn dir(&self) -> &Path {
        self.run_dir
            .as_deref()
            .unwrap_or_else(|| panic!("no run directory in:\n{}\n{}", self.stdout, self.stderr))
    }

    pub fn journal(&self) -> Vec<Value> {
        journal(self.dir())
    }

    pub fn kinds(&self) -> Vec<String> {
        self.journal()
            .iter()
            .map(|r| r["kind"].as_str().unwrap_or("").to_string())
            .collect()
    }

    /// Records of one kind, optionally for one step.
    pub fn records(&self, kind: &str, step: Option<&str>) -> Vec<Value> {
        self.journal()
            .into_iter()
            .filter(|r| r["kind"] == kind && step.is_none_or(|s| r["step"] == s))
            .collect()
    }

    pub fn outcome(&self) -> String {
        self.records("run_finished", None)
            .last()
            .map(|r| r["data"]["outcome"].as_str().unwrap_or("").to_string())
            .unwrap_or_default()
    }

    /// Which commands ran, as `step:purpose`.
    pub fn commands(&self) -> Vec<String> {
        self.records("command_started", None)
            .iter()
            .map(|r| {
                format!(
                    "{}:{}",
                    r["step"].as_str().unwrap_or(""),
                    r["data"]["purpose"].as_str().unwrap_or("")
                )
            })
            .collect()
    }

    pub fn explain(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn journal(run_dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(run_dir.join("journal.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Waits until no process drives the run any more: the shisa that held the run directory's
/// lock (`.lock`, an exclusive `flock`) has let go of it, as it does only when it exits. A
/// journal record says what a run decided, not that its process is gone; a second shisa
/// started before then is refused as "locked".
#[allow(dead_code)]
pub fn wait_released(run_dir: &Path, secs: u64) {
    use nix::fcntl::{Flock, FlockArg};
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let file = std::fs::File::open(run_dir.join(".lock")).expect("the run's lock file");
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(held) => return drop(held),
            Err(_) => assert!(
                std::time::Instant::now() < deadline,
                "{} is still locked after {secs} s",
                run_dir.display()
            ),
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A run in progress: its stdin stays open for answers, its stdout is collected as it comes.
pub struct Live {
    pub child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Live {
    pub fn start(mut c: Command) -> Live {
        use std::io::BufRead;
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let out = child.stdout.take().unwrap();
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Live {
            child,
            stdin,
            lines,
        }
    }

    pub fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    pub fn output(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// Waits until a line contains `text`; panics with the output so far after `secs`.
    pub fn wait_for(&self, text: &str, secs: u64) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            if let Some(l) = self.lines.lock().unwrap().iter().find(|l| l.contains(text)) {
                return l.clone();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {text:?}; output:\n{}",
                self.output()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    pub fn finish(mut self) -> Run {
        self.stdin = None;
        let status = self.child.wait().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        let stdout = self.output();
        let run_dir = stdout.lines().find_map(|l| {
            l.split_once("run directory ")
                .map(|(_, p)| PathBuf::from(p.trim()))
        });
        Run {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr: String::new(),
            run_dir,
        }
    }
}

/// Tests here need root (to act as `nobody`); elsewhere they are reported as skipped
/// (and fail in CI).
pub fn is_root() -> bool {
    needs::root()
}

/// A scratch place with a sticky, world-writable socket directory, like /tmp.
pub struct Shared {
    pub s: Scratch,
    pub sockets: PathBuf,
}

impl Shared {
    pub fn new() -> Shared {
        let s = Scratch::new();
        let sockets = s.path().join("sock");
        // Like /tmp: sticky and world-writable, so `nobody` can reach the socket.
        std::fs::create_dir(&sockets).unwrap();
        std::fs::set_permissions(
            &sockets,
            std::os::unix::fs::PermissionsExt::from_mode(0o1777),
        )
        .unwrap();
        std::fs::set_permissions(
            s.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        Shared { s, sockets }
    }

    pub fn operator(&self, rb: &Path, params: &[&str]) -> Live {
        let mut c = self.s.shisa();
        c.env("SHISA_SOCKET_DIR", &self.sockets)
            .arg("run")
            .arg(rb)
            .arg("--headless")
            .arg("--share-with")
            .arg("nogroup");
        if let Some(env) = default_env(rb) {
            c.arg("--env").arg(env);
        }
        for p in params {
            c.arg("-p").arg(p);
        }
        Live::start(c)
    }

    /// `shisa ARGS…` as the user `nobody`.
    pub fn as_nobody(&self, args: &[&str]) -> Command {
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--", "env", "NO_COLOR=1"])
            .arg(format!("SHISA_SOCKET_DIR={}", self.sockets.display()))
            .arg(bin())
            .args(args);
        c
    }

    pub fn as_operator(&self, args: &[&str]) -> Command {
        let mut c = self.s.shisa();
        c.env("SHISA_SOCKET_DIR", &self.sockets).args(args);
        c
    }

    pub fn run_id(&self) -> String {
        let entry = std::fs::read_dir(&self.sockets)
            .unwrap()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().ends_with(".sock"));
        entry
            .unwrap()
            .file_name()
            .to_string_lossy()
            .trim_end_matches(".sock")
            .to_string()
    }
}

/// The primary group of the user running the tests, for `--share-with`.
pub fn my_group() -> String {
    let gid = nix::unistd::getgid();
    nix::unistd::Group::from_gid(gid)
        .ok()
        .flatten()
        .map(|g| g.name)
        .unwrap_or_else(|| gid.to_string())
}
