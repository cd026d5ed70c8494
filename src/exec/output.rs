//! Where a command's output goes: every byte, in the order it was read, to the judged copy
//! of stdout (raw, for expectations and captures) and through one redactor to the log
//! (hashed as written); from there, per stream, to the screen.
//!
//! Why one redactor over both streams: stdout and stderr share the log file, so a secret
//! written half to each would land whole in the log past two separate redactors. Scrubbing
//! the merged stream in write order makes the log exactly the redaction of what was
//! written, whatever the interleaving. The screen assembles lines per stream, so each
//! stream's share is scrubbed once more on its own: a secret written to stdout around a
//! stray stderr byte is caught there too.

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
    merged: Redactor<Stream>,
    screen: [Screen; 2],
    step: usize,
    tx: mpsc::Sender<OutputChunk>,
    dropped: Arc<AtomicU64>,
}

struct Log {
    file: BufWriter<File>,
    hasher: Hasher,
    bytes: u64,
    error: Option<std::io::Error>,
}

struct Screen {
    redactor: Redactor,
    pending: Vec<u8>,
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
    ) -> Output {
        let screen = || Screen {
            redactor: Redactor::new(redactions),
            pending: Vec::new(),
        };
        Output {
            log: Log {
                file: BufWriter::with_capacity(1 << 16, file),
                hasher: Hasher::default(),
                bytes: 0,
                error: None,
            },
            stdout: Vec::new(),
            stdout_truncated: false,
            merged: Redactor::new(redactions),
            screen: [screen(), screen()],
            step,
            tx,
            dropped,
        }
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
        }
        let Output {
            merged,
            log,
            screen,
            ..
        } = self;
        merged.push(stream, bytes, &mut |s, clean| {
            pass_on(log, screen, s, clean)
        });
    }

    /// A line of shisa's own in the log (why the command could not start).
    pub fn note(&mut self, bytes: &[u8]) {
        self.log.write(bytes);
    }

    /// Sends what the screen has not seen yet.
    pub fn show(&mut self) {
        for (screen, stream) in self.screen.iter_mut().zip([Stream::Stdout, Stream::Stderr]) {
            if screen.pending.is_empty() {
                continue;
            }
            let bytes = std::mem::take(&mut screen.pending);
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
            merged,
            log,
            screen,
            ..
        } = &mut self;
        merged.finish(&mut |s, clean| pass_on(log, screen, s, clean));
        for s in screen.iter_mut() {
            let pending = &mut s.pending;
            s.redactor.finish(&mut |_, b| pending.extend_from_slice(b));
        }
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

/// Scrubbed bytes of one stream: to the log, and on to that stream's screen redactor.
fn pass_on(log: &mut Log, screen: &mut [Screen; 2], stream: Stream, clean: &[u8]) {
    log.write(clean);
    let s = &mut screen[stream as usize];
    let pending = &mut s.pending;
    s.redactor
        .push((), clean, &mut |_, b| pending.extend_from_slice(b));
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
