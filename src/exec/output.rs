//! Where a command's output goes: every byte, in the order it was read, to the judged copy
//! of stdout (raw, for expectations and captures); then through two layers of redaction to
//! the log (hashed as written), and through the first layer to the screen.
//!
//! Why two layers: each stream is scrubbed on its own first, so a secret written to stdout
//! around a stray stderr byte is caught (a redactor over the merged bytes would see it cut
//! in two and let both halves through). Stdout and stderr then share the log file, so what
//! the first layer lets out is scrubbed again as one stream in write order: a secret
//! written half to each stream cannot land whole in the log either. The screen assembles
//! lines per stream and gets the first layer's output.
//!
//! The screen is best effort, but never silent about it and never short of the end
//! (ARCHITECTURE.md, "The end of a command's output is always shown"): while the screen's
//! channel is full each stream keeps its newest `SCREEN_HOLD` bytes, letting go of whole
//! lines from the front, and the next piece that gets through says how much was let go
//! there. The last piece of each stream waits for room, so what a command printed last,
//! its error line above all, is always shown before its result.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use super::redact::Redactor;
use super::stream::{OutputChunk, Skipped, Stream};
use crate::hash::Hasher;

/// How much of stdout is kept in memory for expectations and captures.
pub(super) const STDOUT_KEEP: usize = 1 << 20;

/// How much of each stream waits for the screen while it cannot keep up: the newest bytes,
/// so that a flood's end is what the screen gets. 64 KiB is a screenful many times over,
/// and one pipe read.
pub(super) const SCREEN_HOLD: usize = 64 * 1024;

/// How long output may sit in the log's buffer before it is written.
const LOG_FLUSH: Duration = Duration::from_millis(100);

pub(super) struct Output {
    log: Log,
    stdout: Vec<u8>,
    stdout_truncated: bool,
    /// First layer: one redactor per stream.
    streams: [Redactor; 2],
    /// Second layer: both streams' scrubbed bytes, in the order they came out.
    merged: Redactor<Stream>,
    /// Per stream, scrubbed bytes the screen has not been sent yet (at most
    /// `SCREEN_HOLD` and a read), and what was let go before them.
    pending: [Pending; 2],
    step: usize,
    tx: mpsc::Sender<OutputChunk>,
    /// The log's path, for the note where output was skipped.
    log_path: Arc<str>,
    /// When the log's buffer was last written out (`flush_due`).
    flushed: Instant,
    /// Stdout holds a secret capture: judged from memory, never logged or shown.
    withhold_stdout: bool,
}

struct Log {
    file: BufWriter<File>,
    hasher: Hasher,
    bytes: u64,
    error: Option<std::io::Error>,
}

/// One stream's output waiting for the screen.
#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    /// Lines and bytes let go before `bytes`, not yet said.
    skipped: (u64, u64),
}

impl Pending {
    fn push(&mut self, clean: &[u8]) {
        let excess = (self.bytes.len() + clean.len()).saturating_sub(SCREEN_HOLD);
        if excess == 0 {
            self.bytes.extend_from_slice(clean);
            return;
        }
        // Let go of whole lines: through the first newline past the excess, so the screen
        // resumes at a line's start. A line longer than the hold is cut where it must be.
        let line_end = |b: &[u8], from: usize| {
            (b[from..].iter().position(|&c| c == b'\n')).map_or(from, |at| from + at + 1)
        };
        if excess >= self.bytes.len() {
            // A flood: all that waited goes, and the front of the new bytes; nothing is
            // copied only to be let go.
            let cut = line_end(clean, excess - self.bytes.len());
            let_go(&mut self.skipped, &self.bytes);
            let_go(&mut self.skipped, &clean[..cut]);
            self.bytes.clear();
            self.bytes.extend_from_slice(&clean[cut..]);
        } else {
            self.bytes.extend_from_slice(clean);
            let cut = line_end(&self.bytes, excess);
            let_go(&mut self.skipped, &self.bytes[..cut]);
            self.bytes.drain(..cut);
        }
    }
}

/// Counts `gone` into `skipped` (lines, bytes).
fn let_go(skipped: &mut (u64, u64), gone: &[u8]) {
    // Counted a page at a time in u32 lanes, which the compiler turns into vector
    // compares: a flood lets go of nearly every byte it reads, and a byte-wise count
    // cost the command's thread a tenth of its time.
    let count = |page: &[u8]| page.iter().map(|&b| u32::from(b == b'\n')).sum::<u32>();
    skipped.0 += gone.chunks(4096).map(|p| u64::from(count(p))).sum::<u64>();
    skipped.1 += gone.len() as u64;
}

/// What the log holds once the command is done.
pub(super) struct Written {
    pub bytes: u64,
    pub sha256: String,
    pub stdout: Vec<u8>,
    pub stdout_truncated: bool,
}

impl Output {
    pub fn new(
        file: File,
        step: usize,
        redactions: &[(String, String)],
        tx: mpsc::Sender<OutputChunk>,
        log_path: &std::path::Path,
        withhold_stdout: &[String],
    ) -> Output {
        let mut out = Output {
            log: Log {
                file: BufWriter::with_capacity(1 << 16, file),
                hasher: Hasher::default(),
                bytes: 0,
                error: None,
            },
            stdout: Vec::new(),
            stdout_truncated: false,
            streams: [Redactor::new(redactions), Redactor::new(redactions)],
            merged: Redactor::new(redactions),
            pending: Default::default(),
            step,
            tx,
            log_path: log_path.to_string_lossy().into(),
            // Long ago: the first output is written at once.
            flushed: Instant::now()
                .checked_sub(LOG_FLUSH)
                .unwrap_or_else(Instant::now),
            withhold_stdout: !withhold_stdout.is_empty(),
        };
        if out.withhold_stdout {
            let note = format!(
                "shisa: stdout is not kept or shown: it holds the secret capture {}\n",
                withhold_stdout.join(", ")
            );
            out.log.write(note.as_bytes());
            out.pending[Stream::Stderr as usize].push(note.as_bytes());
        }
        out
    }

    /// Bytes just read from one of the command's pipes.
    pub fn take(&mut self, stream: Stream, bytes: &[u8]) {
        if stream == Stream::Stdout {
            // Expectations see what was printed, secrets included, from the first byte on;
            // only the engine reads this copy, and it masks whatever it journals.
            let room = STDOUT_KEEP.saturating_sub(self.stdout.len());
            self.stdout
                .extend_from_slice(&bytes[..room.min(bytes.len())]);
            self.stdout_truncated |= bytes.len() > room;
            if self.withhold_stdout {
                return;
            }
        }
        let Output {
            streams,
            merged,
            log,
            pending,
            ..
        } = self;
        // A stream lets a line out as soon as its end cannot begin a secret. But while the
        // other stream holds what may be a secret's start, its rest may be written here:
        // this stream then holds back as much as a secret is long, so that the two halves
        // reach the merged layer in the order they were written.
        let other = streams[1 - stream as usize].holding();
        streams[stream as usize].set_cautious(other);
        streams[stream as usize].push((), bytes, &mut |_, clean| {
            pass_on(merged, log, pending, stream, clean)
        });
    }

    /// A line of shisa's own in the log (why the command could not start).
    pub fn note(&mut self, bytes: &[u8]) {
        self.log.write(bytes);
    }

    /// Sends what the screen has not seen yet; what does not fit waits, the newest of it
    /// kept (`Pending::push`).
    ///
    /// The log is written through at most `LOG_FLUSH` later: what the screen has shown is
    /// in the log even if shisa is killed (`kill -9`, the OOM killer), so `resume` can show
    /// a command's last lines where no one saw it end. A write per read cost a flood 40,000
    /// extra writes for 200 MB; output that comes slower than that is written as it comes.
    pub fn show(&mut self) {
        if self.flush_due().is_some_and(|due| Instant::now() >= due) {
            self.log.flush();
            self.flushed = Instant::now();
        }
        self.send(false);
    }

    /// When the log's buffered bytes must be written, if it has any: the command's thread
    /// wakes for it even if no more output comes.
    pub fn flush_due(&self) -> Option<Instant> {
        let buffered = !self.log.file.buffer().is_empty() && self.log.error.is_none();
        buffered.then(|| self.flushed + LOG_FLUSH)
    }

    /// `last`: the command's output is over, so each stream's end is waited for, not
    /// skipped. Only the command's own thread may wait (the driver drains the channel on
    /// its loop); on the driver's thread itself (a command that could not start) a full
    /// channel cannot empty, so there the end is skipped, and said to be.
    fn send(&mut self, last: bool) {
        let may_wait = last && tokio::runtime::Handle::try_current().is_err();
        for (i, stream) in [Stream::Stdout, Stream::Stderr].into_iter().enumerate() {
            let pending = &mut self.pending[i];
            if pending.bytes.is_empty() {
                continue;
            }
            let (lines, bytes) = pending.skipped;
            let chunk = OutputChunk {
                step: self.step,
                stream,
                skipped: (bytes > 0).then(|| Skipped {
                    lines,
                    bytes,
                    log: Arc::clone(&self.log_path),
                }),
                bytes: std::mem::take(&mut pending.bytes),
            };
            let sent = match self.tx.try_send(chunk) {
                Err(TrySendError::Full(chunk)) if may_wait => self.tx.blocking_send(chunk).is_ok(),
                Err(TrySendError::Full(chunk)) => {
                    // Not sent: the bytes wait for the next try, the gap still unsaid.
                    pending.bytes = chunk.bytes;
                    false
                }
                // No screen any more: nothing to keep for it.
                Err(TrySendError::Closed(_)) => true,
                Ok(()) => true,
            };
            if sent {
                pending.skipped = (0, 0);
            }
        }
    }

    /// The end of the output: the rest is scrubbed, written and made durable.
    pub fn finish(mut self) -> std::io::Result<Written> {
        let Output {
            streams,
            merged,
            log,
            pending,
            ..
        } = &mut self;
        for (redactor, stream) in streams.iter_mut().zip([Stream::Stdout, Stream::Stderr]) {
            redactor.finish(&mut |_, clean| pass_on(merged, log, pending, stream, clean));
        }
        merged.finish(&mut |_, clean| log.write(clean));
        let log = &mut self.log;
        if let Some(e) = log.error.take() {
            return Err(e);
        }
        log.file.flush()?;
        // The journal will name this log's hash: make the log durable first. An empty log
        // has no data to lose, and most checks print nothing.
        if log.bytes > 0 {
            log.file.get_ref().sync_data()?;
        }
        // Then the screen's last pieces, which may wait for room: the log does not wait
        // for the screen.
        let (bytes, sha256) = (log.bytes, std::mem::take(&mut log.hasher).finish());
        self.send(true);
        Ok(Written {
            bytes,
            sha256,
            stdout: std::mem::take(&mut self.stdout),
            stdout_truncated: self.stdout_truncated,
        })
    }
}

/// Bytes one stream's redactor let out: to that stream's screen, and through the second
/// layer to the log.
fn pass_on(
    merged: &mut Redactor<Stream>,
    log: &mut Log,
    pending: &mut [Pending; 2],
    stream: Stream,
    clean: &[u8],
) {
    pending[stream as usize].push(clean);
    merged.push(stream, clean, &mut |_, b| log.write(b));
}

impl Log {
    /// Hands what is buffered to the kernel (no fsync: a crash of shisa keeps it; the fsync
    /// at the command's end is for the hash the journal names).
    fn flush(&mut self) {
        if self.error.is_none()
            && let Err(e) = self.file.flush()
        {
            self.error = Some(e);
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.error.is_some() || bytes.is_empty() {
            return;
        }
        match self.file.write_all(bytes) {
            Ok(()) => {
                self.hasher.update(bytes);
                self.bytes += bytes.len() as u64;
            }
            Err(e) => self.error = Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What waits is the newest output, from a line's start, and what went is counted
    /// exactly: whether the new bytes push out part of what waited or all of it.
    #[test]
    fn the_newest_whole_lines_wait_and_the_rest_is_counted() {
        let line = |n: usize| format!("{n:07}\n"); // 8 bytes
        let all: String = (0..20_000).map(line).collect();
        for piece in [1000, 8 * 1024 + 3, SCREEN_HOLD] {
            let mut p = Pending::default();
            for part in all.as_bytes().chunks(piece) {
                p.push(part);
            }
            assert!(p.bytes.len() <= SCREEN_HOLD, "{piece}");
            let kept = String::from_utf8(p.bytes.clone()).unwrap();
            assert!(all.ends_with(&kept), "{piece}");
            assert_eq!(p.skipped.1 as usize, all.len() - kept.len(), "{piece}");
            assert_eq!(
                p.skipped.0 as usize,
                20_000 - kept.lines().count(),
                "{piece}"
            );
            assert!(kept.starts_with(&line(20_000 - kept.lines().count())));
        }
    }
}
