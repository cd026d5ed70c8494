//! The driver's side of the shared session: who is watching, what they are sent, and the
//! approval request an approval must answer. It lives in the driver's loop, so records reach
//! watchers in exactly the order they reach the journal.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{Notify, mpsc};

use super::frame;
use super::peer::Peer;
use super::protocol::{PROTOCOL, Pending, ServerMsg, Want, Welcome};
use super::server::{Admission, Config, Live, ShareMsg, spawn_listener};
use super::socket_dir;
use crate::engine::Engine;
use crate::exec::stream::{OutputChunk, Stream};
use crate::text_safety::sanitize;

/// Frames queued for one watcher before it counts as stuck and is dropped.
const WATCHER_QUEUE: usize = 2048;

struct Watcher {
    id: u64,
    user: String,
    tx: mpsc::Sender<Live>,
}

pub struct Hub {
    pub rx: mpsc::UnboundedReceiver<ShareMsg>,
    watchers: Vec<Watcher>,
    /// Raised when the run ends, so a connection waiting out its frame writes the end now.
    ended: Arc<Notify>,
    /// Hash of the `approval_requested` record now waiting, if any.
    pub request: Option<String>,
    pub socket: PathBuf,
    runbook_source: String,
    started: String,
    journal: PathBuf,
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
        spawn_listener(
            listener,
            Config {
                operator_uid,
                share_gid,
            },
            tx,
        )
        .map_err(|e| format!("cannot start the share server: {e}"))?;
        Ok(Hub {
            rx,
            watchers: Vec::new(),
            ended: Arc::new(Notify::new()),
            request: None,
            socket,
            runbook_source,
            started: String::new(),
            journal,
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

    /// Admits a connection: watchers get the journal so far, the output printed before
    /// they joined (`backlog`), and a live queue.
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
                replay: Vec::new(),
                live: None,
                ended: Arc::clone(&self.ended),
            };
        }
        // The driver is the only writer and is here now: the file holds exactly the
        // records so far, and every later one goes through `record`.
        let text = std::fs::read_to_string(&self.journal).unwrap_or_default();
        let run_dir = self.journal.parent().unwrap_or(std::path::Path::new("."));
        let replay = super::backlog::replay(&text, run_dir, e).unwrap_or_default();
        let (tx, rx) = mpsc::channel(WATCHER_QUEUE);
        self.watchers.push(Watcher {
            id,
            user: user.to_string(),
            tx,
        });
        Admission {
            welcome,
            replay,
            live: Some(rx),
            ended: Arc::clone(&self.ended),
        }
    }

    /// Sends a record to every watcher; returns those dropped for not keeping up. The frame
    /// is encoded once and its bytes shared: twenty watchers cost one encoding, not twenty.
    pub fn record(&mut self, line: &str) -> Vec<String> {
        let mut dropped = Vec::new();
        if self.watchers.is_empty() {
            return dropped;
        }
        let Ok(bytes) = frame::record(line) else {
            return dropped;
        };
        self.watchers
            .retain(|w| match w.tx.try_send(Live::Frame(bytes.clone())) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    dropped.push(w.user.clone());
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            });
        dropped
    }

    /// Output is best effort: a watcher with a full queue misses it (the log has it).
    pub fn output(&mut self, chunk: &OutputChunk) {
        if self.watchers.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&chunk.bytes);
        let lines: Vec<String> = text
            .split('\n')
            .map(|l| sanitize(l.as_bytes(), true))
            .collect();
        let Ok(bytes) = frame::encode(&ServerMsg::Output {
            step: chunk.step,
            stderr: chunk.stream == Stream::Stderr,
            text: lines.join("\n"),
        }) else {
            return;
        };
        for w in &self.watchers {
            if w.tx.capacity() > WATCHER_QUEUE / 2 {
                let _ = w.tx.try_send(Live::Frame(bytes.clone()));
            }
        }
    }

    /// Tells every watcher the run is over and gives them a moment to read the rest: the
    /// process must not exit with their last records still queued.
    pub async fn end(&mut self, outcome: &str, exit: u8, head: &str) {
        let watchers: Vec<Watcher> = self.watchers.drain(..).collect();
        let end = ServerMsg::End {
            outcome: outcome.to_string(),
            exit,
            head: head.to_string(),
        };
        let Ok(bytes) = frame::encode(&end) else {
            return;
        };
        for w in &watchers {
            let _ = w.tx.try_send(Live::End(bytes.clone()));
        }
        // A connection that is waiting out its frame goes now: the run's end waits for it.
        self.ended.notify_waiters();
        let drained = async {
            for w in &watchers {
                w.tx.closed().await;
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
    /// connection would, and reads what one watcher is sent.
    pub fn detached() -> (Hub, mpsc::UnboundedSender<ShareMsg>, mpsc::Receiver<Live>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let (watcher, live) = mpsc::channel(WATCHER_QUEUE);
        let hub = Hub {
            rx,
            watchers: vec![Watcher {
                id: 0,
                user: "watcher".into(),
                tx: watcher,
            }],
            ended: Arc::new(Notify::new()),
            request: None,
            socket: PathBuf::new(),
            runbook_source: String::new(),
            started: String::new(),
            journal: PathBuf::new(),
        };
        (hub, tx, live)
    }
}
