//! One modal box: a title, lines of text wrapped to its width, and the lines that may give
//! way on a short screen. Every dialog (questions, evidence, the end) is drawn with it.

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
    /// Lines that give way when the dialog is taller than the screen, lowest rank first
    /// and in order within a rank (output lines the pane behind also holds go first), so
    /// the question, the choices and the plan stay. Each is (rank, the first line of its
    /// text, the line): a wrapped text goes whole, never leaving half a sentence.
    optional: Vec<(u8, usize, usize)>,
    /// The line that stays whatever else gives way (a chooser), with the title line.
    key: Option<usize>,
}

impl Dialog {
    pub(super) fn new(title: impl Into<String>, style: Style) -> Dialog {
        Dialog {
            title: title.into(),
            style,
            lines: Vec::new(),
            optional: Vec::new(),
            key: None,
        }
    }
    /// A line that must stay in view however short the space (the choices).
    pub(super) fn key_line(&mut self, line: Line<'static>) {
        self.key = Some(self.lines.len());
        self.lines.push(line);
    }
    /// Rows the whole dialog wants, borders included.
    pub(super) fn height(&self) -> u16 {
        (self.lines.len() + 2).min(u16::MAX as usize) as u16
    }
    pub(super) fn optional_line(&mut self, line: Line<'static>) {
        self.ranked_line(0, line);
    }
    pub(super) fn ranked_line(&mut self, rank: u8, line: Line<'static>) {
        let at = self.lines.len();
        self.optional.push((rank, at, at));
        self.lines.push(line);
    }
    pub(super) fn text(&mut self, text: &str, style: Style, width: usize) {
        for row in wrap::words(text, width) {
            self.lines.push(Line::styled(row, style));
        }
    }
    /// Wrapped text that gives way on a short screen (see `ranked_line`), all of it at once.
    pub(super) fn ranked_text(&mut self, rank: u8, text: &str, style: Style, width: usize) {
        let first = self.lines.len();
        for row in wrap::words(text, width) {
            self.optional.push((rank, first, self.lines.len()));
            self.lines.push(Line::styled(row, style));
        }
    }
    pub(super) fn line(&mut self, line: Line<'static>) {
        self.lines.push(line);
    }
    pub(super) fn draw(mut self, f: &mut Frame, area: Rect, width: u16) {
        self.optional.sort_unstable();
        let over = (self.lines.len() + 2).saturating_sub(area.height as usize);
        let mut gone = std::collections::BTreeSet::new();
        let mut cut = None;
        for &(rank, first, at) in &self.optional {
            if gone.len() < over || cut == Some((rank, first)) {
                gone.insert(at);
                cut = Some((rank, first));
            }
        }
        // Still too tall: with a key line, what follows it goes first (from the end), then
        // what stands just above it (the heading line stays), so the chooser is never cut off.
        if let Some(key) = self.key {
            let mut left = over.saturating_sub(gone.len());
            let after = (key + 1..self.lines.len()).rev();
            let before = (1..key).rev();
            for at in after.chain(before) {
                if left == 0 {
                    break;
                }
                if gone.insert(at) {
                    left -= 1;
                }
            }
        }
        if !gone.is_empty() {
            let lines = std::mem::take(&mut self.lines);
            self.lines = lines
                .into_iter()
                .enumerate()
                .filter(|(at, _)| !gone.contains(at))
                .map(|(_, l)| l)
                .collect();
        }
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
