//! Turns the [`Node`] tree into the [`Runbook`] model: types, known keys, regexes,
//! durations, templates and windows are checked here; cross-step safety rules in `lint.rs`.

use chrono_tz::Tz;

use super::build_loop::steps;
use super::diag::{Diagnostic, did_you_mean};
use super::fields::Cx;
use super::keys;
use super::model::{PathDir, Runbook};
use super::names;
use super::node::Node;
use super::window::{Span, Window};

pub struct Built {
    pub runbook: Runbook,
    pub diags: Vec<Diagnostic>,
    /// Steps whose kind or command could not be read: the safety lint skips them rather
    /// than pile guesses on top of the error already reported.
    pub broken_steps: Vec<usize>,
}

pub fn build(lib: std::sync::Arc<super::fragments::Library>) -> Built {
    let mut cx = Cx::with_lib(lib.clone());
    let Some(root) = lib.files.first().map(|f| &f.node) else {
        return Built {
            runbook: Runbook::default(),
            diags: cx.diags,
            broken_steps: Vec::new(),
        };
    };
    let mut runbook = Runbook {
        version: 1,
        name: String::new(),
        description: None,
        path: Vec::new(),
        params: Vec::new(),
        window: None,
        steps: Vec::new(),
        loops: Vec::new(),
        hosts: Vec::new(),
        environments: Vec::new(),
    };
    let mut broken_steps = Vec::new();
    let Some(top) = cx.map(root, "the runbook", Some(keys::TOP)) else {
        if let Some(d) = cx.diags.last_mut() {
            d.hint = Some("a runbook is a mapping that starts with `version: 1`".into());
        }
        return Built {
            runbook,
            diags: cx.diags,
            broken_steps,
        };
    };
    cx.version(&top, "runbook");
    match top.get("name") {
        Some(n) => runbook.name = cx.string(n, "`name`").unwrap_or_default(),
        None => cx.error(
            Diagnostic::error(top.pos, "the runbook has no `name`")
                .hint("add `name: What this runbook changes`"),
        ),
    }
    runbook.description = top
        .get("description")
        .and_then(|n| cx.string(n, "`description`"));
    if let Some(n) = top.get("path") {
        for (dir, at) in cx.strings(n, "an entry of `path`") {
            match names::path_entry(&dir, at.pos, at.width()) {
                Some(d) => cx.error(d),
                None => runbook.path.push(PathDir { dir, pos: at.pos }),
            }
        }
    }
    if let Some(n) = top.get("params") {
        runbook.params = super::build_params::params(&mut cx, n);
    }
    if let Some(n) = top.get("window") {
        runbook.window = window(&mut cx, n);
    }
    if let Some(n) = top.get("hosts") {
        runbook.hosts = super::build_hosts::hosts(&mut cx, n);
    }
    if let Some(n) = top.get("environments") {
        runbook.environments = super::build_envs::environments(&mut cx, n);
    }
    match top.get("steps") {
        Some(n) => {
            let list = steps(&mut cx, n, &runbook.params);
            (runbook.steps, broken_steps, runbook.loops) = (list.steps, list.broken, list.loops);
        }
        None => cx.error(
            Diagnostic::error(top.pos, "the runbook has no `steps`")
                .hint("add `steps:` with at least one step"),
        ),
    }
    super::build_hosts::check_on(&mut cx, &runbook);
    approver_params(&mut cx, &runbook);
    super::build_limits::limit_params(&mut cx, &runbook);
    Built {
        runbook,
        diags: cx.diags,
        broken_steps,
    }
}

fn window(cx: &mut Cx, node: &Node) -> Option<Window> {
    let f = cx.map(node, "`window`", Some(keys::WINDOW))?;
    let tz = match f.get("timezone") {
        None => {
            cx.error(
                Diagnostic::error(f.pos, "`window` has no `timezone`")
                    .hint("name the zone the windows are written in, e.g. `timezone: Asia/Tokyo` or `timezone: UTC`"),
            );
            None
        }
        Some(n) => {
            let name = cx.string(n, "`timezone`")?;
            match name.parse::<Tz>() {
                Ok(tz) => Some(tz),
                Err(_) => {
                    let names = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name());
                    let hint = match did_you_mean(&name, names) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "use an IANA time zone name such as `Europe/Berlin`, `Asia/Tokyo` or `UTC`".into(),
                    };
                    cx.error(
                        Diagnostic::error(n.pos, format!("`{name}` is not an IANA time zone"))
                            .width(n.width())
                            .hint(hint),
                    );
                    None
                }
            }
        }
    };
    let mut spans = |key: &str| -> Vec<Span> {
        let Some(n) = f.get(key) else {
            return Vec::new();
        };
        cx.strings(n, "a window")
            .into_iter()
            .filter_map(|(text, at)| match Span::parse(&text) {
                Ok(s) => Some(s),
                Err(msg) => {
                    cx.error(
                        Diagnostic::error(at.pos, msg)
                            .width(at.width())
                            .hint("each span is `Days HH:MM-HH:MM` in the window's `timezone`, e.g. `Mon-Fri 09:00-18:00`; a span past midnight runs into the next day (`Fri 22:00-02:00`)"),
                    );
                    None
                }
            })
            .collect()
    };
    let allow = spans("allow");
    let deny = spans("deny");
    if !f.has("allow") && !f.has("deny") {
        cx.error(
            Diagnostic::error(f.pos, "`window` has neither `allow` nor `deny`")
                .hint("add `allow: ['Mon-Thu 10:00-16:00']`"),
        );
    }
    Some(Window {
        timezone: tz?,
        allow,
        deny,
    })
}

/// `approval.group: '{{ param }}'` names a declared parameter that holds one plain value: not
/// a secret (the group is journaled and shown) and not a list.
fn approver_params(cx: &mut Cx, rb: &Runbook) {
    for step in &rb.steps {
        let Some(group) = step.approval.group() else {
            continue;
        };
        let Some(name) = group.param() else {
            continue;
        };
        let problem = match rb.params.iter().find(|p| p.name == name) {
            None => Some(format!(
                "`approval.group` reads parameter `{name}`, which is not declared"
            )),
            Some(p) if p.secret => Some(format!(
                "`approval.group` reads secret parameter `{name}`; the group is journaled and shown"
            )),
            Some(p) if p.list => Some(format!(
                "`approval.group` reads list parameter `{name}`; it names one group"
            )),
            Some(_) => None,
        };
        if let Some(message) = problem {
            cx.error(
                Diagnostic::error(group.pos, message)
                    .width(group.text.chars().count())
                    .hint("declare it under `params:` with a `pattern` for group names, e.g. `approvers: { pattern: '^[a-z_][a-z0-9_-]*$', default: dba }`"),
            );
        }
    }
}
