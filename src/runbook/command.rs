//! Commands as a runbook writes them: a shell script (`run:`) or an argv list (`argv:`),
//! where they run (`on:`), and where their text lies in the file so a diagnostic can
//! point inside it.

use super::diag::Pos;
use super::template::Template;

/// An `on: NAME` key: the command runs on that `hosts:` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnHost {
    pub name: String,
    pub pos: Pos,
}

/// A command as written. Values reach it only as environment variables (`run`) or as whole
/// argv elements (`argv`); never as shell text.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Run {
        script: String,
        pos: Pos,
        /// Where the script's text lies, to point at a place inside it.
        layout: Layout,
    },
    Argv {
        args: Vec<Arg>,
        pos: Pos,
    },
}

/// How a scalar's text lies in the file, so that a byte offset in it maps to a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Nothing maps: every offset is shown at the start.
    #[default]
    Start,
    /// On one line, after an opening quote if `quoted`.
    Line { quoted: bool },
    /// A `|` block whose lines all start at the column of the first.
    Block,
}

impl Layout {
    /// The place of byte `offset` of `text`, which starts at `start`.
    pub fn pos(self, start: Pos, text: &str, offset: usize) -> Pos {
        let before = text.get(..offset).unwrap_or(text);
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        match self {
            Layout::Start => start,
            Layout::Line { quoted } => start.moved(
                start.line,
                start
                    .col
                    .saturating_add(u32::from(quoted))
                    .saturating_add(count(before.chars().count())),
            ),
            Layout::Block => {
                let line = before.matches('\n').count();
                let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
                start.moved(
                    start.line.saturating_add(count(line)),
                    start.col.saturating_add(count(col)),
                )
            }
        }
    }
}

impl Command {
    pub fn pos(&self) -> Pos {
        match self {
            Command::Run { pos, .. } | Command::Argv { pos, .. } => *pos,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Lit(String),
    /// A whole element that is one value (`'{{ node }}'`).
    Var {
        name: String,
        pos: Pos,
    },
    /// Text and values in one element (`--field-selector=spec.nodeName={{ node }}`): still
    /// one argv element whatever the values hold.
    Part {
        template: Template,
        pos: Pos,
    },
}

impl Arg {
    /// Whether this element reads the value `name`.
    pub fn reads(&self, name: &str) -> bool {
        match self {
            Arg::Lit(_) => false,
            Arg::Var { name: n, .. } => n == name,
            Arg::Part { template, .. } => template.vars().any(|(n, _)| n == name),
        }
    }

    /// The value this element starts with, if it starts with one: a value with a leading
    /// `-` there makes the program read the element as an option.
    pub fn leading_value(&self) -> Option<(&str, Pos)> {
        match self {
            Arg::Lit(_) => None,
            Arg::Var { name, pos } => Some((name, *pos)),
            Arg::Part { template, .. } => match template.parts.first() {
                Some(super::template::Part::Var { name, pos, .. }) => Some((name, *pos)),
                _ => None,
            },
        }
    }
}
