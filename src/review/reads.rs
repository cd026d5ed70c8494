//! Which values a command reads, and where one came from on a path of the review's walk.

use crate::runbook::model::{Arg, Command, Expect};
use crate::runbook::show;

/// Where a value a command reads came from, on one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A parameter's value (secrets masked), or any value not made up by the walk.
    Given(String),
    /// The loop pass's item.
    Item(String),
    /// Captured by this step on the path (the value itself is made up, so not shown).
    Captured(String),
    /// Never set on this path: the command would fail on it (`set -u`), or get `<name>`.
    Unset,
}

/// The names a command reads — `$name` in a script, a `{{ name }}` argv element, a
/// `{{ name }}` in what its output is judged against — each once, in order.
pub fn reads(cmd: &Command, expect: Option<&Expect>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |n: &str| {
        if !out.iter().any(|o| o == n) {
            out.push(n.to_string());
        }
    };
    match cmd {
        Command::Run { script, .. } => show::script_refs(script).for_each(&mut add),
        Command::Argv { args, .. } => {
            for a in args {
                if let Arg::Var { name, .. } = a {
                    add(name);
                }
            }
        }
    }
    if let Some(e) = expect {
        for t in e
            .stdout_contains
            .iter()
            .chain(&e.stdout_not_contains)
            .chain(&e.stdout_equals)
            .chain(e.stdout_number.iter().map(|n| &n.value))
        {
            t.vars().for_each(|(v, _)| add(v));
        }
    }
    out
}
