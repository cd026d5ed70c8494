//! The client side: find a live run's socket, connect, say hello, read the welcome.

use std::path::PathBuf;

use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

use super::frame::{self, Reader};
use super::protocol::{ClientMsg, MAX_SERVER_FRAME, PROTOCOL, ServerMsg, Want, Welcome};
use super::socket_dir;
use crate::text_safety::one_line;

pub struct Connection {
    /// The server's frames after the welcome (some may already be buffered here).
    pub frames: Reader<OwnedReadHalf, ServerMsg>,
    pub writer: OwnedWriteHalf,
    pub welcome: Welcome,
}

/// Live sockets in the socket directory, by run id (newest last).
pub fn sockets() -> Vec<(String, PathBuf)> {
    let dir = socket_dir::dir();
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let id = name.strip_suffix(".sock")?.to_string();
            Some((id, e.path()))
        })
        .collect();
    out.sort();
    out
}

/// The socket of `run_id`, or of the only live run when none is named.
pub fn find(run_id: Option<&str>) -> Result<PathBuf, String> {
    let dir = socket_dir::dir();
    // A directory on the way closed to this user hides every run behind it: said as such,
    // not as "no live run".
    if let Some(why) = closed_to_me(&dir) {
        return Err(why);
    }
    socket_dir::check(&dir).map_err(|e| format!("refusing the socket directory: {e}"))?;
    match run_id {
        Some(id) => {
            if id.contains('/') || id.starts_with('.') {
                return Err(format!("`{id}` is not a run id"));
            }
            let p = socket_dir::socket_path(&dir, id);
            if p.exists() {
                Ok(p)
            } else {
                Err(format!(
                    "no live run `{id}` in {} (see `shisa sessions`)",
                    dir.display()
                ))
            }
        }
        None => match sockets().as_slice() {
            [] => Err(format!("no live runs in {}", dir.display())),
            [(_, p)] => Ok(p.clone()),
            many => Err(format!(
                "several live runs; name one: {}",
                many.iter()
                    .map(|(id, _)| id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        },
    }
}

/// What a client reads from the run at once, at most: a 250 ms frame of a busy run (200
/// records of ~500 bytes) in two reads.
const READ_BUFFER: usize = 64 * 1024;

pub async fn connect(socket: &PathBuf, want: Want) -> Result<Connection, String> {
    connect_paced(socket, want, None).await
}

/// The version a hello speaks: only a watcher naming its frame needs 4, so everything else
/// (approve, note, sessions, the TUI watch) still reaches a run started by a shisa from
/// before 4, as after a package upgrade in the middle of a run.
fn protocol_for(frame_ms: Option<u32>) -> u32 {
    if frame_ms.is_some() {
        PROTOCOL
    } else {
        BEFORE_FRAMES
    }
}

/// The last version without `frame_ms`.
const BEFORE_FRAMES: u32 = 3;

/// A refusal from a run that predates `frame_ms` (it rejects the unknown field, or the
/// version): the watcher asks again without naming a frame and is paced at 50 ms.
pub fn refused_as_too_new(refusal: &str) -> bool {
    refusal.contains("`frame_ms`")
        || refusal.contains(&format!("protocol {PROTOCOL} is not spoken"))
}

/// Connects, asking to be written to at most once every `frame_ms` (a watcher; the run holds
/// it to its bounds, `feed::frame_for`). `None`: the run's 50 ms.
pub async fn connect_paced(
    socket: &PathBuf,
    want: Want,
    frame_ms: Option<u32>,
) -> Result<Connection, String> {
    let stream = UnixStream::connect(socket)
        .await
        .map_err(|e| connect_error(socket, &e))?;
    let server = stream.peer_cred().map(|c| c.uid());
    let (reader, mut writer) = stream.into_split();
    let mut frames = frame::reader_sized(reader, MAX_SERVER_FRAME, READ_BUFFER);
    // A server that turns us away says why and closes, possibly before our hello lands:
    // read its answer even if the hello could not be written.
    let sent = frame::write(
        &mut writer,
        &ClientMsg::Hello {
            protocol: protocol_for(frame_ms),
            want,
            frame_ms,
        },
    )
    .await;
    match frame::next(&mut frames).await {
        Ok(ServerMsg::Welcome(welcome)) => {
            let mut welcome = *welcome;
            check_server(socket, server, &welcome)?;
            clean(&mut welcome);
            Ok(Connection {
                frames,
                writer,
                welcome,
            })
        }
        Ok(ServerMsg::Error { message }) => Err(format!("the run refused: {message}")),
        Ok(other) => Err(format!("unexpected answer from the run: {other:?}")),
        Err(e) => match sent {
            Err(sent) => Err(format!("cannot talk to the run: {sent}")),
            Ok(()) => Err(format!("the run did not answer: {e}")),
        },
    }
}

/// The first directory on the way to `dir` (itself included) that this user may not
/// enter or list, as a sentence with the fix; None when every one lets them through.
fn closed_to_me(dir: &std::path::Path) -> Option<String> {
    use nix::unistd::{AccessFlags, access};
    let abs = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(dir)
    };
    let mut ways: Vec<&std::path::Path> = abs.ancestors().collect();
    ways.reverse();
    let last = ways.len().saturating_sub(1);
    for (n, d) in ways.into_iter().enumerate() {
        // Every directory must be entered; the socket directory itself also listed.
        let need = if n == last {
            AccessFlags::X_OK | AccessFlags::R_OK
        } else {
            AccessFlags::X_OK
        };
        match access(d, need) {
            Ok(()) => {}
            Err(nix::errno::Errno::EACCES) => {
                return Some(format!(
                    "cannot reach live runs in {}: you may not enter {}. A run shared with your group still needs every directory on the way open to you: its operator (or an admin) runs `chmod o+x {}`, or starts the run with SHISA_SOCKET_DIR set to a directory you can enter",
                    dir.display(),
                    d.display(),
                    d.display()
                ));
            }
            // Missing: nothing is running there yet; the usual messages say so.
            Err(_) => return None,
        }
    }
    None
}

/// Sends one message and waits for its `result`.
pub async fn request(conn: &mut Connection, msg: &ClientMsg) -> Result<(bool, String), String> {
    frame::write(&mut conn.writer, msg)
        .await
        .map_err(|e| e.to_string())?;
    loop {
        match frame::next(&mut conn.frames).await {
            Ok(ServerMsg::Result { ok, message }) => return Ok((ok, message)),
            Ok(ServerMsg::Error { message }) => return Err(message),
            Ok(_) => continue,
            Err(e) => return Err(format!("the run did not answer: {e}")),
        }
    }
}

/// The server must be who it says: the socket file's owner, the peer the kernel names and
/// the operator in the welcome are one account. Anyone can create a socket in a shared
/// directory; only the run's operator can be all three.
fn check_server(
    socket: &std::path::Path,
    server: std::io::Result<u32>,
    w: &Welcome,
) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let owner = std::fs::symlink_metadata(socket)
        .map_err(|e| format!("{}: {e}", socket.display()))?
        .uid();
    let peer = server.map_err(|e| format!("cannot identify the run's process: {e}"))?;
    if owner != peer || peer != w.operator_uid {
        return Err(format!(
            "refusing {}: the socket belongs to uid {owner}, is served by uid {peer}, and names uid {} as its operator",
            socket.display(),
            w.operator_uid
        ));
    }
    Ok(())
}

/// Everything in a welcome is shown on a terminal: nothing in it may act on one.
fn clean(w: &mut Welcome) {
    for field in [
        &mut w.run_id,
        &mut w.runbook_name,
        &mut w.operator,
        &mut w.host,
        &mut w.started,
        &mut w.you,
    ] {
        *field = one_line(field);
    }
    w.current_step = w.current_step.as_deref().map(one_line);
    if let Some(p) = &mut w.pending {
        for field in [&mut p.step, &mut p.title, &mut p.command, &mut p.target] {
            *field = one_line(field);
        }
    }
}

/// What a failed connection means, in words an operator can act on. A socket left by a
/// run whose process is gone is removed when it is ours.
fn connect_error(socket: &std::path::Path, e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let shown = socket.display();
    match e.kind() {
        ErrorKind::PermissionDenied => format!(
            "cannot connect to {shown}: the run is not shared with you (its operator starts it with --share-with GROUP, a group you are in)"
        ),
        ErrorKind::ConnectionRefused => {
            let removed = remove_if_stale_and_mine(socket);
            format!(
                "the run behind {shown} is gone (its process was killed or crashed){}; its operator continues it with `shisa resume RUN_DIR`",
                if removed {
                    ", so its socket was removed"
                } else {
                    ""
                }
            )
        }
        _ => format!("cannot connect to {shown}: {e}"),
    }
}

/// Removes a socket nobody listens on, if this user owns it.
pub fn remove_if_stale_and_mine(socket: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let mine =
        std::fs::symlink_metadata(socket).is_ok_and(|m| m.uid() == nix::unistd::getuid().as_raw());
    let dead = std::os::unix::net::UnixStream::connect(socket)
        .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused);
    mine && dead && std::fs::remove_file(socket).is_ok()
}

/// The `SUDO_USER` this client runs with (`sudo shisa approve`), sent with an approval or a
/// rejection. The server believes it only from a root peer.
pub fn sudo_user() -> Option<String> {
    std::env::var("SUDO_USER").ok().filter(|u| !u.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only a watcher naming its frame speaks 4: approve, note, sessions and the TUI watch
    /// reach a run whose shisa predates frames (an upgrade in the middle of a run).
    #[test]
    fn only_a_hello_naming_a_frame_speaks_the_new_version() {
        assert_eq!(protocol_for(None), 3);
        assert_eq!(protocol_for(Some(250)), PROTOCOL);
        // What a protocol-3 run says to a hello naming a frame, and to version 4: the
        // line-mode watcher asks again without a frame.
        let old =
            "the run refused: bad hello: unknown field `frame_ms`, expected `type` or `protocol`";
        assert!(refused_as_too_new(old));
        assert!(refused_as_too_new(
            "the run refused: protocol 4 is not spoken here (this run speaks 3)"
        ));
        assert!(!refused_as_too_new(
            "the run refused: you are not in this run's share group"
        ));
    }
}
