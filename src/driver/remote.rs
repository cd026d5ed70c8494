//! The driver's side of remote commands (ARCHITECTURE.md, "Remote commands"): the engine
//! says where a command runs (`Engine::remote_target`); this opens the host's
//! ControlMaster before the first command there, starts ssh with the request on its stdin,
//! and, when it ends, reads ssh's own log to tell the remote command's exit from ssh's
//! failure (`remote::classify`). It decides nothing the journal does not say: a failure
//! goes back to the engine in the result, which journals it and puts it to the operator.
//!
//! Opening a host does not block the loop (`opening.rs`): the first command on a host
//! waits for its connection while keys, watchers and signals are served, and a stop
//! during the open ends it (nothing ran there).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::engine::messages::remote_failure;
use crate::engine::{CommandResult, LogKind, RemoteFailure, RemoteTarget, Spawn, log_path};
use crate::hash::sha256_hex;
use crate::remote::{ControlDir, Failure, Host, SshOutcome, Transport, classify};

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::UnboundedSender;

use super::opening::{self, OpenDone};
use super::ports::{Launcher, Stoppable};

/// The environment variable naming an ssh configuration file to read instead of
/// `~/.ssh/config` (`ssh -F`). OpenSSH finds `~` from the password database, not `$HOME`.
pub const SSH_CONFIG_ENV: &str = "SHISA_SSH_CONFIG";

/// A run's ssh connections.
pub struct Remote {
    transport: Transport,
    run_dir: PathBuf,
    /// Hosts whose master is open and checked.
    opened: HashSet<Host>,
    /// The remote command in flight: its ssh log and host, read when it ends.
    running: Option<(PathBuf, Host)>,
}

/// What starting a command came to.
pub enum Started {
    Running(Option<Box<dyn Stoppable>>),
    /// Nothing ran: the result to feed back (the host could not be reached or used).
    Refused(Box<CommandResult>),
    /// The host's master is being opened; the command starts when it is (`opened`).
    Opening(Box<dyn Stoppable>),
}

impl Remote {
    pub fn new(transport: Transport, run_dir: PathBuf) -> Remote {
        Remote {
            transport,
            run_dir,
            opened: HashSet::new(),
            running: None,
        }
    }

    /// The run's connections: its control directory under `socket_base`, ssh from PATH,
    /// the user's configuration (or `$SHISA_SSH_CONFIG`).
    pub fn for_run(socket_base: &Path, run_id: &str, run_dir: PathBuf) -> std::io::Result<Remote> {
        crate::share::socket_dir::ensure(socket_base).map_err(std::io::Error::other)?;
        let mut t = Transport::new(ControlDir::create(socket_base, run_id)?);
        if let Some(cfg) = std::env::var_os(SSH_CONFIG_ENV).filter(|v| !v.is_empty()) {
            t = t.with_config(PathBuf::from(cfg));
        }
        Ok(Remote::new(t, run_dir))
    }

    /// Closes every master of the run: before anything runs (a resume does not reuse a
    /// connection from before a crash) and at the end.
    pub fn close_all(&mut self) {
        self.opened.clear();
        self.transport.close_all();
    }

    /// Starts `spawn` on `target`, or, when this run has not opened the host yet, starts
    /// opening it at `now` (the driver's clock): the open's end comes back on `done`, for
    /// [`opened`](Self::opened).
    pub fn start(
        &mut self,
        runner: &mut dyn Launcher,
        spawn: &Spawn,
        target: &RemoteTarget,
        (done, now): (&UnboundedSender<OpenDone>, DateTime<Utc>),
    ) -> std::io::Result<Started> {
        let host = match Host::new(&target.destination, target.user.as_deref(), target.sudo) {
            Ok(h) => h,
            Err(e) => {
                let error = e.to_string();
                return self.refused(spawn, RemoteFailure::BadDestination { error });
            }
        };
        if self.opened.contains(&host) {
            return self.launch(runner, spawn, target, host);
        }
        let log = self.run_dir.join(ssh_log(spawn, target, LogKind::SshOpen));
        if let Some(parent) = log.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let waiting = (spawn.clone(), target.clone());
        let opening = opening::start(&self.transport, host, log, waiting, (done.clone(), now))?;
        Ok(Started::Opening(Box::new(opening)))
    }

    /// An open ended, its end handled at `now` (the driver's clock): the command that
    /// waited for it starts, or is refused with the reason (a stop during the open among
    /// them: nothing ran on the host).
    pub fn opened(
        &mut self,
        runner: &mut dyn Launcher,
        done: OpenDone,
        now: DateTime<Utc>,
    ) -> std::io::Result<Started> {
        let OpenDone {
            host,
            spawn,
            target,
            opened,
            stopped,
            timed_out,
            began,
        } = done;
        let took = (now - began).to_std().unwrap_or_default();
        let refused = |r: &Self, why: RemoteFailure| {
            let mut started = r.refused(&spawn, why)?;
            if let Started::Refused(result) = &mut started {
                result.duration_ms = took.as_millis() as u64;
            }
            Ok(started)
        };
        if stopped.load(std::sync::atomic::Ordering::SeqCst) {
            let host = host.destination().to_string();
            return refused(self, RemoteFailure::StoppedConnecting { host });
        }
        if timed_out {
            let why = RemoteFailure::ConnectTimedOut {
                host: host.destination().to_string(),
                limit_s: spawn.timeout.unwrap_or(took).as_secs(),
            };
            return refused(self, why);
        }
        let opened = opened?;
        if let Some(problem) = opened.not_ready() {
            return refused(self, RemoteFailure::NotReady(problem));
        }
        self.opened.insert(host.clone());
        self.launch(runner, &spawn, &target, host)
    }

    /// Starts `spawn` over `host`'s open master.
    fn launch(
        &mut self,
        runner: &mut dyn Launcher,
        spawn: &Spawn,
        target: &RemoteTarget,
        host: Host,
    ) -> std::io::Result<Started> {
        let log = self.run_dir.join(ssh_log(spawn, target, LogKind::Ssh));
        let rs = match self.transport.remote_spawn(&host, spawn, log) {
            Ok(rs) => rs,
            Err(e) => {
                let error = e.to_string();
                return self.refused(spawn, RemoteFailure::BadRequest { error });
            }
        };
        let running = runner.start_fed(&rs.spawn, rs.stdin)?;
        self.running = Some((rs.ssh_log, host));
        Ok(Started::Running(running))
    }

    /// A remote command ended: whether ssh itself failed, and how, goes into the result.
    pub fn finished(&mut self, result: &mut CommandResult) {
        let Some((log, host)) = self.running.take() else {
            return;
        };
        if result.spawn_error.is_some() {
            return;
        }
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        match classify(result.exit, &text) {
            SshOutcome::Exited(_) => {}
            // shisa's own stop or timeout: the result says so already.
            SshOutcome::Failed(Failure::Interrupted) => {}
            SshOutcome::Failed(f) => {
                // The master may be gone with the connection: open it again next time.
                self.opened.remove(&host);
                result.remote = Some(RemoteFailure::Ssh(f));
            }
        }
    }

    /// Nothing ran: the reason goes to the command's output log (the evidence the journal
    /// points at) and back to the engine as the result.
    fn refused(&self, spawn: &Spawn, why: RemoteFailure) -> std::io::Result<Started> {
        refused(&self.run_dir, spawn, why).map(|r| Started::Refused(Box::new(r)))
    }
}

/// The result of a command that could not start on its host.
fn refused(run_dir: &Path, spawn: &Spawn, why: RemoteFailure) -> std::io::Result<CommandResult> {
    let path = run_dir.join(&spawn.log);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let text = format!("shisa: nothing ran: {}\n", remote_failure(&why));
    std::fs::File::options()
        .write(true)
        .create_new(true)
        .open(&path)?
        .write_all(text.as_bytes())?;
    Ok(CommandResult {
        step: spawn.step,
        purpose: Some(spawn.purpose),
        attempt: spawn.attempt,
        bytes: text.len() as u64,
        sha256: sha256_hex(text.as_bytes()),
        remote: Some(why),
        ..Default::default()
    })
}

/// Where ssh's own log of a command (or of opening its host) goes: beside its output log.
fn ssh_log(spawn: &Spawn, target: &RemoteTarget, kind: LogKind) -> String {
    log_path(
        &spawn.step_id,
        spawn.purpose,
        spawn.attempt,
        Some(&target.destination),
        kind,
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    use super::*;
    use crate::engine::Program;
    use crate::journal::record::Purpose;

    struct NothingStarts;

    impl Launcher for NothingStarts {
        fn start(&mut self, spawn: &Spawn) -> std::io::Result<Option<Box<dyn Stoppable>>> {
            panic!("nothing may start after a stopped open: {}", spawn.step_id)
        }
    }

    /// A command kept from running by a stop while its host was opened: the time its
    /// result says it took is read on the driver's clock (here moved 7 s by hand), from
    /// the open's start to the handling of its end.
    #[test]
    fn a_stopped_open_took_what_the_drivers_clock_says() {
        let dir = tempfile::tempdir().unwrap();
        let control = ControlDir::create(dir.path(), "20231205T081500Z-3f9a").unwrap();
        let mut remote = Remote::new(Transport::new(control), dir.path().to_path_buf());
        let began = chrono::DateTime::parse_from_rfc3339("2023-12-05T08:15:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let spawn = Spawn {
            step: 0,
            step_id: "push".into(),
            purpose: Purpose::Main,
            attempt: 1,
            program: Program::Script("true".into()),
            env: Vec::new(),
            timeout: None,
            log: "output/push.main.1.log".into(),
            redact: Vec::new(),
            withhold_stdout: Vec::new(),
        };
        let done = OpenDone {
            host: Host::new("db-1", None, false).unwrap(),
            spawn,
            target: RemoteTarget {
                alias: "db".into(),
                destination: "db-1".into(),
                user: None,
                sudo: false,
            },
            opened: Err(std::io::Error::other("stopped")),
            stopped: Arc::new(AtomicBool::new(true)),
            timed_out: false,
            began,
        };
        let now = began + chrono::Duration::seconds(7);
        let Ok(Started::Refused(result)) = remote.opened(&mut NothingStarts, done, now) else {
            panic!("a stopped open refuses its command")
        };
        assert_eq!(result.duration_ms, 7_000);
        assert!(matches!(
            result.remote,
            Some(RemoteFailure::StoppedConnecting { .. })
        ));
    }
}
