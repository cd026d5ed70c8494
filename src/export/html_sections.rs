//! The HTML page's sections after the timeline, mirroring the Markdown ones: snapshots,
//! targets, approvals, failures with their last lines of output, rollbacks, overrides and
//! waivers, notes and integrity. Every value is escaped.

use std::fmt::Write;

use super::html::when;
use super::model::Report;
use super::text::{Text, html_escape as esc};

fn code(s: &str) -> String {
    Text::new().code(s).to_html()
}

fn table(o: &mut String, id: &str, title: &str, head: &[&str], rows: Vec<Vec<String>>) {
    let _ = writeln!(o, "<h2 id=\"{id}\">{title}</h2>");
    if rows.is_empty() {
        o.push_str("<p>None.</p>\n");
        return;
    }
    o.push_str("<table><thead><tr>");
    for h in head {
        let _ = write!(o, "<th>{h}</th>");
    }
    o.push_str("</tr></thead><tbody>\n");
    for row in rows {
        o.push_str("<tr>");
        for cell in row {
            let _ = write!(o, "<td>{cell}</td>");
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody></table>\n");
}

pub fn render(o: &mut String, r: &Report) {
    let t = |time| when(r, time);
    let opt = |s: &Option<String>| s.as_deref().map_or(String::new(), esc);
    table(
        o,
        "snapshots",
        "Snapshots taken",
        &["Time", "Step", "Captured", "Output log"],
        r.snapshots
            .iter()
            .map(|s| {
                let caps: Vec<String> = s
                    .captures
                    .iter()
                    .map(|(k, v)| code(&format!("{k}={v}")))
                    .collect();
                let caps = if caps.is_empty() {
                    "—".into()
                } else {
                    caps.join(", ")
                };
                vec![t(&s.time), esc(&s.step_title), caps, code(&s.log)]
            })
            .collect(),
    );
    table(
        o,
        "targets",
        "Targets confirmed",
        &["Time", "Step", "Resolved", "Typed", "By", "Result"],
        r.targets
            .iter()
            .map(|x| {
                let result = match &x.detail {
                    Some(d) => format!("{}: {}", esc(&x.result), esc(d)),
                    None => esc(&x.result),
                };
                let typed = x.typed.as_deref().map_or("—".into(), code);
                vec![
                    t(&x.time),
                    esc(&x.step_title),
                    code(&x.resolved),
                    typed,
                    esc(&x.by),
                    result,
                ]
            })
            .collect(),
    );
    table(
        o,
        "approvals",
        "Approvals",
        &["Time", "Step", "Reviewer", "Typed", "Result"],
        r.approvals
            .iter()
            .map(|a| {
                let typed = a.typed.as_deref().map_or("—".into(), code);
                let result = format!("{} {}", esc(&a.result.replace('_', " ")), opt(&a.detail));
                vec![t(&a.time), esc(&a.step_title), esc(&a.by), typed, result]
            })
            .collect(),
    );
    failures(o, r);
    rollbacks(o, r);
    let mut rows: Vec<Vec<String>> = r
        .overrides
        .iter()
        .map(|x| {
            let what = match &x.step_title {
                Some(s) => format!("{} ({})", esc(&x.what.replace('_', "-")), esc(s)),
                None => esc(&x.what),
            };
            let kind = "<strong class=\"m m-OVERRIDE\">OVERRIDE</strong>".to_string();
            vec![t(&x.time), kind, what, esc(&x.by), esc(&x.reason)]
        })
        .collect();
    rows.extend(r.waivers.iter().map(|w| {
        let kind = "<strong class=\"m m-WAIVED\">WAIVED</strong>".to_string();
        let what = format!("{} guard ({})", esc(&w.guard), esc(&w.step_title));
        vec![
            "(runbook)".into(),
            kind,
            what,
            "the runbook".into(),
            esc(&w.reason),
        ]
    }));
    table(
        o,
        "overrides",
        "Overrides and waivers",
        &["Time", "Kind", "What", "By", "Reason"],
        rows,
    );
    table(
        o,
        "notes",
        "Notes",
        &["Time", "From", "Step", "Note"],
        r.notes
            .iter()
            .map(|n| vec![t(&n.time), esc(&n.by), opt(&n.step_title), esc(&n.text)])
            .collect(),
    );
    integrity(o, r);
}

fn failures(o: &mut String, r: &Report) {
    o.push_str("<h2 id=\"failures\">Failures</h2>\n");
    if r.failures.is_empty() {
        o.push_str("<p>None.</p>\n");
        return;
    }
    for f in &r.failures {
        let what = f
            .purpose
            .as_deref()
            .map(|p| format!(", {}", p.replace('-', " ")))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "<h3>{} — {}{}</h3>\n<ul>",
            when(r, &f.time),
            esc(&f.step_title),
            esc(&what)
        );
        if let Some(cmd) = &f.command {
            let _ = writeln!(o, "<li>Command: {}</li>", code(cmd));
        }
        let mut status = Vec::new();
        if let Some(c) = f.exit_code {
            status.push(format!("exit code {c}"));
        }
        if let Some(s) = f.signal {
            status.push(format!("signal {s}"));
        }
        if f.timed_out {
            status.push("timed out".into());
        }
        if !status.is_empty() {
            let _ = writeln!(o, "<li>Status: {}</li>", status.join(", "));
        }
        let _ = writeln!(o, "<li>Failure: {}</li>", esc(&f.reason));
        match (&f.log, &f.log_problem) {
            (Some(log), None) => {
                let _ = writeln!(
                    o,
                    "<li>Last {} line(s) of {}:<pre>{}</pre></li>",
                    f.last_lines.len(),
                    code(log),
                    esc(&f.last_lines.join("\n"))
                );
            }
            (Some(log), Some(p)) => {
                let _ = writeln!(o, "<li>Output log {}: {}</li>", code(log), esc(p));
            }
            (None, _) => {}
        }
        o.push_str("</ul>\n");
    }
}

fn rollbacks(o: &mut String, r: &Report) {
    o.push_str("<h2 id=\"rollbacks\">Rollbacks</h2>\n");
    if r.rollbacks.is_empty() {
        o.push_str("<p>None.</p>\n");
        return;
    }
    o.push_str("<ul>\n");
    for rb in &r.rollbacks {
        let plan = if rb.plan.is_empty() {
            "nothing".to_string()
        } else {
            esc(&rb.plan.join(", then "))
        };
        let result = match rb.ok {
            Some(true) => format!(
                "finished at {}: every step undone",
                when(r, rb.finished.as_ref().unwrap_or(&rb.started))
            ),
            Some(false) => {
                "finished <strong>INCOMPLETE</strong>: a rollback command failed and was skipped"
                    .into()
            }
            None => "<strong>did not finish</strong> before the journal ends".into(),
        };
        let _ = write!(
            o,
            "<li>{} <strong class=\"m m-ROLLBACK\">ROLLBACK</strong> by {}: undoing {plan}; {result}.<ul>",
            when(r, &rb.started),
            esc(&rb.by)
        );
        if !rb.without_rollback.is_empty() {
            let _ = write!(
                o,
                "<li>No rollback defined for: {}</li>",
                esc(&rb.without_rollback.join(", "))
            );
        }
        for c in &rb.commands {
            let tail = match (&c.failure, c.exit_code) {
                (Some(f), _) if !c.ok => format!(" — FAILED: {f}"),
                (_, Some(code)) => format!(" → exit {code}"),
                _ => String::new(),
            };
            let text = Text::new()
                .plain(format!("{} {}: ", when(r, &c.time), c.step_title))
                .code(&c.command)
                .plain(tail);
            let _ = write!(o, "<li>{}</li>", text.to_html());
        }
        o.push_str("</ul></li>\n");
    }
    o.push_str("</ul>\n");
}

fn integrity(o: &mut String, r: &Report) {
    let i = &r.integrity;
    let verdict = if i.verify_passed {
        "passed"
    } else {
        "<strong>FAILED</strong>"
    };
    let _ = writeln!(o, "<h2 id=\"integrity\">Integrity</h2>\n<ul>");
    let _ = writeln!(o, "<li>Records: {}</li>", i.records);
    let _ = writeln!(o, "<li>Journal chain head: {}</li>", code(&i.chain_head));
    let _ = writeln!(
        o,
        "<li><code>shisa verify</code>: {verdict} ({})</li>",
        esc(&i.detail)
    );
    if let Some(n) = i.torn_bytes {
        let _ = writeln!(
            o,
            "<li>The last line is torn ({n} bytes): a crash mid-write, not tampering.</li>"
        );
    }
    if i.untrusted_lines > 0 {
        let _ = writeln!(
            o,
            "<li>{} line(s) after the break are left out of this export.</li>",
            i.untrusted_lines
        );
    }
    o.push_str("<li>Compare the head with the one printed at the end of the run or kept by a watcher: <code>shisa verify RUN_DIR --head HASH</code>.</li>\n</ul>\n");
}
