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

use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;

use super::redact::Redactor;
use super::stream::{OutputChunk, Stream};
use crate::hash::Hasher;

/// How much of stdout is kept in memory for expectations and captures.
pub(super) const STDOUT_KEEP: usize = 1 << 20;

pub(super) struct Output {
    log: Log,
    stdout: Vec<u8>,
    stdout_truncated: bool,
    /// First layer: one redactor per stream.
    streams: [Redactor; 2],
    /// Second layer: both streams' scrubbed bytes, in the order they came out.
    merged: Redactor<Stream>,
    /// Per stream, scrubbed bytes the screen has not been sent yet.
    pending: [Vec<u8>; 2],
    step: usize,
    tx: mpsc::Sender<OutputChunk>,
    dropped: Arc<AtomicU64>,
    /// Stdout holds a secret capture: judged from memory, never logged or shown.
    withhold_stdout: bool,
}

struct Log {
    file: BufWriter<File>,
    hasher: Hasher,
    bytes: u64,
    error: Option<std::io::Error>,
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
        dropped: Arc<AtomicU64>,
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
            pending: [Vec::new(), Vec::new()],
            step,
            tx,
            dropped,
            withhold_stdout: !withhold_stdout.is_empty(),
        };
        if out.withhold_stdout {
            let note = format!(
                "shisa: stdout is not kept or shown: it holds the secret capture {}\n",
                withhold_stdout.join(", ")
            );
            out.log.write(note.as_bytes());
            out.pending[Stream::Stderr as usize].extend_from_slice(note.as_bytes());
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

    /// Sends what the screen has not seen yet.
    pub fn show(&mut self) {
        for (pending, stream) in self
            .pending
            .iter_mut()
            .zip([Stream::Stdout, Stream::Stderr])
        {
            if pending.is_empty() {
                continue;
            }
            let bytes = std::mem::take(pending);
            let len = bytes.len() as u64;
            let chunk = OutputChunk {
                step: self.step,
                stream,
                bytes,
            };
            // The screen is best effort; the log has everything.
            if self.tx.try_send(chunk).is_err() {
                self.dropped.fetch_add(len, Ordering::Relaxed);
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
        self.show();
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
        Ok(Written {
            bytes: log.bytes,
            sha256: std::mem::take(&mut log.hasher).finish(),
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
    pending: &mut [Vec<u8>; 2],
    stream: Stream,
    clean: &[u8],
) {
    pending[stream as usize].extend_from_slice(clean);
    merged.push(stream, clean, &mut |_, b| log.write(b));
}

impl Log {
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
