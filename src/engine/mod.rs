//! The pure engine: state + event → new state + effects. No I/O, no clock, no tokio
//! (ARCHITECTURE.md, "The engine is pure"). The driver performs the effects (journal first)
//! and feeds results back.

// The engine and the loader run on every input: they return errors, never panic.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod apply;
mod choose;
mod commands;
mod confirm;
pub mod event;
pub mod expect;
mod flow;
mod lifecycle;
mod manual;
mod messages;
pub mod phase;
mod read;
pub mod rollback;
pub mod state;
pub mod update;
mod verify_all;

pub use confirm::PendingApproval;
pub use event::{CommandResult, Effect, Event, Offer, Program, RunbookChange, Spawn, StartInfo};
pub use phase::{Phase, Todo};
pub use rollback::RollbackPlan;
pub use state::{Engine, StepState};
pub use update::Refusal;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod flow_tests;

#[cfg(test)]
mod prop_tests;

#[cfg(test)]
mod verify_all_tests;
