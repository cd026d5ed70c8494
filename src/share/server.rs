//! Accepts connections on the run's socket. Each connection gets its own task: it checks the
//! peer, reads the client's frames under the size cap, and passes approvals and notes to the
//! driver. A watcher's connection writes from its own place in the one log the driver appends
//! each frame to once (`feed.rs`), once a frame, so a slow watcher only ever slows itself —
//! and is cut off when it falls too far behind.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::net::UnixListener;
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, oneshot};

use super::backlog::Join;
use super::feed::{BATCH, Cursor, Feed, Next, WATCHER_QUEUE, frame_for};
use super::frame::{self, Reader};
use super::limits::{
    APPROVE_BURST, APPROVE_EVERY, HELLO_TIMEOUT, Limits, NOTE_BURST, NOTE_EVERY, REQUEST_TIMEOUT,
};
use super::peer::Peer;
use super::protocol::{
    ClientMsg, FrameError, MAX_CLIENT_FRAME, OLDEST_PROTOCOL, PROTOCOL, ServerMsg, Want, Welcome,
};
use crate::pending::or_pending;

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
        sudo_user: Option<String>,
        reply: oneshot::Sender<(bool, String)>,
    },
    Note {
        id: u64,
        peer: Peer,
        text: String,
        reply: oneshot::Sender<(bool, String)>,
    },
    Reject {
        id: u64,
        peer: Peer,
        run_id: String,
        step: String,
        command_sha256: String,
        request: String,
        reason: String,
        sudo_user: Option<String>,
        reply: oneshot::Sender<(bool, String)>,
    },
    /// A connection ended, or (`why`) the server is dropping it: then sent before the
    /// watcher is told, and the one at the end is a no-op.
    Left { id: u64, why: Option<String> },
    /// A connection was refused or cut off; journaled.
    Refused { who: String, reason: String },
}

pub struct Admission {
    pub welcome: Welcome,
    /// For watchers: what to read for every record so far with the output backlog between
    /// them (`backlog::Join`, read here, off the driver's thread), then their place in the
    /// live log.
    pub replay: Option<Join>,
    pub live: Option<Cursor>,
}

pub struct Config {
    pub operator_uid: u32,
    pub share_gid: Option<u32>,
}

/// Starts accepting on the run's socket, on a thread of the share server's own.
///
/// Everything a watcher costs — its connection's task, waking once a frame, writing what it
/// has not yet sent — happens on that thread, not on the driver's: the driver only appends
/// each record once to `feed` (`Hub::record`), and the feed's pacer runs here too, so twenty
/// watchers never sit between one command's end and the next command's start. On two cores
/// the server and the run proceed side by side.
pub fn spawn_listener(
    listener: UnixListener,
    config: Config,
    to_driver: mpsc::UnboundedSender<ShareMsg>,
    feed: Arc<Feed>,
) -> std::io::Result<()> {
    // A listener belongs to the runtime it was made in: hand it over as a plain socket.
    let listener = listener.into_std()?;
    std::thread::Builder::new()
        .name("share".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                tokio::spawn(feed.pace());
                if let Ok(listener) = UnixListener::from_std(listener) {
                    accept(listener, config, to_driver).await;
                }
            });
        })?;
    Ok(())
}

/// Accepts connections for as long as the process lives; each gets a task of its own.
async fn accept(
    listener: UnixListener,
    config: Config,
    to_driver: mpsc::UnboundedSender<ShareMsg>,
) {
    let limits = Limits::new(config.operator_uid);
    let mut next_id = 0u64;
    loop {
        let (mut stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of descriptors, most likely: wait instead of spinning.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(peer) = Peer::of(&stream) else {
            continue;
        };
        let conn = Conn {
            id: next_id + 1,
            peer,
            limits: Arc::clone(&limits),
            tx: to_driver.clone(),
        };
        let place = if conn.peer.admitted(config.operator_uid, config.share_gid) {
            limits
                .connect(conn.peer.uid, Instant::now())
                .map_err(|m| (m.clone(), m))
        } else {
            let message = "this run is not shared with you".to_string();
            let why = format!("not the operator and not in the shared group: {message}");
            Err((message, why))
        };
        let slot = match place {
            Ok(slot) => slot,
            Err((message, why)) => {
                // A fresh socket's buffer takes this at once: no client can stall it.
                let _ = frame::write(&mut stream, &error(&message)).await;
                conn.refused(why);
                continue;
            }
        };
        next_id += 1;
        tokio::spawn(async move {
            conn.serve(stream).await;
            drop(slot);
        });
    }
}

fn error(message: &str) -> ServerMsg {
    ServerMsg::Error {
        message: message.to_string(),
    }
}

/// One connection, once it has a place.
struct Conn {
    id: u64,
    peer: Peer,
    limits: Arc<Limits>,
    tx: mpsc::UnboundedSender<ShareMsg>,
}

impl Conn {
    /// Journals a refusal, unless this user's refusals are coming too fast to journal.
    fn refused(&self, reason: String) {
        let Some(skipped) = self.limits.refusal(self.peer.uid, Instant::now()) else {
            return;
        };
        let reason = match skipped {
            0 => reason,
            n => format!("{reason} (and {n} earlier refusals of this user, too many to journal)"),
        };
        let _ = self.tx.send(ShareMsg::Refused {
            who: self.peer.describe(),
            reason,
        });
    }

    /// Says why the connection ends, journals it, and ends it.
    async fn cut_off(&self, writer: &mut OwnedWriteHalf, reason: String) {
        // Queued for the journal before the client hears it, so nothing it was told is
        // missing from the journal's order of events.
        self.refused(reason.clone());
        let _ = write_timed(writer, &error(&reason)).await;
    }

    /// Drops a watcher after its welcome. As with `cut_off`, the driver hears why before the
    /// watcher does: a run that ends the moment after still journals the drop. Returns
    /// `None`, since the `Left` at the connection's end then finds it gone and is a no-op.
    async fn drop_watcher(&self, writer: &mut OwnedWriteHalf, why: String) -> Option<String> {
        let _ = self.tx.send(ShareMsg::Left {
            id: self.id,
            why: Some(why.clone()),
        });
        let _ = write_timed(writer, &error(&why)).await;
        None
    }

    async fn serve(self, stream: UnixStream) {
        let (reader, mut writer) = stream.into_split();
        let mut frames = frame::reader::<_, ClientMsg>(reader, MAX_CLIENT_FRAME);
        let hello = tokio::time::timeout(HELLO_TIMEOUT, frame::next(&mut frames)).await;
        let (want, frame_ms) = match hello {
            Ok(Ok(ClientMsg::Hello {
                protocol,
                want,
                frame_ms,
            })) if (OLDEST_PROTOCOL..=PROTOCOL).contains(&protocol) => (want, frame_ms),
            Ok(Ok(ClientMsg::Hello { protocol, .. })) => {
                let message =
                    format!("protocol {protocol} is not spoken here (this run speaks {PROTOCOL})");
                let _ = write_timed(&mut writer, &error(&message)).await;
                return;
            }
            Ok(Ok(_)) => {
                return self
                    .cut_off(&mut writer, "sent a message before hello".into())
                    .await;
            }
            Ok(Err(FrameError::Closed)) => return,
            Err(_) => {
                let message = format!("no hello within {} seconds", HELLO_TIMEOUT.as_secs());
                let _ = write_timed(&mut writer, &error(&message)).await;
                return;
            }
            Ok(Err(e)) => return self.cut_off(&mut writer, e.to_string()).await,
        };
        let (reply, admitted) = oneshot::channel();
        let hello = ShareMsg::Hello {
            id: self.id,
            peer: self.peer.clone(),
            want,
            reply,
        };
        if self.tx.send(hello).is_err() {
            return;
        }
        let Ok(mut admission) = admitted.await else {
            return;
        };
        // Paced as it asked from here on: a line-mode watcher is woken a fifth as often as
        // one drawing screens (`feed.rs`, `FRAME`).
        if let Some(live) = admission.live.as_mut() {
            live.pace(frame_for(frame_ms));
        }
        // From here on the hub may count this connection as a watcher (its join is
        // journaled), so every way out says it left: `Left` of one that never joined is a
        // no-op.
        let welcome = ServerMsg::Welcome(Box::new(admission.welcome));
        let why = match write_timed(&mut writer, &welcome).await {
            Err(e) => stopped_reading(&e),
            Ok(()) if want == Want::Info => None,
            Ok(()) => match read_replay(admission.replay).await {
                // A replay that cannot be read is said to the watcher and journaled, not
                // passed off as the watcher leaving.
                Err(e) => {
                    let why =
                        format!("dropped: the run could not read its journal for the replay: {e}");
                    self.drop_watcher(&mut writer, why).await
                }
                Ok(replayed) => match send_replay(&mut writer, replayed).await {
                    Err(e) => stopped_reading(&e),
                    Ok(()) => self.converse(want, frames, writer, admission.live).await,
                },
            },
        };
        let _ = self.tx.send(ShareMsg::Left { id: self.id, why });
    }

    /// After the welcome: the client's requests, and for a watcher the live records. Returns
    /// why the server cut a watcher off, if it did.
    async fn converse(
        &self,
        want: Want,
        mut frames: Reader<OwnedReadHalf, ClientMsg>,
        mut writer: OwnedWriteHalf,
        mut live: Option<Cursor>,
    ) -> Option<String> {
        // A watcher may stay as long as it reads; a one-shot client says what it wants.
        let idle = tokio::time::sleep(REQUEST_TIMEOUT);
        tokio::pin!(idle);
        let mut out = Vec::with_capacity(BATCH);
        loop {
            tokio::select! {
                msg = frame::next(&mut frames) => {
                    let (ok, message) = self.request(msg, &mut writer).await?;
                    let answer = ServerMsg::Result { ok, message };
                    if write_timed(&mut writer, &answer).await.is_err() || want != Want::Watch {
                        return None;
                    }
                }
                // Woken once its frame with the others of that frame; what came since goes
                // out in one write.
                next = or_pending(live.as_mut().map(|c| c.next(&mut out))) => {
                    if next == Next::Behind {
                        let why = format!("dropped: not reading ({WATCHER_QUEUE} records behind the run)");
                        return self.drop_watcher(&mut writer, why).await;
                    }
                    match write_frames(&mut writer, &mut out).await {
                        Err(e) => return stopped_reading(&e),
                        Ok(()) if next == Next::End => return None,
                        Ok(()) => {}
                    }
                }
                _ = &mut idle, if want != Want::Watch => {
                    let message = format!("nothing asked for {} seconds", REQUEST_TIMEOUT.as_secs());
                    let _ = write_timed(&mut writer, &error(&message)).await;
                    return None;
                }
            }
        }
    }

    /// Passes one request to the driver and returns its answer; `None` ends the connection.
    async fn request(
        &self,
        msg: Result<ClientMsg, FrameError>,
        writer: &mut OwnedWriteHalf,
    ) -> Option<(bool, String)> {
        let (reply, answer) = oneshot::channel();
        let (id, peer) = (self.id, self.peer.clone());
        let msg = match msg {
            Ok(ClientMsg::Approve { .. } | ClientMsg::Reject { .. })
                if peer.uid != self.limits.operator_uid()
                    && self.limits.approve(peer.uid, Instant::now()).is_err() =>
            {
                let message = format!(
                    "too many approvals: {APPROVE_BURST} at once, then one every {} s; this one was not considered",
                    APPROVE_EVERY.as_secs()
                );
                self.refused(format!("an approval was not considered: {message}"));
                return Some((false, message));
            }
            Ok(ClientMsg::Approve {
                run_id,
                step,
                command_sha256,
                request,
                typed,
                sudo_user,
            }) => ShareMsg::Approve {
                id,
                peer,
                run_id,
                step,
                command_sha256,
                request,
                typed,
                sudo_user,
                reply,
            },
            Ok(ClientMsg::Reject {
                run_id,
                step,
                command_sha256,
                request,
                reason,
                sudo_user,
            }) => ShareMsg::Reject {
                id,
                peer,
                run_id,
                step,
                command_sha256,
                request,
                reason,
                sudo_user,
                reply,
            },
            Ok(ClientMsg::Note { text }) => match self.limits.note(peer.uid, Instant::now()) {
                Ok(()) => ShareMsg::Note {
                    id,
                    peer,
                    text,
                    reply,
                },
                Err(wait) => {
                    let message = format!(
                        "too many notes: {NOTE_BURST} at once, then one every {} s; this one was not recorded (try again in {:.1} s)",
                        NOTE_EVERY.as_secs(),
                        wait.as_secs_f64()
                    );
                    self.refused(format!("a note was not recorded: {message}"));
                    return Some((false, message));
                }
            },
            Ok(ClientMsg::Hello { .. }) => {
                self.refused("said hello twice".into());
                return None;
            }
            Err(FrameError::Closed) => return None,
            Err(e) => {
                self.cut_off(writer, e.to_string()).await;
                return None;
            }
        };
        self.tx.send(msg).ok()?;
        Some(answer.await.unwrap_or((false, "the run has ended".into())))
    }
}

/// The journal so far, read on a blocking thread: a join reads the whole journal and up to
/// 1 MiB of logs, and neither the driver's thread nor the other watchers' connections wait
/// for that.
async fn read_replay(join: Option<Join>) -> Result<Vec<Bytes>, FrameError> {
    let Some(join) = join else {
        return Ok(Vec::new());
    };
    match tokio::task::spawn_blocking(move || join.read()).await {
        Ok(read) => read,
        Err(e) => Err(FrameError::Io(std::io::Error::other(e))),
    }
}

/// The replay, in batches.
async fn send_replay(writer: &mut OwnedWriteHalf, frames: Vec<Bytes>) -> Result<(), FrameError> {
    for chunk in frames.chunks(BATCH) {
        write_frames(writer, &mut chunk.to_vec()).await?;
    }
    Ok(())
}

async fn write_frames(w: &mut OwnedWriteHalf, out: &mut Vec<Bytes>) -> Result<(), FrameError> {
    match tokio::time::timeout(WRITE_TIMEOUT, frame::write_all(w, out)).await {
        Ok(r) => Ok(r?),
        Err(_) => Err(FrameError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the watcher stopped reading",
        ))),
    }
}

/// Why a watcher was cut off when a write to it failed: one that stopped reading is
/// dropped, and the journal says so (ARCHITECTURE.md, share section); one that closed its
/// end simply left.
fn stopped_reading(e: &FrameError) -> Option<String> {
    match e {
        FrameError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => Some(format!(
            "dropped: stopped reading for {} s",
            WRITE_TIMEOUT.as_secs()
        )),
        _ => None,
    }
}

async fn write_timed(w: &mut OwnedWriteHalf, msg: &ServerMsg) -> Result<(), FrameError> {
    write_frames(w, &mut vec![frame::encode(msg)?]).await
}
