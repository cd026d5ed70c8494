//! Reads `params:` (of a runbook or of a fragment): each parameter's rules, checked.

use super::diag::Diagnostic;
use super::fields::Cx;
use super::keys;
use super::model::Param;
use super::names;
use super::node::Node;
use super::template::is_identifier;

pub fn params(cx: &mut Cx, node: &Node) -> Vec<Param> {
    let Some(map) = cx.map(node, "`params`", None) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, key, value) in map.pairs() {
        if let Some(d) = names::env_name(name, "parameter", key.pos) {
            cx.error(d);
            continue;
        }
        let mut p = Param {
            name: name.to_string(),
            pos: key.pos,
            description: None,
            pattern: None,
            choices: Vec::new(),
            deny: Vec::new(),
            secret: false,
            from_env: None,
            default: None,
            list: false,
        };
        if !value.is_null() {
            let what = format!("parameter `{name}`");
            let Some(f) = cx.map(value, &what, Some(keys::PARAM)) else {
                continue;
            };
            p.description = f
                .get("description")
                .and_then(|n| cx.string(n, "`description`"));
            p.pattern = f.get("pattern").and_then(|n| cx.pattern(n, "`pattern`"));
            p.choices = f
                .get("choices")
                .map(|n| {
                    cx.strings(n, "a choice")
                        .into_iter()
                        .map(|(s, _)| s)
                        .collect()
                })
                .unwrap_or_default();
            p.deny = f
                .get("deny")
                .map(|n| cx.patterns(n, "a `deny` pattern"))
                .unwrap_or_default();
            p.secret = f
                .get("secret")
                .and_then(|n| cx.bool(n, "`secret`"))
                .unwrap_or(false);
            p.from_env = f.get("from_env").and_then(|n| cx.string(n, "`from_env`"));
            if let Some(n) = f.get("list") {
                p.list = cx.bool(n, "`list`").unwrap_or(false);
                if p.list && p.secret {
                    cx.error(
                        Diagnostic::error(n.pos, format!("parameter `{name}` is both a list and a secret"))
                            .width(n.width())
                            .hint("each item of a list is shown as the loop runs, in the journal's step names and on screen; keep secrets in a parameter of their own"),
                    );
                }
            }
            if let Some(n) = f.get("default") {
                if p.secret {
                    cx.error(
                        Diagnostic::error(
                            n.pos,
                            format!("secret parameter `{name}` has a default"),
                        )
                        .hint(
                            "a secret written in the runbook is no secret; use `from_env:` instead",
                        ),
                    );
                }
                p.default = cx.string(n, "`default`");
            }
            if let (Some(env), Some(n)) = (&p.from_env, f.get("from_env"))
                && !is_identifier(env)
            {
                cx.error(
                    Diagnostic::error(
                        n.pos,
                        format!("`{env}` is not an environment variable name"),
                    )
                    .width(n.width())
                    .hint("name the variable the value is read from: letters, digits and `_`, not starting with a digit (e.g. `from_env: API_TOKEN`)"),
                );
            }
        }
        out.push(p);
    }
    out
}
