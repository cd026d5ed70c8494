//! The output of the command running now, as the driver passed it on to the screen and the
//! watchers: what a watcher who joins while the command runs is sent of it. Its log cannot
//! serve: the runner writes the log through a buffer on its own thread, so at a join the
//! file holds less than the watchers were sent, or more (pieces still on their way to the
//! driver), and the replay and the live output would miss or repeat lines where they meet.
//! The tail is filled on the driver's thread, in the same call that appends each piece to
//! the live log (`Hub::output`), so a join taken between two pieces meets exactly
//! (ARCHITECTURE.md, share section). Bounded like a finished command's backlog: the last
//! [`PER_COMMAND`] bytes, the start of a longer output said to be only in the log.

use std::collections::VecDeque;

use bytes::Bytes;

use super::frame;
use super::protocol::{FrameError, ServerMsg};
use crate::exec::stream::{OutputChunk, Stream};
use crate::text_safety::sanitize;

/// The end of one command's output a late watcher is sent: of a finished command's log
/// (`backlog.rs`), or of the running command's tail.
pub const PER_COMMAND: u64 = 64 * 1024;

/// One piece of output as the driver got it.
#[derive(Clone)]
struct Piece {
    step: usize,
    stderr: bool,
    bytes: Bytes,
}

/// The running command's output so far, newest last.
#[derive(Clone, Default)]
pub struct Tail {
    /// The command's log, as its `command_started` names it.
    pub log: String,
    pieces: VecDeque<Piece>,
    bytes: u64,
    /// Bytes left out at the front (the log has them).
    cut: u64,
}

impl Tail {
    pub fn new(log: &str) -> Tail {
        Tail {
            log: log.to_string(),
            ..Tail::default()
        }
    }

    pub fn push(&mut self, chunk: &OutputChunk) {
        self.push_bytes(
            chunk.step,
            chunk.stream == Stream::Stderr,
            Bytes::copy_from_slice(&chunk.bytes),
        );
    }

    /// A line of shisa's own among the output (output not passed on, say).
    pub fn push_note(&mut self, step: usize, text: &str) {
        self.push_bytes(step, false, Bytes::copy_from_slice(text.as_bytes()));
    }

    fn push_bytes(&mut self, step: usize, stderr: bool, bytes: Bytes) {
        self.bytes += bytes.len() as u64;
        self.pieces.push_back(Piece {
            step,
            stderr,
            bytes,
        });
        while self.bytes > PER_COMMAND
            && let Some(gone) = self.pieces.pop_front()
        {
            self.bytes -= gone.bytes.len() as u64;
            self.cut += gone.bytes.len() as u64;
        }
    }

    /// The bytes kept.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The frames a joining watcher is sent: the same frames the live log got for these
    /// pieces (`output_frame`), after a line saying what only the log holds, if anything.
    pub fn frames(&self) -> Result<Vec<Bytes>, FrameError> {
        let mut out = Vec::with_capacity(self.pieces.len() + 1);
        if self.cut > 0
            && let Some(first) = self.pieces.front()
        {
            let note = format!(
                "… {} earlier bytes of this output are only in {}\n",
                self.cut, self.log
            );
            out.push(output_frame(first.step, false, note.as_bytes())?);
        }
        for p in &self.pieces {
            out.push(output_frame(p.step, p.stderr, &p.bytes)?);
        }
        Ok(out)
    }
}

/// An `output` frame: each line made printable, the line ends kept as they came.
pub fn output_frame(step: usize, stderr: bool, bytes: &[u8]) -> Result<Bytes, FrameError> {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<String> = text
        .split('\n')
        .map(|l| sanitize(l.as_bytes(), true))
        .collect();
    frame::encode(&ServerMsg::Output {
        step,
        stderr,
        text: lines.join("\n"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past the bound the oldest pieces go and the first frame says how much only the log
    /// holds; what is kept is the newest output, whole pieces, in order.
    #[test]
    fn a_long_output_keeps_its_newest_pieces_and_says_what_is_left_out() {
        let mut t = Tail::new("output/0002-count.log");
        let piece = vec![b'x'; 1000];
        for _ in 0..100 {
            t.push(&OutputChunk {
                step: 1,
                stream: Stream::Stdout,
                bytes: piece.clone(),
            });
        }
        let frames = t.frames().unwrap();
        let kept = (PER_COMMAND / 1000) as usize;
        assert_eq!(frames.len(), kept + 1);
        let first: serde_json::Value = serde_json::from_slice(&frames[0][4..]).unwrap();
        let cut = 100_000 - 1000 * kept;
        assert_eq!(
            first["text"],
            format!("… {cut} earlier bytes of this output are only in output/0002-count.log\n")
        );
    }
}
