//! Reads `environments:`: the names `run --env` takes, and which of them need a rehearsal
//! elsewhere first (`production: { needs_rehearsal: staging, within: 14d }`). Every
//! `needs_rehearsal` must name another entry, and following them must never come back to
//! where it began: a cycle would make every environment in it wait for the others forever.

use super::diag::{Diagnostic, Pos, did_you_mean};
use super::duration;
use super::fields::Cx;
use super::keys;
use super::model::{Environment, Rehearsal};
use super::node::Node;

/// What a name must look like: it is typed after `--env`, journaled and shown in headers.
const NAME_MAX: usize = 40;

pub fn environments(cx: &mut Cx, node: &Node) -> Vec<Environment> {
    let Some(map) = cx.map(node, "`environments`", None) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // Where each `needs_rehearsal` value was written, for the checks across entries.
    let mut needs_at: Vec<(String, Pos, usize)> = Vec::new();
    for (name, key, value) in map.pairs() {
        if let Some(d) = bad_name(name, key.pos) {
            cx.error(d);
            continue;
        }
        let mut env = Environment {
            name: name.to_string(),
            pos: key.pos,
            rehearsal: None,
        };
        if !value.is_null() {
            let what = format!("environment `{name}`");
            let Some(f) = cx.map(value, &what, Some(keys::ENVIRONMENT)) else {
                continue;
            };
            let needs = f.get("needs_rehearsal").and_then(|n| {
                let s = cx.string(n, "`needs_rehearsal`")?;
                needs_at.push((name.to_string(), n.pos, n.width()));
                Some(s)
            });
            let within = f.get("within").and_then(|n| period(cx, n));
            match (needs, f.get("within"), f.get("needs_rehearsal")) {
                (Some(env_name), _, _) if f.has("within") => {
                    // A bad `within` was reported where it was read.
                    if let Some(within) = within {
                        env.rehearsal = Some(Rehearsal {
                            env: env_name,
                            within,
                        });
                    }
                }
                (Some(_), _, _) => cx.error(
                    Diagnostic::error(
                        f.pos,
                        format!("environment `{name}` needs a rehearsal but says not how recent"),
                    )
                    .hint("add `within: 14d`: a rehearsal older than that is no evidence for this run"),
                ),
                (None, Some(w), None) => cx.error(
                    Diagnostic::error(w.pos, format!("`within` in environment `{name}` has no `needs_rehearsal`"))
                        .width(w.width())
                        .hint("`within` is how recent the rehearsal must be; name where it happens with `needs_rehearsal: staging`"),
                ),
                _ => {}
            }
        }
        out.push(env);
    }
    check_needs(cx, &out, &needs_at);
    out
}

/// `within`: a period that may count days.
fn period(cx: &mut Cx, node: &Node) -> Option<std::time::Duration> {
    let text = cx.string(node, "`within`")?;
    match duration::parse_period(&text) {
        Ok(d) => Some(d),
        Err(msg) => {
            cx.error(
                Diagnostic::error(node.pos, format!("`within`: {msg}"))
                    .width(node.width())
                    .hint("a period looks like `14d`, `36h` or `1d12h`"),
            );
            None
        }
    }
}

/// Lower-case letters, digits, `-` and `_`, starting with a letter: a word for a command
/// line and a header.
fn bad_name(name: &str, at: Pos) -> Option<Diagnostic> {
    let ok = name.len() <= NAME_MAX
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    (!ok).then(|| {
        Diagnostic::error(at, format!("`{}` cannot be an environment name", super::diag::printable(name)))
            .width(name.chars().count())
            .hint(format!(
                "use lower-case letters, digits, `-` and `_`, starting with a letter, at most {NAME_MAX} characters (e.g. `staging`, `prod-eu`)"
            ))
    })
}

/// Each `needs_rehearsal` names another environment, and no chain of them is a circle.
fn check_needs(cx: &mut Cx, envs: &[Environment], needs_at: &[(String, Pos, usize)]) {
    let names = || envs.iter().map(|e| e.name.as_str());
    let at = |env: &str| needs_at.iter().find(|(n, _, _)| n == env);
    for e in envs {
        let (Some(r), Some((_, pos, width))) = (&e.rehearsal, at(&e.name)) else {
            continue;
        };
        if r.env == e.name {
            cx.error(
                Diagnostic::error(*pos, format!("environment `{}` needs a rehearsal in itself", e.name))
                    .width(*width)
                    .hint("a run is no rehearsal for itself: name the environment it is tried in first, e.g. `needs_rehearsal: staging`"),
            );
            continue;
        }
        if !names().any(|n| n == r.env) {
            let hint = match did_you_mean(&r.env, names()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "add `{}: {{}}` to `environments`, or name one of: {}",
                    r.env,
                    names().collect::<Vec<_>>().join(", ")
                ),
            };
            cx.error(
                Diagnostic::error(
                    *pos,
                    format!("environment `{}` needs a rehearsal in `{}`, which `environments` does not name", e.name, r.env),
                )
                .width(*width)
                .hint(hint),
            );
            continue;
        }
        // Follow the chain from here; coming back to `e` is a circle. Reported once, at
        // its first member in the file.
        let mut path = vec![e.name.as_str()];
        let mut next = Some(r.env.as_str());
        while let Some(n) = next {
            if n == e.name {
                let first = path
                    .iter()
                    .filter_map(|p| envs.iter().position(|x| x.name == *p))
                    .min();
                if first == envs.iter().position(|x| x.name == e.name) {
                    path.push(n);
                    cx.error(
                        Diagnostic::error(*pos, format!("the rehearsals go round in a circle: {}", path.join(" → ")))
                            .width(*width)
                            .hint("each of these waits for evidence from the next, so none could ever run; the first environment in the chain needs no rehearsal"),
                    );
                }
                break;
            }
            if path.contains(&n) {
                break;
            }
            path.push(n);
            next = envs
                .iter()
                .find(|x| x.name == n)
                .and_then(|x| x.rehearsal.as_ref())
                .map(|r| r.env.as_str());
        }
    }
}
