//! The timeline drawn as inline SVG: one lane per step with a bar from its start to its
//! end, coloured by outcome, the rollback of a step hatched after it, markers for
//! approvals, failures, rollbacks and overrides, a time axis whose ticks adapt from
//! milliseconds to days (`axis.rs`), and a legend (`marks.rs`). No scripts, no external
//! references.

use std::fmt::Write;

use super::axis::{Axis, ticks};
use super::layout::{BAR, LABEL, LEGEND, ROW, TOP, W};
use super::marks::{colour, legend, shape};
use super::model::{BarStatus, Marker, Postmortem, RunReport, RunState, StepBar};
use super::text::{clip, html_escape as esc};
use super::words::Label;
use super::zone::Time;

/// One run: a lane for the run and one per step. Several: one lane per run, its bar from
/// its start to its end, its markers on it.
pub fn render(p: &Postmortem) -> String {
    let w = p.words();
    let lanes: Vec<StepBar> = if p.merged() {
        p.runs
            .iter()
            .enumerate()
            .map(|(k, r)| run_bar(p, k, r))
            .collect()
    } else {
        p.runs.first().map(|r| r.steps.clone()).unwrap_or_default()
    };
    let Some(first) = p.runs.first() else {
        return String::new();
    };
    let start = p
        .runs
        .iter()
        .map(|r| r.run.start)
        .min()
        .unwrap_or(first.run.start);
    let recorded_end = p
        .runs
        .iter()
        .map(|r| r.run.end)
        .max()
        .unwrap_or(first.run.end);
    let live = p.runs.iter().any(|r| r.run.state == RunState::Live);
    // A merged chart draws a halted run as one bar to its last record: it stopped there,
    // and nothing of it reaches past (its steps in doubt are the run's own chart's).
    // A damaged run ended too, past the break: nothing of it is open, its bars stop at the
    // last intact record.
    let settled = |r: &RunReport| {
        matches!(r.run.state, RunState::Finished | RunState::Damaged)
            || (p.merged() && r.run.state == RunState::Halted)
    };
    let finished = p.runs.iter().all(settled);
    let now = live.then(|| Time(chrono::Utc::now().with_timezone(start.0.offset())));
    let last = now.unwrap_or(recorded_end).max(recorded_end);
    // A run that has not finished gets room after its last moment: what happened there is
    // unknown, and steps in progress or in doubt reach into it.
    let recorded = last.millis_since(start).max(10);
    let pad = if finished { 0 } else { recorded / 10 };
    let end = Time(last.0 + chrono::Duration::milliseconds(pad));
    let span = (recorded + pad) as f64;
    let axis = Axis { t0: start, span };
    // One run: its own lane first; merged runs are their own lanes.
    let own = usize::from(!p.merged());
    let count = lanes.len() + own;
    let h = TOP + ROW * count as f64 + 26.0 + LEGEND;
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg id=\"chart\" role=\"img\" viewBox=\"0 0 {W} {h}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" aria-label=\"{}\">",
        esc(w.label(Label::Timeline))
    );
    o.push_str(concat!(
        "<defs><pattern id=\"open\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">",
        "<rect width=\"8\" height=\"8\" fill=\"#d5d5d5\"/><rect width=\"4\" height=\"8\" fill=\"#a9a9a9\"/></pattern>",
        "<pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">",
        "<rect width=\"6\" height=\"6\" fill=\"#f3d48a\"/><rect width=\"3\" height=\"6\" fill=\"#e0a526\"/></pattern></defs>"
    ));
    let bottom = TOP + ROW * count as f64;
    ticks(&mut o, &axis, end, bottom, p.timezone.multi_day, &|t| {
        w.chart_date(t)
    });
    if own == 1 {
        let tip = w.label(Label::ChartRunLaneTip);
        lane(&mut o, 0, w.label(Label::ChartRunLane), tip, None);
    }
    for (k, s) in lanes.iter().enumerate() {
        let hint = if p.merged() {
            w.run_lane(&s.id, s.status, &s.kind)
        } else {
            w.step_lane(&s.id, s.status, &s.kind, s.mutating)
        };
        lane(&mut o, k + own, &s.title, &hint, Some(s.status));
        bar(&mut o, p, &axis, k + own, s, (last, end));
    }
    // The end of the record: now for a live run, the last line for a cut-off one.
    // Merged, each cut-off run's journal ends on its own lane, named: a line across every
    // lane, labelled on the first, read as the first run's end (issue 17, third cold read).
    if p.merged() && !live {
        for (k, r) in p.runs.iter().enumerate() {
            if settled(r) {
                continue;
            }
            let x = axis.x(r.run.end);
            let top = TOP + ROW * k as f64;
            let label = format!("#{} {}", k + 1, w.label(Label::ChartJournalEnds));
            let (lx, anchor) = if x + 110.0 < W {
                (x + 4.0, "start")
            } else {
                (x - 4.0, "end")
            };
            let _ = write!(
                o,
                "<line class=\"cut\" x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"/><text class=\"cut-label\" x=\"{lx:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
                top + ROW,
                top + ROW / 2.0 + 4.0,
                esc(&label)
            );
        }
    }
    let cut = if live {
        Some((w.label(Label::ChartNow), last))
    } else if !finished && !p.merged() {
        Some((w.label(Label::ChartJournalEnds), recorded_end))
    } else if !p.merged() && first.run.state == RunState::Damaged {
        Some((w.label(Label::ChartJournalBreaks), recorded_end))
    } else {
        None
    };
    if let Some((label, t)) = cut {
        let x = axis.x(t);
        // Labelled in the first lane, where no step's text can be.
        let (lx, anchor) = if x + 90.0 < W {
            (x + 4.0, "start")
        } else {
            (x - 4.0, "end")
        };
        let _ = write!(
            o,
            "<line class=\"cut\" x1=\"{x:.1}\" y1=\"{TOP}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\"/><text class=\"cut-label\" x=\"{lx:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{label}</text>",
            TOP + ROW / 2.0 + 4.0
        );
    }
    markers(&mut o, p, &lanes, own, &axis);
    let drawn: Vec<BarStatus> = lanes.iter().map(|s| s.status).collect();
    legend(&mut o, bottom + 44.0, w, &drawn);
    o.push_str("</svg>");
    o
}

/// A run drawn as one bar, coloured by how it ended.
fn run_bar(p: &Postmortem, k: usize, r: &RunReport) -> StepBar {
    let run = &r.run;
    let status = match (run.state, run.outcome.as_deref()) {
        (RunState::Live, _) => BarStatus::Running,
        (RunState::Halted, _) => BarStatus::Halted,
        (RunState::CutOff, _) => BarStatus::InDoubt,
        (RunState::Damaged, _) => BarStatus::Damaged,
        (_, Some("completed")) => BarStatus::Ok,
        (_, Some("aborted")) => BarStatus::Aborted,
        (_, Some("refused")) => BarStatus::Refused,
        (_, Some("completed_with_exceptions")) => BarStatus::Continued,
        (_, Some("rolled_back")) => BarStatus::RolledBack,
        _ => BarStatus::Failed,
    };
    // A damaged run's bar ends at its last intact record: its `end` (README, "damaged").
    let finished = matches!(
        run.state,
        RunState::Finished | RunState::Halted | RunState::Damaged
    );
    StepBar {
        id: run.run_id.clone(),
        title: p.run_label(k),
        kind: run.verdict.clone(),
        mutating: false,
        status,
        started: Some(run.start),
        ended: finished.then_some(run.end),
        rollback_started: None,
        rollback_ended: None,
    }
}

fn lane(o: &mut String, k: usize, title: &str, hint: &str, status: Option<BarStatus>) {
    let y = TOP + ROW * k as f64;
    let class = if k.is_multiple_of(2) {
        "lane even"
    } else {
        "lane"
    };
    let faded = if status == Some(BarStatus::NotStarted) {
        " faded"
    } else {
        ""
    };
    let _ = write!(
        o,
        "<rect class=\"{class}\" x=\"0\" y=\"{y:.1}\" width=\"{W}\" height=\"{ROW}\"/><text class=\"step-label{faded}\" x=\"8\" y=\"{:.1}\"><title>{}</title>{}</text>",
        y + ROW / 2.0 + 4.5,
        esc(hint),
        esc(&clip(title, 42))
    );
}

/// `ends`: the last moment recorded (now, for a live run) and the axis end, where a step in
/// doubt fades out.
fn bar(o: &mut String, p: &Postmortem, axis: &Axis, k: usize, s: &StepBar, ends: (Time, Time)) {
    let words = p.words();
    let Some(start) = s.started else {
        let _ = write!(
            o,
            "<text class=\"not-run\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            LABEL + 4.0,
            TOP + ROW * k as f64 + ROW / 2.0 + 4.0,
            words.label(Label::ChartNotReached)
        );
        return;
    };
    let y = TOP + ROW * k as f64 + (ROW - BAR) / 2.0;
    let open_end = if s.status == BarStatus::InDoubt {
        ends.1
    } else {
        ends.0
    };
    let stop = s.ended.unwrap_or(open_end);
    let (x0, x1) = (axis.x(start), axis.x(stop));
    let w = (x1 - x0).max(3.0);
    let last = s.rollback_ended.unwrap_or(stop).max(stop);
    let duration = p
        .lang
        .book()
        .duration(last.millis_since(start).max(0) as u64);
    // A halted run's bar ends where it stopped, beside it that it can go on; a damaged
    // one's at its last intact record, beside it that the rest is left out.
    let halted = matches!(s.status, BarStatus::Halted | BarStatus::Damaged);
    let took = match s.status {
        BarStatus::InDoubt => words.label(Label::ChartInDoubt).to_string(),
        BarStatus::Damaged => words.label(Label::ChartDamaged).to_string(),
        BarStatus::Running => words.label(Label::ChartRunning).to_string(),
        BarStatus::Halted => words.bar_status(BarStatus::Halted).to_string(),
        _ => duration.clone(),
    };
    let tip_took = if halted { &duration } else { &took };
    let _ = write!(
        o,
        "<rect class=\"bar {}\" data-step=\"{}\" x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{BAR}\" rx=\"2\" fill=\"{}\"><title>{} — {}</title></rect>",
        status_class(s.status),
        esc(&s.id),
        colour(s.status),
        esc(&s.title),
        esc(&words.bar_tip(s.status, tip_took, &start.clock()))
    );
    let mut after = x0 + w;
    if let (Some(a), Some(b)) = (s.rollback_started, s.rollback_ended) {
        let (rx0, rx1) = (axis.x(a), axis.x(b));
        let rw = (rx1 - rx0).max(3.0);
        let _ = write!(
            o,
            "<rect class=\"rollback-seg\" x=\"{rx0:.1}\" y=\"{y:.1}\" width=\"{rw:.1}\" height=\"{BAR}\" rx=\"2\" fill=\"url(#hatch)\"><title>{} {} {}–{}</title></rect>",
            words.label(Label::LegendRollback),
            esc(&s.title),
            a.clock(),
            b.clock()
        );
        after = after.max(rx0 + rw);
    }
    // The label goes after the bar, or before it when the bar runs to the edge.
    // A kana or kanji is about twice as wide as a Latin letter at this size.
    let width: f64 = took
        .chars()
        .map(|c| if c.is_ascii() { 6.7 } else { 12.5 })
        .sum();
    let place = if after + 5.0 + width < W {
        Some((after + 5.0, "start"))
    } else if x0 - 5.0 - width > LABEL {
        Some((x0 - 5.0, "end"))
    } else {
        None
    };
    if let Some((x, anchor)) = place {
        let _ = write!(
            o,
            "<text class=\"took\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
            y + BAR - 4.0,
            esc(&took)
        );
    }
}

fn status_class(s: BarStatus) -> &'static str {
    match s {
        BarStatus::Ok => "ok",
        BarStatus::Failed => "failed",
        BarStatus::RolledBack => "rolled-back",
        BarStatus::Skipped => "skipped",
        BarStatus::Continued => "continued",
        BarStatus::Overridden => "overridden",
        BarStatus::Unproven => "unproven",
        BarStatus::Running => "running",
        BarStatus::InDoubt => "in-doubt",
        BarStatus::Stopped => "stopped",
        BarStatus::Damaged => "damaged",
        BarStatus::Aborted => "aborted",
        BarStatus::Refused => "refused",
        BarStatus::Halted => "halted",
        BarStatus::NotStarted => "not-started",
    }
}

/// Markers at their moment, on their lane: their step's (run-level ones on the run's own
/// lane), or their run's when several are merged.
fn markers(o: &mut String, p: &Postmortem, lanes: &[StepBar], own: usize, axis: &Axis) {
    let book = p.lang.book();
    for e in &p.timeline {
        let Some(m) = e.marker else { continue };
        // The hatched segment already shows each rollback command and step.
        let repeat = matches!(e.kind.as_str(), "command_finished" | "step_finished")
            && m == Marker::Rollback;
        if repeat {
            continue;
        }
        let lane = if p.merged() {
            e.run
        } else {
            e.step
                .as_ref()
                .and_then(|id| lanes.iter().position(|s| &s.id == id))
                .map_or(0, |k| k + own)
        };
        let x = axis.x(e.time);
        let y = TOP + ROW * lane as f64 + ROW / 2.0;
        let drawn = if e.kind == "run_finished" {
            let class = match m {
                Marker::Completed => "done",
                Marker::Exceptions => "override",
                Marker::RolledBack => "rollback",
                _ => "fail",
            };
            Some(format!(
                "<circle class=\"mk {class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"6\""
            ))
        } else {
            shape(m, x, y)
        };
        if let Some(open) = drawn {
            let _ = write!(
                o,
                "{open} data-seq=\"{}\"><title>{} {} — {}</title></{}>",
                e.seq,
                e.time.clock(),
                book.label(m),
                esc(&e.summary),
                open.split_whitespace()
                    .next()
                    .unwrap_or("<g")
                    .trim_start_matches('<')
            );
        }
    }
}
