//! `shisa plan`: everything a run would do, resolved, for a reviewer to read; nothing runs.
//! Loops are shown unrolled as a run executes them (`runbook::expand`), one pass per item;
//! each step's fields are in `plan_step.rs`, the rollback map in `plan_map.rs`.

use std::fmt::Write as _;
use std::path::Path;

use crate::clock::SystemClock;
use crate::exit::{Error, Result};
use crate::runbook::expand::expand;
use crate::runbook::model::Runbook;
use crate::runbook::params::{self, Params};
use crate::runbook::{load_file, show};

use super::plan_map::rollback_map;
use super::plan_step::step_block;

pub fn run(path: &Path, assignments: &[String], clock: &SystemClock) -> Result<String> {
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

/// The runbook as a run would execute it. A loop over a list not given yet is shown as
/// one pass over a stand-in item, `<node>`, so its steps are still read before the run.
fn unrolled(rb: &Runbook, params: &Params) -> Runbook {
    let mut values = params.clone();
    for l in &rb.loops {
        if values.given(&l.list).is_none() {
            values.values.insert(l.list.clone(), format!("<{}>", l.var));
        }
    }
    expand(rb, &values)
}

/// `plan`, and with `resolve` the targets resolved now (`plan_resolve.rs`): the text, and
/// whether a target would be refused.
pub fn run_resolved(
    path: &Path,
    assignments: &[String],
    clock: &SystemClock,
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
        text.push_str("\nNothing but the read-only describe and impact commands above has run.\n");
    }
    Ok((text, refused))
}

/// The values as shown, a parameter with no value yet by its stand-in.
fn shown(params: &Params) -> std::collections::BTreeMap<String, String> {
    let mut values = params.shown();
    for name in &params.missing {
        values.insert(name.clone(), crate::phrase::no_value_yet(name));
    }
    values
}

pub fn render(rb: &Runbook, file: &str, sha: &str, params: &Params, clock: &SystemClock) -> String {
    let flat = unrolled(rb, params);
    let mut values = shown(params);
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
    let shown = shown(params);
    if shown.is_empty() {
        let _ = writeln!(o, "  params    (none)");
    } else {
        let list: Vec<String> = shown
            .iter()
            .map(|(k, v)| format!("{k}={}", show::quote(v)))
            .collect();
        let _ = writeln!(o, "  params    {}", list.join("  "));
    }
    hosts(&mut o, rb);
    for (n, e) in rb.environments.iter().enumerate() {
        let label = if n == 0 { "envs" } else { "" };
        let _ = writeln!(o, "  {label:<9} {}", e.describe());
    }
    if !rb.environments.is_empty() {
        let _ = writeln!(
            o,
            "  {:<9} `shisa run --env NAME`; a rehearsal counts if it completed (not with exceptions) with the same runbook sha256",
            ""
        );
    }
    let missing: Vec<&str> = params.missing.iter().map(String::as_str).collect();
    if !missing.is_empty() {
        let _ = writeln!(
            o,
            "  MISSING   {} — `shisa run` refuses until each has a value",
            missing.join(", ")
        );
    }
    window(&mut o, rb, clock);
    loops(&mut o, rb, params);
    for s in flat.steps.iter().filter(|s| s.point_of_no_return.is_some()) {
        let _ = writeln!(
            o,
            "  NO RETURN {}: {} — earlier steps are not rolled back once it starts",
            s.id,
            s.point_of_no_return.as_deref().unwrap_or_default()
        );
    }
    let mutating = flat.steps.iter().filter(|s| s.mutating).count();
    let _ = writeln!(o, "\nSteps ({}; {} mutating)", flat.steps.len(), mutating);
    for (i, step) in flat.steps.iter().enumerate() {
        if let Some(it) = &step.iteration
            && i.checked_sub(1)
                .and_then(|p| flat.steps.get(p))
                .and_then(|p| p.iteration.as_ref())
                .is_none_or(|p| p.loop_id != it.loop_id || p.index != it.index)
        {
            let _ = writeln!(
                o,
                "\n  ── {} · pass {} of {}: {} = {}",
                it.loop_id,
                it.index + 1,
                it.count,
                it.var,
                show::quote(&params.mask_text(&it.item))
            );
        }
        let mut here = values.clone();
        if let Some(it) = &step.iteration {
            here.insert(it.var.clone(), params.mask_text(&it.item));
        }
        // A fragment's step sees its parameters' values, as the engine gives them
        // (`Engine::bind`): each layer read with the names known where its `use` was.
        for layer in &step.bound {
            let bound: Vec<(String, String)> = layer
                .iter()
                .map(|b| (b.name.clone(), b.value.render(&here)))
                .collect();
            here.extend(bound);
        }
        step_block(&mut o, &flat, i, step, &here);
    }
    rollback_map(&mut o, &flat);
    let _ = writeln!(o, "\nNothing has run.");
    o
}

/// Each `for_each` block: what it walks, and the items where the list is given.
fn loops(o: &mut String, rb: &Runbook, params: &Params) {
    for l in &rb.loops {
        let steps: Vec<&str> = rb
            .steps
            .iter()
            .filter(|s| s.in_loop.as_deref() == Some(l.id.as_str()))
            .map(|s| s.id.as_str())
            .collect();
        let items = match params.given(&l.list) {
            Some(v) => {
                let items = params::items(v);
                let shown: Vec<String> = items
                    .iter()
                    .map(|i| show::quote(&params.mask_text(i)))
                    .collect();
                format!(
                    "{} item(s), in this order: {}",
                    items.len(),
                    shown.join(", ")
                )
            }
            _ => format!(
                "no items yet (pass `-p {}=a,b`); one pass shown with <{}>",
                l.list, l.var
            ),
        };
        let title = l
            .title
            .as_ref()
            .map(|t| format!(" — {t}"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "  loop      {}{title}: for each {} in {}, one at a time: {}",
            l.id,
            l.var,
            l.list,
            steps.join(", ")
        );
        let _ = writeln!(o, "            {items}");
    }
}

/// The `hosts:` entries and the steps that run on each (over ssh, `on:`).
fn hosts(o: &mut String, rb: &Runbook) {
    for (n, h) in rb.hosts.iter().enumerate() {
        let steps: Vec<&str> = rb
            .steps
            .iter()
            .filter(|s| s.on.as_ref().is_some_and(|on| on.name == h.name))
            .map(|s| s.id.as_str())
            .collect();
        let label = if n == 0 { "hosts" } else { "" };
        let user = h
            .user
            .as_deref()
            .map(|u| format!(" as {u}"))
            .unwrap_or_default();
        let sudo = if h.sudo { " (sudo -n)" } else { "" };
        let on = if steps.is_empty() {
            String::new()
        } else {
            format!(" — steps on it: {}", steps.join(", "))
        };
        let _ = writeln!(o, "  {label:<8}  {}: ssh {}{user}{sudo}{on}", h.name, h.ssh);
    }
}

fn window(o: &mut String, rb: &Runbook, clock: &SystemClock) {
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
        v @ crate::runbook::window::Verdict::Outside { .. } => {
            let reason = v
                .shut()
                .map(crate::engine::messages::shut)
                .unwrap_or_default();
            let local = v.local();
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
                "            `shisa run` refuses (exit {}) unless given --outside-window \"reason\"",
                crate::exit::Exit::Refused
            );
        }
    }
}
