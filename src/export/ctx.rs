//! What the parts of a report share while it is built: the source, the zone, each
//! record's time and each step's title, and the few questions about records that several
//! sections ask.

use std::collections::BTreeMap;

use super::model::{Marker, TimelineRow};
use super::source::Source;
use super::text::Text;
use super::zone::{Time, Zone, parse_ts};
use crate::journal::record::{Body, Record};

/// What the renderers share while building: the source, the zone, each record's time and
/// each step's title.
pub struct Ctx<'a> {
    pub src: &'a Source,
    pub zone: &'a Zone,
    pub times: Vec<Time>,
    titles: BTreeMap<String, String>,
}

impl<'a> Ctx<'a> {
    pub fn new(src: &'a Source, zone: &'a Zone) -> Ctx<'a> {
        let records = &src.journal.records;
        let mut times: Vec<Time> = Vec::with_capacity(records.len());
        for r in records {
            // A time that does not parse (never written by shisa) keeps the one before.
            let t = parse_ts(&r.ts)
                .map(|t| zone.at(t))
                .or_else(|| times.last().copied())
                .unwrap_or_else(|| zone.at(chrono::DateTime::UNIX_EPOCH.fixed_offset()));
            times.push(t);
        }
        let mut titles = BTreeMap::new();
        if let Some(e) = &src.engine {
            for (i, s) in e.runbook().steps.iter().enumerate() {
                titles.insert(s.id.clone(), e.title(i));
            }
        }
        for r in records {
            if let (Body::StepStarted { title, .. }, Some(id)) = (&r.body, &r.step) {
                titles.insert(id.clone(), title.clone());
            }
        }
        titles.retain(|_, t| !t.trim().is_empty());
        Ctx {
            src,
            zone,
            times,
            titles,
        }
    }

    pub fn title_of(&self, id: &str) -> String {
        self.titles
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    pub fn title(&self, rec: &Record) -> String {
        rec.step
            .as_deref()
            .map_or_else(|| "the run".into(), |id| self.title_of(id))
    }

    pub fn time(&self, i: usize) -> Time {
        self.times[i]
    }

    pub fn event(&self, i: usize, marker: Option<Marker>, text: Text) -> TimelineRow {
        let rec = &self.src.journal.records[i];
        TimelineRow {
            time: self.time(i),
            actor: crate::timeline::actor(rec),
            kind: rec.body.kind().to_string(),
            marker,
            summary: text.to_plain(),
            text,
            step: rec.step.clone(),
            step_title: rec.step.as_ref().map(|id| self.title_of(id)),
            exit_code: None,
            duration_ms: None,
            seq: rec.seq,
            record_hash: self.src.journal.hashes[i].clone(),
        }
    }

    /// Whether the record (a step_failed) comes right after a failed command of its step.
    pub fn follows_failed_command(&self, rec: &Record) -> bool {
        let records = &self.src.journal.records;
        let i = (rec.seq as usize).saturating_sub(1).min(records.len());
        records[..i]
            .iter()
            .rev()
            .find(|r| !matches!(r.body, Body::ExpectFailed { .. }))
            .is_some_and(|r| {
                r.step == rec.step && matches!(r.body, Body::CommandFinished { ok: false, .. })
            })
    }
}
