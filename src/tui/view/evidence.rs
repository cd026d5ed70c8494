//! What a dialog shows about what went wrong: for a step in doubt after a resume, what the
//! journal knows (`in_doubt`); for a failed step, the failing command, each verify check's
//! result and the last output lines (`failure`). Output lines give way first on a short
//! screen (the output pane behind has them all).

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;

use super::dialog::{Dialog, widths};
use super::{View, fit};
use crate::journal::record::{Prompt, Purpose};
use crate::text_safety::one_line;

/// What the journal knows about the step in doubt: what ran, how long, why it stopped,
/// its last lines (fewer on a small screen; the output pane has them all).
pub(super) fn in_doubt(d: &mut Dialog, v: &View, i: usize, area: Rect) {
    let t = v.theme;
    let (_, tw) = widths(area);
    let Some(ev) =
        v.ui.evidence
            .as_ref()
            .filter(|ev| v.e.runbook().steps.get(i).is_some_and(|s| s.id == ev.step))
    else {
        return;
    };
    d.text(&one_line(&ev.ran()), Style::new(), tw);
    d.text(&one_line(&ev.why()), t.warn(), tw);
    let keep = if area.height < 30 { 3 } else { 6 };
    if !ev.tail.is_empty() {
        d.optional_line(Line::styled(fit("its last output lines:", tw), t.dim()));
    }
    for line in &ev.tail[ev.tail.len().saturating_sub(keep)..] {
        d.optional_line(Line::styled(
            fit(&format!(" │ {}", one_line(line)), tw),
            t.dim(),
        ));
    }
}

/// A failed step: each verify check's result (where its checks ran), the failing command,
/// and the last lines it printed.
pub(super) fn failure(d: &mut Dialog, v: &View, i: usize, prompt: Prompt, area: Rect) {
    let t = v.theme;
    let e = v.e;
    let (_, tw) = widths(area);
    // Nothing ran: no command's output to show.
    if matches!(prompt, Prompt::Gate | Prompt::LostCapture) {
        return;
    }
    let first = |c: &str| c.lines().next().unwrap_or("").to_string();
    let checks = e.step(i).checks();
    let with_checks = prompt != Prompt::Rollback && !checks.is_empty();
    if with_checks {
        for n in 1..=e.runbook().steps[i].verify.len() as u32 {
            // Failed checks stay longest on a short screen, then those that passed.
            let (mark, style, rank) = match checks.get(&n) {
                Some(None) => ("✓", t.ok(), 2),
                Some(Some(_)) => ("✗", t.bad(), 3),
                None => ("·", t.dim(), 2),
            };
            let cmd = e
                .shown_command(i, Purpose::Verify(n))
                .map(|c| first(&c))
                .unwrap_or_default();
            let row = fit(&format!(" {mark} verify {n}  $ {}", one_line(&cmd)), tw);
            d.ranked_line(rank, Line::styled(row, style));
        }
    }
    let Some(f) = v.ui.failure.as_ref().filter(|f| f.step == i) else {
        return;
    };
    // A failed check is named in the list above; any other failed command is shown here.
    let listed = with_checks && matches!(f.purpose, Purpose::Verify(_));
    if !listed && !f.command.is_empty() {
        let row = fit(&format!("$ {}", one_line(&first(&f.command))), tw);
        d.line(Line::styled(row, Style::new()));
    }
    let keep = if area.height < 30 { 3 } else { 6 };
    if !f.tail.is_empty() {
        let head = match f.purpose {
            Purpose::Main => "the last lines it printed:".to_string(),
            p => format!("the last lines {p} printed:"),
        };
        d.optional_line(Line::styled(fit(&head, tw), t.dim()));
    }
    for line in &f.tail[f.tail.len().saturating_sub(keep)..] {
        d.ranked_line(
            1,
            Line::styled(fit(&format!(" │ {}", one_line(line)), tw), t.dim()),
        );
    }
}
