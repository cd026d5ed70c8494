//! The resolved target in a box of its own, large and alone: the operator reads the name
//! the system itself gave (`Root`, not the OU they meant), not a value they typed.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Paragraph};

use super::{View, fit};
use crate::journal::record::Purpose;
use crate::runbook::show;

/// Draws the box at the top of `area` if the current step has a target; returns the rest.
pub fn render(f: &mut Frame, area: Rect, v: &View) -> Rect {
    let t = v.theme;
    let e = v.e;
    let Some(i) = e.phase().step() else {
        return area;
    };
    if e.runbook().steps[i].target.is_none() {
        return area;
    }
    let s = &e.step(i);
    let describe = e.shown_command(i, Purpose::Describe).unwrap_or_default();
    let mut describe = describe.lines().next().unwrap_or("").to_string();
    if let Some((cmd, _)) = e.command_for(i, Purpose::Describe) {
        for (k, val) in show::script_env(&cmd, &e.shown_vars()) {
            describe.push_str(&format!("  ({k}={})", e.mask(&val)));
        }
    }
    let tall = area.height >= 16;
    let h: u16 = if s.target().resolved().is_some() && tall {
        5
    } else {
        3
    };
    if area.height < h + 3 {
        return area;
    }
    let pane = Rect { height: h, ..area };
    let inner_w = pane.width.saturating_sub(2) as usize;
    let (title, body) = match s.target().resolved() {
        Some(resolved) => {
            let title = if s.target().confirmed() {
                " TARGET ✓ confirmed "
            } else {
                " TARGET, as the system names it "
            };
            let rows = if tall { 3 } else { 1 };
            (title, band(resolved, inner_w, rows, t.target()))
        }
        None => (
            " TARGET ",
            vec![Line::styled(
                fit(
                    &format!("asked when the step begins: $ {describe}"),
                    inner_w,
                ),
                t.dim(),
            )],
        ),
    };
    let mut block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(t.warn())
        .title(Line::styled(title, t.warn().patch(t.bold())));
    if s.target().resolved().is_some() {
        block = block.title_bottom(Line::styled(
            fit(&format!(" from: {describe} "), inner_w),
            t.dim(),
        ));
    }
    f.render_widget(Paragraph::new(body).block(block), pane);
    Rect {
        y: area.y + h,
        height: area.height - h,
        ..area
    }
}

/// The target alone on a solid band (`rows` high, 1 or 3), centred: hard to overlook, and
/// readable in reverse video where there is no colour.
pub fn band(target: &str, width: usize, rows: usize, style: Style) -> Vec<Line<'static>> {
    let w = width.min(target.chars().count() + 8);
    let middle =
        Line::styled(fit(&format!("{target:^w$}"), width), style).alignment(Alignment::Center);
    let pad = Line::styled(" ".repeat(w.min(width)), style).alignment(Alignment::Center);
    match rows {
        1 => vec![middle],
        _ => vec![pad.clone(), middle, pad],
    }
}
