//! Japanese: the words of an export as a 時系列の報告 in a Japanese postmortem is written —
//! plain form (である調), dates as `2023-12-05 17:15`, user-written text kept as written.
//! The sentences live by concern in `labels`, `summary`, `integrity` and `sections`; this
//! file frames the document (title, zone, times) and hands each method to its file.

mod integrity;
mod labels;
mod sections;
mod summary;

use crate::phrase::quote_ja as quote;
use chrono::Datelike;

use super::{DocumentWords, HeadsToCompare, Label, Markup, RollbackLine, Unfinished};
use crate::export::bar_status::BarStatus;
use crate::export::zone::{Time, ZoneChoice};
use crate::journal::record::{Outcome, OverrideKind, Purpose};

pub struct Japanese;

impl DocumentWords for Japanese {
    fn label(&self, l: Label) -> &'static str {
        labels::label(l)
    }

    /// Full-width brackets, as around every aside in Japanese text.
    fn aside(&self, text: &str, aside: &str) -> String {
        format!("{text}（{aside}）")
    }

    fn runbook_cell(&self, name: &str, path: &str, sha: &str) -> String {
        format!("{name}（{path}、SHA-256 {sha}）")
    }

    /// A full-width colon, with no space after it, as Japanese text sets one.
    fn labelled(&self, label: &str, value: &str) -> String {
        format!("{label}：{value}")
    }

    /// The Japanese list mark: an English comma between code spans reads as English.
    fn list(&self, items: &[String]) -> String {
        items.join("、")
    }

    fn title(&self, names: &[&str]) -> String {
        format!("時系列の報告：{}", names.join("、"))
    }

    fn zone_line(
        &self,
        m: &dyn Markup,
        label: &str,
        source: ZoneChoice,
        from: Option<&(usize, String)>,
        _day: Option<&str>,
    ) -> String {
        // Code set off by spaces, as every option name in a Japanese sentence is.
        let says = match (source, from) {
            (ZoneChoice::Flag, _) => format!(" {} で指定した", m.code("--tz", false)),
            (ZoneChoice::Runbook, Some((n, name))) => m.esc(&format!(
                "実行 #{n} の手順書{q_name}の作業時間帯のタイムゾーン",
                q_name = quote(name)
            )),
            (ZoneChoice::Runbook, None) => m.esc("手順書の作業時間帯のタイムゾーン"),
            (ZoneChoice::Local, _) => m.esc("このマシンのタイムゾーン"),
        };
        // The label's offset in full-width brackets, and whose zone said before it rather
        // than in a second bracket: one bracket style, none doubled (issue 17).
        let label = label.replace(" (", "（").replace(')', "）");
        format!("日時は{says} {}で記す。", m.esc(&label))
    }

    /// Always with the date, to the minute as the document style writes it
    /// (`2023-12-05 17:15`); to the second in `--full` (`2023-12-05 17:15:42`), where a
    /// minute can hold dozens of rows that would otherwise read alike.
    fn row_time(&self, t: &Time, _multi_day: bool, seconds: bool) -> String {
        let format = if seconds {
            "%Y-%m-%d %H:%M:%S"
        } else {
            "%Y-%m-%d %H:%M"
        };
        t.0.format(format).to_string()
    }

    /// As the timeline writes times (`2023-12-05 17:15`), with the offset as the timeline's
    /// zone line names it (`2023-12-05 17:15 UTC+09:00`): the summary stands apart from that
    /// line, as the English one gives its offset too (issue 17). No bracket: the moment sits
    /// inside one in an unfinished run's end cell, and brackets never nest.
    fn moment(&self, t: &Time) -> String {
        format!("{} {}", t.0.format("%Y-%m-%d %H:%M"), t.utc_offset())
    }

    fn chart_date(&self, t: &Time) -> String {
        const DAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
        let day = DAYS[t.0.weekday().num_days_from_monday() as usize];
        format!("{}月{}日({day})", t.0.month(), t.0.day())
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
            "{by} が {at} に中止（終了コード {exit}）した後、{asked} の求めに応じて残った変更を戻した"
        )
    }

    fn aborted_by(&self, who: &str, reason: &str) -> String {
        format!("{who} が中止した。理由：{reason}")
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
        format!("不明（破損前の最後のレコードまで {took}）")
    }

    fn duration_to_cut(&self, took: &str) -> String {
        format!("不明（最後のレコードまで {took}）")
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
        let runs = runs.join("、");
        format!("実行 {runs} の {format} エクスポートを {path} に書き出した")
    }
}
