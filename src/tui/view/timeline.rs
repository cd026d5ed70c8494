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
            let text = fit(&entry.text, width.saturating_sub(entry.clock.len() + 3));
            Line::from(vec![
                Span::styled(format!(" {}  ", entry.clock), t.dim()),
                Span::styled(text, style),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
