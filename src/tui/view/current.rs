//! The current step: title, where it stands, instructions, the exact command with values
//! filled in (secrets masked), and what follows it (checks, rollback, approval, waivers).
//! During a rollback, the rollback's progress.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{View, wrap};
use crate::engine::{Engine, Phase};
use crate::journal::record::Purpose;
use crate::runbook::model::{Approval, Command};
use crate::runbook::show;

/// Draws the pane at the top of `area` and returns what is left below it.
pub fn render(f: &mut Frame, area: Rect, v: &View) -> Rect {
    let inner_w = area.width.saturating_sub(2) as usize;
    let (title, mut lines) = match v.e.phase().step() {
        // A tall screen has room for every verify and rollback command, not just a count.
        Some(i) => step_lines(v, i, inner_w, area.height >= 30),
        None => (" Run ".to_string(), summary(v)),
    };
    // The output below keeps at least a few rows.
    let max = area.height.saturating_sub(5).max(3) as usize;
    if lines.len() + 2 > max {
        lines.truncate(max.saturating_sub(3));
        lines.push(Line::styled("…", v.theme.dim()));
    }
    let h = (lines.len() as u16 + 2).min(area.height);
    let pane = Rect { height: h, ..area };
    let block = Block::bordered().title(title).border_style(v.theme.dim());
    f.render_widget(Paragraph::new(lines).block(block), pane);
    Rect {
        y: area.y + h,
        height: area.height - h,
        ..area
    }
}

fn step_lines(v: &View, i: usize, w: usize, detail: bool) -> (String, Vec<Line<'static>>) {
    let t = v.theme;
    let e = v.e;
    let step = &e.runbook().steps[i];
    let vars = e.shown_step_vars(i);
    let changes = if step.mutating {
        " · ◆ changes something"
    } else {
        ""
    };
    let pass = match &step.iteration {
        Some(it) => format!(
            " · {} item {} of {} ({})",
            it.loop_id,
            it.index + 1,
            it.count,
            it.item
        ),
        None => String::new(),
    };
    let title = format!(
        " Step {} of {}{pass} · {}{changes} ",
        i + 1,
        e.runbook().steps.len(),
        step.kind.name()
    );
    let mut lines: Vec<Line<'static>> = Vec::new();
    for row in wrap::words(&step.title.render(&vars), w) {
        lines.push(Line::styled(row, t.bold()));
    }
    let (status, style) = status(v, i);
    for row in wrap::words(&status, w) {
        lines.push(Line::styled(row, style));
    }
    if let Some(r) = e.rollback() {
        let done = r.next.min(r.plan.len());
        lines.push(Line::styled(
            format!(
                "Rollback {} of {}:",
                (done + 1).min(r.plan.len()),
                r.plan.len()
            ),
            t.warn(),
        ));
        for (n, &j) in r.plan.iter().enumerate() {
            let mark = if n < done {
                "✓"
            } else if n == done {
                "▶"
            } else {
                "·"
            };
            let title = e.runbook().steps[j].title.render(&vars);
            lines.push(Line::raw(format!(" {mark} undo {title}")));
        }
    }
    if let Some(text) = &step.instructions {
        for row in wrap::words(text.render(&vars).trim(), w) {
            lines.push(Line::raw(row));
        }
    }
    let purpose = match e.phase() {
        Phase::Running { purpose, .. } | Phase::RetryWait { purpose, .. } => purpose,
        // A later rollback meets the step's gates before its entries run: what they let
        // run is the rollback, not the change (`engine/later.rs`).
        Phase::Confirm { .. } | Phase::Blind { .. } | Phase::Approval { .. }
            if e.rollback().is_some() =>
        {
            Purpose::Rollback(1)
        }
        _ => Purpose::Main,
    };
    if let Some(cmd) = command(e, i, purpose) {
        lines.extend(cmd.into_iter().flat_map(|l| wrap::chars(l, w)));
    }
    let mut then = Vec::new();
    if detail && e.rollback().is_none() {
        let lists = [
            (
                "verify",
                step.verify.len(),
                Purpose::Verify as fn(u32) -> Purpose,
            ),
            ("rollback", step.rollback.len(), Purpose::Rollback),
        ];
        for (what, n, purpose) in lists {
            for k in 1..=n as u32 {
                let cmd = e.shown_command(i, purpose(k)).unwrap_or_default();
                let first = cmd.lines().next().unwrap_or("").to_string();
                let row = format!("{what}-{k} $ {first}");
                lines.extend(wrap::chars(Line::styled(row, t.dim()), w));
            }
        }
    } else if !step.verify.is_empty() && e.rollback().is_none() {
        let n = step.verify.len();
        then.push(format!("{n} verify check{}", if n == 1 { "" } else { "s" }));
    }
    if !detail && !step.rollback.is_empty() {
        let n = step.rollback.len();
        then.push(format!(
            "rollback: {n} command{}",
            if n == 1 { "" } else { "s" }
        ));
    }
    if let Approval::Required { allow_self, .. } = step.approval {
        let who = v.e.tally(i).filter(|t| t.counted()).map(|t| t.wanted());
        then.push(match (who, allow_self) {
            (Some(who), true) => format!("approval: {who} (you may be one)"),
            (Some(who), false) => format!("approval: {who}"),
            // Unshared, nobody else can join.
            (None, true) if !v.ui.shared && !v.ui.watcher => {
                "approval: yours (allowed; an unshared run has no one else)".into()
            }
            (None, true) => "approval: a second person (or yourself, allowed)".into(),
            (None, false) => "approval: a second person".into(),
        });
    }
    if !then.is_empty() {
        for row in wrap::words(&format!("then: {}", then.join(" · ")), w) {
            lines.push(Line::styled(row, t.dim()));
        }
    }
    for (guard, waiver) in &step.waive {
        for row in wrap::words(&format!("waived: {} — {}", guard.name(), waiver.reason), w) {
            lines.push(Line::styled(row, t.warn()));
        }
    }
    (title, lines)
}

/// A wait's poll and the time left of it: `poll 3 · 4.1 s left of 6 s`.
fn poll_left(v: &View, poll: u32, w: crate::engine::Polled) -> String {
    let left_ms = (w.until - v.now).num_milliseconds().max(0);
    let whole = |ms: u64| {
        if ms.is_multiple_of(1000) {
            format!("{} s", ms / 1000)
        } else {
            format!("{:.1} s", ms as f64 / 1000.0)
        }
    };
    format!(
        "poll {poll} · {:.1} s left of {}",
        left_ms as f64 / 1000.0,
        whole(w.deadline_ms)
    )
}

/// Where the step stands, in a sentence.
fn status(v: &View, i: usize) -> (String, ratatui::style::Style) {
    let t = v.theme;
    let watcher = v.ui.watcher;
    match v.e.phase() {
        Phase::Ready(_) if watcher => (
            "waiting for the operator to begin this step".into(),
            t.dim(),
        ),
        Phase::Ready(_) if v.settled => ("▶ Press Enter to begin this step".into(), t.accent()),
        Phase::Ready(_) => ("Read what this step will do…".into(), t.dim()),
        Phase::Running {
            purpose, attempt, ..
        } => {
            let again = match v.e.wait_of(i, purpose) {
                Some(w) => format!(" ({})", poll_left(v, attempt, w)),
                None if attempt > 1 => format!(" (attempt {attempt})"),
                None => String::new(),
            };
            let what = if purpose == Purpose::Describe {
                "asking the system for the target".to_string()
            } else {
                format!("running {purpose}{again}")
            };
            let hint = if watcher {
                ""
            } else {
                " — Ctrl-C to stop it"
            };
            let clock = command_clock(v, i, purpose);
            (format!("⟳ {what}{clock}{hint}"), t.warn())
        }
        // A wait's next poll is no retry: the poll that did not hold is not a failure.
        Phase::RetryWait {
            purpose, attempt, ..
        } => match v.e.wait_of(i, purpose) {
            Some(w) => (
                format!(
                    "waiting for {purpose} to hold: {}",
                    poll_left(v, attempt, w)
                ),
                t.warn(),
            ),
            None => (
                format!("waiting to retry {purpose} (attempt {attempt})"),
                t.warn(),
            ),
        },
        Phase::Confirm { .. } => ("waiting for the target to be typed back".into(), t.accent()),
        Phase::Blind { .. } => (
            "waiting for the intended target to be named (blind)".into(),
            t.accent(),
        ),
        // Not shared, and the operator may approve: nobody else can join, so no one else is
        // named.
        Phase::Approval {
            step,
            allow_self: true,
            ..
        } if !watcher && !v.ui.shared && v.e.tally(step).is_none_or(|t| !t.counted()) => (
            "waiting for your approval: press a (allowed for this step)".into(),
            t.accent(),
        ),
        Phase::Approval { step, .. } => match v.e.tally(step).filter(|t| t.counted()) {
            Some(tally) => (
                format!(
                    "waiting for approvals ({} of {}): shisa approve {}",
                    tally.approvals.len(),
                    tally.needed,
                    v.ui.run_id
                ),
                t.accent(),
            ),
            None => (
                format!("waiting for a second person: shisa approve {}", v.ui.run_id),
                t.accent(),
            ),
        },
        Phase::Manual(_) => (
            "a person does this step, then marks it done".into(),
            t.accent(),
        ),
        Phase::Waiting { until, .. } => {
            let left = (until - v.now).num_seconds().max(0);
            (
                format!(
                    "do this step now; it can be marked done in {}:{:02}",
                    left / 60,
                    left % 60
                ),
                t.accent(),
            )
        }
        Phase::NoReturn { .. } => (
            "point of no return: type the step's name to go on".into(),
            t.bad(),
        ),
        Phase::ManualUndo { n, .. } => (
            format!("rollback {n} is done by hand, then marked done"),
            t.warn(),
        ),
        Phase::Failed { reason, .. } => (format!("✗ FAILED: {reason}"), t.bad()),
        Phase::InDoubt(_) => (
            "? in doubt: it was under way when the run stopped".into(),
            t.warn(),
        ),
        _ if v.e.step(i).status().is_some() => ("done".into(), t.dim()),
        _ => ("working…".into(), t.dim()),
    }
}

/// How long the running command has run, and what is left of its timeout: " · 0:42 of
/// 5:00 (4:18 left)", or " · 0:42, no timeout".
fn command_clock(v: &View, i: usize, purpose: Purpose) -> String {
    let Some(began) = v.ui.command_began else {
        return String::new();
    };
    let ran = (v.now - began).num_seconds().max(0);
    let mmss = |s: i64| format!("{}:{:02}", s / 60, s % 60);
    match v.e.timeout_of(i, purpose) {
        Some(limit) => {
            let limit = limit.as_secs() as i64;
            let left = (limit - ran).max(0);
            format!(" · {} of {} ({} left)", mmss(ran), mmss(limit), mmss(left))
        }
        None => format!(" · {}, no timeout", mmss(ran)),
    }
}

/// The command as it will run: values filled in, secrets masked, and the values a `run:`
/// script reads from its environment listed under it.
fn command(e: &Engine, i: usize, purpose: Purpose) -> Option<Vec<Line<'static>>> {
    let (cmd, _) = e.command_for(i, purpose)?;
    let text = e.shown_command(i, purpose)?;
    let label = match purpose {
        Purpose::Main => "$ ".to_string(),
        p => format!("{p} $ "),
    };
    let mut lines: Vec<Line<'static>> = text
        .lines()
        .enumerate()
        .map(|(n, l)| {
            let lead = if n == 0 {
                label.clone()
            } else {
                " ".repeat(label.chars().count())
            };
            Line::from(vec![Span::raw(lead), Span::raw(l.to_string())])
        })
        .collect();
    if let Command::Run { .. } = cmd {
        let env = show::script_env(&cmd, &e.shown_vars());
        if !env.is_empty() {
            let list: Vec<String> = env
                .iter()
                .map(|(k, val)| format!("{k}={}", e.mask(val)))
                .collect();
            lines.push(Line::raw(format!("  with {}", list.join(" "))));
        }
    }
    Some(lines)
}

/// When no step is current: how the run stands.
fn summary(v: &View) -> Vec<Line<'static>> {
    let t = v.theme;
    let e = v.e;
    let ok = e
        .steps()
        .iter()
        .filter(|s| s.status() == Some(crate::journal::record::StepStatus::Ok))
        .count();
    let head = match e.phase() {
        Phase::Finished { outcome, exit } => Line::styled(
            format!("Run {} (exit {exit})", outcome.name()),
            if exit == crate::exit::Exit::Ok {
                t.ok().patch(t.bold())
            } else {
                t.bad()
            },
        ),
        Phase::Halted(reason) => Line::styled(format!("Run stopped: {reason}"), t.warn()),
        Phase::NotStarted => Line::styled("Starting…", t.dim()),
        _ => Line::styled("Working…", t.dim()),
    };
    vec![
        head,
        Line::raw(format!("{ok} of {} steps done", e.runbook().steps.len())),
        Line::styled(format!("run directory {}", v.ui.run_dir), t.dim()),
    ]
}
