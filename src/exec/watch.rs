//! One command's thread, from spawn to result. It sleeps in poll(2) on the command's two
//! pipes, a pidfd that becomes readable when the command exits, and an eventfd raised by a
//! stop; the poll's timeout is the next deadline (the timeout, KILL after TERM, the end of
//! the stragglers' grace). Nothing wakes on a timer to look around.
//!
//! The command (the group leader) is reaped only at the very end: until then its pid, which
//! is the group's id, cannot be given to another process, so every `killpg` reaches this
//! command's group and no other.
//!
//! How a command ends:
//! - It exits and its pipes close: done. Children it left that closed their output (a
//!   `nohup … >/dev/null &`) are its business and are left alone.
//! - It exits, but something still holds its pipes: after `STRAGGLERS`, whoever is left in
//!   its group is killed (and named in the result); if the pipes are still open after
//!   `AFTER_KILL`, a process outside the group (a daemon that called setsid) holds them:
//!   shisa names it, stops reading and goes on.
//! - A timeout or a stop: TERM to the group; when the command and its output are done and
//!   the group is empty, done; at `KILL_AFTER`, KILL to whoever is left. The result comes
//!   only after the group is gone, so nothing recorded or run after it races the command.

use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ChildStderr, ChildStdout};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::output::Output;
use super::procs::{self, Stat};
use super::stream::Stream;
use super::wake::Wake;
use crate::engine::{CommandResult, Spawn};
use crate::journal::record::Background;

/// After TERM, how long a command's group has before KILL.
pub(super) const KILL_AFTER: Duration = Duration::from_secs(5);
/// After the command exits, how long what it left behind may keep its output open.
const STRAGGLERS: Duration = Duration::from_secs(2);
/// After KILL, how long the killed have to let go of the pipes.
const AFTER_KILL: Duration = Duration::from_secs(1);

pub(super) struct Watch {
    child: Child,
    pid: i32,
    pidfd: Option<OwnedFd>,
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
    /// The command's stdin, when it was fed (`Runner::start_fed`): open while it runs,
    /// closed first on a stop or timeout, so a command that reads it sees end of file.
    stdin: Option<OwnedFd>,
    wake: Arc<Wake>,
    spawn: Spawn,
    started: Instant,
}

impl Watch {
    pub fn new(mut child: Child, spawn: &Spawn, started: Instant, wake: Arc<Wake>) -> Watch {
        let pid = child.id() as i32;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let pidfd = rustix::process::Pid::from_raw(pid).and_then(|p| {
            rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty()).ok()
        });
        if pidfd.is_none() {
            // No pidfd (an old kernel, a seccomp filter): a thread waits for the exit and
            // raises the eventfd, leaving the command unreaped like the pidfd would.
            let wake = wake.clone();
            std::thread::spawn(move || {
                use nix::sys::wait::{Id, WaitPidFlag, waitid};
                let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT;
                while let Err(nix::errno::Errno::EINTR) = waitid(Id::Pid(Pid::from_raw(pid)), flags)
                {
                }
                wake.raise(&wake.exited);
            });
        }
        Watch {
            child,
            pid,
            pidfd,
            stdout,
            stderr,
            stdin: None,
            wake,
            spawn: spawn.clone(),
            started,
        }
    }

    /// Holds the command's stdin open until the command is reaped (see `stdin`).
    pub fn holding(mut self, stdin: Option<OwnedFd>) -> Watch {
        self.stdin = stdin;
        self
    }

    pub fn run(mut self, mut output: Output) -> CommandResult {
        let limit = self.spawn.timeout.map(|t| self.started + t);
        let mut timed_out = false;
        let mut exited: Option<Instant> = None;
        let mut term: Option<Instant> = None;
        let mut kill: Option<Instant> = None;
        let mut background = Background::default();
        let mut looked = false;
        // The read buffer stays with the thread (threads are reused, `pool.rs`): zeroing
        // 64 KiB for every command was a tenth of a trivial step's CPU.
        thread_local! {
            static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; 1 << 16]);
        }
        let mut buf = BUF.with_borrow_mut(std::mem::take);
        if buf.is_empty() {
            buf = vec![0u8; 1 << 16];
        }
        loop {
            let now = Instant::now();
            if term.is_none() && self.wake.stop.load(Ordering::SeqCst) {
                self.stdin = None;
                term = Some(self.signal(Signal::SIGTERM, now));
            }
            // The timeout limits the command itself: once it has exited, what it left
            // holding its output is the stragglers' grace period's business.
            if term.is_none() && exited.is_none() && limit.is_some_and(|l| now >= l) {
                timed_out = true;
                self.stdin = None;
                term = Some(self.signal(Signal::SIGTERM, now));
            }
            let open = self.stdout.is_some() || self.stderr.is_some();
            let kill_at = match (term, exited) {
                (Some(t), _) => Some(t + KILL_AFTER),
                (None, Some(e)) if open => Some(e + STRAGGLERS),
                _ => None,
            };
            if let (Some(_), Some(_), true, None) = (term, exited, open, kill)
                && !looked
            {
                // Stopped, and the command is gone but its output is not: if nothing is
                // left in its group, something outside holds the pipes, and no grace
                // period will make it let go.
                looked = true;
                if procs::group(self.pid, self.pid).is_empty() {
                    kill = Some(now);
                }
            }
            if kill.is_none() && kill_at.is_some_and(|k| now >= k) {
                background.killed = procs::group(self.pid, self.pid)
                    .iter()
                    .map(Stat::process)
                    .collect();
                kill = Some(self.signal(Signal::SIGKILL, now));
            }
            if exited.is_some() && !open {
                // The command and its output are done. After a stop, the rest of its
                // group has until KILL to follow.
                let (Some(k), None) = (kill_at.filter(|_| term.is_some()), kill) else {
                    break;
                };
                let left = procs::group(self.pid, self.pid);
                if left.is_empty() || procs::wait_gone(&left, k) {
                    break;
                }
                continue;
            }
            let give_up = kill.map(|k| k + AFTER_KILL);
            if open && give_up.is_some_and(|g| now >= g) {
                background.output_held_open = true;
                background.held_by = procs::holding(&self.pipes());
                break;
            }
            let next = [
                limit.filter(|_| term.is_none() && exited.is_none()),
                kill_at.filter(|_| kill.is_none()),
                give_up,
                output.flush_due(),
            ]
            .into_iter()
            .flatten()
            .min();
            if self.wait(next, exited.is_none(), &mut buf, &mut output) && exited.is_none() {
                exited = Some(Instant::now());
            }
        }
        // Killed or stopped: the result waits until the whole group is gone.
        if term.is_some() || kill.is_some() {
            let left = procs::group(self.pid, self.pid);
            if !procs::wait_gone(&left, Instant::now() + AFTER_KILL) {
                self.signal(Signal::SIGKILL, Instant::now());
                procs::wait_gone(&left, Instant::now() + AFTER_KILL);
            }
        }
        BUF.with_borrow_mut(|b| *b = buf);
        // Stop reading (a daemon may hold the pipes for good), then reap the command.
        self.stdout = None;
        self.stderr = None;
        let status = loop {
            match self.child.wait() {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        self.result(output, status, timed_out, background)
    }

    /// Sleeps until output, the command's exit, a stop, or `until`; takes what came.
    /// Returns whether the command has exited.
    fn wait(
        &mut self,
        until: Option<Instant>,
        watch_exit: bool,
        buf: &mut [u8],
        output: &mut Output,
    ) -> bool {
        let timeout = until.map_or(PollTimeout::NONE, |u| {
            procs::timeout(u.saturating_duration_since(Instant::now()))
        });
        let wake = self.wake.fd().as_fd();
        let pidfd = self
            .pidfd
            .as_ref()
            .filter(|_| watch_exit)
            .map(|f| f.as_fd());
        let out = self.stdout.as_ref().map(|p| p.as_fd());
        let err = self.stderr.as_ref().map(|p| p.as_fd());
        let fds = [out, err, pidfd, Some(wake)];
        let mut polls: Vec<PollFd> = fds
            .iter()
            .flatten()
            .map(|fd| PollFd::new(*fd, PollFlags::POLLIN))
            .collect();
        if poll(&mut polls, timeout).is_err() {
            return false; // EINTR: look again
        }
        let ready: Vec<bool> = polls
            .iter()
            .map(|p| p.revents().is_some_and(|r| !r.is_empty()))
            .collect();
        drop(polls);
        let mut ready = ready.into_iter();
        let mut next_for = |present: bool| present && ready.next().unwrap_or(false);
        let (out_ready, err_ready) = (next_for(out.is_some()), next_for(err.is_some()));
        let exited = next_for(pidfd.is_some());
        if next_for(true) {
            let _ = self.wake.fd().read();
        }
        if out_ready {
            read(&mut self.stdout, Stream::Stdout, buf, output);
        }
        if err_ready {
            read(&mut self.stderr, Stream::Stderr, buf, output);
        }
        output.show();
        exited || self.wake.exited.load(Ordering::SeqCst)
    }

    /// The inodes of the pipes still open, to find who else holds them.
    fn pipes(&self) -> Vec<u64> {
        [
            self.stdout.as_ref().map(|p| p.as_fd()),
            self.stderr.as_ref().map(|p| p.as_fd()),
        ]
        .into_iter()
        .flatten()
        .filter_map(|fd| nix::sys::stat::fstat(fd).ok())
        .map(|st| st.st_ino)
        .collect()
    }

    /// Signals the command's group; returns when.
    fn signal(&self, sig: Signal, now: Instant) -> Instant {
        // The group is ours while the command is unreaped; one that is gone answers ESRCH.
        if self.pid > 1 {
            let _ = killpg(Pid::from_raw(self.pid), sig);
        }
        now
    }

    fn result(
        &self,
        output: Output,
        status: std::io::Result<std::process::ExitStatus>,
        timed_out: bool,
        background: Background,
    ) -> CommandResult {
        let spawn = &self.spawn;
        let (exit, signal, error) = match status {
            Ok(s) => (s.code(), s.signal(), None),
            Err(e) => (
                None,
                None,
                Some(format!("waiting for the command failed: {e}")),
            ),
        };
        let base = CommandResult {
            step: spawn.step,
            purpose: Some(spawn.purpose),
            attempt: spawn.attempt,
            exit,
            signal,
            timed_out,
            duration_ms: self.started.elapsed().as_millis() as u64,
            spawn_error: error,
            background,
            ..Default::default()
        };
        match output.finish() {
            Ok(w) => CommandResult {
                bytes: w.bytes,
                sha256: w.sha256,
                stdout: String::from_utf8_lossy(&w.stdout).into_owned(),
                stdout_truncated: w.stdout_truncated,
                ..base
            },
            Err(e) => CommandResult {
                log_error: Some(e.to_string()),
                ..base
            },
        }
    }
}

/// One read from a ready pipe; end of file (or an error) closes our end.
fn read<P: Read>(pipe: &mut Option<P>, stream: Stream, buf: &mut [u8], output: &mut Output) {
    let Some(p) = pipe.as_mut() else { return };
    match p.read(buf) {
        Ok(0) => *pipe = None,
        Ok(n) => output.take(stream, &buf[..n]),
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
        Err(_) => *pipe = None,
    }
}
