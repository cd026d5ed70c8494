//! Reads a journal back and checks it: every line parses, `seq` counts up from 1, each
//! `prev` is the SHA-256 of the line before, and every finished command's output log still
//! has the size and hash the journal recorded. A last line without its newline is a crash
//! mid-write (a torn tail), reported as such rather than as tampering.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::record::{Body, Record};
use super::writer::{GENESIS, JOURNAL, sync_dir};
use crate::hash::{Hasher, sha256_hex};

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
}

pub fn journal_path(run_dir: &Path) -> PathBuf {
    run_dir.join(JOURNAL)
}

/// Reads and checks the hash chain (not the output logs; see [`check_logs`]).
pub fn read(run_dir: &Path) -> Result<Journal, ReadError> {
    let path = journal_path(run_dir);
    let bytes = fs::read(&path).map_err(|source| ReadError::Io {
        path: path.clone(),
        source,
    })?;
    parse(&bytes).map_err(ReadError::Broken)
}

pub fn parse(bytes: &[u8]) -> Result<Journal, Broken> {
    let mut records = Vec::new();
    let mut hashes: Vec<String> = Vec::new();
    let mut rest = bytes;
    let mut torn = None;
    while !rest.is_empty() {
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            // A crash mid-write leaves the start of the next record; anything else at the
            // end is damage, not a crash.
            let next = format!("{{\"seq\":{},", records.len() + 1);
            if !(rest.starts_with(next.as_bytes()) || next.as_bytes().starts_with(rest)) {
                let reason =
                    "the journal ends with bytes that are not the start of the next record".into();
                return Err(Broken {
                    line: records.len() + 1,
                    reason,
                });
            }
            torn = Some(rest.to_vec());
            break;
        };
        let line = &rest[..end];
        rest = &rest[end + 1..];
        let n = records.len() + 1;
        let broken = |reason: String| Broken { line: n, reason };
        let record: Record = serde_json::from_slice(line)
            .map_err(|e| broken(format!("not a journal record ({e})")))?;
        if record.seq != n as u64 {
            return Err(broken(format!(
                "seq is {}, expected {n} (a line was removed, added or moved)",
                record.seq
            )));
        }
        let expected = hashes.last().map_or(GENESIS, String::as_str);
        if record.prev != expected {
            return Err(broken(
                "prev does not match the hash of the line before (the line before was changed)"
                    .into(),
            ));
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

/// Checks each finished command's output log against the size and hash journaled for it.
pub fn check_logs(run_dir: &Path, journal: &Journal) -> Result<usize, Broken> {
    let mut checked = 0;
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
            hash_file(&run_dir.join(log)).map_err(|e| broken(format!("{log}: {e}")))?;
        if size != *bytes || hash != *sha256 {
            return Err(broken(format!(
                "{log} was changed after it was written ({size} bytes now, {bytes} journaled)"
            )));
        }
        checked += 1;
    }
    Ok(checked)
}

fn hash_file(path: &Path) -> io::Result<(u64, String)> {
    use std::io::Read;
    let mut f = fs::File::open(path)?;
    let mut h = Hasher::default();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
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
    fs::write(&aside, torn)?;
    fs::File::open(&aside)?.sync_all()?;
    let path = journal_path(run_dir);
    let keep = fs::metadata(&path)?.len() - torn.len() as u64;
    let f = fs::OpenOptions::new().write(true).open(&path)?;
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
