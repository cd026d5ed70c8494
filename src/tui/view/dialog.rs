//! The frame every modal dialog shares: a titled, bordered box of wrapped lines, centred
//! on the body, and the text field drawn inside one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use super::{View, centered, wrap};

pub(super) struct Dialog {
    title: String,
    style: Style,
    lines: Vec<Line<'static>>,
}

impl Dialog {
    pub(super) fn new(title: impl Into<String>, style: Style) -> Dialog {
        Dialog {
            title: title.into(),
            style,
            lines: Vec::new(),
        }
    }
    pub(super) fn text(&mut self, text: &str, style: Style, width: usize) {
        for row in wrap::words(text, width) {
            self.lines.push(Line::styled(row, style));
        }
    }
    pub(super) fn line(&mut self, line: Line<'static>) {
        self.lines.push(line);
    }
    pub(super) fn draw(self, f: &mut Frame, area: Rect, width: u16) {
        let h = self.lines.len() as u16 + 2;
        let rect = centered(area, width, h);
        f.render_widget(Clear, rect);
        let block = Block::bordered()
            .border_type(BorderType::Thick)
            .border_style(self.style)
            .title(Line::styled(self.title, self.style));
        f.render_widget(Paragraph::new(self.lines).block(block), rect);
    }
}

/// Width of a dialog in `area`, and of the text inside it.
pub(super) fn widths(area: Rect) -> (u16, usize) {
    let w = area.width.saturating_sub(4).min(76);
    (w, w.saturating_sub(2) as usize)
}

pub(super) fn input(text: &str, v: &View) -> Line<'static> {
    Line::from(vec![
        Span::styled("> ", v.theme.accent()),
        Span::styled(text.to_string(), v.theme.bold()),
        Span::styled("█", v.theme.accent()),
    ])
}
