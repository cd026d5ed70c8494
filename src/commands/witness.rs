//! What both watchers (line mode and the TUI) share: the witness that rebuilds the run
//! from the records it receives and checks their hash chain as they come, the verdict on
//! that copy when the watch ends, the commands a watcher may type, and the file it keeps
//! its copy in.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::Engine;
use crate::exit::{Error, Exit, Result};
use crate::hash::sha256_hex;
use crate::journal::record::{Actor, Record, Role};
use crate::journal::writer::GENESIS;
use crate::runbook::load_str;
use crate::share::protocol::{ClientMsg, Welcome};

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
            .map(|l| Engine::witness(Arc::new(l.runbook), operator));
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
            e.apply(&rec.entry());
        }
        Some(rec)
    }
}

/// `--copy FILE`: where the watcher keeps its own copy of the journal lines.
pub fn open_copy(copy: Option<&PathBuf>) -> Result<Option<std::fs::File>> {
    copy.map(|p| {
        std::fs::File::create(p).map_err(|e| Error::Invalid(format!("{}: {e}", p.display())))
    })
    .transpose()
}

/// A line the watcher typed, as the message to send: `note <text>`, `approve <target>` or
/// `reject <reason>` for the step the witness sees waiting. `None` for anything else.
pub fn command(line: &str, witness: &Witness, run_id: &str) -> Option<ClientMsg> {
    let (word, rest) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
    match word {
        "note" if !rest.trim().is_empty() => Some(ClientMsg::Note {
            text: rest.trim().to_string(),
        }),
        "approve" => {
            let pending = witness.engine.as_ref()?.pending_approval()?;
            Some(ClientMsg::Approve {
                run_id: run_id.to_string(),
                step: pending.step_id,
                command_sha256: pending.command_sha256,
                request: witness.request.clone()?,
                typed: rest.trim().to_string(),
                sudo_user: crate::share::client::sudo_user(),
            })
        }
        "reject" if !rest.trim().is_empty() => {
            let pending = witness.engine.as_ref()?.pending_approval()?;
            Some(ClientMsg::Reject {
                run_id: run_id.to_string(),
                step: pending.step_id,
                command_sha256: pending.command_sha256,
                request: witness.request.clone()?,
                reason: rest.trim().to_string(),
                sudo_user: crate::share::client::sudo_user(),
            })
        }
        _ => None,
    }
}

/// Says whether the copy received verifies, against the run's head when the run ended
/// (`None`: the connection closed first), and exits `Failed` when it does not.
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
