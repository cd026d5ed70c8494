//! The share protocol, version 4: how `watch`, `approve`, `note` and `sessions` talk to a
//! live run over its Unix socket.
//!
//! **Versions.** 4 lets a watcher name its frame in its hello (`frame_ms`, step 1). 3 adds the output backlog (step 3 below): a watcher who joins late is sent
//! the output printed before it joined, as the same `output` frames as live output. A
//! version 2 client is still served (it reads `output` frames wherever they come, so the
//! backlog reaches it too). A client that names no frame gets 50 ms, whatever its version
//! (shisa's own clients speak 3 unless they name one, so they still reach a run whose shisa
//! predates 4); a version outside 2–4 is refused with an `error` naming both versions.
//!
//! **Transport.** A Unix stream socket `<dir>/<run-id>.sock`. shisa opens no
//! network port; from another machine, SSH is the transport (`ssh -t host shisa watch`).
//!
//! **Frames.** Each message is a 4-byte big-endian length, then that many bytes of UTF-8
//! JSON: one object with a `"type"` field, except a journal record, whose frame body is
//! the journal line itself, byte for byte (an object that begins `{"seq":`). So a record is
//! neither escaped by the run nor unescaped by its watchers, and the watcher hashes the
//! very bytes on disk (version 1 wrapped the line in a `record` object). A client frame may be at most
//! [`MAX_CLIENT_FRAME`] bytes, a server frame at most [`MAX_SERVER_FRAME`]. A frame over
//! the cap, bytes that are not JSON, or a type a client may not send ends the connection
//! and is journaled as a refusal; the run goes on. (`frame.rs` reads and writes them.)
//!
//! **Trust boundary.** Who the client is comes from the kernel (`SO_PEERCRED` on the
//! connection, and the peer's groups from `/proc/<pid>/status`), never from anything the
//! client sends. The server admits the operator's own account and, with
//! `--share-with GROUP`, members of that group; the socket's mode (0600 or 0660) says the
//! same to the kernel. A client can send only `hello`, `approve` and `note`; all it can
//! learn is what a watcher of the run may see (secrets are never in the journal).
//!
//! **Limits** (the constants in `limits.rs`). No one let in can crowd out the rest: a user
//! other than the operator holds at most 8 connections, and all such users together leave
//! 8 of the 64 for the operator's own account; a connection that has not said hello within
//! 10 seconds is closed, and a one-shot `approve` or `note` connection that sends nothing
//! for 5 minutes. A connection over a limit gets an `error` saying which. Notes are
//! rate-limited per user (a burst of 5, then one a second): a note over the limit is
//! answered with `result` false and is not recorded as a note. Refusals are journaled, at
//! a bounded rate per user, so a flood of them cannot fill the journal.
//!
//! **Conversation.**
//! 1. Client: `{"type":"hello","protocol":4,"want":"watch"|"info"|"approve"|"note"}`, and
//!    for `watch` optionally `"frame_ms":N`: the watcher is written to at most once every N
//!    ms (held to 50..=500 and rounded to a multiple of 50; 50 when absent). The TUI draws at 50 ms and names none; line
//!    mode prints lines and asks for 250, so the run wakes it a fifth as often.
//! 2. Server: `welcome` — the run, its runbook (source text, so the client draws steps by
//!    their titles), the chain head, the current step and any pending approval.
//! 3. `watch`: the server sends every journal record so far as record frames (the exact
//!    line bytes, so the watcher's copy verifies on its own) with each command's output
//!    before the record that ends it — the end of its log, at most 64 KiB a command and
//!    1 MiB in all, the newest kept first, with a first line saying what only the log
//!    holds (`backlog.rs`); the output of a command still running follows the last record —
//!    then each new record and
//!    `output` frames (already scrubbed of secrets and control sequences), then `end` when
//!    the run is over. A watcher that cannot keep up is dropped, never waited for. What
//!    comes within one frame (50 ms, or the watcher's `frame_ms`) goes out in one write (`feed.rs`,
//!    `FRAME`); the first record after a quiet spell and the `end` go out at once.
//! 4. `approve` / `note` (from a watcher or a one-shot client): the server answers with
//!    `result` (`ok` true or false and a message). An approval names the run, the step, the
//!    SHA-256 of the exact command and the hash of the approval request it answers; if any
//!    differs from what is waiting now, it is stale and refused.
//! 5. `reject` (from a watcher or `shisa approve --reject`): a reviewer's "no" to the step
//!    waiting for approval, bound like an approval (run, step, command, request) and carrying
//!    a one-line reason. It is journaled as `approval_rejected`; the step does not run and
//!    the operator decides what happens next. `result` says whether it was recorded.
//!    Both may carry `sudo_user`, the client's `SUDO_USER`: the server takes it only from a
//!    root peer (root could act as anyone anyway), to name the person behind `sudo shisa
//!    approve`; the audit login uid, read by the server from `/proc/<pid>/loginuid`, wins
//!    over it. Who counts as one person, and group membership, are the server's lookups.
//! 6. `info`: the server sends `welcome` and closes (used by `shisa sessions`).

use serde::{Deserialize, Serialize};

pub const PROTOCOL: u32 = 4;
/// The oldest version a client may speak: 2 differs only in getting no backlog promise, 3
/// only in naming no frame.
pub const OLDEST_PROTOCOL: u32 = 2;
/// approve and note are small; anything larger is not a real client.
pub const MAX_CLIENT_FRAME: usize = 16 * 1024;
/// A record line or an output piece, with room to spare.
pub const MAX_SERVER_FRAME: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Want {
    Watch,
    Info,
    Approve,
    Note,
}

/// What a client may send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    Hello {
        protocol: u32,
        want: Want,
        /// How often a watcher wants to be written to (`feed::frame_for` holds it in
        /// bounds); absent: every 50 ms.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        frame_ms: Option<u32>,
    },
    Approve {
        run_id: String,
        step: String,
        command_sha256: String,
        request: String,
        typed: String,
        /// `SUDO_USER` of the client: taken only from a root peer (see `identity::who`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sudo_user: Option<String>,
    },
    Note {
        text: String,
    },
    Reject {
        run_id: String,
        step: String,
        command_sha256: String,
        request: String,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sudo_user: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub step: String,
    pub title: String,
    pub command: String,
    pub command_sha256: String,
    /// What the reviewer must type: the resolved target (or the step id without one).
    pub target: String,
    pub allow_self: bool,
    /// Hash of the `approval_requested` record this approval answers.
    pub request: String,
    /// For counted approvals: who is needed and who has approved so far, as a sentence
    /// ("2 distinct people of group `dba`; 1 of 2 so far: alice").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approvals: Option<String>,
    /// `confirm: blind`: `target` is left empty; the reviewer names the target they intend.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blind: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    pub protocol: u32,
    pub run_id: String,
    pub runbook_name: String,
    pub runbook_source: String,
    pub operator: String,
    pub operator_uid: u32,
    pub host: String,
    pub started: String,
    pub head: String,
    pub records: u64,
    pub current_step: Option<String>,
    pub pending: Option<Pending>,
    /// Who the server says you are (from the kernel).
    pub you: String,
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    Welcome(Box<Welcome>),
    Record {
        line: String,
    },
    Output {
        step: usize,
        stderr: bool,
        text: String,
    },
    Result {
        ok: bool,
        message: String,
    },
    End {
        outcome: String,
        exit: u8,
        head: String,
    },
    Error {
        message: String,
    },
}

/// A message read from a frame's body. Serde's derive reads an internally tagged enum by
/// first copying the whole message into a generic tree; a type may read its common
/// messages more directly.
pub trait Message: serde::de::DeserializeOwned {
    fn from_frame(body: &[u8]) -> serde_json::Result<Self> {
        serde_json::from_slice(body)
    }
}

impl Message for ClientMsg {}

impl Message for serde_json::Value {}

impl Message for ServerMsg {
    /// A body that begins `{"seq":` is a journal line (protocol 2); the line is handed on
    /// as it came. Anything else is a tagged message.
    fn from_frame(body: &[u8]) -> serde_json::Result<ServerMsg> {
        if body.starts_with(RECORD_START) {
            return match std::str::from_utf8(body) {
                Ok(line) => Ok(ServerMsg::Record {
                    line: line.to_string(),
                }),
                Err(e) => Err(serde::de::Error::custom(e)),
            };
        }
        serde_json::from_slice(body)
    }
}

/// How every journal line begins (`journal/writer.rs`), and so every record frame.
pub const RECORD_START: &[u8] = br#"{"seq":"#;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("the connection closed")]
    Closed,
    #[error("a frame of {0} bytes is over the {1}-byte limit")]
    TooLarge(usize, usize),
    #[error("not a protocol message: {0}")]
    Garbage(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

#[cfg(test)]
mod tests {
    use super::super::frame::{next, reader, write};
    use super::*;

    #[tokio::test]
    async fn frames_round_trip_and_caps_hold() {
        let (mut a, b) = tokio::io::duplex(1 << 16);
        let mut r = reader::<_, ClientMsg>(b, MAX_CLIENT_FRAME);
        let hello = ClientMsg::Hello {
            protocol: PROTOCOL,
            want: Want::Watch,
            frame_ms: Some(250),
        };
        write(&mut a, &hello).await.unwrap();
        assert_eq!(next(&mut r).await.unwrap(), hello);
        let long = ClientMsg::Note {
            text: "x".repeat(MAX_CLIENT_FRAME),
        };
        write(&mut a, &long).await.unwrap();
        assert!(matches!(next(&mut r).await, Err(FrameError::TooLarge(..))));
    }

    #[test]
    fn a_record_frame_is_the_journal_line_itself() {
        let line = r#"{"seq":1,"data":{"text":"a \"q\" \\ é"}}"#;
        let frame = super::super::frame::record(line).unwrap();
        assert_eq!(&frame[..4], &(line.len() as u32).to_be_bytes());
        assert_eq!(
            &frame[4..],
            line.as_bytes(),
            "nothing escaped, nothing added"
        );
        assert_eq!(
            ServerMsg::from_frame(&frame[4..]).unwrap(),
            ServerMsg::Record { line: line.into() }
        );
        // Every other message is a tagged object, read by the derive.
        let end = serde_json::to_vec(&ServerMsg::Error {
            message: "m".into(),
        })
        .unwrap();
        assert!(matches!(
            ServerMsg::from_frame(&end),
            Ok(ServerMsg::Error { .. })
        ));
        assert!(ServerMsg::from_frame(&[b"{\"seq\":1,".as_slice(), &[0xff]].concat()).is_err());
    }

    #[tokio::test]
    async fn clients_cannot_send_server_messages_or_extra_fields() {
        let server_msg = serde_json::to_value(ServerMsg::Result {
            ok: true,
            message: "granted".into(),
        })
        .unwrap();
        let extra = serde_json::json!({"type": "note", "text": "hi", "uid": 0});
        for msg in [server_msg, extra] {
            let (mut a, b) = tokio::io::duplex(1 << 16);
            let mut r = reader::<_, ClientMsg>(b, MAX_CLIENT_FRAME);
            write(&mut a, &msg).await.unwrap();
            assert!(matches!(next(&mut r).await, Err(FrameError::Garbage(_))));
        }
    }
}
