//! `hosts:` and `on:`: each mistake refused with its place and hint; a good one loads.

use super::flow_tests::{pos_of, refused};

const RB: &str = r#"version: 1
name: Remote
params:
  nodes: { list: true, pattern: '^es-[0-9]+$' }
hosts:
  node: { ssh: '{{ node }}', user: ops, sudo: true }
  db: { ssh: db-1.example.com }
steps:
  - id: look
    kind: precheck
    on: db
    run: hostname
  - id: roll
    for_each: { var: node, in: nodes }
    steps:
      - id: stop
        kind: action
        on: node
        target: { describe: hostname, on: node, must_match: '^es-[0-9]+$' }
        run: systemctl stop elasticsearch
        verify: [ { run: systemctl is-active elasticsearch, on: node, expect: { exit: 3 } } ]
        rollback: [ { on: node, run: systemctl start elasticsearch } ]
        waive: { snapshot: the service's state is its own record }
"#;

#[test]
fn hosts_and_on_load_into_the_model() {
    let l = match super::load_str("remote.yaml", RB) {
        Ok(l) => l,
        Err(r) => panic!("{:#?}", r.diags),
    };
    let rb = &l.runbook;
    let node = rb.host("node").unwrap();
    assert_eq!(node.ssh.to_string(), "{{ node }}");
    assert_eq!((node.user.as_deref(), node.sudo), (Some("ops"), true));
    let stop = rb.steps.iter().find(|s| s.id.ends_with("stop")).unwrap();
    assert_eq!(stop.on.as_ref().unwrap().name, "node");
    assert_eq!(
        stop.target.as_ref().unwrap().on.as_ref().unwrap().name,
        "node"
    );
    assert!(stop.checks().all(|c| c.on.as_ref().unwrap().name == "node"));
}

#[test]
fn on_names_a_declared_host() {
    let text = RB.replacen("on: db", "on: dv", 1);
    refused(
        &text,
        "`on: dv` names no host",
        pos_of(&text, "dv", 0),
        "did you mean `db`?",
    );
}

#[test]
fn a_host_reads_only_values_the_step_has() {
    // `look` is outside the loop: it has no `node`.
    let text = RB.replacen("on: db", "on: node", 1);
    refused(
        &text,
        "host `node` reads `{{ node }}`, which step `look` has no value for",
        pos_of(&text, "node\n    run: hostname", 0),
        "for_each",
    );
}

#[test]
fn a_destination_or_user_that_ssh_would_misread_is_refused() {
    let text = RB.replacen("ssh: db-1.example.com", "ssh: -oProxyCommand=sh", 1);
    refused(
        &text,
        "is not an ssh destination",
        pos_of(&text, "-oProxy", 0),
        "",
    );
    let text = RB.replacen("user: ops", "user: '-l'", 1);
    refused(&text, "is not a login name", pos_of(&text, "'-l'", 0), "");
    let text = RB.replacen(
        "  db: { ssh: db-1.example.com }\n",
        "  db: { user: ops }\n",
        1,
    );
    refused(
        &text,
        "host `db` has no `ssh`",
        pos_of(&text, "{ user: ops }", 0),
        "ssh:",
    );
}
