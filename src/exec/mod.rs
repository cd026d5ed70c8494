//! Running commands: the runner (process groups, streaming, timeouts), secret scrubbing and
//! the processes a command left behind. Making output safe to draw is `crate::text_safety`.
#![forbid(unsafe_code)]

mod output;
mod pool;
pub mod procs;
pub mod redact;
pub mod runner;
mod spare;
pub mod stream;
pub mod survivors;
mod wake;
mod watch;

#[cfg(test)]
mod tests;
