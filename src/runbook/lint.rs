//! The static safety rules and the checks that span steps: duplicate ids,
//! unknown variables, and the guards every mutating step must carry or waive.

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;

use super::diag::{Diagnostic, Pos, did_you_mean};
use super::model::{Arg, Command, Expect, Guard, Runbook, Step};
use super::show::script_refs;
use super::template::Template;

pub fn lint(rb: &Runbook, broken_steps: &[usize]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    duplicate_ids(rb, &mut out);
    for (i, step) in rb.steps.iter().enumerate() {
        if !broken_steps.contains(&i) {
            guards(rb, i, step, &mut out);
        }
    }
    variables(rb, &mut out);
    param_defaults(rb, &mut out);
    super::lint_values::lint(rb, &mut out);
    out
}

/// Ids name output files too, and on a case-insensitive file system (macOS, Windows
/// shares) `Save` and `save` would write the same log.
fn duplicate_ids(rb: &Runbook, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<String, (&str, Pos)> = BTreeMap::new();
    for step in rb.steps.iter().filter(|s| !s.id.is_empty()) {
        match seen.get(&step.id.to_ascii_lowercase()) {
            Some((first, at)) if *first == step.id => out.push(
                Diagnostic::error(step.pos, format!("step id `{}` is used twice", step.id))
                    .hint(format!("the first is at line {}; ids must be unique", at.line)),
            ),
            Some((first, at)) => out.push(
                Diagnostic::error(
                    step.pos,
                    format!("step id `{}` differs from `{first}` only in case", step.id),
                )
                .hint(format!(
                    "`{first}` is at line {}; their output files would be one file on a case-insensitive file system",
                    at.line
                )),
            ),
            None => {
                seen.insert(step.id.to_ascii_lowercase(), (&step.id, step.pos));
            }
        }
    }
}

fn guards(rb: &Runbook, index: usize, step: &Step, out: &mut Vec<Diagnostic>) {
    if !step.mutating {
        for (guard, w) in &step.waive {
            out.push(
                Diagnostic::error(
                    w.pos,
                    format!("step `{}` changes nothing, so waiving `{}` means nothing", step.id, guard.name()),
                )
                .hint("remove `waive:`, or mark the step `mutating: true` if it does change something"),
            );
        }
        return;
    }
    let has = |g: Guard| match g {
        Guard::Snapshot => rb.guarding_snapshot(index).is_some(),
        Guard::Target => step.target.is_some(),
        Guard::Verify => !step.verify.is_empty(),
        Guard::Rollback => !step.rollback.is_empty(),
    };
    for (_, guard) in Guard::ALL {
        match (has(guard), step.waive.get(&guard)) {
            (true, Some(w)) => out.push(
                Diagnostic::warning(
                    w.pos,
                    format!("step `{}` waives `{}` but has it", step.id, guard.name()),
                )
                .hint("remove the waiver so the plan does not show an exception that is not taken"),
            ),
            (false, None) => out.push(missing_guard(step, guard)),
            _ => {}
        }
    }
}

fn missing_guard(step: &Step, guard: Guard) -> Diagnostic {
    let id = &step.id;
    let (message, hint) = match guard {
        Guard::Snapshot => (
            format!("mutating step `{id}` has no snapshot step before it"),
            "add a `kind: snapshot` step earlier that saves the way back, or `waive: { snapshot: \"why\" }`",
        ),
        Guard::Target => (
            format!("mutating step `{id}` has no `target` confirmation"),
            "add `target: { describe: ..., capture: ... }` so the operator types back what will really be touched",
        ),
        Guard::Verify => (
            format!("mutating step `{id}` has no `verify` checks"),
            "add `verify:` health checks that prove the change worked and broke nothing around it",
        ),
        Guard::Rollback => (
            format!("mutating step `{id}` has no `rollback`"),
            "add `rollback:` commands that undo the change, or `waive: { rollback: \"why\" }`",
        ),
    };
    Diagnostic::error(step.kind_pos, message).hint(hint)
}

/// Every `{{ name }}` must be a parameter or a value captured by an earlier step (or by
/// this step, for its verify and rollback commands).
fn variables(rb: &Runbook, out: &mut Vec<Diagnostic>) {
    let params: BTreeSet<&str> = rb.params.iter().map(|p| p.name.as_str()).collect();
    let mut captured: BTreeMap<&str, &str> = BTreeMap::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    for step in &rb.steps {
        let vars = template_vars(&step.title)
            .chain(step.instructions.iter().flat_map(template_vars))
            .chain(command_vars(step.command.as_ref()))
            .chain(expect_vars(&step.expect))
            .chain(
                step.target
                    .iter()
                    .flat_map(|t| command_vars(Some(&t.describe))),
            );
        for (name, pos) in vars {
            unknown_var(step, &name, pos, &params, &captured, out);
            used.insert(name);
        }
        for c in &step.capture {
            if params.contains(c.name.as_str()) {
                out.push(
                    Diagnostic::error(
                        c.pos,
                        format!("capture `{}` has the name of a parameter", c.name),
                    )
                    .hint("rename the capture"),
                );
            } else if let Some(other) = captured.get(c.name.as_str()) {
                out.push(
                    Diagnostic::error(
                        c.pos,
                        format!("`{}` is already captured by step `{other}`", c.name),
                    )
                    .hint("rename one of them"),
                );
            } else {
                captured.insert(&c.name, &step.id);
            }
        }
        for check in step.checks() {
            for (name, pos) in command_vars(Some(&check.command)).chain(expect_vars(&check.expect))
            {
                unknown_var(step, &name, pos, &params, &captured, out);
                used.insert(name);
            }
        }
        scripts(step, &params, &captured, out);
    }
    for p in &rb.params {
        let referenced = used.contains(&p.name) || rb.steps.iter().any(|s| mentions(s, &p.name));
        if !referenced {
            out.push(
                Diagnostic::warning(p.pos, format!("parameter `{}` is never used", p.name))
                    .width(p.name.len())
                    .hint(format!(
                        "commands read it as \"${}\" in `run:` or '{{{{ {} }}}}' in `argv:`",
                        p.name, p.name
                    )),
            );
        }
    }
}

fn unknown_var(
    step: &Step,
    name: &str,
    pos: Pos,
    params: &BTreeSet<&str>,
    captured: &BTreeMap<&str, &str>,
    out: &mut Vec<Diagnostic>,
) {
    if params.contains(name) || captured.contains_key(name) {
        return;
    }
    let known: Vec<String> = params
        .iter()
        .map(|p| p.to_string())
        .chain(
            captured
                .iter()
                .map(|(c, s)| format!("{c} (captured by `{s}`)")),
        )
        .collect();
    let names = params.iter().chain(captured.keys()).copied();
    let hint = match did_you_mean(name, names) {
        Some(s) => format!("did you mean `{s}`? known here: {}", known.join(", ")),
        None if known.is_empty() => {
            "declare it under `params:`, or capture it in an earlier step".into()
        }
        None => format!("known here: {}", known.join(", ")),
    };
    out.push(
        Diagnostic::error(
            pos,
            format!("unknown variable `{name}` in step `{}`", step.id),
        )
        .width(name.len() + 6)
        .hint(hint),
    );
}

fn template_vars(t: &Template) -> impl Iterator<Item = (String, Pos)> + '_ {
    t.placed_vars().map(|(n, pos)| (n.to_string(), pos))
}

fn expect_vars(e: &Expect) -> impl Iterator<Item = (String, Pos)> + '_ {
    e.stdout_contains
        .iter()
        .chain(&e.stdout_not_contains)
        .chain(&e.stdout_equals)
        .flat_map(template_vars)
}

fn command_vars(c: Option<&Command>) -> impl Iterator<Item = (String, Pos)> + '_ {
    let args: &[Arg] = match c {
        Some(Command::Argv { args, .. }) => args,
        _ => &[],
    };
    args.iter().filter_map(|a| match a {
        Arg::Var { name, pos } => Some((name.clone(), *pos)),
        Arg::Lit(_) => None,
    })
}

fn script_of(c: Option<&Command>) -> Option<&str> {
    match c {
        Some(Command::Run { script, .. }) => Some(script),
        _ => None,
    }
}

fn mentions(step: &Step, name: &str) -> bool {
    let scripts = script_of(step.command.as_ref())
        .into_iter()
        .chain(
            step.target
                .iter()
                .filter_map(|t| script_of(Some(&t.describe))),
        )
        .chain(step.checks().filter_map(|c| script_of(Some(&c.command))));
    scripts
        .into_iter()
        .any(|s| script_refs(s).any(|r| r == name))
}

/// A lower-case `$name` that is neither a parameter, a capture, nor assigned in the script
/// is almost always a typo; `bash -u` would stop on it mid-run, so say so now.
fn scripts(
    step: &Step,
    params: &BTreeSet<&str>,
    captured: &BTreeMap<&str, &str>,
    out: &mut Vec<Diagnostic>,
) {
    let cmds = step
        .command
        .iter()
        .chain(step.target.iter().map(|t| &t.describe))
        .chain(step.checks().map(|c| &c.command));
    for cmd in cmds {
        let Some(script) = script_of(Some(cmd)) else {
            continue;
        };
        for name in script_refs(script) {
            let lower = name.chars().any(|c| c.is_ascii_lowercase());
            if !lower
                || params.contains(name)
                || captured.contains_key(name)
                || assigned(script, name)
            {
                continue;
            }
            out.push(
                Diagnostic::warning(
                    cmd.pos(),
                    format!("`${name}` in step `{}` is not a parameter or capture", step.id),
                )
                .hint("bash runs with `set -u` and will stop here unless the variable is set in shisa's environment"),
            );
        }
    }
}

fn assigned(script: &str, name: &str) -> bool {
    let pat = format!(
        r"(^|[\s;(]){}=|\bfor\s+{}\b|\bread\b[^;\n]*\b{}\b|\blocal\s+{}\b",
        name, name, name, name
    );
    Regex::new(&pat).is_ok_and(|re| re.is_match(script))
}

fn param_defaults(rb: &Runbook, out: &mut Vec<Diagnostic>) {
    for p in &rb.params {
        if let Some(d) = &p.default
            && let Err(why) = super::params::check_value(p, d)
        {
            out.push(Diagnostic::error(
                p.pos,
                format!(
                    "the default of `{}` is refused by its own rules: {why}",
                    p.name
                ),
            ));
        }
    }
}
