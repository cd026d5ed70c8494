//! The phrasebook: every sentence shisa says about a journal record — in the TUI's timeline,
//! headless lines, `watch --headless` and the export — comes from here, as structured text
//! (plain runs, code spans and a mark) that each front end renders its own way.
//!
//! What is said is decided here once for every language (which records get no sentence,
//! how a step is named, which mark a record carries); how it is said is a [`Phrasebook`],
//! one per language (`en/`, `ja/`). Adding a language is adding a phrasebook here, the
//! export's words around the records (`export/words/`) and a [`Lang`] variant; no caller
//! changes.
//! User-written text (titles, notes, reasons) passes through every phrasebook unchanged.

mod condensed;
mod en;
mod ja;
mod mark;
#[cfg(test)]
mod reason_tests;
#[cfg(test)]
mod tests;

use crate::engine::Engine;
use crate::engine::messages::AbortedAt;
use crate::journal::record::{
    Actor, Body, Choice, CommandFailure, Expected, Halt, NotCounted, Purpose, Record, RunEnd, Saw,
    Shut, StepEnd, StepFailure,
};

pub use condensed::{Attempts, Ran, StepPassed};
pub use en::English;
pub use en::questions;
pub use ja::Japanese;
pub use ja::guard_words as guard_ja;
pub use ja::kind_words as kind_ja;
pub use ja::purpose_words as purpose_ja;
pub use ja::quote as quote_ja;
pub use mark::{Mark, Marker};

/// Why a started command has no result in the export (`Phrasebook::never_finished`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unended {
    /// Still running where the journal stops: no result was written.
    Running,
    /// It ended: the crash tore the record of its result (a torn `command_finished`).
    ResultTorn,
    /// It may have ended: the torn `command_finished` is the result of one of `of` open
    /// commands, this one among them, and is cut off before it says which.
    OneOfTorn { of: usize },
    /// Its result is journaled among the lines a damaged journal's export leaves out, the
    /// first of them `first_left_out` (1-based): that line may be the damaged one itself.
    PastDamage { first_left_out: usize },
}

/// The languages shisa writes an export in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Ja,
}

impl Lang {
    /// The sentences about records.
    pub fn book(self) -> &'static dyn Phrasebook {
        match self {
            Lang::En => &EN,
            Lang::Ja => &JA,
        }
    }

    /// The BCP 47 tag (`en`, `ja`), for an HTML page's `lang`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }
}

/// One piece of a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// Words, including user-written text as it was written.
    Plain(String),
    /// A command, a typed value, a path: shown as code.
    Code(String),
}

/// A sentence about one record: its mark (if it marks a moment) and its text. Nothing here
/// is made safe for a terminal or a document yet; each renderer does that its own way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Phrase {
    pub mark: Option<Mark>,
    pub runs: Vec<Run>,
}

impl Phrase {
    pub fn new() -> Phrase {
        Phrase::default()
    }

    pub fn marked(mut self, mark: Mark) -> Phrase {
        self.mark = Some(mark);
        self
    }

    pub fn plain(mut self, s: impl Into<String>) -> Phrase {
        let s = s.into();
        if s.is_empty() {
            return self;
        }
        match self.runs.last_mut() {
            Some(Run::Plain(p)) => p.push_str(&s),
            _ => self.runs.push(Run::Plain(s)),
        }
        self
    }

    pub fn code(mut self, s: impl Into<String>) -> Phrase {
        self.runs.push(Run::Code(s.into()));
        self
    }

    /// shisa's own sentence with code in backticks (a reason: `` the target `Root` ``), its
    /// code as code: the one rule every part of an export follows for shisa's reasons, so a
    /// reason reads the same in a timeline row as in the summary (`export::text::Text::ticked`).
    pub fn ticked(mut self, s: &str) -> Phrase {
        for (code, part) in ticked(s) {
            self = if code {
                self.code(part)
            } else {
                self.plain(part)
            };
        }
        self
    }

    /// The words alone, code in backticks.
    pub fn text(&self) -> String {
        self.runs
            .iter()
            .map(|r| match r {
                Run::Plain(p) => p.clone(),
                Run::Code(c) => format!("`{c}`"),
            })
            .collect()
    }

    /// One terminal line: the mark's sign and label, then the words (`✗ FAILED Deploy: …`).
    /// Not yet made safe for a terminal: callers pass it through their sanitizer.
    pub fn line(&self, book: &dyn Phrasebook) -> String {
        let words = self.text();
        match self.mark {
            None => words,
            Some(m) => match m.marker() {
                Some(marker) => format!("{} {} {words}", m.sign(), book.label(marker)),
                None => format!("{} {words}", m.sign()),
            },
        }
    }
}

/// What a phrasebook may ask about the run beyond the record itself.
pub trait Names {
    /// A step's title as shown (secret values masked), or None to name it by its id.
    fn title_of(&self, step: &str) -> Option<String>;

    /// The command a `command_finished` record ends, when the caller knows it.
    fn command_of(&self, _finished: &Record) -> Option<String> {
        None
    }
}

/// No names known: steps are named by their ids.
impl Names for () {
    fn title_of(&self, _step: &str) -> Option<String> {
        None
    }
}

/// The engine's titles, rendered with the values it may show.
impl Names for Engine {
    fn title_of(&self, step: &str) -> Option<String> {
        let i = self.step_index(step)?;
        Some(self.title(i))
    }
}

/// One language's words for records. Every record that [`phrase`] does not keep silent gets
/// a whole sentence from one method call, so a language never has to glue English-shaped
/// fragments together.
pub trait Phrasebook: Sync {
    /// The sentence for a record (never one of the [`silent`] ones).
    fn record(&self, rec: &Record, names: &dyn Names) -> Phrase;

    /// An `aborted` run's end, said with who aborted, at which step (`at`, the step under
    /// way as the replayed engine has it) and the changes it leaves in place, by title;
    /// `undone`: when a later rollback undid them, as a row gives the time.
    fn aborted_at(
        &self,
        finished: &Record,
        at: Option<&str>,
        left: &[String],
        undone: Option<&str>,
    ) -> Phrase;

    /// A command started and never finished before the journal stops (crash, halt), or
    /// whose result the journal holds where the export cannot show it (`Unended`).
    fn never_finished(&self, started: &Record, names: &dyn Names, how: Unended) -> Phrase;

    /// A window check that found the window shut in a run started with `--outside-window`:
    /// at which step, and that the run went on under that override (the export; a live
    /// front end shows the override at the start).
    fn window_overridden(&self, checked: &Record, names: &dyn Names) -> Phrase;

    /// The bold word for a marker (`FAILED`, `ROLLBACK`).
    fn label(&self, marker: Marker) -> &'static str;

    /// Who did it, as a timeline shows them: the account, marked if a reviewer.
    fn actor(&self, actor: &Actor) -> String;

    /// The person behind an approval or a rejection, and the account that connected when it
    /// was another (`sudo shisa approve`): `nobody (as root)`.
    fn person(&self, actor: &Actor, person: &Option<crate::journal::record::Person>) -> String;

    /// A duration in milliseconds, as a person reads it.
    fn duration(&self, ms: u64) -> String;

    /// A step whose start and end an export merges into one row: nothing happened between
    /// them but its own commands passing (see `export/condense.rs`).
    fn step_passed(&self, s: &StepPassed) -> Phrase;

    /// Repeated attempts of one check, collapsed into one row.
    fn attempts(&self, a: &Attempts) -> Phrase;

    /// A wait that ran out of time: how long it lasted (in an export, `Ctx::waited_ms`), its
    /// polls and why the last one missed, with that try's own time where a row is about it.
    /// One sentence for the timeline's row and the failures section alike, so the two never
    /// give the wait two figures (issue 17).
    fn wait_missed(
        &self,
        waited_ms: u64,
        polls: u32,
        miss: &str,
        last_try_ms: Option<u64>,
    ) -> String;

    /// A record of a wait that ran out of time, as an export's row says it: the last poll
    /// (a `command_finished` whose `why` is a deadline), the `wait_finished` after it, the
    /// `step_failed` it caused (see [`ran_out`]). The wait's one figure (`waited_ms`,
    /// `Ctx::waited_ms`) is said once, in the last poll's row, whose own time is the last
    /// try's; the other two name none. A live front end says each record as it comes
    /// (`record`): the figure in `wait_finished`'s line, from the time it journals (issue 17).
    fn wait_ran_out(&self, rec: &Record, waited_ms: u64, names: &dyn Names) -> Phrase;

    /// Why a command failed, or why a poll does not hold yet (`journal::reason`).
    fn command_failure(&self, f: &CommandFailure) -> String;

    /// What an expectation asked for and what was seen instead (`expect_failed`).
    fn unmet(&self, expected: &Expected, saw: &Saw) -> String;

    /// Why a step's question was asked, where commands' results are the reason;
    /// `journaled` is the engine's English sentence for it, which names each failed check's
    /// reason too (the data leaves those to each check's own `command_finished`).
    fn step_failure(&self, f: &StepFailure, journaled: &str) -> String;

    /// Why a run ended, where shisa decided it.
    fn run_end(&self, e: &RunEnd) -> String;

    /// The engine's reason for an abort the operator gave no words for
    /// (`messages::abort_unexplained`), naming who aborted.
    fn aborted(&self, at: AbortedAt, operator: &str) -> String;

    /// A run rolled back because someone asked, naming who: the person, not a role
    /// (issue 17: 「root の求めに応じて」).
    fn rolled_back_on_request(&self, operator: &str) -> String;

    /// A run rolled back after step `title` failed (its own command, or the verify
    /// `checks`), naming who chose the rollback when a person did (fourth cold read, N3).
    fn rolled_back_after(&self, title: &str, checks: &[u32], chose: Option<&str>) -> String;

    /// Why a step ended, where a rule or a choice (not its commands) decided it.
    fn step_end(&self, e: &StepEnd) -> String;

    /// Why a run halted, resumable.
    fn halt(&self, h: &Halt) -> String;

    /// Why the change window is shut.
    fn shut(&self, s: &Shut) -> String;

    /// Why a reviewer's approval did not count.
    fn not_counted(&self, n: &NotCounted) -> String;

    /// A target's blast radius, as shown beside it: "touches 412 accounts (at most 500)".
    fn impact(&self, count: u64, unit: Option<&str>, at_most: u64) -> Phrase;

    /// The question that asks the operator for a step's target, saying which confirmation
    /// is in force (blind: name it first; echo: type back what is shown).
    fn target_ask(&self, ask: &TargetAsk<'_>) -> Phrase;

    /// What a reviewer is asked to type to approve (blind or echo).
    fn reviewer_ask(&self, blind: bool) -> Phrase;
}

/// Whether the record is one of a wait that ran out of time, for
/// [`Phrasebook::wait_ran_out`]: its last poll, its unmet end, or the step's failure for it.
pub fn ran_out(rec: &Record) -> bool {
    match &rec.body {
        Body::CommandFinished { why, .. } => {
            matches!(why, Some(CommandFailure::Deadline { .. }))
        }
        Body::WaitFinished {
            met: false, polls, ..
        } => *polls > 0,
        Body::StepFailed { why, .. } => matches!(
            why,
            Some(StepFailure::Command {
                failure: CommandFailure::Deadline { .. },
                ..
            })
        ),
        _ => false,
    }
}

/// A reason as a phrasebook says it: from the journaled data where there is some, else the
/// sentence an older journal holds, as written.
pub fn said<T>(why: Option<&T>, text: Option<&str>, say: impl Fn(&T) -> String) -> Option<String> {
    why.map(say).or_else(|| text.map(str::to_string))
}

/// Why a run ended as a phrasebook says it: `said`, and the engine's own sentence for an
/// unexplained abort (journaled as text, not data) said anew in the book's language.
pub fn run_end_said(
    book: &dyn Phrasebook,
    why: Option<&RunEnd>,
    text: Option<&str>,
    operator: &str,
) -> Option<String> {
    match (
        why,
        text.and_then(crate::engine::messages::unexplained_abort),
    ) {
        (None, Some(at)) => Some(book.aborted(at, operator)),
        (Some(RunEnd::RolledBackOnRequest), _) => Some(book.rolled_back_on_request(operator)),
        _ => said(why, text, |w| book.run_end(w)),
    }
}

/// A sentence with code in backticks, split into (is code, text) parts. Backticks that do
/// not pair (an odd count: a value or a person's words holding one) are kept as text.
pub fn ticked(s: &str) -> Vec<(bool, &str)> {
    if s.matches('`').count() % 2 == 1 {
        return vec![(false, s)];
    }
    s.split('`')
        .enumerate()
        .map(|(i, part)| (i % 2 == 1, part))
        .filter(|(code, part)| *code || !part.is_empty())
        .collect()
}

/// An English count with its noun: "1 poll", "3 polls" (Japanese has no plural).
/// What `plan` shows in place of a parameter that has no value yet (`Params::missing`):
/// never a value, so it is made only where a value is shown.
pub fn no_value_yet(name: &str) -> String {
    format!("<{name}: no value yet>")
}

pub fn counted(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A target question, for [`Phrasebook::target_ask`].
#[derive(Debug, Clone, Copy)]
pub struct TargetAsk<'a> {
    /// None with `confirm: blind`: the resolved target is not shown before it is named.
    pub resolved: Option<&'a str>,
    pub tries_left: u32,
}

/// The phrasebook shisa speaks by default (the TUI, headless and watch speak it).
pub static EN: English = English;
/// Japanese, as a 時系列の報告 (timeline) of a Japanese postmortem is written.
pub static JA: Japanese = Japanese;

/// The sentence for a record, or None when the record gets no sentence of its own.
pub fn phrase(book: &dyn Phrasebook, rec: &Record, names: &dyn Names) -> Option<Phrase> {
    (!silent(rec)).then(|| book.record(rec, names))
}

/// Records that speak through another: an expectation's miss through its command's result,
/// an override choice through the override record that follows it, a successful target
/// lookup through the resolved target.
pub fn silent(rec: &Record) -> bool {
    matches!(
        rec.body,
        Body::ExpectFailed { .. }
            | Body::OperatorChoice {
                choice: Choice::Override(_),
                ..
            }
            | Body::CommandFinished {
                ok: true,
                purpose: Purpose::Describe,
                ..
            }
    )
}

/// The step the record is about, by title (else its id); None for run-level records.
pub fn step_title(rec: &Record, names: &dyn Names) -> Option<String> {
    let id = rec.step.as_deref()?;
    Some(title(id, names))
}

/// A step's title, or its id when it has none.
pub fn title(id: &str, names: &dyn Names) -> String {
    names
        .title_of(id)
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| id.to_string())
}

/// A command as it reads in a sentence: its first non-blank line, with `…` if more follow,
/// at most 160 characters.
pub fn command_line(cmd: &str) -> String {
    let mut lines = cmd.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or("").trim();
    let first = clip(first, 160);
    if lines.next().is_some() {
        format!("{first} …")
    } else {
        first
    }
}

/// At most `max` characters, with `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
