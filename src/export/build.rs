//! Builds the [`Postmortem`] from opened runs: each run's summary, and the assembly of the
//! rest — its state and integrity (`state.rs`), the chart's steps (`bars.rs`), the timeline
//! rows (`rows.rs`) and the postmortem sections (`sections.rs`), over one shared context
//! (`ctx.rs`) — then the runs' rows merged into one timeline by time.

use std::collections::BTreeMap;

use super::ctx::Ctx;
use super::model::{
    InPlace, Postmortem, RunReport, RunState, RunbookInfo, Summary, TimelineRow, ZoneInfo,
};
use super::source::OpenedRun;
use super::state::{integrity, state, warnings};
use super::zone::{Time, Zone};
use super::{bars, failures, rows, sections};
use crate::journal::record::{Body, Role};
use crate::phrase::Lang;

/// What the reader asked for besides the runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub lang: Lang,
    /// Every record its own row.
    pub full: bool,
}

/// The document for `runs` (any order; they are put in order of their start), with times in
/// `zone`.
pub fn postmortem(runs: &[OpenedRun], zone: &Zone, opts: Options) -> Postmortem {
    let order = in_order(runs);
    let mut reports = Vec::with_capacity(order.len());
    let mut timeline: Vec<TimelineRow> = Vec::new();
    for (k, src) in order.iter().enumerate() {
        let ctx = Ctx::new(src, zone, opts.lang);
        let report = run_report(&ctx);
        timeline.extend(rows::timeline(&ctx, k, &report.run.run_id, opts.full));
        reports.push(report);
    }
    // Stable: rows at the same moment keep their run's order, and each run's own order.
    timeline.sort_by_key(|r| r.time);
    let starts: Vec<Time> = reports.iter().map(|r| r.run.start).collect();
    let ends: Vec<Time> = reports.iter().map(|r| r.run.end).collect();
    let (first, last) = (starts.iter().min().copied(), ends.iter().max().copied());
    let mut times = starts.clone();
    times.extend(ends);
    times.sort();
    let merged = reports.len() > 1;
    let words = super::words::of(opts.lang);
    let warnings = reports
        .iter()
        .enumerate()
        .flat_map(|(k, r)| {
            r.warnings.iter().map(move |w| {
                if merged {
                    words.labelled(&format!("#{} {}", k + 1, r.run.run_id), w)
                } else {
                    w.clone()
                }
            })
        })
        .collect();
    Postmortem {
        lang: opts.lang,
        timeline_mode: if opts.full { "full" } else { "condensed" },
        timezone: ZoneInfo {
            name: zone.name.clone(),
            label: zone.label(&times),
            source: zone.source,
            from_run: zone.from_run,
            from_run_id: zone
                .from_run
                .and_then(|k| reports.get(k))
                .map(|r| r.run.run_id.clone()),
            multi_day: matches!((first, last), (Some(a), Some(b)) if a.date() != b.date()),
        },
        runs: reports,
        timeline,
        warnings,
    }
}

/// When the run started, as journaled (runs whose first time does not parse go first).
fn start_of(src: &OpenedRun) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    src.journal
        .records
        .first()
        .and_then(|r| super::zone::parse_ts(&r.ts))
}

/// The runs in the order the document lists them: by their start, stable.
pub fn in_order(runs: &[OpenedRun]) -> Vec<&OpenedRun> {
    let mut order: Vec<&OpenedRun> = runs.iter().collect();
    order.sort_by_key(|r| start_of(r));
    order
}

fn run_report(ctx: &Ctx) -> RunReport {
    let integrity = integrity(ctx);
    let run = summary(ctx);
    let warnings = warnings(ctx, &run, &integrity);
    RunReport {
        steps: bars::steps(ctx, run.state),
        snapshots: sections::snapshots(ctx),
        targets: sections::targets(ctx),
        approvals: sections::approvals(ctx),
        failures: failures::failures(ctx),
        rollbacks: sections::rollbacks(ctx),
        overrides: sections::overrides(ctx),
        waivers: sections::waivers(ctx),
        notes: sections::notes(ctx),
        run,
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
    let note = ctx.runbook_note();
    let (env, rehearsal) = match &first.body {
        Body::RunStarted { env, rehearsal, .. } => (env.clone(), rehearsal.clone()),
        _ => (None, None),
    };
    let (run_id, runbook, params, mode, tool_version, clock_faked) = match &first.body {
        Body::RunStarted {
            run_id,
            runbook,
            params,
            mode,
            tool_version,
            clock_faked,
            ..
        } => (
            run_id.clone(),
            RunbookInfo {
                name: runbook.name.clone(),
                path: runbook.path.clone(),
                sha256: runbook.sha256.clone(),
                matches_file: ctx.src.runbook.is_some(),
                note,
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
                note,
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
        aborted,
    } = state(ctx, finish);
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
        params,
        mode,
        tool_version,
        clock_faked,
        env,
        rehearsal,
        left_in_place: left_in_place(ctx, state),
        aborted,
    }
}

/// The engine's own answer, so the export says what the run's end said to the operator;
/// where the journal stops short (cut off, damaged), a change under way there is in doubt.
fn left_in_place(ctx: &Ctx, state: RunState) -> Option<Vec<InPlace>> {
    let e = ctx.src.engine.as_ref()?;
    let steps = &e.runbook().steps;
    let stops_short = matches!(state, RunState::CutOff | RunState::Damaged);
    Some(
        e.left_in_place()
            .into_iter()
            .filter_map(|j| steps.get(j).map(|s| (j, s)))
            .map(|(j, s)| InPlace {
                step: s.id.clone(),
                step_title: ctx.title_of(&s.id),
                in_doubt: stops_short && super::state::change_in_doubt(ctx, j),
            })
            .collect(),
    )
}
