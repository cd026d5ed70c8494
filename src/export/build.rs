//! Builds the [`RunReport`] from a run directory: the summary, and the assembly of the rest —
//! the run's state and integrity (`state.rs`), the chart's steps (`bars.rs`), the timeline
//! rows (`phrase.rs`) and the postmortem sections (`sections.rs`), all over one shared
//! context (`ctx.rs`).

use std::collections::BTreeMap;

use super::ctx::Ctx;
use super::model::{RunReport, RunbookInfo, Summary, ZoneInfo};
use super::source::OpenedRun;
use super::state::{integrity, state, warnings};
use super::zone::{Time, Zone};
use super::{bars, failures, phrase, sections};
use crate::journal::record::{Body, Role};

pub fn report(src: &OpenedRun, zone: &Zone) -> RunReport {
    let ctx = Ctx::new(src, zone);
    let timeline = phrase::timeline(&ctx);
    let integrity = integrity(src);
    let run = summary(&ctx);
    let warnings = warnings(src, &run, &integrity);
    RunReport {
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
    let super::state::State {
        state,
        outcome,
        exit_code,
        reason,
        verdict,
        explanation,
    } = state(ctx, finish);
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
