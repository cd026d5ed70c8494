//! Postmortem export: the journals of one or more runs — finished, failed, rolled back,
//! still live or cut off by a crash — become one document: a summary, a timeline merged by
//! time, and the sections of a postmortem, as Markdown, JSON or one self-contained HTML page,
//! in English or Japanese.
//!
//! `source` opens a run directory, `build` turns the runs into a format-free [`Postmortem`]
//! (`condense` decides which records a timeline row stands for, `rows` says each row with
//! `crate::phrase`'s sentences, `sections` and `failures` the rest, `words` the document's
//! own words per language), and `markdown`, `json` and `html` render it.

mod after_timeline;
mod axis;
mod bar_status;
mod bars;
pub mod build;
mod chart;
mod condense;
mod ctx;
mod failures;
pub mod html;
pub mod json;
mod layout;
pub mod markdown;
mod marks;
mod markup;
pub mod model;
mod rows;
mod sections;
pub mod source;
mod state;
pub mod text;
pub mod words;
pub mod zone;

pub use build::Options;
pub use model::{Postmortem, RunReport};
pub use source::{OpenError, OpenedRun};
pub use zone::Zone;

/// The zone for a run's times: `--tz` when given, else the runbook's change-window zone
/// (from the runbook, or as journaled by `window_checked`), else the machine's own.
pub fn zone_for(src: &OpenedRun, flag: Option<chrono_tz::Tz>) -> Zone {
    if let Some(tz) = flag {
        return Zone::iana(tz, zone::ZoneChoice::Flag);
    }
    let from_runbook = src
        .runbook
        .as_ref()
        .and_then(|rb| rb.window.as_ref())
        .map(|w| w.timezone);
    let journaled = src.journal.records.iter().find_map(|r| match &r.body {
        crate::journal::record::Body::WindowChecked { timezone, .. } => timezone.parse().ok(),
        _ => None,
    });
    match from_runbook.or(journaled) {
        Some(tz) => Zone::iana(tz, zone::ZoneChoice::Runbook),
        None => Zone::local(),
    }
}
