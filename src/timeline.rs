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

/// `HH:MM:SS.mmm` in `zone` (the runbook's window zone), so the TUI's timeline and its
/// header speak one time zone; without one, the record's own (the machine's) time.
pub fn clock_in(ts: &str, zone: Option<chrono_tz::Tz>) -> String {
    match (zone, chrono::DateTime::parse_from_rfc3339(ts)) {
        (Some(z), Ok(t)) => t.with_timezone(&z).format("%H:%M:%S%.3f").to_string(),
        _ => clock(ts).to_string(),
    }
}

/// The zone a screen's times are in, named once: the window's (`JST`), else the offset the
/// records were written with (the machine's zone when they were written).
pub fn zone_name(
    zone: Option<chrono_tz::Tz>,
    now: chrono::DateTime<chrono::Utc>,
    sample_ts: Option<&str>,
) -> String {
    match (zone, sample_ts.and_then(|ts| ts.get(23..))) {
        (Some(z), _) => now.with_timezone(&z).format("%Z").to_string(),
        (None, Some(offset)) if !offset.is_empty() => format!("UTC{offset}"),
        (None, _) => now
            .with_timezone(&chrono::Local)
            .format("UTC%:z")
            .to_string(),
    }
}
