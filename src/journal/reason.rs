//! Why a command failed, or a poll does not hold yet — as data (why a step asked, ended or
//! stopped, and why a run ended, are in `stops.rs`). The engine journals each beside its
//! English sentence (`engine::messages` words it, for
//! people reading the journal itself and for older shisa); every phrasebook says the data
//! in its own language, so a Japanese export never quotes an English reason. Journals
//! written before these fields hold the sentence only, and are read and phrased as before.

use serde::{Deserialize, Serialize};

/// Why a command counts as failed, or why a poll of `wait_until` does not hold yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "failure", rename_all = "snake_case")]
pub enum CommandFailure {
    /// The program could not be started; `error` is the system's own words.
    NotStarted {
        error: String,
    },
    /// The output log could not be written; `error` is the system's own words.
    LogLost {
        error: String,
    },
    /// Stopped at its time limit (absent: the runner's default).
    TimedOut {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit_ms: Option<u64>,
    },
    Killed {
        signal: i32,
    },
    Exit {
        code: i32,
        expected: i32,
    },
    /// An expectation on stdout did not hold (the first one; each is in `expect_failed`).
    Unmet {
        expected: Expected,
        saw: Saw,
        /// Only the first MiB of stdout was kept to be checked.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        truncated: bool,
    },
    /// A `capture` found nothing in stdout.
    NoCapture {
        name: String,
        pattern: String,
    },
    /// The target's `describe` printed nothing to confirm.
    NothingDescribed,
    /// The target's `impact` printed no count: nothing at all, or this first line.
    NoCount {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_line: Option<String>,
    },
    /// ssh itself failed (`kind` as in `command_finished.ssh_failure`); `message` is the
    /// transport's explanation, which names ssh's own words and the fix.
    Ssh {
        kind: String,
        message: String,
    },
    /// A `wait_until` ran past its deadline; `last` is why its last poll did not hold.
    Deadline {
        deadline_ms: u64,
        polls: u32,
        last: Box<CommandFailure>,
    },
}

/// What an expectation on stdout asked for (values masked, as journaled).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "test", rename_all = "snake_case")]
pub enum Expected {
    Contains {
        text: String,
    },
    NotContains {
        text: String,
    },
    Matches {
        pattern: String,
    },
    Equals {
        text: String,
    },
    /// stdout read as a number, compared with `limit` by `op` (`lt`, `le`, `gt`, `ge`, `eq`).
    Number {
        op: String,
        limit: String,
    },
}

/// What the command printed instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "saw", rename_all = "snake_case")]
pub enum Saw {
    /// Nothing, or only blank lines.
    NoOutput,
    Output(Excerpt),
    /// A number was expected and stdout is not one.
    NotANumber(Excerpt),
    /// The limit, once its values were filled in, is not a number: the runbook's mistake.
    LimitNotANumber,
}

/// A bounded excerpt of stdout (masked before it was cut): its first lines and, when it is
/// longer, how many were left out and its last lines. Each line is at most `LINE_CHARS`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excerpt {
    pub head: Vec<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tail: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Excerpt {
    /// Lines shown when the output is short; a longer one shows `HEAD` then `TAIL`.
    pub const HEAD: usize = 3;
    pub const TAIL: usize = 2;
    pub const LINE_CHARS: usize = 120;

    /// The excerpt of `text`, or `None` when it has nothing but blank lines. Blank lines at
    /// either end are dropped; so is the `\r` of a `\r\n` ending.
    pub fn of(text: &str) -> Option<Excerpt> {
        let lines: Vec<&str> = text.lines().collect();
        let first = lines.iter().position(|l| !l.trim().is_empty())?;
        let last = lines.iter().rposition(|l| !l.trim().is_empty())?;
        let lines = &lines[first..=last];
        let clip = |l: &&str| clip(l);
        if lines.len() <= Self::HEAD + Self::TAIL {
            return Some(Excerpt {
                head: lines.iter().map(clip).collect(),
                skipped: 0,
                tail: Vec::new(),
            });
        }
        Some(Excerpt {
            head: lines[..Self::HEAD].iter().map(clip).collect(),
            skipped: lines.len() - Self::HEAD - Self::TAIL,
            tail: lines[lines.len() - Self::TAIL..].iter().map(clip).collect(),
        })
    }

    /// Every string in it passed through `f` (masking).
    pub fn map(&self, f: &dyn Fn(&str) -> String) -> Excerpt {
        Excerpt {
            head: self.head.iter().map(|l| f(l)).collect(),
            skipped: self.skipped,
            tail: self.tail.iter().map(|l| f(l)).collect(),
        }
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() > Excerpt::LINE_CHARS {
        s.chars().take(Excerpt::LINE_CHARS - 3).collect::<String>() + "..."
    } else {
        s.to_string()
    }
}

impl Saw {
    /// What stdout was: an excerpt, or no output.
    pub fn output(text: &str) -> Saw {
        Excerpt::of(text).map_or(Saw::NoOutput, Saw::Output)
    }

    pub fn map(&self, f: &dyn Fn(&str) -> String) -> Saw {
        match self {
            Saw::Output(e) => Saw::Output(e.map(f)),
            Saw::NotANumber(e) => Saw::NotANumber(e.map(f)),
            other => other.clone(),
        }
    }
}

impl Expected {
    pub fn map(&self, f: &dyn Fn(&str) -> String) -> Expected {
        match self {
            Expected::Contains { text } => Expected::Contains { text: f(text) },
            Expected::NotContains { text } => Expected::NotContains { text: f(text) },
            Expected::Matches { pattern } => Expected::Matches {
                pattern: f(pattern),
            },
            Expected::Equals { text } => Expected::Equals { text: f(text) },
            Expected::Number { op, limit } => Expected::Number {
                op: op.clone(),
                limit: f(limit),
            },
        }
    }
}

impl CommandFailure {
    /// Every string in it passed through `f` (the engine masks secrets this way before
    /// anything is journaled).
    pub fn map(&self, f: &dyn Fn(&str) -> String) -> CommandFailure {
        use CommandFailure as F;
        match self {
            F::NotStarted { error } => F::NotStarted { error: f(error) },
            F::LogLost { error } => F::LogLost { error: f(error) },
            F::Unmet {
                expected,
                saw,
                truncated,
            } => F::Unmet {
                expected: expected.map(f),
                saw: saw.map(f),
                truncated: *truncated,
            },
            F::NoCount { first_line } => F::NoCount {
                first_line: first_line.as_deref().map(f),
            },
            F::NoCapture { name, pattern } => F::NoCapture {
                name: name.clone(),
                pattern: f(pattern),
            },
            F::Ssh { kind, message } => F::Ssh {
                kind: kind.clone(),
                message: f(message),
            },
            F::Deadline {
                deadline_ms,
                polls,
                last,
            } => F::Deadline {
                deadline_ms: *deadline_ms,
                polls: *polls,
                last: Box::new(last.map(f)),
            },
            other => other.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_output_is_shown_whole_and_a_long_one_by_its_ends() {
        assert_eq!(Excerpt::of("\n  \n"), None);
        let short = Excerpt::of("\n403\r\n\n").unwrap();
        assert_eq!((short.head, short.skipped), (vec!["403".to_string()], 0));
        let text: String = (1..=9).map(|n| format!("line {n}\n")).collect();
        let long = Excerpt::of(&text).unwrap();
        assert_eq!(long.head, ["line 1", "line 2", "line 3"]);
        assert_eq!(long.skipped, 4);
        assert_eq!(long.tail, ["line 8", "line 9"]);
        let wide = Excerpt::of(&"x".repeat(500)).unwrap();
        assert_eq!(wide.head[0].chars().count(), Excerpt::LINE_CHARS);
    }

    #[test]
    fn journaled_as_tagged_objects() {
        let f = CommandFailure::Unmet {
            expected: Expected::Equals { text: "401".into() },
            saw: Saw::output("403\n"),
            truncated: false,
        };
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(
            json,
            r#"{"failure":"unmet","expected":{"test":"equals","text":"401"},"saw":{"saw":"output","head":["403"]}}"#
        );
        assert_eq!(serde_json::from_str::<CommandFailure>(&json).unwrap(), f);
    }
}
