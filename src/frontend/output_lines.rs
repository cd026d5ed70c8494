//! Output arrives in pieces cut where a read of the command's pipe ended, not where a line
//! did. Line mode, the operator's (`headless`) and a watcher's (`shisa watch --headless`),
//! prints whole lines: the unfinished end of a piece waits, per step and stream, for the
//! rest of its line, and is printed as it is once its command has ended.

use std::collections::BTreeMap;
use std::io::Write;

use crate::text_safety::sanitize;

/// Lines longer than this are printed in pieces (the log keeps them whole).
const LINE_CAP: usize = 64 * 1024;

#[derive(Default)]
pub struct OutputLines {
    /// The unfinished end of each (step, stderr) stream.
    partial: BTreeMap<(usize, bool), Vec<u8>>,
}

impl OutputLines {
    /// Adds a piece of step `step`'s output: `line` gets each line it finishes, without its
    /// newline, and whether it is stderr.
    pub fn push(
        &mut self,
        step: usize,
        stderr: bool,
        bytes: &[u8],
        mut line: impl FnMut(&[u8], bool),
    ) {
        let key = (step, stderr);
        let mut buf = self.partial.remove(&key).unwrap_or_default();
        buf.extend_from_slice(bytes);
        let mut start = 0;
        while let Some(nl) = buf[start..].iter().position(|&b| b == b'\n') {
            line(&buf[start..start + nl], stderr);
            start += nl + 1;
        }
        let mut rest = buf.split_off(start);
        while rest.len() > LINE_CAP {
            let tail = rest.split_off(LINE_CAP);
            line(&rest, stderr);
            rest = tail;
        }
        if !rest.is_empty() {
            self.partial.insert(key, rest);
        }
    }

    /// Output was skipped after this stream's unfinished end: it is printed as it is, so
    /// that it does not join the line after the gap.
    pub fn cut(&mut self, step: usize, stderr: bool, mut line: impl FnMut(&[u8], bool)) {
        if let Some(rest) = self.partial.remove(&(step, stderr)) {
            line(&rest, stderr);
        }
    }

    /// The unfinished ends, as they are: their command ended, or the watch did, before
    /// their newline came.
    pub fn finish(&mut self, mut line: impl FnMut(&[u8], bool)) {
        for ((_, stderr), rest) in std::mem::take(&mut self.partial) {
            line(&rest, stderr);
        }
    }
}

/// One line of a command's output, indented under the line of the event it belongs to;
/// `!` marks stderr.
pub fn output_line(out: &mut impl Write, color: bool, bytes: &[u8], stderr: bool) {
    let text = sanitize(bytes, color);
    let bar = if stderr { "!" } else { "│" };
    let _ = writeln!(out, "              {bar} {text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(pieces: &[(usize, bool, &str)], finish: bool) -> Vec<(String, bool)> {
        let mut got = Vec::new();
        let mut o = OutputLines::default();
        let mut say = |l: &[u8], e: bool| got.push((String::from_utf8_lossy(l).into_owned(), e));
        for (step, stderr, text) in pieces {
            o.push(*step, *stderr, text.as_bytes(), &mut say);
        }
        if finish {
            o.finish(&mut say);
        }
        got
    }

    /// A line cut between two pieces is one line; stderr's unfinished line does not join
    /// stdout's.
    #[test]
    fn a_line_cut_between_pieces_is_printed_whole() {
        let got = lines(
            &[
                (0, false, "row 1\nro"),
                (0, true, "warn"),
                (0, false, "w 2\nrow 3"),
                (0, true, "ing\n"),
            ],
            false,
        );
        let want = [("row 1", false), ("row 2", false), ("warning", true)];
        let want: Vec<(String, bool)> = want.iter().map(|(l, e)| (l.to_string(), *e)).collect();
        assert_eq!(got, want);
    }

    /// What never got its newline is printed when the command ends, not lost.
    #[test]
    fn an_unfinished_last_line_is_printed_at_the_end() {
        let got = lines(&[(3, false, "done, no newline")], true);
        assert_eq!(got, vec![("done, no newline".to_string(), false)]);
    }

    /// A line with no newline for ever is printed in pieces, so what is held stays bounded.
    #[test]
    fn a_line_longer_than_the_cap_is_printed_in_pieces() {
        let long = "x".repeat(LINE_CAP * 2 + 5);
        let got = lines(&[(0, false, &long)], false);
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|(l, _)| l.len() == LINE_CAP));
    }
}
