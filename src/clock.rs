//! The wall clock, read in one place: the driver and the TUI read it through the `Clock`
//! port (the driver's, `driver::ports`), where tests plug in a fake one. In a debug build
//! (the tests), `SHISA_FAKE_NOW` (RFC 3339) shifts it, and every run or resume journals
//! that the clock was faked. A release build never reads the variable: a test hook must not
//! move a production decision such as the change window.

use chrono::{DateTime, Utc};

pub const FAKE_NOW_VAR: &str = "SHISA_FAKE_NOW";

/// The time an event reaches the engine and a record is stamped with, and the time the TUI
/// counts a run's elapsed time to. The engine never reads a clock itself (its purity is
/// tested in tests/architecture.rs): this is the one reading of the time a run's decisions
/// and its screen depend on. It lives here, below the driver and the TUI, so both take the
/// same one (ARCHITECTURE.md, "Modules do not depend on each other in a circle").
pub trait Clock {
    fn now(&self) -> DateTime<Utc>;
}

/// The real one: the system clock, shifted by `SHISA_FAKE_NOW` in debug builds only.
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        SystemClock::now(self)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    /// Fixed offset from the real clock, when faked; time still passes normally.
    offset: Option<chrono::Duration>,
}

impl SystemClock {
    pub fn from_env() -> Result<SystemClock, String> {
        if !cfg!(debug_assertions) {
            if std::env::var_os(FAKE_NOW_VAR).is_some() {
                eprintln!("shisa: {FAKE_NOW_VAR} is ignored: a release build reads the real clock");
            }
            return Ok(SystemClock { offset: None });
        }
        match std::env::var(FAKE_NOW_VAR) {
            Err(_) => Ok(SystemClock { offset: None }),
            Ok(text) => {
                let fake = DateTime::parse_from_rfc3339(&text)
                    .map_err(|e| format!("{FAKE_NOW_VAR}=`{text}` is not an RFC 3339 time: {e}"))?;
                Ok(SystemClock {
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

    /// The faked time as given, for the journal; None on the real clock.
    pub fn faked(&self) -> Option<String> {
        self.is_faked()
            .then(|| std::env::var(FAKE_NOW_VAR).unwrap_or_default())
    }
}
