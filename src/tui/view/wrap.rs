//! Wrapping done here rather than by the widget, so a pane knows how many rows its text
//! takes before it is laid out (the output pane counts rows from the bottom).

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// Greedy word wrap of plain text; words longer than a row are cut.
pub fn words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = Vec::new();
    for para in text.lines() {
        let mut row = String::new();
        let mut used = 0;
        for word in para.split(' ') {
            let w: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
            if used > 0 && used + 1 + w > width {
                rows.push(std::mem::take(&mut row));
                used = 0;
            }
            if used > 0 {
                row.push(' ');
                used += 1;
            }
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > width {
                    rows.push(std::mem::take(&mut row));
                    used = 0;
                }
                row.push(c);
                used += cw;
            }
        }
        rows.push(row);
    }
    if rows.is_empty() {
        rows.push(String::new());
    }
    rows
}

/// Cuts a styled line into rows of `width` columns, keeping each span's style.
pub fn chars(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let style = line.style;
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > width {
                if !piece.is_empty() {
                    row.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                rows.push(Line::from(std::mem::take(&mut row)).style(style));
                used = 0;
            }
            piece.push(c);
            used += cw;
        }
        if !piece.is_empty() {
            row.push(Span::styled(piece, span.style));
        }
    }
    rows.push(Line::from(row).style(style));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_words_and_cuts_long_ones() {
        assert_eq!(
            words("post in the channel", 8),
            ["post in", "the", "channel"]
        );
        assert_eq!(words("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(words("", 4), [""]);
    }

    #[test]
    fn cuts_styled_lines_keeping_styles() {
        let line = Line::from(vec![
            Span::raw("abc"),
            Span::styled("defg", ratatui::style::Style::new().bold()),
        ]);
        let rows = chars(line, 3);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].spans[0].content, "def");
        assert_eq!(rows[2].spans[0].content, "g");
    }
}
