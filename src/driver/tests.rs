//! The real driver loop in-process, with fake ports: a journal that logs each batch (and can
//! fail), a launcher that logs each spawn and stop, signals and input from the test. One
//! shared log shows the order in which the driver did things, so "journal before effect"
//! is checked without the binary.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use super::ports::{JournalSink, Launcher, Signal, Stoppable};
use super::{Driver, Ended};
use crate::clock::Clock;
use crate::engine::{CommandResult, Engine, Event, Phase, Spawn, StartInfo};
use crate::exec::runner::RunnerRx;
use crate::exec::stream::OutputChunk;
use crate::exit::Exit;
use crate::frontend::{FrontEnd, Input, Intent, Shown};
use crate::journal::record::{Actor, Entry, Record, Role, RunbookRef};
use crate::journal::writer::Written;
use crate::runbook::load_str;
use crate::runbook::params::Params;

type Log = Rc<RefCell<Vec<String>>>;

/// Keeps records in memory; fails the batch that holds a record of kind `fail_on`.
struct FakeJournal {
    log: Log,
    fail_on: Option<&'static str>,
    records: u64,
}

impl JournalSink for FakeJournal {
    fn append_all(
        &mut self,
        entries: &[Entry],
        now: DateTime<Utc>,
    ) -> std::io::Result<Vec<Written>> {
        if entries.iter().any(|e| Some(e.body.kind()) == self.fail_on) {
            self.log.borrow_mut().push("JOURNAL FAILED".into());
            return Err(std::io::Error::other("No space left on device"));
        }
        let mut out = Vec::new();
        for e in entries {
            self.records += 1;
            self.log
                .borrow_mut()
                .push(format!("journal {}", e.body.kind()));
            let record = Record {
                seq: self.records,
                ts: now.to_rfc3339(),
                body: e.body.clone(),
                step: e.step.clone(),
                actor: e.actor.clone(),
                prev: "0".repeat(64),
            };
            out.push(Written {
                line: serde_json::to_string(&record).unwrap_or_default(),
                record,
            });
        }
        Ok(out)
    }

    fn head(&self) -> &str {
        "head"
    }

    fn records(&self) -> u64 {
        self.records
    }
}

/// Starts nothing real: logs the spawn; a stop logs and makes the command end killed.
struct FakeLauncher {
    log: Log,
    done: mpsc::UnboundedSender<CommandResult>,
    /// Commands whose result the test sends itself (after a stop); others succeed at once.
    hang: bool,
}

struct FakeRunning {
    log: Log,
    done: mpsc::UnboundedSender<CommandResult>,
    result: CommandResult,
}

impl Stoppable for FakeRunning {
    fn stop(&self) {
        self.log.borrow_mut().push("SIGNAL".into());
        let _ = self.done.send(CommandResult {
            signal: Some(15),
            ..self.result.clone()
        });
    }
}

impl Launcher for FakeLauncher {
    fn start(&mut self, spawn: &Spawn) -> std::io::Result<Option<Box<dyn Stoppable>>> {
        self.log
            .borrow_mut()
            .push(format!("SPAWN {}:{}", spawn.step_id, spawn.purpose));
        let result = CommandResult {
            step: spawn.step,
            purpose: Some(spawn.purpose),
            attempt: spawn.attempt,
            exit: Some(0),
            stdout: "quarantine-2023-12\n".into(),
            ..Default::default()
        };
        if !self.hang {
            let _ = self.done.send(result.clone());
        }
        Ok(Some(Box::new(FakeRunning {
            log: self.log.clone(),
            done: self.done.clone(),
            result,
        })))
    }
}

/// A front end that begins steps, types targets, approves its own step, and asks to stop
/// a command the first time one runs (when `stop` is set).
struct Operator {
    stop: bool,
    stopped: bool,
}

impl FrontEnd for Operator {
    fn show(&mut self, _: Shown<'_>, _: &Engine) {}

    fn react(&mut self, e: &Engine, running: bool) -> Vec<Intent> {
        if running && self.stop && !self.stopped {
            self.stopped = true;
            return vec![Intent::Stop];
        }
        match e.phase() {
            Phase::Ready(_) => vec![Intent::Begin],
            Phase::Confirm { resolved, .. } => vec![Intent::Typed(resolved)],
            Phase::Approval { expected, .. } => vec![Intent::Approve(expected)],
            Phase::Failed { .. } => vec![Intent::Abort("test over".into())],
            _ => Vec::new(),
        }
    }

    fn input(&mut self, _: Input, _: &Engine, _: bool) -> Vec<Intent> {
        Vec::new()
    }
}

fn operator() -> Actor {
    Actor {
        role: Role::Operator,
        user: "ops1".into(),
        uid: 1000,
        host: "bastion-1".into(),
    }
}

const SELF_APPROVED: &str = r#"version: 1
name: t
steps:
  - id: snap
    kind: snapshot
    run: echo saved
  - id: attach
    kind: action
    target: { describe: orgctl describe }
    approval: { allow_self: true }
    run: orgctl attach
    verify: [ { run: orgctl check } ]
    rollback: [ { run: orgctl detach } ]
"#;

/// Runs `yaml` through the real driver loop with the fakes; returns the ordered log.
fn drive(
    yaml: &str,
    fail_on: Option<&'static str>,
    hang: bool,
    stop: bool,
) -> (Ended, Vec<String>) {
    let rb = load_str("t.yaml", yaml).unwrap_or_else(|r| panic!("{}", r.render(false)));
    let engine = Engine::new(Arc::new(rb.runbook), operator(), Params::default());
    let log: Log = Rc::default();
    let (done_tx, done) = mpsc::unbounded_channel();
    let (_output_tx, output) = mpsc::channel::<OutputChunk>(1);
    let rx = RunnerRx {
        done,
        output,
        dropped: Arc::default(),
    };
    let journal = FakeJournal {
        log: log.clone(),
        fail_on,
        records: 0,
    };
    let launcher = FakeLauncher {
        log: log.clone(),
        done: done_tx,
        hang,
    };
    let clock = Clock::from_env().unwrap_or_else(|e| panic!("{e}"));
    let driver = Driver::new(engine, journal, (launcher, rx), clock);
    let start = Event::Start(StartInfo {
        run_id: "r".into(),
        runbook: RunbookRef {
            path: "t.yaml".into(),
            sha256: "0".repeat(64),
            name: "t".into(),
        },
        mode: "test".into(),
        tool_version: "test".into(),
        clock_faked: None,
        outside_window: None,
        env: None,
        rehearsals: None,
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut fe = Operator {
        stop,
        stopped: false,
    };
    let (_input_tx, input) = mpsc::unbounded_channel();
    let (signal_tx, signals) = mpsc::unbounded_channel();
    // A stop ends the command but not the run: the test then ends it as SIGTERM would.
    if stop {
        let _ = signal_tx.send(Signal::Terminate);
    }
    let ended = rt.block_on(driver.run(vec![start], &mut fe, input, signals));
    drop(signal_tx);
    let log = log.borrow().clone();
    (ended, log)
}

fn position(log: &[String], what: &str) -> usize {
    log.iter()
        .position(|l| l == what)
        .unwrap_or_else(|| panic!("no `{what}` in {log:#?}"))
}

#[test]
fn the_stop_record_is_durable_before_the_signal() {
    let yaml = "version: 1\nname: t\nsteps:\n  - id: slow\n    kind: precheck\n    run: sleep 60\n";
    let (_, log) = drive(yaml, None, true, true);
    let recorded = position(&log, "journal stop_requested");
    let signalled = position(&log, "SIGNAL");
    assert!(recorded < signalled, "{log:#?}");
}

#[test]
fn the_operators_own_approval_is_built_by_the_engine() {
    let (ended, log) = drive(SELF_APPROVED, None, false, false);
    assert_eq!(ended.exit, Exit::Ok, "{log:#?}");
    let granted = position(&log, "journal approval_granted");
    let change = position(&log, "SPAWN attach:main");
    assert!(granted < change, "{log:#?}");
}

#[test]
fn a_journal_write_failure_stops_before_any_spawn() {
    // The batch that announces the first command cannot be written: nothing may start.
    let (ended, log) = drive(SELF_APPROVED, Some("command_started"), false, false);
    assert_eq!(ended.exit, Exit::Failed);
    assert!(
        ended
            .error
            .is_some_and(|e| e.contains("cannot write the journal"))
    );
    assert!(
        !log.iter().any(|l| l.starts_with("SPAWN")),
        "a command started without its record: {log:#?}"
    );
}

#[test]
fn every_spawn_follows_the_record_that_announces_it() {
    let (_, log) = drive(SELF_APPROVED, None, false, false);
    for (i, line) in log.iter().enumerate() {
        if line.starts_with("SPAWN") {
            assert_eq!(log[i - 1], "journal command_started", "{log:#?}");
        }
    }
}
