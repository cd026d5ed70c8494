//! The postmortem as GitHub-flavoured Markdown: a summary table (one row per run when
//! several are merged), the timeline table `| Time | Actor | Event |` (with a run column
//! when merged) with the zone stated once, then one section per concern. It pastes into a
//! Google-SRE-style or PagerDuty-style postmortem document — or a 時系列の報告 — as it is.

use std::fmt::Write;

use super::markup::{Markdown, Markup};
use super::model::{Postmortem, RunReport, RunState, TimelineRow, when};
use super::state::how_unfinished;
use super::text::{Text, md_code, md_escape};
use super::words::{DocumentWords, Label};

pub fn render(p: &Postmortem) -> String {
    let mut o = String::new();
    let names = p.runbook_names();
    let _ = writeln!(o, "# {}\n", md_escape(&p.words().title(&names)));
    for w in &p.warnings {
        let _ = writeln!(
            o,
            "> **{}** {}\n",
            p.words().label(Label::Warning),
            Text::ticked(w).to_markdown_inline()
        );
    }
    if p.merged() {
        runs(&mut o, p);
    } else if let Some(run) = p.runs.first() {
        summary(&mut o, p, run);
    }
    timeline(&mut o, p);
    super::after_timeline::render(&mut o, p, &Markdown);
    o
}

/// One run's summary as a two-column table.
fn summary(o: &mut String, p: &Postmortem, r: &RunReport) {
    let w = p.words();
    let run = &r.run;
    let list = |v: &[String]| {
        if v.is_empty() {
            w.label(Label::Nobody).to_string()
        } else {
            v.iter()
                .map(|s| md_escape(s))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let params: Vec<String> = run
        .params
        .iter()
        .map(|(k, v)| md_code(&format!("{k}={v}"), true))
        .collect();
    use Label::*;
    let mut rows: Vec<(Label, String)> = vec![
        (
            Runbook,
            w.runbook_cell(
                &md_escape(&run.runbook.name),
                &md_code(&run.runbook.path, true),
                &md_code(&run.runbook.sha256, true),
            ),
        ),
        (RunId, md_code(&run.run_id, true)),
        (Operator, md_escape(&run.operator)),
        (Reviewers, list(&run.reviewers)),
        (Watchers, list(&run.watchers)),
        (Host, md_escape(&run.host)),
        (Start, w.moment(&run.start)),
        (End, end_text(w, r)),
        (Duration, duration(p, r)),
        (
            Outcome,
            format!("**{}**", Text::ticked(&run.verdict).to_markdown()),
        ),
    ];
    rows.extend(left_text(w, &Markdown, r).map(|left| (LeftInPlace, left)));
    rows.extend([
        (
            Parameters,
            if params.is_empty() {
                w.label(Nobody).into()
            } else {
                w.list(&params)
            },
        ),
        (
            r.integrity.head_label(),
            md_code(&r.integrity.chain_head, true),
        ),
    ]);
    if let Some(fake) = &run.clock_faked {
        rows.push((Clock, md_escape(fake)));
    }
    if let Some(env) = &run.env {
        rows.push((Environment, md_escape(env)));
    }
    if let Some(rh) = &run.rehearsal {
        rows.push((
            RehearsalRun,
            w.aside(&md_code(&rh.run_id, true), &md_escape(&rh.env)),
        ));
        rows.push((RehearsalFinished, md_escape(&rh.finished)));
        rows.push((RehearsalChainHead, md_code(&rh.chain_head, true)));
    }
    let _ = writeln!(o, "## {}\n\n| | |\n|---|---|", w.label(Summary));
    for (k, v) in rows {
        let _ = writeln!(o, "| {} | {v} |", w.label(k));
    }
    o.push('\n');
}

/// Several runs: one row each, with what a reader compares across them.
fn runs(o: &mut String, p: &Postmortem) {
    let w = p.words();
    use Label::*;
    let head = [
        Run, RunId, Runbook, Operator, Start, End, Outcome, ChainHead,
    ];
    let names: Vec<&str> = head.iter().map(|l| w.label(*l)).collect();
    let _ = writeln!(
        o,
        "## {}\n\n| {} |\n|{}",
        w.label(Runs),
        names.join(" | "),
        "---|".repeat(names.len())
    );
    for (k, r) in p.runs.iter().enumerate() {
        let run = &r.run;
        let verdict = format!("**{}**", Text::ticked(&run.verdict).to_markdown());
        let _ = writeln!(
            o,
            "| #{} | {} | {} | {} | {} | {} | {} | {} |",
            k + 1,
            md_code(&run.run_id, true),
            md_escape(&run.runbook.name),
            md_escape(&run.operator),
            w.moment(&run.start),
            end_text(w, r),
            match left_text(w, &Markdown, r) {
                Some(left) => w.verdict_and_left(&verdict, &left),
                None => verdict,
            },
            head_cell(w, r, md_code(&r.integrity.chain_head, true))
        );
    }
    o.push('\n');
}

/// The runs table's head cell (markup in `hash`): a damaged run's hash is labelled as the
/// last intact record's, which is not the run's head the column is named for.
pub fn head_cell(w: &dyn DocumentWords, r: &RunReport, hash: String) -> String {
    match r.integrity.head_label() {
        Label::ChainHead => hash,
        other => w.labelled(w.label(other), &hash),
    }
}

/// A damaged or cut-off run's end is unknown, so its duration is only up to the last
/// (intact) record, and says so.
pub fn duration(p: &Postmortem, r: &RunReport) -> String {
    let d = p.lang.book().duration(r.run.duration_ms.max(0) as u64);
    match r.run.state {
        RunState::Damaged => p.words().duration_to_break(&d),
        RunState::CutOff => p.words().duration_to_cut(&d),
        _ => d,
    }
}

/// The changes the run leaves in place, as its summary says them; None when it leaves none
/// (or its runbook is not there to replay, so the export cannot tell). A damaged run's are
/// unknown past the damage: said so, with what stood at the last intact record.
pub fn left_text(w: &dyn DocumentWords, m: &dyn Markup, r: &RunReport) -> Option<String> {
    let left = r.run.left_in_place.as_ref()?;
    let steps: Vec<(&str, &str, bool)> = left
        .iter()
        .map(|s| (s.step_title.as_str(), s.step.as_str(), s.in_doubt))
        .collect();
    match r.run.state {
        RunState::Damaged => Some(w.left_past_damage(&w.left_in_place(m, &steps))),
        _ if left.is_empty() => None,
        _ => Some(w.left_in_place(m, &steps)),
    }
}

pub fn end_text(w: &dyn DocumentWords, r: &RunReport) -> String {
    let end = w.moment(&r.run.end);
    match how_unfinished(&r.run) {
        None => end,
        Some(u) => w.end_unfinished(u, &end),
    }
}

fn timeline(o: &mut String, p: &Postmortem) {
    let w = p.words();
    let z = &p.timezone;
    let day = p.runs.first().map(|r| r.run.start.date());
    let day = day.filter(|_| !z.multi_day);
    let _ = write!(
        o,
        "## {}\n\n{}",
        w.label(Label::Timeline),
        w.zone_line(
            &Markdown,
            &z.label,
            z.source,
            p.zone_from().as_ref(),
            day.as_deref()
        )
    );
    let mut head = vec![w.label(Label::Time)];
    if p.merged() {
        head.push(w.label(Label::Run));
    }
    head.extend([w.label(Label::Actor), w.label(Label::Event)]);
    let _ = write!(
        o,
        "\n\n| {} |\n|{}\n",
        head.join(" | "),
        "---|".repeat(head.len())
    );
    for e in &p.timeline {
        let run = if p.merged() {
            format!(" {} |", md_escape(&p.run_label(e.run)))
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "| {} |{run} {} | {} |",
            when(p, &e.time),
            md_escape(&e.actor),
            event(p, e)
        );
    }
    for (k, r) in p.runs.iter().enumerate() {
        if let Some(u) = how_unfinished(&r.run) {
            let stops = w.timeline_stops(u);
            let line = if p.merged() {
                w.labelled(&md_escape(&p.run_label(k)), stops)
            } else {
                stops.to_string()
            };
            let _ = writeln!(o, "\n*{line}*");
        }
    }
    o.push('\n');
}

fn event(p: &Postmortem, e: &TimelineRow) -> String {
    match e.marker {
        Some(m) => format!("**{}** {}", p.lang.book().label(m), e.text.to_markdown()),
        None => e.text.to_markdown(),
    }
}
