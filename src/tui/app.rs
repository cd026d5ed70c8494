//! The TUI front end: the driver's [`FrontEnd`], turning keys into intents through the
//! keymap and drawing at the terminal's pace. It decides nothing about the run: the engine's
//! phase says what is being asked, and only what `engine.choices()` allows is offered.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Terminal;
use ratatui::backend::Backend;

use crate::clock::Clock;
use crate::engine::{Engine, Phase};
use crate::exec::stream::Stream;
use crate::frontend::evidence::Past;
use crate::frontend::{FrontEnd, Input, Intent, Shown};
use crate::journal::record::{Body, Purpose};

use super::keymap::Mode;
use super::state::{Overlay, Question, Ui};
use super::view::{self, Theme, View};

/// The shortest time between two frames drawn for keys (the driver ticks every 50 ms).
const FRAME: std::time::Duration = std::time::Duration::from_millis(16);

pub struct Options {
    pub run_id: String,
    pub run_dir: String,
    /// The driver's clock (a fake one in tests): the elapsed time and the window's
    /// countdown are counted to it, as the run's records are stamped by it.
    pub clock: Box<dyn Clock>,
    pub color: bool,
    /// `shisa watch`: the same screen, read-only.
    pub watcher: bool,
}

pub struct App<B: Backend> {
    pub terminal: Terminal<B>,
    pub ui: Ui,
    clock: Box<dyn Clock>,
    theme: Theme,
    /// The engine as the run left it, for the screen that stays after the driver returns.
    last: Option<Engine>,
    last_second: u64,
    settled_drawn: bool,
    last_draw: Option<std::time::Instant>,
    /// A resumed run's journal before this process: the evidence for a step in doubt.
    past: Option<Past>,
    /// The logs whose output a resumed screen read back into the pane.
    reloaded: std::collections::HashSet<String>,
}

impl<B: Backend> App<B> {
    pub fn new(terminal: Terminal<B>, o: Options) -> App<B> {
        App {
            terminal,
            ui: Ui::new(o.run_id, o.run_dir, o.color, o.watcher),
            clock: o.clock,
            theme: Theme { color: o.color },
            last: None,
            last_second: 0,
            settled_drawn: false,
            last_draw: None,
            past: None,
            reloaded: Default::default(),
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
        let step = self.ui.output_step(e);
        if step != self.ui.shown_step {
            self.ui.shown_step = step;
            self.ui.scroll = 0;
        }
        let ui = &self.ui;
        let v = View {
            e,
            ui,
            now: ui.frozen.map_or_else(|| self.clock.now(), |(t, _)| t),
            elapsed: ui.elapsed(self.clock.now()),
            theme: self.theme,
            mode,
            settled: ui.settled(),
        };
        let mut room = None;
        let _ = self.terminal.draw(|f| room = Some(view::render(f, &v)));
        // Scrolling stops at the oldest kept line: a key past it changes nothing, and the
        // way back down starts at once.
        if let Some(room) = room {
            self.ui.scroll = self.ui.scroll.min(room);
        }
        self.ui.dirty = false;
        self.last_draw = Some(std::time::Instant::now());
        if self.ui.seen_at.is_none() {
            self.ui.seen_at = Some(std::time::Instant::now());
            self.settled_drawn = false;
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
        let safe = crate::text_safety::one_line;
        match e.phase() {
            Phase::Halted(reason) => vec![
                format!("shisa: the run stopped: {}", safe(&reason)),
                format!("shisa: it can be resumed: shisa resume {}", self.ui.run_id),
            ],
            Phase::Finished { outcome, exit } => {
                let why = match &self.ui.end_reason {
                    Some(r) => format!(": {}", safe(r)),
                    None => String::new(),
                };
                vec![format!(
                    "shisa: run finished: {} (exit {exit}){why}",
                    outcome.name()
                )]
            }
            _ => Vec::new(),
        }
    }

    pub fn left(&self) -> bool {
        self.ui.left
    }

    /// A resumed run: its timeline so far, elapsed from its start, and (once the engine
    /// names it) the evidence for a step in doubt.
    pub fn remember(&mut self, past: Past, e: &Engine) {
        // Each finished command's output, read back from its log, goes where it went live:
        // between its start and its end (the in-doubt command's tail is the evidence's).
        let mut running: Option<(usize, Purpose, String)> = None;
        for rec in &past.records {
            match &rec.body {
                Body::CommandFinished { purpose, .. } => {
                    if let Some((i, p, log)) = running.take()
                        && p == *purpose
                        && rec.step.as_deref().and_then(|id| e.step_index(id)) == Some(i)
                        && earlier_shown(e, i, p)
                        && let Some(bytes) = past.earlier_output(&log)
                    {
                        self.ui.out.push(i, Stream::Stdout, &bytes);
                        self.reloaded.insert(log);
                    }
                }
                Body::CommandStarted { purpose, log, .. } => {
                    running = rec
                        .step
                        .as_deref()
                        .and_then(|id| e.step_index(id))
                        .map(|i| (i, *purpose, log.clone()));
                }
                _ => {}
            }
            self.ui.record(rec, e);
        }
        if let Some(first) = past.records.first() {
            self.ui.started_at(&first.ts, self.clock.now());
        }
        self.past = Some(past);
    }

    /// The step in doubt: what its command did, and its last output lines in the pane.
    fn in_doubt(&mut self, id: &str, e: &Engine) {
        let Some(past) = &self.past else {
            return;
        };
        let evidence = past.in_doubt(id);
        // A command that was stopped (its end journaled) had its output reloaded already,
        // in place: its tail again would only repeat it.
        if let (Some(i), Some(c)) = (e.step_index(id), &evidence.command)
            && !evidence.tail.is_empty()
        {
            if !self.reloaded.contains(&c.log) {
                let from = format!("── the last lines of {} before the run stopped:", c.log);
                self.ui.out.marker(i, from);
                let mut bytes = evidence.tail.join("\n").into_bytes();
                bytes.push(b'\n');
                self.ui.out.push(i, Stream::Stdout, &bytes);
            }
            self.ui.focus = Some(i);
        }
        self.ui.evidence = Some(evidence);
    }
}

/// Whether an earlier command's output may be shown again to the operator: not a blind
/// lookup's before they named the target (it prints the very name; `engine/blind.rs`).
fn earlier_shown(e: &Engine, i: usize, purpose: Purpose) -> bool {
    purpose != Purpose::Describe || e.reveals_target(i, crate::engine::Viewer::Operator)
}

impl<B: Backend> FrontEnd for App<B> {
    fn show(&mut self, what: Shown<'_>, e: &Engine) {
        match what {
            Shown::Record(rec) => {
                self.ui.record(rec, e);
                if let Body::RunResumed { in_doubt: Some(id) } = &rec.body {
                    self.in_doubt(id, e);
                }
            }
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
            Input::Paste(text) => {
                self.paste(&text);
                self.draw(e);
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
                vec![Intent::Interrupt(
                    crate::journal::record::Halt::TerminalGone,
                )]
            }
            Input::Line(_) => Vec::new(),
        }
    }

    /// Draws when something changed, and once a second for the clocks: never more often
    /// than the driver's tick, however fast output arrives.
    fn tick(&mut self, e: &Engine) {
        let second = self.ui.elapsed(self.clock.now()).as_secs();
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
