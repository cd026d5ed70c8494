//! The real driver loop in-process, with fake ports: a journal that logs each batch (and can
//! fail), a launcher that logs each spawn and stop, a clock that moves only when a command
//! takes time, signals and input from the test. One shared log shows the order in which the
//! driver did things, so "journal before effect" is checked without the binary.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use super::fake::FakeClock;
use super::ports::{Clock, JournalSink, Launcher, Signal, Stoppable};
use super::{Driver, Ended};
use crate::engine::{CommandResult, Engine, Event, Phase, Spawn, StartInfo};
use crate::exec::runner::RunnerRx;
use crate::exec::stream::OutputChunk;
use crate::exit::Exit;
use crate::frontend::{FrontEnd, Input, Intent, Shown};
use crate::journal::record::{Actor, Entry, Record, Role, RunbookRef};
use crate::journal::writer::Written;
use crate::runbook::load_str;
use crate::runbook::params::Params;
use crate::share::feed::{Cursor, Next};
use crate::share::hub::Hub;
use crate::share::peer::Peer;
use crate::share::server::ShareMsg;

type Log = Rc<RefCell<Vec<String>>>;

/// Keeps records in memory; fails the batch that holds a record of kind `fail_on`.
struct FakeJournal {
    log: Log,
    fail_on: Option<&'static str>,
    records: u64,
    /// Every record written, as the driver stamped it.
    kept: Rc<RefCell<Vec<Record>>>,
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
            self.kept.borrow_mut().push(record.clone());
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
    /// Each command moves this clock on by `takes` before its result comes back.
    clock: FakeClock,
    takes: chrono::Duration,
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
        self.clock.set(self.clock.now() + self.takes);
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
            Phase::Failed { .. } => vec![Intent::Abort(Some("test over".into()))],
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
    run: cp state "$SHISA_RUN_DIR/state.bak"
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
    let mut fe = Operator {
        stop,
        stopped: false,
    };
    drive_with(yaml, fail_on, hang, stop, &mut fe, None)
}

/// `drive` with any front end and, optionally, a shared session.
fn drive_with(
    yaml: &str,
    fail_on: Option<&'static str>,
    hang: bool,
    stop: bool,
    fe: &mut dyn FrontEnd,
    share: Option<Hub>,
) -> (Ended, Vec<String>) {
    let (ended, log, _) = drive_shared(yaml, fail_on, hang, stop, fe, share.map(|h| (h, None)));
    (ended, log)
}

/// `drive_with`, reading what one watcher is sent (the bodies of its `end` frames).
fn drive_shared(
    yaml: &str,
    fail_on: Option<&'static str>,
    hang: bool,
    stop: bool,
    fe: &mut dyn FrontEnd,
    share: Option<(Hub, Option<Cursor>)>,
) -> (Ended, Vec<String>, Vec<String>) {
    // Tuesday 10:15 in Tokyo, inside any office-hours window; commands take no time.
    let clock = FakeClock::at("2023-12-05T10:15:00+09:00");
    let (ended, log, ends, _) = drive_full(
        yaml,
        (fail_on, hang, stop),
        fe,
        share,
        (clock, chrono::Duration::zero()),
    );
    (ended, log, ends)
}

/// Everything a driven run gave: how it ended, the log, the `end` frames a watcher got and
/// the records as written.
type Full = (Ended, Vec<String>, Vec<String>, Vec<Record>);

/// `drive_shared` on `clock`, each command taking `takes` of it.
fn drive_full(
    yaml: &str,
    (fail_on, hang, stop): (Option<&'static str>, bool, bool),
    fe: &mut dyn FrontEnd,
    share: Option<(Hub, Option<Cursor>)>,
    (clock, takes): (FakeClock, chrono::Duration),
) -> Full {
    let (share, live) = share.map_or((None, None), |(h, l)| (Some(h), l));
    let rb = load_str("t.yaml", yaml).unwrap_or_else(|r| panic!("{}", r.render(false)));
    let engine = Engine::new(Arc::new(rb.runbook), operator(), Params::default());
    let log: Log = Rc::default();
    let (done_tx, done) = mpsc::unbounded_channel();
    let (_output_tx, output) = mpsc::channel::<OutputChunk>(1);
    let rx = RunnerRx { done, output };
    let kept: Rc<RefCell<Vec<Record>>> = Rc::default();
    let journal = FakeJournal {
        log: log.clone(),
        fail_on,
        records: 0,
        kept: kept.clone(),
    };
    let launcher = FakeLauncher {
        log: log.clone(),
        done: done_tx,
        hang,
        clock: clock.clone(),
        takes,
    };
    let mut driver = Driver::new(engine, journal, (launcher, rx), clock);
    driver.share = share;
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
    let (_input_tx, input) = mpsc::unbounded_channel();
    let (signal_tx, signals) = mpsc::unbounded_channel();
    // A stop ends the command but not the run: the test then ends it as SIGTERM would.
    if stop {
        let _ = signal_tx.send(Signal::Terminate);
    }
    let ends: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    if let Some(mut live) = live {
        let ends = ends.clone();
        rt.spawn(live.feed().pace());
        // Reads until the `end` frame, then lets go, as a watcher's connection would.
        rt.spawn(async move {
            let mut got = Vec::new();
            while live.next(&mut got).await == Next::Frames {
                got.clear();
            }
            if let Some(bytes) = got.last() {
                let body = String::from_utf8_lossy(&bytes[4..]).into_owned();
                ends.lock().unwrap().push(body);
            }
        });
    }
    let ended = rt.block_on(driver.run(vec![start], fe, input, signals));
    drop(signal_tx);
    let log = log.borrow().clone();
    let ends = ends.lock().unwrap().clone();
    let kept = kept.borrow().clone();
    (ended, log, ends, kept)
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

const REVIEWED: &str = r#"version: 1
name: t
steps:
  - id: snap
    kind: snapshot
    run: cp state "$SHISA_RUN_DIR/state.bak"
  - id: attach
    kind: action
    target: { describe: orgctl describe }
    approval: required
    run: orgctl attach
    verify: [ { run: orgctl check } ]
    rollback: [ { run: orgctl detach } ]
"#;

/// One approval a reviewer's connection sends: the run it names, whether it answers an
/// earlier request than the one waiting, what it types.
struct Ask {
    run_id: &'static str,
    stale: bool,
    typed: &'static str,
}

/// The operator's front end (begin, type the target, abort on failure) with reviewers
/// sending `asks` over the shared session once the approval waits; keeps their replies.
struct Reviewed {
    operator: Operator,
    share: mpsc::UnboundedSender<ShareMsg>,
    asks: Vec<Ask>,
    /// The hash of the latest `approval_requested` line, as a watcher computes it.
    request: String,
    replies: Vec<tokio::sync::oneshot::Receiver<(bool, String)>>,
}

impl FrontEnd for Reviewed {
    fn show(&mut self, what: Shown<'_>, _: &Engine) {
        if let Shown::Record(r) = what
            && r.body.kind() == "approval_requested"
        {
            let line = serde_json::to_string(r).unwrap_or_default();
            self.request = crate::hash::sha256_hex(line.as_bytes());
        }
    }

    fn react(&mut self, e: &Engine, running: bool) -> Vec<Intent> {
        let Some(pending) = e.pending_approval() else {
            return self.operator.react(e, running);
        };
        for (n, ask) in self.asks.drain(..).enumerate() {
            let (reply, answer) = tokio::sync::oneshot::channel();
            self.replies.push(answer);
            let _ = self.share.send(ShareMsg::Approve {
                id: n as u64 + 1,
                peer: Peer {
                    uid: 4242,
                    gid: 4242,
                    pid: None,
                    user: "rev1".into(),
                    groups: Vec::new(),
                    login_uid: None,
                },
                run_id: ask.run_id.into(),
                step: pending.step_id.clone(),
                command_sha256: pending.command_sha256.clone(),
                request: if ask.stale {
                    "0".repeat(64)
                } else {
                    self.request.clone()
                },
                typed: ask.typed.into(),
                sudo_user: None,
                reply,
            });
        }
        Vec::new()
    }

    fn input(&mut self, _: Input, _: &Engine, _: bool) -> Vec<Intent> {
        Vec::new()
    }
}

/// What a reviewed run gave: how it ended, the log, the replies in order and the bodies
/// of the `end` frames a watcher got.
type Seen = (Ended, Vec<String>, Vec<(bool, String)>, Vec<String>);

/// Runs `REVIEWED` with reviewers sending `asks`.
fn reviewed(asks: Vec<Ask>, fail_on: Option<&'static str>) -> Seen {
    let (hub, share, live) = Hub::detached();
    let mut fe = Reviewed {
        operator: Operator {
            stop: false,
            stopped: false,
        },
        share,
        asks,
        request: String::new(),
        replies: Vec::new(),
    };
    let (ended, log, ends) = drive_shared(
        REVIEWED,
        fail_on,
        false,
        false,
        &mut fe,
        Some((hub, Some(live))),
    );
    let replies = (fe.replies.into_iter())
        .map(|mut r| r.try_recv().unwrap_or((false, "no reply".into())))
        .collect();
    (ended, log, replies, ends)
}

const QUARANTINE: &str = "quarantine-2023-12";

#[test]
fn a_client_naming_another_run_is_answered_by_the_engine_and_nothing_is_journaled() {
    let asks = vec![
        Ask {
            run_id: "other",
            stale: false,
            typed: QUARANTINE,
        },
        Ask {
            run_id: "r",
            stale: false,
            typed: QUARANTINE,
        },
    ];
    let (ended, log, replies, _) = reviewed(asks, None);
    assert_eq!(replies[0], (false, "this is run r, not other".to_string()));
    assert!(replies[1].0, "{replies:?}");
    assert_eq!(ended.exit, Exit::Ok, "{log:#?}");
    let approvals: Vec<&String> = log.iter().filter(|l| l.contains("approval_")).collect();
    assert_eq!(
        approvals,
        ["journal approval_requested", "journal approval_granted"],
        "{log:#?}"
    );
}

#[test]
fn an_answer_to_an_earlier_request_is_stale_by_the_engines_rule() {
    let asks = vec![
        Ask {
            run_id: "r",
            stale: true,
            typed: QUARANTINE,
        },
        Ask {
            run_id: "r",
            stale: false,
            typed: QUARANTINE,
        },
    ];
    let (ended, log, replies, _) = reviewed(asks, None);
    assert_eq!(
        replies[0],
        (
            false,
            crate::engine::messages::not_counted(&crate::journal::record::NotCounted::Stale)
        )
    );
    assert!(replies[1].0, "{replies:?}");
    assert_eq!(ended.exit, Exit::Ok, "{log:#?}");
    let refused = position(&log, "journal approval_refused");
    let granted = position(&log, "journal approval_granted");
    let change = position(&log, "SPAWN attach:main");
    assert!(refused < granted && granted < change, "{log:#?}");
}

#[test]
fn a_reviewers_typed_target_reaches_the_engine_as_typed() {
    let asks = vec![Ask {
        run_id: "r",
        stale: false,
        typed: "  quarantine-2023-12 ",
    }];
    let (ended, log, replies, _) = reviewed(asks, None);
    // The engine, not the client or the driver, decides that spaces around it do not count.
    assert_eq!(
        replies,
        [(true, crate::engine::messages::APPROVED.to_string())]
    );
    assert_eq!(ended.exit, Exit::Ok, "{log:#?}");
}

#[test]
fn watchers_are_told_the_end_the_engine_names() {
    let ok = || {
        vec![Ask {
            run_id: "r",
            stale: false,
            typed: QUARANTINE,
        }]
    };
    let (_, _, _, ends) = reviewed(ok(), None);
    assert_eq!(ends.len(), 1);
    assert!(ends[0].contains(r#""outcome":"completed""#), "{ends:?}");
    let (_, _, _, ends) = reviewed(ok(), Some("command_started"));
    assert!(
        ends[0].contains(r#""outcome":"stopped: journal error""#),
        "{ends:?}"
    );
}

/// Office hours in Tokyo: a precheck and a snapshot, then the change.
const WINDOWED: &str = r#"version: 1
name: t
window: { timezone: Asia/Tokyo, allow: ['Mon-Fri 09:00-18:00'] }
steps:
  - id: check
    kind: precheck
    run: orgctl check
  - id: snap
    kind: snapshot
    run: cp state "$SHISA_RUN_DIR/state.bak"
  - id: attach
    kind: action
    target: { describe: orgctl describe }
    approval: { allow_self: true }
    run: orgctl attach
    verify: [ { run: orgctl check } ]
    rollback: [ { run: orgctl detach } ]
"#;

#[test]
fn a_window_that_closes_between_a_changes_start_and_its_spawn_refuses_it_by_the_drivers_clock() {
    // 17:10 in Tokyo, each command taking 20 minutes of the fake clock: the change begins
    // at 17:50, inside the window, and its target lookup ends at 18:10, after it closed.
    let clock = FakeClock::at("2023-12-05T17:10:00+09:00");
    let mut fe = Operator {
        stop: false,
        stopped: false,
    };
    let (ended, log, _, records) = drive_full(
        WINDOWED,
        (None, false, false),
        &mut fe,
        None,
        (clock, chrono::Duration::minutes(20)),
    );
    let spawns: Vec<&String> = log.iter().filter(|l| l.starts_with("SPAWN")).collect();
    assert_eq!(spawns.len(), 3, "{log:#?}");
    assert_eq!(
        spawns[..2],
        ["SPAWN check:main", "SPAWN snap:main"],
        "{log:#?}"
    );
    assert!(
        spawns[2].starts_with("SPAWN attach:") && spawns[2] != "SPAWN attach:main",
        "only the change's lookup ran: {log:#?}"
    );
    let checks: Vec<(bool, &str)> = (records.iter())
        .filter_map(|r| match &r.body {
            crate::journal::record::Body::WindowChecked { inside, local, .. } => {
                Some((*inside, local.as_str()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        checks,
        [
            (true, "Tue 2023-12-05 17:10 JST"),
            (true, "Tue 2023-12-05 17:50 JST"),
            (false, "Tue 2023-12-05 18:10 JST")
        ],
        "{log:#?}"
    );
    // The records are stamped by the same clock, not the machine's.
    let last = records.last().map(|r| r.ts.clone()).unwrap_or_default();
    assert!(last.starts_with("2023-12-05T09:10:00"), "{records:#?}");
    assert_ne!(ended.exit, Exit::Ok, "{log:#?}");
}
