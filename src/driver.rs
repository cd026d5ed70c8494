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
use crate::engine::{CommandResult, Effect, Engine, Event, Offer};
use crate::exec::runner::{OutputChunk, Runner, RunnerRx, Running};
use crate::frontend::{FrontEnd, Input, Intent, Shown};
use crate::hash::sha256_hex;
use crate::journal::record::{Actor, Body, Entry, Outcome, Record, Role};
use crate::journal::writer::{Writer, Written};
use crate::share::hub::Hub;
use crate::share::peer::Peer;
use crate::share::server::ShareMsg;

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
    /// The shared session, when the run listens for watchers and reviewers.
    pub share: Option<Hub>,
    /// Events raised while performing effects, fed once the current ones are done.
    later: Vec<Event>,
}

/// How the run ended, for the caller to report.
pub struct Ended {
    pub exit: u8,
    pub outcome: Option<Outcome>,
    pub error: Option<String>,
    /// Changes that succeeded and were not rolled back, when the run did not complete.
    pub left_in_place: Vec<String>,
}

impl Driver {
    pub fn new(
        engine: Engine,
        writer: Writer,
        (runner, rx): (Runner, RunnerRx),
        clock: Clock,
    ) -> Driver {
        let (timer_tx, timer_rx) = mpsc::unbounded_channel();
        Driver {
            engine,
            writer,
            runner,
            clock,
            running: None,
            exit: None,
            fatal: None,
            done_rx: rx.done,
            output_rx: rx.output,
            timer_tx,
            timer_rx,
            dropped: rx.dropped,
            share: None,
            later: Vec::new(),
        }
    }

    /// Writes an entry that is not the engine's decision (journal recovery, refused clients).
    pub fn journal_direct(&mut self, entry: &Entry, fe: &mut dyn FrontEnd) -> std::io::Result<()> {
        let written = self.writer.append(entry, Utc::now())?;
        self.witness(&written, fe);
        Ok(())
    }

    fn witness(&mut self, w: &Written, fe: &mut dyn FrontEnd) {
        fe.show(Shown::Record(&w.record), &self.engine);
        if let Some(hub) = &mut self.share {
            hub.set_started(&w.record.ts);
            if matches!(w.record.body, Body::ApprovalRequested { .. }) {
                hub.request = Some(sha256_hex(w.line.as_bytes()));
            }
            for user in hub.record(&w.line) {
                self.later
                    .push(Event::WatcherLeft(format!("{user} — dropped: not reading")));
            }
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
        let mut input_open = true;
        self.feed(first, fe);
        loop {
            while !self.later.is_empty() && self.fatal.is_none() {
                for event in std::mem::take(&mut self.later) {
                    self.feed(event, fe);
                }
            }
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
                        self.output(&chunk, fe);
                    }
                    self.running = None;
                    match result.log_error.clone() {
                        // Lost output is lost evidence: journal what happened, then stop.
                        Some(e) => self.record_then_fail(result, e, fe),
                        None => self.feed(Event::CommandDone(result), fe),
                    }
                }
                Some(chunk) = self.output_rx.recv() => self.output(&chunk, fe),
                Some(event) = self.timer_rx.recv() => self.feed(event, fe),
                Some(msg) = async { match self.share.as_mut() { Some(hub) => hub.rx.recv().await, None => std::future::pending().await } } => {
                    self.share_msg(msg, fe);
                }
                got = input.recv(), if input_open => {
                    // A closed input answers at once forever: say end-of-input once, then
                    // stop asking, or the loop spins for the rest of the run.
                    input_open = got.is_some();
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
        if let Some(hub) = &mut self.share {
            let outcome = match (self.engine.finished, &self.fatal) {
                (Some((o, _)), _) => o.name().to_string(),
                (None, Some(_)) => "stopped: journal error".to_string(),
                (None, None) => "halted (resumable)".to_string(),
            };
            let head = self.writer.head().to_string();
            hub.end(&outcome, self.exit.unwrap_or(1), &head).await;
        }
        let outcome = self.engine.finished.map(|(o, _)| o);
        let left_in_place = if outcome == Some(Outcome::Completed) {
            Vec::new()
        } else {
            self.left_in_place()
        };
        let (exit, error) = match self.fatal {
            Some(error) => (1, Some(error)),
            None => (self.exit.unwrap_or(1), None),
        };
        Ended {
            exit,
            outcome,
            error,
            left_in_place,
        }
    }

    /// Mutating steps that finished ok and were not undone, by title.
    fn left_in_place(&self) -> Vec<String> {
        let e = &self.engine;
        e.rb.steps
            .iter()
            .zip(&e.steps)
            .filter(|(step, s)| {
                step.mutating && s.status == Some(crate::journal::record::StepStatus::Ok)
            })
            .map(|(step, _)| format!("{} ({})", step.title.render(&e.shown_vars()), step.id))
            .collect()
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
                    Event::Approval(Offer {
                        reviewer: operator,
                        step,
                        command_sha256,
                        typed,
                        fresh: true,
                        same_login: true,
                    })
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
        if let Err(refusal) = self.try_feed(event, fe) {
            fe.show(Shown::Refused(&refusal), &self.engine);
        }
    }

    /// Feeds an event; returns the records it wrote, or why the engine refused it.
    fn try_feed(&mut self, event: Event, fe: &mut dyn FrontEnd) -> Result<Vec<Record>, String> {
        let effects = self.engine.update(event).map_err(|r| r.0)?;
        Ok(self.perform(effects, fe))
    }

    fn perform(&mut self, effects: Vec<Effect>, fe: &mut dyn FrontEnd) -> Vec<Record> {
        let mut written = Vec::new();
        for effect in effects {
            if self.fatal.is_some() {
                break;
            }
            match effect {
                Effect::Journal(entry) => match self.writer.append(&entry, Utc::now()) {
                    Ok(w) => {
                        self.witness(&w, fe);
                        written.push(w.record);
                    }
                    Err(e) => self.fail(
                        format!("cannot write the journal ({e}); the run stops here so nothing runs unrecorded"),
                        fe,
                    ),
                },
                Effect::Spawn(spawn) => match self.runner.start(&spawn) {
                    Ok(running) => self.running = running,
                    Err(e) => {
                        self.fail(format!("cannot create the output log {} ({e}); the run stops here", spawn.log), fe)
                    }
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
        written
    }

    fn output(&mut self, chunk: &OutputChunk, fe: &mut dyn FrontEnd) {
        fe.show(Shown::Output(chunk), &self.engine);
        if let Some(hub) = &mut self.share {
            hub.output(chunk);
        }
    }

    /// A message from the shared session: a watcher arriving or leaving, a reviewer's
    /// approval or note, a refused client.
    fn share_msg(&mut self, msg: ShareMsg, fe: &mut dyn FrontEnd) {
        let Some(hub) = self.share.as_mut() else {
            return;
        };
        match msg {
            ShareMsg::Hello {
                id,
                peer,
                want,
                reply,
            } => {
                let welcome = hub.welcome(
                    &self.engine,
                    self.writer.head(),
                    self.writer.records(),
                    &peer,
                );
                let admission = hub.admit(id, want, welcome, &peer.describe());
                let watching = admission.live.is_some();
                if reply.send(admission).is_ok() && watching {
                    self.feed(Event::WatcherJoined(peer.describe()), fe);
                }
            }
            ShareMsg::Approve {
                peer,
                run_id,
                step,
                command_sha256,
                request,
                typed,
                reply,
                ..
            } => {
                let answer = if Some(&run_id) != self.engine.run_id.as_ref() {
                    (
                        false,
                        format!(
                            "this is run {}, not {run_id}",
                            self.engine.run_id.clone().unwrap_or_default()
                        ),
                    )
                } else {
                    let fresh = hub.request.as_deref() == Some(request.as_str());
                    let reviewer = self.reviewer(&peer);
                    let same_login = peer.login_uid.is_some()
                        && peer.login_uid == crate::identity::login_uid(None);
                    let event = Event::Approval(Offer {
                        reviewer,
                        step,
                        command_sha256,
                        typed,
                        fresh,
                        same_login,
                    });
                    match self.try_feed(event, fe) {
                        Err(refusal) => (false, refusal),
                        Ok(records) => match records.iter().map(|r| &r.body).find(|b| {
                            matches!(
                                b,
                                Body::ApprovalGranted { .. } | Body::ApprovalRefused { .. }
                            )
                        }) {
                            Some(Body::ApprovalGranted { .. }) => {
                                (true, "approved: the step runs now".to_string())
                            }
                            Some(Body::ApprovalRefused { reason, .. }) => (false, reason.clone()),
                            _ => (false, "no decision was recorded".to_string()),
                        },
                    }
                };
                let _ = reply.send(answer);
            }
            ShareMsg::Note {
                peer, text, reply, ..
            } => {
                let actor = self.reviewer(&peer);
                let answer = match self.try_feed(Event::Note { actor, text }, fe) {
                    Ok(_) => (true, "noted".to_string()),
                    Err(refusal) => (false, refusal),
                };
                let _ = reply.send(answer);
            }
            ShareMsg::Left { id } => {
                if let Some(user) = hub.remove(id) {
                    self.feed(Event::WatcherLeft(user), fe);
                }
            }
            ShareMsg::Refused { who, reason } => {
                let entry = Entry {
                    body: Body::ClientRefused { who, reason },
                    step: None,
                    actor: self.engine.operator.as_shisa(),
                };
                if let Err(e) = self.journal_direct(&entry, fe) {
                    self.fail(format!("cannot write the journal ({e})"), fe);
                }
            }
        }
    }

    /// A connected peer as a journal actor: the operator's own account stays the operator.
    fn reviewer(&self, peer: &Peer) -> Actor {
        let role = if peer.uid == self.engine.operator.uid {
            Role::Operator
        } else {
            Role::Reviewer
        };
        Actor {
            role,
            user: peer.user.clone(),
            uid: peer.uid,
            host: self.engine.operator.host.clone(),
        }
    }

    /// Journals a command's end, performs nothing after it, and stops the run.
    fn record_then_fail(&mut self, result: CommandResult, error: String, fe: &mut dyn FrontEnd) {
        match self.engine.update(Event::CommandDone(result)) {
            Ok(effects) => {
                let journal_only = effects
                    .into_iter()
                    .filter(|e| matches!(e, Effect::Journal(_)))
                    .collect();
                self.perform(journal_only, fe);
            }
            Err(refusal) => fe.show(Shown::Refused(&refusal.0), &self.engine),
        }
        self.fail(format!("cannot write the output log ({error}); the run stops here so nothing runs unrecorded"), fe);
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
