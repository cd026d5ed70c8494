//! Keys to intents: the keymap names the action, and this decides what it means in the
//! state the screen is in. Only what the engine's phase asks for is ever sent.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use ratatui::backend::Backend;

use crate::engine::{Engine, Phase};
use crate::frontend::Intent;
use crate::journal::record::ReasonNeed;

use super::app::App;
use super::keymap::{self, Action};
use super::state::{Overlay, Question, ReasonFor, Ui};

impl<B: Backend> App<B> {
    pub(super) fn key(&mut self, ev: KeyEvent, e: &Engine) -> Vec<Intent> {
        let mut intents = self.act(ev, e);
        tell_deciding(&mut self.ui, &mut intents);
        intents
    }

    fn act(&mut self, ev: KeyEvent, e: &Engine) -> Vec<Intent> {
        if ev.kind == KeyEventKind::Release {
            return Vec::new();
        }
        self.ui.dirty = true;
        let mode = self.mode(e);
        let Some(action) = keymap::resolve(&ev, mode) else {
            return Vec::new();
        };
        self.ui.notice = None;
        let ui = &mut self.ui;
        match action {
            Action::Begin => {
                if ui.question.is_some() && ui.hidden {
                    ui.hidden = false;
                } else if let Phase::Ready(_) = e.phase() {
                    if ui.settled() {
                        return vec![Intent::Begin];
                    }
                    ui.notice("read what the step will do first, then press Enter", false);
                }
            }
            Action::Note => {
                ui.overlay = Some(Overlay::Note {
                    input: String::new(),
                })
            }
            Action::Help => {
                ui.help = Some(0);
                ui.help_from = Some(mode);
            }
            Action::Quit => ui.overlay = Some(Overlay::Quit),
            Action::CtrlC if ui.running => ui.overlay = Some(Overlay::Stop),
            Action::CtrlC => ui.overlay = Some(Overlay::Quit),
            Action::ScrollUp | Action::PageUp | Action::ScrollDown | Action::PageDown => {
                let page = self
                    .terminal
                    .size()
                    .map_or(10, |s| (s.height / 3).max(1) as usize);
                let up = matches!(action, Action::ScrollUp | Action::PageUp);
                let n = if matches!(action, Action::PageUp | Action::PageDown) {
                    page
                } else {
                    1
                };
                match &mut ui.help {
                    Some(at) if up => *at = at.saturating_sub(n),
                    Some(at) => *at += n,
                    None if up => ui.scroll += n,
                    None => ui.scroll = ui.scroll.saturating_sub(n),
                }
            }
            Action::Top => ui.scroll = usize::MAX / 2,
            Action::Follow => {
                ui.scroll = 0;
                ui.browse = None;
            }
            Action::EarlierStep => ui.browse_step(e, true),
            Action::LaterStep => ui.browse_step(e, false),
            Action::Type => {
                if let (KeyCode::Char(c), Some(field)) = (ev.code, field(ui)) {
                    field.push(c);
                }
            }
            Action::Erase => {
                if let Some(field) = field(ui) {
                    field.pop();
                }
            }
            Action::ClearField => {
                if let Some(field) = field(ui) {
                    field.clear();
                }
            }
            Action::Submit => return self.submit(e),
            Action::Hide => {
                if ui.help.is_some() {
                    ui.help = None;
                } else if ui.overlay.is_some() {
                    ui.overlay = None;
                } else if ui.question.is_some() || ui.watcher || mode == keymap::Mode::Finished {
                    // A watcher hides the approval request to read the screen under it; the
                    // final dialog hides too: the screen behind it (output, timeline) is what
                    // the operator may want to read before leaving.
                    ui.hidden = true;
                }
            }
            Action::Prev | Action::Next => {
                if let (Some(Question::Manual { answer, .. }), Phase::Manual(i)) =
                    (&mut ui.question, e.phase())
                {
                    let n = e.runbook().steps[i].choices.len().max(1);
                    *answer = if action == Action::Next {
                        (*answer + 1) % n
                    } else {
                        (*answer + n - 1) % n
                    };
                }
                if let Some(Question::Choice { choices, selected }) = &mut ui.question {
                    let n = choices.len().max(1);
                    *selected = if action == Action::Next {
                        (*selected + 1) % n
                    } else {
                        (*selected + n - 1) % n
                    };
                }
            }
            Action::Pick(name) => {
                if let Some(Question::Choice { choices, selected }) = &mut ui.question {
                    match choices.iter().position(|c| *c == name) {
                        Some(i) => *selected = i,
                        None => {
                            let allowed: Vec<&str> = choices.iter().map(|c| c.name()).collect();
                            ui.notice(
                                format!(
                                    "`{}` is not possible here; choose {}",
                                    name.name(),
                                    allowed.join(", ")
                                ),
                                false,
                            );
                        }
                    }
                }
            }
            Action::ApproveSelf => match e.phase() {
                Phase::Approval {
                    allow_self: true, ..
                } => {
                    ui.overlay = Some(Overlay::Approve {
                        input: String::new(),
                    })
                }
                _ => {
                    let text = format!(
                        "this step needs a different person: they run `shisa approve {}`",
                        ui.run_id
                    );
                    ui.notice(text, false);
                }
            },
            Action::Approve | Action::Reject => match e.phase() {
                Phase::Approval { .. } => {
                    let input = String::new();
                    ui.overlay = Some(if action == Action::Approve {
                        Overlay::Approve { input }
                    } else {
                        Overlay::Reject { input }
                    })
                }
                _ => ui.notice("no step is waiting for approval", false),
            },
            Action::Yes => match ui.overlay.take() {
                Some(Overlay::Stop) => return vec![Intent::Stop],
                Some(Overlay::Quit) => {
                    ui.no_linger = true;
                    return vec![Intent::Interrupt(crate::journal::record::Halt::Quit)];
                }
                other => ui.overlay = other,
            },
            Action::No => ui.overlay = None,
            // A command runs under the quit question: it is stopped first, then the same
            // choices come, from the engine, as its step's failure question (rolling back
            // first, or aborting).
            Action::AbortRun | Action::RollbackNow
                if ui.overlay == Some(Overlay::Quit)
                    && ui.running
                    && (action == Action::AbortRun || e.changes_made()) =>
            {
                ui.overlay = None;
                ui.notice(
                    "stopping the command: when it has stopped, choose to roll back or abort",
                    false,
                );
                return vec![Intent::Stop];
            }
            Action::AbortRun => {
                if ui.running {
                    ui.notice(
                        "a command is running: stop it first (Ctrl-C), then abort",
                        true,
                    );
                } else {
                    ui.overlay = Some(Overlay::Reason {
                        why: ReasonFor::AbortRun,
                        input: String::new(),
                    });
                }
            }
            Action::RollbackNow => {
                if ui.overlay == Some(Overlay::Quit) && !ui.running && e.changes_made() {
                    ui.overlay = Some(Overlay::Reason {
                        why: ReasonFor::RollbackNow,
                        input: String::new(),
                    });
                }
            }
            // Enter on a hidden final dialog shows it again, as it does a hidden question;
            // q (or Enter on the dialog) leaves.
            Action::Leave
                if mode == keymap::Mode::Finished && ui.hidden && ev.code == KeyCode::Enter =>
            {
                ui.hidden = false
            }
            Action::Leave => ui.left = true,
        }
        Vec::new()
    }

    fn submit(&mut self, e: &Engine) -> Vec<Intent> {
        let ui = &mut self.ui;
        let settled = ui.settled();
        if let Some(overlay) = ui.overlay.take() {
            let (text, keep) = match overlay {
                Overlay::Note { input } => {
                    let t = input.trim().to_string();
                    return if t.is_empty() {
                        Vec::new()
                    } else {
                        vec![Intent::Note(t)]
                    };
                }
                Overlay::Approve { input } => return vec![Intent::Approve(input.trim().into())],
                Overlay::Reject { input } if input.trim().is_empty() => {
                    ui.overlay = Some(Overlay::Reject { input });
                    ui.notice("a rejection needs a reason for the operator", false);
                    return Vec::new();
                }
                Overlay::Reject { input } => return vec![Intent::Reject(input.trim().into())],
                Overlay::Reason { why, input } => (input.trim().to_string(), (why, input)),
                other => {
                    ui.overlay = Some(other);
                    return Vec::new();
                }
            };
            let (why, input) = keep;
            let reason = (!text.is_empty()).then(|| text.clone());
            return match why {
                ReasonFor::RollbackNow if text.is_empty() => {
                    ui.overlay = Some(Overlay::Reason { why, input });
                    ui.notice("a rollback needs a reason for the journal", false);
                    Vec::new()
                }
                ReasonFor::RollbackNow => vec![Intent::RollbackNow(text)],
                ReasonFor::AbortRun => vec![Intent::Abort(reason)],
                ReasonFor::Choice(kind)
                    if text.trim().is_empty() && kind.reason() == ReasonNeed::Required =>
                {
                    ui.overlay = Some(Overlay::Reason { why, input });
                    ui.notice(format!("`{}` needs a reason", kind.name()), false);
                    Vec::new()
                }
                ReasonFor::Choice(kind) => vec![Intent::Choice(kind.with(&text))],
            };
        }
        match (&mut ui.question, ui.hidden) {
            (Some(Question::Confirm { input }), false) => {
                let typed = std::mem::take(input);
                if typed.trim().is_empty() {
                    let what = match e.phase() {
                        Phase::NoReturn { .. } => "type the step's name exactly as shown",
                        _ => "type the target exactly as shown",
                    };
                    ui.notice(what, false);
                    return Vec::new();
                }
                vec![Intent::Typed(typed)]
            }
            (Some(Question::Manual { note, answer }), false) if settled => {
                let note = note.trim().to_string();
                let choice = match e.phase() {
                    Phase::Manual(i) => e.runbook().steps[i]
                        .choices
                        .get(*answer)
                        .map(|c| c.key.clone()),
                    _ => None,
                };
                vec![Intent::ManualDone {
                    choice,
                    note: (!note.is_empty()).then_some(note),
                }]
            }
            (Some(Question::Choice { choices, selected }), false) if settled => {
                let Some(&kind) = choices.get(*selected) else {
                    return Vec::new();
                };
                if kind.reason() != ReasonNeed::None {
                    ui.overlay = Some(Overlay::Reason {
                        why: ReasonFor::Choice(kind),
                        input: String::new(),
                    });
                    return Vec::new();
                }
                if !e.choices().contains(&kind) {
                    return Vec::new();
                }
                vec![Intent::Choice(kind.with(""))]
            }
            (Some(_), false) => {
                ui.notice("read the question first, then press Enter", false);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}

impl<B: Backend> App<B> {
    /// Pasted text goes into a note or a reason, on one line; a target (the operator's or
    /// an approver's) is refused: typing it is the check, copying the screen is not.
    pub(super) fn paste(&mut self, text: &str) {
        let ui = &mut self.ui;
        ui.dirty = true;
        let target = match (&ui.overlay, &ui.question, ui.hidden) {
            (Some(Overlay::Approve { .. }), _, _) => true,
            (Some(_), _, _) => false,
            (None, Some(Question::Confirm { .. }), false) => true,
            _ => false,
        };
        if target {
            ui.notice(
                "pasting is refused here: type the target as you read it (that is the check)",
                true,
            );
            return;
        }
        if let Some(field) = field(ui) {
            let line: String = text
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            field.push_str(&line);
        }
    }
}

/// The text field keys type into: the overlay's, else the open question's.
fn field(ui: &mut Ui) -> Option<&mut String> {
    match &mut ui.overlay {
        Some(
            Overlay::Note { input }
            | Overlay::Reason { input, .. }
            | Overlay::Approve { input }
            | Overlay::Reject { input },
        ) => {
            return Some(input);
        }
        Some(_) => return None,
        None => {}
    }
    if ui.hidden {
        return None;
    }
    match &mut ui.question {
        Some(Question::Confirm { input }) => Some(input),
        Some(Question::Manual { note, .. }) => Some(note),
        _ => None,
    }
}

/// The quit question, and the reason asked from it, hold back the next change: the engine is
/// told when they open and when they close (`engine/deciding.rs`), after what the key asked
/// for, so a rollback or an abort chosen there goes first. A watcher's screen holds nothing.
fn tell_deciding(ui: &mut Ui, intents: &mut Vec<Intent>) {
    let open = !ui.watcher
        && matches!(
            ui.overlay,
            Some(
                Overlay::Quit
                    | Overlay::Reason {
                        why: ReasonFor::AbortRun | ReasonFor::RollbackNow,
                        ..
                    }
            )
        );
    if open != ui.deciding {
        ui.deciding = open;
        intents.push(Intent::Deciding(open));
    }
}
