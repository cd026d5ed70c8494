//! What a watcher who joins late is sent: every journal record so far, and with each
//! command the end of the output it printed, read back from its log (scrubbed of secrets
//! when it was written) — a reviewer judging a precheck's evidence needs the output from
//! before they joined. The output goes just before the record that ends its command (or,
//! for the command still running, after the last record), so the watcher's screen reads in
//! the run's order. Bounded: the last [`PER_COMMAND`] bytes of each log, at most [`TOTAL`]
//! in all with the newest commands kept first; the logs have everything.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;

use super::frame;
use super::protocol::{FrameError, ServerMsg};
use super::tail::{PER_COMMAND, Tail};
use crate::engine::Engine;
use crate::journal::record::Purpose;
use crate::text_safety::sanitize;

/// All commands' backlog together.
pub const TOTAL: u64 = 1024 * 1024;

/// A command whose output the journal names: where its record stands and its log.
struct Command {
    /// The index of the journal line its output goes before (`lines.len()`: after all).
    before: usize,
    step: usize,
    log: String,
}

/// A watcher's join as the driver takes it, between two records: how many records the
/// journal held, what of the logged output a reviewer may see, the running command's tail.
/// Taking it reads no file, so a join costs the run's thread next to nothing; the
/// connection reads the replay from it afterwards, on the share server's side (`read`). The
/// journal is append-only and each record durable before the next is decided, so its first
/// `records` lines are the same bytes whenever they are read: the replay still ends exactly
/// where the watcher's place in the live log begins (ARCHITECTURE.md, share section).
pub struct Join {
    journal: PathBuf,
    records: u64,
    index: Arc<HashMap<String, usize>>,
    /// Steps whose lookup output a reviewer may not see yet (`Engine::shows_logged_output`).
    hidden: Vec<usize>,
    tail: Option<Tail>,
}

impl Join {
    pub fn new(journal: &Path, records: u64, e: &Engine, tail: Option<&Tail>) -> Join {
        let steps = e.runbook().steps.len();
        Join {
            journal: journal.to_path_buf(),
            records,
            index: e.step_indexes(),
            hidden: (0..steps)
                .filter(|&i| e.blind(i) && !e.shows_logged_output(i, Purpose::Describe))
                .collect(),
            tail: tail.cloned(),
        }
    }

    /// The replay: the journal's first `records` lines (more may have been appended since
    /// the join; those reach the watcher live), with the output backlog between them.
    pub fn read(&self) -> Result<Vec<Bytes>, FrameError> {
        let file = File::options()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&self.journal)?;
        let mut lines = Vec::new();
        for line in BufReader::new(file).lines().take(self.records as usize) {
            lines.push(line?);
        }
        // Fewer lines than the run has written: the file was cut or replaced under the run.
        // A short replay would reach the watcher as a gap only its chain check could name.
        if lines.len() as u64 != self.records {
            return Err(FrameError::Io(std::io::Error::other(format!(
                "it holds {} lines where the run has written {} records",
                lines.len(),
                self.records
            ))));
        }
        let lines: Vec<&str> = lines.iter().map(|l| l.trim_end()).collect();
        let run_dir = self.journal.parent().unwrap_or(Path::new("."));
        replay(&lines, run_dir, self)
    }

    fn shows(&self, step: usize, purpose: Purpose) -> bool {
        purpose != Purpose::Describe || !self.hidden.contains(&step)
    }
}

/// The frames a late watcher is sent before the live ones: each journal line as a record
/// frame, with the commands' output backlog between them.
///
/// The command still running is sent from the join's tail (what the driver passed on of it
/// so far), not from its log, which the runner is still writing through a buffer: read at a
/// join it holds less or more than the live output already sent, and the two would not meet.
fn replay(lines: &[&str], run_dir: &Path, join: &Join) -> Result<Vec<Bytes>, FrameError> {
    let tail = join.tail.as_ref();
    let commands = commands(lines, join);
    let running = |c: &Command| tail.filter(|t| c.before == lines.len() && t.log == c.log);
    // The newest output matters most: the budget is spent from the last command back.
    let mut budget = TOTAL;
    let mut shares = vec![0u64; commands.len()];
    for (n, share) in shares.iter_mut().enumerate().rev() {
        let size = match running(&commands[n]) {
            Some(tail) => tail.bytes(),
            None => log_size(run_dir, &commands[n].log),
        }
        .min(PER_COMMAND);
        *share = size.min(budget);
        budget -= *share;
    }
    let mut frames = Vec::with_capacity(lines.len() + commands.len());
    let mut next = commands.iter().zip(shares).peekable();
    for (at, line) in lines.iter().enumerate() {
        while let Some((c, share)) = next.next_if(|(c, _)| c.before == at) {
            backlog(&mut frames, run_dir, c, share)?;
        }
        frames.push(frame::record(line)?);
    }
    for (c, share) in next {
        match running(c) {
            Some(tail) => frames.extend(tail.frames()?),
            None => backlog(&mut frames, run_dir, c, share)?,
        }
    }
    Ok(frames)
}

/// Each command the journal names, in order: finished ones before their
/// `command_finished`, the one still running (if any) at the end.
fn commands(lines: &[&str], join: &Join) -> Vec<Command> {
    let mut out = Vec::new();
    let mut running: Option<(usize, String)> = None;
    for (at, line) in lines.iter().enumerate() {
        let started = line.contains(r#""kind":"command_started""#);
        let finished = line.contains(r#""kind":"command_finished""#);
        if !started && !finished {
            continue;
        }
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(step), Some(log)) = (
            v["step"]
                .as_str()
                .and_then(|id| join.index.get(id).copied()),
            v["data"]["log"].as_str(),
        ) else {
            continue;
        };
        // A blind lookup's output is the answer to a question not yet asked of everyone.
        let purpose = serde_json::from_value::<Purpose>(v["data"]["purpose"].clone());
        if purpose.is_ok_and(|p| !join.shows(step, p)) {
            running = None;
            continue;
        }
        if started {
            running = Some((step, log.to_string()));
        } else {
            running = None;
            out.push(Command {
                before: at,
                step,
                log: log.to_string(),
            });
        }
    }
    if let Some((step, log)) = running {
        out.push(Command {
            before: lines.len(),
            step,
            log,
        });
    }
    out
}

/// A log named by the journal, inside the run directory and never through a link.
fn open(run_dir: &Path, log: &str) -> Option<File> {
    let rel = Path::new(log);
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(run_dir.join(rel))
        .ok()
}

fn log_size(run_dir: &Path, log: &str) -> u64 {
    open(run_dir, log)
        .and_then(|f| f.metadata().ok())
        .map_or(0, |m| m.len())
}

/// The last `share` bytes of a command's log as output frames (one per piece of at most
/// 16 KiB, cut at line ends), said to be cut where they are.
fn backlog(
    frames: &mut Vec<Bytes>,
    run_dir: &Path,
    c: &Command,
    share: u64,
) -> Result<(), FrameError> {
    if share == 0 {
        return Ok(());
    }
    let Some(mut f) = open(run_dir, &c.log) else {
        return Ok(());
    };
    let len = f.metadata().map_or(0, |m| m.len());
    let from = len.saturating_sub(share);
    let mut bytes = Vec::with_capacity(share as usize);
    if f.seek(SeekFrom::Start(from)).is_err() || f.take(share).read_to_end(&mut bytes).is_err() {
        return Ok(());
    }
    let mut text = String::new();
    if from > 0 {
        // Cut mid-log: start at the next whole line, and say what is left out.
        let start = bytes.iter().position(|&b| b == b'\n').map_or(0, |n| n + 1);
        bytes.drain(..start);
        text.push_str(&format!(
            "… {} earlier bytes of this output are only in {}\n",
            from + start as u64,
            c.log
        ));
    }
    let lines: Vec<String> = String::from_utf8_lossy(&bytes)
        .split('\n')
        .map(|l| sanitize(l.as_bytes(), true))
        .collect();
    text.push_str(&lines.join("\n"));
    for piece in pieces(&text, 16 * 1024) {
        frames.push(frame::encode(&ServerMsg::Output {
            step: c.step,
            stderr: false,
            text: piece.to_string(),
        })?);
    }
    Ok(())
}

/// `text` in pieces of at most about `max` bytes, each ending at a line end where it can.
fn pieces(text: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while rest.len() > max {
        let mut cut = max;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let cut = rest[..cut].rfind('\n').map_or(cut, |n| n + 1);
        let (piece, tail) = rest.split_at(cut.max(1));
        out.push(piece);
        rest = tail;
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::pieces;

    #[test]
    fn pieces_end_at_line_ends_and_lose_nothing() {
        let text = "aaaa\nbbbb\ncccc\n";
        let p = pieces(text, 11);
        assert_eq!(p, ["aaaa\nbbbb\n", "cccc\n"]);
        assert_eq!(p.concat(), text);
        let long = "x".repeat(25);
        assert_eq!(pieces(&long, 10).concat(), long);
    }
}
