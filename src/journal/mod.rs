//! The write-ahead, hash-chained journal: record types, the writer (fsync, chain, group
//! commit) and the reader (verify, recover a torn tail).

pub mod actor;
pub mod background;
pub mod choice;
pub mod kinds;
pub mod not_counted;
pub mod outcome;
pub mod person;
pub mod purpose;
pub mod reader;
pub mod reason;
pub mod record;
mod record_de;
pub mod run_ref;
pub mod stops;
mod torn;
pub use torn::kind as torn_kind;
mod torn_data;
mod torn_survived;
pub use torn_survived::{Survived, TornStep, survived as torn_survived};
pub mod writer;

#[cfg(test)]
mod tests;
