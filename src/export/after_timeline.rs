//! The sections after the timeline — snapshots, targets, approvals, failures with the last
//! lines of their output, rollbacks, overrides and waivers, notes and integrity — written
//! once, over the [`Markup`] that Markdown and HTML each implement (`markup.rs`). In a
//! merged export each row (or heading) names its run first.

use super::markup::{Item, Markup};
use super::model::{NoteWritten, Postmortem, RunReport, RunState, when};
use super::text::Text;
use super::words::{HeadCopies, HeadGroup, HeadsToCompare, Label, RollbackLine};
use crate::phrase::Marker;

/// A section's table: its rows from every run, a run column first when there are several.
fn section(
    o: &mut String,
    p: &Postmortem,
    m: &dyn Markup,
    (id, title): (&str, Label),
    head: &[Label],
    rows: impl Fn(&RunReport) -> Vec<Vec<String>>,
) {
    let w = p.words();
    m.h2(o, id, w.label(title));
    let mut all = Vec::new();
    for (k, run) in p.runs.iter().enumerate() {
        for mut row in rows(run) {
            if p.merged() {
                row.insert(0, m.esc(&p.run_label(k)));
            }
            all.push(row);
        }
    }
    if all.is_empty() {
        return m.none(o, w.label(Label::NoneYet));
    }
    let mut names: Vec<&str> = head.iter().map(|l| w.label(*l)).collect();
    if p.merged() {
        names.insert(0, w.label(Label::Run));
    }
    m.table(o, &names, all);
}

pub fn render(o: &mut String, p: &Postmortem, m: &dyn Markup) {
    let w = p.words();
    let t = |time: &super::zone::Time| when(p, time);
    let e = |s: &str| m.esc(s);
    let c = |s: &str| m.code(s, true);
    let opt = |s: &Option<String>| s.as_deref().map_or(String::new(), |s| m.esc(s));
    use Label::*;
    section(
        o,
        p,
        m,
        ("snapshots", Snapshots),
        &[Time, Step, Captured, OutputLog],
        |r| {
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
                .collect()
        },
    );
    let head = [Time, Step, Resolved, Typed, By, Result];
    section(o, p, m, ("targets", Targets), &head, |r| {
        r.targets
            .iter()
            .map(|x| {
                let typed = x.typed.as_deref().map_or("—".into(), c);
                vec![
                    t(&x.time),
                    e(&x.step_title),
                    c(&x.resolved),
                    typed,
                    e(&x.by),
                    opt(&x.detail),
                ]
            })
            .collect()
    });
    let head = [Time, Step, Reviewer, Typed, Result];
    section(o, p, m, ("approvals", Approvals), &head, |r| {
        r.approvals
            .iter()
            .map(|a| {
                let typed = a.typed.as_deref().map_or("—".into(), c);
                let result = w.approval_result(a.result == "self_approved", a.detail.as_deref());
                vec![t(&a.time), e(&a.step_title), e(&a.by), typed, e(&result)]
            })
            .collect()
    });
    failures(o, p, m);
    rollbacks(o, p, m);
    let book = p.lang.book();
    let head = [Time, Kind, What, By, Reason];
    section(o, p, m, ("overrides", Overrides), &head, |r| {
        let over = m.marker("OVERRIDE", book.label(Marker::Override));
        let waived = m.marker("WAIVED", book.label(Marker::Waived));
        let mut rows: Vec<Vec<String>> = r
            .overrides
            .iter()
            .map(|x| {
                let what = w.override_what(x.kind, x.step_title.as_deref());
                vec![t(&x.time), over.clone(), e(&what), e(&x.by), e(&x.reason)]
            })
            .collect();
        rows.extend(r.waivers.iter().map(|x| {
            vec![
                w.label(FromTheRunbook).into(),
                waived.clone(),
                e(&w.waiver_what(&x.guard, &x.step_title)),
                w.label(TheRunbook).into(),
                e(&x.reason),
            ]
        }));
        rows
    });
    section(o, p, m, ("notes", Notes), &[Time, From, Step, Note], |r| {
        r.notes
            .iter()
            .map(|n| {
                // The document says when it was written; the JSON keeps the two apart.
                let text = match n.written {
                    NoteWritten::Note => n.text.clone(),
                    NoteWritten::MarkingDone => w.note_on_done(&n.text),
                };
                vec![t(&n.time), e(&n.by), opt(&n.step_title), e(&text)]
            })
            .collect()
    });
    integrity(o, p, m);
}

/// `#2 Runbook — ` before a heading or item in a merged export; nothing for one run.
fn prefix(p: &Postmortem, m: &dyn Markup, k: usize) -> String {
    if p.merged() {
        format!("{} — ", m.esc(&p.run_label(k)))
    } else {
        String::new()
    }
}

fn failures(o: &mut String, p: &Postmortem, m: &dyn Markup) {
    let w = p.words();
    m.h2(o, "failures", w.label(Label::Failures));
    if p.runs.iter().all(|r| r.failures.is_empty()) {
        return m.none(o, w.label(Label::NoneYet));
    }
    for (k, run) in p.runs.iter().enumerate() {
        for f in &run.failures {
            m.h3(
                o,
                &format!(
                    "{}{} — {}",
                    prefix(p, m, k),
                    when(p, &f.time),
                    m.esc(&w.failure_heading(&f.step_title, f.purpose_of))
                ),
            );
            let mut items = Vec::new();
            if let Some(cmd) = &f.command {
                items.push(Item::new(w.failure_command(m, cmd)));
            }
            let status =
                w.failure_status(f.exit_code, f.signal, f.timed_out, f.attempt.unwrap_or(1));
            if let Some(status) = status {
                items.push(Item::new(w.failure_state(&status)));
            }
            items.push(Item::new(w.failure_reason(m, &f.reason)));
            match (&f.log, &f.log_problem) {
                (Some(log), None) => {
                    let mut item = Item::new(w.failure_last_lines(m, f.last_lines.len(), log));
                    item.block = Some(f.last_lines.clone());
                    items.push(item);
                }
                (Some(log), Some(problem)) => {
                    items.push(Item::new(w.failure_log_problem(m, log, problem)))
                }
                (None, _) => {}
            }
            m.list(o, items);
        }
    }
}

fn rollbacks(o: &mut String, p: &Postmortem, m: &dyn Markup) {
    let w = p.words();
    m.h2(o, "rollbacks", w.label(Label::Rollbacks));
    if p.runs.iter().all(|r| r.rollbacks.is_empty()) {
        return m.none(o, w.label(Label::NoneYet));
    }
    let mut items = Vec::new();
    for (k, run) in p.runs.iter().enumerate() {
        for rb in &run.rollbacks {
            let line = RollbackLine {
                at: &when(p, &rb.started),
                by: &rb.by,
                plan: &rb.plan,
                kept: &rb.kept,
                ok: rb.ok,
                finished: &when(p, rb.finished.as_ref().unwrap_or(&rb.started)),
            };
            let mut item = Item::new(prefix(p, m, k) + &w.rollback_line(m, &line));
            if !rb.without_rollback.is_empty() {
                item.sub.push(w.rollback_without(m, &rb.without_rollback));
            }
            for cmd in &rb.commands {
                let tail = w.rollback_command_result(cmd.ok, cmd.exit_code, cmd.failure.as_deref());
                let text = Text::new()
                    .plain(w.rollback_command_lead(&when(p, &cmd.time), &cmd.step_title))
                    .code(&cmd.command)
                    .plain(tail);
                item.sub.push(m.rich(&text));
            }
            items.push(item);
        }
    }
    m.list(o, items);
}

fn integrity(o: &mut String, p: &Postmortem, m: &dyn Markup) {
    let w = p.words();
    m.h2(o, "integrity", w.label(Label::Integrity));
    let mut items = Vec::new();
    for (k, run) in p.runs.iter().enumerate() {
        let i = &run.integrity;
        let mut lines = vec![
            w.labelled(w.label(Label::Records), &i.records.to_string()),
            w.labelled(w.label(i.head_label()), &m.code(&i.chain_head, false)),
            w.verify_line(m, i.verify_passed, &i.detail),
        ];
        if let Some(n) = i.torn_bytes {
            lines.push(w.torn_line(n));
        }
        if i.untrusted_lines > 0 {
            // The shown records are lines 1 to `records`; the rest follow them.
            let first = i.records + 1;
            lines.push(w.untrusted_line(first, i.records + i.untrusted_lines));
        }
        if p.merged() {
            let mut item =
                Item::new(w.aside(&m.esc(&p.run_label(k)), &m.code(&run.run.run_id, false)));
            item.sub = lines;
            items.push(item);
        } else {
            items.extend(lines.into_iter().map(Item::new));
        }
    }
    // Past a break only the last intact record's hash is shown, which no head printed at
    // the run's end will match: the comparison is offered only for a run's real head, and
    // names those runs in a merged export. A run cut off or still going printed no head;
    // a watcher's copy is offered for the runs that had a watcher, each run on its own.
    let mut heads = HeadsToCompare {
        every: false,
        groups: Vec::new(),
    };
    let mut any = 0;
    for (k, r) in p.runs.iter().enumerate() {
        if r.integrity.head_label() != Label::ChainHead {
            continue;
        }
        any += 1;
        let copies = HeadCopies {
            printed: matches!(r.run.state, RunState::Finished | RunState::Halted),
            watched: !r.run.watchers.is_empty(),
        };
        let at = match heads.groups.iter().position(|g| g.copies == copies) {
            Some(at) => at,
            None => {
                heads.groups.push(HeadGroup {
                    runs: Vec::new(),
                    copies,
                });
                heads.groups.len() - 1
            }
        };
        if p.merged() {
            heads.groups[at].runs.push(m.esc(&format!("#{}", k + 1)));
        }
    }
    // Every run has a head, and all have the same copies: no need to list them.
    if any == p.runs.len() && p.merged() && heads.groups.len() == 1 {
        heads.every = true;
        heads.groups[0].runs.clear();
    }
    if any > 0 {
        items.push(Item::new(w.compare_head(m, &heads)));
    }
    m.list(o, items);
}
