//! Running commands: the runner (process groups, streaming, timeouts), secret scrubbing and
//! making output safe to draw.
#![forbid(unsafe_code)]

mod output;
pub mod procs;
pub mod redact;
pub mod runner;
pub mod sanitize;
pub mod stream;
pub mod survivors;
mod wake;
mod watch;

#[cfg(test)]
mod tests;
