//! What `run` and `resume` share: the run directory and its lock, the environment every
//! command gets, choosing the front end, driving the run, and the last words.

use std::fs::{self, File};
use std::io::{BufRead, IsTerminal};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};
use tokio::sync::mpsc;

use crate::clock::SystemClock;
use crate::driver::{Driver, Ended};
use crate::engine::{Engine, Event};
use crate::exec::runner::{Runner, RunnerRx};
use crate::exit::{Error, Exit, Result};
use crate::frontend::Input;
use crate::frontend::headless::Headless;
use crate::journal::reader;
use crate::journal::writer::Writer;
use crate::runbook::Runbook;
use crate::share::hub::Hub;
use crate::term::stdout_color;
use crate::tui;

/// Holds the run directory's lock for as long as it lives.
pub struct RunLock(#[allow(dead_code)] Flock<File>);

/// Locks a run directory so that two processes never drive one run.
/// The run directory an existing run is continued in (`resume`, `rollback`): named by id
/// or path, never through a symlink, canonical, and locked against a second process.
pub fn open_run(given: &Path) -> Result<(PathBuf, RunLock)> {
    let found = find_run(given)?;
    crate::journal::writer::refuse_linked_dir(&found).map_err(|e| Error::Refused(e.to_string()))?;
    let run_dir = found
        .canonicalize()
        .map_err(|e| Error::Invalid(format!("{}: {e}", given.display())))?;
    let lock = lock(&run_dir)?;
    Ok((run_dir, lock))
}

/// The journal of an existing run, opened to append after its last record, and a runner
/// for its commands, both scrubbing the run's secrets.
pub fn continue_run(
    run_dir: &Path,
    journal: &reader::Journal,
    rb: &Runbook,
    runbook_path: &Path,
    run_id: &str,
    redactions: Vec<(String, String)>,
) -> Result<(Writer, (Runner, RunnerRx))> {
    let writer = Writer::resume(
        run_dir,
        journal.records.len() as u64 + 1,
        journal.head().to_string(),
        &redactions,
    )
    .map_err(|e| Error::Failed(format!("cannot open the journal: {e}")))?;
    // The run stays in the environment it started in: `run_started` says which.
    let run_env = match journal.records.first().map(|r| &r.body) {
        Some(crate::journal::record::Body::RunStarted { env, .. }) => env.as_deref(),
        _ => None,
    };
    let runner = Runner::new(
        run_dir.to_path_buf(),
        base_env(rb, runbook_path, run_dir, run_id, run_env),
        redactions,
    );
    Ok((writer, runner))
}

pub fn lock(run_dir: &Path) -> Result<RunLock> {
    let file = File::options()
        .create(true)
        .append(true)
        .open(run_dir.join(".lock"))
        .map_err(|e| {
            Error::Failed(format!(
                "cannot open the lock file in {}: {e}",
                run_dir.display()
            ))
        })?;
    // A command that was being started when its shisa died holds the lock's file
    // description until it execs: give that a moment. A live driver holds it for good.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    let mut file = file;
    loop {
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => return Ok(RunLock(lock)),
            Err((f, _)) if std::time::Instant::now() < deadline => {
                file = f;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(_) => {
                return Err(Error::Refused(format!(
                    "{} is locked: another shisa process is driving this run",
                    run_dir.display()
                )));
            }
        }
    }
}

/// A run named on the command line: a run directory, or a run id looked up in the journal
/// directory (one lookup of that name: nothing else there is read).
pub fn find_run(arg: &Path) -> Result<PathBuf> {
    if arg.exists() {
        return Ok(arg.to_path_buf());
    }
    let id = arg
        .to_str()
        .filter(|s| !s.is_empty() && !s.contains('/') && *s != "." && *s != "..");
    let dir = default_journal_dir();
    if let Some(found) = id.map(|id| dir.join(id)).filter(|d| d.is_dir()) {
        return Ok(found);
    }
    let what = match id {
        Some(_) => format!(
            "no run directory `{}` here, and no run with that id in {}",
            arg.display(),
            dir.display()
        ),
        None => format!("no run directory {}", arg.display()),
    };
    Err(Error::Invalid(format!(
        "{what}; `shisa runs` lists the runs (a run is named by its directory or its id, e.g. 20231205T081500Z-3f9a)"
    )))
}

/// `$SHISA_JOURNAL_DIR`, else `$XDG_STATE_HOME/shisa/runs`, else `~/.local/state/shisa/runs`.
pub fn default_journal_dir() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("SHISA_JOURNAL_DIR")
        .or_else(|| env("XDG_STATE_HOME").map(|d| d.join("shisa/runs")))
        .or_else(|| env("HOME").map(|h| h.join(".local/state/shisa/runs")))
        .unwrap_or_else(|| PathBuf::from(".shisa/runs"))
}

/// Creates a directory readable by its owner only (journals name targets and commands).
pub fn private_dir(path: &Path, all: bool) -> std::io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.mode(0o700).recursive(all);
    b.create(path)
}

/// The environment every command of the run gets, on top of shisa's own; `SHISA_ENV` is
/// the run's `--env`, so a command can refuse a context that is not the one named.
pub fn base_env(
    rb: &Runbook,
    runbook_path: &Path,
    run_dir: &Path,
    run_id: &str,
    run_env: Option<&str>,
) -> Vec<(String, String)> {
    let mut env = vec![
        ("SHISA_RUN_DIR".to_string(), run_dir.display().to_string()),
        ("SHISA_RUN_ID".to_string(), run_id.to_string()),
    ];
    if let Some(name) = run_env {
        env.push(("SHISA_ENV".to_string(), name.to_string()));
    }
    let base = runbook_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    env.push(("SHISA_RUNBOOK_DIR".to_string(), base.display().to_string()));
    if !rb.path.is_empty() {
        let mut dirs: Vec<String> = rb
            .path
            .iter()
            .map(|p| {
                let d = base.join(&p.dir);
                d.canonicalize().unwrap_or(d).display().to_string()
            })
            .collect();
        if let Ok(path) = std::env::var("PATH") {
            dirs.push(path);
        }
        env.push(("PATH".to_string(), dirs.join(":")));
    }
    env
}

pub fn is_interactive(headless: bool) -> bool {
    !headless && std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Everything a run needs to be driven.
pub struct Session {
    pub engine: Engine,
    pub writer: Writer,
    pub runner: (Runner, RunnerRx),
    pub clock: SystemClock,
    pub run_dir: PathBuf,
    pub run_id: String,
    pub headless: bool,
    /// What starts the run: `Start`, or journal recovery and `Resume`.
    pub first: Vec<Event>,
    /// `--share-with GROUP`, resolved.
    pub share_gid: Option<u32>,
    /// The runbook's text, sent to watchers so they draw the steps by their titles.
    pub runbook_source: String,
    /// A resumed run's journal so far: its timeline, and the evidence for a step in doubt.
    pub past: Option<crate::frontend::evidence::Past>,
    pub _lock: RunLock,
}

pub fn drive(s: Session) -> Result<Exit> {
    let run_dir = s.run_dir.display().to_string();
    println!("shisa: run {} — run directory {run_dir}", s.run_id);
    // A continued run (its journal replayed) goes on in the environment it started in.
    if let Some((env, rehearsal)) = s.engine.env() {
        let on = rehearsal
            .map(|r| format!(", rehearsed by {} run {}", r.env, r.run_id))
            .unwrap_or_default();
        println!("shisa: environment {env}{on} (as the run started)");
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Failed(format!("cannot start the runtime: {e}")))?;
    let (input_tx, input_rx) = mpsc::unbounded_channel();
    let needs_reviewer = s
        .engine
        .runbook()
        .steps
        .iter()
        .any(|st| st.approval.needs_another_person());
    let operator_uid = s.engine.operator().uid;
    let journal_path = s.writer.path().to_path_buf();
    let hub = {
        let _inside = rt.enter();
        Hub::start(
            &s.run_id,
            s.share_gid,
            operator_uid,
            s.runbook_source.clone(),
            journal_path,
        )
    };
    let hub = match hub {
        Ok(hub) => Some(hub),
        Err(e) if needs_reviewer || s.share_gid.is_some() => {
            if s.writer.records() == 0 {
                let _ = fs::remove_dir_all(&s.run_dir);
            }
            return Err(Error::Refused(format!(
                "cannot share the run ({e}); this runbook needs a second person's approval, so it does not start"
            )));
        }
        Err(e) => {
            eprintln!("shisa: not sharing this run: {e}");
            None
        }
    };
    if let Some(h) = &hub {
        println!(
            "shisa: watch with `shisa watch {}` (socket {})",
            s.run_id,
            h.socket.display()
        );
    }
    // Shared with a group that cannot reach the socket is shared with no one: said now,
    // with the fix, rather than found out by a reviewer told "no live run".
    let unreachable = match (&hub, s.share_gid) {
        (Some(h), Some(gid)) => {
            let name = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid))
                .ok()
                .flatten()
                .map_or_else(|| gid.to_string(), |g| g.name);
            let dir = h.socket.parent().unwrap_or(Path::new("/"));
            crate::share::socket_dir::reachable_by(dir, gid, &name).err()
        }
        _ => None,
    };
    if let Some(why) = &unreachable {
        eprintln!("shisa: {why}");
    }
    let interactive = is_interactive(s.headless);
    // In the TUI the operator paces the run (Enter begins a step); in line mode nobody does.
    let engine = if interactive {
        s.engine
    } else {
        s.engine.begins_steps_itself()
    };
    let has_hosts = !engine.runbook().hosts.is_empty();
    let mut driver = Driver::new(engine, s.writer, s.runner, s.clock);
    if has_hosts {
        let base = crate::share::socket_dir::dir();
        let remote = crate::driver::remote::Remote::for_run(&base, &s.run_id, s.run_dir.clone())
            .map_err(|e| Error::Failed(format!("cannot set up the ssh control directory: {e}")))?;
        driver = driver.with_remote(remote);
    }
    driver.share = hub;
    if interactive {
        return drive_tui(
            TuiRun {
                rt,
                run_dir: s.run_dir,
                run_id: s.run_id,
                clock: s.clock,
                first: s.first,
                past: s.past,
                shared: s.share_gid.is_some(),
                unreachable,
            },
            driver,
            input_tx,
            input_rx,
        );
    }
    let mut fe = Headless::new(
        std::io::stdout(),
        stdout_color(),
        run_dir.clone(),
        s.run_id.clone(),
    );
    fe.shared = s.share_gid.is_some();
    if let Some(past) = s.past {
        fe.remember(past);
    }
    spawn_stdin_reader(input_tx);
    let ended: Ended = rt.block_on(async {
        let signals = crate::driver::ports::os_signals();
        driver.run(s.first, &mut fe, input_rx, signals).await
    });
    drop(fe);
    report(&s.run_dir, &ended)
}

struct TuiRun {
    rt: tokio::runtime::Runtime,
    run_dir: PathBuf,
    run_id: String,
    clock: SystemClock,
    first: Vec<Event>,
    past: Option<crate::frontend::evidence::Past>,
    shared: bool,
    /// Why the group the run is shared with cannot reach it, shown until the next key.
    unreachable: Option<String>,
}

/// The same driver with the TUI in front: the terminal is taken for the run and the screen
/// that stays after it, and given back (by the guard, on every path) before the last words.
fn drive_tui(
    r: TuiRun,
    driver: Driver,
    input_tx: mpsc::UnboundedSender<Input>,
    input_rx: mpsc::UnboundedReceiver<Input>,
) -> Result<Exit> {
    let failed = |e: std::io::Error| Error::Failed(format!("cannot set up the terminal: {e}"));
    let guard = tui::terminal::TerminalGuard::enter().map_err(failed)?;
    guard.bracketed_paste().map_err(failed)?;
    let terminal =
        ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))
            .map_err(failed)?;
    let mut app = tui::App::new(
        terminal,
        tui::Options {
            run_id: r.run_id,
            run_dir: r.run_dir.display().to_string(),
            clock: Box::new(r.clock),
            color: stdout_color(),
            watcher: false,
        },
    );
    app.ui.shared = r.shared;
    if let Some(why) = r.unreachable {
        app.ui.notice(why, true);
    }
    if let Some(past) = r.past {
        app.remember(past, driver.engine());
    }
    let keys = tui::Keys::spawn(r.rt.handle(), input_tx);
    let ended: Ended = r.rt.block_on(async {
        let signals = crate::driver::ports::os_signals();
        driver.run(r.first, &mut app, input_rx, signals).await
    });
    let (tx, rx) = mpsc::unbounded_channel();
    keys.redirect(tx);
    r.rt.block_on(tui::linger(&mut app, rx));
    let farewell = app.farewell();
    drop(app);
    drop(guard);
    for line in farewell {
        println!("{line}");
    }
    report(&r.run_dir, &ended)
}

fn spawn_stdin_reader(tx: mpsc::UnboundedSender<Input>) {
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut lock = stdin.lock();
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match lock.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(Input::Eof);
                    return;
                }
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf)
                        .trim_end_matches(['\n', '\r'])
                        .to_string();
                    if tx.send(Input::Line(line)).is_err() {
                        return;
                    }
                }
            }
        }
    });
}

/// Verifies the journal the run just wrote and says where everything is.
fn report(run_dir: &Path, ended: &Ended) -> Result<Exit> {
    if let Some(error) = &ended.error {
        eprintln!("shisa: {error}");
    }
    if !ended.left_in_place.is_empty() {
        eprintln!("shisa: CHANGES LEFT IN PLACE, not rolled back:");
        for step in &ended.left_in_place {
            eprintln!("shisa:   - {step}");
        }
        if ended.outcome.is_some() {
            eprintln!(
                "shisa: the run has ended; `shisa rollback {} --reason \"why\"` undoes them",
                run_dir.display()
            );
        } else {
            eprintln!(
                "shisa: `shisa resume {}` continues the run; quitting it there with r rolls them back first",
                run_dir.display()
            );
        }
    }
    let verdict = reader::read(run_dir)
        .map_err(|e| e.to_string())
        .and_then(|j| {
            reader::check_logs(run_dir, &j).map_err(|b| format!("journal broken at {b}"))?;
            Ok(j)
        });
    match verdict {
        Ok(j) => println!(
            "shisa: journal verified — {} records, chain head {}\nshisa: run directory {}",
            j.records.len(),
            j.head(),
            run_dir.display()
        ),
        Err(e) => {
            eprintln!("shisa: the journal does not verify: {e}");
            return Ok(Exit::Failed);
        }
    }
    Ok(ended.exit)
}
