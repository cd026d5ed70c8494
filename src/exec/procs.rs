//! What `/proc` says about the processes a command left behind: who is in a process group,
//! who holds a pipe open, what each is called. Read only on the rare paths (a stop, a
//! timeout, a daemon, a resume), never for a command that simply ends.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use crate::journal::record::BackgroundProcess;

/// One line of `/proc/PID/stat`, the fields shisa uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub pid: i32,
    pub name: String,
    pub state: char,
    pub ppid: i32,
    pub pgid: i32,
    /// Clock ticks after boot: with the pid, names one process for good.
    pub start: u64,
}

impl Stat {
    pub fn of(pid: i32) -> Option<Stat> {
        // One read into a buffer that holds any stat line (about 300 bytes; the name is
        // at most 15): `read_to_string` grows its buffer from 32 bytes, six reads a time,
        // and this runs for every command.
        let mut buf = [0u8; 1024];
        let mut f = std::fs::File::open(format!("/proc/{pid}/stat")).ok()?;
        let n = std::io::Read::read(&mut f, &mut buf).ok()?;
        let stat = std::str::from_utf8(&buf[..n]).ok()?;
        if n == buf.len() {
            return None;
        }
        // The name is in parentheses and may itself hold spaces and parentheses.
        let (head, rest) = stat.rsplit_once(')')?;
        let name = head.split_once('(')?.1.to_string();
        let f: Vec<&str> = rest.split_whitespace().collect();
        Some(Stat {
            pid,
            name,
            state: f.first()?.chars().next()?,
            ppid: f.get(1)?.parse().ok()?,
            pgid: f.get(2)?.parse().ok()?,
            start: f.get(19)?.parse().ok()?,
        })
    }

    /// Exited, waiting to be reaped: nothing left to stop.
    pub fn is_gone(&self) -> bool {
        matches!(self.state, 'Z' | 'X')
    }

    pub fn process(&self) -> BackgroundProcess {
        BackgroundProcess {
            pid: self.pid,
            name: self.name.clone(),
        }
    }
}

/// Every process visible in `/proc`.
pub fn all() -> Vec<Stat> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut out: Vec<Stat> = dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(Stat::of)
        .collect();
    out.sort_by_key(|s| s.pid);
    out
}

/// The live members of process group `pgid`, but for `except` (the command itself, which
/// the runner holds unreaped).
pub fn group(pgid: i32, except: i32) -> Vec<Stat> {
    all()
        .into_iter()
        .filter(|s| s.pgid == pgid && s.pid != except && !s.is_gone())
        .collect()
}

/// Processes with a file descriptor on one of the pipes (`pipe:[inode]`).
pub fn holding(pipes: &[u64]) -> Vec<BackgroundProcess> {
    let wanted: Vec<String> = pipes.iter().map(|i| format!("pipe:[{i}]")).collect();
    let me = std::process::id() as i32;
    all()
        .into_iter()
        .filter(|s| s.pid != me && !s.is_gone())
        .filter(|s| {
            let Ok(fds) = std::fs::read_dir(format!("/proc/{}/fd", s.pid)) else {
                return false;
            };
            fds.flatten().any(|fd| {
                std::fs::read_link(fd.path())
                    .is_ok_and(|l| wanted.iter().any(|w| l.as_os_str() == w.as_str()))
            })
        })
        .map(|s| s.process())
        .collect()
}

/// Waits until none of `procs` is alive, or `deadline`. Returns whether they are all gone.
/// Each is watched through a pidfd, so the wait sleeps until one exits; a process that
/// cannot be opened so is looked at again every 50 ms.
pub fn wait_gone(procs: &[Stat], deadline: Instant) -> bool {
    let mut fds: Vec<OwnedFd> = Vec::new();
    let mut unwatched = false;
    for p in procs {
        let Some(pid) = rustix::process::Pid::from_raw(p.pid) else {
            continue;
        };
        match rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()) {
            Ok(fd) => fds.push(fd),
            // Already gone (reaped) is what we wait for.
            Err(rustix::io::Errno::SRCH) => {}
            Err(_) => unwatched = true,
        }
    }
    loop {
        let alive = procs
            .iter()
            .any(|p| Stat::of(p.pid).is_some_and(|s| s.start == p.start && !s.is_gone()));
        if !alive {
            return true;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let left = if unwatched || fds.is_empty() {
            left.min(Duration::from_millis(50))
        } else {
            left
        };
        let borrowed: Vec<BorrowedFd> = fds.iter().map(|f| f.as_fd()).collect();
        let mut polls: Vec<PollFd> = borrowed
            .iter()
            .map(|f| PollFd::new(*f, PollFlags::POLLIN))
            .collect();
        let _ = poll(&mut polls, timeout(left));
        // An exited process stays readable: keep watching only the others.
        let done: Vec<bool> = polls
            .iter()
            .map(|p| p.revents().is_some_and(|r| !r.is_empty()))
            .collect();
        drop(polls);
        drop(borrowed);
        let mut i = 0;
        fds.retain(|_| {
            i += 1;
            !done[i - 1]
        });
    }
}

/// A poll(2) timeout, rounded up to whole milliseconds (never 0 for a wait still due).
pub fn timeout(d: Duration) -> PollTimeout {
    let ms = d.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
    PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_stat() {
        let me = Stat::of(std::process::id() as i32).unwrap();
        assert_eq!(me.pid, std::process::id() as i32);
        assert_eq!(me.pgid, nix::unistd::getpgrp().as_raw());
        assert!(!me.is_gone() && me.start > 0);
    }

    #[test]
    fn waits_for_a_process_to_exit_without_polling_its_state() {
        let mut child = std::process::Command::new("sleep")
            .arg("0.2")
            .spawn()
            .unwrap();
        let stat = Stat::of(child.id() as i32).unwrap();
        let t = Instant::now();
        assert!(wait_gone(
            std::slice::from_ref(&stat),
            t + Duration::from_secs(5)
        ));
        assert!(t.elapsed() < Duration::from_secs(2));
        let _ = child.wait();
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let stat = Stat::of(child.id() as i32).unwrap();
        assert!(!wait_gone(
            &[stat],
            Instant::now() + Duration::from_millis(100)
        ));
        let _ = child.kill();
        let _ = child.wait();
    }
}
