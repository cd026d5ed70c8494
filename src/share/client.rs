//! The client side: find a live run's socket, connect, say hello, read the welcome.

use std::path::PathBuf;

use tokio::net::UnixStream;

use super::protocol::{
    ClientMsg, MAX_SERVER_FRAME, PROTOCOL, ServerMsg, Want, Welcome, read_frame, write_frame,
};
use super::socket_dir;

pub struct Connection {
    pub stream: UnixStream,
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

pub async fn connect(socket: &PathBuf, want: Want) -> Result<Connection, String> {
    let mut stream = UnixStream::connect(socket)
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", socket.display()))?;
    // A server that turns us away says why and closes, possibly before our hello lands:
    // read its answer even if the hello could not be written.
    let sent = write_frame(
        &mut stream,
        &ClientMsg::Hello {
            protocol: PROTOCOL,
            want,
        },
    )
    .await;
    match read_frame::<_, ServerMsg>(&mut stream, MAX_SERVER_FRAME).await {
        Ok(ServerMsg::Welcome(welcome)) => Ok(Connection {
            stream,
            welcome: *welcome,
        }),
        Ok(ServerMsg::Error { message }) => Err(format!("the run refused: {message}")),
        Ok(other) => Err(format!("unexpected answer from the run: {other:?}")),
        Err(e) => match sent {
            Err(sent) => Err(format!("cannot talk to the run: {sent}")),
            Ok(()) => Err(format!("the run did not answer: {e}")),
        },
    }
}

/// Sends one message and waits for its `result`.
pub async fn request(conn: &mut Connection, msg: &ClientMsg) -> Result<(bool, String), String> {
    write_frame(&mut conn.stream, msg)
        .await
        .map_err(|e| e.to_string())?;
    loop {
        match read_frame::<_, ServerMsg>(&mut conn.stream, MAX_SERVER_FRAME).await {
            Ok(ServerMsg::Result { ok, message }) => return Ok((ok, message)),
            Ok(ServerMsg::Error { message }) => return Err(message),
            Ok(_) => continue,
            Err(e) => return Err(format!("the run did not answer: {e}")),
        }
    }
}
