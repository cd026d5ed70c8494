//! A clock for in-process tests of the driver loop (its own and the TUI's): it stands still
//! until the test, or a fake command that takes time, moves it.

use std::cell::Cell;
use std::rc::Rc;

use chrono::{DateTime, Utc};

use super::ports::Clock;

#[derive(Clone)]
pub(crate) struct FakeClock(Rc<Cell<DateTime<Utc>>>);

impl FakeClock {
    pub(crate) fn new(at: DateTime<Utc>) -> FakeClock {
        FakeClock(Rc::new(Cell::new(at)))
    }

    /// At an RFC 3339 time.
    pub(crate) fn at(rfc3339: &str) -> FakeClock {
        let t = DateTime::parse_from_rfc3339(rfc3339).unwrap_or_else(|e| panic!("{e}"));
        FakeClock::new(t.with_timezone(&Utc))
    }

    pub(crate) fn set(&self, at: DateTime<Utc>) {
        self.0.set(at);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.get()
    }
}
