//! Command output kept for the screen: a bounded tail per step. The log file on disk has
//! every byte; here a flood costs a few thousand lines of memory and no more, and what was
//! let go is counted so the screen can say so and point at the log.

use std::collections::{BTreeMap, VecDeque};

use ratatui::style::Style;

use crate::exec::stream::Stream;
use crate::text_safety::sanitize;

use super::ansi;

/// Lines kept per step.
pub const MAX_LINES: usize = 2000;
/// Bytes kept per step (long lines would otherwise make MAX_LINES expensive).
pub const MAX_BYTES: usize = 1 << 20;
/// A line longer than this is shown in pieces.
pub const MAX_LINE: usize = 2048;

#[derive(Debug, Clone, PartialEq)]
pub struct OutLine {
    /// As printed (secrets already scrubbed by the runner). Made printable only when drawn:
    /// a flood costs a split per line, and only the few lines on screen are sanitized.
    pub raw: Box<[u8]>,
    /// The SGR style in force where the line begins.
    pub start: Style,
    pub kind: LineKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Stdout,
    Stderr,
    /// shisa's own line: which command starts here.
    Marker,
    /// shisa's own line: output the screen could not keep up with was skipped here.
    Skipped,
}

#[derive(Debug, Default)]
pub struct StepOutput {
    pub lines: VecDeque<OutLine>,
    bytes: usize,
    /// Lines no longer kept in memory (all are in the log).
    pub dropped: u64,
    partial: [Vec<u8>; 2],
    style: [Style; 2],
    /// The latest command's log, relative to the run directory.
    pub log: Option<String>,
}

impl StepOutput {
    fn push(&mut self, line: OutLine) {
        self.bytes += line.raw.len();
        self.lines.push_back(line);
        while self.lines.len() > MAX_LINES || (self.bytes > MAX_BYTES && self.lines.len() > 1) {
            if let Some(old) = self.lines.pop_front() {
                self.bytes -= old.raw.len();
                self.dropped += 1;
            }
        }
    }

    /// The unfinished last line of each stream, as it would be shown now.
    pub fn partial_lines(&self) -> Vec<OutLine> {
        [Stream::Stdout, Stream::Stderr]
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.partial[*i].is_empty())
            .map(|(i, s)| OutLine {
                raw: last_segment(&self.partial[i]).into(),
                start: self.style[i],
                kind: kind(*s),
            })
            .collect()
    }
}

impl StepOutput {
    /// The last `n` lines the latest command printed: those between its header and the
    /// marker of its result (the last line), made printable.
    pub fn last_output(&self, n: usize) -> Vec<String> {
        let mut out: Vec<String> = self
            .lines
            .iter()
            .rev()
            .skip_while(|l| l.kind == LineKind::Marker)
            .take_while(|l| l.kind != LineKind::Marker)
            .take(n)
            .map(|l| l.text(false))
            .collect();
        out.reverse();
        out
    }
}

impl OutLine {
    /// The line as it may be drawn: nothing that acts on a terminal, colours only if asked.
    pub fn text(&self, color: bool) -> String {
        sanitize(&self.raw, color)
    }
}

fn kind(s: Stream) -> LineKind {
    match s {
        Stream::Stdout => LineKind::Stdout,
        Stream::Stderr => LineKind::Stderr,
    }
}

/// What a line shows after carriage returns: the last thing written over it (progress bars
/// redraw one line with `\r`).
fn last_segment(line: &[u8]) -> &[u8] {
    line.rsplit(|&b| b == b'\r')
        .find(|s| !s.is_empty())
        .unwrap_or(&[])
}

#[derive(Debug, Default)]
pub struct Scrollback {
    steps: BTreeMap<usize, StepOutput>,
    pub color: bool,
}

impl Scrollback {
    pub fn new(color: bool) -> Scrollback {
        Scrollback {
            steps: BTreeMap::new(),
            color,
        }
    }

    pub fn get(&self, step: usize) -> Option<&StepOutput> {
        self.steps.get(&step)
    }

    /// Appends a chunk; returns how many whole lines it completed.
    pub fn push(&mut self, step: usize, stream: Stream, bytes: &[u8]) -> usize {
        let color = self.color;
        let out = self.steps.entry(step).or_default();
        let i = (stream == Stream::Stderr) as usize;
        let mut added = 0;
        let mut rest = bytes;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
            let (head, tail) = rest.split_at(nl);
            rest = &tail[1..];
            if out.partial[i].is_empty() {
                line_done(out, i, stream, head, color);
            } else {
                let mut whole = std::mem::take(&mut out.partial[i]);
                whole.extend_from_slice(head);
                line_done(out, i, stream, &whole, color);
            }
            added += 1;
        }
        out.partial[i].extend_from_slice(rest);
        // A line with no end in sight (a binary flood, a progress bar) is shown in pieces,
        // so memory stays bounded.
        while out.partial[i].len() > MAX_LINE {
            let tail = out.partial[i].split_off(MAX_LINE);
            let piece = std::mem::replace(&mut out.partial[i], tail);
            line_done(out, i, stream, &piece, color);
            added += 1;
        }
        added
    }

    /// Ends unfinished lines (the command is over).
    pub fn flush(&mut self, step: usize) -> usize {
        let color = self.color;
        let Some(out) = self.steps.get_mut(&step) else {
            return 0;
        };
        let mut added = 0;
        for (i, stream) in [Stream::Stdout, Stream::Stderr].into_iter().enumerate() {
            let rest = std::mem::take(&mut out.partial[i]);
            if !rest.is_empty() {
                line_done(out, i, stream, &rest, color);
                added += 1;
            }
        }
        added
    }

    /// Output of `stream` was skipped here: its unfinished line ends, and the pane says so
    /// where the gap is. Returns how many lines that added.
    pub fn skipped(&mut self, step: usize, stream: Stream, note: String) -> usize {
        let color = self.color;
        let out = self.steps.entry(step).or_default();
        let i = (stream == Stream::Stderr) as usize;
        let rest = std::mem::take(&mut out.partial[i]);
        let ended = !rest.is_empty();
        if ended {
            line_done(out, i, stream, &rest, color);
        }
        out.push(OutLine {
            raw: note.into_bytes().into(),
            start: Style::default(),
            kind: LineKind::Skipped,
        });
        ended as usize + 1
    }

    /// A line of shisa's own in the step's output (which command starts, how it ended).
    pub fn marker(&mut self, step: usize, text: String) -> usize {
        let added = self.flush(step);
        self.steps.entry(step).or_default().push(OutLine {
            raw: text.into_bytes().into(),
            start: Style::default(),
            kind: LineKind::Marker,
        });
        added + 1
    }

    /// A command of the step starts: say which, and remember where its log is.
    pub fn command_started(&mut self, step: usize, text: String, log: String) -> usize {
        let added = self.marker(step, text);
        let out = self.steps.entry(step).or_default();
        out.log = Some(log);
        out.style = [Style::default(); 2];
        added
    }
}

fn line_done(out: &mut StepOutput, i: usize, stream: Stream, raw: &[u8], color: bool) {
    let seg = last_segment(raw);
    let start = out.style[i];
    // Only a line with an escape in it can change the colour the next line starts with.
    if color && seg.contains(&0x1b) {
        out.style[i] = ansi::end_style(&sanitize(seg, true), start);
    }
    out.push(OutLine {
        raw: seg.into(),
        start,
        kind: kind(stream),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_chunks_and_carriage_returns() {
        let mut s = Scrollback::new(false);
        assert_eq!(s.push(0, Stream::Stdout, b"one\ntw"), 1);
        assert_eq!(
            s.push(0, Stream::Stdout, b"o\n10%\r50%\r100%\n\x1b]0;title\x07x"),
            2
        );
        let out = s.get(0).unwrap();
        let texts: Vec<String> = out.lines.iter().map(|l| l.text(false)).collect();
        assert_eq!(texts, ["one", "two", "100%"]);
        assert_eq!(out.partial_lines()[0].text(false), "x");
        assert_eq!(s.flush(0), 1);
        assert_eq!(s.get(0).unwrap().lines.back().unwrap().text(false), "x");
    }

    #[test]
    fn a_flood_keeps_a_bounded_tail_and_counts_the_rest() {
        let mut s = Scrollback::new(true);
        let chunk = "0123456789abcdef\n".repeat(4096);
        for _ in 0..10 {
            s.push(3, Stream::Stdout, chunk.as_bytes());
        }
        let out = s.get(3).unwrap();
        assert_eq!(out.lines.len(), MAX_LINES);
        assert_eq!(out.dropped, 10 * 4096 - MAX_LINES as u64);
        // One endless line is cut into pieces instead of growing without bound.
        s.push(4, Stream::Stdout, &vec![b'x'; 10 * MAX_LINE + 5]);
        let out = s.get(4).unwrap();
        assert_eq!(out.lines.len(), 10);
        assert_eq!(out.partial_lines()[0].text(true).len(), 5);
    }

    /// A skip is a line of its own where it happened: the unfinished line before it ends
    /// there, not joined to the first line after the gap; the other stream's half line
    /// waits on; the failure dialog's last lines run through it to the end.
    #[test]
    fn a_skip_is_marked_where_it_happened_and_the_last_lines_follow_it() {
        let mut s = Scrollback::new(false);
        s.marker(0, "── main".into());
        s.push(0, Stream::Stdout, b"1\n2\n2999");
        s.push(0, Stream::Stderr, b"warn");
        let note = "… 5 lines (40 bytes) skipped here".to_string();
        assert_eq!(s.skipped(0, Stream::Stdout, note.clone()), 2);
        s.push(0, Stream::Stdout, b"3000000\n");
        s.push(0, Stream::Stderr, b"ing: FATAL\n");
        let out = s.get(0).unwrap();
        let kinds: Vec<LineKind> = out.lines.iter().map(|l| l.kind).collect();
        use LineKind::*;
        assert_eq!(
            kinds,
            [Marker, Stdout, Stdout, Stdout, Skipped, Stdout, Stderr]
        );
        assert_eq!(
            out.last_output(4),
            ["2999", note.as_str(), "3000000", "warning: FATAL"]
        );
    }

    #[test]
    fn colours_carry_across_lines_of_one_stream() {
        let mut s = Scrollback::new(true);
        s.push(0, Stream::Stdout, b"\x1b[31mred\nstill red\n");
        let lines = &s.get(0).unwrap().lines;
        assert_eq!(lines[1].start.fg, Some(ratatui::style::Color::Indexed(1)));
    }
}
