//! The timeline's rows of one run: each group of records (`condense.rs`) said as one sentence
//! from the phrasebook of the export's language.

use std::collections::BTreeMap;

use super::condense::{self, Group};
use super::ctx::Ctx;
use super::model::TimelineRow;
use super::text::Text;
use super::torn_finish::TornFinish;
use crate::journal::record::{Body, CommandFailure, Record};
use crate::phrase::{
    self, Attempts, Names, Phrase, Phrasebook, Ran, Run, StepPassed, Unended, command_line, said,
};

/// Every row of the run's timeline, in journal order; `run` is its index in the document.
pub fn timeline(ctx: &Ctx, run: usize, run_id: &str, full: bool) -> Vec<TimelineRow> {
    let records = &ctx.src.journal.records;
    let mut groups = condense::groups(records, full);
    // Each record is a row in `--full`, a command's start too: after a stopped journal's
    // bare start, a row says what became of it (fourth cold read, gap of item 3).
    if full && !ctx.src.live {
        groups.extend(condense::open_commands(records));
        groups.sort_by_key(Group::at);
    }
    groups
        .iter()
        .map(|g| {
            let mut row = row(ctx, g);
            row.run = run;
            row.run_id = run_id.to_string();
            row
        })
        .collect()
}

fn row(ctx: &Ctx, g: &Group) -> TimelineRow {
    let records = &ctx.src.journal.records;
    let book = ctx.book;
    let known = |started| Known { ctx, started };
    match g {
        Group::One(i) => {
            let started = match &records[*i].body {
                Body::CommandFinished { .. } => start_of(records, *i),
                _ => None,
            };
            let p = match (ctx.abort_place(&records[*i]), &records[*i].body) {
                (Some(a), _) => {
                    book.aborted_at(&records[*i], a.at.as_deref(), &a.left, a.undone.as_deref())
                }
                // A wait that ran out says its one figure once, in its last poll's row.
                (None, _) if phrase::ran_out(&records[*i]) => {
                    book.wait_ran_out(&records[*i], waited(ctx, *i), &known(started))
                }
                // A wait's end says the one figure of its wait (`Ctx::waited_ms`).
                (None, Body::WaitFinished { .. }) => {
                    let mut end = records[*i].clone();
                    if let (Body::WaitFinished { waited_ms, .. }, Some(ms)) =
                        (&mut end.body, ctx.waited_ms(*i))
                    {
                        *waited_ms = ms;
                    }
                    book.record(&end, &known(started))
                }
                (None, Body::WindowChecked { inside: false, .. }) if overridden(&records[..*i]) => {
                    book.window_overridden(&records[*i], &known(started))
                }
                (None, _) => book.record(&records[*i], &known(started)),
            };
            let mut r = event(ctx, g, "", p);
            finished(&mut r, &records[*i]);
            r
        }
        Group::Command { start, finish } => {
            let p = if phrase::ran_out(&records[*finish]) {
                book.wait_ran_out(&records[*finish], waited(ctx, *finish), &known(*start))
            } else {
                book.record(&records[*finish], &known(*start))
            };
            let mut r = event(ctx, g, "", p);
            finished(&mut r, &records[*finish]);
            r
        }
        Group::Refusal { at, .. } => event(ctx, g, "", book.record(&records[*at], &known(None))),
        Group::EndSaid(i) => {
            // The reason was said by the refusal's row just above: the end without it.
            let mut end = records[*i].clone();
            if let Body::RunFinished { reason, why, .. } = &mut end.body {
                *reason = None;
                *why = None;
            }
            event(ctx, g, "", book.record(&end, &known(None)))
        }
        Group::Unfinished(i) => {
            let p = if ctx.src.live {
                book.record(&records[*i], &known(None))
            } else {
                let how = if ctx.src.broken.is_some() {
                    Unended::PastDamage {
                        first_left_out: records.len() + 1,
                    }
                } else if let Some(t) = ctx.torn_finish().filter(|t| t.names(*i)) {
                    match t {
                        TornFinish::Of(_) => Unended::ResultTorn,
                        TornFinish::OneOf(v) => Unended::OneOfTorn { of: v.len() },
                    }
                } else {
                    Unended::Running
                };
                book.never_finished(&records[*i], &known(None), how)
            };
            event(ctx, g, "", p)
        }
        Group::Attempts(v) => {
            let (first, last) = g.span();
            let polls = condense::polled(records, v);
            // Polls took as long as their wait, journaled start to end, as the failures
            // section says it too; retries from the first start to the last end.
            let waited = polls.and_then(|_| ctx.waited_ms(last));
            let a = Attempts {
                step: records[last].step.as_deref().map(|id| ctx.title_of(id)),
                ran: ran(records, v),
                took_ms: waited
                    .unwrap_or_else(|| ctx.time(last).millis_since(ctx.time(first)).max(0) as u64),
                last_miss: v
                    .iter()
                    .rev()
                    .find_map(|(_, f)| failure(book, &records[*f])),
                polls,
                pending: v.last().is_some_and(|(_, f)| {
                    matches!(
                        &records[*f].body,
                        Body::CommandFinished {
                            not_yet: Some(_),
                            ..
                        }
                    )
                }),
            };
            let mut r = event(ctx, g, "command_attempts", book.attempts(&a));
            r.exit_code = a.ran.exit;
            r.duration_ms = Some(a.took_ms);
            r
        }
        Group::Step {
            start,
            finish,
            inner,
        } => {
            let mut commands = Vec::new();
            let mut snapshot: Option<BTreeMap<String, String>> = None;
            for g in inner {
                match g {
                    Group::Command { start, finish } => {
                        commands.push(ran(records, &[(*start, *finish)]));
                    }
                    Group::Attempts(v) => commands.push(ran(records, v)),
                    Group::One(i) => {
                        if let Body::SnapshotRecorded { captures, .. } = &records[*i].body {
                            snapshot = Some(captures.clone());
                        }
                    }
                    _ => {}
                }
            }
            let s = StepPassed {
                title: ctx.title(&records[*start]),
                took_ms: ctx.time(*finish).millis_since(ctx.time(*start)).max(0) as u64,
                commands,
                snapshot,
            };
            let mut r = event(ctx, g, "step_passed", book.step_passed(&s));
            r.exit_code = s.main().and_then(|m| m.exit);
            r.duration_ms = Some(s.took_ms);
            r
        }
    }
}

/// How long the wait of record `i` lasted (`Ctx::waited_ms`); without its journaled start,
/// its limit, as the failures section says it.
fn waited(ctx: &Ctx, i: usize) -> u64 {
    ctx.waited_ms(i)
        .unwrap_or_else(|| match &ctx.src.journal.records[i].body {
            Body::CommandFinished {
                why: Some(CommandFailure::Deadline { deadline_ms, .. }),
                ..
            } => *deadline_ms,
            _ => 0,
        })
}

/// A command's attempts as one: the first start's text, the last finish's result.
fn ran(records: &[Record], attempts: &[(Option<usize>, usize)]) -> Ran {
    let command = attempts
        .first()
        .and_then(|(s, _)| *s)
        .and_then(|s| match &records[s].body {
            Body::CommandStarted { command, .. } => Some(command_line(command)),
            _ => None,
        });
    let last = attempts.last().map(|(_, f)| &records[*f].body);
    match last {
        Some(Body::CommandFinished {
            purpose,
            attempt,
            ok,
            exit,
            ..
        }) => Ran {
            purpose: *purpose,
            command,
            attempts: *attempt,
            ok: *ok,
            exit: *exit,
        },
        _ => Ran {
            purpose: crate::journal::record::Purpose::Main,
            command,
            attempts: 1,
            ok: false,
            exit: None,
        },
    }
}

/// Why a failed command or an unmet poll missed, as the phrasebook says it.
fn failure(book: &dyn Phrasebook, rec: &Record) -> Option<String> {
    match &rec.body {
        Body::CommandFinished {
            ok: false,
            failure,
            not_yet,
            why,
            ..
        } => said(
            // A wait's deadline names its time and polls, which the row already says:
            // the row gives the last poll's miss alone, so the sentence is said once.
            why.as_ref().map(|w| match w {
                CommandFailure::Deadline { last, .. } => last.as_ref(),
                w => w,
            }),
            failure.as_deref().or(not_yet.as_deref()),
            |w| book.command_failure(w),
        )
        .filter(|f| !f.is_empty()),
        _ => None,
    }
}

/// The start of a finished command (for `--full`, where each is its own row).
/// Whether the run was started outside its window on purpose (`--outside-window`): a shut
/// window it meets afterwards is gone past under that override, not a stop.
fn overridden(before: &[Record]) -> bool {
    before.iter().any(|r| {
        matches!(
            r.body,
            Body::Override {
                what: crate::journal::record::OverrideKind::Window,
                ..
            }
        )
    })
}

fn start_of(records: &[Record], finish: usize) -> Option<usize> {
    let Body::CommandFinished {
        purpose, attempt, ..
    } = &records[finish].body
    else {
        return None;
    };
    records[..finish].iter().rposition(|r| {
        r.step == records[finish].step
            && matches!(&r.body, Body::CommandStarted { purpose: p, attempt: a, .. } if p == purpose && a == attempt)
    })
}

fn finished(row: &mut TimelineRow, rec: &Record) {
    if let Body::CommandFinished {
        exit, duration_ms, ..
    } = &rec.body
    {
        row.exit_code = *exit;
        row.duration_ms = Some(*duration_ms);
    }
}

/// The row for a group; `kind` names a condensed row, else the shown record's kind.
fn event(ctx: &Ctx, g: &Group, kind: &str, p: Phrase) -> TimelineRow {
    let records = &ctx.src.journal.records;
    let at = g.at();
    let (first, last) = g.span();
    let rec = &records[at];
    let text = p.runs.iter().fold(Text::new(), |t, r| match r {
        Run::Plain(s) => t.plain(s),
        Run::Code(c) => t.code(c),
    });
    TimelineRow {
        run_id: String::new(),
        run: 0,
        time: ctx.time(at),
        actor: ctx.actor(rec),
        kind: if kind.is_empty() {
            rec.body.kind().to_string()
        } else {
            kind.to_string()
        },
        marker: p.mark.and_then(|m| m.marker()),
        summary: text.to_plain(),
        text,
        step: rec.step.clone(),
        step_title: rec.step.as_ref().map(|id| ctx.title_of(id)),
        exit_code: None,
        duration_ms: None,
        seq: rec.seq,
        first_seq: records[first].seq,
        last_seq: records[last].seq,
        record_hash: ctx.src.journal.hashes[at].clone(),
    }
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
