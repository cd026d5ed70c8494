//! The TUI front end: the driver's [`FrontEnd`], turning keys into intents through the
//! keymap and drawing at the terminal's pace. It decides nothing about the run: the engine's
//! phase says what is being asked, and only what `engine.choices()` allows is offered.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use ratatui::Terminal;
use ratatui::backend::Backend;

use crate::clock::Clock;
use crate::engine::{Engine, Phase};
use crate::frontend::{FrontEnd, Input, Intent, Shown};
use crate::journal::record::Choice;

use super::keymap::{self, Action, Mode};
use super::state::{Overlay, Question, ReasonFor, Ui};
use super::view::{self, Theme, View};

/// The shortest time between two frames drawn for keys (the driver ticks every 50 ms).
const FRAME: std::time::Duration = std::time::Duration::from_millis(16);

pub struct Options {
    pub run_id: String,
    pub run_dir: String,
    pub clock: Clock,
    pub color: bool,
    /// `shisa watch`: the same screen, read-only.
    pub watcher: bool,
    /// Output bytes the runner could not hand to the screen (they are in the log).
    pub dropped: Option<Arc<AtomicU64>>,
}

pub struct App<B: Backend> {
    pub terminal: Terminal<B>,
    pub ui: Ui,
    clock: Clock,
    theme: Theme,
    dropped: Option<Arc<AtomicU64>>,
    /// The engine as the run left it, for the screen that stays after the driver returns.
    last: Option<Engine>,
    last_second: u64,
    settled_drawn: bool,
    last_draw: Option<std::time::Instant>,
}

impl<B: Backend> App<B> {
    pub fn new(terminal: Terminal<B>, o: Options) -> App<B> {
        App {
            terminal,
            ui: Ui::new(o.run_id, o.run_dir, o.color, o.watcher),
            clock: o.clock,
            theme: Theme { color: o.color },
            dropped: o.dropped,
            last: None,
            last_second: 0,
            settled_drawn: false,
            last_draw: None,
        }
    }

    pub fn mode(&self, e: &Engine) -> Mode {
        let ui = &self.ui;
        if ui.help.is_some() {
            return Mode::Help;
        }
        match &ui.overlay {
            Some(Overlay::Quit | Overlay::Stop) => return Mode::Ask,
            Some(_) => return Mode::Text,
            None => {}
        }
        if ui.watcher {
            return Mode::Watcher;
        }
        if ui.closed || matches!(e.phase(), Phase::Finished { .. } | Phase::Halted(_)) {
            return Mode::Finished;
        }
        match (&ui.question, ui.hidden) {
            (Some(Question::Confirm { .. }), false) => Mode::Confirm,
            (Some(Question::Manual { .. }), false) => Mode::Manual,
            (Some(Question::Waiting), false) => Mode::Waiting,
            (Some(Question::Choice { .. }), false) => Mode::Choice,
            _ => Mode::Main,
        }
    }

    /// Draws a frame now. Drawing errors are ignored: the terminal may be gone (SIGHUP), and
    /// the run must go on being recorded regardless.
    pub fn draw(&mut self, e: &Engine) {
        let mode = self.mode(e);
        let dropped = self
            .dropped
            .as_ref()
            .map_or(0, |d| d.load(Ordering::Relaxed));
        let step = self.ui.output_step(e);
        if step != self.ui.shown_step {
            self.ui.shown_step = step;
            self.ui.scroll = 0;
        }
        let kept = step
            .and_then(|i| self.ui.out.get(i))
            .map_or(0, |o| o.lines.len());
        self.ui.scroll = self.ui.scroll.min(kept.saturating_sub(1));
        let ui = &self.ui;
        let v = View {
            e,
            ui,
            now: ui.frozen.map_or_else(|| self.clock.now(), |(t, _)| t),
            elapsed: ui.elapsed(),
            theme: self.theme,
            mode,
            settled: ui.settled(),
            dropped,
        };
        let _ = self.terminal.draw(|f| view::render(f, &v));
        self.ui.dirty = false;
        self.last_draw = Some(std::time::Instant::now());
        if self.ui.seen_at.is_none() {
            self.ui.seen_at = Some(std::time::Instant::now());
            self.settled_drawn = false;
        }
    }

    fn key(&mut self, ev: KeyEvent, e: &Engine) -> Vec<Intent> {
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
            Action::CtrlC if mode == Mode::Finished => ui.left = true,
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
            Action::Follow => ui.scroll = 0,
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
                } else if ui.question.is_some() {
                    ui.hidden = true;
                }
            }
            Action::Prev | Action::Next => {
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
                            let allowed = choices.join(", ");
                            ui.notice(
                                format!("`{name}` is not possible here; choose {allowed}"),
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
            Action::Approve => match e.phase() {
                Phase::Approval { .. } => {
                    ui.overlay = Some(Overlay::Approve {
                        input: String::new(),
                    })
                }
                _ => ui.notice("no step is waiting for approval", false),
            },
            Action::Yes => match ui.overlay.take() {
                Some(Overlay::Stop) => return vec![Intent::Stop],
                Some(Overlay::Quit) => {
                    ui.no_linger = true;
                    return vec![Intent::Interrupt("the operator quit".into())];
                }
                other => ui.overlay = other,
            },
            Action::No => ui.overlay = None,
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
                Overlay::Reason { why, input } => (input.trim().to_string(), (why, input)),
                other => {
                    ui.overlay = Some(other);
                    return Vec::new();
                }
            };
            let (why, input) = keep;
            let reason = (!text.is_empty()).then(|| text.clone());
            return match why {
                ReasonFor::AbortRun => vec![Intent::Abort(
                    reason.unwrap_or_else(|| "the operator aborted the run".into()),
                )],
                ReasonFor::Choice("abort") => vec![Intent::Choice(Choice::Abort(reason))],
                ReasonFor::Choice(name) if text.is_empty() => {
                    ui.overlay = Some(Overlay::Reason { why, input });
                    ui.notice(format!("`{name}` needs a reason"), false);
                    Vec::new()
                }
                ReasonFor::Choice("override") => vec![Intent::Choice(Choice::Override(text))],
                ReasonFor::Choice(_) => vec![Intent::Choice(Choice::Done(text))],
            };
        }
        match (&mut ui.question, ui.hidden) {
            (Some(Question::Confirm { input }), false) => {
                let typed = std::mem::take(input);
                if typed.trim().is_empty() {
                    ui.notice("type the target exactly as shown", false);
                    return Vec::new();
                }
                vec![Intent::Typed(typed)]
            }
            (Some(Question::Manual { note }), false) if settled => {
                let note = note.trim().to_string();
                vec![Intent::ManualDone((!note.is_empty()).then_some(note))]
            }
            (Some(Question::Choice { choices, selected }), false) if settled => {
                let Some(&name) = choices.get(*selected) else {
                    return Vec::new();
                };
                let choice = match name {
                    "rollback" => Choice::Rollback,
                    "retry" => Choice::Retry,
                    "continue" => Choice::Continue,
                    "rerun" => Choice::Rerun,
                    _ => {
                        ui.overlay = Some(Overlay::Reason {
                            why: ReasonFor::Choice(name),
                            input: String::new(),
                        });
                        return Vec::new();
                    }
                };
                if !e.choices().contains(&name) {
                    return Vec::new();
                }
                vec![Intent::Choice(choice)]
            }
            (Some(_), false) => {
                ui.notice("read the question first, then press Enter", false);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Whether the screen should stay after the driver returns.
    pub fn lingers(&self) -> bool {
        self.last.as_ref().is_some_and(|e| self.ui.lingers(e))
    }

    /// Input after the run is over (the screen that stays until the operator leaves).
    pub fn after_input(&mut self, input: Input) {
        if let Some(e) = self.last.take() {
            let _ = self.input(input, &e, false);
            if self.ui.dirty {
                self.draw(&e);
            }
            self.last = Some(e);
        }
    }

    pub fn after_tick(&mut self) {
        if let Some(e) = self.last.take() {
            self.tick(&e);
            self.last = Some(e);
        }
    }

    /// What to print on the normal screen after the TUI is gone.
    pub fn farewell(&self) -> Vec<String> {
        let Some(e) = &self.last else {
            return Vec::new();
        };
        match e.phase() {
            Phase::Halted(reason) => vec![
                format!("shisa: the run stopped: {reason}"),
                format!("shisa: it can be resumed: shisa resume {}", self.ui.run_dir),
            ],
            Phase::Finished { outcome, exit } => {
                vec![format!(
                    "shisa: run finished: {} (exit {exit})",
                    outcome.name()
                )]
            }
            _ => Vec::new(),
        }
    }

    pub fn left(&self) -> bool {
        self.ui.left
    }
}

/// The text field keys type into: the overlay's, else the open question's.
fn field(ui: &mut Ui) -> Option<&mut String> {
    match &mut ui.overlay {
        Some(
            Overlay::Note { input } | Overlay::Reason { input, .. } | Overlay::Approve { input },
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
        Some(Question::Manual { note }) => Some(note),
        _ => None,
    }
}

impl<B: Backend> FrontEnd for App<B> {
    fn show(&mut self, what: Shown<'_>, e: &Engine) {
        match what {
            Shown::Record(rec) => self.ui.record(rec, e),
            Shown::Output(chunk) => self.ui.output(chunk),
            Shown::Refused(why) => self.ui.notice(format!("not possible: {why}"), true),
            Shown::Error(why) => self.ui.notice(format!("ERROR: {why}"), true),
        }
    }

    fn react(&mut self, e: &Engine, running: bool) -> Vec<Intent> {
        // The operator paces the run: nothing starts on its own here.
        self.ui.sync(e, running);
        Vec::new()
    }

    fn input(&mut self, input: Input, e: &Engine, running: bool) -> Vec<Intent> {
        self.ui.sync(e, running);
        match input {
            Input::Key(k) => {
                let intents = self.key(k, e);
                // A key is answered on screen at once (a dialog opening, a letter typed)
                // unless a frame went out moments ago; the tick draws the rest.
                if intents.is_empty()
                    && self.ui.dirty
                    && self.last_draw.is_none_or(|t| t.elapsed() >= FRAME)
                {
                    self.draw(e);
                }
                intents
            }
            Input::Resize => {
                self.ui.dirty = true;
                Vec::new()
            }
            // A signal from outside (kill -INT): the same as the key.
            Input::CtrlC => {
                let ctrl_c =
                    KeyEvent::new(KeyCode::Char('c'), crossterm::event::KeyModifiers::CONTROL);
                self.key(ctrl_c, e)
            }
            Input::Eof => {
                // The terminal is gone: stop in a way that can be resumed.
                self.ui.no_linger = true;
                if self.ui.closed {
                    self.ui.left = true;
                    return Vec::new();
                }
                vec![Intent::Interrupt("the terminal went away".into())]
            }
            Input::Line(_) => Vec::new(),
        }
    }

    /// Draws when something changed, and once a second for the clocks: never more often
    /// than the driver's tick, however fast output arrives.
    fn tick(&mut self, e: &Engine) {
        let second = self.ui.elapsed().as_secs();
        if second != self.last_second {
            self.last_second = second;
            self.ui.dirty = true;
        }
        if !self.settled_drawn && self.ui.settled() {
            // The plan has been read long enough: show that Enter now acts.
            self.settled_drawn = true;
            self.ui.dirty = true;
        }
        if self.ui.dirty {
            self.draw(e);
        }
    }

    fn close(&mut self, e: &Engine) {
        self.ui.sync(e, false);
        self.ui.closed = true;
        self.ui.overlay = None;
        self.ui.help = None;
        self.last = Some(e.clone());
        self.draw(e);
    }
}
