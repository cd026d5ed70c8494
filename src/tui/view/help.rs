//! `?`: every key, drawn from the keymap table the app resolves keys with. The mode the
//! operator came from comes first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use super::{View, centered, fit, wrap};
use crate::tui::keymap::{self, Mode};

pub fn render(f: &mut Frame, area: Rect, v: &View, at: usize) {
    let t = v.theme;
    let rect = centered(
        area,
        area.width.saturating_sub(2).min(90),
        area.height.saturating_sub(1),
    );
    let inner_w = rect.width.saturating_sub(2) as usize;
    let from = v.ui.help_from.unwrap_or(Mode::Main);
    let others: Vec<Mode> = if v.ui.watcher {
        vec![Mode::Watcher, Mode::Text, Mode::Help]
    } else {
        Mode::ALL
            .into_iter()
            .filter(|m| *m != Mode::Watcher)
            .collect()
    };
    let mut modes = vec![from];
    modes.extend(others.into_iter().filter(|m| *m != from));
    let legend = "◆ changes something · ✓ done · ✗ failed · ! went on unproven · ↺ being undone · ↶ rolled back · ? in doubt · pre/snap/act/vfy/man: precheck, snapshot, action, verify, manual";
    let mut lines: Vec<Line> = wrap::words(legend, inner_w)
        .into_iter()
        .map(|row| Line::styled(row, t.dim()))
        .collect();
    for mode in modes {
        lines.push(Line::raw(""));
        let head = if mode == from {
            format!("{} (now)", mode.name())
        } else {
            mode.name().to_string()
        };
        lines.push(Line::styled(head, t.accent()));
        for (keys, help) in keymap::help(mode) {
            let keys = format!("  {keys:<14} ");
            let rest = inner_w.saturating_sub(keys.chars().count());
            lines.push(Line::from(vec![
                Span::styled(keys, t.key()),
                Span::raw(fit(help, rest)),
            ]));
        }
    }
    let rows = rect.height.saturating_sub(2) as usize;
    let at = at.min(lines.len().saturating_sub(rows));
    let shown: Vec<Line> = lines.into_iter().skip(at).take(rows).collect();
    f.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_type(BorderType::Thick)
        .border_style(t.accent())
        .title(" Keys ")
        .title_bottom(
            Line::styled(" ↑↓ PgUp PgDn scroll · Esc or ? closes ", t.dim()).right_aligned(),
        );
    f.render_widget(Paragraph::new(shown).block(block), rect);
}
