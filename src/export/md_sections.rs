//! The Markdown sections after the timeline: snapshots, targets, approvals, failures with
//! the last lines of their output, rollbacks, overrides and waivers, notes and integrity.

use std::fmt::Write;

use super::markdown::when;
use super::model::Report;
use super::text::{Text, md_block, md_code, md_escape};
use super::zone::Time;

fn table(o: &mut String, title: &str, head: &[&str], rows: Vec<Vec<String>>) {
    let _ = writeln!(o, "## {title}\n");
    if rows.is_empty() {
        o.push_str("None.\n\n");
        return;
    }
    let _ = writeln!(o, "| {} |", head.join(" | "));
    let _ = writeln!(o, "|{}", "---|".repeat(head.len()));
    for row in rows {
        let _ = writeln!(o, "| {} |", row.join(" | "));
    }
    o.push('\n');
}

pub fn sections(o: &mut String, r: &Report) {
    let t = |time: &Time| when(r, time);
    let e = |s: &str| md_escape(s);
    let c = |s: &str| md_code(s, true);
    let opt = |s: &Option<String>| s.as_deref().map_or(String::new(), md_escape);
    table(
        o,
        "Snapshots taken",
        &["Time", "Step", "Captured", "Output log"],
        r.snapshots
            .iter()
            .map(|s| {
                let caps: Vec<String> = s
                    .captures
                    .iter()
                    .map(|(k, v)| c(&format!("{k}={v}")))
                    .collect();
                let caps = if caps.is_empty() {
                    "—".into()
                } else {
                    caps.join(", ")
                };
                vec![t(&s.time), e(&s.step_title), caps, c(&s.log)]
            })
            .collect(),
    );
    table(
        o,
        "Targets confirmed",
        &["Time", "Step", "Resolved", "Typed", "By", "Result"],
        r.targets
            .iter()
            .map(|x| {
                let typed = x.typed.as_deref().map_or("—".into(), c);
                let result = match &x.detail {
                    Some(d) => format!("{}: {}", e(&x.result), e(d)),
                    None => e(&x.result),
                };
                vec![
                    t(&x.time),
                    e(&x.step_title),
                    c(&x.resolved),
                    typed,
                    e(&x.by),
                    result,
                ]
            })
            .collect(),
    );
    table(
        o,
        "Approvals",
        &["Time", "Step", "Reviewer", "Typed", "Result"],
        r.approvals
            .iter()
            .map(|a| {
                let typed = a.typed.as_deref().map_or("—".into(), c);
                let result = format!("{} {}", e(&a.result.replace('_', " ")), opt(&a.detail));
                vec![
                    t(&a.time),
                    e(&a.step_title),
                    e(&a.by),
                    typed,
                    result.trim().to_string(),
                ]
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
                Some(s) => format!("{} ({})", e(&x.what.replace('_', "-")), e(s)),
                None => e(&x.what),
            };
            vec![
                t(&x.time),
                "**OVERRIDE**".into(),
                what,
                e(&x.by),
                e(&x.reason),
            ]
        })
        .collect();
    rows.extend(r.waivers.iter().map(|w| {
        let what = format!("{} guard ({})", e(&w.guard), e(&w.step_title));
        vec![
            "(runbook)".into(),
            "**WAIVED**".into(),
            what,
            "the runbook".into(),
            e(&w.reason),
        ]
    }));
    table(
        o,
        "Overrides and waivers",
        &["Time", "Kind", "What", "By", "Reason"],
        rows,
    );
    table(
        o,
        "Notes",
        &["Time", "From", "Step", "Note"],
        r.notes
            .iter()
            .map(|n| vec![t(&n.time), e(&n.by), opt(&n.step_title), e(&n.text)])
            .collect(),
    );
    integrity(o, r);
}

fn failures(o: &mut String, r: &Report) {
    o.push_str("## Failures\n\n");
    if r.failures.is_empty() {
        o.push_str("None.\n\n");
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
            "### {} — {}{}\n",
            when(r, &f.time),
            md_escape(&f.step_title),
            md_escape(&what)
        );
        if let Some(cmd) = &f.command {
            let _ = writeln!(o, "- Command: {}", md_code(cmd, false));
        }
        let mut status = Vec::new();
        if let Some(code) = f.exit_code {
            status.push(format!("exit code {code}"));
        }
        if let Some(sig) = f.signal {
            status.push(format!("signal {sig}"));
        }
        if f.timed_out {
            status.push("timed out".into());
        }
        if let Some(a) = f.attempt.filter(|a| *a > 1) {
            status.push(format!("attempt {a}"));
        }
        if !status.is_empty() {
            let _ = writeln!(o, "- Status: {}", status.join(", "));
        }
        let _ = writeln!(o, "- Failure: {}", md_escape(&f.reason));
        match (&f.log, &f.log_problem) {
            (Some(log), None) => {
                let _ = write!(
                    o,
                    "- Last {} line(s) of {}:\n\n{}",
                    f.last_lines.len(),
                    md_code(log, false),
                    indent(&md_block(&f.last_lines))
                );
            }
            (Some(log), Some(p)) => {
                let _ = writeln!(o, "- Output log {}: {}", md_code(log, false), md_escape(p));
            }
            (None, _) => {}
        }
        o.push('\n');
    }
}

/// Indents a block so it belongs to the list item above it.
fn indent(block: &str) -> String {
    block.lines().map(|l| format!("  {l}\n")).collect()
}

fn rollbacks(o: &mut String, r: &Report) {
    o.push_str("## Rollbacks\n\n");
    if r.rollbacks.is_empty() {
        o.push_str("None.\n\n");
        return;
    }
    for rb in &r.rollbacks {
        let plan: Vec<String> = rb.plan.iter().map(|p| md_escape(p)).collect();
        let result = match rb.ok {
            Some(true) => format!(
                "finished at {}: every step undone",
                when(r, rb.finished.as_ref().unwrap_or(&rb.started))
            ),
            Some(false) => {
                "finished **INCOMPLETE**: a rollback command failed and was skipped".into()
            }
            None => "**did not finish** before the journal ends".into(),
        };
        let _ = writeln!(
            o,
            "- {} **ROLLBACK** by {}: undoing {}; {}.",
            when(r, &rb.started),
            md_escape(&rb.by),
            if plan.is_empty() {
                "nothing".into()
            } else {
                plan.join(", then ")
            },
            result
        );
        if !rb.without_rollback.is_empty() {
            let none: Vec<String> = rb.without_rollback.iter().map(|p| md_escape(p)).collect();
            let _ = writeln!(o, "  - No rollback defined for: {}", none.join(", "));
        }
        for cmd in &rb.commands {
            let text = Text::new()
                .plain(format!("{} {}: ", when(r, &cmd.time), cmd.step_title))
                .code(&cmd.command)
                .plain(match (&cmd.failure, cmd.exit_code) {
                    (Some(f), _) if !cmd.ok => format!(" — FAILED: {f}"),
                    (_, Some(code)) => format!(" → exit {code}"),
                    _ => String::new(),
                });
            let _ = writeln!(o, "  - {}", text.to_markdown_inline());
        }
    }
    o.push('\n');
}

fn integrity(o: &mut String, r: &Report) {
    let i = &r.integrity;
    let verdict = if i.verify_passed {
        "passed"
    } else {
        "**FAILED**"
    };
    let _ = writeln!(o, "## Integrity\n");
    let _ = writeln!(o, "- Records: {}", i.records);
    let _ = writeln!(o, "- Journal chain head: {}", md_code(&i.chain_head, false));
    let _ = writeln!(o, "- `shisa verify`: {verdict} ({})", md_escape(&i.detail));
    if let Some(n) = i.torn_bytes {
        let _ = writeln!(
            o,
            "- The last line is torn ({n} bytes): a crash mid-write, not tampering."
        );
    }
    if i.untrusted_lines > 0 {
        let _ = writeln!(
            o,
            "- {} line(s) after the break are left out of this export.",
            i.untrusted_lines
        );
    }
    let _ = writeln!(
        o,
        "- Compare the head with the one printed at the end of the run or kept by a watcher: `shisa verify RUN_DIR --head HASH`."
    );
}
