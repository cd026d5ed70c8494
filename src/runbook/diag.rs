//! Diagnostics for runbooks: a message pinned to `file:line:column`, rendered with the
//! offending line, a caret and a hint, the way rustc and just report errors.

use std::fmt::Write as _;

/// A 1-based line and column in the runbook source, and which file: 0 is the runbook
/// itself, 1… the fragments it `uses` (`Loaded::fragments`, in the order they were read).
/// `file` comes last so that a step's `Debug` text, with its places cut out, is the same
/// wherever the step sits (`commands::runbook_copy::fingerprint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
    pub file: u16,
}

impl Pos {
    pub fn new(line: u32, col: u32) -> Pos {
        Pos { line, col, file: 0 }
    }

    /// The same place, moved by `lines` and `cols` within its file.
    pub fn moved(self, line: u32, col: u32) -> Pos {
        Pos { line, col, ..self }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub pos: Pos,
    pub message: String,
    /// How many columns the caret underlines (at least one).
    pub width: u32,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(pos: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            pos,
            message: message.into(),
            width: 1,
            hint: None,
        }
    }

    pub fn warning(pos: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(pos, message)
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }

    pub fn width(mut self, width: usize) -> Diagnostic {
        self.width = u32::try_from(width.max(1)).unwrap_or(1);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic against the source it came from.
    pub fn render(&self, file: &str, source: &str, color: bool) -> String {
        let (label, paint) = match self.severity {
            Severity::Error => ("error", "\x1b[1;31m"),
            Severity::Warning => ("warning", "\x1b[1;33m"),
        };
        let (bold, blue, reset) = if color {
            ("\x1b[1m", "\x1b[1;34m", "\x1b[0m")
        } else {
            ("", "", "")
        };
        let paint = if color { paint } else { "" };
        let mut out = String::new();
        let file = printable(file);
        let _ = writeln!(
            out,
            "{paint}{label}{reset}{bold}: {}{reset}",
            printable(&self.message)
        );
        // Line 0: about the file or the command line, not a place in the file.
        if self.pos.line == 0 {
            let _ = writeln!(out, "  {blue}-->{reset} {file}");
        } else {
            let _ = writeln!(
                out,
                "  {blue}-->{reset} {file}:{}:{}",
                self.pos.line, self.pos.col
            );
        }
        if let Some(text) = source_line(source, self.pos.line) {
            let gutter = self.pos.line.to_string();
            let pad = " ".repeat(gutter.len());
            let shown = printable(text);
            let lead: String = shown
                .chars()
                .take(self.pos.col.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let caret = "^".repeat(self.width as usize);
            let _ = writeln!(out, "{pad} {blue}|{reset}");
            let _ = writeln!(out, "{blue}{gutter} |{reset} {shown}");
            let _ = writeln!(out, "{pad} {blue}|{reset} {lead}{paint}{caret}{reset}");
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(
                out,
                "  {blue}={reset} {bold}hint{reset}: {}",
                printable(hint)
            );
        }
        out
    }
}

/// The text of a 1-based line, capped so that a megabyte-long line cannot flood the terminal.
fn source_line(source: &str, line: u32) -> Option<&str> {
    let text = source.lines().nth(line.checked_sub(1)? as usize)?;
    let cap = text
        .char_indices()
        .nth(200)
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    Some(&text[..cap])
}

/// Source lines, and messages quoting them, are echoed to a terminal: control characters in
/// them must not act.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if (c.is_control() && c != '\t') || crate::text_safety::is_bidi_control(c) {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// Suggests the closest known word, for "did you mean …?" hints.
pub fn did_you_mean<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(word, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3) && *d < k.len().max(word.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_line_caret_and_hint() {
        let src = "version: 1\nsteps:\n  - rn: true\n";
        let d = Diagnostic::error(Pos::new(3, 5), "unknown key `rn` in a step")
            .width(2)
            .hint("did you mean `run`?");
        let text = d.render("rb.yaml", src, false);
        assert_eq!(
            text,
            "error: unknown key `rn` in a step\n  --> rb.yaml:3:5\n  |\n3 |   - rn: true\n  |     ^^\n  = hint: did you mean `run`?\n"
        );
    }

    #[test]
    fn suggests_close_words_only() {
        let keys = ["run", "argv", "title"];
        assert_eq!(did_you_mean("rn", keys), Some("run"));
        assert_eq!(did_you_mean("titel", keys), Some("title"));
        assert_eq!(did_you_mean("zzzzzz", keys), None);
    }

    #[test]
    fn control_characters_in_source_are_not_echoed_raw() {
        let src = "name: \x1b]0;pwned\x07\n";
        let text = Diagnostic::error(Pos::new(1, 1), "x").render("f", src, false);
        assert!(!text.contains('\x1b'));
    }
}
