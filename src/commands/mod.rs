//! One module per subcommand; `main` dispatches here.

pub mod check;
pub mod plan;
