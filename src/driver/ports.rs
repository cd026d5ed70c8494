//! What the driver needs from the outside world, as traits: the journal it writes, the
//! runner it starts commands with, the clock it reads and the signals that reach the
//! process. The real ones are the journal writer, the runner, the system clock and the OS;
//! tests plug in fakes, so the ordering rules (a record is durable before the effect it
//! announces) and the rules that hang on the time (the change window) are checked
//! in-process (ARCHITECTURE.md, "The engine decides; the driver performs").

use chrono::{DateTime, Utc};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::engine::Spawn;
use crate::exec::runner::{Runner, Running};
use crate::journal::record::Entry;
use crate::journal::writer::{Writer, Written};

/// Where records go: appended in order, durable when the call returns.
pub trait JournalSink {
    /// Appends one decision's records with one flush to disk.
    fn append_all(
        &mut self,
        entries: &[Entry],
        now: DateTime<Utc>,
    ) -> std::io::Result<Vec<Written>>;
    /// The chain head: the SHA-256 of the last line.
    fn head(&self) -> &str;
    /// How many records the journal holds.
    fn records(&self) -> u64;
}

impl JournalSink for Writer {
    fn append_all(
        &mut self,
        entries: &[Entry],
        now: DateTime<Utc>,
    ) -> std::io::Result<Vec<Written>> {
        Writer::append_all(self, entries, now)
    }

    fn head(&self) -> &str {
        Writer::head(self)
    }

    fn records(&self) -> u64 {
        Writer::records(self)
    }
}

/// The clock port: where the driver (and the TUI it draws for) reads the time.
pub use crate::clock::Clock;

/// A command in flight, as far as the driver is concerned: it can be stopped.
pub trait Stoppable {
    /// TERM to the command's process group now, KILL after the grace period.
    fn stop(&self);
}

impl Stoppable for Running {
    fn stop(&self) {
        Running::stop(self)
    }
}

/// Starts commands. Results and output come back on the channels the launcher was built
/// with (`RunnerRx`).
pub trait Launcher {
    /// None when the command could not start (its result is reported all the same).
    fn start(&mut self, spawn: &Spawn) -> std::io::Result<Option<Box<dyn Stoppable>>>;

    /// Starts it with `stdin` on its standard input, held open until it exits and closed
    /// first on a stop (a remote command: see `driver::remote`).
    fn start_fed(
        &mut self,
        spawn: &Spawn,
        stdin: Vec<u8>,
    ) -> std::io::Result<Option<Box<dyn Stoppable>>> {
        let _ = (spawn, stdin);
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "this launcher cannot run remote commands",
        ))
    }
}

impl Launcher for Runner {
    fn start(&mut self, spawn: &Spawn) -> std::io::Result<Option<Box<dyn Stoppable>>> {
        Ok(Runner::start(self, spawn)?.map(|r| Box::new(r) as Box<dyn Stoppable>))
    }

    fn start_fed(
        &mut self,
        spawn: &Spawn,
        stdin: Vec<u8>,
    ) -> std::io::Result<Option<Box<dyn Stoppable>>> {
        Ok(Runner::start_fed(self, spawn, stdin)?.map(|r| Box::new(r) as Box<dyn Stoppable>))
    }
}

/// A signal that reached shisa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Ctrl-C in line mode (the TUI reads it as a key).
    Interrupt,
    Terminate,
    /// The terminal went away.
    Hangup,
}

/// The process's own SIGINT, SIGTERM and SIGHUP as a stream of [`Signal`]s. A signal that
/// cannot be caught is simply never delivered here.
pub fn os_signals() -> mpsc::UnboundedReceiver<Signal> {
    let (tx, rx) = mpsc::unbounded_channel();
    for (kind, sig) in [
        (SignalKind::interrupt(), Signal::Interrupt),
        (SignalKind::terminate(), Signal::Terminate),
        (SignalKind::hangup(), Signal::Hangup),
    ] {
        let Ok(mut stream) = signal(kind) else {
            continue;
        };
        let tx = tx.clone();
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if tx.send(sig).is_err() {
                    return;
                }
            }
        });
    }
    rx
}
