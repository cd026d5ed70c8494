//! What a command's output is on its way to the screen: which stream a piece came from,
//! and the piece itself. The runner produces these; the TUI, headless, the share hub and
//! the watcher consume them.

use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// A piece of output for the screen (already scrubbed of secrets, not yet made printable).
#[derive(Debug, Clone)]
pub struct OutputChunk {
    pub step: usize,
    pub stream: Stream,
    /// Output of this stream left out just before these bytes: the screen could not keep
    /// up. Carried by the piece that follows the gap, so every front end marks it where it
    /// happened (ARCHITECTURE.md, "Output").
    pub skipped: Option<Skipped>,
    pub bytes: Vec<u8>,
}

/// Output one stream's screen never got. Whole lines: the runner cuts after a newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub lines: u64,
    pub bytes: u64,
    /// The command's log, which has all of it (as the run's directory was given).
    pub log: Arc<str>,
}

impl Skipped {
    /// The one sentence every front end and watcher shows where output was skipped.
    pub fn note(&self) -> String {
        let size = match self.bytes {
            b if b < 1 << 10 => format!("{b} bytes"),
            b if b < 1 << 20 => format!("{} KiB", b.div_ceil(1 << 10)),
            b => format!("{:.1} MiB", b as f64 / f64::from(1 << 20)),
        };
        let lines = match self.lines {
            1 => "1 line".to_string(),
            n => format!("{n} lines"),
        };
        format!(
            "… {lines} ({size}) skipped here, the screen could not keep up; the log has all of it: {}",
            self.log
        )
    }
}
