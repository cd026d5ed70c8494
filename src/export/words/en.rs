//! English: the words of an export document around its records (the default).

use super::{DocumentWords, Label, Markup, RollbackLine, Unfinished};
use crate::export::bar_status::BarStatus;
use crate::export::zone::{Time, ZoneChoice};
use crate::journal::record::{Outcome, OverrideKind, Purpose};

pub struct English;

const FALLBACK: &str =
    "steps are named as the journal recorded them, and steps never reached are not listed";

impl DocumentWords for English {
    fn label(&self, l: Label) -> &'static str {
        use Label::*;
        match l {
            Summary => "Summary",
            Runs => "Runs",
            Timeline => "Timeline",
            Snapshots => "Snapshots taken",
            Targets => "Targets confirmed",
            Approvals => "Approvals",
            Failures => "Failures",
            Rollbacks => "Rollbacks",
            Overrides => "Overrides and waivers",
            Notes => "Notes",
            Integrity => "Integrity",
            Runbook => "Runbook",
            RunId => "Run id",
            Run => "Run",
            Operator => "Operator",
            Reviewers => "Reviewers",
            Watchers => "Watchers",
            Host => "Host",
            Start => "Start",
            End => "End",
            Duration => "Duration",
            Outcome => "Outcome",
            Parameters => "Parameters",
            ChainHead => "Journal chain head",
            LeftInPlace => "Left in place, not rolled back",
            Clock => "Clock",
            Environment => "Environment",
            RehearsalRun => "Rehearsal run",
            RehearsalFinished => "Rehearsal completed",
            RehearsalChainHead => "Rehearsal journal chain head (verified)",
            Time => "Time",
            Actor => "Actor",
            Event => "Event",
            Step => "Step",
            Captured => "Captured",
            OutputLog => "Output log",
            Resolved => "Resolved",
            Typed => "Typed",
            By => "By",
            Result => "Result",
            Reviewer => "Reviewer",
            Kind => "Kind",
            What => "What",
            Reason => "Reason",
            From => "From",
            Note => "Note",
            Records => "Records",
            Verify => "Journal",
            Warning => "Warning:",
            Nobody => "none",
            NoneYet => "None.",
            TheRunbook => "the runbook",
            FromTheRunbook => "(the runbook)",
            ChartRunLaneTip => {
                "the run's own events: approvals, failures, rollbacks, overrides, its end"
            }
            ChartRunLane => "Run",
            ChartNotReached => "not reached",
            ChartJournalEnds => "journal ends",
            ChartNow => "now",
            ChartInDoubt => "in doubt: no end recorded",
            ChartRunning => "running",
            LegendOk => "ok",
            LegendFailed => "failed / refused",
            LegendRolledBack => "rolled back",
            LegendRollbackRunning => "rollback running",
            LegendOpen => "in progress / halted / cut off",
            LegendApproval => "approval",
            LegendFailure => "failure / refusal",
            LegendRollback => "rollback",
            LegendOverride => "override",
            LegendFinished => "run finished",
        }
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

    fn title(&self, names: &[&str]) -> String {
        format!("Postmortem timeline: {}", names.join(" + "))
    }

    fn zone_line(
        &self,
        label: &str,
        source: ZoneChoice,
        from: Option<&(usize, String)>,
        day: Option<&str>,
    ) -> String {
        let says = match (source, from) {
            (ZoneChoice::Flag, _) => "chosen with --tz".to_string(),
            (ZoneChoice::Runbook, Some((n, name))) => {
                format!("the change-window zone of run #{n}'s runbook, “{name}”")
            }
            (ZoneChoice::Runbook, None) => "the runbook's change-window zone".to_string(),
            (ZoneChoice::Local, _) => "this machine's local zone".to_string(),
        };
        let day = day.map(|d| format!(" All on {d}.")).unwrap_or_default();
        format!("Times are {label}, {says}.{day}")
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
        let why = reason.map(|r| format!(": {r}")).unwrap_or_default();
        format!("{} (exit {exit}){why}", outcome.name())
    }

    fn left_in_place(&self, m: &dyn Markup, steps: &[(&str, &str)]) -> String {
        let list: Vec<String> = steps
            .iter()
            .map(|(title, id)| format!("{} ({})", m.esc(title), m.code(id, true)))
            .collect();
        list.join(", ")
    }

    fn verdict_and_left(&self, verdict: &str, left: &str) -> String {
        format!("{verdict}; left in place, not rolled back: {left}")
    }

    fn unfinished_short(&self, u: Unfinished) -> String {
        match u {
            Unfinished::Live { .. } => "LIVE: still running".into(),
            Unfinished::Halted { reason } => {
                format!("HALTED: interrupted, not finished ({reason})")
            }
            Unfinished::CutOff { .. } => {
                "CUT OFF: the journal ends without run_finished (likely a crash or a kill)".into()
            }
            Unfinished::Damaged => "UNKNOWN: the journal is damaged before its end".into(),
        }
    }

    fn unfinished_long(&self, u: Unfinished, dir: &str, resume: &str) -> String {
        match u {
            Unfinished::Live { at } => format!(
                "LIVE: the run is still going on (another shisa process holds {dir}); this export shows the journal as written at {at}"
            ),
            Unfinished::Halted { reason } => {
                format!("HALTED: the run was interrupted ({reason}) and has not finished; {resume}")
            }
            Unfinished::CutOff { torn, doubt } => {
                let torn = torn
                    .map(|n| format!("; its last line is torn ({n} bytes without a newline), so likely a crash while a record was being written"))
                    .unwrap_or_default();
                let named = |c: bool| doubt.iter().filter(|d| d.1 == c).map(|d| format!("“{}”", d.0)).collect::<Vec<_>>();
                let doubt = match (named(true).as_slice(), named(false).as_slice()) {
                    ([one], _) => format!("Whether {one}'s change was made is unknown"),
                    ([], []) => "Steps in progress then are in doubt".into(),
                    ([], others) => format!("{} did not end", others.join(", ")),
                    (many, _) => format!("Whether the changes of {} were made is unknown", many.join(", ")),
                };
                format!(
                    "CUT OFF: the journal ends without `run_finished` and no process holds the run: shisa may have been killed, or its machine may have gone down{torn}. {doubt}; {resume}"
                )
            }
            Unfinished::Damaged => "UNKNOWN: the journal has a `run_finished` record, but past the damage, where no line can be trusted; how the run ended is not known from this journal".into(),
        }
    }

    fn resume_hint(&self, dir: &str) -> String {
        format!("`shisa resume {dir}` continues it")
    }

    fn resume_damaged(&self, dir: &str) -> String {
        format!("a damaged journal is never resumed (`shisa verify {dir}` shows where it breaks)")
    }

    fn resume_needs_runbook(&self, why: &str) -> String {
        format!("resuming needs the runbook exactly as it was ({why})")
    }

    fn end_unfinished(&self, u: Unfinished, end: &str) -> String {
        match u {
            Unfinished::Live { .. } => format!("not yet: still running (last record {end})"),
            Unfinished::Halted { .. } => format!("not finished: halted (last record {end})"),
            Unfinished::CutOff { .. } => format!("not finished: cut off (last record {end})"),
            Unfinished::Damaged => {
                format!("unknown: its end is past the damage (last trusted record {end})")
            }
        }
    }

    fn timeline_stops(&self, u: Unfinished) -> &'static str {
        match u {
            Unfinished::Live { .. } => {
                "The run is still going on; later events are not in this export."
            }
            Unfinished::Halted { .. } => "The journal ends here: the run is halted, not finished.",
            Unfinished::CutOff { .. } => {
                "The journal ends here, without run_finished: the run was cut off."
            }
            Unfinished::Damaged => {
                "The trusted journal ends here; the lines past the damage, the run's end among them, are left out."
            }
        }
    }

    fn chain_intact(&self, records: usize, logs: Option<usize>) -> String {
        match logs {
            Some(n) => format!("chain intact over {records} records, {n} output logs match"),
            None => "chain intact".into(),
        }
    }

    fn chain_broken(&self, line: usize, reason: &str, kept: Option<usize>) -> String {
        match kept {
            Some(n) => {
                format!("BROKEN at line {line}: {reason}; only the {n} records before it are shown")
            }
            None => format!("BROKEN at line {line}: {reason}"),
        }
    }

    fn integrity_warning(&self, detail: &str) -> String {
        format!(
            "JOURNAL INTEGRITY: {detail}. Treat this export as evidence of tampering or damage, not as the record of the run."
        )
    }

    fn runbook_warning(&self, note: &str) -> String {
        format!("Runbook: {note}.")
    }

    fn runbook_changed(&self, path: &str, sha: &str) -> String {
        format!("{path} has changed since the run (SHA-256 {sha} now); {FALLBACK}")
    }

    fn runbook_unreadable(&self, path: &str) -> String {
        format!("{path} cannot be read or is no longer valid; {FALLBACK}")
    }

    fn no_run_started(&self) -> String {
        "the journal does not begin with run_started".into()
    }

    fn verify_line(&self, m: &dyn Markup, passed: bool, detail: &str) -> String {
        let verdict = if passed {
            "passed".to_string()
        } else {
            m.strong("FAILED")
        };
        format!(
            "{}: {verdict} ({})",
            m.code("shisa verify", false),
            m.esc(detail)
        )
    }

    fn torn_line(&self, bytes: usize) -> String {
        format!("The last line is torn ({bytes} bytes): likely a crash mid-write, not tampering.")
    }

    fn untrusted_line(&self, lines: usize) -> String {
        match lines {
            1 => "1 line after the break is left out of this export.".into(),
            n => format!("{n} lines after the break are left out of this export."),
        }
    }

    fn compare_head(&self, m: &dyn Markup) -> String {
        format!(
            "Compare the head with the one printed at the end of the run or kept by a watcher: {}.",
            m.code("shisa verify RUN_DIR --head HASH", false)
        )
    }

    fn step_lane(&self, id: &str, status: BarStatus, kind: &str) -> String {
        format!("{id} — {} ({kind})", self.bar_status(status))
    }

    fn run_lane(&self, id: &str, status: BarStatus, verdict: &str) -> String {
        format!("{id} — {} ({verdict})", self.bar_status(status))
    }

    fn bar_status(&self, s: BarStatus) -> &'static str {
        s.label()
    }

    fn bar_tip(&self, status: &str, took: &str, from: &str) -> String {
        format!("{status}, {took} from {from}")
    }

    fn target_confirmed(&self) -> String {
        "confirmed".into()
    }

    fn target_reused(&self, from: &str) -> String {
        format!("not typed again: confirmed at {from}")
    }

    fn target_mismatch(&self, misses: u32) -> String {
        // 0: a reviewer's miss, which is not counted against the operator's tries.
        if misses == 0 {
            return "mismatch: the reviewer's miss; nothing was approved".into();
        }
        format!("mismatch: miss {misses} of 3; nothing ran")
    }

    fn target_confirmed_blind(&self) -> String {
        "confirmed blind: the intended target, named before it was shown, is the one resolved"
            .into()
    }

    fn target_mismatch_blind(&self, intended: &str, resolved: &str, miss: &str) -> String {
        format!("blind: intended “{intended}”, the system resolved “{resolved}” — {miss}")
    }

    fn target_impact(&self, count: u64, unit: Option<&str>, at_most: u64) -> String {
        let what = unit.map(|u| format!(" {u}")).unwrap_or_default();
        if count > at_most {
            format!("impact: touches {count}{what}, more than at_most {at_most}; refused")
        } else {
            format!("impact: touches {count}{what} (at most {at_most})")
        }
    }

    fn target_denied(&self, rule: &str, pattern: &str) -> String {
        format!("denied: refused by the {rule} rule '{pattern}'")
    }

    fn approval_result(&self, self_approved: bool, refused: Option<&str>) -> String {
        match (refused, self_approved) {
            (Some(r), _) => format!("refused {r}"),
            (None, true) => "self approved".into(),
            (None, false) => "approved".into(),
        }
    }

    fn override_what(&self, kind: Option<OverrideKind>, step: Option<&str>) -> String {
        let what = kind.map_or("in-doubt", |k| k.name());
        match step {
            Some(s) => format!("{what} ({s})"),
            None => what.to_string(),
        }
    }

    fn waiver_what(&self, guard: &str, step: &str) -> String {
        format!("{guard} guard ({step})")
    }

    fn note_on_done(&self, note: &str) -> String {
        format!("(marking the step done) {note}")
    }

    fn failure_status(
        &self,
        exit: Option<i32>,
        signal: Option<i32>,
        timed_out: bool,
        attempt: u32,
    ) -> Option<String> {
        let mut status = Vec::new();
        status.extend(exit.map(|c| format!("exit code {c}")));
        status.extend(signal.map(|s| format!("signal {s}")));
        if timed_out {
            status.push("timed out".into());
        }
        if attempt > 1 {
            status.push(format!("attempt {attempt}"));
        }
        (!status.is_empty()).then(|| status.join(", "))
    }

    fn failure_heading(&self, step: &str, p: Option<Purpose>) -> String {
        match p {
            Some(p) => format!("{step}, {}", p.to_string().replace('-', " ")),
            None => step.to_string(),
        }
    }

    fn failure_command(&self, m: &dyn Markup, command: &str) -> String {
        format!("Command: {}", m.code(command, false))
    }

    fn failure_state(&self, status: &str) -> String {
        format!("Status: {status}")
    }

    fn failure_reason(&self, m: &dyn Markup, reason: &str) -> String {
        format!(
            "Failure: {}",
            m.rich(&crate::export::text::Text::ticked(reason))
        )
    }

    fn failure_last_lines(&self, m: &dyn Markup, n: usize, log: &str) -> String {
        match n {
            1 => format!("The last line of {}:", m.code(log, false)),
            n => format!("The last {n} lines of {}:", m.code(log, false)),
        }
    }

    fn failure_log_problem(&self, m: &dyn Markup, log: &str, problem: &str) -> String {
        format!("Output log {}: {}", m.code(log, false), m.esc(problem))
    }

    fn log_none(&self) -> String {
        "no output log was recorded".into()
    }

    fn log_empty(&self) -> String {
        "the command printed nothing".into()
    }

    fn log_outside(&self, log: &str) -> String {
        format!("log path `{log}` leaves the run directory; not read")
    }

    fn rollback_line(&self, m: &dyn Markup, r: &RollbackLine) -> String {
        let plan = if r.plan.is_empty() {
            "nothing".to_string()
        } else {
            let steps: Vec<String> = r.plan.iter().map(|p| m.esc(p)).collect();
            steps.join(", then ")
        };
        let result = match r.ok {
            Some(true) => format!("finished at {}: every step undone", r.finished),
            Some(false) => format!(
                "finished {}: a rollback command failed and was skipped",
                m.strong("INCOMPLETE")
            ),
            None => format!("{} before the journal ends", m.strong("did not finish")),
        };
        format!(
            "{} {} by {}: undoing {plan}; {result}.",
            r.at,
            m.marker("ROLLBACK", "ROLLBACK"),
            m.esc(r.by)
        )
    }

    fn rollback_without(&self, m: &dyn Markup, steps: &[String]) -> String {
        let steps: Vec<String> = steps.iter().map(|p| m.esc(p)).collect();
        format!("No rollback defined for: {}", steps.join(", "))
    }

    fn rollback_command_result(
        &self,
        ok: bool,
        exit: Option<i32>,
        failure: Option<&str>,
    ) -> String {
        match (failure, exit) {
            (Some(f), _) if !ok => format!(" — FAILED: {f}"),
            (_, Some(code)) => format!(" → exit {code}"),
            _ => String::new(),
        }
    }

    fn rollback_command_lead(&self, at: &str, step: &str) -> String {
        format!("{at} {step}: ")
    }

    fn wrote(&self, format: &str, runs: &[&str], path: &str) -> String {
        let runs = match runs {
            [one] => format!("run {one}"),
            many => format!("runs {}", many.join(", ")),
        };
        format!("wrote the {format} export of {runs} to {path}")
    }
}
