//! Builds the [`Report`] from a run directory: the shared context, the summary, and the
//! assembly of the rest — the run's state and integrity (`state.rs`), the chart's steps
//! (`bars.rs`), the timeline rows (`phrase.rs`) and the postmortem sections (`sections.rs`).

use std::collections::BTreeMap;

use super::model::{Event, Marker, Report, RunbookInfo, Summary, ZoneInfo};
use super::source::Source;
use super::state::{integrity, state, warnings};
use super::text::Text;
use super::zone::{Time, Zone, parse_ts};
use super::{bars, failures, phrase, sections};
use crate::journal::record::{Body, Record, Role};

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
            let vars = e.shown_vars();
            for s in &e.rb.steps {
                titles.insert(s.id.clone(), s.title.render(&vars));
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

    pub fn event(&self, i: usize, marker: Option<Marker>, text: Text) -> Event {
        let rec = &self.src.journal.records[i];
        Event {
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

pub fn report(src: &Source, zone: &Zone) -> Report {
    let ctx = Ctx::new(src, zone);
    let timeline = phrase::timeline(&ctx);
    let integrity = integrity(src);
    let run = summary(&ctx);
    let warnings = warnings(src, &run, &integrity);
    Report {
        steps: bars::steps(&ctx, run.state),
        snapshots: sections::snapshots(&ctx),
        targets: sections::targets(&ctx),
        approvals: sections::approvals(&ctx),
        failures: failures::failures(&ctx),
        rollbacks: sections::rollbacks(&ctx),
        overrides: sections::overrides(&ctx),
        waivers: sections::waivers(&ctx),
        notes: sections::notes(&ctx),
        run,
        timeline,
        integrity,
        warnings,
    }
}

fn summary(ctx: &Ctx) -> Summary {
    let records = &ctx.src.journal.records;
    let first = &records[0];
    let last = records.len() - 1;
    let finish = records
        .iter()
        .rposition(|r| matches!(r.body, Body::RunFinished { .. }));
    let end = ctx.time(finish.unwrap_or(last));
    let start = ctx.time(0);
    let dir_name = ctx
        .src
        .run_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let (run_id, runbook, params, mode, tool_version, clock_faked) = match &first.body {
        Body::RunStarted {
            run_id,
            runbook,
            params,
            mode,
            tool_version,
            clock_faked,
        } => (
            run_id.clone(),
            RunbookInfo {
                name: runbook.name.clone(),
                path: runbook.path.clone(),
                sha256: runbook.sha256.clone(),
                matches_file: ctx.src.runbook.is_some(),
                note: ctx.src.runbook_note.clone(),
            },
            params.clone(),
            mode.clone(),
            tool_version.clone(),
            clock_faked.clone(),
        ),
        _ => (
            dir_name.unwrap_or_default(),
            RunbookInfo {
                name: "(unknown: no run_started record)".into(),
                path: String::new(),
                sha256: String::new(),
                matches_file: false,
                note: ctx.src.runbook_note.clone(),
            },
            BTreeMap::new(),
            String::new(),
            String::new(),
            None,
        ),
    };
    let mut reviewers: Vec<String> = Vec::new();
    let mut watchers: Vec<String> = Vec::new();
    for r in records {
        if r.actor.role == Role::Reviewer && !reviewers.contains(&r.actor.user) {
            reviewers.push(r.actor.user.clone());
        }
        if let Body::WatcherJoined { watcher } = &r.body
            && !watchers.contains(watcher)
        {
            watchers.push(watcher.clone());
        }
    }
    let (state, outcome, exit_code, reason, verdict, explanation) = state(ctx, finish);
    let times: Vec<Time> = vec![start, end];
    Summary {
        runbook,
        run_id,
        operator: first.actor.user.clone(),
        host: first.actor.host.clone(),
        reviewers,
        watchers,
        start,
        end,
        duration_ms: end.millis_since(start),
        state,
        outcome,
        exit_code,
        reason,
        verdict,
        explanation,
        timezone: ZoneInfo {
            name: ctx.zone.name.clone(),
            label: ctx.zone.label(&times),
            source: ctx.zone.source,
            multi_day: start.date() != end.date(),
        },
        params,
        mode,
        tool_version,
        clock_faked,
    }
}
