//! The reviewer's dialogs on the watcher's screen: the approval request (hideable, so the
//! evidence under it can be read) and the rejection with its reason.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::View;
use super::dialog::{Dialog, input, widths};
use crate::engine::Phase;

/// A step waits for a second person: what it is, and the three things the reviewer can do.
pub fn request(f: &mut Frame, area: Rect, v: &View) {
    let t = v.theme;
    let Phase::Approval { step, .. } = v.e.phase() else {
        return;
    };
    let (w, tw) = widths(area);
    let mut d = Dialog::new(" Approval wanted ", t.accent());
    // A later rollback asks again: the reviewer approves the undoing, not the change.
    let what = match v.e.rollback() {
        Some(_) => format!("Rollback of {}", v.e.title(step)),
        None => v.e.title(step),
    };
    d.text(&what, t.bold(), tw);
    // Blind: the reviewer names the target they intend; nothing is there to read back yet.
    let how = if v.e.blind(step) {
        "waits for a second person. Press a and name the target you intend, from the ticket (it is shown once named), or r to reject it with a reason for the operator."
    } else {
        "waits for a second person. Press a and type the target as you read it, or r to reject it with a reason for the operator."
    };
    d.text(how, Style::new(), tw);
    d.text(
        "Esc hides this to read the steps and their output (↑ PgUp scroll, [ earlier steps).",
        t.dim(),
        tw,
    );
    d.draw(f, area, w);
}

/// The reason for a rejection, as the operator will read it.
pub fn reject(v: &View, text: &str, tw: usize) -> Dialog {
    let t = v.theme;
    let mut d = Dialog::new(" Reject ", t.bad());
    if let Some(i) = v.e.phase().step() {
        d.text(&v.e.title(i), t.bold(), tw);
    }
    d.text(
        "The step will not run. Why? The operator reads this at once and decides what happens next:",
        Style::new(),
        tw,
    );
    d.line(input(text, v));
    d
}
