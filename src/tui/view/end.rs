//! The dialog at the end of a run (or where it stopped): the outcome and why, where its
//! record is, how to resume it; Esc hides it like any question.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::View;
use super::dialog::{Dialog, widths};
use crate::engine::Phase;
use crate::text_safety::one_line;

/// The run is over (or stopped): say how and why, where its record is, and how to leave.
/// Nothing here is cut to fit: the reason and the directory wrap.
pub(super) fn render(f: &mut Frame, area: Rect, v: &View) {
    let t = v.theme;
    let (w, tw) = widths(area);
    let mut d = match v.e.phase() {
        Phase::Finished { outcome, exit } => {
            let style = if exit == crate::exit::Exit::Ok {
                t.ok().patch(t.bold())
            } else {
                t.bad()
            };
            let mut d = Dialog::new(format!(" Run {} ", outcome.name()), style);
            d.text(
                &format!("The run is over: {} (exit {exit}).", outcome.name()),
                style,
                tw,
            );
            if let Some(why) = &v.ui.end_reason {
                d.text(&one_line(why), Style::new(), tw);
            }
            // What the run leaves behind, never silently: the same list the last words
            // on stdout give (`Engine::left_in_place`: none for a completed run).
            if super::abort::left_at_end(&mut d, v, tw) {
                d.text(
                    &format!(
                        "Undo them later with `shisa rollback {} --reason …`.",
                        v.ui.run_id
                    ),
                    t.accent(),
                    tw,
                );
            }
            d
        }
        Phase::Halted(reason) => {
            let mut d = Dialog::new(" Run stopped ", t.warn());
            d.text(&one_line(&reason), t.warn(), tw);
            if super::abort::left_at_end(&mut d, v, tw) {
                d.text(
                    "Resume to go on, or quit it from there with r to roll them back.",
                    t.dim(),
                    tw,
                );
            }
            d.text("It can be resumed with:", Style::new(), tw);
            d.text(&format!("  shisa resume {}", v.ui.run_id), t.accent(), tw);
            d
        }
        _ => return,
    };
    d.text(&format!("run directory {}", v.ui.run_dir), t.dim(), tw);
    d.text(
        "Enter leaves (the journal is verified on the way out); Esc hides this.",
        t.dim(),
        tw,
    );
    d.draw(f, area, w);
}
