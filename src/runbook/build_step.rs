//! Reads one step: its kind, command, target, approval and waivers; expectations, verify
//! and rollback come from `build_check.rs`, the control-flow keys from `build_flow.rs`.

use std::collections::BTreeMap;

use super::build_check::{expect, retry, rollback, verify};
use super::build_command::{argv_command, command, run_script};
use super::build_flow::{StepFacts, flow};
use super::diag::Diagnostic;
use super::fields::Cx;
use super::keys;
use super::model::{
    Approval, ApproverGroup, Capture, Confirm, Guard, Impact, Limit, OnFailure, Step, StepKind,
    Target, Waiver, is_group_name,
};
use super::names;
use super::node::{Node, Value};
use super::target::MAX_AT_MOST;
use super::template::Template;

/// Returns the step and whether its kind was readable.
pub fn step(cx: &mut Cx, node: &Node) -> Option<(Step, bool)> {
    let f = cx.map(node, "a step", Some(keys::STEP))?;
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
                Diagnostic::error(f.pos, "this step has no `id`")
                    .hint("add `id: short-name`, unique in the runbook"),
            );
            String::new()
        }
    };
    let (kind, kind_pos) = match f.get("kind") {
        Some(n) => {
            let text = cx.string(n, "`kind`").unwrap_or_default();
            let kind = StepKind::ALL
                .iter()
                .find(|(name, _)| *name == text)
                .map(|(_, k)| *k);
            if kind.is_none() && !text.is_empty() {
                let names: Vec<&str> = StepKind::ALL.iter().map(|(n, _)| *n).collect();
                let hint = match super::diag::did_you_mean(&text, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("a step kind is one of: {}", names.join(", ")),
                };
                cx.error(
                    Diagnostic::error(n.pos, format!("unknown step kind `{text}`"))
                        .width(n.width())
                        .hint(hint),
                );
            }
            (kind, n.pos)
        }
        None => {
            cx.error(
                Diagnostic::error(f.pos, format!("step `{id}` has no `kind`"))
                    .hint("add `kind:` precheck, snapshot, action, verify or manual"),
            );
            (None, f.pos)
        }
    };
    let kind_known = kind.is_some();
    let kind = kind.unwrap_or(StepKind::Action);
    let title = f
        .get("title")
        .and_then(|n| cx.template(n, "`title`"))
        .unwrap_or_else(|| Template::literal(&id));
    let instructions = f
        .get("instructions")
        .and_then(|n| cx.template(n, "`instructions`"));
    let command = command(cx, &f, &format!("step `{id}`"));
    if kind == StepKind::Manual {
        if let Some(c) = &command {
            cx.error(
                Diagnostic::error(c.pos(), format!("manual step `{id}` has a command"))
                    .hint("a manual step is done by a person: give it `instructions:`, or make it an `action`"),
            );
        }
        for key in ["timeout", "retry"] {
            if let Some(at) = f.key_pos(key) {
                cx.error(
                    Diagnostic::error(at, format!("`{key}` on manual step `{id}` would be ignored: it has no command"))
                        .width(key.len())
                        .hint("a person is not timed out or retried; for a minimum time before `done` is accepted, write `wait: 30m`"),
                );
            }
        }
        if instructions.is_none() {
            cx.error(
                Diagnostic::error(f.pos, format!("manual step `{id}` has no `instructions`"))
                    .hint("say what the person must do and how they know it is done"),
            );
        }
    } else if command.is_none() && !f.has("run") && !f.has("argv") {
        cx.error(
            Diagnostic::error(f.pos, format!("step `{id}` has neither `run` nor `argv`"))
                .hint("give the command as `run:` (a bash script) or `argv:` (a program and its arguments)"),
        );
    }
    let default_mutating = kind == StepKind::Action;
    let mutating = match f.get("mutating") {
        Some(n) => {
            let m = cx.bool(n, "`mutating`").unwrap_or(default_mutating);
            if m && matches!(
                kind,
                StepKind::Precheck | StepKind::Verify | StepKind::Snapshot
            ) {
                cx.error(
                    Diagnostic::error(n.pos, format!("a {} step cannot be mutating", kind.name()))
                        .width(n.width())
                        .hint(
                            "a step that changes something is an `action` (or a `manual` step with `mutating: true`)",
                        ),
                );
            }
            m
        }
        None => default_mutating,
    };
    let expect = f.get("expect").map(|n| expect(cx, n)).unwrap_or_default();
    let capture = f
        .get("capture")
        .map(|n| captures(cx, n))
        .unwrap_or_default();
    let target = f.get("target").and_then(|n| target(cx, n));
    let approval = f
        .get("approval")
        .map(|n| approval(cx, n))
        .unwrap_or(Approval::None);
    let timeout = f.get("timeout").and_then(|n| cx.duration(n, "`timeout`"));
    let retry = f.get("retry").map(|n| retry(cx, n)).unwrap_or_default();
    let verify = f.get("verify").map(|n| verify(cx, n)).unwrap_or_default();
    let rollback = f
        .get("rollback")
        .map(|n| rollback(cx, n))
        .unwrap_or_default();
    let waive = f.get("waive").map(|n| waivers(cx, n)).unwrap_or_default();
    let on_failure = match f.get("on_failure") {
        None => OnFailure::Ask,
        Some(n) => match cx.string(n, "`on_failure`").as_deref() {
            Some("continue") => OnFailure::AllowContinue,
            Some("rollback") | None => OnFailure::Ask,
            Some(other) => {
                cx.error(
                    Diagnostic::error(n.pos, format!("`on_failure: {other}` is not known"))
                        .width(n.width())
                        .hint("use `continue` to let the operator go on past this step's failure, or `rollback` (the default)"),
                );
                OnFailure::Ask
            }
        },
    };
    let allow_override = match f.get("allow_override") {
        None => false,
        Some(n) => {
            let v = cx.bool(n, "`allow_override`").unwrap_or(false);
            if v && kind != StepKind::Precheck {
                cx.error(
                    Diagnostic::error(n.pos, "`allow_override` applies only to precheck steps")
                        .hint("other steps offer rollback, retry and abort when they fail"),
                );
            }
            v
        }
    };
    let flow = flow(
        cx,
        &f,
        &StepFacts {
            id: &id,
            kind,
            mutating,
            mutating_written: f.has("mutating"),
            retry_pos: f.key_pos("retry"),
        },
    );
    Some((
        Step {
            id,
            pos: f.pos,
            kind,
            kind_pos,
            title,
            instructions,
            command,
            mutating,
            expect,
            capture,
            target,
            approval,
            timeout,
            retry,
            verify,
            rollback,
            waive,
            on_failure,
            allow_override,
            in_loop: None,
            bound: Vec::new(),
            iteration: None,
            when: flow.when,
            choices: flow.choices,
            links: flow.links,
            wait: flow.wait,
            wait_until: flow.wait_until,
            closes: flow.closes,
            checkpoint: flow.checkpoint,
            point_of_no_return: flow.point_of_no_return,
            read_only: flow.read_only,
            on: super::build_hosts::on(cx, &f),
        },
        kind_known,
    ))
}

fn captures(cx: &mut Cx, node: &Node) -> Vec<Capture> {
    let Some(f) = cx.map(node, "`capture`", None) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, key, value) in f.pairs() {
        if let Some(d) = names::env_name(name, "capture", key.pos) {
            cx.error(d);
            continue;
        }
        let what = format!("capture `{name}`");
        let (regex, secret) = match &value.value {
            super::node::Value::Map(_) => {
                let Some(c) = cx.map(value, &what, Some(keys::CAPTURE)) else {
                    continue;
                };
                let secret = c
                    .get("secret")
                    .and_then(|n| cx.bool(n, "`secret`"))
                    .unwrap_or(false);
                let Some(regex) = c.get("regex") else {
                    cx.error(
                        Diagnostic::error(c.pos, format!("{what} has no `regex`")).hint(
                            "write `{ regex: '^(\\S+)$', secret: true }`: group 1 is the value",
                        ),
                    );
                    continue;
                };
                (regex, secret)
            }
            _ => (value, false),
        };
        if let Some(pattern) = cx.pattern(regex, &what) {
            out.push(Capture {
                name: name.to_string(),
                pos: key.pos,
                pattern,
                secret,
            });
        }
    }
    out
}

fn target(cx: &mut Cx, node: &Node) -> Option<Target> {
    let f = cx.map(node, "`target`", Some(keys::TARGET))?;
    let describe = match f.get("describe") {
        None => {
            cx.error(Diagnostic::error(f.pos, "`target` has no `describe`").hint(
                "`describe:` asks the system what will really be touched, e.g. `orgctl describe --id \"$ou_id\"`",
            ));
            None
        }
        Some(n) if matches!(n.value, Value::Seq(_)) => argv_command(cx, n),
        Some(n) => run_script(cx, n, "`describe`"),
    };
    let capture = f
        .get("capture")
        .and_then(|n| cx.pattern(n, "target `capture`"));
    if let Some(c) = capture.as_ref().filter(|c| c.regex.captures_len() == 1) {
        cx.error(
            Diagnostic::warning(
                c.pos,
                "the target `capture` has no group, so the whole match is the target",
            )
            .width(c.source.chars().count() + 2)
            .hint("put the part the operator types back in (parentheses), e.g. 'Name:\\s*(\\S+)'"),
        );
    }
    let must_match = f
        .get("must_match")
        .and_then(|n| cx.pattern_with_values(n, "`must_match`"));
    let deny = f
        .get("deny")
        .map(|n| cx.patterns_with_values(n, "a target `deny` pattern"))
        .unwrap_or_default();
    let confirm = f.get("confirm").map(|n| confirm(cx, n)).unwrap_or_default();
    let impact = f.get("impact").and_then(|n| impact(cx, n));
    Some(Target {
        pos: f.pos,
        describe: describe?,
        on: super::build_hosts::on(cx, &f),
        capture,
        must_match,
        deny,
        confirm,
        impact,
    })
}

fn confirm(cx: &mut Cx, node: &Node) -> Confirm {
    let text = cx.string(node, "`confirm`").unwrap_or_default();
    match Confirm::ALL.iter().find(|(name, _)| *name == text) {
        Some((_, c)) => *c,
        None => {
            cx.error(
                Diagnostic::error(node.pos, format!("`confirm: {text}` is not known"))
                    .width(node.width())
                    .hint("write `confirm: blind` (name the intended target first, from the ticket) or `confirm: echo` (type back what is shown; the default)"),
            );
            Confirm::Echo
        }
    }
}

fn impact(cx: &mut Cx, node: &Node) -> Option<Impact> {
    let f = cx.map(node, "`impact`", Some(keys::IMPACT))?;
    let command = command(cx, &f, "`impact`");
    if command.is_none() && !f.has("run") && !f.has("argv") {
        cx.error(
            Diagnostic::error(f.pos, "`impact` has no command").hint(
                "add `run:` or `argv:`: a read-only command that prints how many things the step touches, e.g. `run: orgctl count-accounts --under \"$ou_id\"`",
            ),
        );
    }
    let at_most = match f.get("at_most") {
        Some(n) => limit(cx, n),
        None => {
            cx.error(Diagnostic::error(f.pos, "`impact` has no `at_most`").hint(
                "add `at_most: N`: the most this step may touch; above it the step is refused, with no override",
            ));
            None
        }
    };
    Some(Impact {
        pos: f.pos,
        command: command?,
        at_most: at_most?,
    })
}

/// `at_most: 3`, or `at_most: '{{ max_accounts }}'` (whether the parameter exists and
/// what it may hold is checked once every parameter is known: `build::limit_params`).
fn limit(cx: &mut Cx, node: &Node) -> Option<Limit> {
    if let Value::Scalar {
        text, plain: false, ..
    } = &node.value
    {
        return match super::template::whole_var(text) {
            Some(name) => Some(Limit::Param {
                name: name.to_string(),
                pos: node.pos,
            }),
            None => {
                cx.error(
                    Diagnostic::error(node.pos, format!("`at_most: '{text}'` is neither a number nor one parameter"))
                        .width(node.width())
                        .hint("write a whole number (`at_most: 3`), or the one parameter that holds it (`at_most: '{{ max_accounts }}'`)"),
                );
                None
            }
        };
    }
    let n = cx.int(node, "`at_most`", 0..=MAX_AT_MOST as i64)?;
    u64::try_from(n).ok().map(Limit::Fixed)
}

fn approval(cx: &mut Cx, node: &Node) -> Approval {
    if let Value::Scalar { text, .. } = &node.value {
        return match text.as_str() {
            "required" => Approval::REQUIRED,
            "none" => Approval::None,
            other => {
                cx.error(
                    Diagnostic::error(node.pos, format!("`approval: {other}` is not known")).width(node.width()).hint(
                        "write `approval: required`, `approval: { reviewers: 2, group: dba }`, or `approval: { allow_self: true }` to let the operator approve",
                    ),
                );
                Approval::None
            }
        };
    }
    let Some(f) = cx.map(node, "`approval`", Some(keys::APPROVAL)) else {
        return Approval::None;
    };
    let allow_self = f
        .get("allow_self")
        .and_then(|n| cx.bool(n, "`allow_self`"))
        .unwrap_or(false);
    let required = f
        .get("required")
        .and_then(|n| cx.bool(n, "`required`"))
        .unwrap_or(true);
    // More than a handful of distinct people for one step is a typo, not a policy; a
    // bound also keeps the count a small number everywhere it is shown.
    let reviewers = f
        .get("reviewers")
        .and_then(|n| {
            let v = cx.int(n, "`approval.reviewers`", i64::MIN..=i64::MAX)?;
            if (1..=MAX_REVIEWERS).contains(&v) {
                return Some(v as u32);
            }
            cx.error(
                Diagnostic::error(n.pos, format!("`approval.reviewers` is {v}; it must be from 1 to {MAX_REVIEWERS}"))
                    .width(n.width())
                    .hint("the number of distinct people who must approve, e.g. `reviewers: 2`; for none, leave `approval` out"),
            );
            None
        })
        .unwrap_or(1);
    let group = f.get("group").and_then(|n| {
        let name = cx.string(n, "`approval.group`")?;
        let group = ApproverGroup {
            text: name.clone(),
            pos: n.pos,
        };
        // `{{ param }}` is checked against the declared parameters once they are all known
        // (`build::approver_params`), its value when a run starts.
        if group.param().is_some() || is_group_name(&name) {
            Some(group)
        } else {
            cx.error(
                Diagnostic::error(n.pos, format!("`{name}` is not a group name"))
                    .width(n.width())
                    .hint("a group as the host's group database spells it: letters, digits, `_`, `-` and `.`, starting with a letter or `_`, at most 32 characters, e.g. `group: dba`; or a parameter, `group: '{{ approvers }}'`"),
            );
            None
        }
    });
    if required {
        Approval::Required {
            allow_self,
            reviewers,
            group,
        }
    } else {
        Approval::None
    }
}

/// The most distinct approvers a step may ask for.
const MAX_REVIEWERS: i64 = 9;

fn waivers(cx: &mut Cx, node: &Node) -> BTreeMap<Guard, Waiver> {
    let mut out = BTreeMap::new();
    let Some(f) = cx.map(node, "`waive`", Some(keys::WAIVE)) else {
        return out;
    };
    for (name, key, value) in f.pairs() {
        let Some(guard) = Guard::ALL.iter().find(|(n, _)| *n == name).map(|(_, g)| *g) else {
            continue;
        };
        let reason = if value.is_null() {
            None
        } else {
            cx.string(value, "a waiver reason")
        };
        match reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
        {
            Some(reason) => {
                out.insert(
                    guard,
                    Waiver {
                        reason,
                        pos: key.pos,
                    },
                );
            }
            None => cx.error(
                Diagnostic::error(key.pos, format!("waiving `{name}` needs a reason"))
                    .width(name.len())
                    .hint(format!(
                        "write why it is safe, e.g. `{name}: \"read-only API, nothing to restore\"`"
                    )),
            ),
        }
    }
    out
}
