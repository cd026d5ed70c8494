//! Appends records to `journal.jsonl`: write-ahead (the caller performs an effect only after
//! `append` returns), each line chained to the previous line's SHA-256, secrets scrubbed
//! from every string in it. Any error is returned, never hidden: the driver stops the run on
//! it (fail closed).
//!
//! Group commit: the records of one decision (the consecutive journal entries the engine
//! returns for one event) go to disk as one `write` and one `fsync`, and the caller performs
//! the effect that follows them only after that returns. Each line is still chained on its
//! own, so the batch is no new unit on disk: a crash during the write can leave some complete
//! lines and then the start of one more, exactly as if the records had been written one by
//! one. The complete lines are records the engine decided and may be replayed (their effect
//! may not have happened, which is what "in doubt" already means); the cut one is a torn tail
//! (see `torn.rs`), moved aside by `resume`. Watchers and the screen get each record of a
//! batch, one by one, only once the whole batch is durable.
//!
//! Neither `journal.jsonl` nor the run directory is opened through a symbolic link: shisa
//! never makes one, so one there was put by hand, and appending through it would write the
//! run's record into some other file.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, SecondsFormat, Utc};
use nix::fcntl::{OFlag, openat};
use nix::sys::stat::Mode;

use super::record::{Entry, FORMAT, Record, STAMPED};
use crate::hash::sha256_hex;

pub const JOURNAL: &str = "journal.jsonl";
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A record as written, with its exact line (watchers get these bytes).
pub struct Written {
    pub record: Record,
    pub line: String,
}

pub struct Writer {
    file: File,
    path: PathBuf,
    next_seq: u64,
    head: String,
    /// (secret, mask) pairs, raw and as they appear inside JSON strings.
    scrub: Vec<(String, String)>,
}

impl Writer {
    /// Creates a new journal; refuses to touch an existing one.
    pub fn create(run_dir: &Path, redactions: &[(String, String)]) -> io::Result<Writer> {
        let file = open_journal(run_dir, true)?;
        sync_dir(run_dir)?;
        Ok(Writer::over(file, run_dir, 1, GENESIS.into(), redactions))
    }

    /// Continues a journal whose last intact record is `seq` with hash `head`.
    pub fn resume(
        run_dir: &Path,
        next_seq: u64,
        head: String,
        redactions: &[(String, String)],
    ) -> io::Result<Writer> {
        let file = open_journal(run_dir, false)?;
        Ok(Writer::over(file, run_dir, next_seq, head, redactions))
    }

    fn over(
        file: File,
        run_dir: &Path,
        next_seq: u64,
        head: String,
        redactions: &[(String, String)],
    ) -> Writer {
        Writer {
            file,
            path: run_dir.join(JOURNAL),
            next_seq,
            head,
            scrub: scrub_list(redactions),
        }
    }

    pub fn head(&self) -> &str {
        &self.head
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.next_seq - 1
    }

    /// Writes one record and makes it durable; returns it with its exact line. On error,
    /// nothing may run after it.
    pub fn append(&mut self, entry: &Entry, now: DateTime<Utc>) -> io::Result<Written> {
        let mut written = self.append_all(std::slice::from_ref(entry), now)?;
        written
            .pop()
            .ok_or_else(|| io::Error::other("the journal wrote no record"))
    }

    /// Writes the records of one decision with one `write` and one `fsync` (group commit,
    /// see the module note); returns them with their exact lines, in order. On error none
    /// of them counts as written and nothing may run after it.
    pub fn append_all(
        &mut self,
        entries: &[Entry],
        now: DateTime<Utc>,
    ) -> io::Result<Vec<Written>> {
        let ts = timestamp(now);
        let mut head = self.head.clone();
        let mut bytes = Vec::new();
        let mut lines = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let record = Record {
                seq: self.next_seq + i as u64,
                ts: ts.clone(),
                body: entry.body.clone(),
                step: entry.step.clone(),
                actor: entry.actor.clone(),
                prev: head,
            };
            let (line, as_built) = self.line(&record)?;
            head = sha256_hex(&line);
            let start = bytes.len();
            bytes.extend_from_slice(&line);
            bytes.push(b'\n');
            lines.push((start..start + line.len(), as_built.then_some(record)));
        }
        // One write call for the batch: a kill between batches never leaves part of a line.
        self.file.write_all(&bytes)?;
        self.file.sync_data()?;
        let mut written = Vec::with_capacity(lines.len());
        for (range, built) in lines {
            // What was written is what watchers and the front end get: the record as built
            // when its line is exactly its serialization, else the line read back.
            let line = &bytes[range];
            let record = match built {
                Some(record) => record,
                None => serde_json::from_slice(line).map_err(io::Error::other)?,
            };
            let line = String::from_utf8(line.to_vec()).map_err(io::Error::other)?;
            written.push(Written { record, line });
        }
        self.head = head;
        self.next_seq += written.len() as u64;
        Ok(written)
    }

    /// One record's line, without its newline, as it goes to disk, and whether it is the
    /// record's plain serialization (nothing masked, nothing stamped).
    fn line(&self, record: &Record) -> io::Result<(Vec<u8>, bool)> {
        let stamped = STAMPED.contains(&record.body.kind());
        if self.scrub.is_empty() && !stamped {
            return Ok((serde_json::to_vec(record).map_err(io::Error::other)?, true));
        }
        // Secrets are masked in string values only: masking the serialized line would also
        // hit numbers and hashes (a PIN of 4242 in `"bytes":4242`) and corrupt the record.
        let mut value = serde_json::to_value(record).map_err(io::Error::other)?;
        let mut masked = false;
        if let Some(data) = value.get_mut("data") {
            masked = scrub_strings(data, &self.scrub);
            if stamped {
                stamp_format(data);
            }
        }
        let line = serde_json::to_vec(&value).map_err(io::Error::other)?;
        Ok((line, !masked && !stamped))
    }
}

/// Puts `"format"` first in the data of a record that opens a segment, so a reader learns
/// which format what follows is in before anything else in it.
fn stamp_format(data: &mut serde_json::Value) {
    if let serde_json::Value::Object(map) = data {
        let rest = std::mem::take(map);
        map.insert("format".into(), FORMAT.into());
        map.extend(rest.into_iter().filter(|(k, _)| k != "format"));
    }
}

/// Opens `<run_dir>/journal.jsonl` for appending (creating it only when `create`), following
/// no symbolic link at either name.
fn open_journal(run_dir: &Path, create: bool) -> io::Result<File> {
    let dir = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
        .open(run_dir)
        .map_err(|e| refuse_link(e, run_dir))?;
    let mut flags = OFlag::O_WRONLY | OFlag::O_APPEND | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    if create {
        // O_EXCL also refuses a symbolic link already there, dangling or not.
        flags |= OFlag::O_CREAT | OFlag::O_EXCL;
    }
    let path = run_dir.join(JOURNAL);
    let fd = openat(&dir, JOURNAL, flags, Mode::from_bits_truncate(0o600))
        .map_err(|e| refuse_link(io::Error::from(e), &path))?;
    Ok(File::from(fd))
}

/// Refuses a run directory named through a symbolic link, before anything resolves the
/// path (resolving it would hide the link from the `O_NOFOLLOW` opens).
pub fn refuse_linked_dir(run_dir: &Path) -> io::Result<()> {
    let named = run_dir.components().as_path();
    if std::fs::symlink_metadata(named).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(refuse_link(
            io::Error::from_raw_os_error(libc::ELOOP),
            named,
        ));
    }
    Ok(())
}

/// A failure to open through `O_NOFOLLOW` (or `O_EXCL`) at a symbolic link: say so in words.
pub fn refuse_link(e: io::Error, path: &Path) -> io::Error {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return io::Error::other(format!(
            "{} is a symbolic link; shisa never makes one there, so it was put there by hand — refusing to open the journal through it",
            path.display()
        ));
    }
    e
}

/// RFC 3339 in the machine's zone, with milliseconds and the offset.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .to_rfc3339_opts(SecondsFormat::Millis, false)
}

fn scrub_list(redactions: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = redactions
        .iter()
        .filter(|(s, _)| !s.is_empty())
        .cloned()
        .collect();
    // Longer secrets first, so one that contains another is masked whole.
    out.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
    out
}

/// Fields that hold hashes, paths and fixed words, never free text: a short secret that
/// happens to occur in them must not rewrite them.
const STRUCTURAL: &[&str] = &[
    "sha256",
    "command_sha256",
    "log",
    "purpose",
    "run_id",
    "tool_version",
    "mode",
    "status",
    "outcome",
    "prompt",
    "choice",
    "step_kind",
    "timezone",
    "local",
    "guard",
    "rule",
    "moved_to",
];

/// Masks the secrets in every free-text string; returns whether it masked any.
fn scrub_strings(v: &mut serde_json::Value, scrub: &[(String, String)]) -> bool {
    match v {
        serde_json::Value::String(text) => {
            let mut masked = false;
            for (secret, mask) in scrub {
                if text.contains(secret.as_str()) {
                    *text = text.replace(secret.as_str(), mask);
                    masked = true;
                }
            }
            masked
        }
        serde_json::Value::Array(items) => items
            .iter_mut()
            .fold(false, |m, i| scrub_strings(i, scrub) | m),
        serde_json::Value::Object(map) => map
            .iter_mut()
            .filter(|(key, _)| !STRUCTURAL.contains(&key.as_str()))
            .fold(false, |m, (_, item)| scrub_strings(item, scrub) | m),
        _ => false,
    }
}

/// Makes a new directory entry durable (the journal file's name, a run directory).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::record::{Actor, Body, Role};

    fn entry(text: &str) -> Entry {
        Entry {
            body: Body::OperatorNote { text: text.into() },
            step: None,
            actor: Actor {
                role: Role::Operator,
                user: "ops1".into(),
                uid: 1000,
                host: "h".into(),
            },
        }
    }

    #[test]
    fn chains_lines_and_scrubs_secrets_even_json_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let secret = "pa\"ss\\word".to_string();
        let mut w =
            Writer::create(dir.path(), &[(secret.clone(), "[REDACTED:pw]".into())]).unwrap();
        let r1 = w
            .append(&entry(&format!("typed {secret} by mistake")), Utc::now())
            .unwrap()
            .record;
        let r2 = w.append(&entry("second"), Utc::now()).unwrap().record;
        assert_eq!(r1.prev, GENESIS);
        let text = std::fs::read_to_string(dir.path().join(JOURNAL)).unwrap();
        let first = text.lines().next().unwrap();
        assert_eq!(r2.prev, sha256_hex(first.as_bytes()));
        assert!(
            !text.contains("ss\\\\word") && !text.contains("pa\\\"ss"),
            "{text}"
        );
        assert!(text.contains("typed [REDACTED:pw] by mistake"));
        assert_eq!(
            w.head(),
            sha256_hex(text.lines().nth(1).unwrap().as_bytes())
        );
        assert!(
            Writer::create(dir.path(), &[]).is_err(),
            "an existing journal is never replaced"
        );
    }

    #[test]
    fn the_record_handed_on_is_the_line_written_masked_or_not() {
        for secrets in [
            vec![],
            vec![("hunter22".to_string(), "[REDACTED:pw]".to_string())],
        ] {
            let dir = tempfile::tempdir().unwrap();
            let mut w = Writer::create(dir.path(), &secrets).unwrap();
            let batch = [
                entry("plain"),
                entry("typed hunter22 here"),
                entry("é \"q\" \t"),
            ];
            for written in w.append_all(&batch, Utc::now()).unwrap() {
                let read: Record = serde_json::from_str(&written.line).unwrap();
                assert_eq!(written.record, read, "{}", written.line);
                assert!(secrets.is_empty() || !written.line.contains("hunter22"));
            }
        }
    }

    #[test]
    fn a_short_numeric_secret_never_touches_numbers_or_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Writer::create(dir.path(), &[("1".into(), "[REDACTED:pin]".into())]).unwrap();
        for i in 0..12 {
            let rec = w
                .append(&entry(&format!("note {i} with pin 1")), Utc::now())
                .unwrap()
                .record;
            assert_eq!(rec.seq, i + 1);
        }
        let text = std::fs::read_to_string(dir.path().join(JOURNAL)).unwrap();
        assert!(
            text.contains("note [REDACTED:pin][REDACTED:pin] with pin [REDACTED:pin]"),
            "{text}"
        );
        assert!(
            text.contains("\"user\":\"ops1\""),
            "the actor is not free text: {text}"
        );
        let j = crate::journal::reader::parse(text.as_bytes()).expect("the chain verifies");
        assert_eq!(j.records.len(), 12);
    }

    #[test]
    fn a_full_disk_is_an_error_not_a_silent_loss() {
        let dir = tempfile::tempdir().unwrap();
        let full = OpenOptions::new().append(true).open("/dev/full").unwrap();
        let mut w = Writer::over(full, dir.path(), 1, GENESIS.into(), &[]);
        let err = w
            .append(&entry("lost?"), Utc::now())
            .err()
            .expect("ENOSPC surfaces");
        assert_eq!(err.raw_os_error(), Some(libc::ENOSPC));
        assert_eq!(w.records(), 0, "nothing counts as written");
    }
}
