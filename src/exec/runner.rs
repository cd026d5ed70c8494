//! Runs one command: `run:` through `bash -euo pipefail -c`, `argv:` with no shell, each in
//! its own process group. Output streams to the log (scrubbed of secrets, hashed as it goes)
//! and, best effort, to the screen; a timeout or a stop signals the whole group with TERM,
//! then KILL after five seconds, and the result is reported only once the group is gone.
//!
//! One thread per command does all of it (`watch.rs`): it sleeps in poll(2) on the two
//! pipes, a pidfd for the command and an eventfd for a stop, so nothing polls on a timer.
//! The threads are kept for later commands (`pool.rs`).

use std::fs::File;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::mpsc;

use super::output::Output;
use super::pool::Pool;
use super::spare::Spares;
use super::stream::OutputChunk;
use super::wake::Wake;
use super::watch::Watch;
use crate::engine::update::command_id;
use crate::engine::{CommandResult, Program, Spawn};

/// How many output chunks may wait for the screen; beyond it each stream's newest output
/// waits in the runner and older is skipped, said where (`output.rs`); the log keeps all.
const SCREEN_BACKLOG: usize = 256;

/// Where commands run and what every one of them gets.
pub struct Runner {
    run_dir: PathBuf,
    /// SHISA_RUN_DIR, PATH with the runbook's directories, …
    base_env: Vec<(String, String)>,
    redactions: Vec<(String, String)>,
    done_tx: mpsc::UnboundedSender<CommandResult>,
    output_tx: mpsc::Sender<OutputChunk>,
    /// The threads that watch commands, reused from one command to the next.
    threads: Pool,
    /// The process-group notes (`note_group`), open for the whole run.
    groups: Mutex<Option<File>>,
    /// The next log's inode, made while the command before it runs (`spare.rs`).
    spares: Arc<Spares>,
}

/// The runner's other end, for the driver: results, and screen output (a piece after a
/// gap says so, `OutputChunk::skipped`).
pub struct RunnerRx {
    pub done: mpsc::UnboundedReceiver<CommandResult>,
    pub output: mpsc::Receiver<OutputChunk>,
}

/// A command in flight.
pub struct Running {
    pub step: usize,
    pub pgid: i32,
    pub started: Instant,
    wake: Arc<Wake>,
}

impl Running {
    /// Stops the command's whole process group (TERM, then KILL).
    pub fn stop(&self) {
        self.wake.raise(&self.wake.stop);
    }
}

impl Runner {
    /// A runner for one run, and the receiving end of its channels.
    pub fn new(
        run_dir: PathBuf,
        base_env: Vec<(String, String)>,
        redactions: Vec<(String, String)>,
    ) -> (Runner, RunnerRx) {
        let (done_tx, done) = mpsc::unbounded_channel();
        let (output_tx, output) = mpsc::channel(SCREEN_BACKLOG);
        let runner = Runner {
            spares: Arc::new(Spares::new(run_dir.join("output"))),
            run_dir,
            base_env,
            redactions,
            done_tx,
            output_tx,
            threads: Pool::new(),
            groups: Mutex::new(None),
        };
        let rx = RunnerRx { done, output };
        (runner, rx)
    }

    /// Starts the command. A command that cannot start still reports a result (with
    /// `spawn_error`) and still gets a log saying why.
    pub fn start(&self, spawn: &Spawn) -> std::io::Result<Option<Running>> {
        self.start_with(spawn, None)
    }

    /// Starts the command with `stdin` written to its standard input, which then stays open
    /// until the command has exited and is closed first when it is stopped. A remote command
    /// (`crate::remote`) gets its request this way, and takes end of file as "stop".
    pub fn start_fed(&self, spawn: &Spawn, stdin: Vec<u8>) -> std::io::Result<Option<Running>> {
        self.start_with(spawn, Some(stdin))
    }

    fn start_with(
        &self,
        spawn: &Spawn,
        stdin: Option<Vec<u8>>,
    ) -> std::io::Result<Option<Running>> {
        let log_path = self.run_dir.join(&spawn.log);
        let create = || File::options().write(true).create_new(true).open(&log_path);
        // The log's directory is made when the first log needs it, not looked for each time.
        let file = match self.spares.take(&log_path) {
            Some(named) => named?,
            None => match create() {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if let Some(parent) = log_path.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    create()?
                }
                other => other?,
            },
        };
        // The run's secrets, and whatever this command's values add (never fewer).
        let mut redactions = self.redactions.clone();
        redactions.extend(spawn.redact.iter().cloned());
        let mut output = Output::new(
            file,
            spawn.step,
            &redactions,
            self.output_tx.clone(),
            &log_path,
            &spawn.withhold_stdout,
        );
        let wake = Arc::new(Wake::new()?);
        let started = Instant::now();
        let mut cmd = self.command(spawn);
        if stdin.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                output.note(format!("shisa: could not start the command: {e}\n").as_bytes());
                let result = output.finish().map(|o| CommandResult {
                    step: spawn.step,
                    purpose: Some(spawn.purpose),
                    attempt: spawn.attempt,
                    duration_ms: started.elapsed().as_millis() as u64,
                    bytes: o.bytes,
                    sha256: o.sha256,
                    spawn_error: Some(e.to_string()),
                    ..Default::default()
                })?;
                let _ = self.done_tx.send(result);
                return Ok(None);
            }
        };
        let pgid = child.id() as i32;
        self.note_group(spawn, pgid);
        // The next command's log, made now on another thread while this one starts.
        let spares = Arc::clone(&self.spares);
        let _ = self.threads.run(move || spares.prepare());
        let held = match (stdin, child.stdin.take()) {
            (Some(bytes), Some(pipe)) => Some(feed(pipe, bytes)?),
            _ => None,
        };
        let watch = Watch::new(child, spawn, started, wake.clone()).holding(held);
        let done = self.done_tx.clone();
        self.threads.run(move || {
            let _ = done.send(watch.run(output));
        })?;
        Ok(Some(Running {
            step: spawn.step,
            pgid,
            started,
            wake,
        }))
    }

    fn command(&self, spawn: &Spawn) -> Command {
        let mut cmd = match &spawn.program {
            Program::Script(script) => {
                let mut c = Command::new(bash());
                c.args(["-euo", "pipefail", "-c", script.as_str()]);
                c
            }
            Program::Argv(argv) => {
                let mut c = Command::new(&argv[0]);
                c.args(&argv[1..]);
                c
            }
        };
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // shisa's own variables last, so nothing from the runbook can stand in for them.
        for (k, v) in spawn.env.iter().chain(&self.base_env) {
            cmd.env(k, v);
        }
        // Its own process group: the terminal's Ctrl-C reaches shisa, not the command, and
        // a timeout can stop everything the command started.
        cmd.process_group(0);
        cmd
    }

    /// Notes the command's process group beside the journal, so that `resume` can find what
    /// it left running even where the environment was cleared (`env -i`, sudo). The journal
    /// itself is written before the spawn, when there is no group yet; this note needs no
    /// fsync, since it matters only while its processes live, and none outlive a power cut.
    fn note_group(&self, spawn: &Spawn, pgid: i32) {
        let Some(stat) = super::procs::Stat::of(pgid) else {
            return;
        };
        let command = command_id(&spawn.step_id, spawn.purpose, spawn.attempt);
        let line = format!("{pgid} {} {command}\n", stat.start);
        let Ok(mut groups) = self.groups.lock() else {
            return;
        };
        if groups.is_none() {
            *groups = File::options()
                .append(true)
                .create(true)
                .open(self.run_dir.join(super::survivors::GROUPS))
                .ok();
        }
        if let Some(f) = groups.as_mut() {
            // One write of a whole line to an append-only file: a crash never splits one.
            let _ = f.write_all(line.as_bytes());
        }
    }
}

/// Writes `bytes` to the command's stdin from a thread of its own (the command may read
/// slowly, or die first: then the write fails and that is all), and returns the pipe for
/// the command's thread to hold open.
fn feed(pipe: std::process::ChildStdin, bytes: Vec<u8>) -> std::io::Result<OwnedFd> {
    let pipe = OwnedFd::from(pipe);
    let mut writer = File::from(pipe.try_clone()?);
    std::thread::Builder::new()
        .name("command stdin".into())
        .spawn(move || {
            let _ = writer.write_all(&bytes);
        })?;
    Ok(pipe)
}

/// bash, found once: a PATH search per command costs a failed execve per PATH entry.
fn bash() -> &'static std::path::Path {
    static BASH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BASH.get_or_init(|| {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .map(|d| d.join("bash"))
            .find(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("bash"))
    })
}
