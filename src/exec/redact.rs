//! Scrubs secret values out of an output stream as it flows, so that no log line, screen or
//! watcher ever holds one — even when a secret straddles two reads, or two streams.

use std::collections::VecDeque;

use aho_corasick::{AhoCorasick, MatchKind};

/// Holds back just enough bytes that a secret split across reads is still caught whole:
/// only an end of the stream that could be the start of a secret, so a line of output with
/// no such end reaches the screen (and the log) as soon as it is read.
///
/// Every byte carries a tag (which stream it came from): one redactor can scrub stdout and
/// stderr together, in the order they were written, and still say where each released piece
/// belongs. A secret that spans two tags is masked whole and shown under the tag where it
/// starts.
pub struct Redactor<T = ()> {
    ac: Option<AhoCorasick>,
    secrets: Vec<Vec<u8>>,
    masks: Vec<Vec<u8>>,
    hold: usize,
    /// Hold the whole `hold` whatever the end looks like: set while another stream holds
    /// what may be a secret's start, whose rest may come here (see `exec/output.rs`).
    cautious: bool,
    pending: Vec<u8>,
    /// The tags of `pending`, as runs of (tag, length).
    runs: VecDeque<(T, usize)>,
}

impl<T: Copy + PartialEq> Redactor<T> {
    pub fn new(pairs: &[(String, String)]) -> Redactor<T> {
        let pairs: Vec<&(String, String)> = pairs.iter().filter(|(s, _)| !s.is_empty()).collect();
        let ac = (!pairs.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(pairs.iter().map(|(s, _)| s.as_bytes()))
                    .ok()
            })
            .flatten();
        Redactor {
            hold: pairs.iter().map(|(s, _)| s.len()).max().unwrap_or(1) - 1,
            secrets: pairs.iter().map(|(s, _)| s.as_bytes().to_vec()).collect(),
            masks: pairs.iter().map(|(_, m)| m.as_bytes().to_vec()).collect(),
            ac,
            cautious: false,
            pending: Vec::new(),
            runs: VecDeque::new(),
        }
    }

    /// Takes new bytes; passes on, in order, the pieces that are safe to pass on now.
    pub fn push(&mut self, tag: T, input: &[u8], out: &mut impl FnMut(T, &[u8])) {
        if self.ac.is_none() {
            if !input.is_empty() {
                out(tag, input);
            }
            return;
        }
        if input.is_empty() {
            return self.release(self.hold, out);
        }
        self.pending.extend_from_slice(input);
        match self.runs.back_mut() {
            Some((last, len)) if *last == tag => *len += input.len(),
            _ => self.runs.push_back((tag, input.len())),
        }
        self.release(self.hold, out);
    }

    /// The end of the stream: everything held back, scrubbed.
    pub fn finish(&mut self, out: &mut impl FnMut(T, &[u8])) {
        self.release(0, out);
    }

    /// Whether the end of what this redactor holds could be the start of a secret.
    pub fn holding(&self) -> bool {
        self.undecided(self.hold) > 0
    }

    pub fn set_cautious(&mut self, cautious: bool) {
        self.cautious = cautious;
    }

    /// How many of the last bytes (at most `hold`) could be the start of a secret: the
    /// longest end of `pending` that some secret begins with and runs past. Every earlier
    /// position is then decided: what starts there is a whole secret or none.
    fn undecided(&self, hold: usize) -> usize {
        let n = self.pending.len();
        (1..=hold.min(n))
            .rev()
            .find(|&k| {
                let end = &self.pending[n - k..];
                self.secrets
                    .iter()
                    .any(|s| s.len() > k && s.starts_with(end))
            })
            .unwrap_or(0)
    }

    /// Passes on all but the end that could still become a secret, at most `hold` bytes
    /// (more when a match runs past them).
    fn release(&mut self, hold: usize, out: &mut impl FnMut(T, &[u8])) {
        let held = if self.cautious {
            hold
        } else {
            self.undecided(hold)
        };
        let Some(ac) = &self.ac else { return };
        let safe_end = self.pending.len().saturating_sub(held);
        let mut tags = Tags::new(&self.runs);
        let mut done = 0;
        for m in ac.find_iter(&self.pending) {
            if m.start() >= safe_end {
                break;
            }
            tags.clear(&self.pending, done, m.start(), out);
            out(tags.at(m.start()), &self.masks[m.pattern().as_usize()]);
            done = m.end();
        }
        let keep_from = safe_end.max(done);
        tags.clear(&self.pending, done, keep_from, out);
        self.pending.drain(..keep_from);
        let mut consumed = keep_from;
        while consumed > 0 {
            let Some((_, len)) = self.runs.front_mut() else {
                break;
            };
            let n = consumed.min(*len);
            *len -= n;
            consumed -= n;
            if *len == 0 {
                self.runs.pop_front();
            }
        }
    }
}

/// Walks the tag runs of the pending bytes forwards, as the release goes.
struct Tags<'a, T> {
    runs: &'a VecDeque<(T, usize)>,
    /// The run holding offset `start`, and where that run begins.
    run: usize,
    start: usize,
}

impl<'a, T: Copy> Tags<'a, T> {
    fn new(runs: &'a VecDeque<(T, usize)>) -> Tags<'a, T> {
        Tags {
            runs,
            run: 0,
            start: 0,
        }
    }

    fn seek(&mut self, offset: usize) {
        while self.run + 1 < self.runs.len() && offset >= self.start + self.runs[self.run].1 {
            self.start += self.runs[self.run].1;
            self.run += 1;
        }
    }

    fn at(&mut self, offset: usize) -> T {
        self.seek(offset);
        self.runs[self.run].0
    }

    /// Passes on `bytes[from..to]` unchanged, one piece per tag.
    fn clear(&mut self, bytes: &[u8], mut from: usize, to: usize, out: &mut impl FnMut(T, &[u8])) {
        while from < to {
            let tag = self.at(from);
            let end = (self.start + self.runs[self.run].1).min(to);
            out(tag, &bytes[from..end]);
            from = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs() -> Vec<(String, String)> {
        vec![
            ("hunter2".into(), "[REDACTED:pw]".into()),
            ("tok-123456".into(), "[REDACTED:tok]".into()),
        ]
    }

    /// Feeds `(tag, bytes)` pieces; returns the pieces that came out.
    fn run(r: &mut Redactor<u8>, pieces: &[(u8, &[u8])]) -> Vec<(u8, Vec<u8>)> {
        let mut out: Vec<(u8, Vec<u8>)> = Vec::new();
        let mut add = |t: u8, b: &[u8]| out.push((t, b.to_vec()));
        for (t, b) in pieces {
            r.push(*t, b, &mut add);
        }
        r.finish(&mut add);
        out
    }

    fn joined(out: &[(u8, Vec<u8>)]) -> String {
        String::from_utf8(out.iter().flat_map(|(_, b)| b.clone()).collect()).unwrap()
    }

    #[test]
    fn scrubs_secrets_split_across_every_possible_boundary() {
        let text = b"login hunter2 then tok-123456 and hunter2hunter2.";
        for cut in 0..text.len() {
            let out = run(
                &mut Redactor::new(&pairs()),
                &[(0, &text[..cut]), (0, &text[cut..])],
            );
            assert_eq!(
                joined(&out),
                "login [REDACTED:pw] then [REDACTED:tok] and [REDACTED:pw][REDACTED:pw].",
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_secret_split_across_two_streams_is_masked_under_the_stream_it_starts_in() {
        let text = b"a hunter2 b";
        for cut in 0..=text.len() {
            let out = run(
                &mut Redactor::new(&pairs()),
                &[(1, &text[..cut]), (2, &text[cut..])],
            );
            assert_eq!(joined(&out), "a [REDACTED:pw] b", "cut at {cut}");
            // Every clear byte keeps its stream.
            let mut offset = 0;
            for (tag, bytes) in &out {
                if bytes.as_slice() == b"[REDACTED:pw]" {
                    assert_eq!(*tag, if cut <= 2 { 2 } else { 1 }, "cut at {cut}");
                    offset += 7;
                    continue;
                }
                for _ in bytes {
                    assert_eq!(*tag, if offset < cut { 1 } else { 2 }, "cut at {cut}");
                    offset += 1;
                }
            }
        }
    }

    #[test]
    fn byte_at_a_time_and_binary_pass_through() {
        let input: Vec<u8> = b"\xff\x00hunter2\xfe".to_vec();
        let pieces: Vec<(u8, &[u8])> = input.chunks(1).map(|b| (0, b)).collect();
        let out = run(&mut Redactor::new(&pairs()), &pieces);
        let bytes: Vec<u8> = out.into_iter().flat_map(|(_, b)| b).collect();
        assert_eq!(bytes, b"\xff\x00[REDACTED:pw]\xfe");
        let out = run(&mut Redactor::new(&[]), &[(3, b"abc")]);
        assert_eq!(out, [(3, b"abc".to_vec())]);
    }

    /// What came out of pushes so far, before `finish`.
    fn pushed(r: &mut Redactor<u8>, pieces: &[&[u8]]) -> String {
        let mut out = Vec::new();
        for p in pieces {
            r.push(0, p, &mut |_, b: &[u8]| out.extend_from_slice(b));
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_line_that_cannot_begin_a_secret_comes_out_at_once() {
        // With a 10-byte secret, holding back 9 bytes would keep "node 1 resized\n" off the
        // screen until the next line came: the operator saw "no".
        let mut r = Redactor::new(&pairs());
        assert_eq!(pushed(&mut r, &[b"node 1 resized\n"]), "node 1 resized\n");
        // An end that could be the start of a secret waits, and only that end.
        let mut r = Redactor::new(&pairs());
        assert_eq!(pushed(&mut r, &[b"token tok-12"]), "token ");
        assert_eq!(pushed(&mut r, &[b"3456 ok\n"]), "[REDACTED:tok] ok\n");
        let mut r = Redactor::new(&pairs());
        assert_eq!(pushed(&mut r, &[b"tok-1", b"x\n"]), "tok-1x\n");
    }

    #[test]
    fn overlapping_secrets_are_masked_as_one_pass_would_for_every_two_cuts() {
        let pairs = vec![
            ("abcab".to_string(), "<1>".to_string()),
            ("bcabx".to_string(), "<2>".to_string()),
            ("aab".to_string(), "<3>".to_string()),
        ];
        let text = b"xaabcabcabxabcaabcabx";
        let whole = joined(&run(&mut Redactor::new(&pairs), &[(0, text)]));
        assert!(
            !whole.contains("abcab") && !whole.contains("aab"),
            "{whole}"
        );
        for i in 0..=text.len() {
            for j in i..=text.len() {
                let out = run(
                    &mut Redactor::new(&pairs),
                    &[(0, &text[..i]), (0, &text[i..j]), (0, &text[j..])],
                );
                assert_eq!(joined(&out), whole, "cuts at {i}, {j}");
            }
        }
    }
}
