//! The shared session: a live run's Unix socket, its protocol, the server inside the run,
//! and the client side used by `watch`, `approve`, `note` and `sessions`.

pub mod client;
pub mod frame;
pub mod hub;
pub mod limits;
pub mod peer;
pub mod protocol;
pub mod server;
pub mod socket_dir;

/// Waits on `f` if there is one, else forever: a `select!` branch for something that may
/// not exist (a watcher's live queue, a signal that could not be installed).
pub async fn or_pending<F: Future>(f: Option<F>) -> F::Output {
    match f {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}
