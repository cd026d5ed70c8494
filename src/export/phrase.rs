//! The timeline's rows: one sentence from the phrasebook per meaningful journal record. A
//! command's start and finish become one row, at its finish; a failed step right after its
//! failed command is that command's row already.

use std::collections::BTreeMap;

use super::ctx::Ctx;
use super::model::TimelineRow;
use super::text::Text;
use crate::journal::record::{Body, Purpose, Record};
use crate::phrase::{self, EN, Names, Phrase, Phrasebook, Run, command_line};

/// Every row of the timeline, in journal order.
pub fn timeline(ctx: &Ctx) -> Vec<TimelineRow> {
    let records = &ctx.src.journal.records;
    let mut rows: Vec<TimelineRow> = Vec::new();
    // Commands started and not yet finished: (step, purpose, attempt) → record index.
    let mut open: BTreeMap<(Option<String>, Purpose, u32), usize> = BTreeMap::new();
    for (i, rec) in records.iter().enumerate() {
        let mut started = None;
        match &rec.body {
            Body::CommandStarted {
                purpose, attempt, ..
            } => {
                open.insert((rec.step.clone(), *purpose, *attempt), i);
                continue;
            }
            Body::CommandFinished {
                purpose, attempt, ..
            } => started = open.remove(&(rec.step.clone(), *purpose, *attempt)),
            // The failed command's row already says it; a gate's refusal needs a row.
            Body::StepFailed { .. } if ctx.follows_failed_command(rec) => continue,
            _ => {}
        }
        let names = Known { ctx, started };
        if let Some(p) = phrase::phrase(&EN, rec, &names) {
            let mut row = event(ctx, i, p);
            if let Body::CommandFinished {
                exit, duration_ms, ..
            } = &rec.body
            {
                row.exit_code = *exit;
                row.duration_ms = Some(*duration_ms);
            }
            rows.push(row);
        }
    }
    // What was still running when the journal stops.
    for i in open.into_values() {
        let rec = &records[i];
        let names = Known { ctx, started: None };
        let p = if ctx.src.live {
            EN.record(rec, &names)
        } else {
            EN.never_finished(rec, &names)
        };
        rows.push(event(ctx, i, p));
    }
    rows.sort_by_key(|r| r.seq);
    rows
}

fn event(ctx: &Ctx, i: usize, p: Phrase) -> TimelineRow {
    let text = p.runs.iter().fold(Text::new(), |t, r| match r {
        Run::Plain(s) => t.plain(s),
        Run::Code(c) => t.code(c),
    });
    ctx.event(i, p.mark.and_then(|m| m.marker()), text)
}

/// What the export knows besides the record: step titles, and a finished command's text.
struct Known<'a> {
    ctx: &'a Ctx<'a>,
    started: Option<usize>,
}

impl Names for Known<'_> {
    fn title_of(&self, step: &str) -> Option<String> {
        Some(self.ctx.title_of(step))
    }

    fn command_of(&self, _finished: &Record) -> Option<String> {
        let started = &self.ctx.src.journal.records[self.started?];
        match &started.body {
            Body::CommandStarted { command, .. } => Some(command_line(command)),
            _ => None,
        }
    }
}

/// `12 ms`, `3.4 s`, `2m5s`.
pub fn ms(v: u64) -> String {
    EN.duration(v)
}
