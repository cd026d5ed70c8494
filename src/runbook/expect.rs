//! What a command's result must show (`expect:`), what it captures (`capture:`), and the
//! regular expressions both use, which remember where they were written.

use std::collections::BTreeMap;

use regex::Regex;

use super::diag::Pos;
use super::template::Template;

/// A compiled regular expression that remembers its source text and place.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: String,
    pub regex: Regex,
    pub pos: Pos,
    /// `must_match: '^{{ node }}$'`: the pattern reads values, each one inserted with its
    /// regex metacharacters escaped (a value `a.b` matches only `a.b`), so it is compiled
    /// per use ([`Pattern::matches`]); `regex` is then only the loader's syntax check.
    pub template: Option<Template>,
}

impl Pattern {
    /// For patterns that read no values (parameters' own rules, captures, `when`).
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// Whether `text` matches, the pattern's values taken from `vars`, as literals.
    pub fn matches(&self, text: &str, vars: &BTreeMap<String, String>) -> bool {
        match &self.template {
            None => self.regex.is_match(text),
            Some(t) => {
                let source = t.render_with(|name| vars.get(name).map(|v| regex::escape(v)));
                // Escaped values cannot break a pattern the loader compiled; a size limit
                // can still refuse a huge value, and then nothing matches.
                regex::RegexBuilder::new(&source)
                    .size_limit(1 << 20)
                    .build()
                    .is_ok_and(|re| re.is_match(text))
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub exit: i32,
    pub stdout_contains: Vec<Template>,
    pub stdout_not_contains: Vec<Template>,
    pub stdout_matches: Vec<Pattern>,
    pub stdout_equals: Option<Template>,
    /// `stdout_number: { lt: '{{ size_before }}' }`: stdout read as a number and compared.
    pub stdout_number: Vec<NumberCheck>,
}

#[derive(Debug, Clone)]
pub struct NumberCheck {
    pub op: Compare,
    pub value: Template,
    pub pos: Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl Compare {
    pub const ALL: [(&'static str, Compare); 5] = [
        ("lt", Compare::Lt),
        ("le", Compare::Le),
        ("gt", Compare::Gt),
        ("ge", Compare::Ge),
        ("eq", Compare::Eq),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, c)| *c == self)
            .map_or("?", |(n, _)| n)
    }

    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Compare::Lt => left < right,
            Compare::Le => left <= right,
            Compare::Gt => left > right,
            Compare::Ge => left >= right,
            Compare::Eq => left == right,
        }
    }
}

impl Expect {
    pub fn looks_at_stdout(&self) -> bool {
        !(self.stdout_contains.is_empty()
            && self.stdout_not_contains.is_empty()
            && self.stdout_matches.is_empty()
            && self.stdout_equals.is_none()
            && self.stdout_number.is_empty())
    }
}

#[derive(Debug, Clone)]
pub struct Capture {
    pub name: String,
    pub pos: Pos,
    pub pattern: Pattern,
    /// `capture: { name: { regex: '…', secret: true } }`: masked like a secret parameter;
    /// the capturing command's stdout is withheld from its log and the screen.
    pub secret: bool,
}
