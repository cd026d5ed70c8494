//! What an ssh exit means. OpenSSH exits with the remote command's status, or 255 for its
//! own failures — and 255 is also a status a remote command may return. shisa runs ssh with
//! `-E LOG -o LogLevel=DEBUG2`, so ssh's own words go to a log file of their own (never into
//! the command's output) and include the line that says whether an exit status came back:
//! `Received exit status from master N` (a multiplexed session), `Exit status N` (a direct
//! one; -1 when none came). With that line a 255 is the command's; without it, ssh's own
//! messages say what went wrong. Pure functions over text captured from the real client
//! (OpenSSH 9.2); the tests hold those texts.

/// How a remote command ended, as far as shisa can know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshOutcome {
    /// The remote command ran and exited with this status (0: success).
    Exited(i32),
    /// ssh itself failed: the command did not run, or its end is unknown.
    Failed(Failure),
}

pub use crate::engine::ssh_failure::{Class, Failure, NotReady};

/// Judges an ssh exit: `exit` is ssh's exit code (`None`: killed by a signal), `log` the
/// text of its `-E` log.
pub fn classify(exit: Option<i32>, log: &str) -> SshOutcome {
    match exit {
        Some(255) => {}
        Some(code) => return SshOutcome::Exited(code),
        None => return SshOutcome::Failed(Failure::Interrupted),
    }
    if remote_status(log) == Some(255) {
        return SshOutcome::Exited(255);
    }
    SshOutcome::Failed(failure(log))
}

/// The last exit status ssh says came back from the remote side.
pub fn remote_status(log: &str) -> Option<i32> {
    log.lines()
        .rev()
        .find_map(|l| {
            let l = l.trim_end();
            l.strip_prefix("debug2: Received exit status from master ")
                .or_else(|| l.strip_prefix("debug1: Exit status "))
        })
        .and_then(|n| n.trim().parse::<i32>().ok())
        .filter(|n| *n >= 0)
}

fn failure(log: &str) -> Failure {
    let said: Vec<&str> = log
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with("debug"))
        .collect();
    let has = |s: &str| said.iter().any(|l| l.contains(s));
    let line_with = |s: &str| said.iter().find(|l| l.contains(s)).copied();
    if let Some(l) = line_with("host key is known for ") {
        // "No ED25519 host key is known for [127.0.0.2]:2299 and you have requested …"
        let (host, port) = host_port(between(l, "is known for ", " and you"));
        return Failure::HostKeyUnknown { host, port };
    }
    if has("REMOTE HOST IDENTIFICATION HAS CHANGED") || has("has changed and you have requested") {
        let (host, port) = line_with("Host key for ")
            .map(|l| host_port(between(l, "Host key for ", " has changed")))
            .unwrap_or_default();
        let fingerprint = said
            .iter()
            .find_map(|l| l.trim().strip_prefix("SHA256:"))
            .map(|f| format!("SHA256:{}", f.trim_end_matches('.')));
        return Failure::HostKeyChanged {
            host,
            port,
            fingerprint,
        };
    }
    if has("Host key verification failed") {
        return Failure::HostKeyRejected;
    }
    if let Some(l) = line_with("Permission denied (") {
        let methods = between(l, "Permission denied (", ")").to_string();
        return Failure::AuthFailed { methods };
    }
    if let Some(l) = line_with("Could not resolve hostname ") {
        let host = between(l, "Could not resolve hostname ", ":").to_string();
        return Failure::Unresolved { host };
    }
    if let Some(l) = line_with(": Connection refused").filter(|l| l.contains("connect to host ")) {
        // "ssh: connect to host 127.0.0.1 port 2300: Connection refused"
        let host = between(l, "connect to host ", " port ").to_string();
        let port = between(l, " port ", ":").parse().ok();
        return Failure::Refused { host, port };
    }
    if has("timed out") || has("Connection timed out") {
        return Failure::TimedOut;
    }
    if has("No route to host") || has("Network is unreachable") {
        return Failure::Unreachable;
    }
    let lost = [
        "Control master terminated unexpectedly",
        "debug1: Exit status -1",
        "closed by remote host",
        "Broken pipe",
        "Connection reset",
        "not responding",
    ];
    if lost.iter().any(|s| log.contains(s)) {
        return Failure::ConnectionLost;
    }
    if log.contains("Exiting on signal") || said.iter().any(|l| l.starts_with("Killed by signal")) {
        return Failure::Interrupted;
    }
    Failure::Other {
        said: said.join("\n"),
    }
}

/// The text after `start` and before `end` (or to the end of the line).
fn between<'a>(line: &'a str, start: &str, end: &str) -> &'a str {
    let rest = line.split_once(start).map_or("", |(_, r)| r);
    rest.split_once(end).map_or(rest, |(m, _)| m)
}

/// `[host]:port` as known_hosts writes a host on another port, or a plain host.
fn host_port(s: &str) -> (String, Option<u16>) {
    if let Some(rest) = s.strip_prefix('[')
        && let Some((host, port)) = rest.split_once("]:")
    {
        return (host.to_string(), port.parse().ok());
    }
    (s.to_string(), None)
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
