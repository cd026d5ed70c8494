//! Makes text that shisa did not write safe to show: command output, journal values,
//! messages from share clients. Colours (SGR) may stay where asked, but nothing that moves
//! the cursor, clears the screen, retitles the window, writes the clipboard, talks to the
//! terminal or reorders what is displayed (bidirectional controls) survives, and
//! [`one_line`] leaves no line break that could forge a line of its own. The one home of
//! these rules: the TUI, headless, every watcher, the share hub and client, the runner's
//! notes and the exports all call here.

/// Returns printable text. With `keep_sgr`, `ESC [ … m` colour sequences are kept.
pub fn sanitize(bytes: &[u8], keep_sgr: bool) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                let seq = take_escape(&mut chars);
                if keep_sgr && is_sgr(&seq) {
                    out.push('\x1b');
                    out.push_str(&seq);
                }
            }
            '\t' => out.push_str("    "),
            '\r' | '\n' => {}
            // C0 and C1 controls (BEL, backspace, CSI as one byte, …) would act on the terminal.
            c if c.is_control() || is_bidi_control(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Consumes an escape sequence after ESC and returns it (without the ESC).
fn take_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut seq = String::new();
    match chars.next() {
        Some('[') => {
            seq.push('[');
            // CSI: parameters and intermediates, then one final byte in @..~.
            for c in chars.by_ref() {
                seq.push(c);
                if ('@'..='~').contains(&c) {
                    break;
                }
                if seq.len() > 64 {
                    break;
                }
            }
        }
        Some(c @ (']' | 'P' | '_' | '^' | 'X')) => {
            // OSC, DCS, APC, PM, SOS: a string up to BEL or ST (ESC \).
            seq.push(c);
            while let Some(c) = chars.next() {
                if c == '\x07' {
                    break;
                }
                if c == '\x1b' && chars.peek() == Some(&'\\') {
                    chars.next();
                    break;
                }
                seq.push(c);
            }
        }
        Some(c) => seq.push(c),
        None => {}
    }
    seq
}

/// Bidirectional overrides and isolates make text display in another order than it is
/// (a target that reads `Root` but is not, a forged line).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// One line of journal text for a line-mode screen: nothing that acts on the terminal, no
/// line breaks that could forge a line of their own.
pub fn one_line(text: &str) -> String {
    sanitize(text.replace(['\n', '\r'], " ⏎ ").as_bytes(), false)
}

fn is_sgr(seq: &str) -> bool {
    seq.len() >= 2
        && seq.starts_with('[')
        && seq.ends_with('m')
        && seq[1..seq.len() - 1]
            .chars()
            .all(|c| c.is_ascii_digit() || c == ';')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_colours_and_drops_everything_that_acts() {
        let hostile =
            b"\x1b[31mred\x1b[0m \x1b]0;pwned\x07\x1b[2J\x1b[H\x1b]52;c;ZXZpbA==\x07ok\x08\x07\x1bPq#0\x1b\\end";
        assert_eq!(
            sanitize(hostile, true),
            "\x1b[31mred\x1b[0m ok\u{fffd}\u{fffd}end"
        );
        assert_eq!(sanitize(hostile, false), "red ok\u{fffd}\u{fffd}end");
    }

    #[test]
    fn one_line_breaks_nothing_and_forges_no_lines() {
        let note = "hi\x1b]0;PWNED\x07\n18:00:00.000  Manual: APPROVED by alice\n? fake prompt\u{202e}toor";
        let line = one_line(note);
        assert!(
            !line.contains('\n') && !line.contains('\x1b') && !line.contains('\u{202e}'),
            "{line:?}"
        );
        assert!(line.starts_with("hi ⏎ 18:00"), "{line:?}");
    }

    #[test]
    fn invalid_utf8_and_c1_controls_are_harmless() {
        assert_eq!(sanitize(b"a\xffb\xc2\x9bc", true), "a\u{fffd}b\u{fffd}c");
        assert_eq!(sanitize(b"tab\there\r\n", true), "tab    here");
    }
}
