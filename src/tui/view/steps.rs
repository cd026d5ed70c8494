//! The steps down the left: status, kind, and whether the step changes something (◆).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Theme, View, fit, wrap};
use crate::engine::{Engine, Phase};
use crate::journal::record::StepStatus;
use crate::runbook::model::StepKind;

/// The mark for a step's state; text, so it reads without colour.
pub fn mark(e: &Engine, i: usize, t: Theme) -> (&'static str, Style) {
    let s = &e.step(i);
    let phase = e.phase();
    let undoing = e.rollback().is_some_and(|r| r.plan.contains(&i));
    match s.status() {
        Some(StepStatus::Ok) if undoing => ("↺", t.warn()),
        Some(StepStatus::Ok) => ("✓", t.ok()),
        Some(StepStatus::Failed) => ("✗", t.bad()),
        Some(StepStatus::RolledBack) => ("↶", t.warn()),
        Some(StepStatus::Skipped) => ("-", t.dim()),
        Some(StepStatus::Continued | StepStatus::Overridden | StepStatus::Unproven) if undoing => {
            ("↺", t.warn())
        }
        // Went on without its checks passing: never drawn like a pass.
        Some(StepStatus::Continued | StepStatus::Overridden | StepStatus::Unproven) => {
            ("!", t.warn())
        }
        None => match phase {
            Phase::Failed { step, .. } if step == i => ("✗", t.bad()),
            Phase::InDoubt(j) if j == i => ("?", t.warn()),
            p if p.step() == Some(i) => ("▶", t.accent()),
            _ if s.underway() => ("…", t.warn()),
            _ => ("·", t.dim()),
        },
    }
}

/// Rows a title may take in a list too long for every title whole; the current step's
/// takes all it needs.
const TITLE_ROWS: usize = 3;

pub fn render(f: &mut Frame, area: Rect, v: &View) {
    let t = v.theme;
    let e = v.e;
    let n = e.runbook().steps.len();
    let current = e
        .phase()
        .step()
        .unwrap_or(e.current().min(n.saturating_sub(1)));
    let block = Block::bordered()
        .title(format!(" Steps {}/{} ", (current + 1).min(n), n))
        .border_style(t.dim());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let rows = inner.height as usize;
    let width = inner.width as usize;
    // Each step's rows: titles wrap rather than being cut, so a list 20 columns wide still
    // reads "Attach Deny-all to the quarantine OU" whole.
    // Every title whole where the pane has the rows; else the steps farthest from the
    // current one give way first, to a few rows each.
    let mut items: Vec<Vec<Line>> = (0..n)
        .map(|i| item(v, i, width, i == current, usize::MAX))
        .collect();
    let mut total: usize = items.iter().map(Vec::len).sum();
    let mut far: Vec<usize> = (0..n).filter(|&i| i != current).collect();
    far.sort_by_key(|&i| std::cmp::Reverse(i.abs_diff(current)));
    for i in far {
        if total <= rows {
            break;
        }
        if items[i].len() > TITLE_ROWS {
            total -= items[i].len();
            items[i] = item(v, i, width, false, TITLE_ROWS);
            total += items[i].len();
        }
    }
    let heights: Vec<usize> = items.iter().map(Vec::len).collect();
    let first = first_shown(&heights, current, rows);
    let mut lines: Vec<Line> = Vec::new();
    for item in items.into_iter().skip(first) {
        if lines.len() >= rows {
            break;
        }
        lines.extend(item);
    }
    lines.truncate(rows);
    f.render_widget(Paragraph::new(lines), inner);
}

/// One step's rows: its mark, kind and title, the title wrapped under itself.
fn item(v: &View, i: usize, width: usize, current: bool, most: usize) -> Vec<Line<'static>> {
    let t = v.theme;
    let e = v.e;
    let step = &e.runbook().steps[i];
    let (m, style) = mark(e, i, t);
    // Narrow lists keep room for the title with short kind names (the help has a legend);
    // wide ones spell the kind out.
    let (name, pad) = if width < 34 {
        (short(step.kind), 4)
    } else {
        (step.kind.name(), 8)
    };
    let marker = if step.mutating { "◆" } else { " " };
    let kind = format!("{name:<pad$}{marker}");
    // A loop pass shows its item first: the list reads as "n1 · stop, n1 · start, …".
    let title = match &step.iteration {
        Some(it) => format!("{} · {}", it.item, e.bare_title(i)),
        None => e.title(i),
    };
    // The first row after "m kind◆ "; the rest under the mark, where a narrow list has
    // the most room.
    let first = width.saturating_sub(pad + 4).max(1);
    let indent = 2;
    let room = width.saturating_sub(indent).max(1);
    let mut rows = wrap::words(&title, first);
    if rows.len() > 1 {
        let rest = rows.split_off(1).join(" ");
        rows.extend(wrap::words(&rest, room));
    }
    if !current && rows.len() > most {
        let rest = rows.split_off(most - 1).join(" ");
        rows.push(fit(&rest, room));
    }
    let mut out = Vec::with_capacity(rows.len());
    for (k, row) in rows.into_iter().enumerate() {
        let line = if k == 0 {
            Line::from(vec![
                Span::styled(format!("{m} "), style),
                Span::styled(kind.clone(), if step.mutating { t.warn() } else { t.dim() }),
                Span::raw(format!(" {row}")),
            ])
        } else {
            Line::raw(format!("{}{row}", " ".repeat(indent)))
        };
        out.push(if current {
            line.style(t.selected())
        } else {
            line
        });
    }
    out
}

/// The first step drawn: the current one in view, a little below the top when the list is
/// long, and no empty rows at the bottom that earlier steps could fill.
fn first_shown(heights: &[usize], current: usize, rows: usize) -> usize {
    let total: usize = heights.iter().sum();
    if total <= rows || heights.is_empty() {
        return 0;
    }
    // Up to a third of the rows above the current step.
    let mut first = current.min(heights.len() - 1);
    let mut above = 0;
    while first > 0 && above + heights[first - 1] <= rows.saturating_sub(1) / 3 {
        first -= 1;
        above += heights[first];
    }
    // Fill the bottom: go up while what follows `first` leaves room.
    let mut below: usize = heights[first..].iter().sum();
    while first > 0 && below + heights[first - 1] <= rows {
        first -= 1;
        below += heights[first];
    }
    first
}

fn short(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Precheck => "pre",
        StepKind::Snapshot => "snap",
        StepKind::Action => "act",
        StepKind::Verify => "vfy",
        StepKind::Manual => "man",
    }
}
