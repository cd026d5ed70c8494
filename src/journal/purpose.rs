//! Which command of a step a record is about. Its own module because both the record
//! types and the structured reasons name it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Which command of a step: the target's `describe`, the step's own, or one of its verify
/// or rollback commands (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Purpose {
    Describe,
    /// The target's `impact` count, run after `describe`.
    Impact,
    Main,
    Verify(u32),
    Rollback(u32),
}

impl Purpose {
    /// Whether a command of this purpose may change something: the step's own command and
    /// its rollback entries. A target's lookups and the verify checks only read, so one a
    /// crash cut off is run again, never asked about (ARCHITECTURE.md, write-ahead).
    pub fn may_change(self) -> bool {
        matches!(self, Purpose::Main | Purpose::Rollback(_))
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Purpose::Describe => f.write_str("describe"),
            Purpose::Impact => f.write_str("impact"),
            Purpose::Main => f.write_str("main"),
            Purpose::Verify(n) => write!(f, "verify-{n}"),
            Purpose::Rollback(n) => write!(f, "rollback-{n}"),
        }
    }
}

impl FromStr for Purpose {
    type Err = String;
    fn from_str(s: &str) -> Result<Purpose, String> {
        let n = |rest: &str| {
            rest.parse::<u32>()
                .map_err(|_| format!("bad command purpose `{s}`"))
        };
        match s {
            "describe" => Ok(Purpose::Describe),
            "impact" => Ok(Purpose::Impact),
            "main" => Ok(Purpose::Main),
            _ => match s.split_once('-') {
                Some(("verify", rest)) => Ok(Purpose::Verify(n(rest)?)),
                Some(("rollback", rest)) => Ok(Purpose::Rollback(n(rest)?)),
                _ => Err(format!("bad command purpose `{s}`")),
            },
        }
    }
}

impl From<Purpose> for String {
    fn from(p: Purpose) -> String {
        p.to_string()
    }
}

impl TryFrom<String> for Purpose {
    type Error = String;
    fn try_from(s: String) -> Result<Purpose, String> {
        s.parse()
    }
}
