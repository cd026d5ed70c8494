//! `shisa plan`: everything a run would do, resolved, for a reviewer to read; nothing runs.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::clock::Clock;
use crate::engine::phase::offered;
use crate::exit::{Error, Result};
use crate::journal::record::{ChoiceKind, Prompt, ReasonNeed};
use crate::runbook::model::{
    Approval, Check, Command, Guard, OnFailure, Runbook, Step, StepKind, Undo,
};
use crate::runbook::params::{self, Params};
use crate::runbook::{duration, load_file, show};

pub fn run(path: &Path, assignments: &[String], clock: &Clock) -> Result<String> {
    let loaded = load_file(path)?;
    let given = params::split_all(assignments).map_err(Error::Invalid)?;
    let params = loaded.resolve_params_with(&given, true)?;
    Ok(render(
        &loaded.runbook,
        &path.display().to_string(),
        &loaded.sha256,
        &params,
        clock,
    ))
}

/// `plan`, and with `resolve` the targets resolved now (`plan_resolve.rs`): the text, and
/// whether a target would be refused.
pub fn run_resolved(
    path: &Path,
    assignments: &[String],
    clock: &Clock,
    resolve: bool,
) -> Result<(String, bool)> {
    if !resolve {
        return Ok((run(path, assignments, clock)?, false));
    }
    let loaded = load_file(path)?;
    let given = params::split_all(assignments).map_err(Error::Invalid)?;
    let params = loaded.resolve_params_with(&given, true)?;
    let mut text = render(
        &loaded.runbook,
        &path.display().to_string(),
        &loaded.sha256,
        &params,
        clock,
    );
    let (section, refused) = super::plan_resolve::section(&loaded.runbook, path, &params);
    // Before the closing line, which must stay true: only describe commands ran.
    if let Some(at) = text.rfind("\nNothing has run.") {
        text.truncate(at);
        text.push_str(&section);
        text.push_str("\nNothing but the describe commands above has run.\n");
    }
    Ok((text, refused))
}

pub fn render(rb: &Runbook, file: &str, sha: &str, params: &Params, clock: &Clock) -> String {
    let mut values = params.shown();
    for step in &rb.steps {
        for c in &step.capture {
            values.insert(c.name.clone(), format!("<{} from {}>", c.name, step.id));
        }
    }
    let mut o = String::new();
    let _ = writeln!(o, "Plan for {file}");
    let _ = writeln!(
        o,
        "  runbook   {} (sha256 {})",
        rb.name,
        &sha[..16.min(sha.len())]
    );
    let shown = params.shown();
    if shown.is_empty() {
        let _ = writeln!(o, "  params    (none)");
    } else {
        let list: Vec<String> = shown
            .iter()
            .map(|(k, v)| format!("{k}={}", show::quote(v)))
            .collect();
        let _ = writeln!(o, "  params    {}", list.join("  "));
    }
    let missing: Vec<&str> = params
        .values
        .iter()
        .filter(|(_, v)| v.ends_with(": no value yet>"))
        .map(|(k, _)| k.as_str())
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(
            o,
            "  MISSING   {} — `shisa run` refuses until each has a value",
            missing.join(", ")
        );
    }
    window(&mut o, rb, clock);
    let mutating = rb.steps.iter().filter(|s| s.mutating).count();
    let _ = writeln!(o, "\nSteps ({}; {} mutating)", rb.steps.len(), mutating);
    for (i, step) in rb.steps.iter().enumerate() {
        step_block(&mut o, rb, i, step, &values);
    }
    rollback_map(&mut o, rb);
    let _ = writeln!(o, "\nNothing has run.");
    o
}

fn window(o: &mut String, rb: &Runbook, clock: &Clock) {
    let Some(w) = &rb.window else {
        let _ = writeln!(o, "  window    none: changes may start at any time");
        return;
    };
    let list = |spans: &[crate::runbook::window::Span]| {
        spans
            .iter()
            .map(|s| s.text.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut rules = Vec::new();
    if !w.allow.is_empty() {
        rules.push(format!("allow {}", list(&w.allow)));
    }
    if !w.deny.is_empty() {
        rules.push(format!("deny {}", list(&w.deny)));
    }
    let _ = writeln!(
        o,
        "  window    {} — {}",
        w.timezone.name(),
        rules.join(" · ")
    );
    let now = clock.now();
    let faked = if clock.is_faked() {
        " (clock faked by SHISA_FAKE_NOW)"
    } else {
        ""
    };
    match w.verdict(now) {
        crate::runbook::window::Verdict::Inside { local } => {
            let _ = writeln!(
                o,
                "            now {local}{faked}: INSIDE — a run may start"
            );
        }
        crate::runbook::window::Verdict::Outside { local, reason } => {
            let _ = writeln!(o, "            now {local}{faked}: OUTSIDE — {reason}");
            if let Some(next) = w.next_opening(now) {
                let _ = writeln!(
                    o,
                    "            next opening {}",
                    next.format("%a %Y-%m-%d %H:%M %Z")
                );
            }
            let _ = writeln!(
                o,
                "            `shisa run` refuses (exit 4) unless given --outside-window \"reason\""
            );
        }
    }
}

fn step_block(
    o: &mut String,
    rb: &Runbook,
    i: usize,
    step: &Step,
    values: &BTreeMap<String, String>,
) {
    let mut tags = vec![step.kind.name().to_string()];
    if step.mutating {
        tags.push("MUTATING".into());
    }
    if let Approval::Required { allow_self } = step.approval {
        tags.push(if allow_self {
            "approval (self allowed)".into()
        } else {
            "approval required".into()
        });
    }
    let _ = writeln!(o, "\n  {:>2}  {}  · {}", i + 1, step.id, tags.join(" · "));
    let _ = writeln!(o, "      {}", step.title.render(values));
    if let Some(text) = &step.instructions {
        field_lines(o, "do", &text.render(values));
    }
    if step.mutating {
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
    if let Some(t) = &step.target {
        command_field(o, "target", &t.describe, values);
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
        field(
            o,
            "",
            "the operator types the resolved target back; 3 misses end the run",
        );
    }
    if let Approval::Required { allow_self } = step.approval {
        let who = if allow_self {
            "the operator may approve their own step (recorded as such)"
        } else {
            "a different OS user"
        };
        field(
            o,
            "approval",
            &format!("{who}, connected with `shisa approve`, types the target independently"),
        );
    }
    if let Some(cmd) = &step.command {
        command_field(o, "", cmd, values);
    }
    let expect = show::expectations(&step.expect, values);
    if !expect.is_empty() {
        field(o, "expect", &expect.join("; "));
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
    checks(o, "verify", &step.verify, values);
    for (n, u) in step.rollback.iter().enumerate() {
        match u {
            Undo::Run(c) => check(o, &format!("rollback {}", n + 1), c, values),
            Undo::Manual { instructions, .. } => field_lines(
                o,
                &format!("rollback {} (by hand)", n + 1),
                &instructions.render(values),
            ),
        }
    }
    for (g, w) in &step.waive {
        field(o, "WAIVED", &format!("{}: {}", g.name(), w.reason));
    }
    // Said only where it differs from the usual rollback / retry / abort.
    let prompt = match step.kind {
        StepKind::Precheck => Prompt::Precheck,
        _ => Prompt::Failure,
    };
    if prompt == Prompt::Precheck || step.on_failure == OnFailure::AllowContinue {
        let answers: Vec<String> = offered(step, prompt)
            .into_iter()
            .map(|k| match (k, k.reason()) {
                (ChoiceKind::Rollback, _) => "rollback (default)".to_string(),
                (_, ReasonNeed::Required) => format!("{} with a reason", k.name()),
                _ => k.name().to_string(),
            })
            .collect();
        field(o, "on fail", &answers.join(", "));
    }
}

fn retry_text(r: crate::runbook::model::Retry) -> String {
    format!(
        "{} attempts, {} apart",
        r.attempts,
        duration::format(r.delay)
    )
}

fn checks(o: &mut String, label: &str, list: &[Check], values: &BTreeMap<String, String>) {
    for (n, c) in list.iter().enumerate() {
        check(o, &format!("{label} {}", n + 1), c, values);
    }
}

fn check(o: &mut String, head: &str, c: &Check, values: &BTreeMap<String, String>) {
    command_field(o, head, &c.command, values);
    let expect = show::expectations(&c.expect, values);
    if !expect.is_empty() {
        field(o, "", &format!("expect {}", expect.join("; ")));
    }
    if c.retry.attempts > 1 {
        field(o, "", &format!("retry {}", retry_text(c.retry)));
    }
}

fn command_field(o: &mut String, label: &str, cmd: &Command, values: &BTreeMap<String, String>) {
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

fn field(o: &mut String, label: &str, text: &str) {
    let _ = writeln!(o, "      {label:<18}{text}");
}

fn field_lines(o: &mut String, label: &str, text: &str) {
    for (n, line) in text.lines().enumerate() {
        field(o, if n == 0 { label } else { "" }, line);
    }
}

fn rollback_map(o: &mut String, rb: &Runbook) {
    let mutating: Vec<usize> = (0..rb.steps.len())
        .filter(|&i| rb.steps[i].mutating)
        .collect();
    if mutating.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "\nRollback map (on failure the operator chooses rollback by default):"
    );
    for &i in &mutating {
        let undo: Vec<String> = std::iter::once(i)
            .chain(mutating.iter().copied().filter(|&j| j < i).rev())
            .map(|j| {
                let s = &rb.steps[j];
                match (s.rollback.len(), s.waive.get(&Guard::Rollback)) {
                    (0, Some(w)) => format!("{} (no rollback: {})", s.id, w.reason),
                    (0, None) => format!("{} (no rollback)", s.id),
                    (n, _) => format!("{} ({n} command{})", s.id, if n == 1 { "" } else { "s" }),
                }
            })
            .collect();
        let _ = writeln!(
            o,
            "  if {:<20} fails → undo {}",
            rb.steps[i].id,
            undo.join(", then ")
        );
    }
}
