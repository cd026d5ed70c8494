//! Scrubs secret values out of an output stream as it flows, so that no log line, screen or
//! watcher ever holds one — even when a secret straddles two reads.

use aho_corasick::{AhoCorasick, MatchKind};

/// One per stream. Holds back just enough bytes that a secret split across reads is still
/// caught whole.
pub struct Redactor {
    ac: Option<AhoCorasick>,
    masks: Vec<Vec<u8>>,
    hold: usize,
    pending: Vec<u8>,
}

impl Redactor {
    pub fn new(pairs: &[(String, String)]) -> Redactor {
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
        }
    }

    /// Takes new bytes; returns the bytes that are safe to pass on now.
    pub fn push(&mut self, input: &[u8]) -> Vec<u8> {
        let Some(ac) = &self.ac else {
            return input.to_vec();
        };
        self.pending.extend_from_slice(input);
        let safe_end = self.pending.len().saturating_sub(self.hold);
        let mut out = Vec::with_capacity(self.pending.len());
        let mut done = 0;
        for m in ac.find_iter(&self.pending) {
            if m.start() >= safe_end {
                break;
            }
            out.extend_from_slice(&self.pending[done..m.start()]);
            out.extend_from_slice(&self.masks[m.pattern().as_usize()]);
            done = m.end();
        }
        let keep_from = safe_end.max(done);
        out.extend_from_slice(&self.pending[done..keep_from]);
        self.pending.drain(..keep_from);
        out
    }

    /// The end of the stream: everything held back, scrubbed.
    pub fn finish(&mut self) -> Vec<u8> {
        let hold = std::mem::replace(&mut self.hold, 0);
        let out = self.push(&[]);
        self.hold = hold;
        out
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

    #[test]
    fn scrubs_secrets_split_across_every_possible_boundary() {
        let text = b"login hunter2 then tok-123456 and hunter2hunter2.";
        for cut in 0..text.len() {
            let mut r = Redactor::new(&pairs());
            let mut out = r.push(&text[..cut]);
            out.extend(r.push(&text[cut..]));
            out.extend(r.finish());
            assert_eq!(
                String::from_utf8(out).unwrap(),
                "login [REDACTED:pw] then [REDACTED:tok] and [REDACTED:pw][REDACTED:pw].",
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn byte_at_a_time_and_binary_pass_through() {
        let mut r = Redactor::new(&pairs());
        let input: Vec<u8> = b"\xff\x00hunter2\xfe".to_vec();
        let mut out = Vec::new();
        for b in &input {
            out.extend(r.push(&[*b]));
        }
        out.extend(r.finish());
        assert_eq!(out, b"\xff\x00[REDACTED:pw]\xfe");
        assert_eq!(Redactor::new(&[]).push(b"abc"), b"abc");
    }
}
