//! Runs one command: `run:` through `bash -euo pipefail -c`, `argv:` with no shell, each in
//! its own process group. Output streams to the log (scrubbed of secrets, hashed as it goes)
//! and, best effort, to the screen; a timeout or a stop signals the whole group with TERM,
//! then KILL after five seconds. Threads do the blocking work; results arrive on channels.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::redact::Redactor;
use crate::engine::{CommandResult, Program, Spawn};
use crate::hash::Hasher;

/// How much of stdout is kept in memory for expectations and captures.
pub const STDOUT_KEEP: usize = 1 << 20;
/// After TERM, how long a command's group has before KILL.
pub const KILL_AFTER: Duration = Duration::from_secs(5);
/// After the command exits, how long its leftover children may keep the pipes open.
const STRAGGLERS: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// A piece of output for the screen (already scrubbed of secrets, not yet made printable).
#[derive(Debug, Clone)]
pub struct OutputChunk {
    pub step: usize,
    pub stream: Stream,
    pub bytes: Vec<u8>,
}

/// Where commands run and what every one of them gets.
#[derive(Clone)]
pub struct Runner {
    pub run_dir: PathBuf,
    /// SHISA_RUN_DIR, PATH with the runbook's directories, …
    pub base_env: Vec<(String, String)>,
    pub redactions: Vec<(String, String)>,
    pub done_tx: mpsc::UnboundedSender<CommandResult>,
    pub output_tx: mpsc::Sender<OutputChunk>,
    /// Output bytes the screen could not keep up with (they are all in the log).
    pub dropped: Arc<AtomicU64>,
}

/// A command in flight.
pub struct Running {
    pub step: usize,
    pub pgid: i32,
    pub started: Instant,
    exited: Arc<AtomicBool>,
}

impl Running {
    /// Stops the command's whole process group (TERM, then KILL).
    pub fn stop(&self) {
        escalate(self.pgid, self.exited.clone());
    }
}

struct Sink {
    file: BufWriter<File>,
    hasher: Hasher,
    bytes: u64,
    stdout: Vec<u8>,
    stdout_truncated: bool,
    error: Option<std::io::Error>,
}

impl Sink {
    fn write(&mut self, bytes: &[u8]) {
        if self.error.is_some() || bytes.is_empty() {
            return;
        }
        match self.file.write_all(bytes) {
            Ok(()) => {
                self.hasher.update(bytes);
                self.bytes += bytes.len() as u64;
            }
            Err(e) => self.error = Some(e),
        }
    }
}

impl Runner {
    /// A runner for one run. Its channels are placeholders until the driver takes it.
    pub fn new(
        run_dir: PathBuf,
        base_env: Vec<(String, String)>,
        redactions: Vec<(String, String)>,
    ) -> Runner {
        Runner {
            run_dir,
            base_env,
            redactions,
            done_tx: mpsc::unbounded_channel().0,
            output_tx: mpsc::channel(1).0,
            dropped: Default::default(),
        }
    }

    /// Starts the command. A command that cannot start still reports a result (with
    /// `spawn_error`) and still gets a log saying why.
    pub fn start(&self, spawn: &Spawn) -> std::io::Result<Option<Running>> {
        let log_path = self.run_dir.join(&spawn.log);
        if let Some(parent) = log_path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&log_path)?;
        let sink = Arc::new(Mutex::new(Sink {
            file: BufWriter::with_capacity(1 << 16, file),
            hasher: Hasher::default(),
            bytes: 0,
            stdout: Vec::new(),
            stdout_truncated: false,
            error: None,
        }));
        let started = Instant::now();
        let (out_r, out_w) = os_pipe::pipe()?;
        let (err_r, err_w) = os_pipe::pipe()?;
        let expr = self.expression(spawn).stdout_file(out_w).stderr_file(err_w);
        let handle = expr.start();
        // The expression holds our copies of the pipes' write ends: drop it, or the readers
        // never see end of file.
        drop(expr);
        let handle = match handle {
            Ok(h) => h,
            Err(e) => {
                let message = format!("shisa: could not start the command: {e}\n");
                let mut s = lock(&sink);
                s.write(message.as_bytes());
                drop(s);
                let result = finish(
                    &sink,
                    spawn,
                    started,
                    None,
                    None,
                    false,
                    Some(e.to_string()),
                )?;
                let _ = self.done_tx.send(result);
                return Ok(None);
            }
        };
        let pgid = handle.pids().first().map_or(0, |&p| p as i32);
        let timed_out = Arc::new(AtomicBool::new(false));
        let exited = Arc::new(AtomicBool::new(false));
        // A thread watches the clock only for commands that have a timeout.
        let (exit_tx, exit_rx) = std_mpsc::channel::<()>();
        if let Some(limit) = spawn.timeout {
            let (timed_out, exited) = (timed_out.clone(), exited.clone());
            thread::spawn(move || {
                if let Err(std_mpsc::RecvTimeoutError::Timeout) = exit_rx.recv_timeout(limit) {
                    timed_out.store(true, Ordering::SeqCst);
                    escalate(pgid, exited);
                }
            });
        }

        let (eof_tx, eof_rx) = std_mpsc::channel::<()>();
        let readers = [(out_r, Stream::Stdout), (err_r, Stream::Stderr)].map(|(pipe, stream)| {
            let sink = sink.clone();
            let tx = self.output_tx.clone();
            let dropped = self.dropped.clone();
            let redactions = self.redactions.clone();
            let step = spawn.step;
            let eof = eof_tx.clone();
            thread::spawn(move || {
                pump(pipe, stream, step, &redactions, &sink, &tx, &dropped);
                let _ = eof.send(());
            })
        });
        drop(eof_tx);

        let tx = self.done_tx.clone();
        let step = spawn.step;
        let spawn = spawn.clone();
        let exited_flag = exited.clone();
        thread::spawn(move || {
            let status = handle.wait().map(|o| o.status);
            exited_flag.store(true, Ordering::SeqCst);
            let _ = exit_tx.send(());
            // Children left in the group may hold the pipes open: give them a moment, then
            // end them, so the run never hangs on a forgotten `sleep &`.
            let deadline = Instant::now() + STRAGGLERS;
            let mut open = readers.len();
            while open > 0
                && eof_rx
                    .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                    .is_ok()
            {
                open -= 1;
            }
            if open > 0 {
                signal_group(pgid, libc::SIGKILL);
            }
            for r in readers {
                let _ = r.join();
            }
            let (exit, signal, error) = match status {
                Ok(s) => (s.code(), s.signal(), None),
                Err(e) => (
                    None,
                    None,
                    Some(format!("waiting for the command failed: {e}")),
                ),
            };
            let result = finish(
                &sink,
                &spawn,
                started,
                exit,
                signal,
                timed_out.load(Ordering::SeqCst),
                error,
            );
            let result = result.unwrap_or_else(|e| CommandResult {
                step: spawn.step,
                purpose: Some(spawn.purpose),
                attempt: spawn.attempt,
                log_error: Some(e.to_string()),
                ..Default::default()
            });
            let _ = tx.send(result);
        });
        Ok(Some(Running {
            step,
            pgid,
            started,
            exited,
        }))
    }

    fn expression(&self, spawn: &Spawn) -> duct::Expression {
        let expr = match &spawn.program {
            Program::Script(script) => {
                duct::cmd(bash(), ["-euo", "pipefail", "-c", script.as_str()])
            }
            Program::Argv(argv) => duct::cmd(&argv[0], &argv[1..]),
        };
        let mut expr = expr.stdin_null().unchecked();
        // shisa's own variables last, so nothing from the runbook can stand in for them.
        for (k, v) in spawn.env.iter().chain(&self.base_env) {
            expr = expr.env(k, v);
        }
        // Its own process group: the terminal's Ctrl-C reaches shisa, not the command, and
        // a timeout can stop everything the command started.
        expr.before_spawn(|cmd| {
            cmd.process_group(0);
            Ok(())
        })
    }
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

fn lock(sink: &Mutex<Sink>) -> std::sync::MutexGuard<'_, Sink> {
    sink.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn pump(
    mut pipe: os_pipe::PipeReader,
    stream: Stream,
    step: usize,
    redactions: &[(String, String)],
    sink: &Mutex<Sink>,
    tx: &mpsc::Sender<OutputChunk>,
    dropped: &AtomicU64,
) {
    let mut redactor = Redactor::new(redactions);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match pipe.read(&mut buf) {
            Ok(0) | Err(_) => 0,
            Ok(n) => n,
        };
        let clean = if n == 0 {
            redactor.finish()
        } else {
            redactor.push(&buf[..n])
        };
        if !clean.is_empty() {
            let mut s = lock(sink);
            s.write(&clean);
            if stream == Stream::Stdout {
                let room = STDOUT_KEEP.saturating_sub(s.stdout.len());
                // Expectations see what was printed, secrets included; only the engine
                // reads this copy, and it masks whatever it journals.
                let raw = &buf[..n];
                s.stdout.extend_from_slice(&raw[..room.min(raw.len())]);
                s.stdout_truncated |= raw.len() > room;
            }
            drop(s);
            let len = clean.len() as u64;
            // The screen is best effort; the log has everything.
            if tx
                .try_send(OutputChunk {
                    step,
                    stream,
                    bytes: clean,
                })
                .is_err()
            {
                dropped.fetch_add(len, Ordering::Relaxed);
            }
        }
        if n == 0 {
            return;
        }
    }
}

fn finish(
    sink: &Mutex<Sink>,
    spawn: &Spawn,
    started: Instant,
    exit: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
    spawn_error: Option<String>,
) -> std::io::Result<CommandResult> {
    let mut s = lock(sink);
    if let Some(e) = s.error.take() {
        return Err(e);
    }
    s.file.flush()?;
    // The journal will name this log's hash: make the log durable first. An empty log has
    // no data to lose, and most checks print nothing.
    if s.bytes > 0 {
        s.file.get_ref().sync_data()?;
    }
    let hasher = std::mem::take(&mut s.hasher);
    Ok(CommandResult {
        step: spawn.step,
        purpose: Some(spawn.purpose),
        attempt: spawn.attempt,
        exit,
        signal,
        timed_out,
        duration_ms: started.elapsed().as_millis() as u64,
        bytes: s.bytes,
        sha256: hasher.finish(),
        stdout: String::from_utf8_lossy(&s.stdout).into_owned(),
        stdout_truncated: s.stdout_truncated,
        spawn_error,
        log_error: None,
        background: Default::default(),
    })
}

/// TERM to the whole group now, KILL in five seconds if the command has not exited.
fn escalate(pgid: i32, exited: Arc<AtomicBool>) {
    signal_group(pgid, libc::SIGTERM);
    thread::spawn(move || {
        let deadline = Instant::now() + KILL_AFTER;
        while Instant::now() < deadline {
            if exited.load(Ordering::SeqCst) {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        signal_group(pgid, libc::SIGKILL);
    });
}

fn signal_group(pgid: i32, sig: libc::c_int) {
    if pgid > 1 {
        // SAFETY: killpg has no memory effects; a group that is gone answers ESRCH.
        unsafe {
            libc::killpg(pgid, sig);
        }
    }
}
