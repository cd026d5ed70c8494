//! Where the modal dialogs go: the run's question (or a reviewer's request), a dialog of the
//! operator's own stacked under it (a reviewer's form instead of the request), or the end
//! of the run.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::View;
use super::dialog::widths;
use super::dialogs::{overlay, question};

pub fn render(f: &mut Frame, area: Rect, v: &View) {
    let ui = v.ui;
    let asked = matches!((&ui.question, ui.hidden), (Some(_), false));
    // A reviewer's own form (approve, reject) replaces the request it answers: the form
    // names the step and says what to type, and the two stacked crowd an 80×24 screen.
    let reviewing = !asked && ui.watcher && !ui.hidden && ui.overlay.is_none();
    // A dialog of the operator's own (a reason, a note, quit) over the run's question: the
    // two are stacked, the question above and cut to what it needs (its chooser stays),
    // rather than one drawn over the middle of the other.
    let (area, below) = match &ui.overlay {
        Some(o) if asked => {
            let d = overlay(v, area, o);
            let h = d
                .height()
                .min(area.height.saturating_sub(STACKED_QUESTION_ROWS));
            let h = h.max(area.height / 2).min(d.height());
            let top = Rect {
                height: area.height - h,
                ..area
            };
            let bottom = Rect {
                y: area.y + area.height - h,
                height: h,
                ..area
            };
            (top, Some((d, bottom)))
        }
        _ => (area, None),
    };
    if let (Some(q), true) = (&ui.question, asked) {
        question(f, area, v, q);
    } else if reviewing {
        super::review::request(f, area, v);
    }
    let (w, _) = widths(area);
    match (below, &ui.overlay) {
        (Some((d, rect)), _) => d.draw(f, rect, w),
        (None, Some(o)) => overlay(v, area, o).draw(f, area, w),
        (None, None) if ui.question.is_none() && !ui.watcher && !ui.hidden => {
            super::end::render(f, area, v)
        }
        (None, None) => {}
    }
}

/// Rows the question keeps when a dialog is stacked under it: its heading, the step, the
/// chooser and a line of explanation.
const STACKED_QUESTION_ROWS: u16 = 7;
