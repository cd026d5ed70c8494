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

use bytes::{Buf, Bytes, BytesMut};

use super::frame;
use super::protocol::{FrameError, ServerMsg};
use crate::exec::stream::{OutputChunk, Stream};
use crate::text_safety::sanitize;

/// The end of one command's output a late watcher is sent: of a finished command's log
/// (`backlog.rs`), or of the running command's tail.
pub const PER_COMMAND: u64 = 64 * 1024;
/// Pieces of one stream are joined up to this size: output that drips (a progress bar, a
/// `printf` in a loop) would otherwise keep tens of thousands of pieces, each copied at
/// every join and sent as a frame of its own.
const JOIN_UP_TO: usize = 4 * 1024;

/// One piece of output as the driver got it.
#[derive(Clone)]
struct Piece {
    step: usize,
    stderr: bool,
    /// Grown in place while pieces of its stream follow it (amortised, not a copy a piece).
    bytes: BytesMut,
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
        self.push_bytes(chunk.step, chunk.stream == Stream::Stderr, &chunk.bytes);
    }

    /// A line of shisa's own among the output (output not passed on, say).
    pub fn push_note(&mut self, step: usize, text: &str) {
        self.push_bytes(step, false, text.as_bytes());
    }

    fn push_bytes(&mut self, step: usize, stderr: bool, bytes: &[u8]) {
        self.bytes += bytes.len() as u64;
        match self.pieces.back_mut() {
            Some(last)
                if last.step == step
                    && last.stderr == stderr
                    && last.bytes.len() + bytes.len() <= JOIN_UP_TO =>
            {
                last.bytes.extend_from_slice(bytes)
            }
            _ => self.pieces.push_back(Piece {
                step,
                stderr,
                bytes: BytesMut::from(bytes),
            }),
        }
        // Exactly the newest bytes are kept: a piece larger than the bound (a full pipe
        // read, with what the redactor held back) keeps its end rather than going whole.
        while self.bytes > PER_COMMAND
            && let Some(front) = self.pieces.front_mut()
        {
            let over = self.bytes - PER_COMMAND;
            let len = front.bytes.len() as u64;
            let gone = if len <= over {
                self.pieces.pop_front();
                len
            } else {
                front.bytes.advance(over as usize);
                over
            };
            self.bytes -= gone;
            self.cut += gone;
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

    fn texts(t: &Tail) -> Vec<String> {
        let frames = t.frames().unwrap();
        frames
            .iter()
            .map(|f| {
                let v: serde_json::Value = serde_json::from_slice(&f[4..]).unwrap();
                v["text"].as_str().unwrap().to_string()
            })
            .collect()
    }

    fn chunk(bytes: &[u8], stream: Stream) -> OutputChunk {
        OutputChunk {
            step: 1,
            stream,
            skipped: None,
            bytes: bytes.to_vec(),
        }
    }

    /// Past the bound the oldest output goes and the first frame says how much only the log
    /// holds; what is kept is exactly the newest bytes, in order.
    #[test]
    fn a_long_output_keeps_its_newest_bytes_and_says_what_is_left_out() {
        let mut t = Tail::new("output/0002-count.log");
        for i in 0..100u8 {
            t.push(&chunk(&[b'a' + i % 26; 1000], Stream::Stdout));
        }
        let texts = texts(&t);
        let cut = 100_000 - PER_COMMAND;
        assert_eq!(
            texts[0],
            format!("… {cut} earlier bytes of this output are only in output/0002-count.log\n")
        );
        let kept: String = texts[1..].concat();
        assert_eq!(kept.len() as u64, PER_COMMAND);
        assert!(kept.ends_with(&"v".repeat(1000)), "the newest piece last");
    }

    /// One piece larger than the bound (a 64 KiB pipe read plus what the redactor held
    /// back) keeps its end and says the rest is in the log: a joiner never gets nothing.
    #[test]
    fn a_piece_larger_than_the_bound_keeps_its_end() {
        let mut t = Tail::new("output/0003-dd.log");
        let big = vec![b'y'; PER_COMMAND as usize + 5000];
        t.push(&chunk(&big, Stream::Stdout));
        let texts = texts(&t);
        assert_eq!(texts.len(), 2, "{:?}", &texts[0]);
        assert!(texts[0].starts_with("… 5000 earlier bytes"), "{}", texts[0]);
        assert_eq!(texts[1].len() as u64, PER_COMMAND);
    }

    /// Output that drips is joined into pieces of a few KiB, stdout and stderr kept apart
    /// and in order, so a join copies and sends a handful of frames, not one per `printf`.
    #[test]
    fn dripping_output_is_joined_into_few_pieces() {
        let mut t = Tail::new("output/0004-drip.log");
        for i in 0..20_000 {
            t.push(&chunk(b"#", Stream::Stdout));
            if i % 5_000 == 0 {
                t.push(&chunk(b"!", Stream::Stderr));
            }
        }
        let texts = texts(&t);
        assert!(texts.len() < 20, "{} frames", texts.len());
        assert_eq!(texts.concat().len(), 20_004);
        assert_eq!(texts.iter().filter(|x| x.as_str() == "!").count(), 4);
    }
}
