//! Which journal records each timeline row stands for. `--full` gives every record a row.
//! By default the timeline is condensed, as a person writes a 時系列: a command's start and
//! finish are one row; attempts of one command run again without a person deciding in
//! between (`retry:`) are one row; and a step whose start and end have nothing between them
//! but its own commands passing (and its snapshot) is one row. Anything a person did or
//! decided, every failure that stopped the run and every marker keeps its own row.
//!
//! The polls of a `wait_until` are attempts of one check run again on a timer: with the
//! `wait_started` before them and the `wait_finished` after, they are one row ("held after
//! waiting 14 min (29 polls)"), see `waits`.

use super::command_pairs::CommandPairs;
use crate::journal::record::{Body, Outcome, Purpose, Record, RunEnd, StepEnd, StepStatus};
use crate::phrase;

/// What one timeline row stands for: indexes into the run's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Group {
    /// One record, its own row.
    One(usize),
    /// A command: its start (when journaled) and its finish.
    Command { start: Option<usize>, finish: usize },
    /// A command started and not finished when the journal stops.
    Unfinished(usize),
    /// Attempts of one command, in order: each start (when journaled) and finish.
    Attempts(Vec<(Option<usize>, usize)>),
    /// A step that passed with nothing but its own commands between its start and end.
    Step {
        start: usize,
        finish: usize,
        inner: Vec<Group>,
    },
    /// A gate's refusal (`at`: a denied target, a count over its limit) and the step's end
    /// right after it (`end`), refused for that reason: the refusal's row says it once.
    Refusal { at: usize, end: usize },
    /// A `run_finished` refused for the reason the step's refusal just said: its row says
    /// how the run ended, not the reason again.
    EndSaid(usize),
}

impl Group {
    /// The record whose time the row shows; rows of a run follow this order.
    pub fn at(&self) -> usize {
        match self {
            Group::One(i) | Group::Unfinished(i) | Group::EndSaid(i) => *i,
            Group::Refusal { at, .. } => *at,
            Group::Command { finish, .. } => *finish,
            Group::Attempts(v) => v.last().map_or(0, |(_, f)| *f),
            Group::Step { start, .. } => *start,
        }
    }

    /// The first and last record the row covers.
    pub fn span(&self) -> (usize, usize) {
        match self {
            Group::One(i) | Group::Unfinished(i) | Group::EndSaid(i) => (*i, *i),
            Group::Refusal { at, end } => (*at, *end),
            Group::Command { start, finish } => (start.unwrap_or(*finish), *finish),
            Group::Attempts(v) => {
                let first = v.first().map_or(0, |(s, f)| s.unwrap_or(*f));
                (first, v.last().map_or(first, |(_, f)| *f))
            }
            Group::Step { start, finish, .. } => (*start, *finish),
        }
    }
}

/// The rows of one run, in journal order.
pub fn groups(records: &[Record], full: bool) -> Vec<Group> {
    if full {
        return (0..records.len()).map(Group::One).collect();
    }
    let mut out = steps(
        records,
        waits(records, attempts(records, commands(records))),
    );
    out.sort_by_key(Group::at);
    out
}

/// The commands started and not finished where the journal stops, as `--full` adds them
/// after their start's own row: what became of each is said once, there.
pub fn open_commands(records: &[Record]) -> Vec<Group> {
    CommandPairs::of(records)
        .open_starts()
        .map(Group::Unfinished)
        .collect()
}

/// A command's start and finish as one group; records that speak through another (see
/// `phrase::silent`) and a step failure right after its failed command get none.
fn commands(records: &[Record]) -> Vec<Group> {
    let mut out = Vec::new();
    let pairs = CommandPairs::of(records);
    for (i, rec) in records.iter().enumerate() {
        match &rec.body {
            // Its finish's row says it; one never finished gets its row below.
            Body::CommandStarted { .. } => {}
            Body::CommandFinished { .. } => {
                if !phrase::silent(rec) {
                    out.push(Group::Command {
                        start: pairs.start_of(i),
                        finish: i,
                    });
                }
            }
            // Its command's row says the failure; but a journal that ends here stops while
            // shisa waited for the operator's decision, which only this row shows.
            Body::StepFailed { .. }
                if follows_failed_command(records, i) && i + 1 < records.len() => {}
            Body::StepFinished { .. } if refusal_said(records, i) => {
                if let Some(last) = out.last_mut() {
                    *last = Group::Refusal { at: i - 1, end: i };
                }
            }
            Body::RunFinished { .. } if end_said(records, i) => out.push(Group::EndSaid(i)),
            Body::WindowChecked { .. } if window_said_by_end(records, i) => {}
            _ if phrase::silent(rec) => {}
            _ => out.push(Group::One(i)),
        }
    }
    out.extend(pairs.open_starts().map(Group::Unfinished));
    out
}

/// Whether record `i` (a step failure) comes right after a failed command of its step: the
/// command's row already says it.
pub fn follows_failed_command(records: &[Record], i: usize) -> bool {
    let rec = &records[i];
    records[..i]
        .iter()
        .rev()
        .find(|r| {
            !matches!(
                r.body,
                Body::ExpectFailed { .. } | Body::WaitFinished { .. }
            )
        })
        .is_some_and(|r| {
            r.step == rec.step && matches!(r.body, Body::CommandFinished { ok: false, .. })
        })
}

/// Whether record `i`, a step's end, is refused by a gate whose refusal the record right
/// before it (its own row) already says: a denied target, or a count over its limit. (A
/// journal from before reasons were data has no `why`: a failed end right after such a
/// refusal is that refusal all the same.)
fn refusal_said(records: &[Record], i: usize) -> bool {
    let rec = &records[i];
    let refused = matches!(
        &rec.body,
        Body::StepFinished {
            status: StepStatus::Failed,
            why: Some(StepEnd::Refused { .. }) | None,
            ..
        }
    );
    let Some(before) = i.checked_sub(1).map(|b| &records[b]) else {
        return false;
    };
    let says = match &before.body {
        Body::TargetDenied { .. } => true,
        Body::TargetImpact { count, at_most, .. } => count > at_most,
        _ => false,
    };
    refused && says && before.step == rec.step
}

/// Whether record `i`, a window check that found the window shut, is followed by the run's
/// end refused for that very verdict: the end's row says it with the way forward (when the
/// window opens, `--outside-window`), so the check's own row would say it a second time.
/// (A journal from before reasons were data: the end's sentence holds the check's.)
fn window_said_by_end(records: &[Record], i: usize) -> bool {
    let Body::WindowChecked {
        inside: false,
        why,
        reason,
        ..
    } = &records[i].body
    else {
        return false;
    };
    let Some(Body::RunFinished {
        outcome: Outcome::Refused,
        why: end_why,
        reason: end_reason,
        ..
    }) = records.get(i + 1).map(|r| &r.body)
    else {
        return false;
    };
    match (why, end_why) {
        (Some(shut), Some(RunEnd::OutsideWindow { shut: s, .. })) => s == shut,
        (None, None) => {
            matches!((reason, end_reason), (Some(a), Some(b)) if b.contains(a.as_str()))
        }
        _ => false,
    }
}

/// Whether record `i`, the run's end, is refused for the very reason the step's end right
/// before it gave (the same gate; in an older journal, the same sentence): that row, or the
/// refusal it joins, has said it.
fn end_said(records: &[Record], i: usize) -> bool {
    let Body::RunFinished {
        outcome: Outcome::Refused,
        why,
        reason,
        ..
    } = &records[i].body
    else {
        return false;
    };
    let Some(Body::StepFinished {
        status: StepStatus::Failed,
        why: step_why,
        reason: step_reason,
    }) = i.checked_sub(1).map(|b| &records[b].body)
    else {
        return false;
    };
    match (why, step_why) {
        (Some(RunEnd::Refused { gate }), Some(StepEnd::Refused { gate: g })) => g == gate,
        (None, None) => reason.is_some() && reason == step_reason,
        _ => false,
    }
}

/// Consecutive attempts of one command (same step and purpose, attempt numbers in a row,
/// every one but the last failed) collapse into one group.
fn attempts(records: &[Record], groups: Vec<Group>) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for g in groups {
        let Group::Command { start, finish } = g else {
            out.push(g);
            continue;
        };
        let next = attempt_of(&records[finish]);
        let joins = |prev: &(Option<usize>, usize)| {
            let before = attempt_of(&records[prev.1]);
            matches!((before, next), (Some((s0, p0, a0, false)), Some((s1, p1, a1, _)))
                if s0 == s1 && p0 == p1 && a1 == a0 + 1)
        };
        if let Some(Group::Attempts(v)) = out.last_mut()
            && v.last().is_some_and(joins)
        {
            v.push((start, finish));
            continue;
        }
        if let Some(last) = out.last_mut()
            && let Group::Command {
                start: s0,
                finish: f0,
            } = *last
            && joins(&(s0, f0))
        {
            *last = Group::Attempts(vec![(s0, f0), (start, finish)]);
            continue;
        }
        out.push(Group::Command { start, finish });
    }
    out
}

/// A `wait_started`, the polls of its command and the `wait_finished` after them become the
/// polls' one row: the count and the time waited are in it.
fn waits(records: &[Record], groups: Vec<Group>) -> Vec<Group> {
    let mut out = Vec::with_capacity(groups.len());
    let mut k = 0;
    while k < groups.len() {
        let polls = match (&groups[k], groups.get(k + 1), groups.get(k + 2)) {
            (Group::One(ws), Some(g), Some(Group::One(wf)))
                if wait_of(&records[*ws], true) == wait_of(&records[*wf], false)
                    && wait_of(&records[*ws], true).is_some() =>
            {
                let who = wait_of(&records[*ws], true);
                match g {
                    Group::Command { start, finish }
                        if attempt_of(&records[*finish]).map(|(s, p, ..)| (s, p)) == who =>
                    {
                        Some(vec![(*start, *finish)])
                    }
                    Group::Attempts(v)
                        if v.last()
                            .and_then(|(_, f)| attempt_of(&records[*f]))
                            .map(|(s, p, ..)| (s, p))
                            == who =>
                    {
                        Some(v.clone())
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        match polls {
            Some(v) => {
                out.push(Group::Attempts(v));
                k += 3;
            }
            None => {
                out.push(groups[k].clone());
                k += 1;
            }
        }
    }
    out
}

/// (step, purpose) of a `wait_started` (`start`) or `wait_finished` of a polled command.
/// A wait begun afresh on resume keeps its own row: it says why the wait began again.
fn wait_of(rec: &Record, start: bool) -> Option<(Option<&str>, Purpose)> {
    match (&rec.body, start) {
        (
            Body::WaitStarted {
                purpose,
                every_ms: Some(_),
                restarted: None,
                ..
            },
            true,
        ) => Some((rec.step.as_deref(), *purpose)),
        (Body::WaitFinished { purpose, .. }, false) => Some((rec.step.as_deref(), *purpose)),
        _ => None,
    }
}

/// How many polls a group of attempts was, if they were the polls of a `wait_until` (a
/// poll that does not hold yet is journaled `not_yet`, or a wait was journaled around them).
pub fn polled(records: &[Record], attempts: &[(Option<usize>, usize)]) -> Option<u32> {
    let first = attempts.first()?.0.unwrap_or(attempts.first()?.1);
    let waited = records[..first]
        .iter()
        .rev()
        .take(2)
        .any(|r| matches!(r.body, Body::WaitStarted { .. }));
    let not_yet = attempts.iter().any(|(_, f)| {
        matches!(
            &records[*f].body,
            Body::CommandFinished {
                not_yet: Some(_),
                ..
            }
        )
    });
    (waited || not_yet).then(|| u32::try_from(attempts.len()).unwrap_or(u32::MAX))
}

/// (step, purpose, attempt, ok) of a finished command.
fn attempt_of(rec: &Record) -> Option<(Option<&str>, Purpose, u32, bool)> {
    match &rec.body {
        Body::CommandFinished {
            purpose,
            attempt,
            ok,
            ..
        } => Some((rec.step.as_deref(), *purpose, *attempt, *ok)),
        _ => None,
    }
}

/// A step's start, its quiet groups and its passing end become one group. Waivers the step
/// journals as it begins keep their own rows (they are markers) without breaking the merge.
fn steps(records: &[Record], groups: Vec<Group>) -> Vec<Group> {
    let mut out = Vec::with_capacity(groups.len());
    let mut k = 0;
    while k < groups.len() {
        let Group::One(start) = groups[k] else {
            out.push(groups[k].clone());
            k += 1;
            continue;
        };
        let rec = &records[start];
        if !matches!(rec.body, Body::StepStarted { .. }) {
            out.push(groups[k].clone());
            k += 1;
            continue;
        }
        let (mut inner, mut aside) = (Vec::new(), Vec::new());
        let mut j = k + 1;
        let mut merged = None;
        while let Some(g) = groups.get(j) {
            match quiet(records, g, rec.step.as_deref()) {
                Quiet::Inner => inner.push(g.clone()),
                Quiet::Aside => aside.push(g.clone()),
                Quiet::Passed(finish) => {
                    merged = Some(finish);
                    break;
                }
                Quiet::No => break,
            }
            j += 1;
        }
        match merged {
            Some(finish) => {
                out.extend(aside);
                out.push(Group::Step {
                    start,
                    finish,
                    inner,
                });
                k = j + 1;
            }
            None => {
                out.push(groups[k].clone());
                k += 1;
            }
        }
    }
    out
}

enum Quiet {
    /// Part of the step's merged row.
    Inner,
    /// Its own row, without breaking the merge.
    Aside,
    /// The step's end, passed: the record's index.
    Passed(usize),
    No,
}

fn quiet(records: &[Record], g: &Group, step: Option<&str>) -> Quiet {
    let mine = |i: usize| records[i].step.as_deref() == step;
    let passed = |i: usize| {
        matches!(&records[i].body,
            Body::CommandFinished { ok: true, purpose, .. } if !matches!(purpose, Purpose::Rollback(_)))
    };
    match g {
        Group::Command { finish, .. } if mine(*finish) && passed(*finish) => Quiet::Inner,
        Group::Attempts(v) if v.last().is_some_and(|(_, f)| mine(*f) && passed(*f)) => Quiet::Inner,
        Group::One(i) if mine(*i) => match &records[*i].body {
            Body::SnapshotRecorded { .. } => Quiet::Inner,
            Body::Waiver { .. } => Quiet::Aside,
            Body::StepFinished {
                status: StepStatus::Ok,
                ..
            } => Quiet::Passed(*i),
            _ => Quiet::No,
        },
        _ => Quiet::No,
    }
}
