//! One step of `shisa plan`: what it runs, what guards it, and the control-flow keys that
//! change when it runs or how it ends — its condition, answers, waits, phase marks.

use std::fmt::Write as _;

use crate::engine::choices::{USUAL_FAILURE_CHOICES, failure_prompt, offered};
use crate::engine::default_choice::default_among;
use crate::engine::rollback_plan_supposing;
use crate::journal::record::ReasonNeed;
use crate::runbook::model::{
    Approval, Check, Command, Confirm, Guard, Runbook, Step, Undo, WaitUntil, When,
};
use crate::runbook::{duration, show};

/// Values by name, as `plan` shows them (secrets masked, captures as placeholders).
pub type Values = std::collections::BTreeMap<String, String>;

pub fn step_block(o: &mut String, rb: &Runbook, i: usize, step: &Step, values: &Values) {
    let mut tags = vec![step.kind.name().to_string()];
    if step.mutating {
        tags.push("MUTATING".into());
    }
    if let Approval::Required { allow_self, .. } = step.approval {
        tags.push(match (step.approval.who_with(values), allow_self) {
            (Some(who), true) => format!("approval: {who} (self allowed)"),
            (Some(who), false) => format!("approval: {who}"),
            (None, true) => "approval (self allowed)".into(),
            (None, false) => "approval required".into(),
        });
    }
    if step.point_of_no_return.is_some() {
        tags.push("POINT OF NO RETURN".into());
    }
    if step.checkpoint.is_some() {
        tags.push("checkpoint".into());
    }
    let _ = writeln!(o, "\n  {:>2}  {}  · {}", i + 1, step.id, tags.join(" · "));
    let _ = writeln!(o, "      {}", step.title.render(values));
    if let Some(on) = &step.on {
        field(o, "on", &host(rb, on, values));
    }
    if let Some(c) = &step.when {
        field(
            o,
            "when",
            &format!(
                "{}; otherwise skipped (journaled with why)",
                condition(rb, &c.test)
            ),
        );
    }
    if let Some(text) = &step.instructions {
        field_lines(o, "do", &text.render(values));
    }
    for link in &step.links {
        field(o, "link", link);
    }
    for c in &step.choices {
        field(o, "choice", &format!("{} — {}", c.key, c.label));
    }
    if let Some(w) = step.wait {
        field(
            o,
            "wait",
            &format!(
                "`done` is refused until {} have passed",
                duration::format(w)
            ),
        );
    }
    if step.mutating {
        guard(o, rb, i, step);
    }
    if let Some(reason) = &step.point_of_no_return {
        field(o, "NO RETURN", reason);
        field(
            o,
            "",
            &format!(
                "before it starts the operator types `{}`; once it has started, earlier steps are not rolled back automatically",
                step.base_id()
            ),
        );
    }
    if let Some(t) = &step.target {
        command_field(o, "target", &t.describe, values);
        if let Some(on) = &t.on {
            field(o, "", &format!("on {}", host(rb, on, values)));
        }
        let mut rules = vec![match &t.capture {
            Some(c) => format!("capture /{}/", c.source),
            None => "first line of output".into(),
        }];
        rules.extend(
            t.must_match
                .iter()
                .map(|m| format!("must match /{}/", m.source)),
        );
        rules.extend(t.deny.iter().map(|d| format!("deny /{}/", d.source)));
        field(o, "", &rules.join(" · "));
        if let Some(impact) = &t.impact {
            command_field(o, "impact", &impact.command, values);
            field(
                o,
                "",
                &format!(
                    "refused, with no override, if it counts more than {}",
                    limit_shown(&impact.at_most, values)
                ),
            );
        }
        // As the engine does it: the run halts, resumable (exit 4), and `resume` looks the
        // target up again; it does not end (cold read: "end the run" sent people to rerun).
        let misses = format!(
            "{} misses halt the run (exit {}); `shisa resume` looks the target up again and asks afresh",
            crate::engine::MAX_MISSES,
            crate::exit::Exit::Refused
        );
        let how = match t.confirm {
            Confirm::Echo => format!("the operator types the resolved target back; {misses}"),
            Confirm::Blind => format!(
                "blind: the operator names the intended target before the resolved one is shown; {misses}"
            ),
        };
        field(o, "", &how);
    }
    if let Approval::Required { allow_self, .. } = step.approval {
        if let Some(who) = step.approval.who_with(values) {
            let counted = if allow_self {
                "the operator may be one of them"
            } else {
                "the operator is not counted"
            };
            field(
                o,
                "approval",
                &format!(
                    "{who}, each connected with `shisa approve` and typing the target independently; two sessions of one person count once; {counted}"
                ),
            );
        }
        let who = if allow_self {
            "the operator may approve their own step (recorded as such)"
        } else {
            "a different OS user"
        };
        let blind = step
            .target
            .as_ref()
            .is_some_and(|t| t.confirm == Confirm::Blind);
        let how = if blind {
            "names the target blind, before it is shown to them"
        } else {
            "types the target independently"
        };
        if step.approval.who_with(values).is_none() {
            field(
                o,
                "approval",
                &format!("{who}, connected with `shisa approve`, {how}"),
            );
        }
    }
    if let Some(cmd) = &step.command {
        command_field(o, "", cmd, values);
    }
    let expect = show::expectations(&step.expect, values);
    if !expect.is_empty() {
        field(o, "expect", &expect.join("; "));
    }
    if let Some(w) = step.wait_until {
        field(o, "poll", &polling(w));
    }
    for c in &step.capture {
        field(
            o,
            "capture",
            &format!("{} ← /{}/", c.name, c.pattern.source),
        );
    }
    if let Some(t) = step.timeout {
        field(o, "timeout", &duration::format(t));
    }
    if step.retry.attempts > 1 {
        field(o, "retry", &retry_text(step.retry));
    }
    for (n, c) in step.verify.iter().enumerate() {
        check(o, rb, &format!("verify {}", n + 1), c, values);
    }
    for (n, u) in step.rollback.iter().enumerate() {
        match u {
            Undo::Run(c) => check(o, rb, &format!("rollback {}", n + 1), c, values),
            Undo::Manual { instructions, .. } => field_lines(
                o,
                &format!("rollback {} by hand", n + 1),
                &instructions.render(values),
            ),
        }
    }
    if let Some(r) = &step.closes {
        field(
            o,
            "closes",
            &format!("`{}`: once this is done, neither step is rolled back", r.id),
        );
    }
    if let Some(reason) = &step.checkpoint {
        field(o, "CHECKPOINT", reason);
        field(
            o,
            "",
            "once this is done, a later failure rolls back only the steps after it",
        );
    }
    if let Some(reason) = &step.read_only {
        field(o, "read-only", reason);
    }
    for (g, w) in &step.waive {
        field(o, "WAIVED", &format!("{}: {}", g.name(), w.reason));
    }
    on_failure(o, rb, i, step);
}

fn guard(o: &mut String, rb: &Runbook, i: usize, step: &Step) {
    match (rb.guarding_snapshot(i), step.waive.get(&Guard::Snapshot)) {
        (Some(s), _) => field(
            o,
            "guard",
            &format!(
                "snapshot `{}` (step {}) must have succeeded in this run",
                rb.steps[s].id,
                s + 1
            ),
        ),
        (None, Some(w)) => field(o, "guard", &format!("no snapshot — WAIVED: {}", w.reason)),
        (None, None) => field(o, "guard", "no snapshot"),
    }
}

/// The choices a failure of this step offers, said only where they differ from the usual
/// ones, and the one the question starts on: all from the engine (`failure_prompt`,
/// `offered`, `default_among` over the rollback it would make, every earlier step supposed
/// passed), so `plan` says what the run asks.
fn on_failure(o: &mut String, rb: &Runbook, i: usize, step: &Step) {
    let offered = offered(step, failure_prompt(step));
    if offered != USUAL_FAILURE_CHOICES {
        let undoes = !rollback_plan_supposing(rb, i).undo.is_empty();
        let default = default_among(&offered, undoes);
        let answers: Vec<String> = (offered.iter().copied())
            .map(|k| {
                let name = match k.reason() {
                    ReasonNeed::Required => format!("{} with a reason", k.name()),
                    _ => k.name().to_string(),
                };
                if Some(k) == default {
                    format!("{name} (default)")
                } else {
                    name
                }
            })
            .collect();
        field(o, "on fail", &answers.join(", "));
    }
}

/// A `when` as a reviewer reads it.
pub fn condition(rb: &Runbook, test: &When) -> String {
    match test {
        When::Param { name, equals } => {
            format!("only if parameter {name} = {}", show::quote(equals))
        }
        When::Capture { name, matches } => {
            format!("only if capture {name} matches /{}/", matches.source)
        }
        When::Choice { step, equals } => {
            let label = rb
                .step(&step.id)
                .and_then(|s| s.choices.iter().find(|c| &c.key == equals))
                .map(|c| format!(" ({})", c.label))
                .unwrap_or_default();
            format!("only if the answer at `{}` is `{equals}`{label}", step.id)
        }
    }
}

fn polling(w: WaitUntil) -> String {
    format!(
        "every {} until it holds (a poll that does not is not a failure); fails after {}",
        duration::format(w.every),
        duration::format(w.deadline)
    )
}

fn retry_text(r: crate::runbook::model::Retry) -> String {
    format!(
        "{} attempts, {} apart",
        r.attempts,
        duration::format(r.delay)
    )
}

fn check(o: &mut String, rb: &Runbook, head: &str, c: &Check, values: &Values) {
    command_field(o, head, &c.command, values);
    if let Some(on) = &c.on {
        field(o, "", &format!("on {}", host(rb, on, values)));
    }
    let expect = show::expectations(&c.expect, values);
    if !expect.is_empty() {
        field(o, "", &format!("expect {}", expect.join("; ")));
    }
    if let Some(w) = c.wait_until {
        field(o, "", &format!("poll {}", polling(w)));
    }
    if c.retry.attempts > 1 {
        field(o, "", &format!("retry {}", retry_text(c.retry)));
    }
}

/// Where an `on:` runs: the `hosts:` entry and the ssh destination with the values in.
fn host(rb: &Runbook, on: &crate::runbook::model::OnHost, values: &Values) -> String {
    match rb.host(&on.name) {
        Some(h) => {
            let dest = h.ssh.render(values);
            let user = h
                .user
                .as_deref()
                .map(|u| format!("{u}@"))
                .unwrap_or_default();
            let sudo = if h.sudo { ", as root (sudo)" } else { "" };
            format!("host `{}` (ssh {user}{dest}{sudo})", on.name)
        }
        None => format!("host `{}`", on.name),
    }
}

/// `3`; `23 (max_accounts)` for a limit a parameter gives; the stand-in as `plan` shows it
/// when the parameter has no value yet.
fn limit_shown(limit: &crate::runbook::model::Limit, values: &Values) -> String {
    match limit.param() {
        None => limit.to_string(),
        Some(name) => format!(
            "{} ({name})",
            values
                .get(name)
                .map_or_else(|| limit.to_string(), Clone::clone)
        ),
    }
}

fn command_field(o: &mut String, label: &str, cmd: &Command, values: &Values) {
    let kind = match cmd {
        Command::Run { .. } => "run",
        Command::Argv { .. } => "argv",
    };
    let label = if label.is_empty() {
        kind.to_string()
    } else {
        format!("{label} ({kind})")
    };
    field_lines(o, &label, &show::command(cmd, values));
    let env = show::script_env(cmd, values);
    if !env.is_empty() {
        let list: Vec<String> = env
            .iter()
            .map(|(k, v)| format!("{k}={}", show::quote(v)))
            .collect();
        field(o, "", &format!("with {}", list.join(" ")));
    }
}

pub fn field(o: &mut String, label: &str, text: &str) {
    // At least one space, also after a label longer than the column.
    let _ = writeln!(o, "      {label:<17} {text}");
}

fn field_lines(o: &mut String, label: &str, text: &str) {
    for (n, line) in text.lines().enumerate() {
        field(o, if n == 0 { label } else { "" }, line);
    }
}
