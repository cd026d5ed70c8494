//! Every screen, drawn through `TestBackend` and kept as insta snapshots. A real engine is
//! driven by the real driver loop (`Driver::run`, in-process, with fake ports: see [`Sim`]),
//! command results are made up, and time is fixed, so each snapshot is exactly what an
//! operator would see in that state.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

use super::form::{self, Form, FormStep};
use super::output::MAX_LINES;
use super::{App, Options};
use crate::driver::fake::FakeClock;
use crate::driver::ports::{Clock, JournalSink, Launcher, Signal, Stoppable};
use crate::driver::{Driver, Ended};
use crate::engine::{CommandResult, Engine, Event, Phase, Spawn, StartInfo};
use crate::exec::runner::RunnerRx;
use crate::exec::stream::{OutputChunk, Stream};
use crate::frontend::{FrontEnd, Input, Intent, Shown};
use crate::journal::record::{Actor, Choice, Entry, Record, Role, RunbookRef};
use crate::journal::writer::Written;
use crate::runbook::{load_file, load_str, params};

pub(super) const RUN_ID: &str = "20231205T011500Z-3f9a";

pub(super) fn operator() -> Actor {
    Actor {
        role: Role::Operator,
        user: "ops1".into(),
        uid: 1000,
        host: "bastion-1".into(),
    }
}

/// Tuesday 10:15 in Tokyo.
pub(super) fn now() -> DateTime<Utc> {
    "2023-12-05T01:15:00Z".parse().unwrap()
}

pub(super) fn demo() -> crate::runbook::Loaded {
    load_file(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks/demo.yaml")).unwrap()
}

/// A runbook with a second person's approval and a window, for the waiting screens.
pub(super) const APPROVAL: &str = r#"
version: 1
name: Rotate the API signing key
window: { timezone: Asia/Tokyo, allow: ['Mon-Fri 09:00-18:00'] }
params:
  key_id: { default: k-2023-live }
  token: { secret: true, from_env: KEY_TOKEN }
steps:
  - id: snap
    kind: snapshot
    title: Save the current key list
    run: keyctl list > "$SHISA_RUN_DIR/keys.txt"
  - id: rotate
    kind: action
    title: Rotate {{ key_id }}
    target:
      describe: keyctl describe "$key_id"
    approval: { allow_self: true }
    argv: [keyctl, rotate, '{{ key_id }}', --token, '{{ token }}']
    verify:
      - run: keyctl check "$key_id"
    rollback:
      - argv: [keyctl, restore, '{{ key_id }}']
"#;

/// What the fake ports and the front end saw, shared with the test between two turns of the
/// driver's loop.
#[derive(Default)]
struct World {
    /// The engine as the driver last handed it to the front end.
    e: RefCell<Option<Engine>>,
    /// The command the launcher was last asked to start, until the test answers it.
    spawned: RefCell<Option<Spawn>>,
    /// Commands the driver signalled to stop (`Effect::Stop`), by step id.
    stopped: RefCell<Vec<String>>,
    entries: RefCell<Vec<Entry>>,
    /// The same, as the journal's records the app was shown.
    records: RefCell<Vec<Record>>,
    /// What the screen answered to the last input.
    intents: RefCell<Vec<Intent>>,
    /// Events the engine refused, as the driver showed them.
    refused: RefCell<Vec<String>>,
}

/// Keeps entries in memory, each stamped a second after the last by the driver's clock, in
/// Tokyo time, so the timeline's times are fixed.
struct Journal {
    world: Rc<World>,
    seq: u64,
}

impl JournalSink for Journal {
    fn append_all(
        &mut self,
        entries: &[Entry],
        now: DateTime<Utc>,
    ) -> std::io::Result<Vec<Written>> {
        let mut out = Vec::new();
        for entry in entries {
            self.seq += 1;
            let s = self.seq;
            let record = Record {
                seq: s,
                ts: (now
                    + chrono::Duration::seconds(s as i64 % 60)
                    + chrono::Duration::milliseconds((s * 37 % 1000) as i64))
                .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
                body: entry.body.clone(),
                step: entry.step.clone(),
                actor: entry.actor.clone(),
                prev: String::new(),
            };
            self.world.entries.borrow_mut().push(entry.clone());
            self.world.records.borrow_mut().push(record.clone());
            out.push(Written {
                line: serde_json::to_string(&record).unwrap(),
                record,
            });
        }
        Ok(out)
    }

    fn head(&self) -> &str {
        ""
    }

    fn records(&self) -> u64 {
        self.seq
    }
}

/// Starts nothing: keeps the command for the test to answer (`Sim::done`).
struct Launch(Rc<World>);

struct Started(Rc<World>, String);

impl Stoppable for Started {
    fn stop(&self) {
        self.0.stopped.borrow_mut().push(self.1.clone());
    }
}

impl Launcher for Launch {
    fn start(&mut self, spawn: &Spawn) -> std::io::Result<Option<Box<dyn Stoppable>>> {
        *self.0.spawned.borrow_mut() = Some(spawn.clone());
        Ok(Some(Box::new(Started(
            self.0.clone(),
            spawn.step_id.clone(),
        ))))
    }
}

/// The app as the driver's front end, telling the test what it was shown and answered.
struct Screen {
    app: Rc<RefCell<App<TestBackend>>>,
    world: Rc<World>,
}

impl Screen {
    fn saw(&self, e: &Engine) {
        *self.world.e.borrow_mut() = Some(e.clone());
    }
}

impl FrontEnd for Screen {
    fn show(&mut self, what: Shown<'_>, e: &Engine) {
        if let Shown::Refused(why) = &what {
            self.world.refused.borrow_mut().push(why.to_string());
        }
        self.app.borrow_mut().show(what, e);
    }

    fn react(&mut self, e: &Engine, running: bool) -> Vec<Intent> {
        self.saw(e);
        let intents = self.app.borrow_mut().react(e, running);
        assert!(intents.is_empty(), "the TUI never acts on its own");
        intents
    }

    fn input(&mut self, input: Input, e: &Engine, running: bool) -> Vec<Intent> {
        self.saw(e);
        let intents = self.app.borrow_mut().input(input, e, running);
        *self.world.intents.borrow_mut() = intents.clone();
        intents
    }

    fn tick(&mut self, e: &Engine) {
        self.app.borrow_mut().tick(e);
    }

    fn close(&mut self, e: &Engine) {
        self.saw(e);
        self.app.borrow_mut().close(e);
    }
}

type Run = Pin<Box<dyn Future<Output = Ended>>>;

/// The world around the real driver loop: the test presses keys, prints output, ends
/// commands and moves the clock; the loop (`Driver::run`, in-process) feeds the engine and
/// performs every effect it asks for, as in a run, and the app draws what it is shown.
/// Each call turns the loop until it waits for the outside again. A timer the engine asks
/// for (a poll's retry, a wait's end) is armed by the driver in tokio time, which these
/// turns never let pass: the test plays its event with `feed`, at the clock it set.
pub(super) struct Sim {
    app: Rc<RefCell<App<TestBackend>>>,
    world: Rc<World>,
    clock: FakeClock,
    rt: tokio::runtime::Runtime,
    /// The driver until the first event starts its loop.
    idle: Option<(
        Driver,
        mpsc::UnboundedReceiver<Input>,
        mpsc::UnboundedReceiver<Signal>,
    )>,
    run: Option<Run>,
    ended: Option<Ended>,
    keys: mpsc::UnboundedSender<Input>,
    _signals: mpsc::UnboundedSender<Signal>,
    results: mpsc::UnboundedSender<CommandResult>,
    output: mpsc::Sender<OutputChunk>,
    events: mpsc::UnboundedSender<Event>,
}

impl Sim {
    pub(super) fn new(loaded: crate::runbook::Loaded, w: u16, h: u16) -> Sim {
        let params = params::resolve(&loaded.runbook, &[], |k| {
            (k == "KEY_TOKEN").then(|| "hunter2".to_string())
        })
        .unwrap();
        let e = Engine::new(Arc::new(loaded.runbook), operator(), params);
        let mut sim = Sim::with_engine(e, w, h, false);
        let name = sim.e().runbook().name.clone();
        sim.feed(Event::Start(StartInfo {
            run_id: RUN_ID.into(),
            runbook: RunbookRef {
                path: "/work/runbooks/demo.yaml".into(),
                sha256: "7e72fcead0b8".repeat(5),
                name,
            },
            mode: "tui".into(),
            tool_version: "0.1.0".into(),
            clock_faked: None,
            outside_window: None,
            env: None,
            rehearsals: None,
        }));
        sim
    }

    /// A screen on `e`, its loop started by the first event fed (a start or a resume).
    pub(super) fn with_engine(e: Engine, w: u16, h: u16, watcher: bool) -> Sim {
        let terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        // One clock for the driver and the screen, as in a run.
        let clock = FakeClock::new(now());
        let mut app = App::new(
            terminal,
            Options {
                run_id: RUN_ID.into(),
                run_dir: format!("/var/lib/shisa/runs/{RUN_ID}"),
                clock: Box::new(clock.clone()),
                color: false,
                watcher,
            },
        );
        app.ui.frozen = Some((now(), Duration::from_secs(83)));
        app.ui.dwell = Duration::ZERO;
        let world = Rc::new(World::default());
        *world.e.borrow_mut() = Some(e.clone());
        let (results, done) = mpsc::unbounded_channel();
        let (output, output_rx) = mpsc::channel(64);
        let rx = RunnerRx {
            done,
            output: output_rx,
        };
        let journal = Journal {
            world: world.clone(),
            seq: 0,
        };
        let driver = Driver::new(e, journal, (Launch(world.clone()), rx), clock.clone());
        let events = driver.events();
        let (keys, input) = mpsc::unbounded_channel();
        let (signals, signals_rx) = mpsc::unbounded_channel();
        Sim {
            app: Rc::new(RefCell::new(app)),
            world,
            clock,
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            idle: Some((driver, input, signals_rx)),
            run: None,
            ended: None,
            keys,
            _signals: signals,
            results,
            output,
            events,
        }
    }

    /// The screen.
    pub(super) fn app(&self) -> std::cell::RefMut<'_, App<TestBackend>> {
        self.app.borrow_mut()
    }

    /// The engine as the driver last handed it to the screen.
    pub(super) fn e(&self) -> Engine {
        self.world.e.borrow().clone().unwrap()
    }

    /// The command running now (the launcher was asked to start it; no result yet).
    pub(super) fn spawned(&self) -> Option<Spawn> {
        self.world.spawned.borrow().clone()
    }

    /// The commands the driver signalled to stop, by step id.
    pub(super) fn stopped(&self) -> Vec<String> {
        self.world.stopped.borrow().clone()
    }

    /// What the journal holds so far, in order.
    pub(super) fn entries(&self) -> Vec<Entry> {
        self.world.entries.borrow().clone()
    }

    /// `shisa resume` of `first`'s run, its logs in `run_dir`: the journal replayed, the
    /// screen shown what the journal and logs hold (as `commands/resume` does), then resumed.
    pub(super) fn resumed(first: &Sim, run_dir: &std::path::Path, w: u16, h: u16) -> Sim {
        let was = first.e();
        let e = Engine::replay(
            was.runbook().clone(),
            operator(),
            was.params().clone(),
            &first.entries(),
        );
        let mut sim = Sim::with_engine(e, w, h, false);
        let e = sim.e();
        sim.app().remember(
            crate::frontend::evidence::Past {
                records: first.records(),
                run_dir: run_dir.to_path_buf(),
            },
            &e,
        );
        sim.feed(Event::Resume {
            clock_faked: None,
            outside_window: None,
        });
        sim
    }

    /// The journal's records so far, as the screen was shown them.
    pub(super) fn records(&self) -> Vec<Record> {
        self.world.records.borrow().clone()
    }

    /// The driver's clock: when the next event happens.
    pub(super) fn at(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(super) fn set_at(&mut self, at: DateTime<Utc>) {
        self.clock.set(at);
    }

    /// The driver's loop has returned: the run is over and the driver closed the screen.
    pub(super) fn ended(&self) -> bool {
        self.ended.is_some()
    }

    /// Turns the loop until it waits for the outside again: one poll does it, since every
    /// fake answers at once and the loop runs without tokio's cooperative budget.
    fn settle(&mut self) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        let got = self.rt.block_on(std::future::poll_fn(|cx| {
            Poll::Ready(run.as_mut().poll(cx))
        }));
        if let Poll::Ready(ended) = got {
            self.run = None;
            self.ended = Some(ended);
        }
    }

    /// An event reaches the loop as it would from outside the screen: the first starts the
    /// loop (a start or a resume), a command's result comes back as the runner's does, and
    /// the rest (a reviewer's verdict, a timer, a watcher) as a timer's event does. The
    /// engine must accept it.
    pub(super) fn feed(&mut self, event: Event) {
        let refused = self.world.refused.borrow().len();
        if let Some((driver, input, signals)) = self.idle.take() {
            let mut screen = Screen {
                app: self.app.clone(),
                world: self.world.clone(),
            };
            let run = async move { driver.run(vec![event], &mut screen, input, signals).await };
            self.run = Some(Box::pin(tokio::task::unconstrained(run)));
        } else if let Event::CommandDone(result) = event {
            self.results.send(result).unwrap();
        } else {
            self.events.send(event).unwrap();
        }
        self.settle();
        let refused = &self.world.refused.borrow()[refused..];
        assert!(refused.is_empty(), "the engine refused it: {refused:?}");
    }

    pub(super) fn output(&mut self, stream: Stream, text: &str) {
        let step = self.spawned().expect("a command runs").step;
        let chunk = OutputChunk {
            step,
            stream,
            skipped: None,
            bytes: text.as_bytes().to_vec(),
        };
        self.output.try_send(chunk).unwrap();
        self.settle();
    }

    /// The running command ends, after printing `stdout`.
    pub(super) fn done(&mut self, exit: i32, stdout: &str) {
        if !stdout.is_empty() {
            self.output(Stream::Stdout, stdout);
        }
        let s = self.take_spawned().expect("a command runs");
        self.feed(Event::CommandDone(CommandResult {
            step: s.step,
            purpose: Some(s.purpose),
            attempt: s.attempt,
            exit: Some(exit),
            duration_ms: 21,
            bytes: stdout.len() as u64,
            sha256: "0".repeat(64),
            stdout: stdout.into(),
            ..Default::default()
        }));
    }

    /// The running command, for the test to answer itself.
    pub(super) fn take_spawned(&mut self) -> Option<Spawn> {
        self.world.spawned.borrow_mut().take()
    }

    /// A key, as the operator presses it once the screen is up; what the screen answered.
    pub(super) fn key(&mut self, code: KeyCode) -> Vec<Intent> {
        self.key_event(KeyEvent::new(code, KeyModifiers::NONE))
    }

    pub(super) fn key_event(&mut self, ev: KeyEvent) -> Vec<Intent> {
        let e = self.e();
        self.app().draw(&e);
        if self.ended() {
            // The loop has returned; the screen that stays takes the key, as in `shisa run`.
            self.app().after_input(Input::Key(ev));
            return Vec::new();
        }
        self.world.intents.borrow_mut().clear();
        let refused = self.world.refused.borrow().len();
        self.keys.send(Input::Key(ev)).unwrap();
        self.settle();
        let refused = &self.world.refused.borrow()[refused..];
        assert!(
            refused.is_empty(),
            "the engine refused the key's intent: {refused:?}"
        );
        self.world.intents.borrow().clone()
    }

    pub(super) fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    pub(super) fn screen(&mut self) -> String {
        // The first frame shows the phase; the next one (a tick later) knows it was seen.
        let e = self.e();
        let mut app = self.app();
        app.draw(&e);
        app.draw(&e);
        app.terminal.backend().to_string()
    }

    /// Demo: through the precheck and the snapshot, to the target confirmation.
    pub(super) fn reach_confirm(&mut self) {
        self.key(KeyCode::Enter);
        self.done(
            0,
            "arn:aws:sts::111122223333:assumed-role/BreakGlass/ops1\n",
        );
        self.key(KeyCode::Enter);
        self.done(0, "saved attachments.json (3 attachments)\n");
        self.key(KeyCode::Enter);
        self.done(
            0,
            "Id: ou-7x2q-quar2312\nType: ORGANIZATIONAL_UNIT\nName: quarantine-2023-12\nParent: r-7x2q\n",
        );
        assert!(matches!(self.e().phase(), Phase::Confirm { .. }));
    }

    /// Demo: the target typed right, the change made and verified, the manual step waiting.
    pub(super) fn reach_manual(&mut self) {
        self.reach_confirm();
        self.typed("quarantine-2023-12");
        self.key(KeyCode::Enter);
        self.done(
            0,
            "attached p-denyall01 to ou-7x2q-quar2312 (quarantine-2023-12)\n",
        );
        self.done(0, "p-FullAWSAccess\np-denyall01\n");
        self.done(0, "p-FullAWSAccess\n");
        self.done(0, "allowed\n");
        self.key(KeyCode::Enter);
        assert!(matches!(self.e().phase(), Phase::Manual(3)));
    }

    /// Demo: verify-2 finds the policy on the root: the step fails.
    pub(super) fn reach_failure(&mut self) {
        self.reach_confirm();
        self.typed("quarantine-2023-12");
        self.key(KeyCode::Enter);
        self.done(
            0,
            "attached p-denyall01 to ou-7x2q-quar2312 (quarantine-2023-12)\n",
        );
        self.done(0, "p-FullAWSAccess\np-denyall01\n");
        self.done(0, "p-FullAWSAccess\np-denyall01\n");
        // The other checks still run (an account in Production is still allowed).
        self.done(0, "allowed\n");
        assert!(matches!(self.e().phase(), Phase::Failed { .. }));
    }
}

pub(super) fn sizes() -> [(u16, u16); 2] {
    [(80, 24), (120, 40)]
}

macro_rules! snap {
    ($name:expr, $sim:expr) => {{
        let (w, h) = {
            let a = $sim.app().terminal.backend().buffer().area;
            (a.width, a.height)
        };
        insta::assert_snapshot!(format!("{}_{}x{}", $name, w, h), $sim.screen());
    }};
}
pub(super) use snap;

#[test]
fn idle() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(demo(), w, h);
        snap!("idle", sim);
    }
}

#[test]
fn running_with_output() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(demo(), w, h);
        sim.key(KeyCode::Enter);
        sim.done(
            0,
            "arn:aws:sts::111122223333:assumed-role/BreakGlass/ops1\n",
        );
        sim.key(KeyCode::Enter);
        // Colours stay; a retitle, a screen clear and a cursor move are neutralised.
        sim.output(
            Stream::Stdout,
            "\x1b[32mexporting\x1b[0m policy attachments\n\x1b]0;pwned\x07\x1b[2J\x1b[Hcleared?\n",
        );
        for n in 1..=30 {
            sim.output(
                Stream::Stdout,
                &format!("attachment {n:02}: p-FullAWSAccess\n"),
            );
        }
        sim.output(Stream::Stderr, "warning: slow API, retrying\n");
        sim.output(Stream::Stdout, "progress 10%\rprogress 80%");
        assert!(matches!(sim.e().phase(), Phase::Running { .. }));
        snap!("running_with_output", sim);
    }
}

#[test]
fn target_confirmation_after_a_miss() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(demo(), w, h);
        sim.reach_confirm();
        sim.typed("quarantine-2023");
        sim.key(KeyCode::Enter);
        sim.typed("quar");
        snap!("target_confirmation", sim);
    }
}

#[test]
fn typed_target_goes_to_the_engine_and_nothing_is_prefilled() {
    let mut sim = Sim::new(demo(), 80, 24);
    sim.reach_confirm();
    let screen = sim.screen();
    assert!(screen.contains("> █"), "the input starts empty:\n{screen}");
    sim.typed("quarantine-2023-12");
    assert_eq!(
        sim.key(KeyCode::Enter),
        vec![Intent::Typed("quarantine-2023-12".into())]
    );
    assert!(sim.e().step(2).target().confirmed());
}

#[test]
fn failure_dialog_preselects_rollback_and_lists_the_plan() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(demo(), w, h);
        sim.reach_failure();
        let screen = sim.screen();
        assert!(screen.contains("Rollback would undo"), "{screen}");
        snap!("failure_dialog", sim);
    }
}

#[test]
fn rollback_in_progress_then_finished() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(demo(), w, h);
        sim.reach_failure();
        assert_eq!(
            sim.key(KeyCode::Enter),
            vec![Intent::Choice(Choice::Rollback)]
        );
        sim.output(
            Stream::Stdout,
            "detached p-denyall01 from ou-7x2q-quar2312\n",
        );
        snap!("rollback_in_progress", sim);
        sim.done(0, "");
        assert!(matches!(sim.e().phase(), Phase::Finished { .. }));
        assert!(
            sim.ended(),
            "the driver closed the screen when the run ended"
        );
        snap!("finished_rolled_back", sim);
    }
}

#[test]
fn abort_asks_a_reason_and_only_allowed_choices_are_taken() {
    let mut sim = Sim::new(demo(), 80, 24);
    sim.reach_failure();
    // `continue` needs `on_failure: continue`: refused on screen, nothing sent.
    assert!(sim.key(KeyCode::Char('c')).is_empty());
    assert!(sim.screen().contains("`continue` is not possible here"));
    sim.key(KeyCode::Char('a'));
    assert!(
        sim.key(KeyCode::Enter).is_empty(),
        "abort asks a reason first"
    );
    sim.typed("vendor outage");
    assert_eq!(
        sim.key(KeyCode::Enter),
        vec![Intent::Choice(Choice::Abort(Some("vendor outage".into())))]
    );
    assert!(matches!(
        sim.e().phase(),
        Phase::Finished {
            exit: crate::exit::Exit::Failed,
            ..
        }
    ));
}

#[test]
fn manual_step_then_finished() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(demo(), w, h);
        sim.reach_manual();
        sim.typed("posted in #inc-4411");
        snap!("manual_step", sim);
        assert_eq!(
            sim.key(KeyCode::Enter),
            vec![Intent::ManualDone {
                choice: None,
                note: Some("posted in #inc-4411".into())
            }]
        );
        assert!(
            sim.ended(),
            "the driver closed the screen when the run ended"
        );
        assert!(sim.app().lingers());
        snap!("finished", sim);
        sim.app().after_input(Input::Key(KeyEvent::new(
            KeyCode::Enter,
            KeyModifiers::NONE,
        )));
        assert!(sim.app().left());
    }
}

#[test]
fn help_lists_the_keymap() {
    for (w, h) in sizes() {
        let mut sim = Sim::new(demo(), w, h);
        sim.key(KeyCode::Char('?'));
        let screen = sim.screen();
        for row in super::keymap::help(super::keymap::Mode::Main) {
            assert!(screen.contains(&row.0), "{} missing:\n{screen}", row.0);
        }
        snap!("help", sim);
    }
}

#[test]
fn enter_begins_only_a_step_whose_plan_was_drawn() {
    let mut sim = Sim::new(demo(), 80, 24);
    sim.app().ui.dwell = Duration::from_secs(3600);
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    let intents = sim.app().input(Input::Key(enter), &sim.e(), false);
    assert!(intents.is_empty(), "typed ahead: nothing begins");
    assert!(sim.screen().contains("read what the step will do first"));
    sim.app().ui.dwell = Duration::ZERO;
    assert_eq!(sim.key(KeyCode::Enter), vec![Intent::Begin]);
}

#[test]
fn quit_asks_and_explains_resuming() {
    let mut sim = Sim::new(demo(), 80, 24);
    sim.key(KeyCode::Enter);
    sim.key(KeyCode::Char('q'));
    snap!("quit_while_running", sim);
    // The question holds back the next change while it is open (engine/deciding.rs).
    assert_eq!(sim.key(KeyCode::Esc), vec![Intent::Deciding(false)]);
    assert_eq!(sim.key(KeyCode::Char('q')), vec![Intent::Deciding(true)]);
    let intents = sim.key(KeyCode::Char('y'));
    assert_eq!(
        intents,
        vec![
            Intent::Interrupt(crate::journal::record::Halt::Quit),
            Intent::Deciding(false)
        ]
    );
    assert!(
        !sim.app().ui.lingers(&sim.e()),
        "the operator chose to leave"
    );
    assert_eq!(sim.stopped(), ["caller"], "the running command is stopped");
}

#[test]
fn ctrl_c_while_running_offers_to_stop_the_command() {
    let mut sim = Sim::new(demo(), 80, 24);
    sim.key(KeyCode::Enter);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(sim.key_event(ctrl_c).is_empty());
    assert!(sim.screen().contains("Stop the running command?"));
    assert_eq!(sim.key(KeyCode::Char('y')), vec![Intent::Stop]);
    // The driver performed it: the stop journaled, then the command signalled.
    let last = sim.entries().last().map(|e| e.body.kind());
    assert_eq!(last, Some("stop_requested"));
    assert_eq!(sim.stopped(), ["caller"]);
}

#[test]
fn notes_at_any_time() {
    let mut sim = Sim::new(demo(), 80, 24);
    sim.key(KeyCode::Char('n'));
    sim.typed("paged the vendor");
    assert_eq!(
        sim.key(KeyCode::Enter),
        vec![Intent::Note("paged the vendor".into())]
    );
    assert!(sim.screen().contains("note from ops1: “paged the vendor”"));
}

pub(super) fn approval_sim(w: u16, h: u16, watcher: bool) -> Sim {
    let mut sim = Sim::new(load_str("approval.yaml", APPROVAL).unwrap(), w, h);
    sim.key(KeyCode::Enter);
    sim.done(0, "");
    sim.key(KeyCode::Enter);
    sim.done(0, "k-2023-live\n");
    sim.typed("k-2023-live");
    sim.key(KeyCode::Enter);
    assert!(matches!(sim.e().phase(), Phase::Approval { .. }));
    if watcher {
        let mut w = Sim::with_engine(sim.e(), w, h, true);
        w.app().ui.frozen = sim.app().ui.frozen;
        w.feed(Event::WatcherJoined("rev2".into()));
        return w;
    }
    sim
}

#[test]
fn approval_waiting_and_self_approval() {
    for (w, h) in sizes() {
        let mut sim = approval_sim(w, h, false);
        // Shared with nobody: nobody else is named, and the target typed a moment ago is
        // not asked again.
        let screen = sim.screen();
        assert!(
            screen.contains("press a, then Enter (you typed"),
            "{screen}"
        );
        assert!(screen.contains("waiting for your approval"), "{screen}");
        assert!(!screen.contains("approve instead"), "{screen}");
        snap!("approval_waiting", sim);
        sim.key(KeyCode::Char('a'));
        let screen = sim.screen();
        assert!(screen.contains("Enter approves it"), "{screen}");
        let intents = sim.key(KeyCode::Enter);
        assert_eq!(intents, vec![Intent::Approve(String::new())]);
        assert!(matches!(sim.e().phase(), Phase::Running { .. }));
        // Shared with a group: a second person may approve instead.
        let mut shared = approval_sim(w, h, false);
        shared.app().ui.shared = true;
        let screen = shared.screen();
        assert!(screen.contains("may approve instead"), "{screen}");
        snap!("approval_waiting_shared", shared);
        // The secret never reaches the screen.
        assert!(!sim.screen().contains("hunter2"));
    }
}

#[test]
fn watcher_mode_is_read_only_but_approves_and_notes() {
    for (w, h) in sizes() {
        let mut sim = approval_sim(w, h, true);
        snap!("watcher", sim);
        let e = sim.e();
        {
            let mut app = sim.app();
            for code in [KeyCode::Enter, KeyCode::Char('t'), KeyCode::Char('q')] {
                let intents = app.input(
                    Input::Key(KeyEvent::new(code, KeyModifiers::NONE)),
                    &e,
                    false,
                );
                assert!(intents.is_empty(), "{code:?}");
            }
            assert!(app.left(), "q leaves the watcher's screen");
            app.ui.left = false;
        }
        let intents = sim.key(KeyCode::Char('a'));
        assert!(intents.is_empty());
        sim.typed("k-2023-live");
        let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
        let intents = sim.app().input(Input::Key(enter), &sim.e(), false);
        assert_eq!(intents, vec![Intent::Approve("k-2023-live".into())]);
    }
}

#[test]
fn in_doubt_on_resume() {
    for (w, h) in sizes() {
        let mut first = Sim::new(demo(), w, h);
        first.reach_confirm();
        first.typed("quarantine-2023-12");
        first.key(KeyCode::Enter);
        // shisa dies (kill -9) while the change runs: the journal ends at command_started.
        let e = Engine::replay(
            first.e().runbook().clone(),
            operator(),
            first.e().params().clone(),
            &first.entries(),
        );
        let mut sim = Sim::with_engine(e, w, h, false);
        sim.feed(Event::Resume {
            clock_faked: None,
            outside_window: None,
        });
        assert_eq!(sim.e().phase(), Phase::InDoubt(2));
        snap!("in_doubt", sim);
    }
}

/// The terminal went away while the operator read the lookup's answer: on resume, the
/// output pane shows what each earlier command printed (read back from its log), the
/// lookup's included, where it showed before the stop — not only the lines saying that a
/// command ran.
#[test]
fn a_resumed_run_shows_the_lookups_earlier_output() {
    for (w, h) in sizes() {
        let mut first = Sim::new(demo(), w, h);
        first.reach_confirm();
        let dir = tempfile::tempdir().unwrap();
        let printed = [
            "arn:aws:sts::111122223333:assumed-role/BreakGlass/ops1\n",
            "saved attachments.json (3 attachments)\n",
            "Id: ou-7x2q-quar2312\nType: ORGANIZATIONAL_UNIT\nName: quarantine-2023-12\nParent: r-7x2q\n",
        ];
        let logs: Vec<String> = first
            .records()
            .iter()
            .filter_map(|r| match &r.body {
                crate::journal::record::Body::CommandStarted { log, .. } => Some(log.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(logs.len(), printed.len(), "{logs:?}");
        for (log, text) in logs.iter().zip(printed) {
            let path = dir.path().join(log);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let mut sim = Sim::resumed(&first, dir.path(), w, h);
        // The step begins again on Enter (its lookup runs afresh); until then the pane
        // shows what the lookup printed before the stop.
        assert_eq!(sim.e().phase(), Phase::Ready(2));
        let screen = sim.screen();
        assert!(screen.contains("Name: quarantine-2023-12"), "{screen}");
        snap!("resumed_lookup_output", sim);
        // The earlier steps' output is there too, a key away.
        sim.key(KeyCode::Char('['));
        let screen = sim.screen();
        assert!(screen.contains("saved attachments.json"), "{screen}");
    }
}

#[test]
fn parameter_form() {
    let source = r#"
version: 1
name: Narrow the DB admin hosts
params:
  db_host: { description: Database to change, pattern: '^db-[a-z0-9-]+$', deny: ['^db-prod-all$'] }
  admin_cidr: { description: Network allowed in, pattern: '^[0-9./]+$' }
  api_token: { description: Token for the admin API, secret: true }
steps:
  - id: check
    kind: precheck
    run: dbctl ping "$db_host"
"#;
    let loaded = load_str("form.yaml", source).unwrap();
    let rb = &loaded.runbook;
    let given = vec![("admin_cidr".to_string(), "10.0.0.0/8".to_string())];
    let missing = form::missing(rb, &given, |_| None);
    assert_eq!(missing.len(), 2);
    let mut f = Form::new(rb, &missing);
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    for c in "db-prod-all".chars() {
        f.key(&key(KeyCode::Char(c)));
    }
    assert_eq!(
        f.key(&key(KeyCode::Enter)),
        FormStep::Going,
        "denied: not accepted"
    );
    assert_eq!(f.at, 0);
    for _ in 0..3 {
        f.key(&key(KeyCode::Backspace));
    }
    for c in "eu1".chars() {
        f.key(&key(KeyCode::Char(c)));
    }
    let mut bad = Form::new(rb, &missing);
    bad.fields[0].value = "db-prod-all".into();
    bad.key(&key(KeyCode::Enter));
    assert_eq!(f.key(&key(KeyCode::Enter)), FormStep::Going);
    for c in "s3cr3t".chars() {
        f.key(&key(KeyCode::Char(c)));
    }
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|fr| form::render(fr, &bad, super::view::Theme { color: false }))
        .unwrap();
    insta::assert_snapshot!("parameter_form_refused_80x24", terminal.backend());
    terminal
        .draw(|fr| form::render(fr, &f, super::view::Theme { color: false }))
        .unwrap();
    let screen = terminal.backend().to_string();
    assert!(
        !screen.contains("s3cr3t") && screen.contains("••••••"),
        "{screen}"
    );
    insta::assert_snapshot!("parameter_form_80x24", screen);
    assert_eq!(f.key(&key(KeyCode::Enter)), FormStep::Done);
    assert_eq!(
        f.values(),
        vec![
            ("db_host".to_string(), "db-prod-eu1".to_string()),
            ("api_token".to_string(), "s3cr3t".to_string())
        ]
    );
    let esc = Form::new(rb, &missing).key(&key(KeyCode::Esc));
    assert_eq!(esc, FormStep::Cancel);
}

#[test]
fn no_color_means_no_colour_anywhere() {
    for color in [true, false] {
        let mut sim = Sim::new(demo(), 80, 24);
        *sim.app() = App::new(
            Terminal::new(TestBackend::new(80, 24)).unwrap(),
            Options {
                run_id: RUN_ID.into(),
                run_dir: "/runs/x".into(),
                clock: Box::new(sim.clock.clone()),
                color,
                watcher: false,
            },
        );
        sim.app().ui.frozen = Some((now(), Duration::ZERO));
        sim.app().ui.dwell = Duration::ZERO;
        let _ = sim.app().react(&sim.e(), false);
        sim.key(KeyCode::Enter);
        sim.output(Stream::Stdout, "\x1b[31mred\x1b[0m\n");
        sim.screen();
        let coloured = sim
            .app()
            .terminal
            .backend()
            .buffer()
            .content
            .iter()
            .any(|c| c.fg != ratatui::style::Color::Reset || c.bg != ratatui::style::Color::Reset);
        assert_eq!(coloured, color);
    }
}

#[test]
fn a_flood_keeps_memory_bounded_and_frames_cheap() {
    let mut sim = Sim::new(demo(), 80, 24);
    sim.key(KeyCode::Enter);
    let line = "QmFzZTY0IGZsb29kIGxpbmUgb2YgYSByZWFzb25hYmxlIGxlbmd0aCBmb3IgYSB0ZXJtaW5hbA==\n";
    let chunk = line.repeat(65536 / line.len());
    let started = std::time::Instant::now();
    for _ in 0..200 {
        sim.output(Stream::Stdout, &chunk);
    }
    {
        let app = sim.app();
        let out = app.ui.out.get(0).unwrap();
        assert_eq!(out.lines.len(), MAX_LINES);
        assert!(out.dropped > 100_000);
    }
    let screen = sim.screen();
    assert!(screen.contains("earlier lines only in the log"), "{screen}");
    // Generous even for a debug build on a loaded machine; the point is "not per line".
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn tiny_and_odd_sizes_never_panic() {
    for (w, h) in [(1, 1), (20, 5), (40, 10), (60, 15), (200, 12), (30, 60)] {
        let mut sim = Sim::new(demo(), w, h);
        sim.screen();
        sim.reach_failure();
        sim.screen();
        sim.key(KeyCode::Char('?'));
        sim.screen();
        sim.key(KeyCode::Esc);
        sim.key(KeyCode::Char('q'));
        sim.screen();
        let mut form_terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        let loaded = load_str("approval.yaml", APPROVAL).unwrap();
        let missing = form::missing(&loaded.runbook, &[], |_| None);
        let f = Form::new(&loaded.runbook, &missing);
        form_terminal
            .draw(|fr| form::render(fr, &f, super::view::Theme { color: true }))
            .unwrap();
    }
}

#[test]
fn the_target_stands_out_without_colour() {
    let mut sim = Sim::new(demo(), 80, 24);
    sim.reach_confirm();
    sim.screen();
    let buf = sim.app().terminal.backend().buffer().clone();
    let area = buf.area;
    // The band: a row of the dialog where the target is drawn in reverse video, padded.
    let banded = (0..area.height).any(|y| {
        let row: String = (0..area.width).map(|x| buf[(x, y)].symbol()).collect();
        let x = row
            .find("quarantine-2023-12")
            .map(|b| row[..b].chars().count() as u16);
        x.is_some_and(|x| {
            let m = buf[(x, y)].modifier;
            let before = buf[(x - 1, y)].modifier;
            m.contains(ratatui::style::Modifier::REVERSED)
                && before.contains(ratatui::style::Modifier::REVERSED)
        })
    });
    assert!(banded, "the target is not on a reverse-video band");
}

#[test]
fn scrolling_back_holds_still_while_output_arrives() {
    let mut sim = Sim::new(demo(), 80, 24);
    sim.key(KeyCode::Enter);
    for n in 1..=50 {
        sim.output(Stream::Stdout, &format!("line {n:02}\n"));
    }
    sim.key(KeyCode::PageUp);
    let before = sim.screen();
    assert!(before.contains("lines back"), "{before}");
    assert!(!before.contains("line 50"), "{before}");
    sim.output(Stream::Stdout, "line 51\n");
    assert_eq!(sim.screen(), before.replace("8 lines back", "9 lines back"));
    sim.key(KeyCode::End);
    assert!(sim.screen().contains("line 51"));
}

// After `snap!`: macros are in scope only below their definition.
mod cold80;
mod interruptions;
mod undo_failed;
