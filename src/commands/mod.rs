//! One module per subcommand; `main` dispatches here.

pub mod check;
pub mod export;
pub mod plan;
mod plan_map;
pub mod plan_resolve;
mod plan_step;
pub mod rehearsal;
pub mod resume;
pub mod review;
pub mod rollback;
pub mod run;
pub mod run_history;
pub mod runbook_copy;
pub mod runs;
mod runs_left;
pub mod runs_table;
pub mod session;
pub mod share_clients;
pub mod verify;
pub mod watch;
pub mod watch_tui;
pub mod witness;
