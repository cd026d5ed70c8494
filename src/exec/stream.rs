//! What a command's output is on its way to the screen: which stream a piece came from,
//! and the piece itself. The runner produces these; the TUI, headless, the share hub and
//! the watcher consume them.

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
    pub bytes: Vec<u8>,
}
