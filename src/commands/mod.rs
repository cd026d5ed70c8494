//! One module per subcommand; `main` dispatches here.

pub mod check;
pub mod export;
pub mod plan;
mod plan_map;
mod plan_step;
pub mod plan_resolve;
pub mod resume;
pub mod rollback;
pub mod run;
pub mod session;
pub mod share_clients;
pub mod verify;
pub mod watch;
pub mod watch_tui;
pub mod witness;
