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

pub fn render(f: &mut Frame, area: Rect, v: &View) {
    let t = v.theme;
    let e = v.e;
    let ui = v.ui;
    let step = ui.shown_step;
    let name = step.map(|i| e.title(i)).unwrap_or_default();
    let inner_w = area.width.saturating_sub(2) as usize;
    let title = if name.is_empty() {
        " Output ".to_string()
    } else {
        format!(" Output · {name} ")
    };
    let mut block = Block::bordered()
        .border_style(t.dim())
        .title(fit(&title, inner_w));
    if ui.scroll > 0 {
        block = block.title_bottom(
            Line::styled(
                format!(" ↑ {} lines back · End follows ", ui.scroll),
                t.accent(),
            )
            .right_aligned(),
        );
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(out) = step.and_then(|i| ui.out.get(i)) else {
        f.render_widget(
            Paragraph::new(Line::styled("no output yet", t.dim())),
            inner,
        );
        return;
    };
    let mut rows_left = inner.height as usize;
    let mut top: Vec<Line> = Vec::new();
    if out.dropped > 0 || v.dropped > 0 {
        let log = out
            .log
            .as_deref()
            .map(|l| format!("{}/{l}", ui.run_dir))
            .unwrap_or_default();
        let what = if out.dropped > 0 {
            format!("{} earlier lines", out.dropped)
        } else {
            format!("{} KiB skipped under load", v.dropped.div_ceil(1024))
        };
        top.push(Line::styled(
            fit(&format!("… {what} only in the log: {log}"), inner_w),
            t.warn(),
        ));
        rows_left = rows_left.saturating_sub(1);
    }
    let partial = out.partial_lines();
    let all: Vec<&OutLine> = out.lines.iter().chain(partial.iter()).collect();
    let end = all.len().saturating_sub(ui.scroll);
    let text_w = inner_w.saturating_sub(2).max(1);
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
}

fn styled(line: &OutLine, v: &View, width: usize) -> Vec<Line<'static>> {
    let t = v.theme;
    let (gutter, gutter_style): (&str, Style) = match line.kind {
        LineKind::Stdout => ("│ ", t.dim()),
        LineKind::Stderr => ("! ", t.warn()),
        LineKind::Marker => {
            return wrap::chars(Line::styled(line.text(false), t.dim()), width + 2);
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
