//! Modal dialogs: the question the run asks (typed target, manual step, waiting for
//! approval; a failure or a step in doubt is `choice.rs`'s) and the operator's own (note,
//! reason, quit, stop); `modals.rs` places them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;

use super::dialog::{Dialog, input, widths};
use super::{View, fit};
use crate::engine::{Engine, Phase, tries_left};
use crate::journal::record::{ChoiceKind as K, Prompt};
use crate::phrase::Phrasebook as _;
use crate::runbook::model::Undo;
use crate::tui::state::{Overlay, Question, ReasonFor};

fn title(e: &Engine, i: usize) -> String {
    e.title(i)
}

/// The step a gate (typed target, approval) asks about. A later rollback meets the gates
/// again: what is confirmed or approved then is the undoing, and the dialog says so.
fn gated(e: &Engine, i: usize) -> String {
    match e.rollback() {
        Some(_) => format!("Rollback of {}", e.title(i)),
        None => e.title(i),
    }
}

pub(super) fn question(f: &mut Frame, area: Rect, v: &View, q: &Question) {
    let t = v.theme;
    let e = v.e;
    let (w, tw) = widths(area);
    let Some(i) = e.phase().step() else {
        return;
    };
    match (q, e.phase()) {
        (
            Question::Confirm { input: typed },
            Phase::Confirm {
                resolved, misses, ..
            },
        ) => {
            // On a short screen the spacing and the explanations give way first, so the
            // step, the target, the ask and the input being typed stay in view.
            let mut d = Dialog::new(" Confirm the target ", t.warn().patch(t.bold()));
            d.text(&gated(e, i), t.bold(), tw);
            d.ranked_text(
                2,
                "The system names the target of this step:",
                Style::new(),
                tw,
            );
            d.ranked_line(0, Line::raw(""));
            let band = super::target::band(&resolved, tw, 3, t.target());
            let last = band.len().saturating_sub(1);
            for (n, row) in band.into_iter().enumerate() {
                if n == 0 || n == last && last > 0 {
                    d.ranked_line(0, row);
                } else {
                    d.line(row);
                }
            }
            if let Some(c) = e.impact(i) {
                d.text(
                    &super::target::impact_text(c),
                    super::target::impact_style(v, c),
                    tw,
                );
            }
            d.ranked_line(0, Line::raw(""));
            d.text("Type it back exactly, then press Enter:", Style::new(), tw);
            d.key_line(input(typed, v));
            let left = tries_left(misses);
            match &v.ui.last_miss {
                Some(miss) if misses > 0 => d.text(
                    &format!(
                        "`{miss}` is not the target — {left} {} left",
                        if left == 1 { "try" } else { "tries" }
                    ),
                    t.bad(),
                    tw,
                ),
                _ => d.ranked_text(
                    1,
                    &format!("{left} tries; then the run halts (`shisa resume` asks again)"),
                    t.dim(),
                    tw,
                ),
            }
            d.draw(f, area, w);
        }
        (Question::Confirm { input: typed }, Phase::Blind { misses, .. }) => {
            let mut d = Dialog::new(
                " Name the target — blind confirmation ",
                t.warn().patch(t.bold()),
            );
            d.text(&gated(e, i), t.bold(), tw);
            let left = tries_left(misses);
            let ask = crate::phrase::TargetAsk {
                resolved: None,
                tries_left: left,
            };
            d.text(&crate::phrase::EN.target_ask(&ask).text(), Style::new(), tw);
            if let Some(c) = e.impact(i) {
                d.text(
                    &super::target::impact_text(c),
                    super::target::impact_style(v, c),
                    tw,
                );
            }
            d.ranked_line(0, Line::raw(""));
            d.text("The target you intend, then Enter:", Style::new(), tw);
            d.key_line(input(typed, v));
            match &v.ui.last_miss {
                Some(miss) if misses > 0 => d.text(
                    &format!("`{miss}` is not the target the system resolved — {left} tries left"),
                    t.bad(),
                    tw,
                ),
                _ => d.ranked_text(
                    1,
                    &format!("{left} tries; then the run halts (`shisa resume` asks again)"),
                    t.dim(),
                    tw,
                ),
            }
            d.draw(f, area, w);
        }
        (
            Question::Confirm { input: typed },
            Phase::NoReturn {
                expected, reason, ..
            },
        ) => {
            let mut d = Dialog::new(" Point of no return ", t.bad().patch(t.bold()));
            d.text(&title(e, i), t.bold(), tw);
            d.text(&reason, t.warn(), tw);
            d.text(
                "Once this step starts, shisa offers no automatic rollback of the steps before it: only forward fixes, this step's own rollback instructions, or stopping.",
                Style::new(),
                tw,
            );
            d.line(Line::raw(""));
            d.text(
                &format!("Type `{expected}` to go on (Esc hides this question):"),
                Style::new(),
                tw,
            );
            d.line(input(typed, v));
            d.draw(f, area, w);
        }
        (Question::Manual { note, .. }, Phase::ManualUndo { n, .. }) => {
            let mut d = Dialog::new(" Rollback by hand: do it, then mark it done ", t.warn());
            d.text(&format!("{} — rollback {n}", title(e, i)), t.bold(), tw);
            if let Some(Undo::Manual { instructions, .. }) =
                e.runbook().steps[i].rollback.get(n as usize - 1)
            {
                d.text(
                    instructions.render(&e.shown_step_vars(i)).trim(),
                    Style::new(),
                    tw,
                );
            }
            d.line(Line::raw(""));
            d.text("Note for the journal (optional):", t.dim(), tw);
            d.line(input(note, v));
            d.text("Enter marks this rollback done.", t.dim(), tw);
            d.draw(f, area, w);
        }
        (Question::Manual { note, answer }, _) => {
            let step = &e.runbook().steps[i];
            let mut d = Dialog::new(" Manual step: do it, then mark it done ", t.accent());
            d.text(&title(e, i), t.bold(), tw);
            if let Some(text) = &step.instructions {
                d.text(text.render(&e.shown_step_vars(i)).trim(), Style::new(), tw);
            }
            for link in &step.links {
                d.text(&format!("→ {link}"), t.accent(), tw);
            }
            d.line(Line::raw(""));
            if !step.choices.is_empty() {
                d.text("Answer (Tab selects):", t.dim(), tw);
                for (n, c) in step.choices.iter().enumerate() {
                    let (mark, style) = if n == *answer {
                        ("▶", t.selected())
                    } else {
                        (" ", Style::new())
                    };
                    d.line(Line::styled(
                        fit(&format!("{mark} {}: {}", c.key, c.label), tw),
                        style,
                    ));
                }
            }
            d.text("Note for the journal (optional):", t.dim(), tw);
            d.line(input(note, v));
            let enter = match step.choices.get(*answer) {
                Some(c) => format!("Enter answers `{}` and marks the step done.", c.key),
                None => "Enter marks the step done.".to_string(),
            };
            d.text(&enter, t.dim(), tw);
            d.draw(f, area, w);
        }
        (Question::Waiting, Phase::Approval { allow_self, .. }) => {
            let mut d = Dialog::new(" Waiting for approval ", t.accent());
            d.text(&gated(e, i), t.bold(), tw);
            // Counted approvals: who has approved so far, so the operator knows whom to
            // chase (each arrival is also a line on the timeline).
            let counted = e.tally(i).filter(crate::engine::Tally::counted);
            if let Some(tally) = &counted {
                d.text(&format!("Needs {}.", tally.waiting_for()), t.accent(), tw);
            }
            // Where the runbook allows it, approving yourself comes first: nobody else may
            // be able to join (a run not shared with anyone).
            if allow_self {
                let how = if e.self_approval_needs_typing() {
                    "press a, then type the target"
                } else {
                    "press a, then Enter (you typed the target already)"
                };
                d.text(
                    &format!("This runbook lets you approve it yourself: {how}. It is journaled as a self-approval."),
                    Style::new(),
                    tw,
                );
                // Only a shared run can be joined by someone else.
                if v.ui.shared {
                    d.line(Line::raw(""));
                    d.text(
                        "A second person who can join this run may approve instead:",
                        t.dim(),
                        tw,
                    );
                    d.line(Line::styled(
                        format!("  shisa approve {}", v.ui.run_id),
                        t.dim(),
                    ));
                }
            } else {
                let who = if counted.is_some_and(|c| c.needed > 1) {
                    "waiting for approval by other people, each of whom runs:"
                } else {
                    "waiting for approval by another person, who runs:"
                };
                d.text(who, Style::new(), tw);
                d.line(Line::styled(
                    format!("  shisa approve {}", v.ui.run_id),
                    t.accent(),
                ));
                d.text(
                    "and types the target themselves (or rejects it).",
                    Style::new(),
                    tw,
                );
            }
            d.draw(f, area, w);
        }
        (Question::Choice { choices, selected }, phase) => {
            super::choice::choice(f, area, v, i, &phase, choices, *selected)
        }
        _ => {}
    }
}

pub(super) fn overlay(v: &View, area: Rect, o: &Overlay) -> Dialog {
    let t = v.theme;
    let e = v.e;
    let (_, tw) = widths(area);
    let step = e.phase().step();
    let mut d;
    match o {
        Overlay::Note { input: text } => {
            d = Dialog::new(" Note for the journal ", t.accent());
            d.text(
                "Recorded with your name and the time; watchers see it too.",
                t.dim(),
                tw,
            );
            d.line(input(text, v));
        }
        Overlay::Reason { why, input: text } => {
            let q = match why {
                ReasonFor::Choice(K::Abort) => "Why abort? (optional)",
                ReasonFor::Choice(K::Override) if v.e.prompt() == Some(Prompt::Window) => {
                    "Why make this change outside the window?"
                }
                ReasonFor::Choice(K::Override) => "Why override the failed precheck?",
                ReasonFor::Choice(K::Done) => "Why do you know the step finished?",
                ReasonFor::Choice(_) => "Reason:",
                ReasonFor::AbortRun => "Why abort the run for good? (optional)",
                ReasonFor::RollbackNow => "Why roll back now? (journaled)",
            };
            d = Dialog::new(" Reason for the journal ", t.warn());
            d.text(q, Style::new(), tw);
            d.line(input(text, v));
            if *why == ReasonFor::AbortRun {
                super::abort::left_behind(&mut d, v, tw);
            }
        }
        Overlay::Approve { input: text } => {
            d = Dialog::new(" Approve ", t.accent());
            if let Some(i) = step {
                d.text(&gated(e, i), t.bold(), tw);
            }
            let blind = step.is_some_and(|i| e.blind(i));
            if v.ui.watcher && blind {
                d.text(
                    &crate::phrase::EN.reviewer_ask(true).text(),
                    Style::new(),
                    tw,
                );
            } else if v.ui.watcher {
                d.text(
                    "Type the target as you read it from the system, then Enter:",
                    Style::new(),
                    tw,
                );
            } else if e.self_approval_needs_typing() {
                d.text(
                    "You are the operator: this is journaled as a self-approval. Type the target, then Enter:",
                    Style::new(),
                    tw,
                );
            } else {
                d.text(
                    "You are the operator and typed the target already: Enter approves it, journaled as a self-approval.",
                    Style::new(),
                    tw,
                );
            }
            d.line(input(text, v));
        }
        Overlay::Reject { input: text } => d = super::review::reject(v, text, tw),
        Overlay::Quit => {
            d = Dialog::new(" Quit? ", t.warn());
            d.text(
                "The run stops here. It can be resumed later with:",
                Style::new(),
                tw,
            );
            d.line(Line::styled(
                // The id, as the stop dialog and the last words give it: it fits 80 columns.
                fit(&format!("  shisa resume {}", v.ui.run_id), tw),
                t.accent(),
            ));
            // An approval given while the question is open: the change waits for the
            // operator's answer (`engine/deciding.rs`), and the question says so.
            if let Phase::Next(crate::engine::Todo::Main(i)) = v.e.phase()
                && v.e.deciding()
            {
                d.text(
                    &format!(
                        "Approved meanwhile: “{}” has not started. Esc stays and starts it; quitting leaves it unstarted.",
                        v.e.title(i)
                    ),
                    t.warn(),
                    tw,
                );
            }
            if v.ui.running {
                d.text(
                    "The running command is stopped first (TERM, then KILL after 5 s); its step will be in doubt when you resume.",
                    t.warn(),
                    tw,
                );
            }
            super::abort::in_place(&mut d, v, tw);
        }
        Overlay::Stop => {
            d = Dialog::new(" Stop the running command? ", t.warn());
            d.text(
                "TERM goes to its whole process group, then KILL after 5 s. The step then fails and you choose what happens next.",
                Style::new(),
                tw,
            );
        }
    }
    d
}
