//! shisa: a terminal runbook executor that makes the safe habits impossible to skip.
//!
//! The runbook format and its lint live in [`runbook`]; each subcommand in [`commands`].

#![forbid(unsafe_code)]

pub mod cli;
pub mod clock;
pub mod commands;
pub mod driver;
pub mod engine;
pub mod exec;
pub mod exit;
pub mod export;
pub mod frontend;
pub mod hash;
pub mod identity;
pub mod journal;
pub mod pending;
pub mod phrase;
pub mod remote;
pub mod review;
pub mod runbook;
pub mod share;
pub mod term;
pub mod text_safety;
pub mod timeline;
pub mod tui;
