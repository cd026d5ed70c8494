//! Reads what judges a command — `expect:` (with `stdout_number`), `retry:` — and the
//! commands a step runs besides its own: `verify:` entries and `rollback:` entries (a
//! command, or `manual:` instructions).

use super::build_command::command;
use super::build_flow::{retry_and_wait, wait_until};
use super::diag::Diagnostic;
use super::fields::Cx;
use super::keys;
use super::model::{Check, Command, Compare, Expect, Layout, NumberCheck, Retry, Undo};
use super::node::Node;
use super::template::{Template, whole_var};

pub fn expect(cx: &mut Cx, node: &Node) -> Expect {
    let mut e = Expect::default();
    let Some(f) = cx.map(node, "`expect`", Some(keys::EXPECT)) else {
        return e;
    };
    if let Some(n) = f.get("exit") {
        e.exit = cx.int(n, "`exit`", 0..=255).map_or(0, |v| v as i32);
    }
    let mut templates = |key: &str| -> Vec<Template> {
        let Some(n) = f.get(key) else {
            return Vec::new();
        };
        cx.strings(n, &format!("`{key}`"))
            .into_iter()
            .filter_map(|(text, at)| cx.template_text(at, &text, &format!("`{key}`")))
            .collect()
    };
    e.stdout_contains = templates("stdout_contains");
    e.stdout_not_contains = templates("stdout_not_contains");
    e.stdout_equals = f
        .get("stdout_equals")
        .and_then(|n| cx.template(n, "`stdout_equals`"));
    e.stdout_matches = f
        .get("stdout_matches")
        .map(|n| cx.patterns_with_values(n, "`stdout_matches`"))
        .unwrap_or_default();
    e.stdout_number = f
        .get("stdout_number")
        .map(|n| numbers(cx, n))
        .unwrap_or_default();
    e
}

/// `stdout_number: { lt: '{{ size_before }}', ge: 0 }`: each bound is a number or one
/// whole `{{ name }}` whose value is read as a number when the check runs.
fn numbers(cx: &mut Cx, node: &Node) -> Vec<NumberCheck> {
    let Some(f) = cx.map(node, "`stdout_number`", Some(keys::NUMBER)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, _, value) in f.pairs() {
        let Some(op) = Compare::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| *c)
        else {
            continue;
        };
        let Some(text) = cx.string(value, &format!("`{name}`")) else {
            continue;
        };
        let template = if whole_var(&text).is_some() {
            cx.template_text(value, &text, &format!("`{name}`"))
        } else if is_number(&text) {
            Some(Template::literal(text.trim()))
        } else {
            cx.error(
                Diagnostic::error(value.pos, format!("`{name}: {text}` is not a number"))
                    .width(value.width())
                    .hint("write a number (`lt: 1024`, `ge: 0.5`) or one value to compare with, e.g. `lt: '{{ size_before }}'`"),
            );
            None
        };
        if let Some(value) = template {
            out.push(NumberCheck {
                op,
                value,
                pos: f.key_pos(name).unwrap_or(f.pos),
            });
        }
    }
    if let Some(at) = impossible(&out) {
        cx.error(
            Diagnostic::error(
                at,
                "no number can meet every comparison of this `stdout_number`",
            )
            .hint(
                "the check could never pass; compare `lt`/`le` with a larger number than `gt`/`ge`",
            ),
        );
    }
    if out.is_empty() && f.pairs().next().is_none() {
        cx.error(
            Diagnostic::error(node.pos, "`stdout_number` has no comparison")
                .hint("e.g. `stdout_number: { lt: '{{ size_before }}' }`; the operators are lt, le, gt, ge and eq"),
        );
    }
    out
}

/// Whether the literal comparisons (values given as numbers, not `{{ }}`) exclude every
/// number: the place of the last one if so. The numbers that could pass lie in one
/// interval; trying each bound, the points between them and one past each end finds it.
fn impossible(checks: &[NumberCheck]) -> Option<super::diag::Pos> {
    let literal: Vec<(Compare, f64)> = checks
        .iter()
        .filter(|c| c.value.vars().next().is_none())
        .filter_map(|c| {
            let v = c.value.to_string().trim().parse::<f64>().ok()?;
            Some((c.op, v))
        })
        .collect();
    if literal.len() < 2 {
        return None;
    }
    let mut points: Vec<f64> = literal.iter().map(|(_, v)| *v).collect();
    points.sort_by(f64::total_cmp);
    let mut tries = points.clone();
    tries.extend(points.windows(2).map(|w| (w[0] + w[1]) / 2.0));
    tries.push(points[0] - 1.0);
    tries.push(points[points.len() - 1] + 1.0);
    let possible = tries
        .iter()
        .any(|x| literal.iter().all(|(op, v)| op.holds(*x, *v)));
    (!possible).then(|| checks.last().map(|c| c.pos)).flatten()
}

fn is_number(text: &str) -> bool {
    text.trim().parse::<f64>().is_ok_and(f64::is_finite)
}

pub fn retry(cx: &mut Cx, node: &Node) -> Retry {
    let mut r = Retry::default();
    let Some(f) = cx.map(node, "`retry`", Some(keys::RETRY)) else {
        return r;
    };
    match f.get("attempts") {
        Some(n) => r.attempts = cx.int(n, "`attempts`", 1..=100).map_or(1, |v| v as u32),
        None => cx.error(
            Diagnostic::error(f.pos, "`retry` has no `attempts`")
                .hint("e.g. `retry: { attempts: 3, delay: 5s }`"),
        ),
    }
    if let Some(d) = f.get("delay").and_then(|n| cx.duration(n, "`delay`")) {
        r.delay = d;
    }
    r
}

pub fn verify(cx: &mut Cx, node: &Node) -> Vec<Check> {
    let Some(items) = cx.seq(node, "`verify`") else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let f = cx.map(item, "an entry of `verify`", Some(keys::CHECK))?;
            Some(check(cx, &f, "`verify`"))
        })
        .collect()
}

pub fn rollback(cx: &mut Cx, node: &Node) -> Vec<Undo> {
    let Some(items) = cx.seq(node, "`rollback`") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        let Some(f) = cx.map(item, "an entry of `rollback`", Some(keys::UNDO)) else {
            continue;
        };
        if let Some(n) = f.get("manual") {
            let others: Vec<&str> = f
                .pairs()
                .map(|(k, _, _)| k)
                .filter(|k| *k != "manual")
                .collect();
            if let Some(first) = others.first() {
                cx.error(
                    Diagnostic::error(f.key_pos(first).unwrap_or(f.pos), format!("a `manual:` rollback entry has `{first}` too"))
                        .width(first.len())
                        .hint("an entry is either instructions a person carries out (`- manual: ...`) or a command (`- run: ...`); write them as two entries"),
                );
                continue;
            }
            let text = if n.is_null() {
                None
            } else {
                cx.template(n, "`manual`")
            };
            match text.filter(|t| !t.to_string().trim().is_empty()) {
                Some(instructions) => out.push(Undo::Manual { instructions, pos: f.pos }),
                None => cx.error(
                    Diagnostic::error(n.pos, "a `manual:` rollback entry has no instructions")
                        .hint("say what the person does to undo the change and how they know it is undone"),
                ),
            }
            continue;
        }
        if let Some(at) = f.key_pos("wait_until") {
            cx.error(
                Diagnostic::error(at, "`wait_until` on a rollback entry is not allowed")
                    .width(10)
                    .hint("a rollback command runs once; to wait for the system to recover, put `wait_until` on a `verify:` entry"),
            );
        }
        let mut c = check(cx, &f, "`rollback`");
        c.wait_until = None;
        out.push(Undo::Run(c));
    }
    out
}

fn check(cx: &mut Cx, f: &super::fields::Fields<'_>, what: &str) -> Check {
    let command = command(cx, f, &format!("an entry of {what}"));
    if !f.has("run") && !f.has("argv") {
        let also = if what == "`rollback`" {
            ", or is `manual:` instructions"
        } else {
            ""
        };
        cx.error(
            Diagnostic::error(f.pos, format!("this entry of {what} has neither `run` nor `argv`"))
                .hint(format!("give the command as `run:` (a bash script) or `argv:` (a program and its arguments){also}")),
        );
    }
    let expect = f.get("expect").map(|n| expect(cx, n)).unwrap_or_default();
    let retry = f.get("retry").map(|n| retry(cx, n)).unwrap_or_default();
    let timeout = f.get("timeout").and_then(|n| cx.duration(n, "`timeout`"));
    let wait = f.get("wait_until").and_then(|n| wait_until(cx, n));
    if what == "`verify`"
        && f.has("wait_until")
        && let Some(at) = f.key_pos("retry")
    {
        cx.error(retry_and_wait(at));
    }
    // A check whose command was refused still counts as present, so the safety lint
    // does not add "has no verify" on top of the error already reported; a runbook
    // with any error never runs.
    let command = command.unwrap_or(Command::Run {
        script: String::new(),
        pos: f.pos,
        layout: Layout::Start,
    });
    Check {
        pos: f.pos,
        command,
        expect,
        retry,
        timeout,
        wait_until: wait,
        on: super::build_hosts::on(cx, f),
    }
}
