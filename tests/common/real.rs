//! Fixtures for the tests against real systems (`tests/real_*.rs`): a server the test starts
//! on loopback and is sure to stop (its whole process group, checked gone), and an operator
//! who reads a headless run's questions one at a time and answers each as it comes.

use std::io::{BufRead, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use super::Run;

/// A free TCP port on 127.0.0.1 (bound, read, released: another process could take it in
/// between, which the server's own start-up then reports).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Polls `ready` every 50 ms; panics with `what` after `secs`.
pub fn wait_until(what: &str, secs: u64, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "timed out after {secs} s: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every process still in process group `pgid` (zombies included: they are not gone).
pub fn group_members(pgid: u32) -> Vec<u32> {
    let out = Command::new("pgrep")
        .arg("-g")
        .arg(pgid.to_string())
        .output()
        .expect("pgrep (procps) runs");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// A server process in a process group of its own, stopped with its children on drop.
pub struct Daemon {
    name: String,
    child: Option<Child>,
    pid: u32,
}

impl Daemon {
    /// Starts `c` as the leader of a new process group, with stdin closed; its stdout and
    /// stderr go to `log`.
    pub fn start(name: &str, mut c: Command, log: &std::path::Path) -> Daemon {
        let out = std::fs::File::create(log).unwrap();
        let err = out.try_clone().unwrap();
        let child = c
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let pid = child.id();
        Daemon {
            name: name.to_string(),
            child: Some(child),
            pid,
        }
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Whether the leader has exited (it is reaped if so).
    pub fn exited(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => c.try_wait().unwrap().is_some(),
            None => true,
        }
    }

    /// TERM to the group, KILL after 10 s, then checks that no process of the group is
    /// left: the test's promise to leave nothing running behind.
    pub fn stop(mut self) {
        self.shut();
        let left = group_members(self.pid);
        assert!(
            left.is_empty(),
            "{} left processes behind: {left:?}",
            self.name
        );
        assert!(
            !std::path::Path::new(&format!("/proc/{}", self.pid)).exists(),
            "{} (pid {}) is still there",
            self.name,
            self.pid
        );
    }

    fn shut(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let group = nix::unistd::Pid::from_raw(-(self.pid as i32));
        let _ = nix::sys::signal::kill(group, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = nix::sys::signal::kill(group, nix::sys::signal::Signal::SIGKILL);
        let _ = child.wait();
        // Children of the leader (nginx workers) leave on their own once it is gone.
        let deadline = Instant::now() + Duration::from_secs(5);
        while !group_members(self.pid).is_empty() && Instant::now() < deadline {
            let _ = nix::sys::signal::kill(group, nix::sys::signal::Signal::SIGKILL);
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.shut();
    }
}

/// A headless `shisa run` (or a wrapper around one) answered one question at a time.
pub struct Operator {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
    /// Waited for; until then a drop (a failed assertion) stops the run.
    ended: bool,
}

impl Operator {
    pub fn start(mut c: Command) -> Operator {
        let mut child = c
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let out = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Operator {
            child,
            stdin,
            lines,
            seen: Vec::new(),
            ended: false,
        }
    }

    /// The next question (a line starting `? `), or None once the run has ended.
    pub fn question(&mut self, secs: u64) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.starts_with("? ") {
                        return Some(line);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return None,
                Err(RecvTimeoutError::Timeout) => panic!(
                    "no question within {secs} s; output so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    pub fn answer(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Everything printed so far.
    pub fn output(&self) -> String {
        self.seen.join("\n")
    }

    /// Closes stdin (end of input aborts at a question), reads the rest, waits.
    pub fn finish(mut self, secs: u64) -> Run {
        self.stdin = None;
        while self.question(secs).is_some() {}
        let status = self.child.wait().unwrap();
        self.ended = true;
        let stdout = self.seen.join("\n");
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

impl Drop for Operator {
    /// A test that fails mid-run stops it: TERM to its process group (shisa stops its
    /// commands), KILL after 10 s.
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        self.stdin = None;
        let group = nix::unistd::Pid::from_raw(-(self.child.id() as i32));
        let _ = nix::sys::signal::kill(group, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = nix::sys::signal::kill(group, nix::sys::signal::Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

/// The resolved target a confirmation question asks to type back.
pub fn asked_target(question: &str) -> Option<&str> {
    let (_, rest) = question.split_once(": type the target `")?;
    rest.split_once("` to confirm").map(|(t, _)| t)
}

/// A program from the test virtualenv (`.ci/run` makes it at `target/real-venv`, or
/// `$SHISA_TEST_VENV`), else from PATH.
pub fn venv_program(name: &str) -> Option<PathBuf> {
    let venv = std::env::var_os("SHISA_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| super::root().join("target/real-venv"));
    let p = venv.join("bin").join(name);
    if p.is_file() {
        return Some(p);
    }
    super::needs::program(&[name])
}

/// How the operator in these tests answers: they type back whatever target shisa names
/// (as the incident's operators did), or name the ticket's one where the target is blind,
/// have the reviewer approve it, mark manual steps
/// done, and answer a failed precheck and a failed step as told; `None` walks away (end
/// of input, which aborts and leaves things as they are).
pub struct Answers<'a> {
    pub precheck_failed: Option<&'a str>,
    pub step_failed: Option<&'a str>,
    /// For a blind target: the one the ticket names, which the operator (and then the
    /// reviewer) names before the resolved one is shown.
    pub intended: Option<&'a str>,
}

impl Operator {
    /// Answers every question as `answers` says until the run ends; `approve` is called
    /// with the confirmed target when a second person's approval is awaited.
    pub fn go_along(mut self, answers: Answers, mut approve: impl FnMut(&str)) -> Run {
        let mut target = String::new();
        let mut last = (String::new(), 0);
        while let Some(q) = self.question(60) {
            // An answer that was not taken brings the same question back: walk away.
            last = if last.0 == q {
                (q.clone(), last.1 + 1)
            } else {
                (q.clone(), 0)
            };
            // A blind target asks again after a miss, and halts the run after three.
            if last.1 >= 2 && !q.contains("name the target you intend") {
                return self.finish(60);
            }
            let reply = if let Some(t) = asked_target(&q) {
                target = t.to_string();
                Some(target.clone())
            } else if q.contains("name the target you intend") {
                target = answers.intended.unwrap_or_default().to_string();
                answers.intended.map(str::to_string)
            } else if q.contains("waiting for another person") {
                approve(&target);
                continue;
            } else if q.contains(" rollback command failed: ") {
                None
            } else if q.contains(" precheck failed: ") {
                answers.precheck_failed.map(str::to_string)
            } else if q.contains(" failed: ") || q.contains("refused by a safety gate") {
                answers.step_failed.map(str::to_string)
            } else if q.contains("answer `done`") {
                Some("done".to_string())
            } else {
                None
            };
            match reply {
                Some(r) => self.answer(&r),
                None => return self.finish(60),
            }
        }
        self.finish(60)
    }
}
