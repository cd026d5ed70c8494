//! The timeline's rows: one plain-language sentence per meaningful journal record, naming
//! steps by title and people by account. A command's start and finish become one row.
//! The sentences for the other kinds are in `sentence.rs`.

use std::collections::BTreeMap;

use super::build::Ctx;
use super::model::{Event, Marker};
use super::sentence::sentence;
use super::text::{Text, command_line};
use crate::journal::record::{Body, Purpose};

/// Every row of the timeline, in journal order.
pub fn timeline(ctx: &Ctx) -> Vec<Event> {
    let records = &ctx.src.journal.records;
    let mut rows: Vec<Event> = Vec::new();
    // Commands started and not yet finished: (step, purpose, attempt) → record index.
    let mut open: BTreeMap<(Option<String>, Purpose, u32), usize> = BTreeMap::new();
    for (i, rec) in records.iter().enumerate() {
        match &rec.body {
            Body::CommandStarted {
                purpose, attempt, ..
            } => {
                open.insert((rec.step.clone(), *purpose, *attempt), i);
            }
            Body::CommandFinished {
                purpose, attempt, ..
            } => {
                let started = open.remove(&(rec.step.clone(), *purpose, *attempt));
                if let Some(row) = finished(ctx, i, started) {
                    rows.push(row);
                }
            }
            _ => {
                if let Some((marker, text)) = sentence(ctx, rec) {
                    rows.push(ctx.event(i, marker, text));
                }
            }
        }
    }
    // What was still running when the journal stops.
    for i in open.into_values() {
        let rec = &records[i];
        let Body::CommandStarted { command, .. } = &rec.body else {
            continue;
        };
        let tail = if ctx.src.live {
            " is running"
        } else {
            " was running when the journal stops: no result was recorded"
        };
        let text = Text::new()
            .plain(format!("{}: ", ctx.title(rec)))
            .code(command_line(command))
            .plain(tail);
        rows.push(ctx.event(i, None, text));
    }
    rows.sort_by_key(|r| r.seq);
    rows
}

/// The row for a finished command, using its start for the command text.
fn finished(ctx: &Ctx, i: usize, started: Option<usize>) -> Option<Event> {
    let rec = &ctx.src.journal.records[i];
    let Body::CommandFinished {
        purpose,
        attempt,
        exit,
        signal,
        timed_out,
        duration_ms,
        ok,
        failure,
        ..
    } = &rec.body
    else {
        return None;
    };
    // A successful target lookup speaks through the target_resolved row that follows.
    if *ok && *purpose == Purpose::Describe {
        return None;
    }
    let command = started
        .map(|s| &ctx.src.journal.records[s].body)
        .and_then(|b| match b {
            Body::CommandStarted { command, .. } => Some(command_line(command)),
            _ => None,
        })
        .unwrap_or_else(|| "(command not in the journal)".into());
    let again = if *attempt > 1 {
        format!(" (attempt {attempt})")
    } else {
        String::new()
    };
    let took = ms(*duration_ms);
    let what = purpose_words(*purpose);
    let t = Text::new().plain(format!("{}: ", ctx.title(rec)));
    let (marker, text) = if *ok {
        let result = match exit {
            Some(code) => format!(" → exit {code} ({took})"),
            None => format!(" ({took})"),
        };
        let lead = match purpose {
            Purpose::Main => "ran ".to_string(),
            Purpose::Verify(_) => format!("{what} passed: "),
            _ => format!("{what}: "),
        };
        (None, t.plain(lead).code(&command).plain(result + &again))
    } else {
        let why = failure.clone().unwrap_or_else(|| match (exit, signal) {
            _ if *timed_out => "timed out".into(),
            (_, Some(s)) => format!("killed by signal {s}"),
            (Some(c), _) => format!("exit {c}"),
            (None, None) => "failed".into(),
        });
        let lead = match purpose {
            Purpose::Main => "command failed: ".to_string(),
            _ => format!("{what} failed: "),
        };
        let tail = format!(" — {why} (after {took}){again}");
        (
            Some(Marker::Failed),
            t.plain(lead).code(&command).plain(tail),
        )
    };
    let mut row = ctx.event(i, marker, text);
    row.exit_code = *exit;
    row.duration_ms = Some(*duration_ms);
    Some(row)
}

/// `verify 2`, `rollback 1`, `target lookup`.
pub fn purpose_words(p: Purpose) -> String {
    match p {
        Purpose::Main => "command".into(),
        Purpose::Describe => "target lookup".into(),
        Purpose::Verify(n) => format!("verify {n}"),
        Purpose::Rollback(n) => format!("rollback {n}"),
    }
}

/// `12 ms`, `3.4 s`, `2m5s`.
pub fn ms(v: u64) -> String {
    match v {
        0..1000 => format!("{v} ms"),
        1000..60_000 => format!("{:.1} s", v as f64 / 1000.0),
        _ => crate::runbook::duration::format(std::time::Duration::from_secs(v / 1000)),
    }
}
