//! The two front ends (headless line mode and the TUI) behind one interface. They only show
//! the engine's state and turn operator input into intents; the driver owns everything else,
//! so a safety rule cannot hold in one front end and not the other.

pub mod evidence;
pub mod headless;
pub mod output_lines;

use crate::engine::{Engine, Event};
use crate::exec::stream::OutputChunk;
use crate::journal::record::{Actor, Choice, Record};

/// What the operator wants; the driver turns it into an engine event.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    Begin,
    Typed(String),
    /// A manual step (or manual rollback entry) is done: the answer picked where the step
    /// offers `choices`, and a note.
    ManualDone {
        choice: Option<String>,
        note: Option<String>,
    },
    Choice(Choice),
    Note(String),
    /// Approve the step waiting for approval, typing its target. From the operator this is
    /// a self-approval (refused unless the runbook says `allow_self`); from a watcher it
    /// goes to the share server as the reviewer's signature.
    Approve(String),
    /// A watcher rejects the step waiting for approval, with a reason (sent to the share
    /// server). The operator cannot reject their own step: it becomes
    /// `Event::OperatorRejects`, which the engine refuses.
    Reject(String),
    /// Stop the running command (TERM, then KILL).
    Stop,
    /// End the run for good, with the operator's reason if they gave one.
    Abort(Option<String>),
    /// Undo the changes in place now, instead of leaving them (the quit dialog).
    RollbackNow(String),
    /// Stop now; the run can be resumed.
    Interrupt(crate::journal::record::Halt),
    /// The operator opened (`true`) or closed (`false`) the quit question: the engine starts
    /// no change meanwhile (`engine/deciding.rs`).
    Deciding(bool),
}

impl Intent {
    /// The engine event an operator's intent becomes: one mapping for the driver and the
    /// in-process tests, so neither decides anything the engine does not see.
    pub fn event(self, operator: &Actor) -> Event {
        match self {
            Intent::Begin => Event::Begin,
            Intent::Typed(t) => Event::Typed(t),
            Intent::ManualDone { choice, note } => Event::ManualDone { choice, note },
            Intent::Choice(c) => Event::Choice(c),
            Intent::Note(text) => Event::Note {
                actor: operator.clone(),
                text,
            },
            Intent::Approve(typed) => Event::SelfApproval { typed },
            // The operator's own "no" is refused by the engine: they abort instead. Only a
            // watcher's rejection carries a reason anywhere (`commands::witness::Ask`).
            Intent::Reject(_) => Event::OperatorRejects,
            Intent::Stop => Event::Stop(crate::engine::messages::OPERATOR_STOPPED.into()),
            Intent::Abort(reason) => Event::Abort(reason),
            Intent::RollbackNow(reason) => Event::RollbackRequested {
                reason,
                outside_window: None,
            },
            Intent::Interrupt(reason) => Event::Interrupt(reason),
            Intent::Deciding(on) => Event::Deciding(on),
        }
    }
}

/// Raw input, delivered to the front end that understands it.
#[derive(Debug)]
pub enum Input {
    Line(String),
    Eof,
    Key(crossterm::event::KeyEvent),
    Resize,
    /// Text pasted into the terminal (bracketed paste): kept apart from typing, because a
    /// target must be typed, never pasted.
    Paste(String),
    /// Ctrl-C arrived as a signal (line mode; the TUI sees it as a key).
    CtrlC,
}

/// What the driver tells the front end.
#[derive(Debug)]
pub enum Shown<'a> {
    Record(&'a Record),
    Output(&'a OutputChunk),
    /// The engine refused an intent; say why.
    Refused(&'a str),
    /// Something outside the run went wrong (journal write failed, …).
    Error(&'a str),
}

pub trait FrontEnd {
    fn show(&mut self, what: Shown<'_>, engine: &Engine);
    /// Called after every change of state: returns what to do without asking anyone (e.g.
    /// headless begins steps on its own) and asks the operator when needed.
    fn react(&mut self, engine: &Engine, running: bool) -> Vec<Intent>;
    fn input(&mut self, input: Input, engine: &Engine, running: bool) -> Vec<Intent>;
    /// Periodic redraw (the clock, coalesced output); line mode ignores it.
    fn tick(&mut self, _engine: &Engine) {}
    /// The run is over or halted; last words before exit.
    fn close(&mut self, _engine: &Engine) {}
}
