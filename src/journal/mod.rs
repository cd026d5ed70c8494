//! The write-ahead, hash-chained journal (DESIGN §4).

pub mod reader;
pub mod record;
pub mod writer;
