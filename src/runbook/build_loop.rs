//! Reads `steps:`: each entry is a step or a `for_each` block. A block's steps are
//! flattened into the runbook's step list, in order, each naming its block in `in_loop`;
//! the block itself is kept in `Runbook.loops`. One level only: the journal names a step
//! of an iteration `loop[item]/step`, and a second level would make that name and the
//! rollback order ambiguous.

use super::build_step::step;
use super::build_use::{is_use, use_step};
use super::diag::{Diagnostic, Pos, did_you_mean};
use super::fields::Cx;
use super::keys;
use super::model::{Loop, Param};
use super::names;
use super::node::{Node, Value};

pub use super::step_list::StepList;

pub fn steps(cx: &mut Cx, node: &Node, params: &[Param]) -> StepList {
    let mut list = StepList {
        steps: Vec::new(),
        broken: Vec::new(),
        loops: Vec::new(),
    };
    let Some(items) = cx.seq(node, "`steps`") else {
        return list;
    };
    if items.is_empty() {
        cx.error(
            Diagnostic::error(node.pos, "`steps` is empty")
                .hint("a runbook needs at least one step"),
        );
    }
    // Where each loop variable was written, to refuse one that a capture also names.
    let mut vars: Vec<(String, Pos)> = Vec::new();
    for item in items {
        if is_loop(item) {
            if let Some(var) = block(cx, item, params, &mut list) {
                vars.push(var);
            }
        } else if is_use(item) {
            use_step(cx, item, None, &mut list, steps);
        } else {
            push_step(cx, item, None, &mut list);
        }
    }
    for (var, at) in vars {
        if let Some(s) = list
            .steps
            .iter()
            .find(|s| s.capture.iter().any(|c| c.name == var))
        {
            cx.error(
                Diagnostic::error(
                    at,
                    format!(
                        "loop variable `{var}` has the name of a capture of step `{}`",
                        s.id
                    ),
                )
                .width(var.len())
                .hint("inside the block the name would mean two values; rename one of them"),
            );
        }
    }
    list
}

/// A mapping with `for_each` or `steps` is a block, not a step (a step has neither key).
fn is_loop(node: &Node) -> bool {
    match &node.value {
        Value::Map(pairs) => pairs.iter().any(|(k, _)| {
            matches!(&k.value, Value::Scalar { text, .. } if text == "for_each" || text == "steps")
        }),
        _ => false,
    }
}

fn push_step(cx: &mut Cx, node: &Node, in_loop: Option<&str>, list: &mut StepList) {
    if let Some((mut s, kind_known)) = step(cx, node) {
        if !kind_known {
            list.broken.push(list.steps.len());
        }
        s.in_loop = in_loop.map(str::to_string);
        list.steps.push(s);
    }
}

/// Reads one block into `list`; returns its variable and where it was written.
fn block(cx: &mut Cx, node: &Node, params: &[Param], list: &mut StepList) -> Option<(String, Pos)> {
    // A step's keys are read too, to say where they belong rather than "unknown key".
    let known: Vec<&str> = keys::LOOP.iter().chain(keys::STEP).copied().collect();
    let f = cx.map(node, "a `for_each` block", Some(&known))?;
    for (key, k, _) in f.pairs().filter(|(k, _, _)| !keys::LOOP.contains(k)) {
        cx.error(
            Diagnostic::error(
                k.pos,
                format!("`{key}` belongs on a step, not on a `for_each` block"),
            )
            .width(key.len())
            .hint(format!(
                "a block takes {}; put `{key}` on the steps listed under its `steps:`",
                keys::LOOP.join(", ")
            )),
        );
    }
    let id = match f.get("id") {
        Some(n) => {
            let id = cx.string(n, "`id`");
            if let Some(d) = id
                .as_deref()
                .and_then(|id| names::step_id(id, n.pos, n.width()))
            {
                cx.error(d);
            }
            id.unwrap_or_default()
        }
        None => {
            cx.error(
                Diagnostic::error(f.pos, "this `for_each` block has no `id`")
                    .hint("add `id: short-name`, unique in the runbook; the journal names each pass `id[item]/step`"),
            );
            String::new()
        }
    };
    let title = f.get("title").and_then(|n| cx.template(n, "`title`"));
    let head = match f.get("for_each") {
        Some(n) => for_each(cx, n, params),
        None => {
            cx.error(
                Diagnostic::error(f.pos, format!("block `{id}` has `steps` but no `for_each`"))
                    .hint("add `for_each: { var: node, in: nodes }` (a list parameter), or list the steps directly under the runbook's `steps:`"),
            );
            None
        }
    };
    match f.get("steps") {
        None => cx.error(
            Diagnostic::error(f.pos, format!("`for_each` block `{id}` has no `steps`"))
                .hint("list the steps that run once per item under `steps:`"),
        ),
        Some(n) => {
            let items = cx.seq(n, "a block's `steps`").unwrap_or_default();
            if items.is_empty() && matches!(n.value, Value::Seq(_)) {
                cx.error(
                    Diagnostic::error(n.pos, format!("`for_each` block `{id}` has no steps"))
                        .hint("list the steps that run once per item under `steps:`"),
                );
            }
            for item in items {
                if is_loop(item) {
                    cx.error(
                        Diagnostic::error(item.pos, format!("a `for_each` block inside block `{id}`: loops nest one level only"))
                            .hint("run the inner loop's steps in a runbook of their own, or make the outer list's items carry what the inner loop would walk"),
                    );
                } else if is_use(item) {
                    use_step(cx, item, Some(&id), list, steps);
                } else {
                    push_step(cx, item, Some(&id), list);
                }
            }
        }
    }
    let (var, var_pos, list_name) = head.unwrap_or_default();
    list.loops.push(Loop {
        id,
        pos: f.pos,
        var: var.clone(),
        list: list_name,
        title,
    });
    (!var.is_empty()).then_some((var, var_pos))
}

/// `for_each: { var: node, in: nodes }`: the variable and the list parameter.
fn for_each(cx: &mut Cx, node: &Node, params: &[Param]) -> Option<(String, Pos, String)> {
    let f = cx.map(node, "`for_each`", Some(keys::FOR_EACH))?;
    let shape = "write `for_each: { var: node, in: nodes }`, where `nodes` is a parameter with `list: true`";
    let (Some(var_node), Some(in_node)) = (f.get("var"), f.get("in")) else {
        let missing = if f.has("var") { "in" } else { "var" };
        cx.error(Diagnostic::error(f.pos, format!("`for_each` has no `{missing}`")).hint(shape));
        return None;
    };
    let var = cx.string(var_node, "`var`");
    let list = cx.string(in_node, "`in`");
    let (var, list) = (var?, list?);
    if let Some(d) = names::env_name(&var, "loop variable", var_node.pos) {
        cx.error(d);
        return None;
    }
    if params.iter().any(|p| p.name == var) {
        cx.error(
            Diagnostic::error(var_node.pos, format!("loop variable `{var}` has the name of a parameter"))
                .width(var.len())
                .hint("inside the block the name would mean two values; name the item after one of them, e.g. `var: node, in: nodes`"),
        );
        return None;
    }
    match params.iter().find(|p| p.name == list) {
        None => {
            let names: Vec<&str> = params
                .iter()
                .filter(|p| p.list)
                .map(|p| p.name.as_str())
                .collect();
            let hint = match did_you_mean(&list, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if names.is_empty() => {
                    format!("declare it: `params: {{ {list}: {{ list: true, pattern: ... }} }}`")
                }
                None => format!("the list parameters are: {}", names.join(", ")),
            };
            cx.error(
                Diagnostic::error(
                    in_node.pos,
                    format!("`for_each` walks `{list}`, which is not a parameter"),
                )
                .width(in_node.width())
                .hint(hint),
            );
            // The variable itself is sound: its steps may use it, and only the real
            // error is reported (cold read: a second error called `var` unknown).
            Some((var, var_node.pos, String::new()))
        }
        Some(p) if !p.list => {
            cx.error(
                Diagnostic::error(in_node.pos, format!("`for_each` walks `{list}`, which is not a list parameter"))
                    .width(in_node.width())
                    .hint(format!("give parameter `{list}` `list: true`; its value is then one or more items (`-p {list}=a,b` or `-p {list}=a -p {list}=b`)")),
            );
            Some((var, var_node.pos, String::new()))
        }
        Some(_) => Some((var, var_node.pos, list)),
    }
}
