//! What quitting or aborting leaves behind: the changes in place, listed by name (never left
//! silently), with rolling back offered first; from the one rollback order
//! (`Engine::rollback_plan_now`).

use ratatui::style::Style;
use ratatui::text::Line;

use super::View;
use super::dialog::Dialog;

/// The quit dialog: what is in place, and the three ways on. A command running is stopped
/// first; its step's failure question then offers the same (`input.rs`, `Action::AbortRun`).
pub fn in_place(d: &mut Dialog, v: &View, tw: usize) {
    let t = v.theme;
    let plan = v.e.rollback_plan_now();
    let nothing = plan.undo.is_empty() && plan.without_rollback.is_empty();
    if v.ui.running {
        if !nothing || !plan.kept.is_empty() {
            d.line(Line::raw(""));
            d.text("Changes of this run in place now:", t.warn(), tw);
            list(d, v, tw);
            d.line(Line::raw(""));
        }
        d.text(
            if nothing && plan.kept.is_empty() {
                "No change of this run is in place. Or press a to stop the command and stay: its step fails, and you choose there whether to abort."
            } else if nothing {
                "Or press a to stop the command and stay: its step fails, and you choose there whether to abort."
            } else {
                "Or press r or a to stop the command and stay: its step fails, and you choose there to roll back (first) or abort."
            },
            Style::new(),
            tw,
        );
        return;
    }
    if nothing && plan.kept.is_empty() {
        d.text(
            "No change of this run is in place. Or press a to abort the run for good.",
            t.dim(),
            tw,
        );
        return;
    }
    d.line(Line::raw(""));
    d.text("Changes of this run in place now:", t.warn(), tw);
    list(d, v, tw);
    d.line(Line::raw(""));
    if nothing {
        d.text("Or press a to abort the run for good.", t.dim(), tw);
        return;
    }
    d.text(
        "Press r to roll them back first (in reverse, asks a reason), or a to abort for good and leave them in place.",
        Style::new(),
        tw,
    );
}

/// The reason for aborting: what stays, and how to undo it later.
pub fn left_behind(d: &mut Dialog, v: &View, tw: usize) {
    let t = v.theme;
    if !v.e.changes_made() {
        return;
    }
    d.line(Line::raw(""));
    d.text("These stay in place:", t.warn(), tw);
    list(d, v, tw);
    d.text(
        &format!(
            "Undo them later with `shisa rollback {} --reason …`, or Esc and r to roll back now.",
            v.ui.run_id
        ),
        t.dim(),
        tw,
    );
}

/// The end (or stop) of a run: the changes it leaves in place, by name; false when none.
pub fn left_at_end(d: &mut Dialog, v: &View, tw: usize) -> bool {
    let left = v.e.left_in_place();
    if left.is_empty() {
        return false;
    }
    d.text("Left in place, not rolled back:", v.theme.warn(), tw);
    for j in left {
        d.text(&format!(" ◆ {}", v.e.title(j)), Style::new(), tw);
    }
    true
}

fn list(d: &mut Dialog, v: &View, tw: usize) {
    let t = v.theme;
    let plan = v.e.rollback_plan_now();
    for &j in &plan.undo {
        d.text(&format!(" ◆ {}", v.e.title(j)), Style::new(), tw);
    }
    for &j in &plan.without_rollback {
        d.text(
            &format!(" ! {} (no rollback defined)", v.e.title(j)),
            t.warn(),
            tw,
        );
    }
    for &j in &plan.kept {
        d.text(
            &format!(
                " = {} (kept: past a checkpoint or point of no return)",
                v.e.title(j)
            ),
            t.dim(),
            tw,
        );
    }
}
