//! Rich-enough text for the exports: plain words and `code` spans, made safe once and then
//! written as Markdown, HTML or plain JSON strings. Nothing from a journal reaches an export
//! without passing through here (control characters, ANSI sequences, newlines).

use crate::text_safety::one_line;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextSpan {
    Plain(String),
    Code(String),
}

/// A sentence made of spans. Build it with [`Text::plain`] and [`Text::code`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text(pub Vec<TextSpan>);

impl Text {
    pub fn new() -> Text {
        Text::default()
    }

    pub fn plain(mut self, s: impl AsRef<str>) -> Text {
        let s = one_line(s.as_ref());
        if !s.is_empty() {
            self.0.push(TextSpan::Plain(s));
        }
        self
    }

    pub fn code(mut self, s: impl AsRef<str>) -> Text {
        self.0.push(TextSpan::Code(one_line(s.as_ref())));
        self
    }

    /// Text written with backticks around code (`like this`), as shisa's own messages are.
    /// The same rule as `Phrase::ticked` (backticks that do not pair stay text).
    pub fn ticked(s: &str) -> Text {
        let mut t = Text::new();
        for (code, part) in crate::phrase::ticked(s) {
            t = if code { t.code(part) } else { t.plain(part) };
        }
        t
    }

    /// The same text as one plain string, code in backticks (for JSON and terminals).
    pub fn to_plain(&self) -> String {
        self.0
            .iter()
            .map(|s| match s {
                TextSpan::Plain(p) => p.clone(),
                TextSpan::Code(c) => format!("`{c}`"),
            })
            .collect()
    }

    /// GitHub-flavoured Markdown, safe inside a table cell.
    pub fn to_markdown(&self) -> String {
        self.markdown(true)
    }

    /// GitHub-flavoured Markdown for running text (outside tables).
    pub fn to_markdown_inline(&self) -> String {
        self.markdown(false)
    }

    fn markdown(&self, cell: bool) -> String {
        self.0
            .iter()
            .map(|s| match s {
                TextSpan::Plain(p) => md_escape(p),
                TextSpan::Code(c) => md_code(c, cell),
            })
            .collect()
    }

    pub fn to_html(&self) -> String {
        self.0
            .iter()
            .map(|s| match s {
                TextSpan::Plain(p) => html_escape(p),
                TextSpan::Code(c) => format!("<code>{}</code>", html_escape(c)),
            })
            .collect()
    }
}

/// Text that may keep its line breaks (an HTML `<pre>`, a value with newlines), each line
/// made harmless by [`one_line`].
pub fn lines(s: &str) -> String {
    s.split('\n').map(one_line).collect::<Vec<_>>().join("\n")
}

pub use crate::phrase::{clip, command_line};

/// Escapes everything Markdown (GFM) could read as markup, `|` included for table cells.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '!' | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A code span that survives any backticks inside; in a table cell `|` is escaped too (GFM
/// splits cells before it reads code spans, and drops that backslash again).
pub fn md_code(s: &str, cell: bool) -> String {
    let s = one_line(s);
    if s.is_empty() {
        return "` `".into();
    }
    let longest = longest_run(&s, '`');
    let fence = "`".repeat(longest + 1);
    // A span that starts or ends with a backtick needs a space inside the fence.
    let pad = if s.starts_with('`') || s.ends_with('`') || longest > 0 {
        " "
    } else {
        ""
    };
    let body = if cell { s.replace('|', "\\|") } else { s };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// A fenced code block (for output excerpts) whose fence no line can close early.
pub fn md_block(lines: &[String]) -> String {
    let longest = lines.iter().map(|l| longest_run(l, '`')).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let mut out = format!("{fence}text\n");
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&fence);
    out.push('\n');
    out
}

fn longest_run(s: &str, ch: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == ch { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in lines(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_cells_cannot_break_the_table_or_the_code_span() {
        let t = Text::new()
            .plain("a | b *c* ")
            .code("x`y | z")
            .plain("\x1b[2Jend\nline");
        assert_eq!(t.to_markdown(), "a \\| b \\*c\\* `` x`y \\| z ``end ⏎ line");
        assert_eq!(t.to_plain(), "a | b *c* `x`y | z`end ⏎ line");
        assert_eq!(md_code("plain", true), "`plain`");
        assert_eq!(
            t.to_markdown_inline(),
            "a \\| b \\*c\\* `` x`y | z ``end ⏎ line"
        );
    }

    #[test]
    fn backticks_in_messages_become_code() {
        let t = Text::ticked("run `shisa resume a|b` now");
        assert_eq!(t.to_markdown_inline(), "run `shisa resume a|b` now");
        assert_eq!(t.to_plain(), "run `shisa resume a|b` now");
    }

    #[test]
    fn html_is_escaped_and_code_marked() {
        let t = Text::new().plain("<b>&").code("'\"");
        assert_eq!(t.to_html(), "&lt;b&gt;&amp;<code>&#39;&quot;</code>");
        assert_eq!(html_escape("a\x1b[31mred\x07\nb"), "ared\u{fffd}\nb");
    }

    #[test]
    fn bidi_overrides_cannot_reorder_what_is_shown() {
        assert_eq!(
            one_line("rm -rf /\u{202e}gpj.txt"),
            "rm -rf /\u{fffd}gpj.txt"
        );
        assert_eq!(md_escape("a\u{2066}b"), "a\u{fffd}b");
    }

    #[test]
    fn fenced_blocks_outgrow_backticks_inside() {
        let b = md_block(&["````".into(), "ok".into()]);
        assert!(
            b.starts_with("`````text\n") && b.ends_with("\n`````\n"),
            "{b}"
        );
    }

    #[test]
    fn commands_read_as_their_first_line() {
        assert_eq!(command_line("a\nb"), "a …");
        assert_eq!(command_line("\n  a  \n"), "a");
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
