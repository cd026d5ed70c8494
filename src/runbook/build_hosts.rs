//! Reads `hosts:` (how to reach each remote host) and the `on:` keys that send a step's
//! commands there, and checks that every `on:` names a host. The destination may hold
//! values (`ssh: '{{ node }}'`); what it becomes is checked again, as a plain host name,
//! when the command runs (`engine::remote`), because only then are the values known.

use super::diag::{Diagnostic, did_you_mean};
use super::fields::{Cx, Fields};
use super::host::Host;
use super::keys;
use super::model::{HostDef, OnHost, Runbook};
use super::node::Node;

pub fn hosts(cx: &mut Cx, node: &Node) -> Vec<HostDef> {
    let Some(map) = cx.map(node, "`hosts`", None) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, key, value) in map.pairs() {
        if let Some(d) = super::names::env_name(name, "host", key.pos) {
            cx.error(d);
            continue;
        }
        let what = format!("host `{name}`");
        let Some(f) = cx.map(value, &what, Some(keys::HOST)) else {
            continue;
        };
        let Some(ssh_node) = f.get("ssh") else {
            cx.error(
                Diagnostic::error(f.pos, format!("host `{name}` has no `ssh`"))
                    .hint("name the ssh destination as ~/.ssh/config knows it, e.g. `ssh: '{{ node }}'` or `ssh: db-1.example.com`"),
            );
            continue;
        };
        let Some(ssh) = cx.template(ssh_node, "`ssh`") else {
            continue;
        };
        let user = f.get("user").and_then(|n| {
            let u = cx.string(n, "`user`")?;
            match Host::new("h", Some(&u), false) {
                Ok(_) => Some(u),
                Err(e) => {
                    cx.error(
                        Diagnostic::error(n.pos, e.to_string())
                            .width(n.width())
                            .hint("give the login name alone (`user: deploy`); other ssh options belong in ~/.ssh/config"),
                    );
                    None
                }
            }
        });
        // A destination without values can be judged now rather than when the step runs.
        if ssh.vars().next().is_none() {
            let text = ssh.to_string();
            if let Err(e) = Host::new(&text, None, false) {
                cx.error(
                    Diagnostic::error(ssh_node.pos, e.to_string())
                        .width(ssh_node.width())
                        .hint("write the destination as ssh takes it (`ssh: web-1.example.net` or an alias from ~/.ssh/config); options belong in ~/.ssh/config"),
                );
            }
        }
        let sudo = f
            .get("sudo")
            .and_then(|n| cx.bool(n, "`sudo`"))
            .unwrap_or(false);
        out.push(HostDef {
            name: name.to_string(),
            pos: key.pos,
            ssh,
            user,
            sudo,
        });
    }
    out
}

/// The `on:` key of a step, a target, or a verify or rollback entry.
pub fn on(cx: &mut Cx, f: &Fields<'_>) -> Option<OnHost> {
    let n = f.get("on")?;
    let name = cx.string(n, "`on`")?;
    Some(OnHost { name, pos: n.pos })
}

/// Every `on:` must name a `hosts:` entry.
pub fn check_on(cx: &mut Cx, rb: &Runbook) {
    for step in &rb.steps {
        let ons = step
            .on
            .iter()
            .chain(step.target.as_ref().and_then(|t| t.on.as_ref()))
            .chain(step.checks().filter_map(|c| c.on.as_ref()));
        let loop_var = step
            .in_loop
            .as_ref()
            .and_then(|id| rb.loops.iter().find(|l| &l.id == id))
            .map(|l| l.var.as_str());
        for on in ons {
            if let Some(host) = rb.host(&on.name) {
                // The destination is filled in from the step's values: a parameter, or
                // the variable of the loop the step is in.
                for (var, _) in host.ssh.vars() {
                    if rb.param(var).is_none() && loop_var != Some(var) {
                        cx.error(
                            Diagnostic::error(
                                on.pos,
                                format!(
                                    "host `{}` reads `{{{{ {var} }}}}`, which step `{}` has no value for",
                                    on.name, step.id
                                ),
                            )
                            .width(on.name.chars().count())
                            .hint("a host's `ssh:` may read parameters, and the variable of the `for_each` the step is in"),
                        );
                    }
                }
                continue;
            }
            let names = rb.hosts.iter().map(|h| h.name.as_str());
            let hint = match did_you_mean(&on.name, names) {
                Some(s) => format!("did you mean `{s}`?"),
                None if rb.hosts.is_empty() => {
                    "declare it under `hosts:`, e.g. `hosts: { node: { ssh: '{{ node }}' } }`"
                        .into()
                }
                None => {
                    let all: Vec<&str> = rb.hosts.iter().map(|h| h.name.as_str()).collect();
                    format!("the hosts are: {}", all.join(", "))
                }
            };
            cx.error(
                Diagnostic::error(
                    on.pos,
                    format!("`on: {}` names no host in `hosts:`", on.name),
                )
                .width(on.name.chars().count())
                .hint(hint),
            );
        }
    }
}
