//! Scrubs secret values out of an output stream as it flows, so that no log line, screen or
//! watcher ever holds one — even when a secret straddles two reads, or two streams.

use std::collections::VecDeque;

use aho_corasick::{AhoCorasick, MatchKind};

/// Holds back just enough bytes that a secret split across reads is still caught whole.
///
/// Every byte carries a tag (which stream it came from): one redactor can scrub stdout and
/// stderr together, in the order they were written, and still say where each released piece
/// belongs. A secret that spans two tags is masked whole and shown under the tag where it
/// starts.
pub struct Redactor<T = ()> {
    ac: Option<AhoCorasick>,
    masks: Vec<Vec<u8>>,
    hold: usize,
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
            masks: pairs.iter().map(|(_, m)| m.as_bytes().to_vec()).collect(),
            ac,
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

    /// Passes on all but the last `hold` bytes (more when a match runs past them).
    fn release(&mut self, hold: usize, out: &mut impl FnMut(T, &[u8])) {
        let Some(ac) = &self.ac else { return };
        let safe_end = self.pending.len().saturating_sub(hold);
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
}
