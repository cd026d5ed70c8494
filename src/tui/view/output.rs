//! Live output of the step in view: colours kept, everything else neutralised (the text went
//! through `text_safety::sanitize`), scrollable, and honest about what it no longer holds.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{View, fit, wrap};
use crate::tui::ansi;
use crate::tui::output::{LineKind, OutLine};

/// Draws the pane; returns how many lines back it can scroll (the oldest kept line at the
/// top of the pane), so scrolling stops there.
pub fn render(f: &mut Frame, area: Rect, v: &View) -> usize {
    let t = v.theme;
    let e = v.e;
    let ui = v.ui;
    let step = ui.shown_step;
    let inner_w = area.width.saturating_sub(2) as usize;
    let title = match step {
        None => " Output ".to_string(),
        // An earlier step's output, chosen with `[`: say so, and how to get back.
        Some(i) if ui.browse == Some(i) => format!(
            " Output of step {} of {} · {} · ] next, End live ",
            i + 1,
            e.runbook().steps.len(),
            e.title(i)
        ),
        Some(i) => format!(" Output · {} ", e.title(i)),
    };
    let mut block = Block::bordered()
        .border_style(t.dim())
        .title(fit(&title, inner_w));
    let Some(out) = step.and_then(|i| ui.out.get(i)) else {
        let inner = block.inner(area);
        f.render_widget(block, area);
        f.render_widget(
            Paragraph::new(Line::styled("no output yet", t.dim())),
            inner,
        );
        return 0;
    };
    let partial = out.partial_lines();
    let all: Vec<&OutLine> = out.lines.iter().chain(partial.iter()).collect();
    let text_w = inner_w.saturating_sub(2).max(1);
    let warned = out.dropped > 0;
    let pane_rows = (area.height.saturating_sub(2) as usize).saturating_sub(warned as usize);
    let max_back = scroll_room(&all, v, text_w, pane_rows);
    let scroll = ui.scroll.min(max_back);
    if scroll > 0 {
        let at_top = if scroll == max_back { " (the top)" } else { "" };
        block = block.title_bottom(
            Line::styled(
                format!(" ↑ {scroll} lines back{at_top} · End follows "),
                t.accent(),
            )
            .right_aligned(),
        );
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    let mut rows_left = inner.height as usize;
    let mut top: Vec<Line> = Vec::new();
    if out.dropped > 0 {
        let log = out
            .log
            .as_deref()
            .map(|l| format!("{}/{l}", ui.run_dir))
            .unwrap_or_default();
        top.push(Line::styled(
            fit(
                &format!("… {} earlier lines only in the log: {log}", out.dropped),
                inner_w,
            ),
            t.warn(),
        ));
        rows_left = rows_left.saturating_sub(1);
    }
    let end = all.len().saturating_sub(scroll);
    // From the newest line up, until the pane is full.
    let mut rows: Vec<Line> = Vec::new();
    for line in all[..end].iter().rev() {
        if rows_left == 0 {
            break;
        }
        let mut wrapped = styled(line, v, text_w);
        // A long line at the top edge shows its end, next to what follows it.
        if wrapped.len() > rows_left {
            wrapped.drain(..wrapped.len() - rows_left);
        }
        rows_left -= wrapped.len();
        for row in wrapped.into_iter().rev() {
            rows.push(row);
        }
    }
    rows.reverse();
    top.extend(rows);
    f.render_widget(Paragraph::new(top), inner);
    max_back
}

/// The most lines the pane can scroll back and still be full: the oldest kept line then
/// sits at the top row. Counted from the top, so only a pane's worth of lines is wrapped.
fn scroll_room(all: &[&OutLine], v: &View, width: usize, rows: usize) -> usize {
    let mut used = 0;
    for (n, line) in all.iter().enumerate() {
        used += styled(line, v, width).len();
        if used >= rows {
            return all.len() - (n + 1);
        }
    }
    0
}

fn styled(line: &OutLine, v: &View, width: usize) -> Vec<Line<'static>> {
    let t = v.theme;
    let (gutter, gutter_style): (&str, Style) = match line.kind {
        LineKind::Stdout => ("│ ", t.dim()),
        LineKind::Stderr => ("! ", t.warn()),
        LineKind::Marker => {
            return wrap::chars(Line::styled(line.text(false), t.dim()), width + 2);
        }
        LineKind::Skipped => {
            return wrap::chars(Line::styled(line.text(false), t.warn()), width + 2);
        }
    };
    let body = ansi::line(&line.text(v.ui.out.color), line.start);
    wrap::chars(body, width)
        .into_iter()
        .map(|row| {
            let mut spans = vec![Span::styled(gutter, gutter_style)];
            spans.extend(row.spans);
            Line::from(spans)
        })
        .collect()
}
