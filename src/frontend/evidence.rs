//! What the journal knows about the step a resumed run finds in doubt: the
//! command that was under way, how long it ran, why it stopped, its last output lines and
//! its log. Derived once from the records (`from_records`, pure); `resume` adds the log's
//! tail; both front ends show the same sentences (`InDoubt::lines`).

use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use chrono::DateTime;

use crate::journal::record::{Body, Purpose, Record};

/// Lines of the log's tail kept for the screen.
pub const TAIL_LINES: usize = 8;
/// Bytes read from the end of a log for its tail: enough for the lines, however big it is.
const TAIL_BYTES: u64 = 16 * 1024;

/// A resumed run's journal as it was before this process, and where its logs are: the
/// front ends ask it for the evidence when the engine names the step in doubt.
#[derive(Debug, Clone, Default)]
pub struct Past {
    pub records: Vec<Record>,
    pub run_dir: PathBuf,
}

impl Past {
    pub fn in_doubt(&self, step: &str) -> InDoubt {
        let mut e = from_records(&self.records, step);
        if let Some(c) = &e.command {
            e.tail = read_tail(&self.run_dir.join(&c.log)).unwrap_or_default();
        }
        e
    }
}

impl Past {
    /// The end of an earlier command's log (at most [`EARLIER_BYTES`], whole lines, the
    /// cut said), for the screen a resumed run rebuilds: the output the operator saw
    /// before the stop, as a late watcher is sent it (`share/backlog.rs`).
    pub fn earlier_output(&self, log: &str) -> Option<Vec<u8>> {
        let rel = std::path::Path::new(log);
        if !rel
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
        {
            return None;
        }
        let (from, mut bytes) = read_end(&self.run_dir.join(rel), EARLIER_BYTES).ok()?;
        if from > 0 {
            let mut said =
                format!("… earlier output of this command is only in {log}\n").into_bytes();
            said.append(&mut bytes);
            bytes = said;
        }
        Some(bytes)
    }
}

/// How much of each earlier command's log a resumed screen reloads.
pub const EARLIER_BYTES: u64 = 16 * 1024;

/// The last lines of a log. Its name comes from the verified journal; links are not
/// followed all the same.
fn read_tail(path: &std::path::Path) -> std::io::Result<Vec<String>> {
    let (_, bytes) = read_end(path, TAIL_BYTES)?;
    Ok(tail(&bytes, TAIL_LINES))
}

/// The last `most` bytes of a file, from its first whole line, and where they start.
fn read_end(path: &std::path::Path, most: u64) -> std::io::Result<(u64, Vec<u8>)> {
    let mut f = std::fs::File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    let len = f.metadata()?.len();
    let from = len.saturating_sub(most);
    f.seek(SeekFrom::Start(from))?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    // A cut first line is not a line.
    if from > 0
        && let Some(nl) = bytes.iter().position(|&b| b == b'\n')
    {
        bytes.drain(..=nl);
    }
    Ok((from, bytes))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InDoubt {
    pub step: String,
    /// The last command of the step, as journaled (secrets already masked), if one started.
    pub command: Option<Command>,
    pub stopped: Stopped,
    /// The last lines of the command's output log (redacted when written), newest last.
    pub tail: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub purpose: Purpose,
    pub attempt: u32,
    pub text: String,
    /// Relative to the run directory, as journaled.
    pub log: String,
    /// How long it ran: its result's `duration_ms` when the result was journaled, else from
    /// its start to the last record (a crash: at least that long).
    pub ran_ms: Option<u64>,
    /// Its result was journaled (it ended, stopped by shisa); else nobody saw it end.
    pub ended: Option<Ending>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    pub exit: Option<i32>,
    pub signal: Option<i32>,
}

/// Why the run stopped while the step was under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// `run_interrupted`: the terminal went away, a signal, the operator quit, …
    Interrupted(String),
    /// No record says: shisa itself ended (a crash, `kill -9`, the machine went down).
    Unrecorded,
}

/// The evidence for step `step` in `records` (a journal about to be resumed).
pub fn from_records(records: &[Record], step: &str) -> InDoubt {
    let mine = |r: &&Record| r.step.as_deref() == Some(step);
    let started = records.iter().rposition(|r| {
        r.step.as_deref() == Some(step) && matches!(r.body, Body::CommandStarted { .. })
    });
    let command = started.and_then(|at| {
        let Body::CommandStarted {
            purpose,
            attempt,
            command,
            log,
            ..
        } = &records[at].body
        else {
            return None;
        };
        let result = records[at..]
            .iter()
            .filter(mine)
            .find_map(|r| match &r.body {
                Body::CommandFinished {
                    purpose: p,
                    attempt: a,
                    exit,
                    signal,
                    duration_ms,
                    ..
                } if p == purpose && a == attempt => Some((*duration_ms, *exit, *signal)),
                _ => None,
            });
        let ran_ms = match result {
            Some((ms, ..)) => Some(ms),
            None => records
                .last()
                .and_then(|last| span(&records[at].ts, &last.ts)),
        };
        Some(Command {
            purpose: *purpose,
            attempt: *attempt,
            text: command.clone(),
            log: log.clone(),
            ran_ms,
            ended: result.map(|(_, exit, signal)| Ending { exit, signal }),
        })
    });
    let since = started.unwrap_or(0);
    let stopped = records[since..]
        .iter()
        .rev()
        .find_map(|r| match &r.body {
            Body::RunInterrupted { reason, .. } => Some(Stopped::Interrupted(reason.clone())),
            _ => None,
        })
        .unwrap_or(Stopped::Unrecorded);
    InDoubt {
        step: step.to_string(),
        command,
        stopped,
        tail: Vec::new(),
    }
}

fn span(from: &str, to: &str) -> Option<u64> {
    let a = DateTime::parse_from_rfc3339(from).ok()?;
    let b = DateTime::parse_from_rfc3339(to).ok()?;
    Some((b - a).num_milliseconds().max(0) as u64)
}

/// The last `n` lines of `bytes` (a log), without their line ends.
pub fn tail(bytes: &[u8], n: usize) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.trim_end_matches(['\n', '\r']).lines().collect();
    if lines.len() == 1 && lines[0].is_empty() {
        return Vec::new();
    }
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| l.to_string())
        .collect()
}

pub fn duration(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..60 => format!("{}.{}s", s, (ms % 1000) / 100),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

impl InDoubt {
    /// What ran, for how long, and how it ended, in one sentence.
    pub fn ran(&self) -> String {
        let Some(c) = &self.command else {
            return "no command of this step had started".to_string();
        };
        let what = match c.purpose {
            Purpose::Main => "its command".to_string(),
            Purpose::Describe => "its target lookup".to_string(),
            Purpose::Impact => "its impact count".to_string(),
            Purpose::Verify(n) => format!("its verify {n}"),
            Purpose::Rollback(n) => format!("its rollback {n}"),
        };
        let again = if c.attempt > 1 {
            format!(" (attempt {})", c.attempt)
        } else {
            String::new()
        };
        let how_long = match (c.ran_ms, &c.ended) {
            (Some(ms), Some(_)) => format!(" ran {}", duration(ms)),
            (Some(ms), None) => format!(" ran at least {}", duration(ms)),
            (None, _) => String::new(),
        };
        let end = match &c.ended {
            Some(Ending {
                signal: Some(sig), ..
            }) => format!(" and was stopped by signal {sig}{}", signal_name(*sig)),
            Some(Ending {
                exit: Some(code), ..
            }) => format!(" and exited {code} after the run stopped"),
            Some(_) => " and ended".to_string(),
            None => "; no one saw it end".to_string(),
        };
        format!("{what}{again}{how_long}{end}")
    }

    /// The command that was under way, its first line, as journaled.
    pub fn command_line(&self) -> Option<String> {
        let c = self.command.as_ref()?;
        let first = c.text.lines().next().unwrap_or("");
        let more = if c.text.lines().nth(1).is_some() {
            " …"
        } else {
            ""
        };
        Some(format!("`{first}`{more}"))
    }

    /// Why the run stopped.
    pub fn why(&self) -> String {
        match &self.stopped {
            Stopped::Interrupted(reason) => {
                let term = match &self.command {
                    Some(c) if c.ended.as_ref().is_some_and(|e| e.signal.is_some()) => {
                        " (shisa stopped the command)"
                    }
                    _ => "",
                };
                format!("the run stopped: {reason}{term}")
            }
            Stopped::Unrecorded => {
                "no record says why: shisa itself ended (a crash, kill -9, the machine went down)"
                    .to_string()
            }
        }
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        1 => " (HUP)",
        2 => " (INT)",
        9 => " (KILL)",
        15 => " (TERM)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::record::{Actor, Role};

    fn rec(seq: u64, ts: &str, step: Option<&str>, body: Body) -> Record {
        Record {
            seq,
            ts: ts.into(),
            body,
            step: step.map(str::to_string),
            actor: Actor {
                role: Role::Shisa,
                user: "ops1".into(),
                uid: 1000,
                host: "h".into(),
            },
            prev: String::new(),
        }
    }

    fn started(seq: u64, ts: &str) -> Record {
        rec(
            seq,
            ts,
            Some("attach"),
            Body::CommandStarted {
                poll: false,
                purpose: Purpose::Main,
                attempt: 1,
                command: "orgctl attach --target ou-1".into(),
                env: Default::default(),
                command_sha256: String::new(),
                log: "output/attach.1.log".into(),
                host: None,
            },
        )
    }

    #[test]
    fn a_command_stopped_because_the_terminal_went_away() {
        let records = vec![
            started(5, "2023-12-05T10:15:00.000+09:00"),
            rec(
                6,
                "2023-12-05T10:17:13.000+09:00",
                None,
                Body::RunInterrupted {
                    reason: "the terminal went away".into(),
                    why: None,
                },
            ),
            rec(
                7,
                "2023-12-05T10:17:13.200+09:00",
                Some("attach"),
                Body::CommandFinished {
                    poll: false,
                    purpose: Purpose::Main,
                    attempt: 1,
                    exit: None,
                    signal: Some(15),
                    timed_out: false,
                    duration_ms: 133_200,
                    bytes: 0,
                    sha256: String::new(),
                    log: "output/attach.1.log".into(),
                    ok: false,
                    failure: None,
                    ssh_failure: None,
                    captures: Default::default(),
                    background: Default::default(),
                    not_yet: None,
                    why: None,
                },
            ),
        ];
        let e = from_records(&records, "attach");
        assert_eq!(
            e.ran(),
            "its command ran 2m13s and was stopped by signal 15 (TERM)"
        );
        assert_eq!(
            e.why(),
            "the run stopped: the terminal went away (shisa stopped the command)"
        );
        assert_eq!(
            e.command_line().as_deref(),
            Some("`orgctl attach --target ou-1`")
        );
    }

    #[test]
    fn a_crash_leaves_no_reason_and_a_lower_bound() {
        let records = vec![
            started(5, "2023-12-05T10:15:00.000+09:00"),
            rec(
                6,
                "2023-12-05T10:15:04.000+09:00",
                None,
                Body::OperatorNote {
                    text: "waiting".into(),
                },
            ),
        ];
        let e = from_records(&records, "attach");
        assert_eq!(e.ran(), "its command ran at least 4.0s; no one saw it end");
        assert!(e.why().starts_with("no record says why"));
        assert_eq!(from_records(&records, "other").command, None);
    }

    #[test]
    fn the_tail_keeps_the_last_lines() {
        assert_eq!(tail(b"a\nb\nc\n", 2), ["b", "c"]);
        assert!(tail(b"", 3).is_empty());
    }
}
