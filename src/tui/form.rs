//! The parameter form of an interactive run: values missing from `-p`, the environment and
//! the defaults are asked here, one field each, secrets never echoed, every value checked
//! against the runbook's rules before anything runs. Esc cancels: nothing has run (exit 2).

use std::io;
use std::time::Duration;

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};
use ratatui::{Frame, Terminal};

use super::keymap::{self, Action, Mode};
use super::terminal::{TerminalGuard, signals};
use super::view::{Theme, centered};
use crate::exit::Error;
use crate::runbook::Runbook;
use crate::runbook::model::Param;
use crate::runbook::params::check_value;

pub struct Field {
    pub param: Param,
    pub value: String,
    pub error: Option<String>,
}

pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    pub at: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum FormStep {
    Going,
    Done,
    Cancel,
}

/// Parameters with no value from `-p`, `from_env` or a default.
pub fn missing<'a>(
    rb: &'a Runbook,
    given: &[(String, String)],
    env: impl Fn(&str) -> Option<String>,
) -> Vec<&'a Param> {
    rb.params
        .iter()
        .filter(|p| !given.iter().any(|(n, _)| *n == p.name))
        .filter(|p| p.from_env.as_deref().and_then(&env).is_none())
        .filter(|p| p.default.is_none())
        .collect()
}

impl Form {
    pub fn new(rb: &Runbook, params: &[&Param]) -> Form {
        Form {
            title: rb.name.clone(),
            fields: params
                .iter()
                .map(|p| Field {
                    param: (*p).clone(),
                    value: String::new(),
                    error: None,
                })
                .collect(),
            at: 0,
        }
    }

    pub fn values(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .map(|f| (f.param.name.clone(), f.value.clone()))
            .collect()
    }

    fn check(&mut self, i: usize) -> bool {
        let f = &mut self.fields[i];
        f.error = check_value(&f.param, &f.value)
            .err()
            .map(|why| format!("refused: {why}"));
        f.error.is_none()
    }

    pub fn key(&mut self, ev: &KeyEvent) -> FormStep {
        let Some(action) = keymap::resolve(ev, Mode::Form) else {
            return FormStep::Going;
        };
        let n = self.fields.len();
        if n == 0 {
            return FormStep::Done;
        }
        let field = &mut self.fields[self.at];
        match action {
            Action::Type => {
                if let KeyCode::Char(c) = ev.code {
                    field.value.push(c);
                    field.error = None;
                }
            }
            Action::Erase => {
                field.value.pop();
            }
            Action::ClearField => field.value.clear(),
            Action::Next => self.at = (self.at + 1) % n,
            Action::Prev => self.at = (self.at + n - 1) % n,
            Action::Leave => return FormStep::Cancel,
            Action::Submit => {
                if !self.check(self.at) {
                    return FormStep::Going;
                }
                if self.at + 1 < n {
                    self.at += 1;
                    return FormStep::Going;
                }
                // The last field: everything must hold before anything runs.
                if let Some(bad) = (0..n).find(|&i| !self.check(i)) {
                    self.at = bad;
                    return FormStep::Going;
                }
                return FormStep::Done;
            }
            _ => {}
        }
        FormStep::Going
    }
}

pub fn render(f: &mut Frame, form: &Form, t: Theme) {
    let area = f.area();
    let rect = centered(area, area.width.saturating_sub(2).min(80), area.height);
    let w = rect.width.saturating_sub(2) as usize;
    let intro =
        "This runbook needs values that were not given with -p. Nothing runs until all are valid.";
    let mut lines: Vec<Line> = super::view::wrap::words(intro, w)
        .into_iter()
        .map(|row| Line::styled(row, t.dim()))
        .collect();
    for (i, field) in form.fields.iter().enumerate() {
        let p = &field.param;
        lines.push(Line::raw(""));
        let mut head = vec![Span::styled(p.name.clone(), t.bold())];
        if let Some(d) = &p.description {
            head.push(Span::raw(format!(" — {d}")));
        }
        if p.secret {
            head.push(Span::styled(" (secret: not shown)", t.dim()));
        }
        lines.push(Line::from(head));
        let shown = if p.secret {
            "•".repeat(field.value.chars().count())
        } else {
            field.value.clone()
        };
        let here = i == form.at;
        let mut row = vec![
            Span::styled(if here { "> " } else { "  " }, t.accent()),
            Span::raw(shown),
        ];
        if here {
            row.push(Span::styled("█", t.accent()));
        }
        lines.push(Line::from(row));
        match &field.error {
            Some(e) => lines.push(Line::styled(format!("  {e}"), t.bad())),
            None => {
                let rules = rules(p);
                if !rules.is_empty() {
                    lines.push(Line::styled(format!("  {rules}"), t.dim()));
                }
            }
        }
    }
    lines.push(Line::raw(""));
    let hint: Vec<Span> = [
        (Action::Submit, "next / start"),
        (Action::Next, "next field"),
        (Action::Leave, "cancel"),
    ]
    .iter()
    .filter_map(|(a, text)| {
        keymap::key_for(*a, Mode::Form).map(|k| Span::raw(format!("{k} {text}  ")))
    })
    .collect();
    lines.push(Line::from(hint).style(t.dim()));
    let h = (lines.len() as u16 + 2).min(rect.height);
    let rect = Rect {
        height: h,
        ..centered(rect, rect.width, h)
    };
    let block = Block::bordered()
        .border_type(BorderType::Thick)
        .border_style(t.accent())
        .title(Line::styled(
            super::view::fit(&format!(" Parameters · {} ", form.title), w),
            t.accent(),
        ));
    f.render_widget(Paragraph::new(lines).block(block), rect);
}

fn rules(p: &Param) -> String {
    let mut r = Vec::new();
    if let Some(pat) = &p.pattern {
        r.push(format!("pattern {}", pat.source));
    }
    if !p.choices.is_empty() {
        r.push(format!("one of {}", p.choices.join(", ")));
    }
    for d in &p.deny {
        r.push(format!("never {}", d.source));
    }
    r.join(" · ")
}

/// Asks for the missing values on the terminal; returns `given` with them added.
pub fn ask(
    rb: &Runbook,
    mut given: Vec<(String, String)>,
    color: bool,
) -> Result<Vec<(String, String)>, Error> {
    let missing = missing(rb, &given, |k| std::env::var(k).ok());
    if missing.is_empty() {
        return Ok(given);
    }
    let mut form = Form::new(rb, &missing);
    let theme = Theme { color };
    let failed = |e: io::Error| Error::Failed(format!("the terminal failed: {e}"));
    let cancelled = || Error::Invalid("the parameter form was cancelled; nothing ran".into());
    // No async loop listens for signals yet: catch them here so the guard can restore.
    let caught = signals::catch();
    let guard = TerminalGuard::enter().map_err(failed)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout())).map_err(failed)?;
    let outcome = loop {
        if caught.arrived() {
            break Err(cancelled());
        }
        if let Err(e) = terminal.draw(|f| render(f, &form, theme)) {
            break Err(failed(e));
        }
        match event::poll(Duration::from_millis(100)) {
            Ok(false) => continue,
            Ok(true) => {}
            Err(e) => break Err(failed(e)),
        }
        match event::read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match form.key(&k) {
                FormStep::Going => {}
                FormStep::Done => break Ok(()),
                FormStep::Cancel => break Err(cancelled()),
            },
            Ok(_) => {}
            Err(e) => break Err(failed(e)),
        }
    };
    drop(terminal);
    drop(guard);
    outcome?;
    given.extend(form.values());
    Ok(given)
}
