//! The steps down the left: status, kind, and whether the step changes something (◆).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Theme, View, fit};
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
    // Keep the current step in view, a little below the top when the list is long.
    let first = current
        .saturating_sub(rows.saturating_sub(1) / 3)
        .min(n.saturating_sub(rows));
    let width = inner.width as usize;
    let lines: Vec<Line> = (first..n)
        .take(rows)
        .map(|i| {
            let step = &e.runbook().steps[i];
            let (m, style) = mark(e, i, t);
            // Narrow lists keep room for the title with short kind names (the help has a
            // legend); wide ones spell the kind out.
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
            let title = fit(&title, width.saturating_sub(pad + 4));
            let line = Line::from(vec![
                Span::styled(format!("{m} "), style),
                Span::styled(kind, if step.mutating { t.warn() } else { t.dim() }),
                Span::raw(format!(" {title}")),
            ]);
            if i == current {
                line.style(t.selected())
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
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
