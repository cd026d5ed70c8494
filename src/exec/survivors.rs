//! Commands of a run that are still running though shisa is not: after `kill -9`, a command
//! in its own process group lives on. Found through `/proc` three ways:
//! - by process group: the runner notes each command's group (and its leader's start time,
//!   so a recycled id is not mistaken for it) in the run directory's `groups` file;
//! - by the `SHISA_RUN_DIR` and `SHISA_COMMAND` every command carries in its environment,
//!   for what left the group (setsid) but kept the environment;
//! - by descent from either, for what cleared its environment and left the group too
//!   (sudo running the command in a session of its own under its monitor).
//!
//! A daemon that cleared its environment, left the group and was orphaned is out of reach.

use std::collections::BTreeMap;
use std::path::Path;

use super::procs::{self, Stat};
use super::redact::Redactor;
use crate::text_safety::one_line;

/// The file in the run directory with one line per command started: `PGID START COMMAND`.
pub const GROUPS: &str = "groups";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survivor {
    pub pid: i32,
    pub pgid: i32,
    /// `step/purpose/attempt`, as in `SHISA_COMMAND`.
    pub command: String,
    /// The process's arguments, joined with spaces, as `/proc` has them (secrets included):
    /// show it with [`Survivor::shown`].
    pub cmdline: String,
}

impl Survivor {
    /// The command line as it may be printed: `secrets` masked, on one printable line.
    pub fn shown(&self, secrets: &[(String, String)]) -> String {
        let mut masked = Vec::new();
        let mut redactor: Redactor = Redactor::new(secrets);
        redactor.push((), self.cmdline.as_bytes(), &mut |_, b| {
            masked.extend_from_slice(b)
        });
        redactor.finish(&mut |_, b| masked.extend_from_slice(b));
        one_line(&String::from_utf8_lossy(&masked))
    }
}

/// Processes (readable by this user) running a command of the run in `run_dir`.
pub fn of_run(run_dir: &Path) -> Vec<Survivor> {
    let groups = groups(run_dir);
    let procs: Vec<Stat> = procs::all().into_iter().filter(|s| !s.is_gone()).collect();
    let by_pid: BTreeMap<i32, &Stat> = procs.iter().map(|s| (s.pid, s)).collect();
    let want = format!("SHISA_RUN_DIR={}", run_dir.display());
    let mut found: BTreeMap<i32, String> = BTreeMap::new();
    for p in &procs {
        let command = from_environment(p.pid, &want).or_else(|| {
            groups
                .iter()
                .find(|g| g.pgid == p.pgid && g.holds(p, &by_pid))
                .map(|g| g.command.clone())
        });
        if let Some(command) = command {
            found.insert(p.pid, command);
        }
    }
    // Descendants of a command's process are the command's.
    for p in &procs {
        if found.contains_key(&p.pid) {
            continue;
        }
        let mut up = p.ppid;
        for _ in 0..64 {
            if let Some(command) = found.get(&up) {
                let command = command.clone();
                found.insert(p.pid, command);
                break;
            }
            match by_pid.get(&up) {
                Some(parent) if parent.ppid > 0 => up = parent.ppid,
                _ => break,
            }
        }
    }
    found
        .into_iter()
        .filter_map(|(pid, command)| {
            let stat = by_pid.get(&pid)?;
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            Some(Survivor {
                pid,
                pgid: stat.pgid,
                command,
                cmdline: String::from_utf8_lossy(&cmdline)
                    .replace('\0', " ")
                    .trim()
                    .to_string(),
            })
        })
        .collect()
}

/// A command's process group, as the runner noted it.
struct Group {
    pgid: i32,
    start: u64,
    command: String,
}

impl Group {
    /// Whether `p`, in a group with this id, is in this very group and not in a later one
    /// that was given the same id: while the leader lives (even unreaped) it must be the one
    /// noted; without it, a member started before the noted leader cannot be its child.
    fn holds(&self, p: &Stat, by_pid: &BTreeMap<i32, &Stat>) -> bool {
        match by_pid.get(&self.pgid) {
            Some(leader) => leader.start == self.start,
            None => procs::Stat::of(self.pgid)
                .map_or(p.start >= self.start, |leader| leader.start == self.start),
        }
    }
}

fn groups(run_dir: &Path) -> Vec<Group> {
    let text = std::fs::read_to_string(run_dir.join(GROUPS)).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, ' ');
            Some(Group {
                pgid: f.next()?.parse().ok()?,
                start: f.next()?.parse().ok()?,
                command: f.next()?.to_string(),
            })
        })
        .filter(|g| g.pgid > 1)
        .collect()
}

/// `SHISA_COMMAND` of a process whose environment names this run.
fn from_environment(pid: i32, want: &str) -> Option<String> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    let vars: Vec<&[u8]> = environ.split(|&b| b == 0).collect();
    if !vars.contains(&want.as_bytes()) {
        return None;
    }
    let command = vars
        .iter()
        .find_map(|v| v.strip_prefix(b"SHISA_COMMAND="))?;
    Some(String::from_utf8_lossy(command).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    fn wait_for_exec(pid: u32, program: &[u8]) {
        // Until the child has exec'd, /proc shows the parent's environment.
        let cmdline = format!("/proc/{pid}/cmdline");
        while !std::fs::read(&cmdline)
            .unwrap_or_default()
            .starts_with(program)
        {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    #[test]
    fn finds_a_process_by_its_run_and_command() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .env("SHISA_RUN_DIR", dir.path())
            .env("SHISA_COMMAND", "change/main/1")
            .spawn()
            .unwrap();
        wait_for_exec(child.id(), b"sleep");
        let found = of_run(dir.path());
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].command, "change/main/1");
        assert_eq!(found[0].pid, child.id() as i32);
        assert!(found[0].cmdline.starts_with("sleep 5"));
    }

    #[test]
    fn finds_a_process_with_no_environment_by_its_group_and_masks_its_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .env_clear()
            .process_group(0)
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        wait_for_exec(child.id(), b"sleep");
        let start = Stat::of(pid).unwrap().start;
        std::fs::write(
            dir.path().join(GROUPS),
            format!("{pid} {start} long/main/1\n"),
        )
        .unwrap();
        let found = of_run(dir.path());
        // A group id noted for an earlier process is not this one.
        std::fs::write(
            dir.path().join(GROUPS),
            format!("{pid} {} long/main/1\n", start + 1),
        )
        .unwrap();
        let recycled = of_run(dir.path());
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].pid, found[0].pgid), (pid, pid));
        assert_eq!(found[0].command, "long/main/1");
        assert!(recycled.is_empty(), "{recycled:?}");
        let secrets = [("5".to_string(), "[REDACTED:n]".to_string())];
        assert_eq!(found[0].shown(&secrets), "sleep [REDACTED:n]");
    }
}
