//! Running commands: the runner (process groups, streaming, timeouts), secret scrubbing and
//! making output safe to draw.
#![forbid(unsafe_code)]

mod output;
pub mod procs;
pub mod redact;
pub mod runner;
pub mod sanitize;
pub mod survivors;
mod watch;

#[cfg(test)]
mod tests;
