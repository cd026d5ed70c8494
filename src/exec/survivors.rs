//! Commands of a run that are still running though shisa is not: after `kill -9`, a command
//! in its own process group lives on. Found through `/proc` by the `SHISA_RUN_DIR` and
//! `SHISA_COMMAND` every command carries in its environment.

use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survivor {
    pub pid: i32,
    pub pgid: i32,
    /// `step/purpose/attempt`, as in `SHISA_COMMAND`.
    pub command: String,
    pub cmdline: String,
}

/// Processes (readable by this user) running a command of the run in `run_dir`.
pub fn of_run(run_dir: &Path) -> Vec<Survivor> {
    let want = format!("SHISA_RUN_DIR={}", run_dir.display());
    let mut out = Vec::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in procs.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let vars: Vec<&[u8]> = environ.split(|&b| b == 0).collect();
        if !vars.contains(&want.as_bytes()) {
            continue;
        }
        let Some(command) = vars.iter().find_map(|v| v.strip_prefix(b"SHISA_COMMAND=")) else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline)
            .replace('\0', " ")
            .trim()
            .to_string();
        out.push(Survivor {
            pid,
            pgid: pgid(pid).unwrap_or(pid),
            command: String::from_utf8_lossy(command).into_owned(),
            cmdline,
        });
    }
    out.sort_by_key(|s| s.pid);
    out
}

/// Field 5 of /proc/PID/stat (after the parenthesised name, which may hold spaces).
fn pgid(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(2)?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_process_by_its_run_and_command() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .env("SHISA_RUN_DIR", dir.path())
            .env("SHISA_COMMAND", "change/main/1")
            .spawn()
            .unwrap();
        // Until the child has exec'd, /proc shows the parent's environment.
        let cmdline = format!("/proc/{}/cmdline", child.id());
        while !std::fs::read(&cmdline)
            .unwrap_or_default()
            .starts_with(b"sleep")
        {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let found = of_run(dir.path());
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].command, "change/main/1");
        assert_eq!(found[0].pid, child.id() as i32);
        assert!(found[0].cmdline.starts_with("sleep 5"));
    }
}
