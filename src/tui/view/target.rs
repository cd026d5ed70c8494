//! The resolved target in a box of its own, large and alone: the operator reads the name
//! the system itself gave (`Root`, not the OU they meant), not a value they typed.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
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
    if e.rb.steps[i].target.is_none() {
        return area;
    }
    let s = &e.steps[i];
    let describe = e.shown_command(i, Purpose::Describe).unwrap_or_default();
    let mut describe = describe.lines().next().unwrap_or("").to_string();
    if let Some((cmd, _)) = e.command_for(i, Purpose::Describe) {
        for (k, val) in show::script_env(&cmd, &e.shown_vars()) {
            describe.push_str(&format!("  ({k}={})", e.mask(&val)));
        }
    }
    let tall = area.height >= 16;
    let h: u16 = if s.resolved.is_some() && tall { 5 } else { 3 };
    if area.height < h + 3 {
        return area;
    }
    let pane = Rect { height: h, ..area };
    let inner_w = pane.width.saturating_sub(2) as usize;
    let (title, body) = match &s.resolved {
        Some(resolved) => {
            let title = if s.confirmed {
                " TARGET ✓ confirmed "
            } else {
                " TARGET, as the system names it "
            };
            let band =
                Line::styled(fit(resolved, inner_w), t.target()).alignment(Alignment::Center);
            let mut body = Vec::new();
            if tall {
                body.push(Line::raw(""));
            }
            body.push(band);
            (title, body)
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
    if s.resolved.is_some() {
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
