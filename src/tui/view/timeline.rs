//! The latest journal entries, one plain sentence each (the same words as headless mode).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{View, fit};
use crate::journal::record::Role;

pub fn render(f: &mut Frame, area: Rect, v: &View) {
    let t = v.theme;
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(t.dim())
        .title(format!(
            " Timeline · times in {} ",
            crate::timeline::zone_name(
                v.e.runbook().window.as_ref().map(|w| w.timezone),
                v.now,
                v.ui.last_ts.as_deref()
            )
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let n = inner.height as usize;
    let width = inner.width as usize;
    let tl = &v.ui.timeline;
    let lines: Vec<Line> = tl
        .iter()
        .skip(tl.len().saturating_sub(n))
        .map(|entry| {
            let style = match entry.role {
                Role::Reviewer => t.accent(),
                Role::Operator => t.bold(),
                Role::Shisa => ratatui::style::Style::new(),
            };
            let room = width.saturating_sub(entry.clock.len() + 3);
            let text = fit(
                &short_title(&entry.text, entry.title.as_deref(), room),
                room,
            );
            Line::from(vec![
                Span::styled(format!(" {}  ", entry.clock), t.dim()),
                Span::styled(text, style),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// The fewest columns a shortened title keeps: enough to tell two steps apart. A title
/// shorter than this and a few more is left whole (cutting it would gain little).
const TITLE_MIN: usize = 20;

/// `text` with the step title in it cut short so that the line fits `room` columns: what
/// happened (the end of the line) matters more than the rest of a long title.
fn short_title(text: &str, title: Option<&str>, room: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let over = text.width().saturating_sub(room);
    let Some(title) = title.filter(|t| over > 0 && text.contains(*t)) else {
        return text.to_string();
    };
    let keep = title.width().saturating_sub(over).max(TITLE_MIN);
    if title.width() <= TITLE_MIN + 4 || keep >= title.width() {
        return text.to_string();
    }
    text.replacen(title, &fit(title, keep), 1)
}

#[cfg(test)]
mod tests {
    use super::short_title;

    #[test]
    fn a_long_title_gives_way_to_what_happened() {
        let title = "Grow the shared cache to eight gigabytes across every node in the region";
        let text = format!("{title}: root chose to retry");
        let short = short_title(&text, Some(title), 60);
        assert!(short.ends_with(": root chose to retry"), "{short}");
        assert!(short.starts_with("Grow the shared"), "{short}");
        assert!(
            unicode_width::UnicodeWidthStr::width(short.as_str()) <= 60,
            "{short}"
        );
        // A line that fits, or a text without the title, is left alone.
        assert_eq!(short_title(&text, Some(title), 200), text);
        assert_eq!(short_title("run finished", Some(title), 5), "run finished");
    }
}
