//! Drawing, from an immutable [`View`] of the engine and the UI state: one function per
//! pane, each in its own file. Nothing here changes state, so the watcher's screen and the
//! snapshot tests draw exactly what the operator sees.

mod abort;
mod choice;
mod current;
mod dialog;
mod dialogs;
mod end;
mod evidence;
mod header;
mod help;
mod keys;
mod modals;
mod output;
mod review;
mod steps;
mod target;
mod timeline;
pub(crate) mod wrap;

use std::time::Duration;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};

use crate::engine::Engine;

use super::keymap::Mode;
use super::state::Ui;

pub struct View<'a> {
    pub e: &'a Engine,
    pub ui: &'a Ui,
    pub now: DateTime<Utc>,
    pub elapsed: Duration,
    pub theme: Theme,
    pub mode: Mode,
    /// The phase has been on screen long enough for Enter to act.
    pub settled: bool,
}

/// Styles, with colour only when allowed (`NO_COLOR`, not a terminal): meaning is always
/// carried by text and symbols too, so nothing is lost without it.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }
    pub fn ok(self) -> Style {
        self.fg(Color::Green)
    }
    pub fn bad(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }
    pub fn accent(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn bold(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }
    /// The resolved target: impossible to overlook, in colour or not.
    pub fn target(self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
    pub fn bar(self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
}

/// Draws the whole screen; returns how far back the output pane can scroll.
pub fn render(f: &mut Frame, v: &View) -> usize {
    let area = f.area();
    let timeline_rows: u16 = match area.height {
        0..=20 => 2,
        21..=30 => 4,
        31..=44 => 6,
        _ => 8,
    };
    // A notice longer than the line wraps onto rows the timeline lends it: its end is
    // often what to do next ("approve again …").
    let keybar_rows = keys::rows(v, area.width);
    let head_lines = header::lines(v, area.width as usize, area.height as usize);
    let [head, body, tl, keybar] = Layout::vertical([
        Constraint::Length(head_lines.len() as u16),
        Constraint::Min(6),
        Constraint::Length(timeline_rows.saturating_sub(keybar_rows - 1).max(1)),
        Constraint::Length(keybar_rows),
    ])
    .areas(area);
    header::render(f, head, head_lines);
    // At 80 columns the list gets 26: titles wrap in it rather than being cut.
    let list_width = (area.width * 3 / 10).clamp(26, 44);
    let [left, right] =
        Layout::horizontal([Constraint::Length(list_width), Constraint::Min(30)]).areas(body);
    steps::render(f, left, v);
    let rest = current::render(f, right, v);
    let rest = target::render(f, rest, v);
    let scroll_room = output::render(f, rest, v);
    timeline::render(f, tl, v);
    keys::render(f, keybar, v);
    modals::render(f, body, v);
    if let Some(at) = v.ui.help {
        help::render(f, area, v, at);
    }
    scroll_room
}

/// A rectangle of at most `w`×`h` in the middle of `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Cuts `text` to `width` columns, marking the cut with `…`.
pub fn fit(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut used = 0;
    let total: usize = text.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return text.to_string();
    }
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `HH:MM:SS` for an elapsed time.
pub fn hms(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}
