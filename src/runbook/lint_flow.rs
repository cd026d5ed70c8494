//! References between steps: what `when` tests and what `closes` undoes must
//! exist, come earlier, and be reachable from where the step runs — a top-level step
//! cannot read into a `for_each` block, whose steps run once per item.

use std::collections::BTreeMap;

use super::diag::{Diagnostic, Pos, did_you_mean};
use super::model::{Condition, Runbook, Step, StepKind, StepRef, When};
use super::params::check_value;

pub fn lint(rb: &Runbook, out: &mut Vec<Diagnostic>) {
    let mut closed_by: BTreeMap<&str, &str> = BTreeMap::new();
    for (i, step) in rb.steps.iter().enumerate() {
        if let Some(c) = &step.when {
            when(rb, i, step, c, out);
        }
        if let Some(r) = &step.closes {
            closes(rb, i, step, r, out);
            if let Some(first) = closed_by.insert(&r.id, &step.id) {
                out.push(
                    Diagnostic::error(
                        r.pos,
                        format!("`{}` is already closed by step `{first}`", r.id),
                    )
                    .width(r.id.len())
                    .hint("a change is undone once; remove one of the `closes`"),
                );
            }
        }
    }
}

/// Whether some `when` tests parameter `name` (so the parameter is used).
pub fn tests_param(rb: &Runbook, name: &str) -> bool {
    rb.steps.iter().any(|s| {
        matches!(&s.when, Some(Condition { test: When::Param { name: n, .. }, .. }) if n == name)
    })
}

fn when(rb: &Runbook, i: usize, step: &Step, c: &Condition, out: &mut Vec<Diagnostic>) {
    match &c.test {
        When::Param { name, equals } => param(rb, name, equals, c.pos, out),
        When::Capture { name, .. } => {
            let taken = rb
                .steps
                .iter()
                .position(|s| s.capture.iter().any(|cap| &cap.name == name));
            let Some(j) = taken else {
                let names = rb.steps[..i]
                    .iter()
                    .flat_map(|s| s.capture.iter().map(|c| c.name.as_str()));
                let hint = match did_you_mean(name, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "`when: { capture: }` names a value captured by an earlier step (`capture: { name: 'regex' }`)".into(),
                };
                out.push(
                    Diagnostic::error(
                        c.pos,
                        format!("`when` tests capture `{name}`, which no step captures"),
                    )
                    .hint(hint),
                );
                return;
            };
            order_and_scope(
                rb,
                i,
                step,
                j,
                &format!("capture `{name}`"),
                c.pos,
                name.len(),
                out,
            );
        }
        When::Choice { step: r, equals } => {
            let Some(j) = referenced(rb, r, "`when: { choice: }`", out, |s| {
                s.kind == StepKind::Manual && !s.choices.is_empty()
            }) else {
                return;
            };
            let chooser = &rb.steps[j];
            if chooser.kind != StepKind::Manual || chooser.choices.is_empty() {
                out.push(
                    Diagnostic::error(r.pos, format!("`when` tests the choice made at `{}`, which offers no choices", r.id))
                        .width(r.id.len())
                        .hint("a choice is made at a manual step with `choices: { key: label, ... }`; give it those, or test a capture"),
                );
                return;
            }
            if !order_and_scope(rb, i, step, j, "its choice", r.pos, r.id.len(), out) {
                return;
            }
            if !chooser.choices.iter().any(|o| &o.key == equals) {
                let keys: Vec<&str> = chooser.choices.iter().map(|o| o.key.as_str()).collect();
                let hint = match did_you_mean(equals, keys.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`? the choices are: {}", keys.join(", ")),
                    None => format!("the choices are: {}", keys.join(", ")),
                };
                out.push(
                    Diagnostic::error(
                        c.pos,
                        format!("`{}` does not offer the choice `{equals}`", r.id),
                    )
                    .hint(hint),
                );
            }
        }
    }
}

fn param(rb: &Runbook, name: &str, equals: &str, at: Pos, out: &mut Vec<Diagnostic>) {
    let Some(p) = rb.param(name) else {
        let hint = match rb.loops.iter().find(|l| l.var == name) {
            Some(l) => format!(
                "`{name}` is the item of block `{}`, not a parameter; to act on some items only, give the step a check that decides, or leave those items out of the list",
                l.id
            ),
            None => match did_you_mean(name, rb.params.iter().map(|p| p.name.as_str())) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "declare it under `params:`".into(),
            },
        };
        out.push(
            Diagnostic::error(
                at,
                format!("`when` tests parameter `{name}`, which is not declared"),
            )
            .hint(hint),
        );
        return;
    };
    let refusal = if p.secret {
        Some("`when` on a secret parameter would write its value into the runbook".to_string())
    } else if p.list {
        Some(format!(
            "`when` cannot test list parameter `{name}`: it holds several items"
        ))
    } else {
        check_value(p, equals).err().map(|why| {
            format!("`when: {{ param: {name}, equals: {equals} }}` can never hold: that value is refused ({why})")
        })
    };
    if let Some(message) = refusal {
        out.push(Diagnostic::error(at, message).hint(
            "test a value the parameter can take, or decide at a manual step with `choices:`",
        ));
    }
}

fn closes(rb: &Runbook, i: usize, step: &Step, r: &StepRef, out: &mut Vec<Diagnostic>) {
    let Some(j) = referenced(rb, r, "`closes`", out, |s| s.mutating) else {
        return;
    };
    if !order_and_scope(rb, i, step, j, "`closes`", r.pos, r.id.len(), out) {
        return;
    }
    let closed = &rb.steps[j];
    if closed.in_loop != step.in_loop {
        out.push(
            Diagnostic::error(r.pos, format!("step `{}` closes `{}`, which runs in another block", step.id, r.id))
                .width(r.id.len())
                .hint("a step closes a change made in the same `for_each` block (same item), or both are at the top level"),
        );
    } else if !closed.mutating {
        out.push(
            Diagnostic::error(
                r.pos,
                format!("`{}` changes nothing, so there is nothing to close", r.id),
            )
            .width(r.id.len())
            .hint("`closes` names an earlier mutating step whose change this step undoes"),
        );
    }
}

/// The index of the step `r` names; reports an unknown id (suggesting among the steps that
/// `fits`).
fn referenced(
    rb: &Runbook,
    r: &StepRef,
    what: &str,
    out: &mut Vec<Diagnostic>,
    fits: impl Fn(&Step) -> bool,
) -> Option<usize> {
    if let Some(j) = rb.step_index(&r.id) {
        return Some(j);
    }
    let hint = if rb.loops.iter().any(|l| l.id == r.id) {
        format!("`{}` is a `for_each` block; name one of its steps", r.id)
    } else {
        let ids = rb.steps.iter().filter(|s| fits(s)).map(|s| s.id.as_str());
        match did_you_mean(&r.id, ids) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("{what} names a step by its `id`"),
        }
    };
    out.push(
        Diagnostic::error(
            r.pos,
            format!("{what} names `{}`, which is not a step", r.id),
        )
        .width(r.id.len())
        .hint(hint),
    );
    None
}

/// Step `i` refers to step `j`: `j` must come earlier, and be at the top level or in the
/// same block as `i`. Reports and returns false otherwise.
#[allow(clippy::too_many_arguments)]
fn order_and_scope(
    rb: &Runbook,
    i: usize,
    step: &Step,
    j: usize,
    relation: &str,
    at: Pos,
    width: usize,
    out: &mut Vec<Diagnostic>,
) -> bool {
    let other = &rb.steps[j];
    if j >= i {
        let when = if j == i {
            "is this step itself"
        } else {
            "comes later"
        };
        out.push(
            Diagnostic::error(
                at,
                format!(
                    "step `{}` depends on `{}` ({relation}), which {when}",
                    step.id, other.id
                ),
            )
            .width(width)
            .hint("a step can only depend on steps that run before it; move it after them"),
        );
        return false;
    }
    match (&other.in_loop, &step.in_loop) {
        (Some(block), mine) if Some(block) != mine.as_ref() => {
            let from = match mine {
                Some(m) => format!("from block `{m}`"),
                None => "from the top level".into(),
            };
            out.push(
                Diagnostic::error(at, format!("step `{}` refers to `{}` ({relation}) inside `for_each` block `{block}` {from}", step.id, other.id))
                    .width(width)
                    .hint(format!("`{}` runs once per item, so outside its block it has no single result; move the step into block `{block}`", other.id)),
            );
            false
        }
        _ => true,
    }
}
