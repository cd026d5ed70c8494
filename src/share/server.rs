//! Accepts connections on the run's socket. Each connection gets its own task: it checks the
//! peer, reads the client's frames under the size cap, and passes approvals and notes to the
//! driver. It writes to the client from a bounded queue, so a slow watcher only ever slows
//! itself — and is dropped when its queue fills.

use std::time::Duration;

use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};

use super::peer::Peer;
use super::protocol::{
    ClientMsg, FrameError, MAX_CLIENT_FRAME, PROTOCOL, ServerMsg, Want, Welcome, read_frame,
    spawn_reader, write_frame,
};

/// A client that sends nothing is not worth a task forever.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections at once: watchers, reviewers and probes together.
pub const MAX_CONNECTIONS: usize = 64;
/// A watcher that does not read for this long is gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// What a connection asks of the driver.
pub enum ShareMsg {
    Hello {
        id: u64,
        peer: Peer,
        want: Want,
        reply: oneshot::Sender<Admission>,
    },
    Approve {
        id: u64,
        peer: Peer,
        run_id: String,
        step: String,
        command_sha256: String,
        request: String,
        typed: String,
        reply: oneshot::Sender<(bool, String)>,
    },
    Note {
        id: u64,
        peer: Peer,
        text: String,
        reply: oneshot::Sender<(bool, String)>,
    },
    Left {
        id: u64,
    },
    /// A connection was refused or cut off; journaled.
    Refused {
        who: String,
        reason: String,
    },
}

pub struct Admission {
    pub welcome: Welcome,
    /// For watchers: every record so far, then the live queue.
    pub replay: Vec<String>,
    pub live: Option<mpsc::Receiver<ServerMsg>>,
}

pub struct Config {
    pub operator_uid: u32,
    pub share_gid: Option<u32>,
}

pub fn spawn_listener(
    listener: UnixListener,
    config: Config,
    to_driver: mpsc::UnboundedSender<ShareMsg>,
) {
    tokio::spawn(async move {
        let mut next_id = 0u64;
        let open = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        loop {
            let (mut stream, _) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(_) => {
                    // Out of descriptors, most likely: wait instead of spinning.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            // A bounded number of connections, so no one allowed to connect can use up the
            // run's file descriptors (its output logs need them).
            let Ok(permit) = open.clone().try_acquire_owned() else {
                let message = format!("this run already has {MAX_CONNECTIONS} connections");
                let _ = write_frame(&mut stream, &ServerMsg::Error { message }).await;
                continue;
            };
            next_id += 1;
            let tx = to_driver.clone();
            let (operator_uid, share_gid) = (config.operator_uid, config.share_gid);
            tokio::spawn(async move {
                serve(next_id, stream, operator_uid, share_gid, tx).await;
                drop(permit);
            });
        }
    });
}

async fn serve(
    id: u64,
    mut stream: UnixStream,
    operator_uid: u32,
    share_gid: Option<u32>,
    tx: mpsc::UnboundedSender<ShareMsg>,
) {
    let Ok(peer) = Peer::of(&stream) else { return };
    let refuse = |reason: String| ShareMsg::Refused {
        who: peer.describe(),
        reason,
    };
    if !peer.admitted(operator_uid, share_gid) {
        let message = "this run is not shared with you".to_string();
        let _ = write_frame(
            &mut stream,
            &ServerMsg::Error {
                message: message.clone(),
            },
        )
        .await;
        let _ = tx.send(refuse(format!(
            "not the operator and not in the shared group: {message}"
        )));
        return;
    }
    let hello = tokio::time::timeout(
        HELLO_TIMEOUT,
        read_frame::<_, ClientMsg>(&mut stream, MAX_CLIENT_FRAME),
    )
    .await;
    let want = match hello {
        Ok(Ok(ClientMsg::Hello {
            protocol: PROTOCOL,
            want,
        })) => want,
        Ok(Ok(ClientMsg::Hello { protocol, .. })) => {
            let message =
                format!("protocol {protocol} is not spoken here (this run speaks {PROTOCOL})");
            let _ = write_frame(&mut stream, &ServerMsg::Error { message }).await;
            return;
        }
        Ok(Ok(_)) => {
            return cut_off(
                &mut stream,
                &tx,
                refuse("sent a message before hello".into()),
            )
            .await;
        }
        Ok(Err(FrameError::Closed)) | Err(_) => return,
        Ok(Err(e)) => return cut_off(&mut stream, &tx, refuse(e.to_string())).await,
    };
    let (reply_tx, reply_rx) = oneshot::channel();
    if tx
        .send(ShareMsg::Hello {
            id,
            peer: peer.clone(),
            want,
            reply: reply_tx,
        })
        .is_err()
    {
        return;
    }
    let Ok(admission) = reply_rx.await else {
        return;
    };
    if write_frame(
        &mut stream,
        &ServerMsg::Welcome(Box::new(admission.welcome)),
    )
    .await
    .is_err()
        || want == Want::Info
    {
        return;
    }
    let (reader, mut writer) = stream.into_split();
    for line in admission.replay {
        if write_timed(&mut writer, &ServerMsg::Record { line })
            .await
            .is_err()
        {
            let _ = tx.send(ShareMsg::Left { id });
            return;
        }
    }
    let mut live = admission.live;
    let mut frames = spawn_reader::<_, ClientMsg>(reader, MAX_CLIENT_FRAME);
    loop {
        tokio::select! {
            frame = frames.recv() => {
                let frame = frame.unwrap_or(Err(FrameError::Closed));
                let (result_tx, result_rx) = oneshot::channel();
                let msg = match frame {
                    Ok(ClientMsg::Approve { run_id, step, command_sha256, request, typed }) => {
                        ShareMsg::Approve { id, peer: peer.clone(), run_id, step, command_sha256, request, typed, reply: result_tx }
                    }
                    Ok(ClientMsg::Note { text }) => ShareMsg::Note { id, peer: peer.clone(), text, reply: result_tx },
                    Ok(ClientMsg::Hello { .. }) => {
                        let _ = tx.send(refuse("said hello twice".into()));
                        break;
                    }
                    Err(FrameError::Closed) => break,
                    Err(e) => {
                        let reason = e.to_string();
                        let _ = write_timed(&mut writer, &ServerMsg::Error { message: reason.clone() }).await;
                        let _ = tx.send(refuse(reason));
                        break;
                    }
                };
                if tx.send(msg).is_err() {
                    break;
                }
                let (ok, message) = result_rx.await.unwrap_or((false, "the run has ended".into()));
                if write_timed(&mut writer, &ServerMsg::Result { ok, message }).await.is_err() || want != Want::Watch {
                    break;
                }
            }
            msg = async { match live.as_mut() { Some(rx) => rx.recv().await, None => std::future::pending().await } } => {
                let Some(msg) = msg else { break };
                let end = matches!(msg, ServerMsg::End { .. });
                if write_timed(&mut writer, &msg).await.is_err() || end {
                    break;
                }
            }
        }
    }
    let _ = tx.send(ShareMsg::Left { id });
}

async fn write_timed(
    w: &mut tokio::net::unix::OwnedWriteHalf,
    msg: &ServerMsg,
) -> Result<(), FrameError> {
    match tokio::time::timeout(WRITE_TIMEOUT, write_frame(w, msg)).await {
        Ok(r) => r,
        Err(_) => Err(FrameError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the watcher stopped reading",
        ))),
    }
}

async fn cut_off(stream: &mut UnixStream, tx: &mpsc::UnboundedSender<ShareMsg>, msg: ShareMsg) {
    if let ShareMsg::Refused { reason, .. } = &msg {
        let _ = write_frame(
            stream,
            &ServerMsg::Error {
                message: reason.clone(),
            },
        )
        .await;
    }
    let _ = tx.send(msg);
}
