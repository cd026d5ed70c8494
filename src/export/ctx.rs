//! What the parts of one run's report share while it is built: the opened run, the zone,
//! the language, each record's time and each step's title, and the few questions about
//! records that several sections ask.

use std::collections::BTreeMap;

use super::command_pairs::CommandPairs;
use super::source::{OpenedRun, RunbookProblem};
use super::torn_finish::{TornFinish, torn_finish};
use super::words::{self, DocumentWords};
use super::zone::{Time, Zone, parse_ts};
use crate::journal::record::{Actor, Body, Outcome, Record, Role};
use crate::phrase::{Lang, Phrasebook};

/// Where an aborted run stood when it ended (`Ctx::abort_place`).
pub struct AbortPlace {
    /// The step under way, by title.
    pub at: Option<String>,
    /// The changes the abort left in place, by title.
    pub left: Vec<String>,
    /// When a later rollback undid them all, as the timeline writes a time.
    pub undone: Option<String>,
}

pub struct Ctx<'a> {
    pub src: &'a OpenedRun,
    pub zone: &'a Zone,
    pub book: &'static dyn Phrasebook,
    pub words: &'static dyn DocumentWords,
    pub times: Vec<Time>,
    titles: BTreeMap<String, String>,
    torn: Option<TornFinish>,
}

impl<'a> Ctx<'a> {
    pub fn new(src: &'a OpenedRun, zone: &'a Zone, lang: Lang) -> Ctx<'a> {
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
        let torn = src
            .journal
            .torn
            .as_deref()
            .filter(|_| !src.live)
            .and_then(|tail| torn_finish(tail, &CommandPairs::of(records).open));
        Ctx {
            src,
            zone,
            book: lang.book(),
            words: words::of(lang),
            times,
            titles,
            torn,
        }
    }

    pub fn title_of(&self, id: &str) -> String {
        self.titles
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// The record's step by title; the run's own word for run-level records.
    pub fn title(&self, rec: &Record) -> String {
        rec.step.as_deref().map_or_else(
            || self.words.label(super::words::Label::Run).to_string(),
            |id| self.title_of(id),
        )
    }

    pub fn time(&self, i: usize) -> Time {
        self.times[i]
    }

    /// Who did it, as the timeline names them. shisa writes every `run_finished`, but an
    /// `aborted` one is the operator's own abort — nothing else ends a run that way
    /// (`Event::Abort`, `engine/update.rs`) — so it names the person the record carries.
    pub fn actor(&self, rec: &Record) -> String {
        match &rec.body {
            Body::RunFinished {
                outcome: Outcome::Aborted,
                ..
            } => self.book.actor(&Actor {
                role: Role::Operator,
                ..rec.actor.clone()
            }),
            _ => self.book.actor(&rec.actor),
        }
    }

    /// For an `aborted` run's end, where the replayed engine stood: the step under way, and
    /// the changes left in place (`Engine::left_in_place`), by title. None for any other
    /// record, or without the runbook to replay.
    pub fn abort_place(&self, rec: &Record) -> Option<AbortPlace> {
        let Body::RunFinished {
            outcome: Outcome::Aborted,
            ..
        } = &rec.body
        else {
            return None;
        };
        // As the engine stood at the abort, not after a later rollback undid what it left.
        let e = self.src.at_abort.as_ref().or(self.src.engine.as_ref())?;
        let steps = &e.runbook().steps;
        let title = |j: usize| steps.get(j).map(|s| self.title_of(&s.id));
        let at = title(e.current());
        let left = e.left_in_place().into_iter().filter_map(title).collect();
        Some(AbortPlace {
            at,
            left,
            undone: self.undone_after(rec),
        })
    }

    /// When a later `shisa rollback` of the run finished undoing every change, as a row of
    /// the timeline gives the time (with its date when another day than `rec`'s).
    fn undone_after(&self, rec: &Record) -> Option<String> {
        let records = &self.src.journal.records;
        let from = records.iter().position(|r| r.seq == rec.seq)?;
        let i = (from + 1..records.len())
            .find(|j| matches!(records[*j].body, Body::RollbackFinished { ok: true, .. }))?;
        let (t, then) = (self.time(i), self.time(from));
        Some(self.words.row_time(&t, t.date() != then.date(), false))
    }
    /// Why the runbook is not available, in the export's language.
    pub fn runbook_note(&self) -> Option<String> {
        self.src.runbook_problem.as_ref().map(|p| match p {
            RunbookProblem::NoRunStarted => self.words.no_run_started(),
            RunbookProblem::Changed { path, sha } => self.words.runbook_changed(path, sha),
            RunbookProblem::Unreadable { path } => self.words.runbook_unreadable(path),
        })
    }

    /// How long the wait that record `i` (a poll, or the `wait_finished`) belongs to lasted,
    /// as the operator lived it: from its journaled `wait_started` to its `wait_finished`,
    /// or to `i` itself while no end follows it (a cut-off or halted wait). The one figure
    /// the timeline's row and the failures section both give (issue 17): not the limit,
    /// and not the first poll's start to the last poll's end. None outside a wait.
    pub fn waited_ms(&self, i: usize) -> Option<u64> {
        let records = &self.src.journal.records;
        let rec = records.get(i)?;
        let (purpose, end) = match &rec.body {
            Body::WaitFinished { purpose, .. } => (*purpose, i),
            Body::CommandFinished { purpose, .. } => {
                let same = |r: &&Record| r.step == rec.step;
                // The wait's end is journaled with the last poll's result, before anything
                // else of the step begins.
                let end = records[i + 1..]
                    .iter()
                    .take_while(|r| {
                        same(r)
                            && !matches!(
                                r.body,
                                Body::CommandStarted { .. } | Body::WaitStarted { .. }
                            )
                    })
                    .position(|r| matches!(&r.body, Body::WaitFinished { purpose: p, .. } if p == purpose))
                    .map_or(i, |k| i + 1 + k);
                (*purpose, end)
            }
            _ => return None,
        };
        // The nearest start or end of a wait of this check before `i`: an end means `i` is
        // past that wait, in none.
        let start = records[..i].iter().rposition(|r| {
            r.step == rec.step
                && matches!(&r.body, Body::WaitStarted { purpose: p, .. } | Body::WaitFinished { purpose: p, .. } if *p == purpose)
        })?;
        if !matches!(records[start].body, Body::WaitStarted { .. }) {
            return None;
        }
        u64::try_from(self.time(end).millis_since(self.time(start))).ok()
    }

    /// Whether the record (a step_failed) comes right after a failed command of its step.
    pub fn follows_failed_command(&self, rec: &Record) -> bool {
        let records = &self.src.journal.records;
        let i = (rec.seq as usize)
            .saturating_sub(1)
            .min(records.len().saturating_sub(1));
        records.get(i).is_some_and(|r| std::ptr::eq(r, rec))
            && super::condense::follows_failed_command(records, i)
    }

    /// The command whose result the crash was writing, from a torn last line that names
    /// `command_finished`: the open one what survives of the line fits, or the several it
    /// may be (`torn_finish.rs`). None for a live run, whose last line is still being written.
    pub fn torn_finish(&self) -> Option<&TornFinish> {
        self.torn.as_ref()
    }
}
