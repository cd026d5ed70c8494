//! The wall clock, read in one place. `SHISA_FAKE_NOW` (RFC 3339) replaces it for tests and
//! rehearsals; a run journals that the clock was faked, so it can never hide.

use chrono::{DateTime, Utc};

pub const FAKE_NOW_VAR: &str = "SHISA_FAKE_NOW";

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Fixed offset from the real clock, when faked; time still passes normally.
    offset: Option<chrono::Duration>,
}

impl Clock {
    pub fn from_env() -> Result<Clock, String> {
        match std::env::var(FAKE_NOW_VAR) {
            Err(_) => Ok(Clock { offset: None }),
            Ok(text) => {
                let fake = DateTime::parse_from_rfc3339(&text)
                    .map_err(|e| format!("{FAKE_NOW_VAR}=`{text}` is not an RFC 3339 time: {e}"))?;
                Ok(Clock {
                    offset: Some(fake.with_timezone(&Utc) - Utc::now()),
                })
            }
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset.unwrap_or_default()
    }

    pub fn is_faked(&self) -> bool {
        self.offset.is_some()
    }
}
