//! A `use:` step: the steps of a fragment (`uses:`), inserted where the step stands, each
//! id prefixed with the step's (`drain/stop`; in a loop `roll[n1]/drain/stop`). The
//! fragment's parameters get their values from `with:` — templates read where the `use`
//! is written — or their defaults; each inserted step carries them (`Step::bound`).
//!
//! A fragment is read and linted on its own, with its own parameters as the only names
//! from outside, so that its errors point into its own file and it cannot silently read
//! a name that happens to exist in one runbook that uses it.

use std::collections::BTreeSet;

use super::diag::{Diagnostic, did_you_mean};
use super::fields::Cx;
use super::keys;
use super::model::{Binding, Param, Runbook, StepRef, When};
use super::names;
use super::node::{Node, Value};
use super::step_list::StepList;
use super::template::Template;

/// `use` inside `use` inside …: deeper than this is a runaway include, not a runbook.
const MAX_DEPTH: usize = 8;
/// Steps a runbook may have once every fragment is inserted.
const MAX_STEPS: usize = 20_000;

/// A mapping with `use` is a fragment's place, not a step.
pub fn is_use(node: &Node) -> bool {
    match &node.value {
        Value::Map(pairs) => pairs
            .iter()
            .any(|(k, _)| matches!(&k.value, Value::Scalar { text, .. } if text == "use")),
        _ => false,
    }
}

/// How a `steps:` list is read (`build_loop::steps`), handed in: a fragment's steps may
/// `use` fragments in turn.
pub type ReadSteps = fn(&mut Cx, &Node, &[Param]) -> StepList;

/// Reads a `use:` step and appends the fragment's steps to `list`.
pub fn use_step(
    cx: &mut Cx,
    node: &Node,
    in_loop: Option<&str>,
    list: &mut StepList,
    steps: ReadSteps,
) {
    let known: Vec<&str> = keys::USE.iter().chain(keys::STEP).copied().collect();
    let Some(f) = cx.map(node, "a `use` step", Some(&known)) else {
        return;
    };
    for (key, k, _) in f.pairs().filter(|(k, _, _)| !keys::USE.contains(k)) {
        cx.error(
            Diagnostic::error(
                k.pos,
                format!("`{key}` belongs on the fragment's steps, not on a `use` step"),
            )
            .width(key.len())
            .hint(format!("a `use` step takes {}", keys::USE.join(", "))),
        );
    }
    let id = match f.get("id") {
        Some(n) => {
            let id = cx.string(n, "`id`").unwrap_or_default();
            if let Some(d) = names::step_id(&id, n.pos, n.width()) {
                cx.error(d);
            }
            id
        }
        None => {
            cx.error(
                Diagnostic::error(f.pos, "this `use` step has no `id`").hint(
                    "add `id: short-name`: the fragment's steps are named `short-name/their-id`",
                ),
            );
            String::new()
        }
    };
    let Some(name_node) = f.get("use") else {
        return;
    };
    let Some(name) = cx.string(name_node, "`use`") else {
        return;
    };
    let lib = cx.lib.clone();
    let Some(entry) = lib.lookup(node.pos.file, &name) else {
        cx.error(
            Diagnostic::error(name_node.pos, format!("no fragment is called `{name}`"))
                .width(name_node.width())
                .hint(super::fragments::unknown_hint(&lib, node.pos.file, &name)),
        );
        return;
    };
    // A file that could not be read or that closes a circle is reported already.
    let Some(file) = entry.file.and_then(|i| lib.files.get(usize::from(i))) else {
        return;
    };
    if cx.use_depth >= MAX_DEPTH {
        cx.error(
            Diagnostic::error(
                name_node.pos,
                format!("fragments nest more than {MAX_DEPTH} deep here"),
            )
            .hint("a fragment that uses a fragment that uses …: flatten some of them"),
        );
        return;
    }
    cx.use_depth += 1;
    let fragment = fragment(cx, &file.node, steps);
    cx.use_depth -= 1;
    let Some((params, inner)) = fragment else {
        return;
    };
    let layer = bindings(cx, &f, &name, &file.shown, &params);
    if id.is_empty() {
        return;
    }
    let inside: BTreeSet<String> = inner.steps.iter().map(|s| s.id.clone()).collect();
    let renamed = |r: &StepRef| StepRef {
        id: if inside.contains(&r.id) {
            format!("{id}/{}", r.id)
        } else {
            r.id.clone()
        },
        pos: r.pos,
    };
    if list.steps.len() + inner.steps.len() > MAX_STEPS {
        cx.error(
            Diagnostic::error(
                name_node.pos,
                format!("with its fragments the runbook has more than {MAX_STEPS} steps"),
            )
            .hint("fragments used many times over multiply; split the runbook"),
        );
        return;
    }
    let offset = list.steps.len();
    list.broken.extend(inner.broken.iter().map(|b| b + offset));
    for mut s in inner.steps {
        s.id = format!("{id}/{}", s.id);
        s.in_loop = in_loop.map(str::to_string);
        s.closes = s.closes.as_ref().map(renamed);
        if let Some(c) = &mut s.when
            && let When::Choice { step, .. } = &mut c.test
        {
            *step = renamed(step);
        }
        s.bound.insert(0, layer.clone());
        list.steps.push(s);
    }
}

/// Reads a fragment file: its parameters and its steps (linted on their own).
fn fragment(cx: &mut Cx, root: &Node, steps: ReadSteps) -> Option<(Vec<Param>, StepList)> {
    let top = cx.map(root, "a fragment", Some(keys::FRAGMENT))?;
    cx.version(&top, "fragment");
    let params = match top.get("params") {
        Some(n) => super::build_params::params(cx, n),
        None => Vec::new(),
    };
    for p in &params {
        let odd = [
            (p.secret, "secret"),
            (p.list, "list"),
            (p.from_env.is_some(), "from_env"),
        ];
        if let Some((_, key)) = odd.iter().find(|(on, _)| *on) {
            cx.error(
                Diagnostic::error(p.pos, format!("fragment parameter `{}` has `{key}`", p.name))
                    .width(p.name.len())
                    .hint(format!("`{key}` belongs on the runbook's parameter that is passed in with `with:`; a fragment's parameter takes description, pattern, choices, deny, default")),
            );
        }
    }
    let Some(steps_node) = top.get("steps") else {
        cx.error(
            Diagnostic::error(top.pos, "the fragment has no `steps`")
                .hint("add `steps:` with the steps every `use` of it inserts"),
        );
        return None;
    };
    let list = steps(cx, steps_node, &params);
    for l in &list.loops {
        cx.error(
            Diagnostic::error(l.pos, "a fragment cannot hold a `for_each` block")
                .hint("put the `use` step inside the runbook's `for_each` block instead: the fragment then runs once per item"),
        );
    }
    // Linted alone: its parameters are the only names it may read from outside.
    let alone = Runbook {
        version: 1,
        params: params.clone(),
        steps: list.steps.clone(),
        ..Runbook::default()
    };
    super::build_limits::limit_params(cx, &alone);
    let mut diags = Vec::new();
    super::lint_vars::lint(&alone, &mut diags);
    for d in diags {
        cx.error(d);
    }
    Some((params, list))
}

/// The values of a fragment's parameters at one `use`: `with:`, then the defaults.
fn bindings(
    cx: &mut Cx,
    f: &super::fields::Fields<'_>,
    name: &str,
    shown: &str,
    params: &[Param],
) -> Vec<Binding> {
    let mut out = Vec::new();
    if let Some(with) = f.get("with")
        && let Some(w) = cx.map(with, "`with`", None)
    {
        for (key, k, v) in w.pairs() {
            let Some(p) = params.iter().find(|p| p.name == key) else {
                let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
                let hint = match did_you_mean(key, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if names.is_empty() => {
                        format!("fragment `{name}` ({shown}) has no parameters")
                    }
                    None => format!("fragment `{name}` ({shown}) takes: {}", names.join(", ")),
                };
                cx.error(
                    Diagnostic::error(k.pos, format!("fragment `{name}` has no parameter `{key}`"))
                        .width(key.len())
                        .hint(hint),
                );
                continue;
            };
            let Some(value) = cx.template(v, "a `with` value") else {
                continue;
            };
            // A value written out is checked now; one made of names, when the run knows them.
            if value.vars().next().is_none() {
                let text = value.render(&Default::default());
                if let Err(why) = super::params::check_value(p, &text) {
                    cx.error(
                        Diagnostic::error(
                            v.pos,
                            format!("`{key}` = {text:?} is refused by fragment `{name}`: {why}"),
                        )
                        .width(v.width()),
                    );
                }
            }
            out.push(Binding {
                name: key.to_string(),
                value,
                pos: v.pos,
            });
        }
    }
    for p in params {
        if out.iter().any(|b| b.name == p.name) {
            continue;
        }
        match &p.default {
            Some(d) => out.push(Binding {
                name: p.name.clone(),
                value: Template::literal(d),
                pos: p.pos,
            }),
            None => cx.error(
                Diagnostic::error(
                    f.pos,
                    format!("fragment `{name}` needs a value for `{}`", p.name),
                )
                .hint(format!(
                    "add `with: {{ {}: ... }}`; the parameter is declared in {shown}:{}",
                    p.name, p.pos.line
                )),
            ),
        }
    }
    out
}
