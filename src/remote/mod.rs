//! Remote hosts: running a step's command on another machine with the system's OpenSSH
//! client. No SSH library and no protocol of shisa's own: ssh carries the bytes, the user's
//! `~/.ssh/config` decides how to reach a host, and shisa adds only what makes it safe for
//! a runbook (see ARCHITECTURE.md, "Remote hosts").
//!
//! Values never become shell text. The one string the remote shell parses is a constant
//! (`prelude.rs`, `prelude.bash`); the variables and the script or argv travel on ssh's
//! stdin as NUL-terminated fields (`request.rs`) that the prelude reads as data and hands to
//! `env` and `bash -c` as whole arguments.
//!
//! Trust boundary: the remote host runs whatever the runbook says, as the login user (or
//! root with `sudo`); shisa trusts a host only after ssh has checked its key against
//! known_hosts. What comes back (output, exit status) is judged like a local command's.
//!
//! How the driver uses it, per run:
//! 1. `ControlDir::create(socket_dir, run_id)` and `Transport::new(dir)`; on resume, first
//!    `Transport::close_all()` (masters from before a crash are not reused).
//! 2. Before the first command on a host: `Transport::open(host, log)`; anything but
//!    `SshOutcome::Exited(0)` refuses the step before anything runs there.
//! 3. Per command: `Transport::remote_spawn(host, &spawn, run_dir)` turns the engine's
//!    `Spawn` into the local one (ssh, no step values in its environment), the stdin bytes
//!    and the ssh log path; `exec::runner::Runner::start_fed(&spawn, stdin)` spawns it with
//!    those bytes on stdin (held open until it exits); when it ends, `classify(result.exit,
//!    ssh log text)` says whether it was the remote command's exit or ssh's failure, and
//!    which. (`Transport::invocation` is the same without the `Spawn`.)
//! 4. At the end of the run: `Transport::close(host)` for each host (or `close_all`).

pub mod classify;
mod control;
pub mod prelude;
mod request;
mod spawn;
mod ssh;

pub use crate::runbook::host::{Host, HostError};
pub use classify::{Class, Failure, NotReady, SshOutcome, classify, remote_status};
pub use control::ControlDir;
pub use request::{MAGIC, RequestError, encode};
pub use spawn::RemoteSpawn;
pub use ssh::{CONNECT_TIMEOUT_S, CONTROL_PERSIST, Invocation, Opened, Transport};
