//! The write-ahead, hash-chained journal (DESIGN §4).

pub mod record;
