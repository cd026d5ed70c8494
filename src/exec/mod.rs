//! Running commands: the runner (process groups, streaming, timeouts), secret scrubbing and
//! making output safe to draw.

pub mod redact;
pub mod runner;
pub mod sanitize;
pub mod survivors;
