//! `shisa review` as Markdown for a change ticket. English only: the command offers no
//! `--lang`, and what it says is about the runbook, not about journal records.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crate::journal::record::{ChoiceKind, Prompt, Purpose};
use crate::runbook::Runbook;
use crate::runbook::duration;
use crate::runbook::model::Step;
use crate::runbook::show;

use super::paths::{FailureRow, Undone};
use super::reads::Value;
use super::{Finding, Review};

/// What the command line contributes: the file, its hash, and how each value was chosen.
pub struct Header<'a> {
    pub file: &'a str,
    pub sha256: &'a str,
    pub values: Vec<String>,
}

/// A table cell: one line, no column breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

pub fn render(r: &Review, h: &Header) -> String {
    let rb = &r.unrolled;
    let mut o = String::new();
    let mutating = rb.steps.iter().filter(|s| s.mutating).count();
    let _ = writeln!(o, "# Review: {}\n", cell(&rb.name));
    let _ = writeln!(
        o,
        "`{}` · sha256 `{}` · {} steps as run, {mutating} of them changing something\n",
        h.file,
        &h.sha256[..16.min(h.sha256.len())],
        rb.steps.len()
    );
    for v in &h.values {
        let _ = writeln!(o, "- {v}");
    }
    let _ = writeln!(
        o,
        "\nNothing ran. Every command result below is made up and judged by the engine as a real one would be; the engine chose every prompt, rollback order and value. {} path(s) followed.\n",
        r.walk.paths
    );
    checklist(&mut o, r);
    failures(&mut o, rb, &r.walk.rows);
    branches(&mut o, rb, r);
    findings(&mut o, h.file, &r.findings);
    limits(&mut o, rb, r);
    o
}

fn checklist(o: &mut String, r: &Review) {
    let _ = writeln!(o, "## Checklist (incident 002's review points)\n");
    let _ = writeln!(o, "| Point | Answer | Evidence |\n|---|---|---|");
    for p in &r.checklist {
        let ev: Vec<String> = p.evidence.iter().map(|e| cell(e)).collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            p.title,
            p.answer.mark(),
            ev.join("<br>")
        );
    }
    let _ = writeln!(o);
}

/// What failed, in words: the step and which of its commands.
fn what(rb: &Runbook, step: usize, purpose: Purpose) -> String {
    let s = &rb.steps[step];
    let nth = |n: u32| (n as usize).saturating_sub(1);
    let waits = match purpose {
        Purpose::Main => s.wait_until,
        Purpose::Verify(n) => s.verify.get(nth(n)).and_then(|c| c.wait_until),
        _ => None,
    };
    let which = match purpose {
        Purpose::Describe => "its target's `describe`".to_string(),
        Purpose::Impact => "its target's `impact` count".to_string(),
        Purpose::Main if s.kind == crate::runbook::model::StepKind::Manual => {
            "its manual part".into()
        }
        Purpose::Main => "its command".into(),
        Purpose::Verify(n) => format!("verify {n}"),
        Purpose::Rollback(n) => format!("rollback {n}"),
    };
    let waits = waits
        .map(|w| {
            format!(
                ", still not holding at its deadline ({}, polled every {})",
                duration::format(w.deadline),
                duration::format(w.every)
            )
        })
        .unwrap_or_default();
    format!("`{}` — {which}{waits}", s.id)
}

fn prompt_name(p: Prompt) -> &'static str {
    match p {
        Prompt::Failure => "failure",
        Prompt::Precheck => "precheck",
        Prompt::Gate => "gate",
        Prompt::Rollback => "rollback failed",
        Prompt::InDoubt => "in doubt",
        Prompt::Rejected => "rejected",
        Prompt::Window => "window",
        Prompt::LostCapture => "lost capture",
    }
}

fn ids(rb: &Runbook, v: &[usize]) -> String {
    v.iter()
        .map(|&j| format!("`{}`", rb.steps[j].id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A long list (everything before a checkpoint) as its count and its ends.
fn few(rb: &Runbook, v: &[usize]) -> String {
    match v {
        [first, .., last] if v.len() > 6 => format!(
            "{} changes, `{}` … `{}`",
            v.len(),
            rb.steps[*first].id,
            rb.steps[*last].id
        ),
        _ => ids(rb, v),
    }
}

fn failures(o: &mut String, rb: &Runbook, rows: &[FailureRow]) {
    let _ = writeln!(o, "## Failure modes\n");
    if rows.is_empty() {
        let _ = writeln!(o, "No command to fail.\n");
        return;
    }
    let _ = writeln!(
        o,
        "One row per way a single command can fail (every attempt and poll of it), all others succeeding. The operator takes rollback where it is offered, else abort.\n"
    );
    let _ = writeln!(
        o,
        "| # | If this fails | The engine asks | Rollbacks run, in this order | Not undone | Ends |\n|---|---|---|---|---|---|"
    );
    for (n, row) in rows.iter().enumerate() {
        let choices: Vec<&str> = row.choices.iter().map(|k| k.name()).collect();
        let mut fails = what(rb, row.step, row.purpose);
        if !row.after.is_empty() {
            fails.push_str(&format!(" (after {})", row.after.join(", ")));
        }
        let asks = if choices.is_empty() {
            format!("nothing: the run ends<br>“{}”", row.reason)
        } else {
            format!(
                "{}: {}<br>“{}”",
                prompt_name(row.prompt),
                choices.join(" · "),
                row.reason
            )
        };
        let rolled = rollback_cell(rb, row);
        let mut not_undone = Vec::new();
        if !row.plan.without_rollback.is_empty() {
            not_undone.push(format!(
                "no rollback: {}",
                ids(rb, &row.plan.without_rollback)
            ));
        }
        if !row.plan.kept.is_empty() {
            let by = row
                .plan
                .kept_by
                .map(|k| format!(" (by `{}`)", rb.steps[k].id))
                .unwrap_or_default();
            not_undone.push(format!("kept{by}: {}", few(rb, &row.plan.kept)));
        }
        if !row.choices.contains(&ChoiceKind::Rollback) && !row.plan.undo.is_empty() {
            not_undone.push(format!("left in place: {}", ids(rb, &row.plan.undo)));
        }
        let ends = row.outcome.map_or("—", |o| o.name());
        let not_undone = if not_undone.is_empty() {
            "—".to_string()
        } else {
            not_undone.join("<br>")
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {ends} |",
            n + 1,
            cell(&fails),
            cell(&asks),
            cell(&rolled),
            cell(&not_undone)
        );
    }
    let _ = writeln!(o);
    values(o, rb, rows);
}

fn rollback_cell(rb: &Runbook, row: &FailureRow) -> String {
    // A run that ends without a question (a gate before any change) has nothing to undo.
    if row.choices.is_empty() && row.plan.undo.is_empty() {
        return "nothing to undo".into();
    }
    if !row.choices.contains(&ChoiceKind::Rollback) {
        return "rollback not offered".into();
    }
    if row.plan.undo.is_empty() {
        return "nothing to undo".into();
    }
    // Counted in one pass: a row's rollback may undo hundreds of steps.
    let mut ran: BTreeMap<usize, usize> = BTreeMap::new();
    for u in &row.undone {
        *ran.entry(u.step).or_default() += 1;
    }
    let mut out: Vec<String> = row
        .plan
        .undo
        .iter()
        .map(|&j| {
            let n = ran.get(&j).copied().unwrap_or(0);
            format!("`{}` ({n})", rb.steps[j].id)
        })
        .collect();
    let arrow = out.join(" → ");
    out.clear();
    out.push(arrow);
    if let Some(p) = &row.pass_plan {
        out.push(format!(
            "or `rollback-item`: {}",
            if p.undo.is_empty() {
                "nothing".into()
            } else {
                ids(rb, &p.undo)
            }
        ));
    }
    out.join("<br>")
}

fn shown(v: &Value) -> String {
    match v {
        Value::Given(v) => format!("`{}`", v),
        Value::Item(v) => format!("`{}` (the loop's item)", v),
        Value::Captured(by) => format!("captured by `{by}`"),
        Value::Unset => "**never set on this path**".into(),
    }
}

/// Row numbers as ranges: `3–5, 9`.
fn ranges(rows: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let mut j = i;
        while j + 1 < rows.len() && rows[j + 1] == rows[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            rows[i].to_string()
        } else {
            format!("{}–{}", rows[i], rows[j])
        });
        i = j + 1;
    }
    out.join(", ")
}

/// Each rollback command once, with the values it gets, and the rows where it does.
fn values(o: &mut String, rb: &Runbook, rows: &[FailureRow]) {
    let mut seen: Vec<(&Undone, Vec<usize>)> = Vec::new();
    // Where each command's entries are in `seen`: thousands of rows each undo many steps,
    // and a search of all of `seen` for each would cost their product.
    let mut at: HashMap<(usize, u32), Vec<usize>> = HashMap::new();
    for (n, row) in rows.iter().enumerate() {
        for u in &row.undone {
            let same = at.entry((u.step, u.entry)).or_default();
            match same.iter().find(|&&k| seen[k].0 == u) {
                Some(&k) => seen[k].1.push(n + 1),
                None => {
                    same.push(seen.len());
                    seen.push((u, vec![n + 1]));
                }
            }
        }
    }
    if seen.is_empty() {
        return;
    }
    seen.sort_by_key(|(u, r)| (std::cmp::Reverse(u.step), u.entry, r[0]));
    let _ = writeln!(o, "### The rollback commands, with the values they get\n");
    for (u, on) in seen {
        let s = &rb.steps[u.step];
        let text = command_text(s, u);
        let vals: Vec<String> = u
            .values
            .iter()
            .map(|(k, v)| format!("`{k}` = {}", shown(v)))
            .collect();
        let vals = if vals.is_empty() {
            String::new()
        } else {
            format!(" — {}", vals.join(", "))
        };
        let _ = writeln!(
            o,
            "- `{}` rollback {}: {}{vals} (rows {})",
            s.id,
            u.entry,
            cell(&text),
            ranges(&on)
        );
    }
    let _ = writeln!(o);
}

fn command_text(s: &Step, u: &Undone) -> String {
    let entry = s.rollback.get((u.entry as usize).saturating_sub(1));
    match entry {
        Some(crate::runbook::model::Undo::Run(c)) => {
            let t = show::command(&c.command, &BTreeMap::new());
            let first = t.lines().next().unwrap_or_default();
            let more = if t.lines().count() > 1 { " …" } else { "" };
            format!("`{}`{more}", first.replace('`', "'"))
        }
        Some(crate::runbook::model::Undo::Manual { instructions, .. }) => {
            format!("by hand: “{}”", instructions.render(&BTreeMap::new()))
        }
        None => String::new(),
    }
}

fn branches(o: &mut String, rb: &Runbook, r: &Review) {
    let _ = writeln!(o, "## Choices and branches (no command failing)\n");
    let _ = writeln!(o, "| Path | Skipped | Ends |\n|---|---|---|");
    for b in &r.walk.branches {
        let path = if b.decisions.is_empty() {
            "every command succeeds".to_string()
        } else {
            b.decisions.join("; ")
        };
        let skipped: Vec<String> = b
            .skipped
            .iter()
            .map(|(i, why)| format!("`{}`: {why}", rb.steps[*i].id))
            .collect();
        let skipped = if skipped.is_empty() {
            "—".into()
        } else {
            skipped.join("<br>")
        };
        let ends = b.outcome.map_or("stopped (see below)", |o| o.name());
        let _ = writeln!(o, "| {} | {} | {ends} |", cell(&path), cell(&skipped));
    }
    let _ = writeln!(o);
}

fn findings(o: &mut String, file: &str, f: &[Finding]) {
    let _ = writeln!(o, "## Findings ({})\n", f.len());
    if f.is_empty() {
        let _ = writeln!(
            o,
            "No path breaks: every value a command reads is set where it runs, every step runs on some path.\n"
        );
        return;
    }
    for x in f {
        let _ = writeln!(
            o,
            "- **{}** — {file}:{}:{}: {}",
            x.kind.name(),
            x.pos.line,
            x.pos.col,
            x.text
        );
    }
    let _ = writeln!(o);
}

fn limits(o: &mut String, rb: &Runbook, r: &Review) {
    if r.walk.stuck.is_empty() && !r.walk.cut_short {
        return;
    }
    let _ = writeln!(o, "## Where the walk stopped\n");
    for (s, why) in &r.walk.stuck {
        let _ = writeln!(o, "- at `{}`: {}", rb.steps[*s].id, cell(why));
    }
    if r.walk.cut_short {
        let _ = writeln!(
            o,
            "- the walk stopped after {} paths; later paths are not in this review",
            r.walk.paths
        );
    }
    let _ = writeln!(o);
}
