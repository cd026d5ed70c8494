//! The pure engine: state + event → new state + effects. No I/O, no clock, no tokio
//! (ARCHITECTURE.md, "The engine is pure"). The driver performs the effects (journal first)
//! and feeds results back.

// The engine and the loader run on every input: they return errors, never panic.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod apply;
mod apply_choice;
mod apply_run;
mod approvers;
pub mod blind;
pub mod choices;
mod choose;
mod client;
mod command_done;
mod commands;
mod confirm;
mod deciding;
pub mod default_choice;
mod ends;
pub mod event;
pub mod expect;
mod flow;
pub mod impact;
mod later;
mod lifecycle;
pub mod logs;
mod manual;
pub mod messages;
pub mod option_like;
pub mod phase;
mod read;
mod recapture;
pub mod rehearsal;
mod reject;
pub mod remote;
mod replay;
pub mod rollback;
mod run_progress;
pub mod ssh_failure;
mod stage;
pub mod state;
mod step;
mod step_gates;
pub mod steps;
pub mod update;
mod verify_all;

pub use approvers::Tally;
pub use blind::Viewer;
pub use confirm::{MAX_MISSES, PendingApproval, tries_left};
pub use event::RemoteFailure;
pub use event::{
    Answer, ClientAnswer, CommandResult, Effect, Event, Program, RunbookChange, Spawn, StartInfo,
    Verdict, Who,
};
pub use logs::{LogKind, log_path};
pub use phase::{Phase, Todo};
pub use read::Polled;
pub use remote::RemoteTarget;
pub use replay::Replay;
pub use rollback::{RollbackPlan, rollback_plan_of_pass_supposing, rollback_plan_supposing};
pub use state::{Counted, Ended, Engine, Progress, StepState};
pub use update::Refusal;

#[cfg(test)]
pub(crate) mod tests;

#[cfg(test)]
mod approvers_tests;
#[cfg(test)]
mod deciding_tests;

#[cfg(test)]
mod flow_tests;

#[cfg(test)]
mod doubt_tests;

#[cfg(test)]
mod blind_tests;

#[cfg(test)]
mod prop_tests;

#[cfg(test)]
mod later_tests;
#[cfg(test)]
mod progress_tests;

#[cfg(test)]
mod recapture_tests;
#[cfg(test)]
mod resume_tests;
#[cfg(test)]
mod run_progress_tests;
#[cfg(test)]
mod stage_tests;
#[cfg(test)]
mod undo_failed_tests;
#[cfg(test)]
mod verify_all_tests;
