//! The postmortem as GitHub-flavoured Markdown: a summary table, the timeline table
//! `| Time | Actor | Event |` with the zone stated once, then one section per concern. It
//! pastes into a Google-SRE-style or PagerDuty-style postmortem document as it is.

use std::fmt::Write;

use super::model::{RunReport, TimelineRow};
use super::text::{Text, md_code, md_escape};

pub fn render(r: &RunReport) -> String {
    let mut o = String::new();
    let run = &r.run;
    let _ = writeln!(
        o,
        "# Postmortem timeline: {}\n",
        md_escape(&run.runbook.name)
    );
    for w in &r.warnings {
        let _ = writeln!(
            o,
            "> **Warning:** {}\n",
            Text::ticked(w).to_markdown_inline()
        );
    }
    summary(&mut o, r);
    timeline(&mut o, r);
    super::after_timeline::render(&mut o, r, &super::after_timeline::Markdown);
    o
}

pub use super::model::when;

fn summary(o: &mut String, r: &RunReport) {
    let run = &r.run;
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
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
    let mut rows: Vec<(&str, String)> = vec![
        (
            "Runbook",
            format!(
                "{} ({}, SHA-256 {})",
                md_escape(&run.runbook.name),
                md_code(&run.runbook.path, true),
                md_code(&run.runbook.sha256, true)
            ),
        ),
        ("Run id", md_code(&run.run_id, true)),
        ("Operator", md_escape(&run.operator)),
        ("Reviewers", list(&run.reviewers)),
        ("Watchers", list(&run.watchers)),
        ("Host", md_escape(&run.host)),
        ("Start", run.start.with_offset()),
        ("End", end_text(r)),
        ("Duration", super::phrase::ms(run.duration_ms.max(0) as u64)),
        ("Outcome", format!("**{}**", md_escape(&run.verdict))),
        (
            "Parameters",
            if params.is_empty() {
                "none".into()
            } else {
                params.join(", ")
            },
        ),
        ("Journal chain head", md_code(&r.integrity.chain_head, true)),
    ];
    if let Some(fake) = &run.clock_faked {
        rows.push(("Clock", format!("faked: {}", md_escape(fake))));
    }
    o.push_str("## Summary\n\n| | |\n|---|---|\n");
    for (k, v) in rows {
        let _ = writeln!(o, "| {k} | {v} |");
    }
    o.push('\n');
}

pub fn end_text(r: &RunReport) -> String {
    use super::model::RunState::*;
    let end = r.run.end.with_offset();
    match r.run.state {
        Finished => end,
        Live => format!("not yet: still running (last record {end})"),
        Halted => format!("not finished: halted (last record {end})"),
        CutOff => format!("not finished: cut off (last record {end})"),
    }
}

fn timeline(o: &mut String, r: &RunReport) {
    let z = &r.run.timezone;
    let _ = write!(
        o,
        "## Timeline\n\nTimes are {}, {}.",
        md_escape(&z.label),
        z.source.says()
    );
    if !z.multi_day {
        let _ = write!(o, " All on {}.", r.run.start.date());
    }
    o.push_str("\n\n| Time | Actor | Event |\n|---|---|---|\n");
    for e in &r.timeline {
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            when(r, &e.time),
            md_escape(&e.actor),
            event(e)
        );
    }
    use super::model::RunState::*;
    let end = match r.run.state {
        Finished => None,
        Live => Some("The run is still going on; later events are not in this export."),
        Halted => Some("The journal ends here: the run is halted, not finished."),
        CutOff => Some("The journal ends here, without run_finished: the run was cut off."),
    };
    if let Some(end) = end {
        let _ = writeln!(o, "\n*{end}*");
    }
    o.push('\n');
}

fn event(e: &TimelineRow) -> String {
    match e.marker {
        Some(m) => format!("**{}** {}", m.label(), e.text.to_markdown()),
        None => e.text.to_markdown(),
    }
}
