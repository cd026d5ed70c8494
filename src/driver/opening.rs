//! Opening a host's ControlMaster off the driver's loop (ARCHITECTURE.md, "Remote
//! commands"). `ssh` may take up to its connect timeout to answer, or hang on a host that
//! never does; meanwhile the loop goes on serving keys, watchers and signals. The open runs
//! as a child process waited for on a thread of its own, which hands the result back on a
//! channel; a stop (Ctrl-C, a timeout, the run ending) TERMs the child. The command the
//! engine started waits for it: as far as the engine knows, it is running.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::Pid;
use tokio::sync::mpsc::UnboundedSender;

use crate::engine::{RemoteTarget, Spawn};
use crate::remote::{Host, Opened, Transport};

use super::ports::Stoppable;

/// An open that ended: the command that waits for it, and how it went.
pub struct OpenDone {
    pub host: Host,
    pub spawn: Spawn,
    pub target: RemoteTarget,
    pub opened: std::io::Result<Opened>,
    /// Set when shisa stops it, up to when the driver reads this: a stop that comes after
    /// the open ended, before its end was handled, still keeps the command from starting.
    pub stopped: Arc<AtomicBool>,
    /// The command's own timeout ran out while the host was being opened.
    pub timed_out: bool,
    /// When it began, by the driver's clock: how long it took, for the result of a command
    /// it kept from running, is read on the same clock when its end is handled.
    pub began: DateTime<Utc>,
}

/// An open in flight, as the driver holds a running command: it can be stopped.
#[derive(Clone)]
pub struct Opening {
    pid: Pid,
    /// Set once the child is reaped; until then its pid cannot be anyone else's.
    reaped: Arc<Mutex<bool>>,
    stopped: Arc<AtomicBool>,
}

impl Opening {
    /// TERMs the open's process group unless it has ended; `why` is set when it is ended
    /// here.
    fn end(&self, why: &AtomicBool) {
        let reaped = self.reaped.lock().unwrap_or_else(|e| e.into_inner());
        if !*reaped {
            why.store(true, Ordering::SeqCst);
            let _ = killpg(self.pid, Signal::SIGTERM);
        }
    }
}

impl Stoppable for Opening {
    fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.end(&AtomicBool::new(false));
    }
}

/// Starts opening `host` for `spawn` at `began` (the driver's clock); its end arrives on
/// `done`.
pub fn start(
    transport: &Transport,
    host: Host,
    log: PathBuf,
    (spawn, target): (Spawn, RemoteTarget),
    (done, began): (UnboundedSender<OpenDone>, DateTime<Utc>),
) -> std::io::Result<Opening> {
    // A group of its own, as every command has: Ctrl-C at the terminal reaches shisa,
    // which decides, not the ssh (nor a ProxyCommand under it).
    let mut child = transport
        .open_command(&host, &log)
        .process_group(0)
        .spawn()?;
    let pid = Pid::from_raw(child.id() as i32);
    let reaped = Arc::new(Mutex::new(false));
    let stopped = Arc::new(AtomicBool::new(false));
    let opening = Opening {
        pid,
        reaped: reaped.clone(),
        stopped: stopped.clone(),
    };
    // The command's timeout counts from its start, the open included: a host that takes
    // the connection and then says nothing must not hold the step past it.
    let (over_tx, over_rx) = std::sync::mpsc::channel::<()>();
    let timed_out = Arc::new(AtomicBool::new(false));
    if let Some(limit) = spawn.timeout {
        let (o, flag) = (opening.clone(), timed_out.clone());
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = over_rx.recv_timeout(limit) {
                o.end(&flag);
            }
        });
    }
    std::thread::spawn(move || {
        let mut stderr = Vec::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = pipe.read_to_end(&mut stderr);
        }
        // Exited but not reaped: a stop meanwhile still signals this child, never a
        // process that took its pid.
        let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT;
        while let Err(nix::errno::Errno::EINTR) = waitid(Id::Pid(pid), flags) {}
        let status = {
            let mut r = reaped.lock().unwrap_or_else(|e| e.into_inner());
            *r = true;
            child.wait()
        };
        drop(over_tx);
        let opened = status.map(|s| Opened::judge(s.code(), &stderr, &log));
        let _ = done.send(OpenDone {
            host,
            spawn,
            target,
            opened,
            stopped,
            timed_out: timed_out.load(Ordering::SeqCst),
            began,
        });
    });
    Ok(opening)
}
