//! The pure engine: state + event → new state + effects. No I/O, no clock, no tokio
//! (ARCHITECTURE.md, "The engine is pure"). The driver performs the effects (journal first)
//! and feeds results back.

// The engine and the loader run on every input: they return errors, never panic.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod apply;
mod approvers;
pub mod blind;
mod choose;
mod commands;
mod confirm;
pub mod event;
pub mod expect;
mod flow;
pub mod impact;
mod later;
mod lifecycle;
mod manual;
pub mod messages;
pub mod option_like;
pub mod phase;
mod read;
pub mod rehearsal;
mod reject;
pub mod remote;
pub mod rollback;
pub mod state;
mod step;
pub mod steps;
pub mod update;
mod verify_all;

pub use approvers::Tally;
pub use blind::Viewer;
pub use confirm::PendingApproval;
pub use event::RemoteFailure;
pub use event::{
    CommandResult, Effect, Event, Offer, Program, Rejection, RunbookChange, Spawn, StartInfo, Who,
};
pub use phase::{Phase, Todo};
pub use remote::RemoteTarget;
pub use rollback::RollbackPlan;
pub use state::{Counted, Ended, Engine, Progress, StepState};
pub use update::Refusal;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod approvers_tests;

#[cfg(test)]
mod flow_tests;

#[cfg(test)]
mod blind_tests;

#[cfg(test)]
mod prop_tests;

#[cfg(test)]
mod progress_tests;

#[cfg(test)]
mod verify_all_tests;
