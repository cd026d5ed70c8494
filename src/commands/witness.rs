//! What both watchers (line mode and the TUI) share: the witness that rebuilds the run
//! from the records it receives and checks their hash chain as they come, the verdict on
//! that copy when the watch ends, the commands a watcher may type, and the file it keeps
//! its copy in.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::Replay;
use crate::exit::{Error, Exit, Result};
use crate::frontend::Intent;
use crate::hash::sha256_hex;
use crate::journal::record::{Actor, Record, Role};
use crate::journal::writer::GENESIS;
use crate::runbook::load_str;
use crate::share::protocol::{ClientMsg, Welcome};

/// What a watcher knows: the records it got, checked link by link.
pub struct Witness {
    pub engine: Option<Replay>,
    pub records: u64,
    pub head: String,
    pub broken: Option<String>,
    /// Hash of the latest approval request, for approving from here.
    pub request: Option<String>,
    /// The run's journal is of a newer format than this shisa reads: why the watch stops.
    pub newer: Option<String>,
}

impl Witness {
    pub fn new(runbook_source: &str, operator: Actor) -> Witness {
        let engine = load_str("runbook", runbook_source)
            .ok()
            .map(|l| Replay::new(Arc::new(l.runbook), operator));
        Witness {
            engine,
            records: 0,
            head: GENESIS.to_string(),
            broken: None,
            request: None,
            newer: None,
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

    /// Takes one line; returns the record if it links to the chain. A run whose journal a
    /// newer shisa writes — from its start, or from a resume or rollback of it — is not
    /// followed from there on (`newer` says why): its records may mean what this shisa
    /// would misread.
    pub fn take(&mut self, line: &str) -> Option<Record> {
        if self.newer.is_some() {
            return None;
        }
        if let Err(e) = crate::journal::reader::refuse_newer(line.as_bytes()) {
            self.engine = None;
            self.broken.get_or_insert(e.to_string());
            self.newer = Some(e.to_string());
            return None;
        }
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

/// What a watcher asks of the run, as data: a typed target travels as typed, never
/// through text that is split and trimmed again (the engine decides what a target matches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    Note(String),
    /// Approve the step waiting for approval, typing its target.
    Approve {
        typed: String,
    },
    /// Reject it, with a reason.
    Reject {
        reason: String,
    },
}

impl Ask {
    /// A line typed to the line-mode watcher: `note <text>`, `approve <target>` or
    /// `reject <reason>`. Everything after `approve ` is the typed target, spaces included.
    pub fn parse(line: &str) -> Option<Ask> {
        let line = line.trim_start();
        let (word, rest) = line.split_once(' ').unwrap_or((line.trim_end(), ""));
        match word {
            "note" => Some(Ask::Note(rest.to_string())),
            "approve" => Some(Ask::Approve {
                typed: rest.to_string(),
            }),
            "reject" => Some(Ask::Reject {
                reason: rest.to_string(),
            }),
            _ => None,
        }
    }

    /// What the TUI watcher's own intent asks, if it is one a watcher sends.
    pub fn from_intent(intent: Intent) -> Option<Ask> {
        match intent {
            Intent::Note(text) => Some(Ask::Note(text)),
            Intent::Approve(typed) => Some(Ask::Approve { typed }),
            Intent::Reject(reason) => Some(Ask::Reject { reason }),
            _ => None,
        }
    }
}

/// What a watcher asks, as the message to send for the step the witness sees waiting.
/// `None` for a note or reason with no text, or nothing waiting to approve or reject.
pub fn message(ask: Ask, witness: &Witness, run_id: &str) -> Option<ClientMsg> {
    match ask {
        Ask::Note(text) if !text.trim().is_empty() => Some(ClientMsg::Note {
            text: text.trim().to_string(),
        }),
        Ask::Approve { typed } => {
            let pending = witness.engine.as_ref()?.pending_approval()?;
            Some(ClientMsg::Approve {
                run_id: run_id.to_string(),
                step: pending.step_id,
                command_sha256: pending.command_sha256,
                request: witness.request.clone()?,
                typed,
                sudo_user: crate::share::client::sudo_user(),
            })
        }
        Ask::Reject { reason } if !reason.trim().is_empty() => {
            let pending = witness.engine.as_ref()?.pending_approval()?;
            Some(ClientMsg::Reject {
                run_id: run_id.to_string(),
                step: pending.step_id,
                command_sha256: pending.command_sha256,
                request: witness.request.clone()?,
                reason: reason.trim().to_string(),
                sudo_user: crate::share::client::sudo_user(),
            })
        }
        _ => None,
    }
}

/// What a watcher is told when the run cuts it off after letting it in (it fell too far
/// behind, or the run could not read it): it was dropped, not refused — a refusal comes
/// before the welcome (`client::connect`) — with the run's reason, and how to go on: a new
/// watch is sent the whole journal again, so nothing it missed is lost to it.
pub fn dropped(message: &str, run_id: &str) -> String {
    let why = message.strip_prefix("dropped: ").unwrap_or(message);
    format!(
        "the run dropped this watcher: {why}; run `shisa watch {run_id}` again to rejoin from the start (the journal so far is sent again)"
    )
}

/// The run's connection ended without its end frame: said once, with the cause only when
/// it is more than the connection closing (cold read: "the run's connection closed (the
/// connection closed)"). Both watchers say it in these words.
pub fn connection_lost(e: &crate::share::protocol::FrameError) -> String {
    match e {
        crate::share::protocol::FrameError::Closed => {
            "the run's connection closed; it may have been cut off".into()
        }
        e => format!("the run's connection was lost ({e}); it may have been cut off"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_connection_is_said_once_and_another_cause_is_named() {
        use crate::share::protocol::FrameError;
        let closed = connection_lost(&FrameError::Closed);
        assert_eq!(
            closed,
            "the run's connection closed; it may have been cut off"
        );
        let garbage = connection_lost(&FrameError::Garbage("x".into()));
        assert_eq!(
            garbage,
            "the run's connection was lost (not a protocol message: x); it may have been cut off"
        );
    }

    fn waiting() -> Witness {
        Witness {
            engine: Some(crate::engine::tests::replay_at_approval()),
            records: 0,
            head: GENESIS.to_string(),
            broken: None,
            request: Some("request-hash".into()),
            newer: None,
        }
    }

    fn typed(ask: Ask) -> String {
        match message(ask, &waiting(), "run-1") {
            Some(ClientMsg::Approve { typed, .. }) => typed,
            other => panic!("{other:?}"),
        }
    }

    /// The engine decides what a typed target matches: a watcher sends it as typed, spaces
    /// and all, from the TUI's form and from the line watcher alike.
    #[test]
    fn a_typed_target_is_sent_as_typed_spaces_and_all() {
        let tui = Ask::from_intent(Intent::Approve("  quarantine-2023-12 ".into()));
        assert_eq!(typed(tui.unwrap()), "  quarantine-2023-12 ");
        let line = Ask::parse("approve  quarantine-2023-12 ").unwrap();
        assert_eq!(typed(line), " quarantine-2023-12 ");
    }

    /// A watcher of a run whose journal a newer shisa writes follows none of it and says
    /// why, naming both formats.
    #[test]
    fn a_newer_journal_format_is_not_followed() {
        let line = |format: u64| {
            format!(
                r#"{{"seq":1,"ts":"2023-12-05T08:15:00.000+00:00","kind":"run_started","data":{{"format":{format},"run_id":"r","runbook":{{"path":"/r.yaml","sha256":"ab","name":"Demo"}},"params":{{}}}},"actor":{{"role":"operator","user":"ops1","uid":1,"host":"h"}},"prev":"{GENESIS}"}}"#
            )
        };
        let newer = crate::journal::record::FORMAT + 1;
        let mut w = waiting();
        assert!(w.take(&line(newer)).is_none());
        assert!(w.take(&line(newer)).is_none(), "nor anything after it");
        let why = w.newer.clone().unwrap();
        assert!(
            why.contains(&format!("(format {newer})"))
                && why.contains(&format!("reads format {}", crate::journal::record::FORMAT)),
            "{why}"
        );
        assert!(w.engine.is_none() && w.records == 0);
        let mut out = Vec::new();
        assert_eq!(finish(&mut out, &w, None), Exit::Failed);
        assert!(String::from_utf8(out).unwrap().contains(&why));
        // Resumed by a newer shisa: followed up to there, not past it.
        let resumed = format!(
            r#"{{"seq":9,"ts":"2023-12-05T08:20:00.000+00:00","kind":"run_resumed","data":{{"format":{newer}}},"actor":{{"role":"operator","user":"ops1","uid":1,"host":"h"}},"prev":"{GENESIS}"}}"#
        );
        let mut w = waiting();
        assert!(w.take(&resumed).is_none());
        assert_eq!(w.newer.as_deref(), Some(why.as_str()));
    }

    #[test]
    fn a_line_says_what_it_asks_and_empty_words_send_nothing() {
        assert_eq!(
            Ask::parse("  note disk at 80%"),
            Some(Ask::Note("disk at 80%".into()))
        );
        assert_eq!(
            Ask::parse("reject wrong ticket"),
            Some(Ask::Reject {
                reason: "wrong ticket".into()
            })
        );
        assert_eq!(Ask::parse("approved x"), None);
        let w = waiting();
        assert_eq!(message(Ask::Note("  ".into()), &w, "run-1"), None);
        assert_eq!(
            message(
                Ask::Reject {
                    reason: String::new()
                },
                &w,
                "run-1"
            ),
            None
        );
        let Some(ClientMsg::Reject { reason, step, .. }) =
            message(Ask::parse("reject  wrong ticket ").unwrap(), &w, "run-1")
        else {
            panic!("a reason is sent")
        };
        assert_eq!((reason.as_str(), step.as_str()), ("wrong ticket", "attach"));
    }
}
