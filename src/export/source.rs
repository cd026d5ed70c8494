//! Reads a run directory for export without changing it: the journal (the trusted prefix
//! if the chain is broken), whether a process still holds the run, whether the output logs
//! still match, and the runbook if it is unchanged. Nothing here writes to the run.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nix::fcntl::{Flock, FlockArg};

use crate::engine::Replay;
use crate::journal::reader::{self, Broken, Journal};
use crate::journal::record::{Body, Record};
use crate::runbook::{Runbook, load_file};

/// What the run directory holds, as far as it can be trusted.
pub struct OpenedRun {
    pub run_dir: PathBuf,
    pub journal: Journal,
    /// The first broken line; `journal` then holds only the lines before it.
    pub broken: Option<Broken>,
    /// Complete lines after the break, left out.
    pub untrusted_lines: usize,
    /// The broken line is well formed but its `prev` is not the hash of the line before:
    /// that line or this one was altered, and neither is shown.
    pub prev_mismatch: bool,
    /// A `run_finished` line lies past the break: the run ended, but how cannot be trusted.
    /// (Without one, the journal really stops, and the run was cut off.)
    pub end_past_break: bool,
    /// `check_logs`' verdict (only asked when the chain is intact).
    pub logs: Option<Result<usize, Broken>>,
    /// Another process holds the run's lock: the run is going on now.
    pub live: bool,
    pub runbook: Option<Arc<Runbook>>,
    /// Why the runbook is not available, when it is not.
    pub runbook_problem: Option<RunbookProblem>,
    /// The run replayed through the engine, when the runbook is available.
    pub engine: Option<Replay>,
    /// The run replayed up to its abort, when a later `shisa rollback` goes on past it:
    /// what the abort left in place is what that rollback undid, gone from `engine`.
    pub at_abort: Option<Replay>,
}

/// Why the run's runbook cannot name its steps: said in the export's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunbookProblem {
    NoRunStarted,
    /// The file changed since the run; `sha` is its new SHA-256, shortened.
    Changed {
        path: String,
        sha: String,
    },
    Unreadable {
        path: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0}")]
    NotARun(String),
    #[error("{0}")]
    Unreadable(String),
    /// Not one line of the journal verifies: there is nothing trustworthy to export.
    #[error("{0}")]
    Broken(String),
    /// A newer shisa wrote the journal (`reader::refuse_newer`): nothing is exported.
    #[error("{0}")]
    Newer(String),
}

pub fn open(run_dir: &Path) -> Result<OpenedRun, OpenError> {
    if !run_dir.is_dir() {
        return Err(OpenError::NotARun(format!(
            "{} is not a directory; give the run directory printed at the start and end of a run",
            run_dir.display()
        )));
    }
    let path = reader::journal_path(run_dir);
    if !path.is_file() {
        return Err(OpenError::NotARun(format!(
            "{} has no journal.jsonl: it is not a shisa run directory",
            run_dir.display()
        )));
    }
    // Ask about the lock before reading: a run that ends in between is then seen finished.
    let held_before = lock_held(run_dir);
    let bytes = std::fs::read(&path)
        .map_err(|e| OpenError::Unreadable(format!("cannot read {}: {e}", path.display())))?;
    // Refused whole, not exported as a journal broken at its first line: it is not damaged.
    reader::refuse_newer(&bytes).map_err(|e| OpenError::Newer(e.to_string()))?;
    let (journal, broken, untrusted_lines) = parse_trusted(&bytes);
    if journal.records.is_empty() {
        return Err(match broken {
            None => OpenError::NotARun(format!(
                "{} has an empty journal: the run never started, nothing to export",
                run_dir.display()
            )),
            Some(b) => OpenError::Broken(format!(
                "the journal is broken at line {} ({}), so no record can be trusted; nothing exported — `shisa verify {}` shows the damage",
                b.line,
                b.reason,
                run_dir.display()
            )),
        });
    }
    let finished = journal
        .records
        .iter()
        .any(|r| matches!(r.body, Body::RunFinished { .. }));
    let live = !finished && (held_before || lock_held(run_dir));
    // `parse_trusted` keeps one line fewer exactly when the break is a `prev` mismatch.
    let prev_mismatch = broken
        .as_ref()
        .is_some_and(|b| journal.records.len() + 2 == b.line);
    let end_past_break = broken.is_some() && ends_after(&bytes, journal.records.len());
    let logs = broken
        .is_none()
        .then(|| reader::check_logs(run_dir, &journal));
    let (runbook, runbook_problem) = runbook_of(&journal.records);
    let engine = runbook
        .as_ref()
        .map(|rb| replay(rb.clone(), &journal.records));
    let abort = journal.records.iter().position(|r| {
        matches!(
            r.body,
            Body::RunFinished {
                outcome: crate::journal::record::Outcome::Aborted,
                ..
            }
        )
    });
    let at_abort = match (&runbook, abort) {
        (Some(rb), Some(i)) if i + 1 < journal.records.len() => {
            Some(replay(rb.clone(), &journal.records[..=i]))
        }
        _ => None,
    };
    Ok(OpenedRun {
        run_dir: run_dir.to_path_buf(),
        journal,
        broken,
        untrusted_lines,
        prev_mismatch,
        end_past_break,
        logs,
        live,
        runbook,
        runbook_problem,
        engine,
        at_abort,
    })
}

/// The journal up to the last line that can be trusted (all of it when intact), the break,
/// and how many complete lines were left out.
fn parse_trusted(bytes: &[u8]) -> (Journal, Option<Broken>, usize) {
    match reader::parse(bytes) {
        Ok(j) => (j, None, 0),
        Err(b) => {
            let starts: Vec<usize> = std::iter::once(0)
                .chain(
                    bytes
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| **c == b'\n')
                        .map(|(i, _)| i + 1),
                )
                .collect();
            let line_at = |n: usize| {
                let from = starts.get(n - 1).copied().unwrap_or(bytes.len());
                let to = starts.get(n).map_or(bytes.len(), |e| e - 1);
                &bytes[from.min(to)..to]
            };
            // A well-formed line in its place whose `prev` does not match means the line
            // before it was changed: that one cannot be trusted either.
            let prev_changed = serde_json::from_slice::<Record>(line_at(b.line))
                .is_ok_and(|r| r.seq == b.line as u64);
            let keep = b.line.saturating_sub(if prev_changed { 2 } else { 1 });
            let cut = starts.get(keep).copied().unwrap_or(bytes.len());
            let left_out = bytes[cut..].iter().filter(|c| **c == b'\n').count();
            let empty = Journal {
                records: Vec::new(),
                hashes: Vec::new(),
                torn: None,
            };
            // Every line before the broken one checked out, so the prefix parses.
            let j = reader::parse(&bytes[..cut]).unwrap_or(empty);
            (j, Some(b), left_out)
        }
    }
}

/// Whether any line after the first `kept` is a `run_finished` record, read as plain JSON:
/// past a break nothing is trusted, but whether the run wrote its end is still a fact about
/// the file.
fn ends_after(bytes: &[u8], kept: usize) -> bool {
    bytes.split(|c| *c == b'\n').skip(kept).any(|line| {
        serde_json::from_slice::<serde_json::Value>(line)
            .is_ok_and(|v| v.get("kind").and_then(|k| k.as_str()) == Some("run_finished"))
    })
}

/// Whether another process holds `<run_dir>/.lock` (a live `run` or `resume`). Opened
/// read-only and never created: an export leaves no trace in the run directory.
fn lock_held(run_dir: &Path) -> bool {
    let Ok(file) = File::open(run_dir.join(".lock")) else {
        return false;
    };
    // A shared lock is refused while `run` holds its exclusive one; dropped at once.
    Flock::lock(file, FlockArg::LockSharedNonblock).is_err()
}

/// The runbook the run used, if its file is still there with the journaled SHA-256.
fn runbook_of(records: &[Record]) -> (Option<Arc<Runbook>>, Option<RunbookProblem>) {
    let Some(Body::RunStarted { runbook, .. }) = records.first().map(|r| &r.body) else {
        return (None, Some(RunbookProblem::NoRunStarted));
    };
    let path = runbook.path.clone();
    match load_file(Path::new(&runbook.path)) {
        Ok(l) if l.sha256 == runbook.sha256 => (Some(Arc::new(l.runbook)), None),
        Ok(l) => (
            None,
            Some(RunbookProblem::Changed {
                path,
                sha: l.sha256.chars().take(12).collect(),
            }),
        ),
        Err(_) => (None, Some(RunbookProblem::Unreadable { path })),
    }
}

fn replay(rb: Arc<Runbook>, records: &[Record]) -> Replay {
    // Journaled values (secrets already masked) render titles as the run showed them.
    let operator = records.first().map_or_else(
        || crate::identity::current(crate::journal::record::Role::Operator),
        |r| r.actor.clone(),
    );
    let mut e = Replay::new(rb, operator);
    for r in records {
        e.apply(&r.entry());
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_chain_keeps_the_lines_before_the_break() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = crate::journal::writer::Writer::create(dir.path(), &[]).unwrap();
        let actor = crate::identity::current(crate::journal::record::Role::Operator);
        for i in 0..4 {
            let e = crate::journal::record::Entry {
                body: Body::OperatorNote {
                    text: format!("note {i}"),
                },
                step: None,
                actor: actor.clone(),
            };
            w.append(&e, chrono::Utc::now()).unwrap();
        }
        let p = reader::journal_path(dir.path());
        let original = std::fs::read_to_string(&p).unwrap();
        let text = original.replace("note 1", "note X");
        let (j, b, after) = parse_trusted(text.as_bytes());
        assert_eq!(b.unwrap().line, 3);
        // Line 2 was edited; line 3's `prev` shows it, so only line 1 is trusted.
        assert_eq!(j.records.len(), 1);
        assert_eq!(after, 3);
        let kept: Vec<&str> = original.lines().filter(|l| !l.contains("note 2")).collect();
        let (j, b, after) = parse_trusted((kept.join("\n") + "\n").as_bytes());
        assert_eq!(b.unwrap().line, 3);
        // A removed line: everything before the gap is intact.
        assert_eq!((j.records.len(), after), (2, 1));
    }
}
