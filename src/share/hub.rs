//! The driver's side of the shared session: who is watching, what they are sent, and the
//! approval request an approval must answer. It lives in the driver's loop, so records reach
//! watchers in exactly the order they reach the journal, each appended once to the one log
//! every watcher reads from (`feed.rs`).

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::backlog::Join;
use super::feed::Feed;
use super::frame;
use super::peer::Peer;
use super::protocol::{PROTOCOL, Pending, ServerMsg, Want, Welcome};
use super::server::{Admission, Config, ShareMsg, spawn_listener};
use super::socket_dir;
use super::tail::{Tail, output_frame};
use crate::engine::Engine;
use crate::exec::stream::OutputChunk;

struct Watcher {
    id: u64,
    user: String,
    /// Closed when the watcher's connection is done with the log.
    gone: oneshot::Receiver<()>,
}

pub struct Hub {
    pub rx: mpsc::UnboundedReceiver<ShareMsg>,
    watchers: Vec<Watcher>,
    feed: Arc<Feed>,
    /// Hash of the `approval_requested` record now waiting, if any.
    pub request: Option<String>,
    pub socket: PathBuf,
    runbook_source: String,
    started: String,
    journal: PathBuf,
    /// The running command's output as passed on, for a watcher joining while it runs.
    tail: Option<Tail>,
}

impl Hub {
    /// Binds the run's socket (inside the tokio runtime) and starts accepting on the share
    /// server's own thread.
    pub fn start(
        run_id: &str,
        share_gid: Option<u32>,
        operator_uid: u32,
        runbook_source: String,
        journal: PathBuf,
    ) -> Result<Hub, String> {
        let dir = socket_dir::dir();
        socket_dir::ensure(&dir)?;
        let gid = share_gid.map(nix::unistd::Gid::from_raw);
        let (listener, socket) = socket_dir::bind(&dir, run_id, gid)?;
        let (tx, rx) = mpsc::unbounded_channel();
        let feed = Feed::new();
        spawn_listener(
            listener,
            Config {
                operator_uid,
                share_gid,
            },
            tx,
            Arc::clone(&feed),
        )
        .map_err(|e| format!("cannot start the share server: {e}"))?;
        Ok(Hub {
            rx,
            watchers: Vec::new(),
            feed,
            request: None,
            socket,
            runbook_source,
            started: String::new(),
            journal,
            tail: None,
        })
    }

    pub fn set_started(&mut self, ts: &str) {
        if self.started.is_empty() {
            self.started = ts.to_string();
        }
    }

    pub fn welcome(&self, e: &Engine, head: &str, records: u64, you: &Peer) -> Welcome {
        let pending = match (e.pending_approval(), self.request.as_ref()) {
            (Some(p), Some(request)) => Some(Pending {
                title: e.title(p.step),
                // As the request journaled it: a later rollback's reviewer approves the
                // rollback, and must read that, not the change.
                command: p.command,
                step: p.step_id,
                command_sha256: p.command_sha256,
                // Blind: the reviewer names it first; the server does not send it.
                target: if p.blind { String::new() } else { p.expected },
                allow_self: p.allow_self,
                request: request.clone(),
                approvals: p.tally.counted().then(|| p.tally.waiting_for()),
                blind: p.blind,
            }),
            _ => None,
        };
        let current = e
            .phase()
            .step()
            .or(Some(e.current()))
            .filter(|&i| i < e.runbook().steps.len())
            .map(|i| e.title(i));
        Welcome {
            protocol: PROTOCOL,
            run_id: e.run_id().unwrap_or_default().to_string(),
            runbook_name: e.runbook().name.clone(),
            runbook_source: self.runbook_source.clone(),
            operator: e.operator().user.clone(),
            operator_uid: e.operator().uid,
            host: e.operator().host.clone(),
            started: self.started.clone(),
            head: head.to_string(),
            records,
            current_step: current,
            pending,
            you: you.user.clone(),
        }
    }

    /// Admits a connection: watchers get their join (the journal so far and the output
    /// printed before it, read by their connection, `backlog::Join`) and their place in
    /// the live log.
    pub fn admit(
        &mut self,
        id: u64,
        want: Want,
        welcome: Welcome,
        user: &str,
        e: &Engine,
    ) -> Admission {
        if want != Want::Watch {
            return Admission {
                welcome,
                replay: None,
                live: None,
            };
        }
        // The driver is the only writer and is here now: the journal holds exactly the
        // records so far (the welcome's count), and every later one goes through `record`,
        // after the place taken here: the replay and the live log meet with no gap and no
        // overlap. The connection reads the files, off this thread (`Join`).
        let replay = Join::new(&self.journal, welcome.records, e, self.tail.as_ref());
        let (cursor, gone) = self.feed.subscribe();
        self.watchers.push(Watcher {
            id,
            user: user.to_string(),
            gone,
        });
        Admission {
            welcome,
            replay: Some(replay),
            live: Some(cursor),
        }
    }

    /// Appends a record to the one log every watcher reads: framed once, appended once,
    /// whether one watcher or twenty (`feed.rs`). A watcher that falls too far behind is
    /// cut off by its own connection, which says why (`ShareMsg::Left`).
    pub fn record(&mut self, line: &str) {
        if self.watchers.is_empty() {
            return;
        }
        if let Ok(bytes) = frame::record(line) {
            self.feed.record(bytes);
        }
    }

    /// A command starts: its output from here on is the tail a joining watcher is sent.
    pub fn command_started(&mut self, log: &str) {
        self.tail = Some(Tail::new(log));
    }

    /// Output is best effort: a watcher too far behind misses it (the log has it), and is
    /// told so; so is output the run's own screen could not keep up with, where it is
    /// missing.
    pub fn output(&mut self, chunk: &OutputChunk) {
        if let Some(skipped) = &chunk.skipped {
            let note = format!("{}\n", skipped.note());
            self.piece(chunk.step, None, note.as_bytes());
        }
        self.piece(chunk.step, Some(chunk), &chunk.bytes);
    }

    /// Kept for joiners and appended to the live log together, so the two meet exactly.
    fn piece(&mut self, step: usize, chunk: Option<&OutputChunk>, bytes: &[u8]) {
        if let Some(tail) = &mut self.tail {
            match chunk {
                Some(chunk) => tail.push(chunk),
                None => tail.push_note(step, &String::from_utf8_lossy(bytes)),
            }
        }
        if self.watchers.is_empty() {
            return;
        }
        let stderr = chunk.is_some_and(|c| c.stream == crate::exec::stream::Stream::Stderr);
        if let Ok(bytes) = output_frame(step, stderr, bytes) {
            self.feed.output(step, bytes);
        }
    }

    /// Tells every watcher the run is over and gives them a moment to read the rest: the
    /// process must not exit with their last records still unwritten.
    pub async fn end(&mut self, outcome: &str, exit: u8, head: &str) {
        let watchers: Vec<Watcher> = self.watchers.drain(..).collect();
        if watchers.is_empty() {
            return;
        }
        let end = ServerMsg::End {
            outcome: outcome.to_string(),
            exit,
            head: head.to_string(),
        };
        let Ok(bytes) = frame::encode(&end) else {
            return;
        };
        // Announced at once, not at the next frame: the run's end waits for its watchers.
        self.feed.end(bytes);
        let drained = async {
            for w in watchers {
                let _ = w.gone.await;
            }
        };
        let _ = tokio::time::timeout(std::time::Duration::from_secs(3), drained).await;
    }

    /// A connection went away; the watcher's name if it was watching.
    pub fn remove(&mut self, id: u64) -> Option<String> {
        let at = self.watchers.iter().position(|w| w.id == id)?;
        Some(self.watchers.remove(at).user)
    }

    pub fn watcher_count(&self) -> usize {
        self.watchers.len()
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.socket);
    }
}

#[cfg(test)]
impl Hub {
    /// A hub with no socket, for the driver's in-process tests: the test sends what a
    /// connection would, and reads what one watcher is sent (pacing it with `Feed::pace`).
    pub fn detached() -> (Hub, mpsc::UnboundedSender<ShareMsg>, super::feed::Cursor) {
        let (tx, rx) = mpsc::unbounded_channel();
        let feed = Feed::new();
        let (live, gone) = feed.subscribe();
        let hub = Hub {
            rx,
            watchers: vec![Watcher {
                id: 0,
                user: "watcher".into(),
                gone,
            }],
            feed,
            request: None,
            socket: PathBuf::new(),
            runbook_source: String::new(),
            started: String::new(),
            journal: PathBuf::new(),
            tail: None,
        };
        (hub, tx, live)
    }
}

#[cfg(test)]
#[path = "hub_tests.rs"]
mod tests;
