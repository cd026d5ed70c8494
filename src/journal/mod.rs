//! The write-ahead, hash-chained journal: record types, the writer (fsync, chain, group
//! commit) and the reader (verify, recover a torn tail).

pub mod background;
pub mod choice;
pub mod person;
pub mod reader;
pub mod record;
mod record_de;
mod torn;
mod torn_data;
pub mod writer;

#[cfg(test)]
mod tests;
