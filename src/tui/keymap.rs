//! Every key the TUI understands, in one table: `(key, mode) -> action`. The same table
//! draws the `?` help, so the help can never disagree with what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::journal::record::ChoiceKind;

/// What the screen is doing, as far as keys are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No dialog: reading the plan, watching a command.
    Main,
    /// Typing the resolved target back.
    Confirm,
    /// A manual step: an optional note, then Enter marks it done.
    Manual,
    /// A free text field: a note, a reason, a target typed to approve.
    Text,
    /// Choosing what to do after a failure, or about a step in doubt.
    Choice,
    /// Waiting for a second person's approval.
    Waiting,
    /// A yes/no question (quit, stop the running command).
    Ask,
    Help,
    /// The run is over; the screen stays until the operator leaves.
    Finished,
    /// `shisa watch`: the same screen, read-only.
    Watcher,
    /// The parameter form before a run.
    Form,
}

impl Mode {
    pub const ALL: [Mode; 11] = [
        Mode::Main,
        Mode::Confirm,
        Mode::Manual,
        Mode::Text,
        Mode::Choice,
        Mode::Waiting,
        Mode::Ask,
        Mode::Help,
        Mode::Finished,
        Mode::Watcher,
        Mode::Form,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Main => "Reading a step or watching it run",
            Mode::Confirm => "Target confirmation",
            Mode::Manual => "Manual step",
            Mode::Text => "Text fields (note, reason, approval)",
            Mode::Choice => "After a failure / step in doubt",
            Mode::Waiting => "Waiting for approval",
            Mode::Ask => "Questions (quit, stop)",
            Mode::Help => "This help",
            Mode::Finished => "Run over",
            Mode::Watcher => "Watching (read-only)",
            Mode::Form => "Parameter form",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Begin,
    Note,
    Help,
    Quit,
    /// Ctrl-C: offers to stop a running command, else asks to quit.
    CtrlC,
    ScrollUp,
    ScrollDown,
    PageUp,
    PageDown,
    Top,
    Follow,
    /// Show the output of the step before (after) the one shown.
    EarlierStep,
    LaterStep,
    Type,
    Erase,
    ClearField,
    Submit,
    /// Close the dialog (a question for the run comes back with Enter).
    Hide,
    Prev,
    Next,
    Pick(ChoiceKind),
    ApproveSelf,
    Approve,
    /// A reviewer says no, with a reason.
    Reject,
    Yes,
    No,
    AbortRun,
    /// Roll back the changes in place instead of leaving them (asks a reason).
    RollbackNow,
    Leave,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Plain(KeyCode),
    Ctrl(char),
    /// Any printable character without Ctrl or Alt.
    Printable,
}

impl Key {
    fn matches(self, ev: &KeyEvent) -> bool {
        let ctrl_alt = ev
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match self {
            Key::Plain(code) => ev.code == code && !ctrl_alt,
            Key::Ctrl(c) => {
                ev.modifiers.contains(KeyModifiers::CONTROL)
                    && matches!(ev.code, KeyCode::Char(k) if k.eq_ignore_ascii_case(&c))
            }
            Key::Printable => matches!(ev.code, KeyCode::Char(_)) && !ctrl_alt,
        }
    }

    pub fn label(self) -> String {
        match self {
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Printable => "letters".into(),
            Key::Plain(code) => match code {
                KeyCode::Enter => "Enter".into(),
                KeyCode::Esc => "Esc".into(),
                KeyCode::Backspace => "Backspace".into(),
                KeyCode::Tab => "Tab".into(),
                KeyCode::BackTab => "Shift-Tab".into(),
                KeyCode::Up => "↑".into(),
                KeyCode::Down => "↓".into(),
                KeyCode::Left => "←".into(),
                KeyCode::Right => "→".into(),
                KeyCode::PageUp => "PgUp".into(),
                KeyCode::PageDown => "PgDn".into(),
                KeyCode::Home => "Home".into(),
                KeyCode::End => "End".into(),
                KeyCode::Char(c) => c.to_string(),
                other => format!("{other:?}"),
            },
        }
    }
}

pub struct Binding {
    pub key: Key,
    pub modes: &'static [Mode],
    pub action: Action,
    pub help: &'static str,
}

use Action as A;
use KeyCode as K;
use Mode as M;

const fn b(key: Key, modes: &'static [Mode], action: Action, help: &'static str) -> Binding {
    Binding {
        key,
        modes,
        action,
        help,
    }
}

const READING: &[Mode] = &[M::Main, M::Choice, M::Waiting, M::Finished, M::Watcher];
const TYPING: &[Mode] = &[M::Confirm, M::Manual, M::Text, M::Form];
const OPERATOR: &[Mode] = &[M::Main, M::Choice, M::Waiting];
const SCROLLING: &[Mode] = &[
    M::Main,
    M::Choice,
    M::Waiting,
    M::Finished,
    M::Watcher,
    M::Help,
];

const SCROLL: &str = "scroll: a line, a page, the oldest kept, follow the newest";
const PICK: &str = "select rollback, retry, abort, continue, override, rerun, done";
const SELECT: &str = "select the previous / next choice";

/// The table. Order matters only within a mode: the first matching row wins.
pub const BINDINGS: &[Binding] = &[
    b(
        Key::Ctrl('c'),
        &[
            M::Main,
            M::Confirm,
            M::Manual,
            M::Text,
            M::Choice,
            M::Waiting,
            M::Ask,
        ],
        A::CtrlC,
        "stop the running command (asks), else quit (asks)",
    ),
    b(
        Key::Plain(K::Enter),
        &[M::Main],
        A::Begin,
        "begin the step shown (or reopen its question)",
    ),
    b(
        Key::Plain(K::Char('n')),
        &[M::Main, M::Choice, M::Waiting, M::Watcher],
        A::Note,
        "add a note to the journal",
    ),
    b(Key::Plain(K::Char('?')), READING, A::Help, "show every key"),
    b(
        Key::Plain(K::Char('q')),
        OPERATOR,
        A::Quit,
        "quit (asks; the run can be resumed)",
    ),
    // Typing.
    b(
        Key::Plain(K::Enter),
        &[M::Confirm],
        A::Submit,
        "submit the typed target",
    ),
    b(
        Key::Plain(K::Enter),
        &[M::Manual],
        A::Submit,
        "mark the step done (with the note, if any)",
    ),
    b(Key::Plain(K::Enter), &[M::Text], A::Submit, "submit"),
    b(
        Key::Plain(K::Backspace),
        TYPING,
        A::Erase,
        "erase a character",
    ),
    b(Key::Ctrl('u'), TYPING, A::ClearField, "clear the field"),
    b(
        Key::Plain(K::Esc),
        &[M::Confirm, M::Manual, M::Choice, M::Waiting],
        A::Hide,
        "hide the question (Enter brings it back)",
    ),
    b(Key::Plain(K::Esc), &[M::Text], A::Hide, "cancel"),
    b(Key::Printable, TYPING, A::Type, "type"),
    b(
        Key::Plain(K::Enter),
        &[M::Form],
        A::Submit,
        "check the field and go on; on the last one, start",
    ),
    b(
        Key::Plain(K::Tab),
        &[M::Form],
        A::Next,
        "next / previous field",
    ),
    b(
        Key::Plain(K::Down),
        &[M::Form],
        A::Next,
        "next / previous field",
    ),
    b(
        Key::Plain(K::BackTab),
        &[M::Form],
        A::Prev,
        "next / previous field",
    ),
    b(
        Key::Plain(K::Up),
        &[M::Form],
        A::Prev,
        "next / previous field",
    ),
    b(
        Key::Plain(K::Esc),
        &[M::Form],
        A::Leave,
        "cancel: nothing runs",
    ),
    b(Key::Ctrl('c'), &[M::Form], A::Leave, "cancel: nothing runs"),
    // A manual step that offers answers.
    b(
        Key::Plain(K::Tab),
        &[M::Manual],
        A::Next,
        "select the next / previous answer (a step with answers)",
    ),
    b(
        Key::Plain(K::BackTab),
        &[M::Manual],
        A::Prev,
        "select the next / previous answer (a step with answers)",
    ),
    // Choices after a failure or about a step in doubt.
    b(Key::Plain(K::Left), &[M::Choice], A::Prev, SELECT),
    b(Key::Plain(K::BackTab), &[M::Choice], A::Prev, SELECT),
    b(Key::Plain(K::Right), &[M::Choice], A::Next, SELECT),
    b(Key::Plain(K::Tab), &[M::Choice], A::Next, SELECT),
    b(
        Key::Plain(K::Enter),
        &[M::Choice],
        A::Submit,
        "take the selected choice",
    ),
    b(
        Key::Plain(K::Char('r')),
        &[M::Choice],
        A::Pick(ChoiceKind::Rollback),
        PICK,
    ),
    b(
        Key::Plain(K::Char('i')),
        &[M::Choice],
        A::Pick(ChoiceKind::RollbackItem),
        "select rollback-item: undo only the failed loop pass",
    ),
    b(
        Key::Plain(K::Char('t')),
        &[M::Choice],
        A::Pick(ChoiceKind::Retry),
        PICK,
    ),
    b(
        Key::Plain(K::Char('a')),
        &[M::Choice],
        A::Pick(ChoiceKind::Abort),
        PICK,
    ),
    b(
        Key::Plain(K::Char('c')),
        &[M::Choice],
        A::Pick(ChoiceKind::Continue),
        PICK,
    ),
    b(
        Key::Plain(K::Char('o')),
        &[M::Choice],
        A::Pick(ChoiceKind::Override),
        PICK,
    ),
    b(
        Key::Plain(K::Char('e')),
        &[M::Choice],
        A::Pick(ChoiceKind::Rerun),
        PICK,
    ),
    b(
        Key::Plain(K::Char('d')),
        &[M::Choice],
        A::Pick(ChoiceKind::Done),
        PICK,
    ),
    // Waiting for a second person.
    b(
        Key::Plain(K::Char('a')),
        &[M::Waiting],
        A::ApproveSelf,
        "approve it yourself, typing the target (where allowed)",
    ),
    // Questions.
    b(Key::Plain(K::Char('y')), &[M::Ask], A::Yes, "yes"),
    b(Key::Plain(K::Enter), &[M::Ask], A::Yes, "yes"),
    b(
        Key::Plain(K::Char('r')),
        &[M::Ask],
        A::RollbackNow,
        "roll back the changes in place first (asks a reason); a running command is stopped first, then its step's question offers it",
    ),
    b(
        Key::Plain(K::Char('a')),
        &[M::Ask],
        A::AbortRun,
        "abort the run for good; changes stay in place (asks a reason); a running command is stopped first, then its step's question offers it",
    ),
    b(Key::Plain(K::Esc), &[M::Ask], A::No, "no"),
    // Help.
    b(Key::Plain(K::Esc), &[M::Help], A::Hide, "close the help"),
    b(
        Key::Plain(K::Char('?')),
        &[M::Help],
        A::Hide,
        "close the help",
    ),
    b(
        Key::Plain(K::Char('q')),
        &[M::Help],
        A::Hide,
        "close the help",
    ),
    b(Key::Plain(K::Enter), &[M::Help], A::Hide, "close the help"),
    // Scrolling the output.
    b(Key::Plain(K::Up), SCROLLING, A::ScrollUp, SCROLL),
    b(Key::Plain(K::Down), SCROLLING, A::ScrollDown, SCROLL),
    b(Key::Plain(K::PageUp), SCROLLING, A::PageUp, SCROLL),
    b(Key::Plain(K::PageDown), SCROLLING, A::PageDown, SCROLL),
    b(Key::Plain(K::Home), SCROLLING, A::Top, SCROLL),
    b(Key::Plain(K::End), SCROLLING, A::Follow, SCROLL),
    b(
        Key::Plain(K::Char('[')),
        READING,
        A::EarlierStep,
        "an earlier / later step's output (End: the live one)",
    ),
    b(
        Key::Plain(K::Char(']')),
        READING,
        A::LaterStep,
        "an earlier / later step's output (End: the live one)",
    ),
    // The end, and watching.
    b(
        Key::Plain(K::Enter),
        &[M::Finished],
        A::Leave,
        "leave (the journal is verified on the way out)",
    ),
    b(
        Key::Plain(K::Char('q')),
        &[M::Finished, M::Watcher],
        A::Leave,
        "leave",
    ),
    b(
        Key::Plain(K::Esc),
        &[M::Finished],
        A::Hide,
        "hide the summary (Enter brings it back)",
    ),
    b(
        Key::Plain(K::Char('a')),
        &[M::Watcher],
        A::Approve,
        "approve the waiting step, typing its target",
    ),
    b(
        Key::Plain(K::Char('r')),
        &[M::Watcher],
        A::Reject,
        "reject the waiting step, with a reason for the operator",
    ),
    b(
        Key::Plain(K::Esc),
        &[M::Watcher],
        A::Hide,
        "hide the approval request (a and r still work)",
    ),
    b(
        Key::Ctrl('c'),
        &[M::Finished, M::Watcher],
        A::Leave,
        "leave",
    ),
];

/// The action a key has in a mode, if any.
pub fn resolve(ev: &KeyEvent, mode: Mode) -> Option<Action> {
    BINDINGS
        .iter()
        .find(|b| b.modes.contains(&mode) && b.key.matches(ev))
        .map(|b| b.action)
}

/// The help rows for one mode: keys that do the same thing are joined (`y/Enter`).
pub fn help(mode: Mode) -> Vec<(String, &'static str)> {
    let mut rows: Vec<(String, &'static str)> = Vec::new();
    for b in BINDINGS.iter().filter(|b| b.modes.contains(&mode)) {
        match rows.iter_mut().find(|(_, h)| *h == b.help) {
            Some((keys, _)) => {
                keys.push('/');
                keys.push_str(&b.key.label());
            }
            None => rows.push((b.key.label(), b.help)),
        }
    }
    rows
}

/// The label of the first key bound to `action` in `mode`, for hints on screen.
pub fn key_for(action: Action, mode: Mode) -> Option<String> {
    BINDINGS
        .iter()
        .find(|b| b.action == action && b.modes.contains(&mode))
        .map(|b| b.key.label())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn letters_type_in_text_fields_but_act_elsewhere() {
        assert_eq!(resolve(&key(K::Char('n')), M::Main), Some(A::Note));
        assert_eq!(resolve(&key(K::Char('n')), M::Confirm), Some(A::Type));
        assert_eq!(resolve(&key(K::Char('q')), M::Manual), Some(A::Type));
        assert_eq!(resolve(&key(K::Char('q')), M::Main), Some(A::Quit));
        assert_eq!(
            resolve(&key(K::Char('r')), M::Choice),
            Some(A::Pick(ChoiceKind::Rollback))
        );
        let ctrl_c = KeyEvent::new(K::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(resolve(&ctrl_c, M::Confirm), Some(A::CtrlC));
        // Shift is how some terminals deliver `?`.
        let shifted = KeyEvent::new(K::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(resolve(&shifted, M::Main), Some(A::Help));
    }

    #[test]
    fn the_watcher_has_no_operator_keys() {
        for code in [K::Enter, K::Char('t'), K::Char('c')] {
            assert_eq!(resolve(&key(code), M::Watcher), None, "{code:?}");
        }
        assert_eq!(resolve(&key(K::Char('a')), M::Watcher), Some(A::Approve));
        assert_eq!(resolve(&key(K::Char('r')), M::Watcher), Some(A::Reject));
        assert_eq!(resolve(&key(K::Char('n')), M::Watcher), Some(A::Note));
    }

    #[test]
    fn every_mode_has_help_and_a_way_out() {
        for mode in Mode::ALL {
            let rows = help(mode);
            assert!(!rows.is_empty(), "{mode:?}");
        }
        assert_eq!(help(M::Ask)[0].0, "Ctrl-C");
        assert!(
            help(M::Ask)
                .iter()
                .any(|(k, h)| k == "y/Enter" && *h == "yes")
        );
    }
}
