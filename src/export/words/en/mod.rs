//! English: the words of an export document around its records (the default).
//! The sentences live by concern in `labels`, `summary`, `integrity` and `sections`, as
//! in `../ja`; this file frames the document (title, zone, times) and hands each method to
//! its file.

mod integrity;
mod labels;
mod sections;
mod summary;

use super::{DocumentWords, HeadsToCompare, Label, Markup, RollbackLine, Unfinished};
use crate::export::bar_status::BarStatus;
use crate::export::zone::{Time, ZoneChoice};
use crate::journal::record::{Outcome, OverrideKind, Purpose};

pub struct English;

impl DocumentWords for English {
    fn label(&self, l: Label) -> &'static str {
        labels::label(l)
    }

    fn aside(&self, text: &str, aside: &str) -> String {
        format!("{text} ({aside})")
    }

    fn runbook_cell(&self, name: &str, path: &str, sha: &str) -> String {
        format!("{name} ({path}, SHA-256 {sha})")
    }

    fn labelled(&self, label: &str, value: &str) -> String {
        format!("{label}: {value}")
    }

    fn list(&self, items: &[String]) -> String {
        items.join(", ")
    }

    fn title(&self, names: &[&str]) -> String {
        format!("Postmortem timeline: {}", names.join(" + "))
    }

    fn zone_line(
        &self,
        m: &dyn Markup,
        label: &str,
        source: ZoneChoice,
        from: Option<&(usize, String)>,
        day: Option<&str>,
    ) -> String {
        let says = match (source, from) {
            (ZoneChoice::Flag, _) => format!("chosen with {}", m.code("--tz", false)),
            (ZoneChoice::Runbook, Some((n, name))) => m.esc(&format!(
                "the change-window zone of run #{n}'s runbook, “{name}”"
            )),
            (ZoneChoice::Runbook, None) => m.esc("the runbook's change-window zone"),
            (ZoneChoice::Local, _) => m.esc("this machine's local zone"),
        };
        let day = day.map(|d| format!(" All on {d}.")).unwrap_or_default();
        format!("Times are {}, {says}.{}", m.esc(label), m.esc(&day))
    }

    /// Always to the millisecond, so `seconds` changes nothing.
    fn row_time(&self, t: &Time, multi_day: bool, _seconds: bool) -> String {
        if multi_day { t.full() } else { t.clock() }
    }

    fn moment(&self, t: &Time) -> String {
        t.with_offset()
    }

    fn chart_date(&self, t: &Time) -> String {
        t.0.format("%a %b %d").to_string()
    }

    fn verdict(&self, outcome: Outcome, exit: u8, reason: Option<&str>) -> String {
        summary::verdict(outcome, exit, reason)
    }

    fn left_in_place(&self, m: &dyn Markup, steps: &[(&str, &str, bool)]) -> String {
        summary::left_in_place(m, steps)
    }

    fn left_past_damage(&self, left: &str) -> String {
        summary::left_past_damage(left)
    }

    fn undone_after_abort(&self, by: &str, at: &str, exit: u8, asked: &str) -> String {
        format!(
            "{by} aborted at {at} (exit {exit}); the changes left in place were rolled back later, at {asked}'s request"
        )
    }

    fn aborted_by(&self, who: &str, reason: &str) -> String {
        format!("{who} aborted: {reason}")
    }

    fn verdict_and_left(&self, verdict: &str, left: &str) -> String {
        summary::verdict_and_left(verdict, left)
    }

    fn unfinished_short(&self, u: Unfinished) -> String {
        summary::unfinished_short(u)
    }

    fn unfinished_long(&self, u: Unfinished, dir: &str, resume: &str) -> String {
        summary::unfinished_long(u, dir, resume)
    }

    fn resume_hint(&self, dir: &str) -> String {
        summary::resume_hint(dir)
    }

    fn resume_damaged(&self, dir: &str) -> String {
        summary::resume_damaged(dir)
    }

    fn resume_needs_runbook(&self, why: &str) -> String {
        summary::resume_needs_runbook(why)
    }

    fn end_unfinished(&self, u: Unfinished, end: &str) -> String {
        summary::end_unfinished(u, end)
    }

    fn timeline_stops(&self, u: Unfinished) -> &'static str {
        summary::timeline_stops(u)
    }

    fn chain_intact(&self, records: usize, logs: Option<usize>) -> String {
        integrity::chain_intact(records, logs)
    }

    fn chain_broken(&self, line: usize, reason: &str, kept: Option<usize>) -> String {
        integrity::chain_broken(line, reason, kept)
    }

    fn duration_to_break(&self, took: &str) -> String {
        format!("unknown; {took} until the last intact record")
    }

    fn duration_to_cut(&self, took: &str) -> String {
        format!("unknown; {took} until the last record")
    }

    fn chain_altered(&self, line: usize, kept: usize) -> String {
        integrity::chain_altered(line, kept)
    }

    fn integrity_warning(&self, detail: &str) -> String {
        integrity::integrity_warning(detail)
    }

    fn runbook_warning(&self, note: &str) -> String {
        integrity::runbook_warning(note)
    }

    fn runbook_changed(&self, path: &str, sha: &str) -> String {
        integrity::runbook_changed(path, sha)
    }

    fn runbook_unreadable(&self, path: &str) -> String {
        integrity::runbook_unreadable(path)
    }

    fn no_run_started(&self) -> String {
        integrity::no_run_started()
    }

    fn verify_line(&self, m: &dyn Markup, passed: bool, detail: &str) -> String {
        integrity::verify_line(m, passed, detail)
    }

    fn torn_line(&self, bytes: usize) -> String {
        integrity::torn_line(bytes)
    }

    fn untrusted_line(&self, first: usize, last: usize) -> String {
        integrity::untrusted_line(first, last)
    }

    fn compare_head(&self, m: &dyn Markup, heads: &HeadsToCompare) -> String {
        integrity::compare_head(m, heads)
    }

    fn bar_tip(&self, status: BarStatus, took: &str, from: &str) -> String {
        labels::bar_tip(status, took, from)
    }

    fn step_lane(&self, id: &str, status: BarStatus, kind: &str, mutating: bool) -> String {
        labels::step_lane(id, status, kind, mutating)
    }

    fn run_lane(&self, id: &str, status: BarStatus, verdict: &str) -> String {
        labels::run_lane(id, status, verdict)
    }

    fn bar_status(&self, s: BarStatus) -> &'static str {
        labels::bar_status(s)
    }

    fn target_confirmed(&self) -> String {
        sections::target_confirmed()
    }

    fn target_reused(&self, from: &str) -> String {
        sections::target_reused(from)
    }

    fn target_mismatch(&self, misses: u32) -> String {
        sections::target_mismatch(misses)
    }

    fn target_confirmed_blind(&self) -> String {
        sections::target_confirmed_blind()
    }

    fn target_mismatch_blind(&self, intended: &str, resolved: &str, miss: &str) -> String {
        sections::target_mismatch_blind(intended, resolved, miss)
    }

    fn target_impact(&self, count: u64, unit: Option<&str>, at_most: u64) -> String {
        sections::target_impact(count, unit, at_most)
    }

    fn target_denied(&self, rule: &str, pattern: &str) -> String {
        sections::target_denied(rule, pattern)
    }

    fn approval_result(&self, self_approved: bool, refused: Option<&str>) -> String {
        sections::approval_result(self_approved, refused)
    }

    fn override_what(&self, kind: Option<OverrideKind>, step: Option<&str>) -> String {
        sections::override_what(kind, step)
    }

    fn waiver_what(&self, guard: &str, step: &str) -> String {
        sections::waiver_what(guard, step)
    }

    fn note_on_done(&self, note: &str) -> String {
        sections::note_on_done(note)
    }

    fn failure_status(
        &self,
        exit: Option<i32>,
        signal: Option<i32>,
        timed_out: bool,
        attempt: u32,
    ) -> Option<String> {
        sections::failure_status(exit, signal, timed_out, attempt)
    }

    fn failure_heading(&self, step: &str, p: Option<Purpose>) -> String {
        sections::failure_heading(step, p)
    }

    fn failure_command(&self, m: &dyn Markup, command: &str) -> String {
        sections::failure_command(m, command)
    }

    fn failure_state(&self, status: &str) -> String {
        sections::failure_state(status)
    }

    fn failure_reason(&self, m: &dyn Markup, reason: &str) -> String {
        sections::failure_reason(m, reason)
    }

    fn failure_last_lines(&self, m: &dyn Markup, n: usize, log: &str) -> String {
        sections::failure_last_lines(m, n, log)
    }

    fn failure_log_problem(&self, m: &dyn Markup, log: &str, problem: &str) -> String {
        sections::failure_log_problem(m, log, problem)
    }

    fn log_none(&self) -> String {
        sections::log_none()
    }

    fn log_empty(&self) -> String {
        sections::log_empty()
    }

    fn log_outside(&self, log: &str) -> String {
        sections::log_outside(log)
    }

    fn rollback_line(&self, m: &dyn Markup, r: &RollbackLine) -> String {
        sections::rollback_line(m, r)
    }

    fn rollback_without(&self, m: &dyn Markup, steps: &[String]) -> String {
        sections::rollback_without(m, steps)
    }

    fn rollback_command_result(
        &self,
        ok: bool,
        exit: Option<i32>,
        failure: Option<&str>,
    ) -> String {
        sections::rollback_command_result(ok, exit, failure)
    }

    fn rollback_command_lead(&self, at: &str, step: &str) -> String {
        sections::rollback_command_lead(at, step)
    }

    fn wrote(&self, format: &str, runs: &[&str], path: &str) -> String {
        let runs = match runs {
            [one] => format!("run {one}"),
            many => format!("runs {}", many.join(", ")),
        };
        format!("wrote the {format} export of {runs} to {path}")
    }
}
