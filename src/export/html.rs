//! The postmortem as one self-contained HTML page: inline CSS, the chart as inline SVG, the
//! summary, the timeline table and the sections. A Content-Security-Policy forbids every
//! request, so the page cannot reach the network even if some text tried to.

use std::fmt::Write;

use super::chart;
use super::markdown::{duration, end_text, head_cell, left_text};
use super::markup::{Html, Markup};
use super::model::{Postmortem, RunReport, TimelineRow, when};
use super::text::{Text, html_escape as esc};
use super::words::Label;

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; margin: 0; background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid #e3e3e3; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
code, pre { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
code { background: #f2f2f4; padding: 0 3px; border-radius: 3px; overflow-wrap: anywhere; }
pre { background: #1f2328; color: #e6edf3; padding: 8px 10px; border-radius: 4px; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { border: 1px solid #e3e3e3; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f7; font-weight: 600; }
table.kv th { width: 180px; }
td.time { white-space: nowrap; font-variant-numeric: tabular-nums; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; }
tr.marked td { background: #fffaf0; }
.warn { border-left: 5px solid #d64545; background: #fdecec; padding: 8px 12px; margin: 8px 0; font-weight: 600; }
.m { font-weight: 700; letter-spacing: .02em; }
.m-FAILED, .m-REFUSED, .m-MISMATCH, .m-WINDOW_CLOSED, .m-ABORTED { color: #b42323; }
.m-APPROVED { color: #1f5fbf; } .m-ROLLBACK, .m-ROLLED_BACK { color: #9a6a00; }
.m-OVERRIDE, .m-WAIVED { color: #7a3fb0; } .m-COMPLETED { color: #1f7a3a; }
.zone { color: #555; }
#chart { display: block; border: 1px solid #e3e3e3; border-radius: 4px; background: #fff; }
#chart .lane { fill: #ffffff; } #chart .lane.even { fill: #f7f7f9; }
#chart .tick { stroke: #e2e2e6; stroke-width: 1; }
#chart .tick-label, #chart .took, #chart .not-run { font: 11px ui-monospace, Menlo, Consolas, monospace; fill: #666; }
#chart .not-run { font-style: italic; fill: #999; }
#chart .tick-date { font: 600 11px system-ui, sans-serif; fill: #333; }
#chart .step-label { font: 12.5px system-ui, sans-serif; fill: #1d1d1f; } #chart .step-label.faded { fill: #999; }
#chart .legend { font: 12px system-ui, sans-serif; fill: #333; }
#chart .bar { stroke: rgba(0,0,0,.25); stroke-width: .6; }
#chart .mk { stroke: #fff; stroke-width: 1.2; }
#chart .mk.approve { fill: #1f5fbf; } #chart .mk.fail { fill: #b42323; } #chart .mk.rollback { fill: #c07f00; }
#chart .mk.override { fill: #7a3fb0; } #chart .mk.done { fill: #1f7a3a; } #chart .mk.pause { fill: #777; }
#chart .cut { stroke: #b42323; stroke-width: 1.5; stroke-dasharray: 5 4; }
#chart .cut-label { font: 11px system-ui, sans-serif; fill: #b42323; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
@media print { body { background: #fff; } main { padding: 0; } }
"#;

/// After layout, records how many bars the browser really drew with a width, so automated
/// checks (and curious readers) can see the chart rendered. The page needs no script.
const SELF_CHECK: &str = "document.addEventListener('DOMContentLoaded',function(){var c=document.getElementById('chart');if(!c)return;var n=0;c.querySelectorAll('rect.bar').forEach(function(b){if(b.getBBox().width>0)n++});var d=document.documentElement.dataset;d.chartBarsDrawn=n;d.chartWidth=Math.round(c.getBoundingClientRect().width);});";

pub fn render(p: &Postmortem) -> String {
    let w = p.words();
    let names = p.runbook_names();
    let title = w.title(&names);
    let mut o = String::new();
    // Only this page's own style and script may apply, by hash: even if some text slipped
    // through escaping, it could neither run nor load anything.
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src {}; script-src {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
        p.lang.tag(),
        csp_hash(STYLE),
        csp_hash(SELF_CHECK),
        esc(&title),
        esc(&title)
    );
    for warning in &p.warnings {
        let _ = writeln!(
            o,
            "<div class=\"warn\">{}</div>",
            Text::ticked(warning).to_html()
        );
    }
    if p.merged() {
        runs(&mut o, p);
    } else if let Some(r) = p.runs.first() {
        summary(&mut o, p, r);
    }
    let z = &p.timezone;
    let day = p.runs.first().map(|r| r.run.start.date());
    let day = day.filter(|_| !z.multi_day);
    let _ = writeln!(
        o,
        "<h2>{}</h2>\n<p class=\"zone\">{}</p>\n{}",
        w.label(Label::Timeline),
        w.zone_line(
            &Html,
            &z.label,
            z.source,
            p.zone_from().as_ref(),
            day.as_deref()
        ),
        chart::render(p)
    );
    timeline(&mut o, p);
    super::after_timeline::render(&mut o, p, &Html);
    let _ = write!(
        o,
        "<script>{SELF_CHECK}</script>\n</main>\n</body>\n</html>\n"
    );
    o
}

/// `'sha256-…'`: a CSP source allowing exactly this inline text.
fn csp_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("'sha256-{}'", base64(&Sha256::digest(text.as_bytes())))
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn summary(o: &mut String, p: &Postmortem, r: &RunReport) {
    let w = p.words();
    let run = &r.run;
    let code = |s: &str| Text::new().code(s).to_html();
    let list = |v: &[String]| {
        if v.is_empty() {
            w.label(Label::Nobody).to_string()
        } else {
            esc(&v.join(", "))
        }
    };
    let params: Vec<String> = run
        .params
        .iter()
        .map(|(k, v)| code(&format!("{k}={v}")))
        .collect();
    use Label::*;
    let mut rows: Vec<(Label, String)> = vec![
        (
            Runbook,
            w.runbook_cell(
                &esc(&run.runbook.name),
                &code(&run.runbook.path),
                &code(&run.runbook.sha256),
            ),
        ),
        (RunId, code(&run.run_id)),
        (Operator, esc(&run.operator)),
        (Reviewers, list(&run.reviewers)),
        (Watchers, list(&run.watchers)),
        (Host, esc(&run.host)),
        (Start, esc(&w.moment(&run.start))),
        (End, esc(&end_text(w, r))),
        (Duration, esc(&duration(p, r))),
        (
            Outcome,
            format!("<strong>{}</strong>", Text::ticked(&run.verdict).to_html()),
        ),
    ];
    rows.extend(left_text(w, &Html, r).map(|left| (LeftInPlace, left)));
    rows.extend([
        (
            Parameters,
            if params.is_empty() {
                w.label(Nobody).into()
            } else {
                w.list(&params)
            },
        ),
        (r.integrity.head_label(), code(&r.integrity.chain_head)),
    ]);
    if let Some(env) = &run.env {
        rows.push((Environment, esc(env)));
    }
    if let Some(rh) = &run.rehearsal {
        rows.push((RehearsalRun, w.aside(&code(&rh.run_id), &esc(&rh.env))));
        rows.push((RehearsalFinished, esc(&rh.finished)));
        rows.push((RehearsalChainHead, code(&rh.chain_head)));
    }
    let _ = writeln!(
        o,
        "<h2>{}</h2>\n<table class=\"kv\" id=\"summary\">",
        w.label(Summary)
    );
    for (k, v) in rows {
        let _ = writeln!(o, "<tr><th>{}</th><td>{v}</td></tr>", w.label(k));
    }
    o.push_str("</table>\n");
}

/// Several runs: one row each.
fn runs(o: &mut String, p: &Postmortem) {
    let w = p.words();
    let code = |s: &str| Text::new().code(s).to_html();
    use Label::*;
    let head = [
        Run, RunId, Runbook, Operator, Start, End, Outcome, ChainHead,
    ];
    let _ = write!(
        o,
        "<h2>{}</h2>\n<table id=\"runs\"><thead><tr>",
        w.label(Runs)
    );
    for h in head {
        let _ = write!(o, "<th>{}</th>", w.label(h));
    }
    o.push_str("</tr></thead><tbody>\n");
    for (k, r) in p.runs.iter().enumerate() {
        let run = &r.run;
        let verdict = format!("<strong>{}</strong>", Text::ticked(&run.verdict).to_html());
        let _ = writeln!(
            o,
            "<tr><td>#{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            k + 1,
            code(&run.run_id),
            esc(&run.runbook.name),
            esc(&run.operator),
            esc(&w.moment(&run.start)),
            esc(&end_text(w, r)),
            match left_text(w, &Html, r) {
                Some(left) => w.verdict_and_left(&verdict, &left),
                None => verdict,
            },
            head_cell(w, r, code(&r.integrity.chain_head))
        );
    }
    o.push_str("</tbody></table>\n");
}

fn timeline(o: &mut String, p: &Postmortem) {
    let w = p.words();
    let run = if p.merged() {
        format!("<th>{}</th>", w.label(Label::Run))
    } else {
        String::new()
    };
    let _ = writeln!(
        o,
        "<table id=\"timeline\">\n<thead><tr><th>{}</th>{run}<th>{}</th><th>{}</th></tr></thead>\n<tbody>",
        w.label(Label::Time),
        w.label(Label::Actor),
        w.label(Label::Event)
    );
    for e in &p.timeline {
        let class = if e.marker.is_some() {
            " class=\"marked\""
        } else {
            ""
        };
        let run = if p.merged() {
            format!("<td>{}</td>", esc(&p.run_label(e.run)))
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "<tr{class} data-seq=\"{}\"><td class=\"time\">{}</td>{run}<td>{}</td><td>{}</td></tr>",
            e.seq,
            when(p, &e.time),
            esc(&e.actor),
            event(p, e)
        );
    }
    o.push_str("</tbody>\n</table>\n");
}

fn event(p: &Postmortem, e: &TimelineRow) -> String {
    match e.marker {
        Some(m) => Html.marker(&marker_key(m), p.lang.book().label(m)) + " " + &e.text.to_html(),
        None => e.text.to_html(),
    }
}

/// A marker's stable name (`WINDOW_CLOSED`), for a class the style sheet colours.
pub fn marker_key(m: crate::phrase::Marker) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_like_rfc_4648() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
