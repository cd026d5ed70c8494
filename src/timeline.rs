//! A record as one terminal line (headless mode, `watch --headless`, the TUI's timeline
//! strip): the phrasebook's sentence with its sign and marker word, after the record's time.

use crate::engine::Engine;
use crate::journal::record::Record;
use crate::phrase::{self, EN, Names, Phrasebook};

/// The line for a record, or None for records that get no sentence of their own. Not yet
/// made safe for a terminal: callers pass it through their sanitizer.
pub fn describe(rec: &Record, engine: Option<&Engine>) -> Option<String> {
    let names: &dyn Names = match engine {
        Some(e) => e,
        None => &(),
    };
    phrase::phrase(&EN, rec, names).map(|p| p.line(&EN))
}

/// Who did it, as shown in a timeline: the account name, marked if a reviewer.
pub fn actor(rec: &Record) -> String {
    EN.actor(&rec.actor)
}

/// `HH:MM:SS.mmm` from a record's RFC 3339 time.
pub fn clock(ts: &str) -> &str {
    ts.get(11..23).unwrap_or(ts)
}
