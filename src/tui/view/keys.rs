//! The bottom line: the keys that matter now (labels from the keymap itself), or a notice.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::View;
use crate::engine::Phase;
use crate::tui::keymap::{Action, Mode, key_for};
use crate::tui::state::{Overlay, Question};

pub fn render(f: &mut Frame, area: Rect, v: &View) {
    let t = v.theme;
    if let Some(n) = &v.ui.notice {
        let style = if n.error { t.bad() } else { t.warn() };
        f.render_widget(
            Paragraph::new(Line::styled(format!(" {}", n.text), style))
                .wrap(ratatui::widgets::Wrap { trim: false }),
            area,
        );
        return;
    }
    let mut spans = Vec::new();
    for (action, text) in hints(v) {
        if let Some(key) = key_for(action, v.mode) {
            spans.push(Span::styled(format!(" {key}"), t.key()));
            // The chooser's bracketed letters (`[r]ollback`) select as Tab does: said beside
            // it, so a new operator learns them from the screen.
            if action == Action::Next
                && let Some(letters) = choice_letters(v)
            {
                spans.push(Span::raw(" or "));
                spans.push(Span::styled(letters, t.key()));
            }
            spans.push(Span::raw(format!(" {text} ")));
        }
    }
    // The summary hidden, Enter brings it back (as it does a hidden question): only q
    // leaves from here, so say so rather than "Enter leave".
    if v.mode == Mode::Finished && v.ui.hidden {
        spans.push(Span::styled(" q", t.key()));
        spans.push(Span::raw(" leave "));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The letters that select the chooser's choices, in its order (`r/t/a`), from the keymap.
fn choice_letters(v: &View) -> Option<String> {
    let Some(Question::Choice { choices, .. }) = &v.ui.question else {
        return None;
    };
    let letters: Vec<String> = choices
        .iter()
        .filter_map(|&c| key_for(Action::Pick(c), Mode::Choice))
        .collect();
    (!letters.is_empty()).then(|| letters.join("/"))
}

/// How many rows the bottom line needs: one, or up to three for a long notice.
pub fn rows(v: &View, width: u16) -> u16 {
    use unicode_width::UnicodeWidthStr;
    let Some(n) = &v.ui.notice else { return 1 };
    let need = (n.text.width() + 1).div_ceil(usize::from(width.max(1)));
    need.clamp(1, 3) as u16
}

fn hints(v: &View) -> Vec<(Action, &'static str)> {
    let running = v.ui.running;
    match v.mode {
        Mode::Main => {
            let mut h = Vec::new();
            if v.ui.question.is_some() && v.ui.hidden {
                h.push((Action::Begin, "reopen the question"));
            } else if matches!(v.e.phase(), Phase::Ready(_)) && v.settled {
                h.push((Action::Begin, "begin"));
            }
            if running {
                h.push((Action::CtrlC, "stop the command"));
            }
            h.extend([
                (Action::Note, "note"),
                (Action::PageUp, "scroll"),
                (Action::EarlierStep, "earlier"),
                (Action::Help, "help"),
                (Action::Quit, "quit"),
            ]);
            h
        }
        Mode::Confirm => vec![(Action::Submit, "submit"), (Action::Hide, "hide")],
        // Enter is offered once the question has been on screen long enough to act on.
        Mode::Manual if v.settled => vec![(Action::Submit, "mark done"), (Action::Hide, "hide")],
        Mode::Manual => vec![(Action::Hide, "hide")],
        Mode::Text => vec![(Action::Submit, "submit"), (Action::Hide, "cancel")],
        Mode::Choice => {
            let mut h = vec![(Action::Next, "select")];
            if v.settled {
                h.push((Action::Submit, "choose"));
            }
            h.extend([
                (Action::Note, "note"),
                (Action::Help, "help"),
                (Action::Hide, "hide"),
            ]);
            h
        }
        Mode::Waiting => {
            let mut h = Vec::new();
            if matches!(
                v.e.phase(),
                Phase::Approval {
                    allow_self: true,
                    ..
                }
            ) {
                h.push((Action::ApproveSelf, "approve it yourself"));
            }
            h.extend([
                (Action::Hide, "hide"),
                (Action::Note, "note"),
                (Action::Help, "help"),
                (Action::Quit, "quit"),
            ]);
            h
        }
        Mode::Ask => {
            let mut h = vec![(Action::Yes, "yes"), (Action::No, "no")];
            if v.ui.overlay == Some(Overlay::Quit) && running {
                // Stopped first; its failure question then offers rolling back or aborting.
                if v.e.changes_made() {
                    h.push((Action::RollbackNow, "stop it, then roll back or abort"));
                } else {
                    h.push((Action::AbortRun, "stop it, then abort"));
                }
            } else if v.ui.overlay == Some(Overlay::Quit) {
                // "Leave them" only where there is something to leave in place.
                if v.e.changes_made() {
                    h.push((Action::RollbackNow, "roll back first"));
                    h.push((Action::AbortRun, "abort, leave them"));
                } else {
                    h.push((Action::AbortRun, "abort for good"));
                }
            }
            h
        }
        Mode::Help => vec![(Action::Hide, "close"), (Action::PageDown, "scroll")],
        Mode::Finished => vec![
            (
                Action::Leave,
                if v.ui.hidden {
                    "show the summary"
                } else {
                    "leave"
                },
            ),
            (Action::PageUp, "scroll"),
            (Action::EarlierStep, "earlier steps"),
            (Action::Help, "help"),
        ],
        Mode::Form => vec![(Action::Submit, "next / start"), (Action::Leave, "cancel")],
        // Approve and reject only while a step waits for them: no stale offers.
        Mode::Watcher => {
            let mut h = Vec::new();
            if matches!(v.e.phase(), Phase::Approval { .. }) {
                h.push((Action::Approve, "approve"));
                h.push((Action::Reject, "reject"));
                if !v.ui.hidden {
                    h.push((Action::Hide, "hide"));
                }
            }
            h.extend([
                (Action::Note, "note"),
                (Action::PageUp, "scroll"),
                (Action::EarlierStep, "earlier"),
                (Action::Help, "help"),
                (Action::Leave, "leave"),
            ]);
            h
        }
    }
}
