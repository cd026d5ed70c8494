//! Terminal facts shared by every front end.

use std::io::IsTerminal;

/// Colour on stderr: only on a terminal, and never when `NO_COLOR` is set (no-color.org).
pub fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && !no_color()
}

pub fn stdout_color() -> bool {
    std::io::stdout().is_terminal() && !no_color()
}

pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}
