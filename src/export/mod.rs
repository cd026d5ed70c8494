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
mod command_pairs;
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
mod torn_finish;
pub mod words;
pub mod zone;

pub use build::Options;
pub use model::{Postmortem, RunReport};
pub use source::{OpenError, OpenedRun};
pub use zone::Zone;

/// The zone for the runs' times: `--tz` when given, else the change-window zone of the
/// first run (in order of their start) whose runbook has a window — any run's, not only the
/// first's: a window's zone is where the people of that change work — else the machine's.
/// The zone says which run it came from, and the document says so.
pub fn zone_for(runs: &[OpenedRun], flag: Option<chrono_tz::Tz>) -> Zone {
    if let Some(tz) = flag {
        return Zone::iana(tz, zone::ZoneChoice::Flag);
    }
    let windowed = build::in_order(runs)
        .into_iter()
        .enumerate()
        .find_map(|(k, src)| window_zone(src).map(|tz| (k, tz)));
    match windowed {
        Some((k, tz)) => {
            let mut z = Zone::iana(tz, zone::ZoneChoice::Runbook);
            z.from_run = Some(k);
            z
        }
        None => Zone::local(),
    }
}

/// A run's change-window zone: from its runbook, or as journaled by `window_checked`.
fn window_zone(src: &OpenedRun) -> Option<chrono_tz::Tz> {
    let from_runbook = src
        .runbook
        .as_ref()
        .and_then(|rb| rb.window.as_ref())
        .map(|w| w.timezone);
    let journaled = src.journal.records.iter().find_map(|r| match &r.body {
        crate::journal::record::Body::WindowChecked { timezone, .. } => timezone.parse().ok(),
        _ => None,
    });
    from_runbook.or(journaled)
}
