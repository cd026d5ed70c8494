//! A step's `target:`: how it is looked up, the rules it must pass, how the operator
//! confirms it, and its blast radius (`impact`).

use super::command::{Command, OnHost};
use std::collections::BTreeMap;
use std::fmt;

use super::diag::Pos;
use super::expect::Pattern;

#[derive(Debug, Clone)]
pub struct Target {
    pub pos: Pos,
    pub describe: Command,
    /// `on:` inside `target:`: where `describe` runs, if not where the step does.
    pub on: Option<OnHost>,
    pub capture: Option<Pattern>,
    pub must_match: Option<Pattern>,
    pub deny: Vec<Pattern>,
    /// How the operator (and a reviewer) confirm it: `echo` types back what is shown,
    /// `blind` names the intended target before the resolved one is shown.
    pub confirm: Confirm,
    /// `impact:`: a read-only count of what the step touches, refused above `at_most`.
    pub impact: Option<Impact>,
}

/// How a target is confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Confirm {
    /// The resolved target is shown; the operator types it back.
    #[default]
    Echo,
    /// The operator names the target they intend (from the ticket) first; the resolved
    /// one is shown only once the two match. Copying a screen cannot pass it.
    Blind,
}

impl Confirm {
    pub const ALL: &[(&str, Confirm)] = &[("echo", Confirm::Echo), ("blind", Confirm::Blind)];

    pub fn name(self) -> &'static str {
        match self {
            Confirm::Echo => "echo",
            Confirm::Blind => "blind",
        }
    }
}

/// The blast radius of a step: a read-only command that counts what it touches (run after
/// `describe`, where `describe` runs), and the most it may touch. Above it the step is
/// refused with no override, like a `deny` pattern.
#[derive(Debug, Clone)]
pub struct Impact {
    pub pos: Pos,
    pub command: Command,
    pub at_most: Limit,
}

/// Largest `at_most`: a count an operator can read, and exact as a JSON number.
pub const MAX_AT_MOST: u64 = 1 << 40;

/// `at_most`: a number written in the runbook, or `'{{ param }}'`, a parameter's value (the
/// count the ticket names differs from run to run). A parameter's value must be a whole
/// number: a run refuses to start with anything else ([`Limit::resolve`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    Fixed(u64),
    /// The value of the parameter `name` (of the runbook, or of the fragment the step
    /// is in), written at `pos`.
    Param {
        name: String,
        pos: Pos,
    },
}

/// Why a parameter's value is not a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitError {
    /// The parameter has no value (yet: `plan` without `-p`).
    Missing { name: String },
    /// The value is not a whole number from 0 to [`MAX_AT_MOST`].
    NotWhole { name: String, value: String },
}

impl Limit {
    /// The parameter it reads, if it reads one.
    pub fn param(&self) -> Option<&str> {
        match self {
            Limit::Fixed(_) => None,
            Limit::Param { name, .. } => Some(name),
        }
    }

    /// The limit with these values.
    pub fn resolve(&self, vars: &BTreeMap<String, String>) -> Result<u64, LimitError> {
        match self {
            Limit::Fixed(n) => Ok(*n),
            Limit::Param { name, .. } => {
                let value = vars
                    .get(name)
                    .ok_or_else(|| LimitError::Missing { name: name.clone() })?;
                whole(value).ok_or_else(|| LimitError::NotWhole {
                    name: name.clone(),
                    value: value.clone(),
                })
            }
        }
    }
}

/// As written: `3`, or `{{ max_accounts }}`.
impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Fixed(n) => write!(f, "{n}"),
            Limit::Param { name, .. } => write!(f, "{{{{ {name} }}}}"),
        }
    }
}

/// A limit as a parameter's value may give it: digits only (`1,000`, `-1`, `1e3`, ` 3`
/// are not counts), from 0 to [`MAX_AT_MOST`].
pub fn whole(value: &str) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse::<u64>().ok().filter(|n| *n <= MAX_AT_MOST)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_limit_from_a_parameter_is_its_value_read_as_a_whole_number() {
        let limit = Limit::Param {
            name: "max".into(),
            pos: Pos::default(),
        };
        assert_eq!(limit.resolve(&vars(&[("max", "23")])), Ok(23));
        assert_eq!(limit.resolve(&vars(&[("max", "0")])), Ok(0));
        assert_eq!(
            limit.resolve(&vars(&[])),
            Err(LimitError::Missing { name: "max".into() })
        );
        for bad in [
            "",
            "ten",
            "-1",
            "+3",
            "1,000",
            "1e3",
            " 3",
            "3 ",
            "3.0",
            "1099511627777",
        ] {
            assert_eq!(
                limit.resolve(&vars(&[("max", bad)])),
                Err(LimitError::NotWhole {
                    name: "max".into(),
                    value: bad.into()
                }),
                "{bad:?} was read as a limit"
            );
        }
        assert_eq!(limit.to_string(), "{{ max }}");
        assert_eq!(Limit::Fixed(3).to_string(), "3");
    }
}
