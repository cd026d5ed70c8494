//! The question at a failure or a step in doubt: what went wrong, the engine's choices
//! (each with the key that picks it, from the keymap, and what it does), and the rollback
//! that choosing it would make, in the engine's order (`Engine::rollback_plan`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::dialog::{Dialog, widths};
use super::{View, fit};
use crate::engine::Phase;
use crate::exit::Exit;
use crate::journal::record::{ChoiceKind, ChoiceKind as K, Prompt, Purpose, ReasonNeed};
use crate::runbook::model::Undo;

pub(super) fn choice(
    f: &mut Frame,
    area: Rect,
    v: &View,
    i: usize,
    phase: &Phase,
    choices: &[ChoiceKind],
    selected: usize,
) {
    let t = v.theme;
    let e = v.e;
    let (w, tw) = widths(area);
    let prompt = e.prompt();
    let heading = match prompt {
        Some(Prompt::Precheck) => " Precheck failed ",
        Some(Prompt::Gate) => " Refused by a safety gate ",
        Some(Prompt::Rollback) => " A rollback command failed ",
        Some(Prompt::InDoubt) => " Step in doubt ",
        Some(Prompt::Window) => " The change window closed ",
        Some(Prompt::Rejected) => " Rejected by a reviewer ",
        Some(Prompt::LostCapture) => " A captured secret is gone ",
        _ => " Step failed ",
    };
    let mut d = Dialog::new(heading, t.bad());
    d.text(&e.title(i), t.bold(), tw);
    match phase {
        Phase::Failed { reason, prompt, .. } => {
            d.text(reason, t.bad(), tw);
            super::evidence::failure(&mut d, v, i, *prompt, area);
        }
        _ => {
            d.text(
                "This step was under way when the run stopped. Did it finish?",
                t.warn(),
                tw,
            );
            super::evidence::in_doubt(&mut d, v, i, area);
        }
    }
    // The failed command's log, not the latest command's (a later check may have passed).
    let failed_log =
        v.ui.failure
            .as_ref()
            .filter(|f| f.step == i)
            .map(|f| f.log.as_str());
    // A reviewer's rejection or a closed window is no command's doing: the latest log (a
    // lookup that passed) would only send the operator reading the wrong file.
    let by_a_command = !matches!(prompt, Some(Prompt::Rejected | Prompt::Window));
    let log = failed_log.or_else(|| {
        by_a_command
            .then(|| v.ui.out.get(i).and_then(|o| o.log.as_deref()))
            .flatten()
    });
    if let Some(log) = log.filter(|l| !l.is_empty()) {
        d.text(&format!("output: {}/{log}", v.ui.run_dir), t.dim(), tw);
    }
    // Blank lines are the first to give way on a short screen.
    d.ranked_line(0, Line::raw(""));
    let mut row = Vec::new();
    for (n, &c) in choices.iter().enumerate() {
        let name = keyed(c);
        let name = match c.reason() {
            ReasonNeed::None => name,
            _ => format!("{name}…"),
        };
        // A mark as well as reverse video: the choice reads without colour or attributes.
        let (label, style) = if n == selected {
            (format!("▶{name}"), t.selected())
        } else {
            (format!(" {name}"), Style::new())
        };
        row.push(Span::styled(label, style));
        row.push(Span::raw("  "));
    }
    d.key_line(Line::from(row));
    if let Some(&chosen) = choices.get(selected) {
        d.text(&explain(chosen, prompt), t.dim(), tw);
    }
    if choices.contains(&K::Rollback) {
        // The plan of the rollback the selection would start: with `rollback-item` selected,
        // only this loop pass's (cold read: both passes were listed, though one is undone).
        let pass_only = choices.get(selected) == Some(&K::RollbackItem);
        let crate::engine::RollbackPlan {
            undo: plan,
            without_rollback: without,
            kept,
            ..
        } = if pass_only {
            e.rollback_plan_of_pass(i)
        } else {
            e.rollback_plan(i)
        };
        let which = if pass_only {
            "Rolling back this loop pass"
        } else {
            "Rollback"
        };
        d.ranked_line(0, Line::raw(""));
        if plan.is_empty() {
            d.text(
                &format!("{which} would undo nothing: no change was made."),
                t.dim(),
                tw,
            );
        } else {
            d.text(
                &format!("{which} would undo, in this order:"),
                Style::new(),
                tw,
            );
        }
        for (n, &j) in plan.iter().enumerate() {
            let cmd = e
                .shown_command(j, Purpose::Rollback(1))
                .map(|c| c.lines().next().unwrap_or("").to_string())
                .unwrap_or_default();
            let more = match e.runbook().steps[j].rollback.len() {
                0 | 1 => String::new(),
                k => format!(" (+{} more)", k - 1),
            };
            d.line(Line::raw(fit(&format!(" {}. {}", n + 1, e.title(j)), tw)));
            if matches!(
                e.runbook().steps[j].rollback.first(),
                Some(Undo::Manual { .. })
            ) {
                d.line(Line::styled(fit("    (by hand)", tw), t.dim()));
                continue;
            }
            d.line(Line::styled(
                fit(&format!("    $ {cmd}{more}"), tw),
                t.dim(),
            ));
        }
        for &j in &without {
            d.text(
                &format!(" ! {} changed something and has no rollback", e.title(j)),
                t.warn(),
                tw,
            );
        }
        for &j in &kept {
            d.text(&format!(" = {} stays as it is", e.title(j)), t.dim(), tw);
        }
    }
    d.draw(f, area, w);
}

/// The choice's name with the key that selects it bracketed, `[r]ollback`, `re[t]ry`: from
/// the keymap, so the screen cannot disagree with the keys.
fn keyed(c: ChoiceKind) -> String {
    let name = c.name();
    let key = crate::tui::keymap::key_for(
        crate::tui::keymap::Action::Pick(c),
        crate::tui::keymap::Mode::Choice,
    );
    match key.and_then(|k| name.find(k.as_str()).map(|at| (k, at))) {
        Some((k, at)) => format!("{}[{k}]{}", &name[..at], &name[at + k.len()..]),
        None => name.to_string(),
    }
}

fn explain(choice: ChoiceKind, prompt: Option<Prompt>) -> String {
    // The exit code comes from `Exit`, so a renumbering cannot leave the screen wrong.
    let exceptions = Exit::CompletedWithExceptions;
    match (choice, prompt) {
        (K::Rollback, _) => "undo the changes made so far (listed below), then end the run".into(),
        (K::RollbackItem, _) => {
            "undo only this loop pass (listed below), then end the run; earlier passes, already verified, stay as they are".into()
        }
        (K::Retry, Some(Prompt::Rollback)) => "run the failed rollback command again".into(),
        (K::Retry, Some(Prompt::Rejected)) => {
            "ask for approval again: another reviewer, or the same one once their concern is met"
                .into()
        }
        (K::Retry, _) => "run the failed command again".into(),
        // As the engine ends it (`choose.rs`): at a gate the run is refused, at a failure
        // it failed, the failure its cause.
        (
            K::Abort,
            Some(Prompt::Gate | Prompt::Window | Prompt::Rejected | Prompt::LostCapture),
        ) => "end the run here and change nothing more (asks a reason)".into(),
        (K::Abort, _) => format!(
            "end the run here, failed (exit {}); nothing more changes (asks a reason)",
            Exit::Failed
        ),
        // As the engine records it (`ends.rs`): the step ends not undone, still in place.
        (K::Continue, Some(Prompt::Rollback)) => {
            "skip this rollback command: its step stays NOT UNDONE, its change still in place, and the rollback ends incomplete"
                .into()
        }
        (K::Continue, _) => format!(
            "record this step as failed and go on; the run can end only with exceptions (exit {exceptions})"
        ),
        (K::Override, Some(Prompt::Window)) => {
            "make the change outside the window (asks a reason, journaled as an override)".into()
        }
        (K::Override, _) => format!(
            "go on as if the precheck passed (asks a reason); the run ends with exceptions (exit {exceptions})"
        ),
        (K::Rerun, Some(Prompt::LostCapture)) => {
            "run the step that captured it again (a change asks for its target and approval again), then go on"
                .into()
        }
        (K::Rerun, _) => "run the step again from its start".into(),
        (K::Done, Some(Prompt::InDoubt)) => {
            "it did finish (asks a reason): its verify runs next; with none, it stays unproven"
                .into()
        }
        (K::Done, _) => "it did finish: record it as done (asks a reason)".into(),
    }
}
