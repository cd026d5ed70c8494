//! The share protocol, version 1: how `watch`, `approve`, `note` and `sessions` talk to a
//! live run over its Unix socket.
//!
//! **Transport.** A Unix stream socket `<dir>/<run-id>.sock` (DESIGN §7). shisa opens no
//! network port; from another machine, SSH is the transport (`ssh -t host shisa watch`).
//!
//! **Frames.** Each message is a 4-byte big-endian length, then that many bytes of UTF-8
//! JSON: one object with a `"type"` field. A client frame may be at most
//! [`MAX_CLIENT_FRAME`] bytes, a server frame at most [`MAX_SERVER_FRAME`]. A frame over
//! the cap, bytes that are not JSON, or a type a client may not send ends the connection
//! and is journaled as a refusal; the run goes on.
//!
//! **Trust boundary.** Who the client is comes from the kernel (`SO_PEERCRED` on the
//! connection, and the peer's groups from `/proc/<pid>/status`), never from anything the
//! client sends. The server admits the operator's own account and, with
//! `--share-with GROUP`, members of that group; the socket's mode (0600 or 0660) says the
//! same to the kernel. A client can send only `hello`, `approve` and `note`; all it can
//! learn is what a watcher of the run may see (secrets are never in the journal).
//!
//! **Conversation.**
//! 1. Client: `{"type":"hello","protocol":1,"want":"watch"|"info"|"approve"|"note"}`.
//! 2. Server: `welcome` — the run, its runbook (source text, so the client draws steps by
//!    their titles), the chain head, the current step and any pending approval.
//! 3. `watch`: the server sends every journal record so far as `record` frames holding the
//!    exact line bytes (so the watcher's copy verifies on its own), then each new record and
//!    `output` frames (already scrubbed of secrets and control sequences), then `end` when
//!    the run is over. A watcher that cannot keep up is dropped, never waited for.
//! 4. `approve` / `note` (from a watcher or a one-shot client): the server answers with
//!    `result` (`ok` true or false and a message). An approval names the run, the step, the
//!    SHA-256 of the exact command and the hash of the approval request it answers; if any
//!    differs from what is waiting now, it is stale and refused.
//! 5. `info`: the server sends `welcome` and closes (used by `shisa sessions`).

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const PROTOCOL: u32 = 1;
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
    },
    Approve {
        run_id: String,
        step: String,
        command_sha256: String,
        request: String,
        typed: String,
    },
    Note {
        text: String,
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

pub async fn write_frame<W: AsyncWriteExt + Unpin, T: Serialize>(
    w: &mut W,
    msg: &T,
) -> Result<(), FrameError> {
    let body = serde_json::to_vec(msg).map_err(|e| FrameError::Garbage(e.to_string()))?;
    let len = u32::try_from(body.len())
        .map_err(|_| FrameError::TooLarge(body.len(), u32::MAX as usize))?;
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(&body);
    w.write_all(&frame).await?;
    Ok(())
}

pub async fn read_frame<R: AsyncReadExt + Unpin, T: for<'de> Deserialize<'de>>(
    r: &mut R,
    cap: usize,
) -> Result<T, FrameError> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Err(FrameError::Closed),
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > cap {
        return Err(FrameError::TooLarge(len, cap));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => FrameError::Closed,
        _ => FrameError::Io(e),
    })?;
    serde_json::from_slice(&body).map_err(|e| FrameError::Garbage(e.to_string()))
}

/// Reads frames on a task of its own and hands them over a channel. `read_frame` is not
/// cancellation-safe (a frame half read when another `select!` branch wins would be lost
/// and the stream would fall out of step), so loops that wait on several things read
/// frames this way. The channel ends after the first error, which it delivers.
pub fn spawn_reader<R, T>(
    mut reader: R,
    cap: usize,
) -> tokio::sync::mpsc::Receiver<Result<T, FrameError>>
where
    R: AsyncReadExt + Unpin + Send + 'static,
    T: for<'de> Deserialize<'de> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(async move {
        loop {
            let frame = read_frame::<_, T>(&mut reader, cap).await;
            let end = frame.is_err();
            if tx.send(frame).await.is_err() || end {
                return;
            }
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_round_trip_and_caps_hold() {
        let (mut a, mut b) = tokio::io::duplex(1 << 16);
        let hello = ClientMsg::Hello {
            protocol: 1,
            want: Want::Watch,
        };
        write_frame(&mut a, &hello).await.unwrap();
        let got: ClientMsg = read_frame(&mut b, MAX_CLIENT_FRAME).await.unwrap();
        assert_eq!(got, hello);
        write_frame(
            &mut a,
            &ClientMsg::Note {
                text: "x".repeat(MAX_CLIENT_FRAME),
            },
        )
        .await
        .unwrap();
        assert!(matches!(
            read_frame::<_, ClientMsg>(&mut b, MAX_CLIENT_FRAME).await,
            Err(FrameError::TooLarge(..))
        ));
    }

    #[tokio::test]
    async fn clients_cannot_send_server_messages_or_extra_fields() {
        let (mut a, mut b) = tokio::io::duplex(1 << 16);
        write_frame(
            &mut a,
            &ServerMsg::Result {
                ok: true,
                message: "granted".into(),
            },
        )
        .await
        .unwrap();
        assert!(matches!(
            read_frame::<_, ClientMsg>(&mut b, MAX_CLIENT_FRAME).await,
            Err(FrameError::Garbage(_))
        ));
        write_frame(
            &mut a,
            &serde_json::json!({"type": "note", "text": "hi", "uid": 0}),
        )
        .await
        .unwrap();
        assert!(matches!(
            read_frame::<_, ClientMsg>(&mut b, MAX_CLIENT_FRAME).await,
            Err(FrameError::Garbage(_))
        ));
    }
}
