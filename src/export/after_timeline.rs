//! The sections after the timeline — snapshots, targets, approvals, failures with the last
//! lines of their output, rollbacks, overrides and waivers, notes and integrity — written
//! once, over a small [`Markup`] that Markdown and HTML each implement, so the two formats
//! cannot drift apart.

use std::fmt::Write;

use super::model::{RunReport, when};
use super::text::{Text, html_escape, md_block, md_code, md_escape};

/// A list item: its text, nested items, and lines shown as a block (an output excerpt).
pub struct Item {
    pub text: String,
    pub sub: Vec<String>,
    pub block: Option<Vec<String>>,
}

impl Item {
    fn new(text: String) -> Item {
        Item {
            text,
            sub: Vec::new(),
            block: None,
        }
    }
}

/// How a format writes the few things the sections need. Text arguments are plain unless
/// a method says otherwise; what comes back is markup.
pub trait Markup {
    fn esc(&self, s: &str) -> String;
    /// Inline code; `cell` inside a table cell.
    fn code(&self, s: &str, cell: bool) -> String;
    fn rich(&self, t: &Text) -> String;
    /// A bold marker word such as ROLLBACK or OVERRIDE.
    fn marker(&self, word: &str) -> String;
    fn strong(&self, s: &str) -> String;
    fn h2(&self, o: &mut String, id: &str, title: &str);
    /// `markup` is already escaped.
    fn h3(&self, o: &mut String, markup: &str);
    fn none(&self, o: &mut String);
    fn table(&self, o: &mut String, head: &[&str], rows: Vec<Vec<String>>);
    fn list(&self, o: &mut String, items: Vec<Item>);
}

pub struct Markdown;
pub struct Html;

impl Markup for Markdown {
    fn esc(&self, s: &str) -> String {
        md_escape(s)
    }
    fn code(&self, s: &str, cell: bool) -> String {
        md_code(s, cell)
    }
    fn rich(&self, t: &Text) -> String {
        t.to_markdown_inline()
    }
    fn marker(&self, word: &str) -> String {
        format!("**{word}**")
    }
    fn strong(&self, s: &str) -> String {
        format!("**{s}**")
    }
    fn h2(&self, o: &mut String, _id: &str, title: &str) {
        let _ = writeln!(o, "## {title}\n");
    }
    fn h3(&self, o: &mut String, markup: &str) {
        let _ = writeln!(o, "### {markup}\n");
    }
    fn none(&self, o: &mut String) {
        o.push_str("None.\n\n");
    }
    fn table(&self, o: &mut String, head: &[&str], rows: Vec<Vec<String>>) {
        let _ = writeln!(o, "| {} |", head.join(" | "));
        let _ = writeln!(o, "|{}", "---|".repeat(head.len()));
        for row in rows {
            let _ = writeln!(o, "| {} |", row.join(" | "));
        }
        o.push('\n');
    }
    fn list(&self, o: &mut String, items: Vec<Item>) {
        for item in items {
            let _ = writeln!(o, "- {}", item.text);
            for sub in item.sub {
                let _ = writeln!(o, "  - {sub}");
            }
            if let Some(lines) = item.block {
                // Indented, so the block belongs to the item above it.
                o.push('\n');
                for l in md_block(&lines).lines() {
                    let _ = writeln!(o, "  {l}");
                }
            }
        }
        o.push('\n');
    }
}

impl Markup for Html {
    fn esc(&self, s: &str) -> String {
        html_escape(s)
    }
    fn code(&self, s: &str, _cell: bool) -> String {
        Text::new().code(s).to_html()
    }
    fn rich(&self, t: &Text) -> String {
        t.to_html()
    }
    fn marker(&self, word: &str) -> String {
        format!("<strong class=\"m m-{word}\">{word}</strong>")
    }
    fn strong(&self, s: &str) -> String {
        format!("<strong>{s}</strong>")
    }
    fn h2(&self, o: &mut String, id: &str, title: &str) {
        let _ = writeln!(o, "<h2 id=\"{id}\">{title}</h2>");
    }
    fn h3(&self, o: &mut String, markup: &str) {
        let _ = writeln!(o, "<h3>{markup}</h3>");
    }
    fn none(&self, o: &mut String) {
        o.push_str("<p>None.</p>\n");
    }
    fn table(&self, o: &mut String, head: &[&str], rows: Vec<Vec<String>>) {
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
    fn list(&self, o: &mut String, items: Vec<Item>) {
        o.push_str("<ul>\n");
        for item in items {
            let _ = write!(o, "<li>{}", item.text);
            if !item.sub.is_empty() {
                o.push_str("<ul>");
                for sub in item.sub {
                    let _ = write!(o, "<li>{sub}</li>");
                }
                o.push_str("</ul>");
            }
            if let Some(lines) = item.block {
                let _ = write!(o, "<pre>{}</pre>", html_escape(&lines.join("\n")));
            }
            o.push_str("</li>\n");
        }
        o.push_str("</ul>\n");
    }
}

fn section(
    o: &mut String,
    m: &dyn Markup,
    id: &str,
    title: &str,
    head: &[&str],
    rows: Vec<Vec<String>>,
) {
    m.h2(o, id, title);
    if rows.is_empty() {
        m.none(o);
    } else {
        m.table(o, head, rows);
    }
}

pub fn render(o: &mut String, r: &RunReport, m: &dyn Markup) {
    let t = |time| when(r, time);
    let e = |s: &str| m.esc(s);
    let c = |s: &str| m.code(s, true);
    let opt = |s: &Option<String>| s.as_deref().map_or(String::new(), |s| m.esc(s));
    let snapshots = r.snapshots.iter().map(|s| {
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
    });
    section(
        o,
        m,
        "snapshots",
        "Snapshots taken",
        &["Time", "Step", "Captured", "Output log"],
        snapshots.collect(),
    );
    let targets = r.targets.iter().map(|x| {
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
    });
    let head = ["Time", "Step", "Resolved", "Typed", "By", "Result"];
    section(
        o,
        m,
        "targets",
        "Targets confirmed",
        &head,
        targets.collect(),
    );
    let approvals = r.approvals.iter().map(|a| {
        let typed = a.typed.as_deref().map_or("—".into(), c);
        let result = format!("{} {}", e(&a.result.replace('_', " ")), opt(&a.detail));
        vec![
            t(&a.time),
            e(&a.step_title),
            e(&a.by),
            typed,
            result.trim().to_string(),
        ]
    });
    section(
        o,
        m,
        "approvals",
        "Approvals",
        &["Time", "Step", "Reviewer", "Typed", "Result"],
        approvals.collect(),
    );
    failures(o, r, m);
    rollbacks(o, r, m);
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
                m.marker("OVERRIDE"),
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
            m.marker("WAIVED"),
            what,
            "the runbook".into(),
            e(&w.reason),
        ]
    }));
    section(
        o,
        m,
        "overrides",
        "Overrides and waivers",
        &["Time", "Kind", "What", "By", "Reason"],
        rows,
    );
    let notes = r
        .notes
        .iter()
        .map(|n| vec![t(&n.time), e(&n.by), opt(&n.step_title), e(&n.text)]);
    section(
        o,
        m,
        "notes",
        "Notes",
        &["Time", "From", "Step", "Note"],
        notes.collect(),
    );
    integrity(o, r, m);
}

fn failures(o: &mut String, r: &RunReport, m: &dyn Markup) {
    m.h2(o, "failures", "Failures");
    if r.failures.is_empty() {
        return m.none(o);
    }
    for f in &r.failures {
        let what = f
            .purpose
            .as_deref()
            .map(|p| format!(", {}", p.replace('-', " ")))
            .unwrap_or_default();
        m.h3(
            o,
            &format!(
                "{} — {}{}",
                when(r, &f.time),
                m.esc(&f.step_title),
                m.esc(&what)
            ),
        );
        let mut items = Vec::new();
        if let Some(cmd) = &f.command {
            items.push(Item::new(format!("Command: {}", m.code(cmd, false))));
        }
        let mut status = Vec::new();
        status.extend(f.exit_code.map(|c| format!("exit code {c}")));
        status.extend(f.signal.map(|s| format!("signal {s}")));
        if f.timed_out {
            status.push("timed out".into());
        }
        status.extend(f.attempt.filter(|a| *a > 1).map(|a| format!("attempt {a}")));
        if !status.is_empty() {
            items.push(Item::new(format!("Status: {}", status.join(", "))));
        }
        items.push(Item::new(format!("Failure: {}", m.esc(&f.reason))));
        match (&f.log, &f.log_problem) {
            (Some(log), None) => {
                let mut item = Item::new(format!(
                    "Last {} line(s) of {}:",
                    f.last_lines.len(),
                    m.code(log, false)
                ));
                item.block = Some(f.last_lines.clone());
                items.push(item);
            }
            (Some(log), Some(p)) => items.push(Item::new(format!(
                "Output log {}: {}",
                m.code(log, false),
                m.esc(p)
            ))),
            (None, _) => {}
        }
        m.list(o, items);
    }
}

fn rollbacks(o: &mut String, r: &RunReport, m: &dyn Markup) {
    m.h2(o, "rollbacks", "Rollbacks");
    if r.rollbacks.is_empty() {
        return m.none(o);
    }
    let mut items = Vec::new();
    for rb in &r.rollbacks {
        let plan: Vec<String> = rb.plan.iter().map(|p| m.esc(p)).collect();
        let plan = if plan.is_empty() {
            "nothing".to_string()
        } else {
            plan.join(", then ")
        };
        let result = match rb.ok {
            Some(true) => format!(
                "finished at {}: every step undone",
                when(r, rb.finished.as_ref().unwrap_or(&rb.started))
            ),
            Some(false) => format!(
                "finished {}: a rollback command failed and was skipped",
                m.strong("INCOMPLETE")
            ),
            None => format!("{} before the journal ends", m.strong("did not finish")),
        };
        let text = format!(
            "{} {} by {}: undoing {plan}; {result}.",
            when(r, &rb.started),
            m.marker("ROLLBACK"),
            m.esc(&rb.by)
        );
        let mut item = Item::new(text);
        if !rb.without_rollback.is_empty() {
            let none: Vec<String> = rb.without_rollback.iter().map(|p| m.esc(p)).collect();
            item.sub
                .push(format!("No rollback defined for: {}", none.join(", ")));
        }
        for cmd in &rb.commands {
            let tail = match (&cmd.failure, cmd.exit_code) {
                (Some(f), _) if !cmd.ok => format!(" — FAILED: {f}"),
                (_, Some(code)) => format!(" → exit {code}"),
                _ => String::new(),
            };
            let text = Text::new()
                .plain(format!("{} {}: ", when(r, &cmd.time), cmd.step_title))
                .code(&cmd.command)
                .plain(tail);
            item.sub.push(m.rich(&text));
        }
        items.push(item);
    }
    m.list(o, items);
}

fn integrity(o: &mut String, r: &RunReport, m: &dyn Markup) {
    let i = &r.integrity;
    let verdict = if i.verify_passed {
        "passed".to_string()
    } else {
        m.strong("FAILED")
    };
    m.h2(o, "integrity", "Integrity");
    let mut items = vec![
        Item::new(format!("Records: {}", i.records)),
        Item::new(format!(
            "Journal chain head: {}",
            m.code(&i.chain_head, false)
        )),
        Item::new(format!(
            "{}: {verdict} ({})",
            m.code("shisa verify", false),
            m.esc(&i.detail)
        )),
    ];
    if let Some(n) = i.torn_bytes {
        items.push(Item::new(format!(
            "The last line is torn ({n} bytes): a crash mid-write, not tampering."
        )));
    }
    if i.untrusted_lines > 0 {
        items.push(Item::new(format!(
            "{} line(s) after the break are left out of this export.",
            i.untrusted_lines
        )));
    }
    items.push(Item::new(format!(
        "Compare the head with the one printed at the end of the run or kept by a watcher: {}.",
        m.code("shisa verify RUN_DIR --head HASH", false)
    )));
    m.list(o, items);
}
