//! The shared session: a live run's Unix socket, its protocol, the server inside the run,
//! and the client side used by `watch`, `approve`, `note` and `sessions`.

pub mod backlog;
pub mod client;
pub mod feed;
pub mod frame;
pub mod hub;
pub mod limits;
pub mod peer;
pub mod protocol;
pub mod server;
pub mod socket_dir;
pub mod tail;
