//! Reads a journal back and checks it: every line parses, `seq` counts up from 1, each
//! `prev` is the SHA-256 of the line before, nothing but a continuation follows the end of a
//! run, the format is one this shisa reads, and every finished command's output log still
//! has the size and hash the journal recorded. A last line without its newline that could
//! be the start of the next record is a crash mid-write (a torn tail, see `torn.rs`),
//! reported as such rather than as tampering.

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::record::{Body, FORMAT, Record, STAMPED};
use super::torn;
use super::writer::{GENESIS, JOURNAL, refuse_link, sync_dir};
use crate::hash::{Hasher, sha256_hex};

/// Records that only say who watched, written even after the run's end (a watcher dropped
/// as the last records go out): they tell nothing about what the run did.
const AUDIENCE: &[&str] = &["watcher_joined", "watcher_left", "client_refused"];
/// The first record of a continuation of an ended run (`rollback_requested` is the kind
/// `shisa rollback` is to write).
pub const CONTINUATIONS: &[&str] = &["run_resumed", "rollback_requested"];

#[derive(Debug)]
pub struct Journal {
    pub records: Vec<Record>,
    /// Hash of each record's line, in order; the last is the chain head.
    pub hashes: Vec<String>,
    /// Bytes after the last complete line, if a crash cut one short.
    pub torn: Option<Vec<u8>>,
}

impl Journal {
    pub fn head(&self) -> &str {
        self.hashes.last().map_or(GENESIS, String::as_str)
    }
}

/// The first thing found wrong, with the 1-based line it is on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct Broken {
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("the journal is broken at {0}")]
    Broken(Broken),
    #[error("{}", newer_format(*.0))]
    Newer(u64),
}

fn newer_format(format: u64) -> String {
    format!(
        "this journal was written by a newer shisa (format {format}); this shisa reads format {FORMAT} — upgrade shisa"
    )
}

pub fn journal_path(run_dir: &Path) -> PathBuf {
    run_dir.join(JOURNAL)
}

/// Reads and checks the hash chain (not the output logs; see [`check_logs`]). A journal that
/// is a symbolic link is not read: shisa never makes one.
pub fn read(run_dir: &Path) -> Result<Journal, ReadError> {
    let path = journal_path(run_dir);
    let mut bytes = Vec::new();
    fs::File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| ReadError::Io {
            source: refuse_link(e, &path),
            path: path.clone(),
        })?;
    refuse_newer(&bytes)?;
    parse(&bytes).map_err(ReadError::Broken)
}

/// Refuses a journal a newer shisa wrote to (a record that opens a segment, [`STAMPED`],
/// stamps a format above [`FORMAT`]: the run's start, or a newer shisa's resume or
/// rollback of it): its records may mean something this shisa would misread. Every reader
/// asks this before anything else (`verify`, `resume`, `rollback`, `export`, `runs`,
/// `watch`, which asks it of each line), so the refusal is the same clear sentence
/// everywhere, not a parse error. Segments of older formats read as they are.
pub fn refuse_newer(bytes: &[u8]) -> Result<(), ReadError> {
    match bytes
        .split(|&b| b == b'\n')
        .filter_map(format_of)
        .find(|f| *f > FORMAT)
    {
        Some(newer) => Err(ReadError::Newer(newer)),
        None => Ok(()),
    }
}

/// The format one line stamps, if it opens a segment and has a stamp (older ones have
/// none and are format 1). Read loosely: a newer format may change anything else.
pub fn format_of(line: &[u8]) -> Option<u64> {
    stamp(line).and_then(|s| s.as_u64())
}

/// The raw `format` value of a line that opens a segment, if it has one. Other lines are
/// told by their kind, near the start of the line, and not parsed.
fn stamp(line: &[u8]) -> Option<serde_json::Value> {
    if !opens_segment(line) {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(line).ok()?;
    let kind = v.get("kind")?.as_str()?;
    STAMPED.contains(&kind).then_some(())?;
    v.get("data")?.get("format").cloned()
}

/// Whether the line's kind is one of [`STAMPED`]: its first `"kind":"…"`, which the writer
/// puts after only `seq` and `ts`.
fn opens_segment(line: &[u8]) -> bool {
    const KIND: &[u8] = b"\"kind\":\"";
    let head = &line[..line.len().min(128)];
    head.windows(KIND.len())
        .position(|w| w == KIND)
        .is_some_and(|at| {
            let rest = &head[at + KIND.len()..];
            STAMPED
                .iter()
                .any(|k| rest.starts_with(k.as_bytes()) && rest.get(k.len()) == Some(&b'"'))
        })
}

pub fn parse(bytes: &[u8]) -> Result<Journal, Broken> {
    let mut records: Vec<Record> = Vec::new();
    let mut hashes: Vec<String> = Vec::new();
    let mut rest = bytes;
    let mut torn = None;
    // The line of the `run_finished` that ended the current segment, if one did.
    let mut ended: Option<usize> = None;
    while !rest.is_empty() {
        let n = records.len() + 1;
        let prev = hashes.last().map_or(GENESIS, String::as_str);
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            // A crash mid-write leaves the start of the next record; anything else at the
            // end is damage, not a crash.
            torn::check(rest, n as u64, prev).map_err(|why| Broken {
                line: n,
                reason: format!(
                    "the journal ends with bytes that are not the start of the next record ({why})"
                ),
            })?;
            torn = Some(rest.to_vec());
            break;
        };
        let line = &rest[..end];
        rest = &rest[end + 1..];
        let broken = |reason: String| Broken { line: n, reason };
        let record: Record = serde_json::from_slice(line).map_err(|e| match format_of(line) {
            Some(f) if f > FORMAT => broken(newer_format(f)),
            _ => broken(format!("not a journal record ({e})")),
        })?;
        if record.seq != n as u64 {
            return Err(broken(format!(
                "seq is {}, expected {n} (a line was removed, added or moved)",
                record.seq
            )));
        }
        if record.prev != prev {
            return Err(broken(
                "prev does not match the hash of the line before (the line before was changed)"
                    .into(),
            ));
        }
        // A stamp is a format number, or the journal is not one this shisa can vouch for
        // (`"1"`, `1.0`, `-1`, `null` would all slip past a check for "newer").
        if let Some(s) = stamp(line).filter(|s| s.as_u64().is_none_or(|f| f == 0)) {
            return Err(broken(format!(
                "the journal's format stamp `{s}` is not a format number"
            )));
        }
        // A newer shisa may write lines this one still parses, with another meaning.
        if let Some(f) = format_of(line).filter(|f| *f > FORMAT) {
            return Err(broken(newer_format(f)));
        }
        let kind = record.body.kind();
        // After the end: the audience, a recovered tail (journaled by a continuation before
        // its first record) and a continuation's start; nothing that speaks for the run.
        if let Some(at) = ended {
            if CONTINUATIONS.contains(&kind) {
                ended = None;
            } else if !AUDIENCE.contains(&kind) && kind != "journal_recovered" {
                return Err(broken(format!(
                    "a `{kind}` record after the run finished at line {at}: nothing may follow the end of a run except a resume or rollback that begins with its own record"
                )));
            }
        }
        if kind == "run_finished" {
            ended = Some(n);
        }
        hashes.push(sha256_hex(line));
        records.push(record);
    }
    Ok(Journal {
        records,
        hashes,
        torn,
    })
}

/// Where the run stood after the first `upto` records: `Some(line)` of the `run_finished`
/// that ended it, unless a continuation began after it.
pub fn ended_at(records: &[Record], upto: usize) -> Option<usize> {
    let mut ended = None;
    for (i, r) in records.iter().take(upto).enumerate() {
        match r.body.kind() {
            "run_finished" => ended = Some(i + 1),
            k if CONTINUATIONS.contains(&k) => ended = None,
            _ => {}
        }
    }
    ended
}

/// Checks each finished command's output log against the size and hash journaled for it.
pub fn check_logs(run_dir: &Path, journal: &Journal) -> Result<usize, Broken> {
    let mut checked = 0;
    // One buffer for all the logs: a run of trivial steps has hundreds of empty ones.
    let mut buf = vec![0u8; 1 << 16];
    for (i, r) in journal.records.iter().enumerate() {
        let Body::CommandFinished {
            log, bytes, sha256, ..
        } = &r.body
        else {
            continue;
        };
        if log.is_empty() || sha256.is_empty() {
            continue;
        }
        let broken = |reason: String| Broken {
            line: i + 1,
            reason,
        };
        if log.contains("..") || log.starts_with('/') {
            return Err(broken(format!("log path `{log}` leaves the run directory")));
        }
        let (size, hash) =
            hash_file(&run_dir.join(log), &mut buf).map_err(|e| broken(format!("{log}: {e}")))?;
        if size != *bytes || hash != *sha256 {
            return Err(broken(format!(
                "{log} was changed after it was written ({size} bytes now, {bytes} journaled)"
            )));
        }
        checked += 1;
    }
    Ok(checked)
}

fn hash_file(path: &Path, buf: &mut [u8]) -> io::Result<(u64, String)> {
    let mut f = fs::File::open(path)?;
    let mut h = Hasher::default();
    let mut size = 0u64;
    loop {
        let n = f.read(buf)?;
        if n == 0 {
            return Ok((size, h.finish()));
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
}

/// Moves a torn tail aside to `journal.torn-<stamp>` and truncates the journal to its last
/// complete line. Returns the new file's name and how many bytes moved.
pub fn move_torn_tail(
    run_dir: &Path,
    journal: &Journal,
    stamp: &str,
) -> io::Result<Option<(String, u64)>> {
    let Some(torn) = &journal.torn else {
        return Ok(None);
    };
    let name = format!("journal.torn-{stamp}");
    let aside = run_dir.join(&name);
    // A new file, never one already there (nor a link planted under that name).
    let mut out = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&aside)?;
    // On a full disk the name is made but the bytes do not fit: take the name back, or an
    // empty `journal.torn-*` would claim a tail was saved that was not.
    if let Err(e) = io::Write::write_all(&mut out, torn).and_then(|()| out.sync_all()) {
        drop(out);
        let _ = fs::remove_file(&aside);
        return Err(e);
    }
    let path = journal_path(run_dir);
    let f = fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| refuse_link(e, &path))?;
    let keep = f
        .metadata()?
        .len()
        .checked_sub(torn.len() as u64)
        .ok_or_else(|| {
            io::Error::other("the journal is shorter than its torn tail: it changed while read")
        })?;
    f.set_len(keep)?;
    f.sync_all()?;
    sync_dir(run_dir)?;
    Ok(Some((name, torn.len() as u64)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::record::{Actor, Entry, Role};
    use crate::journal::writer::Writer;
    use chrono::Utc;

    fn write(dir: &Path, n: usize) {
        let mut w = Writer::create(dir, &[]).unwrap();
        for i in 0..n {
            let e = Entry {
                body: Body::OperatorNote {
                    text: format!("note {i}"),
                },
                step: None,
                actor: Actor {
                    role: Role::Operator,
                    user: "ops1".into(),
                    uid: 1000,
                    host: "h".into(),
                },
            };
            w.append(&e, Utc::now()).unwrap();
        }
    }

    #[test]
    fn intact_journal_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), 3);
        let j = read(dir.path()).unwrap();
        assert_eq!(j.records.len(), 3);
        assert!(j.torn.is_none());
    }

    #[test]
    fn an_edited_line_breaks_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), 3);
        let p = journal_path(dir.path());
        let text = fs::read_to_string(&p).unwrap().replace("note 0", "note X");
        fs::write(&p, text).unwrap();
        let Err(ReadError::Broken(b)) = read(dir.path()) else {
            panic!()
        };
        assert_eq!(b.line, 2);
    }

    #[test]
    fn a_deleted_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), 4);
        let p = journal_path(dir.path());
        let text = fs::read_to_string(&p).unwrap();
        let kept: Vec<&str> = text
            .lines()
            .enumerate()
            .filter(|(i, _)| *i != 1)
            .map(|(_, l)| l)
            .collect();
        fs::write(&p, kept.join("\n") + "\n").unwrap();
        let Err(ReadError::Broken(b)) = read(dir.path()) else {
            panic!()
        };
        assert_eq!(b.line, 2);
        assert!(b.reason.contains("seq is 3, expected 2"), "{}", b.reason);
    }

    #[test]
    fn bytes_after_the_last_line_that_are_no_record_start_are_damage() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), 2);
        let p = journal_path(dir.path());
        let mut bytes = fs::read(&p).unwrap();
        bytes.extend_from_slice(b"garbage");
        fs::write(&p, &bytes).unwrap();
        let Err(ReadError::Broken(b)) = read(dir.path()) else {
            panic!()
        };
        assert_eq!(b.line, 3);
        bytes.truncate(bytes.len() - 7);
        bytes.extend_from_slice(b"{\"se");
        fs::write(&p, &bytes).unwrap();
        assert!(
            read(dir.path()).unwrap().torn.is_some(),
            "a cut inside the record's start is a crash"
        );
    }

    #[test]
    fn a_torn_tail_is_a_crash_and_can_be_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), 2);
        let p = journal_path(dir.path());
        let mut bytes = fs::read(&p).unwrap();
        bytes.extend_from_slice(br#"{"seq":3,"ts":"#);
        fs::write(&p, &bytes).unwrap();
        let j = read(dir.path()).unwrap();
        assert_eq!(j.records.len(), 2);
        assert_eq!(j.torn.as_deref(), Some(&br#"{"seq":3,"ts":"#[..]));
        let moved = move_torn_tail(dir.path(), &j, "x").unwrap().unwrap();
        assert_eq!(moved, ("journal.torn-x".to_string(), 14));
        let j = read(dir.path()).unwrap();
        assert!(j.torn.is_none() && j.records.len() == 2);
    }
}
