//! `shisa watch [RUN_ID] [--headless]`: follow a live run from another terminal. The
//! watcher rebuilds the run's state from the records it receives and checks their hash
//! chain as they come, so its copy is an independent witness of the journal.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use futures_util::{FutureExt, StreamExt};
use tokio::io::AsyncBufReadExt;

use super::share_clients::runtime;
use crate::engine::state::Approval;
use crate::engine::{Engine, Phase};
use crate::exec::sanitize::{one_line, sanitize};
use crate::exit::{Error, Exit, Result};
use crate::hash::sha256_hex;
use crate::journal::record::{Actor, Record, Role};
use crate::journal::writer::GENESIS;
use crate::runbook::load_str;
use crate::runbook::params::Params;
use crate::share::client;
use crate::share::frame;
use crate::share::protocol::Welcome;
use crate::share::protocol::{ClientMsg, FrameError, ServerMsg, Want};
use crate::timeline;

/// What a watcher knows: the records it got, checked link by link.
pub struct Witness {
    pub engine: Option<Engine>,
    pub records: u64,
    pub head: String,
    pub broken: Option<String>,
    /// Hash of the latest approval request, for approving from here.
    pub request: Option<String>,
}

impl Witness {
    pub fn new(runbook_source: &str, operator: Actor) -> Witness {
        let engine = load_str("runbook", runbook_source)
            .ok()
            .map(|l| Engine::new(Arc::new(l.runbook), operator, Params::default()));
        Witness {
            engine,
            records: 0,
            head: GENESIS.to_string(),
            broken: None,
            request: None,
        }
    }

    /// The witness of the run a welcome describes.
    pub fn for_run(w: &Welcome) -> Witness {
        let operator = Actor {
            role: Role::Operator,
            user: w.operator.clone(),
            uid: w.operator_uid,
            host: w.host.clone(),
        };
        Witness::new(&w.runbook_source, operator)
    }

    /// Takes one line; returns the record if it links to the chain.
    pub fn take(&mut self, line: &str) -> Option<Record> {
        let rec: Record = match serde_json::from_str(line) {
            Ok(r) => r,
            Err(e) => {
                self.broken.get_or_insert(format!(
                    "record {} is not a journal record: {e}",
                    self.records + 1
                ));
                return None;
            }
        };
        if rec.seq != self.records + 1 || rec.prev != self.head {
            self.broken.get_or_insert(format!(
                "record {} does not link to the one before it",
                self.records + 1
            ));
        }
        self.records += 1;
        self.head = sha256_hex(line.as_bytes());
        if matches!(
            rec.body,
            crate::journal::record::Body::ApprovalRequested { .. }
        ) {
            self.request = Some(self.head.clone());
        }
        if let Some(e) = &mut self.engine {
            // The values as the journal shows them (secrets already masked), so commands
            // read as the operator sees them.
            if let crate::journal::record::Body::RunStarted { params, .. } = &rec.body {
                e.params.values = params.clone();
            }
            e.apply(&rec.entry());
        }
        Some(rec)
    }
}

pub fn run(run_id: Option<&str>, headless: bool, copy: Option<&PathBuf>) -> Result<Exit> {
    let socket = client::find(run_id).map_err(Error::Invalid)?;
    let rt = runtime()?;
    if crate::commands::session::is_interactive(headless) {
        super::watch_tui::run(&rt, socket, copy)
    } else {
        rt.block_on(watch_lines(socket, copy))
    }
}

async fn watch_lines(socket: PathBuf, copy: Option<&PathBuf>) -> Result<Exit> {
    let client::Connection {
        mut frames,
        mut writer,
        welcome: w,
    } = client::connect(&socket, Want::Watch)
        .await
        .map_err(Error::Failed)?;
    let mut lines = Lines {
        witness: Witness::for_run(&w),
        copy: open_copy(copy)?.map(std::io::BufWriter::new),
        out: std::io::BufWriter::new(std::io::stdout().lock()),
    };
    let out = &mut lines.out;
    let _ = writeln!(
        out,
        "watching run {} — {} — operator {}@{}; you are {}",
        w.run_id, w.runbook_name, w.operator, w.host, w.you
    );
    let _ = writeln!(
        out,
        "type `note <text>` to add a note, `approve <target>` to approve the step waiting for it"
    );
    let _ = out.flush();
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    loop {
        tokio::select! {
            got = frame::next(&mut frames) => {
                // Everything that has already arrived is printed with one write.
                let mut got = got;
                loop {
                    if let Some(end) = lines.show(got) {
                        lines.flush();
                        return end;
                    }
                    match frames.next().now_or_never() {
                        Some(next) => got = next.unwrap_or(Err(FrameError::Closed)),
                        None => break,
                    }
                }
                lines.flush();
            }
            line = stdin.next_line(), if stdin_open => match line {
                Ok(Some(line)) => {
                    if let Some(msg) = command(&line, &lines.witness, &w.run_id) {
                        let _ = frame::write(&mut writer, &msg).await;
                    } else if !line.trim().is_empty() {
                        let _ = writeln!(lines.out, "say `note <text>` or `approve <target>`");
                        lines.flush();
                    }
                }
                _ => stdin_open = false,
            },
        }
    }
}

/// The line-mode watcher's state: its witness, its copy of the journal, its output.
struct Lines<W: Write> {
    witness: Witness,
    copy: Option<std::io::BufWriter<std::fs::File>>,
    out: W,
}

impl<W: Write> Lines<W> {
    /// Prints one message from the run; `Some` when the watch is over.
    fn show(&mut self, got: std::result::Result<ServerMsg, FrameError>) -> Option<Result<Exit>> {
        let out = &mut self.out;
        match got {
            Ok(ServerMsg::Record { line }) => {
                if let Some(f) = self.copy.as_mut() {
                    let _ = writeln!(f, "{line}");
                }
                if let Some(rec) = self.witness.take(&line)
                    && let Some(text) = timeline::describe(&rec, self.witness.engine.as_ref())
                {
                    let _ = writeln!(out, "{}  {}", timeline::clock(&rec.ts), one_line(&text));
                }
            }
            Ok(ServerMsg::Output { text, stderr, .. }) => {
                let bar = if stderr { "!" } else { "│" };
                for l in text.lines() {
                    let _ = writeln!(out, "              {bar} {}", sanitize(l.as_bytes(), false));
                }
            }
            Ok(ServerMsg::Result { ok, message }) => {
                let verdict = if ok { "ok:" } else { "REFUSED:" };
                let _ = writeln!(out, "{verdict} {}", one_line(&message));
            }
            Ok(ServerMsg::End {
                outcome,
                exit,
                head,
            }) => {
                let _ = writeln!(out, "the run is over: {} (exit {exit})", one_line(&outcome));
                return Some(Ok(finish(out, &self.witness, Some(&head))));
            }
            Ok(ServerMsg::Error { message }) => {
                return Some(Err(Error::Failed(format!("the run refused: {message}"))));
            }
            Ok(ServerMsg::Welcome(_)) => {}
            Err(e) => {
                let _ = writeln!(
                    out,
                    "the run's connection closed ({e}); it may have been cut off"
                );
                return Some(Ok(match finish(out, &self.witness, None) {
                    Exit::Ok => Exit::Failed,
                    other => other,
                }));
            }
        }
        None
    }

    fn flush(&mut self) {
        if let Some(f) = self.copy.as_mut() {
            let _ = f.flush();
        }
        let _ = self.out.flush();
    }
}

/// `--copy FILE`: where the watcher keeps its own copy of the journal lines.
pub fn open_copy(copy: Option<&PathBuf>) -> Result<Option<std::fs::File>> {
    copy.map(|p| {
        std::fs::File::create(p).map_err(|e| Error::Invalid(format!("{}: {e}", p.display())))
    })
    .transpose()
}

pub fn command(line: &str, witness: &Witness, run_id: &str) -> Option<ClientMsg> {
    let (word, rest) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
    match word {
        "note" if !rest.trim().is_empty() => Some(ClientMsg::Note {
            text: rest.trim().to_string(),
        }),
        "approve" => {
            let e = witness.engine.as_ref()?;
            let Phase::Approval { step, .. } = e.phase() else {
                return None;
            };
            let Approval::Requested { command_sha256, .. } = &e.steps[step].approval else {
                return None;
            };
            Some(ClientMsg::Approve {
                run_id: run_id.to_string(),
                step: e.rb.steps[step].id.clone(),
                command_sha256: command_sha256.clone(),
                request: witness.request.clone()?,
                typed: rest.trim().to_string(),
            })
        }
        _ => None,
    }
}

pub fn finish(out: &mut impl Write, w: &Witness, head: Option<&str>) -> Exit {
    match (&w.broken, head) {
        (Some(why), _) => {
            let _ = writeln!(out, "the copy received does NOT verify: {why}");
            Exit::Failed
        }
        (None, Some(h)) if h != w.head => {
            let _ = writeln!(
                out,
                "the copy received ends at {} but the run's head is {h}: records are missing",
                w.head
            );
            Exit::Failed
        }
        _ => {
            let _ = writeln!(
                out,
                "copy verified: {} records, chain head {}",
                w.records, w.head
            );
            Exit::Ok
        }
    }
}
