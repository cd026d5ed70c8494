//! Reads a step's control-flow keys: `when`, `choices`, `links`, `wait`,
//! `wait_until`, `closes`, `checkpoint`, `point_of_no_return`, `read_only`. What one step
//! can say about itself is checked here; references to other steps in `lint_flow.rs`.

use super::diag::Diagnostic;
use super::fields::{Cx, Fields};
use super::keys;
use super::model::{ChoiceOption, Condition, StepKind, StepRef, WaitUntil, When};
use super::names;
use super::node::{Node, Value};
use super::template::is_identifier;

/// The flow keys of one step, as read.
#[derive(Default)]
pub struct Flow {
    pub when: Option<Condition>,
    pub choices: Vec<ChoiceOption>,
    pub links: Vec<String>,
    pub wait: Option<std::time::Duration>,
    pub wait_until: Option<WaitUntil>,
    pub closes: Option<StepRef>,
    pub checkpoint: Option<String>,
    pub point_of_no_return: Option<String>,
    pub read_only: Option<String>,
}

/// What the rest of the step says, for the rules that depend on it.
pub struct StepFacts<'a> {
    pub id: &'a str,
    pub kind: StepKind,
    pub mutating: bool,
    /// Whether `mutating:` was written (an action is mutating unless it says otherwise).
    pub mutating_written: bool,
    /// The step's own `retry`, if it has one.
    pub retry_pos: Option<super::diag::Pos>,
}

/// Answers a manual prompt already takes in line mode: a choice with one of
/// these keys could not be told from them.
const RESERVED_CHOICES: &[&str] = &["done", "abort", "note"];

pub fn flow(cx: &mut Cx, f: &Fields<'_>, s: &StepFacts<'_>) -> Flow {
    let mut out = Flow {
        when: f.get("when").and_then(|n| when(cx, n)),
        links: f.get("links").map(|n| links(cx, n)).unwrap_or_default(),
        ..Flow::default()
    };
    if let Some(n) = f.get("choices") {
        out.choices = choices(cx, n);
        if s.kind != StepKind::Manual {
            cx.error(
                Diagnostic::error(key(f, "choices", n), format!("step `{}` has `choices` but is not a manual step", s.id))
                    .width(7)
                    .hint("a person answers `choices`: make the step `kind: manual` with `instructions:`, or decide with `when: { capture: ..., matches: ... }`"),
            );
        }
    }
    if let Some(n) = f.get("wait") {
        out.wait = cx.duration(n, "`wait`");
        if s.kind != StepKind::Manual {
            cx.error(
                Diagnostic::error(key(f, "wait", n), format!("`wait` applies only to manual steps, and `{}` is a {} step", s.id, s.kind.name()))
                    .width(4)
                    .hint("to poll a command until its expectations hold, use `wait_until: { every: 30s, deadline: 10m }`"),
            );
        }
    }
    if let Some(n) = f.get("wait_until") {
        out.wait_until = wait_until(cx, n);
        let at = key(f, "wait_until", n);
        if !matches!(s.kind, StepKind::Precheck | StepKind::Verify) {
            cx.error(
                Diagnostic::error(at, format!("`wait_until` on a {} step is not allowed", s.kind.name()))
                    .width(10)
                    .hint("only a check is polled: put `wait_until` on a `verify:` entry, or on a `precheck` or `verify` step"),
            );
        }
        if let Some(r) = s.retry_pos {
            cx.error(retry_and_wait(r));
        }
    }
    if let Some(n) = f.get("closes") {
        out.closes = closes(cx, n, s.id);
        if !s.mutating {
            cx.error(
                Diagnostic::error(key(f, "closes", n), format!("step `{}` changes nothing, so it cannot undo another step", s.id))
                    .width(6)
                    .hint("`closes` belongs on the step that reverts an earlier change (an action, or a manual step with `mutating: true`)"),
            );
        }
    }
    out.checkpoint = reason(cx, f, "checkpoint");
    if let Some(n) = f.get("point_of_no_return") {
        out.point_of_no_return = reason(cx, f, "point_of_no_return");
        if !s.mutating {
            cx.error(
                Diagnostic::error(
                    key(f, "point_of_no_return", n),
                    format!(
                        "step `{}` changes nothing, so it cannot be a point of no return",
                        s.id
                    ),
                )
                .width(18)
                .hint("put `point_of_no_return` on the step whose change cannot be rolled back"),
            );
        }
    }
    read_only(cx, f, s, &mut out);
    out
}

fn read_only(cx: &mut Cx, f: &Fields<'_>, s: &StepFacts<'_>, out: &mut Flow) {
    let declared_read_only = s.kind == StepKind::Action && !s.mutating;
    match f.get("read_only") {
        Some(n) => {
            out.read_only = reason(cx, f, "read_only");
            if !declared_read_only {
                cx.error(
                    Diagnostic::error(key(f, "read_only", n), "`read_only` belongs only on an action with `mutating: false`")
                        .width(9)
                        .hint(if s.kind == StepKind::Action {
                            "add `mutating: false` if this action changes nothing, or remove `read_only`"
                        } else {
                            "only actions are mutating by default; remove `read_only`"
                        }),
                );
            }
        }
        None if declared_read_only && s.mutating_written => cx.error(
            Diagnostic::error(
                f.key_pos("mutating").unwrap_or(f.pos),
                format!("action `{}` says `mutating: false` but not why", s.id),
            )
            .width(8)
            .hint("an action skips every safety guard once it is not mutating: add `read_only: \"why it changes nothing\"`, or make it a `precheck` or `verify` step"),
        ),
        None => {}
    }
}

/// Where a key was written, for errors about the key itself rather than its value.
fn key(f: &Fields<'_>, name: &str, value: &Node) -> super::diag::Pos {
    f.key_pos(name).unwrap_or(value.pos)
}

pub fn retry_and_wait(at: super::diag::Pos) -> Diagnostic {
    Diagnostic::error(at, "`retry` and `wait_until` on the same check")
        .width(5)
        .hint("`wait_until` already runs the check again until it holds or the deadline passes, and a poll that does not hold yet is not a failure to retry; keep `wait_until` and remove `retry`")
}

/// A non-empty reason, as `checkpoint`, `point_of_no_return` and `read_only` need. A plain
/// `true`, `yes` or number is a flag, not a reason: the plan, the export and the operator
/// would read "true" where they need to learn why.
fn reason(cx: &mut Cx, f: &Fields<'_>, key: &str) -> Option<String> {
    let node = f.get(key)?;
    if let Some(flag) = flag(node) {
        cx.error(
            Diagnostic::error(node.pos, format!("`{key}` needs a reason, not `{flag}`"))
                .width(node.width())
                .hint(format!(
                    "say why in words, e.g. `{key}: \"{}\"`; the reason is shown in `plan` and journaled",
                    example(key)
                )),
        );
        return None;
    }
    let text = if node.is_null() {
        None
    } else {
        cx.string(node, &format!("`{key}`"))
    };
    match text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) {
        Some(t) => Some(t),
        None => {
            // An empty value has no place of its own worth pointing at: point at the key.
            let at = if node.is_null() {
                f.key_pos(key).unwrap_or(node.pos)
            } else {
                node.pos
            };
            cx.error(
                Diagnostic::error(at, format!("`{key}` needs a reason"))
                    .width(if node.is_null() {
                        key.len()
                    } else {
                        node.width()
                    })
                    .hint(format!(
                        "write the reason as its value, e.g. `{key}: \"{}\"`",
                        example(key)
                    )),
            );
            None
        }
    }
}

/// A plain scalar YAML tools read as a boolean or a number, as written.
fn flag(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Scalar {
            text, plain: true, ..
        } if matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        ) || text.parse::<f64>().is_ok() =>
        {
            Some(text)
        }
        _ => None,
    }
}

fn example(key: &str) -> &'static str {
    match key {
        "checkpoint" => "the new primary serves traffic; rolling back past here is a new change",
        "point_of_no_return" => "the old cluster is unusable once the new server starts",
        _ => "only reads the cluster state",
    }
}

fn when(cx: &mut Cx, node: &Node) -> Option<Condition> {
    let f = cx.map(node, "`when`", Some(keys::WHEN))?;
    let subjects: Vec<&str> = ["param", "capture", "choice"]
        .into_iter()
        .filter(|k| f.has(k))
        .collect();
    let shape = "write `when: { param: P, equals: V }`, `{ capture: C, matches: REGEX }` or `{ choice: STEP, equals: KEY }`";
    let subject = match subjects.as_slice() {
        [one] => *one,
        [] => {
            cx.error(Diagnostic::error(f.pos, "`when` names nothing to test").hint(shape));
            return None;
        }
        [_, second, ..] => {
            cx.error(
                Diagnostic::error(
                    f.key_pos(second).unwrap_or(f.pos),
                    format!("`when` tests one thing; it has both `{}` and `{second}`", subjects[0]),
                )
                .width(second.len())
                .hint("one condition per step; to combine, put the steps in separate places or decide with a manual `choices` step"),
            );
            return None;
        }
    };
    let name_node = f.get(subject)?;
    let name = cx.string(name_node, &format!("`when: {{ {subject}: }}`"))?;
    let (wanted, other) = if subject == "capture" {
        ("matches", "equals")
    } else {
        ("equals", "matches")
    };
    if let Some(at) = f.key_pos(other) {
        let fix = if subject == "capture" {
            "a capture is tested with a regex: `matches: '^yes$'`"
        } else {
            "a parameter or a choice is tested for one value: `equals: VALUE`"
        };
        cx.error(
            Diagnostic::error(
                at,
                format!("`when: {{ {subject}: }}` takes `{wanted}`, not `{other}`"),
            )
            .width(other.len())
            .hint(fix),
        );
        return None;
    }
    let Some(value) = f.get(wanted) else {
        cx.error(
            Diagnostic::error(
                f.pos,
                format!("`when: {{ {subject}: {name} }}` has no `{wanted}`"),
            )
            .hint(shape),
        );
        return None;
    };
    let test = match subject {
        "param" => When::Param {
            name,
            equals: cx.string(value, "`equals`")?,
        },
        "capture" => When::Capture {
            name,
            matches: cx.pattern(value, "`matches`")?,
        },
        _ => When::Choice {
            step: StepRef {
                id: name,
                pos: name_node.pos,
            },
            equals: cx.string(value, "`equals`")?,
        },
    };
    Some(Condition { pos: f.pos, test })
}

fn choices(cx: &mut Cx, node: &Node) -> Vec<ChoiceOption> {
    let Some(f) = cx.map(node, "`choices`", None) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, k, v) in f.pairs() {
        if !is_identifier(key) {
            cx.error(
                Diagnostic::error(k.pos, format!("`{key}` cannot be a choice key"))
                    .width(key.chars().count())
                    .hint("the operator types the key (and `when: { choice: ..., equals: KEY }` names it): use letters, digits and `_`, not starting with a digit"),
            );
            continue;
        }
        if RESERVED_CHOICES.contains(&key) {
            cx.error(
                Diagnostic::error(k.pos, format!("`{key}` cannot be a choice key: it is already an answer at a manual step"))
                    .width(key.len())
                    .hint("the manual prompt accepts `done`, `abort` and `note <text>`; name the choice after what it decides, e.g. `proceed`"),
            );
            continue;
        }
        let label = if v.is_null() {
            None
        } else {
            cx.string(v, "a choice's label")
        };
        let Some(label) = label.filter(|l| !l.trim().is_empty()) else {
            cx.error(
                Diagnostic::error(k.pos, format!("choice `{key}` has no label")).hint(format!(
                    "say what choosing it means, e.g. `{key}: Defragment each member`"
                )),
            );
            continue;
        };
        out.push(ChoiceOption {
            key: key.to_string(),
            label,
            pos: k.pos,
        });
    }
    if f.pairs().next().is_none() {
        cx.error(
            Diagnostic::error(node.pos, "`choices` is empty")
                .hint("list the answers as `key: label`, e.g. `choices: { defrag: Defragment, stop: Stop here }`"),
        );
    }
    out
}

/// Links are drawn in the TUI and written into HTML exports: only web addresses, so that
/// no `javascript:` or `file:` link reaches a browser.
fn links(cx: &mut Cx, node: &Node) -> Vec<String> {
    let mut out = Vec::new();
    for (text, at) in cx.strings(node, "a link") {
        let scheme_ok = ["https://", "http://"].iter().any(|s| {
            text.get(..s.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(s))
        });
        let clean = !text.chars().any(|c| c.is_whitespace() || c.is_control());
        if scheme_ok && clean && text.len() > "https://".len() {
            out.push(text);
        } else {
            cx.error(
                Diagnostic::error(at.pos, format!("`{}` is not a web link", super::diag::printable(&text)))
                    .width(at.width())
                    .hint("a link is an `https://` (or `http://`) address with no spaces, e.g. 'https://grafana.example/d/etcd'"),
            );
        }
    }
    out
}

pub fn wait_until(cx: &mut Cx, node: &Node) -> Option<WaitUntil> {
    let f = cx.map(node, "`wait_until`", Some(keys::WAIT_UNTIL))?;
    let mut get = |k: &str| match f.get(k) {
        Some(n) => cx.duration(n, &format!("`{k}`")),
        None => {
            cx.error(
                Diagnostic::error(f.pos, format!("`wait_until` has no `{k}`"))
                    .hint("e.g. `wait_until: { every: 30s, deadline: 2h }`: poll every 30 s, fail after 2 h"),
            );
            None
        }
    };
    let every = get("every");
    let deadline = get("deadline");
    let (every, deadline) = (every?, deadline?);
    if every.is_zero() {
        cx.error(
            Diagnostic::error(
                f.get("every").map_or(f.pos, |n| n.pos),
                "`every` cannot be zero",
            )
            .hint("a poll without a pause hammers the system it watches; e.g. `every: 5s`"),
        );
        return None;
    }
    if deadline <= every {
        cx.error(
            Diagnostic::error(f.get("deadline").map_or(f.pos, |n| n.pos), "`deadline` is not longer than `every`, so there would be one poll")
                .hint("a deadline is how long to keep polling, e.g. `{ every: 30s, deadline: 2h }`; for one try, drop `wait_until`"),
        );
        return None;
    }
    Some(WaitUntil { every, deadline })
}

fn closes(cx: &mut Cx, node: &Node, own: &str) -> Option<StepRef> {
    let id = cx.string(node, "`closes`")?;
    if let Some(d) = names::step_id(&id, node.pos, node.width()) {
        cx.error(d);
        return None;
    }
    if id == own {
        cx.error(
            Diagnostic::error(node.pos, format!("step `{own}` closes itself"))
                .width(node.width())
                .hint("`closes` names the earlier step whose change this step undoes"),
        );
        return None;
    }
    Some(StepRef { id, pos: node.pos })
}
