//! How operator values reach commands, as warnings: a secret as an argv element is readable
//! by every local user, an unquoted `$name` in a script is split and globbed, and a
//! whole-argv value with no `pattern` could be read as an option.

use std::collections::BTreeSet;

use super::diag::{Diagnostic, Pos};
use super::model::{Arg, Command, Param, Runbook, Step};
use super::script::expansions;

pub fn lint(rb: &Runbook, out: &mut Vec<Diagnostic>) {
    let values: BTreeSet<&str> = rb
        .params
        .iter()
        .map(|p| p.name.as_str())
        .chain(
            rb.steps
                .iter()
                .flat_map(|s| s.capture.iter().map(|c| c.name.as_str())),
        )
        .chain(rb.loops.iter().map(|l| l.var.as_str()))
        .collect();
    let mut unpatterned: BTreeSet<&str> = BTreeSet::new();
    for step in &rb.steps {
        for cmd in commands(step) {
            match cmd {
                Command::Argv { args, .. } => {
                    for arg in args.iter().skip(1) {
                        if let Arg::Var { name, pos } = arg {
                            secret_argv(rb, step, name, *pos, out);
                        }
                        if let Some((name, pos)) = arg.leading_value() {
                            argv_value(rb, step, name, pos, &mut unpatterned, out);
                        }
                    }
                }
                Command::Run {
                    script,
                    pos,
                    layout,
                } => {
                    for e in expansions(script).into_iter().filter(|e| e.split) {
                        if !values.contains(e.name) {
                            continue;
                        }
                        let braced = script.as_bytes().get(e.offset + 1) == Some(&b'{');
                        let quoted = if braced {
                            format!("\"${{{}}}\"", e.name)
                        } else {
                            format!("\"${}\"", e.name)
                        };
                        out.push(
                            Diagnostic::warning(
                                layout.pos(*pos, script, e.offset),
                                format!(
                                    "`${}` is not quoted: bash splits its value into words and expands globs in it",
                                    e.name
                                ),
                            )
                            .width(e.name.len() + if braced { 3 } else { 1 })
                            .hint(format!(
                                "write {quoted} so the value stays one argument whatever the operator typed"
                            )),
                        );
                    }
                }
            }
        }
    }
}

fn commands(step: &Step) -> impl Iterator<Item = &Command> {
    step.command
        .iter()
        .chain(step.target.iter().map(|t| &t.describe))
        .chain(
            step.target
                .iter()
                .flat_map(|t| &t.impact)
                .map(|i| &i.command),
        )
        .chain(step.checks().map(|c| &c.command))
}

/// The parameter behind a value a step reads: itself, or the list a loop item comes from.
fn param_of<'a>(rb: &'a Runbook, step: &Step, name: &str) -> Option<&'a Param> {
    // A loop's item is a value of its list parameter: the same rules hold for it.
    let list = step
        .in_loop
        .as_deref()
        .and_then(|id| rb.loops.iter().find(|l| l.id == id && l.var == name))
        .and_then(|l| rb.param(&l.list));
    rb.param(name).or(list)
}

/// A secret as a whole argv element.
fn secret_argv(rb: &Runbook, step: &Step, name: &str, pos: Pos, out: &mut Vec<Diagnostic>) {
    if !param_of(rb, step, name).is_some_and(|p| p.secret) {
        return;
    }
    // A warning, not an error: `run: tool "$name"` puts the secret on the same command
    // line and no lint can see it, so refusing only the visible form would push
    // authors to the hidden one; some tools take a token only as an argument.
    out.push(
        Diagnostic::warning(
            pos,
            format!(
                "secret `{name}` as a whole argv element is readable by every local user (`ps`, /proc/<pid>/cmdline) while step `{}` runs",
                step.id
            ),
        )
        .width(name.len() + 8)
        .hint(format!(
            "every command already gets it in its environment as `{name}`: have the tool read it from there, e.g. `run: TOOL_TOKEN=\"${name}\" tool`, or from stdin"
        )),
    );
}

/// A parameter at the start of an argv element: a value starting with `-` would be read
/// as an option, and the run refuses one unless the parameter's rules already do.
/// Captures are left alone: their regex already limits what they can be.
fn argv_value<'a>(
    rb: &'a Runbook,
    step: &Step,
    name: &str,
    pos: Pos,
    unpatterned: &mut BTreeSet<&'a str>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(p) = param_of(rb, step, name) else {
        return;
    };
    if p.secret || rules_out_dash(p) || !unpatterned.insert(&p.name) {
        return;
    }
    let whose = if p.name == name {
        format!("`{name}`")
    } else {
        format!("`{name}` (an item of `{}`)", p.name)
    };
    let message = if p.pattern.is_none() && p.choices.is_empty() {
        format!("{whose} fills a whole argv element but has no `pattern`")
    } else {
        format!("{whose} starts an argv element, and its `pattern` lets a value start with `-`")
    };
    out.push(
        Diagnostic::warning(pos, message)
            .width(name.len() + 8)
            .hint(format!(
                "a value starting with `-` could be read as an option, and the run refuses one; give `{}` a `pattern:` anchored with `^` whose first character cannot be `-` (e.g. '^[a-z0-9][a-z0-9-]*$') or `choices:`",
                p.name
            )),
    );
}

/// Whether parameter `p`'s own rules already refuse a value starting with `-`.
pub fn rules_out_dash(p: &Param) -> bool {
    let by_pattern = p
        .pattern
        .as_ref()
        .is_some_and(|pat| super::option_like::rules_out_leading_dash(&pat.source));
    let by_choices = !p.choices.is_empty() && p.choices.iter().all(|c| !c.starts_with('-'));
    by_pattern || by_choices
}

#[cfg(test)]
mod tests {
    use crate::runbook::{Diagnostic, load_str};

    fn warnings(text: &str) -> Vec<Diagnostic> {
        match load_str("t.yaml", text) {
            Ok(l) => l
                .warnings
                .into_iter()
                .filter(|d| !d.message.contains("never used"))
                .collect(),
            Err(r) => panic!("{}", r.render(false)),
        }
    }

    const HEAD: &str = "version: 1\nname: t\nparams:\n  host: { pattern: '^[a-z]+$' }\n  free: {}\n  tok: { secret: true, from_env: TOK }\nsteps:\n";

    #[test]
    fn unquoted_values_are_pointed_at_inside_a_block() {
        let text = format!(
            "{HEAD}  - id: a\n    kind: precheck\n    run: |\n      echo \"$host\" $HOME\n      ping -c1 $host\n"
        );
        let w = warnings(&text);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].message.starts_with("`$host` is not quoted"));
        assert_eq!((w[0].pos.line, w[0].pos.col), (12, 16));
    }

    #[test]
    fn secrets_and_unpatterned_values_in_argv_are_warned_about_once_each() {
        let text = format!(
            "{HEAD}  - id: a\n    kind: precheck\n    argv: [tool, '{{{{ tok }}}}', '{{{{ free }}}}', '{{{{ host }}}}']\n    verify: [ {{ argv: [tool, '{{{{ free }}}}'] }} ]\n"
        );
        let w = warnings(&text);
        let messages: Vec<&str> = w.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(w.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("secret `tok` as a whole argv element"));
        assert!(messages[1].starts_with("`free` fills a whole argv element"));
    }

    #[test]
    fn a_loop_item_is_held_to_its_lists_rules() {
        let loose = "version: 1\nname: t\nparams:\n  items: { list: true }\nsteps:\n  - id: r\n    for_each: { var: it, in: items }\n    steps:\n      - { id: a, kind: precheck, argv: [ls, '{{ it }}'] }\n      - { id: b, kind: precheck, run: ls $it }\n";
        let w = warnings(loose);
        let messages: Vec<&str> = w.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(w.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("`it` (an item of `items`) fills a whole argv element"));
        assert!(messages[1].starts_with("`$it` is not quoted"));
        let strict = loose.replace("{ list: true }", "{ list: true, pattern: '^n[0-9]$' }");
        let w = warnings(&strict);
        assert_eq!(w.len(), 1, "{w:?}");
    }
}
