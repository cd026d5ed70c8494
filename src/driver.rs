//! The one loop (DESIGN §10): it performs the engine's effects — journal first, then the
//! runner and the share server — and feeds results and operator intents back as events.
//! Both front ends run through it, so every rule holds identically in both.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::engine::state::Approval;
use crate::engine::{CommandResult, Effect, Engine, Event};
use crate::exec::runner::{OutputChunk, Runner, Running};
use crate::frontend::{FrontEnd, Input, Intent, Shown};
use crate::journal::record::{Entry, Outcome, Record};
use crate::journal::writer::Writer;

/// Receives every record as it is written (the share server's broadcast).
pub trait Witness {
    fn record(&mut self, rec: &Record, engine: &Engine);
}

pub struct Driver {
    pub engine: Engine,
    pub writer: Writer,
    runner: Runner,
    clock: Clock,
    running: Option<Running>,
    exit: Option<u8>,
    /// The run was halted while a command ran: wait for its result, then stop.
    fatal: Option<String>,
    done_rx: mpsc::UnboundedReceiver<CommandResult>,
    output_rx: mpsc::Receiver<OutputChunk>,
    timer_tx: mpsc::UnboundedSender<Event>,
    timer_rx: mpsc::UnboundedReceiver<Event>,
    pub dropped: Arc<AtomicU64>,
    pub witnesses: Vec<Box<dyn Witness>>,
    /// Events from outside the operator's terminal (reviewers' approvals and notes).
    pub outside_rx: Option<mpsc::UnboundedReceiver<Event>>,
}

/// How the run ended, for the caller to report.
pub struct Ended {
    pub exit: u8,
    pub outcome: Option<Outcome>,
    pub error: Option<String>,
}

impl Driver {
    pub fn new(engine: Engine, writer: Writer, mut runner: Runner, clock: Clock) -> Driver {
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        // Enough for a burst of output; beyond it the screen skips and the log keeps all.
        let (output_tx, output_rx) = mpsc::channel(256);
        let (timer_tx, timer_rx) = mpsc::unbounded_channel();
        let dropped = Arc::new(AtomicU64::new(0));
        runner.done_tx = done_tx;
        runner.output_tx = output_tx;
        runner.dropped = dropped.clone();
        Driver {
            engine,
            writer,
            runner,
            clock,
            running: None,
            exit: None,
            fatal: None,
            done_rx,
            output_rx,
            timer_tx,
            timer_rx,
            dropped,
            witnesses: Vec::new(),
            outside_rx: None,
        }
    }

    /// Writes an entry that is not the engine's decision (journal recovery on resume).
    pub fn journal_direct(&mut self, entry: &Entry, fe: &mut dyn FrontEnd) -> std::io::Result<()> {
        let rec = self.writer.append(entry, Utc::now())?;
        self.witness(&rec, fe);
        Ok(())
    }

    fn witness(&mut self, rec: &Record, fe: &mut dyn FrontEnd) {
        fe.show(Shown::Record(rec), &self.engine);
        for w in &mut self.witnesses {
            w.record(rec, &self.engine);
        }
    }

    pub async fn run(
        mut self,
        first: Event,
        fe: &mut dyn FrontEnd,
        mut input: mpsc::UnboundedReceiver<Input>,
    ) -> Ended {
        let mut sigint = signal(SignalKind::interrupt()).ok();
        let mut sigterm = signal(SignalKind::terminate()).ok();
        let mut sighup = signal(SignalKind::hangup()).ok();
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(50));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut outside = self.outside_rx.take();
        self.feed(first, fe);
        loop {
            if self.running.is_none() && (self.exit.is_some() || self.fatal.is_some()) {
                break;
            }
            if self.fatal.is_none() {
                let intents = fe.react(&self.engine, self.running.is_some());
                if !intents.is_empty() {
                    self.intents(intents, fe);
                    continue;
                }
            }
            tokio::select! {
                Some(result) = self.done_rx.recv() => {
                    // Show the command's last output before its result.
                    while let Ok(chunk) = self.output_rx.try_recv() {
                        fe.show(Shown::Output(&chunk), &self.engine);
                    }
                    self.running = None;
                    self.feed(Event::CommandDone(result), fe);
                }
                Some(chunk) = self.output_rx.recv() => fe.show(Shown::Output(&chunk), &self.engine),
                Some(event) = self.timer_rx.recv() => self.feed(event, fe),
                Some(event) = async { match outside.as_mut() { Some(rx) => rx.recv().await, None => std::future::pending().await } } => {
                    self.feed(event, fe);
                }
                got = input.recv() => {
                    let got = got.unwrap_or(Input::Eof);
                    let intents = fe.input(got, &self.engine, self.running.is_some());
                    self.intents(intents, fe);
                }
                Some(_) = async { match sigint.as_mut() { Some(s) => s.recv().await, None => std::future::pending().await } } => {
                    let intents = fe.input(Input::CtrlC, &self.engine, self.running.is_some());
                    self.intents(intents, fe);
                }
                Some(_) = async { match sigterm.as_mut() { Some(s) => s.recv().await, None => std::future::pending().await } } => {
                    self.intents(vec![Intent::Interrupt("SIGTERM".into())], fe);
                }
                Some(_) = async { match sighup.as_mut() { Some(s) => s.recv().await, None => std::future::pending().await } } => {
                    self.intents(vec![Intent::Interrupt("SIGHUP: the terminal went away".into())], fe);
                }
                _ = tick.tick() => fe.tick(&self.engine),
            }
        }
        fe.close(&self.engine);
        let outcome = self.engine.finished.map(|(o, _)| o);
        match self.fatal {
            Some(error) => Ended {
                exit: 1,
                outcome,
                error: Some(error),
            },
            None => Ended {
                exit: self.exit.unwrap_or(1),
                outcome,
                error: None,
            },
        }
    }

    fn intents(&mut self, intents: Vec<Intent>, fe: &mut dyn FrontEnd) {
        for intent in intents {
            if self.fatal.is_some() {
                return;
            }
            let now = self.clock.now();
            let operator = self.engine.operator.clone();
            let event = match intent {
                Intent::Begin => Event::Begin { now },
                Intent::Typed(t) => Event::Typed(t),
                Intent::ManualDone(n) => Event::ManualDone(n),
                Intent::Choice(c) => Event::Choice(c),
                Intent::Note(text) => Event::Note {
                    actor: operator,
                    text,
                },
                Intent::Approve(typed) => {
                    let pending = self
                        .engine
                        .phase()
                        .step()
                        .map(|i| (i, self.engine.steps[i].approval.clone()));
                    let Some((i, Approval::Requested { command_sha256, .. })) = pending else {
                        fe.show(
                            Shown::Refused("no step is waiting for approval"),
                            &self.engine,
                        );
                        continue;
                    };
                    let step = self.engine.rb.steps[i].id.clone();
                    Event::Approval {
                        reviewer: operator,
                        step,
                        command_sha256,
                        typed,
                        fresh: true,
                    }
                }
                Intent::Stop => {
                    if let Some(r) = &self.running {
                        r.stop();
                        let text = "stopped the running command".to_string();
                        self.feed(
                            Event::Note {
                                actor: operator,
                                text,
                            },
                            fe,
                        );
                    }
                    continue;
                }
                Intent::Abort(reason) => Event::Abort(reason),
                Intent::Interrupt(reason) => {
                    if let Some(r) = &self.running {
                        r.stop();
                    }
                    Event::Interrupt(reason)
                }
            };
            self.feed(event, fe);
        }
    }

    fn feed(&mut self, event: Event, fe: &mut dyn FrontEnd) {
        match self.engine.update(event) {
            Ok(effects) => self.perform(effects, fe),
            Err(refusal) => fe.show(Shown::Refused(&refusal.0), &self.engine),
        }
    }

    fn perform(&mut self, effects: Vec<Effect>, fe: &mut dyn FrontEnd) {
        for effect in effects {
            if self.fatal.is_some() {
                return;
            }
            match effect {
                Effect::Journal(entry) => match self.writer.append(&entry, Utc::now()) {
                    Ok(rec) => self.witness(&rec, fe),
                    Err(e) => self.fail(format!("cannot write the journal ({e}); the run stops here so nothing runs unrecorded"), fe),
                },
                Effect::Spawn(spawn) => match self.runner.start(&spawn) {
                    Ok(running) => self.running = running,
                    Err(e) => self.fail(format!("cannot create the output log {} ({e}); the run stops here", spawn.log), fe),
                },
                Effect::Timer { after, event } => {
                    let tx = self.timer_tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(after).await;
                        let _ = tx.send(event);
                    });
                }
                Effect::Finish { exit, .. } => self.exit = Some(exit),
            }
        }
    }

    /// Fail closed: stop whatever runs, run nothing more.
    fn fail(&mut self, error: String, fe: &mut dyn FrontEnd) {
        if let Some(r) = &self.running {
            r.stop();
        }
        fe.show(Shown::Error(&error), &self.engine);
        self.fatal = Some(error);
    }

    pub fn dropped_bytes(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}
