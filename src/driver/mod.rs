//! The one loop: it performs the engine's effects — journal first, then the runner and the
//! share server — and feeds results and operator intents back as events (ARCHITECTURE.md,
//! "The engine decides; the driver performs" and "Write-ahead").
//! Both front ends run through it, so every rule holds identically in both.

use std::collections::HashMap;

use tokio::sync::{mpsc, oneshot};

use crate::engine::{ClientAnswer, CommandResult, Effect, Engine, Event, Verdict, Who};
use crate::exec::runner::RunnerRx;
use crate::exec::stream::OutputChunk;
use crate::exit::Exit;
use crate::frontend::{FrontEnd, Input, Intent, Shown};
use crate::hash::sha256_hex;
use crate::journal::record::{Actor, Body, Halt, Outcome, Record};
use crate::journal::writer::Written;
use crate::pending::or_pending;
use crate::share::hub::Hub;
use crate::share::peer::Peer;
use crate::share::server::ShareMsg;

#[cfg(test)]
pub(crate) mod fake;
mod launch;
mod opening;
pub mod ports;
pub mod remote;
#[cfg(test)]
mod tests;

use ports::{Clock, JournalSink, Launcher, Signal, Stoppable};

pub struct Driver {
    // Private: the engine changes only through `feed` (ARCHITECTURE.md, "The engine
    // decides; the driver performs"); others read it through `engine()`.
    engine: Engine,
    writer: Box<dyn JournalSink>,
    runner: Box<dyn Launcher>,
    clock: Box<dyn Clock>,
    running: Option<Box<dyn Stoppable>>,
    exit: Option<Exit>,
    /// The run was halted while a command ran: wait for its result, then stop.
    fatal: Option<String>,
    done_rx: mpsc::UnboundedReceiver<CommandResult>,
    output_rx: mpsc::Receiver<OutputChunk>,
    timer_tx: mpsc::UnboundedSender<Event>,
    timer_rx: mpsc::UnboundedReceiver<Event>,
    /// The shared session, when the run listens for watchers and reviewers.
    pub share: Option<Hub>,
    /// Events raised while performing effects, fed once the current ones are done.
    later: Vec<Event>,
    /// Shared-session clients waiting for the engine's verdict on an approval.
    replies: HashMap<u64, oneshot::Sender<(bool, String)>>,
    /// ssh connections, for runbooks with `hosts:`.
    remote: Option<remote::Remote>,
    /// Hosts' masters opened off the loop report here (`opening.rs`).
    open_tx: mpsc::UnboundedSender<opening::OpenDone>,
    open_rx: mpsc::UnboundedReceiver<opening::OpenDone>,
}

/// How the run ended, for the caller to report.
pub struct Ended {
    pub exit: Exit,
    pub outcome: Option<Outcome>,
    pub error: Option<String>,
    /// Changes that succeeded and were not rolled back, when the run did not complete.
    pub left_in_place: Vec<String>,
}

impl Driver {
    pub fn new(
        engine: Engine,
        writer: impl JournalSink + 'static,
        (runner, rx): (impl Launcher + 'static, RunnerRx),
        clock: impl Clock + 'static,
    ) -> Driver {
        let (timer_tx, timer_rx) = mpsc::unbounded_channel();
        let (open_tx, open_rx) = mpsc::unbounded_channel();
        Driver {
            engine,
            writer: Box::new(writer),
            runner: Box::new(runner),
            clock: Box::new(clock),
            running: None,
            exit: None,
            fatal: None,
            done_rx: rx.done,
            output_rx: rx.output,
            timer_tx,
            timer_rx,
            share: None,
            later: Vec::new(),
            replies: HashMap::new(),
            remote: None,
            open_tx,
            open_rx,
        }
    }

    /// The engine's state, to read (a front end drawing the end of the run).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Where a test sends an event the loop feeds as it feeds a timer's: what reaches the
    /// engine by other roads (a reviewer's verdict, a timer the test plays), for the TUI's
    /// tests, which drive this loop rather than a copy of it.
    #[cfg(test)]
    pub(crate) fn events(&self) -> mpsc::UnboundedSender<Event> {
        self.timer_tx.clone()
    }

    /// Runs `on:` commands through these connections.
    pub fn with_remote(mut self, remote: remote::Remote) -> Driver {
        self.remote = Some(remote);
        self
    }

    fn witness(&mut self, w: &Written, fe: &mut dyn FrontEnd) {
        fe.show(Shown::Record(&w.record), &self.engine);
        if let Some(hub) = &mut self.share {
            hub.set_started(&w.record.ts);
            match &w.record.body {
                Body::ApprovalRequested { .. } => {
                    hub.request = Some(sha256_hex(w.line.as_bytes()));
                }
                Body::CommandStarted { log, .. } => hub.command_started(log),
                _ => {}
            }
            hub.record(&w.line);
        }
    }

    /// Drives the run to its end. `signals` is the process's own (`ports::os_signals`), or
    /// a test's.
    pub async fn run(
        mut self,
        first: Vec<Event>,
        fe: &mut dyn FrontEnd,
        mut input: mpsc::UnboundedReceiver<Input>,
        mut signals: mpsc::UnboundedReceiver<Signal>,
    ) -> Ended {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(50));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut input_open = true;
        // Masters left by a crashed run are not reused: close them before anything runs.
        if let Some(r) = &mut self.remote {
            r.close_all();
        }
        for event in first {
            self.feed(event, fe);
        }
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
                    let mut result = result;
                    if let Some(r) = &mut self.remote {
                        r.finished(&mut result);
                    }
                    self.feed(Event::CommandDone(result), fe);
                }
                Some(chunk) = self.output_rx.recv() => self.output(&chunk, fe),
                Some(done) = self.open_rx.recv() => self.open_done(done, fe),
                Some(event) = self.timer_rx.recv() => self.feed(event, fe),
                Some(msg) = or_pending(self.share.as_mut().map(|hub| hub.rx.recv())) => {
                    self.share_msg(msg, fe);
                }
                got = input.recv(), if input_open => {
                    // What a watcher had already been answered about comes before what the
                    // operator typed after: the share server runs on its own thread, so its
                    // queued messages are taken first, or a run ended by this input would
                    // lose the refusals its clients already saw.
                    self.drain_share(fe);
                    // A closed input answers at once forever: say end-of-input once, then
                    // stop asking, or the loop spins for the rest of the run.
                    input_open = got.is_some();
                    let got = got.unwrap_or(Input::Eof);
                    let intents = fe.input(got, &self.engine, self.running.is_some());
                    self.intents(intents, fe);
                }
                Some(sig) = signals.recv() => {
                    let intents = match sig {
                        Signal::Interrupt => fe.input(Input::CtrlC, &self.engine, self.running.is_some()),
                        Signal::Terminate => vec![Intent::Interrupt(Halt::Sigterm)],
                        Signal::Hangup => vec![Intent::Interrupt(Halt::Sighup)],
                    };
                    self.intents(intents, fe);
                }
                _ = tick.tick() => fe.tick(&self.engine),
            }
        }
        fe.close(&self.engine);
        if let Some(r) = &mut self.remote {
            r.close_all();
        }
        if let Some(hub) = &mut self.share {
            let outcome = self.engine.end_for_watchers(self.fatal.is_some());
            let head = self.writer.head().to_string();
            hub.end(&outcome, self.exit.unwrap_or(Exit::Failed).code(), &head)
                .await;
        }
        let outcome = self.engine.finished().map(|(o, _)| o);
        let left_in_place = self.left_in_place();
        let (exit, error) = match self.fatal {
            Some(error) => (Exit::Failed, Some(error)),
            None => (self.exit.unwrap_or(Exit::Failed), None),
        };
        Ended {
            exit,
            outcome,
            error,
            left_in_place,
        }
    }

    /// The changes the engine says the run leaves in place, by title and id.
    fn left_in_place(&self) -> Vec<String> {
        let e = &self.engine;
        (e.left_in_place().into_iter())
            .map(|j| format!("{} ({})", e.title(j), e.runbook().steps[j].id))
            .collect()
    }

    fn intents(&mut self, intents: Vec<Intent>, fe: &mut dyn FrontEnd) {
        for intent in intents {
            if self.fatal.is_some() {
                return;
            }
            let event = intent.event(self.engine.operator());
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
        let effects = self
            .engine
            .update(self.clock.now(), event)
            .map_err(|r| r.0)?;
        Ok(self.perform(effects, fe))
    }

    fn perform(&mut self, effects: Vec<Effect>, fe: &mut dyn FrontEnd) -> Vec<Record> {
        let mut written = Vec::new();
        let mut effects = effects.into_iter().peekable();
        while let Some(effect) = effects.next() {
            if self.fatal.is_some() {
                break;
            }
            match effect {
                Effect::Journal(entry) => {
                    // Group commit: this decision's consecutive records with one fsync, all
                    // durable before the effect after them (see journal/writer.rs).
                    let mut batch = vec![entry];
                    while let Some(Effect::Journal(e)) =
                        effects.next_if(|e| matches!(e, Effect::Journal(_)))
                    {
                        batch.push(e);
                    }
                    match self.writer.append_all(&batch, self.clock.now()) {
                        Ok(ws) => {
                            for w in ws {
                                self.witness(&w, fe);
                                written.push(w.record);
                            }
                        }
                        Err(e) => self.fail(
                            format!("cannot write the journal ({e}); the run stops here so nothing runs unrecorded"),
                            fe,
                        ),
                    }
                }
                Effect::Spawn(spawn) => {
                    let started = self.start(&spawn);
                    self.started(started, &spawn, fe);
                }
                Effect::Timer { after, event } => {
                    let tx = self.timer_tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(after).await;
                        let _ = tx.send(event);
                    });
                }
                Effect::Finish { exit, .. } => self.exit = Some(exit),
                Effect::Stop => {
                    if let Some(r) = &self.running {
                        r.stop();
                    }
                }
                Effect::Reply {
                    client,
                    granted,
                    message,
                } => {
                    if let Some(reply) = self.replies.remove(&client) {
                        let _ = reply.send((granted, message));
                    }
                }
            }
        }
        written
    }

    fn output(&mut self, chunk: &OutputChunk, fe: &mut dyn FrontEnd) {
        // A blind target's lookup prints the answer the operator must name unaided.
        if !self.engine.shows_output(chunk.step) {
            return;
        }
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
                let admission = hub.admit(id, want, welcome, &peer.describe(), &self.engine);
                let watching = admission.live.is_some();
                if reply.send(admission).is_ok() && watching {
                    self.feed(Event::WatcherJoined(peer.describe()), fe);
                }
            }
            ShareMsg::Approve {
                id,
                peer,
                run_id,
                step,
                command_sha256,
                request,
                typed,
                sudo_user,
                reply,
            } => {
                let who = crate::identity::who(peer.uid, peer.login_uid, sudo_user.as_deref());
                let answer = ClientAnswer {
                    client: id,
                    run_id,
                    step,
                    command_sha256,
                    request,
                    latest_request: hub.request.clone(),
                    reviewer: self.reviewer(&peer, &who),
                    who,
                    verdict: Verdict::Approve { typed },
                };
                self.answer(answer, reply, fe);
            }
            ShareMsg::Reject {
                id,
                peer,
                run_id,
                step,
                command_sha256,
                request,
                reason,
                sudo_user,
                reply,
            } => {
                let who = crate::identity::who(peer.uid, peer.login_uid, sudo_user.as_deref());
                let answer = ClientAnswer {
                    client: id,
                    run_id,
                    step,
                    command_sha256,
                    request,
                    latest_request: hub.request.clone(),
                    reviewer: self.reviewer(&peer, &who),
                    who,
                    verdict: Verdict::Reject { reason },
                };
                self.answer(answer, reply, fe);
            }
            ShareMsg::Note {
                peer, text, reply, ..
            } => {
                // A note carries no `SUDO_USER`: the login uid alone tells root's person.
                let who = crate::identity::who(peer.uid, peer.login_uid, None);
                let actor = self.reviewer(&peer, &who);
                let answer = match self.try_feed(Event::Note { actor, text }, fe) {
                    Ok(_) => (true, crate::engine::messages::NOTED.to_string()),
                    Err(refusal) => (false, refusal),
                };
                let _ = reply.send(answer);
            }
            ShareMsg::Left { id, why } => {
                if let Some(user) = hub.remove(id) {
                    let left = match why {
                        Some(why) => format!("{user} — {why}"),
                        None => user,
                    };
                    self.feed(Event::WatcherLeft(left), fe);
                }
            }
            ShareMsg::Refused { who, reason } => {
                self.feed(Event::ClientRefused { who, reason }, fe)
            }
        }
    }

    fn drain_share(&mut self, fe: &mut dyn FrontEnd) {
        while let Some(msg) = self.share.as_mut().and_then(|hub| hub.rx.try_recv().ok()) {
            self.share_msg(msg, fe);
        }
    }

    /// Hands a client's answer to the engine. The engine answers with `Effect::Reply`; an
    /// answer it refuses outright is answered here with its refusal.
    fn answer(
        &mut self,
        answer: ClientAnswer,
        reply: oneshot::Sender<(bool, String)>,
        fe: &mut dyn FrontEnd,
    ) {
        let id = answer.client;
        self.replies.insert(id, reply);
        let refused = self.try_feed(Event::ClientAnswer(answer), fe).err();
        if let Some(reply) = self.replies.remove(&id) {
            let why = refused.unwrap_or_else(|| "no decision was recorded".into());
            let _ = reply.send((false, why));
        }
    }

    /// A connected peer as a journal actor, in the role the engine gives the person it is.
    fn reviewer(&self, peer: &Peer, who: &Who) -> Actor {
        Actor {
            role: self.engine.role_of(who),
            user: peer.user.clone(),
            uid: peer.uid,
            host: self.engine.operator().host.clone(),
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
}
