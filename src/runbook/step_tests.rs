//! Each mistake in a step's control-flow keys is refused with its message, place and hint.

use super::flow_tests::{GOOD, edit, pos_of, refused};

#[test]
fn when_names_a_known_param_and_a_value_it_can_take() {
    let text = edit("param: mode, equals: slow", "param: mood, equals: slow");
    refused(
        &text,
        "`when` tests parameter `mood`, which is not declared",
        pos_of(&text, "{ param: mood", 0),
        "did you mean `mode`?",
    );
    let text = edit("param: mode, equals: slow", "param: mode, equals: slower");
    refused(
        &text,
        "can never hold",
        pos_of(&text, "{ param: mode", 0),
        "a value the parameter can take",
    );
    let text = edit("param: mode, equals: slow", "param: nodes, equals: es-1");
    refused(
        &text,
        "`when` cannot test list parameter `nodes`",
        pos_of(&text, "{ param: nodes", 0),
        "choices",
    );
    let text = edit("param: mode, equals: slow", "param: node, equals: es-1");
    refused(
        &text,
        "`when` tests parameter `node`, which is not declared",
        pos_of(&text, "{ param: node,", 0),
        "the item of block `roll`",
    );
}

#[test]
fn when_has_one_well_formed_test() {
    let text = edit(
        "{ param: mode, equals: slow }",
        "{ param: mode, matches: slow }",
    );
    refused(
        &text,
        "`when: { param: }` takes `equals`, not `matches`",
        pos_of(&text, "matches: slow", 0),
        "one value",
    );
    let text = edit(
        "{ param: mode, equals: slow }",
        "{ param: mode, choice: decide, equals: slow }",
    );
    refused(
        &text,
        "`when` tests one thing; it has both `param` and `choice`",
        pos_of(&text, "choice: decide, equals: slow", 0),
        "one condition",
    );
    let text = edit("{ param: mode, equals: slow }", "{ equals: slow }");
    refused(
        &text,
        "`when` names nothing to test",
        pos_of(&text, "{ equals: slow", 0),
        "{ choice: STEP, equals: KEY }",
    );
    let text = edit("{ param: mode, equals: slow }", "{ capture: snap }");
    refused(
        &text,
        "`when: { capture: snap }` has no `matches`",
        pos_of(&text, "{ capture: snap", 0),
        "matches: REGEX",
    );
    let text = edit(
        "{ param: mode, equals: slow }",
        "{ capture: snap, matches: '(' }",
    );
    refused(
        &text,
        "`matches` is not a valid regular expression",
        pos_of(&text, "'('", 0),
        "regex",
    );
}

#[test]
fn when_on_a_capture_needs_an_earlier_one_in_reach() {
    let text = edit(
        "{ param: mode, equals: slow }",
        "{ capture: snapp, matches: x }",
    );
    refused(
        &text,
        "`when` tests capture `snapp`, which no step captures",
        pos_of(&text, "{ capture: snapp", 0),
        "did you mean `snap`?",
    );
    let text = edit(
        "{ param: mode, equals: slow }",
        "{ capture: size_after, matches: '^0$' }",
    );
    refused(
        &text,
        "step `tune` refers to `size` (capture `size_after`) inside `for_each` block `roll` from the top level",
        pos_of(&text, "{ capture: size_after", 0),
        "move the step into block `roll`",
    );
    // `save` runs first, so a condition on a step before it is refused.
    let text = GOOD.replacen(
        "    kind: snapshot\n",
        "    kind: snapshot\n    when: { capture: size_after, matches: x }\n",
        1,
    );
    refused(
        &text,
        "step `save` depends on `size` (capture `size_after`), which comes later",
        pos_of(&text, "{ capture: size_after", 0),
        "run before it",
    );
}

#[test]
fn when_on_a_choice_names_an_earlier_manual_step_and_one_of_its_keys() {
    let text = edit(
        "{ choice: decide, equals: go }",
        "{ choice: decid, equals: go }",
    );
    refused(
        &text,
        "`when: { choice: }` names `decid`, which is not a step",
        pos_of(&text, "decid,", 0),
        "did you mean `decide`?",
    );
    let text = edit(
        "{ choice: decide, equals: go }",
        "{ choice: decide, equals: goo }",
    );
    refused(
        &text,
        "`decide` does not offer the choice `goo`",
        pos_of(&text, "{ choice: decide", 0),
        "did you mean `go`? the choices are: go, halt",
    );
    let text = edit(
        "{ choice: decide, equals: go }",
        "{ choice: save, equals: go }",
    );
    refused(
        &text,
        "`when` tests the choice made at `save`, which offers no choices",
        pos_of(&text, "save, equals", 0),
        "choices: { key: label",
    );
    let text = edit(
        "{ choice: decide, equals: go }",
        "{ choice: roll, equals: go }",
    );
    refused(
        &text,
        "names `roll`, which is not a step",
        pos_of(&text, "roll, equals", 0),
        "`roll` is a `for_each` block",
    );
}

#[test]
fn choices_links_and_wait_belong_to_manual_steps_and_are_well_formed() {
    let text = edit(
        "choices: { go: Go on, halt: Stop here }",
        "choices: { go: Go on, abort: Stop here }",
    );
    refused(
        &text,
        "`abort` cannot be a choice key: it is already an answer",
        pos_of(&text, "abort:", 0),
        "`done`, `abort` and `note <text>`",
    );
    let text = edit(
        "choices: { go: Go on, halt: Stop here }",
        "choices: { go-on: Go on }",
    );
    refused(
        &text,
        "`go-on` cannot be a choice key",
        pos_of(&text, "go-on", 0),
        "letters, digits and `_`",
    );
    let text = edit(
        "choices: { go: Go on, halt: Stop here }",
        "choices: { go: Go on, halt: }",
    );
    refused(
        &text,
        "choice `halt` has no label",
        pos_of(&text, "halt: }", 0),
        "halt: ",
    );
    let text = edit("choices: { go: Go on, halt: Stop here }", "choices: {}");
    refused(
        &text,
        "`choices` is empty",
        pos_of(&text, "{}", 0),
        "key: label",
    );
    let text = edit(
        "    run: esctl count\n",
        "    run: esctl count\n    choices: { a: A }\n",
    );
    refused(
        &text,
        "step `count` has `choices` but is not a manual step",
        pos_of(&text, "choices: { a", 0),
        "kind: manual",
    );
    let text = edit("'https://grafana.example/d/es'", "'javascript:alert(1)'");
    refused(
        &text,
        "`javascript:alert(1)` is not a web link",
        pos_of(&text, "'javascript", 0),
        "https://",
    );
    let text = edit(
        "    run: esctl count\n",
        "    run: esctl count\n    wait: 5m\n",
    );
    refused(
        &text,
        "`wait` applies only to manual steps, and `count` is a action step",
        pos_of(&text, "wait: 5m\n  - id: settle", 0),
        "wait_until",
    );
    let text = edit("    wait: 5m\n", "    wait: 5 minutes\n");
    refused(
        &text,
        "`wait`: ",
        pos_of(&text, "5 minutes", 0),
        "durations look like",
    );
    let text = edit("    wait: 5m\n", "    timeout: 5m\n");
    refused(
        &text,
        "`timeout` on manual step `decide` would be ignored",
        pos_of(&text, "timeout: 5m", 0),
        "wait: 30m",
    );
}

#[test]
fn wait_until_polls_checks_only_and_never_with_retry() {
    let text = edit(
        "wait_until: { every: 5s, deadline: 10m }",
        "wait_until: { every: 5s, deadline: 10m }\n            retry: { attempts: 3 }",
    );
    refused(
        &text,
        "`retry` and `wait_until` on the same check",
        pos_of(&text, "retry: { attempts: 3 }", 0),
        "a poll that does not hold yet is not a failure",
    );
    let text = edit(
        "wait_until: { every: 10s, deadline: 5m }",
        "wait_until: { every: 10s, deadline: 5m }\n    retry: { attempts: 2 }",
    );
    refused(
        &text,
        "`retry` and `wait_until` on the same check",
        pos_of(&text, "retry: { attempts: 2 }", 0),
        "remove `retry`",
    );
    let text = edit(
        "    run: esctl count\n",
        "    run: esctl count\n    wait_until: { every: 1s, deadline: 1m }\n",
    );
    refused(
        &text,
        "`wait_until` on a action step is not allowed",
        pos_of(&text, "wait_until: { every: 1s", 0),
        "put `wait_until` on a `verify:` entry",
    );
    let text = edit(
        "wait_until: { every: 10s, deadline: 5m }",
        "wait_until: { every: 10s, deadline: 10s }",
    );
    refused(
        &text,
        "`deadline` is not longer than `every`",
        pos_of(&text, "10s }", 0),
        "how long to keep polling",
    );
    let text = edit(
        "wait_until: { every: 10s, deadline: 5m }",
        "wait_until: { every: 10s }",
    );
    refused(
        &text,
        "`wait_until` has no `deadline`",
        pos_of(&text, "{ every: 10s }", 0),
        "deadline: 2h",
    );
    let text = edit(
        "rollback: [ { run: esctl alloc on } ]",
        "rollback: [ { run: esctl alloc on, wait_until: { every: 1s, deadline: 1m } } ]",
    );
    refused(
        &text,
        "`wait_until` on a rollback entry is not allowed",
        pos_of(&text, "wait_until: { every: 1s", 0),
        "`verify:` entry",
    );
}

#[test]
fn stdout_number_compares_with_a_number_or_one_value() {
    let text = edit("{ lt: 1000, ge: 0 }", "{ lt: lots }");
    refused(
        &text,
        "`lt: lots` is not a number",
        pos_of(&text, "lots", 0),
        "lt: '{{ size_before }}'",
    );
    let text = edit("{ lt: 1000, ge: 0 }", "{ below: 1000 }");
    refused(
        &text,
        "unknown key `below` in `stdout_number`",
        pos_of(&text, "below", 0),
        "lt, le, gt, ge, eq",
    );
    let text = edit("{ lt: 1000, ge: 0 }", "{}");
    refused(
        &text,
        "`stdout_number` has no comparison",
        pos_of(&text, "{} }", 0),
        "lt, le, gt, ge and eq",
    );
    let text = edit("{ lt: 1000, ge: 0 }", "{ lt: 1, ge: 5 }");
    refused(
        &text,
        "no number can meet every comparison",
        pos_of(&text, "ge: 5", 0),
        "could never pass",
    );
    let text = edit("eq: '{{ snap }}'", "eq: '{{ snapp }}'");
    refused(
        &text,
        "unknown variable `snapp` in step `tune`",
        pos_of(&text, "{{ snapp", 0),
        "did you mean `snap`?",
    );
}

#[test]
fn closes_names_an_earlier_mutating_step_in_reach() {
    let text = edit("closes: disable-alloc", "closes: disable-aloc");
    refused(
        &text,
        "`closes` names `disable-aloc`, which is not a step",
        pos_of(&text, "disable-aloc", 0),
        "did you mean `disable-alloc`?",
    );
    let text = edit("closes: disable-alloc", "closes: enable-alloc");
    refused(
        &text,
        "step `enable-alloc` closes itself",
        pos_of(&text, "enable-alloc\n    checkpoint", 0),
        "earlier step",
    );
    let text = edit("closes: disable-alloc", "closes: tune");
    refused(
        &text,
        "step `enable-alloc` depends on `tune` (`closes`), which comes later",
        pos_of(&text, "tune\n    checkpoint", 0),
        "run before it",
    );
    let text = edit("closes: disable-alloc", "closes: stop");
    refused(
        &text,
        "step `enable-alloc` refers to `stop` (`closes`) inside `for_each` block `roll` from the top level",
        pos_of(&text, "stop\n    checkpoint", 0),
        "once per item",
    );
    let text = edit("closes: disable-alloc", "closes: save");
    refused(
        &text,
        "`save` changes nothing, so there is nothing to close",
        pos_of(&text, "save\n    checkpoint", 0),
        "earlier mutating step",
    );
    let text = edit(
        "    read_only: only counts documents\n",
        "    read_only: only counts documents\n    closes: save\n",
    );
    refused(
        &text,
        "step `count` changes nothing, so it cannot undo another step",
        pos_of(&text, "closes: save", 0),
        "reverts an earlier change",
    );
}

#[test]
fn reasons_are_required_and_belong_where_they_mean_something() {
    let text = edit("checkpoint: allocation is back on", "checkpoint: ''");
    refused(
        &text,
        "`checkpoint` needs a reason",
        pos_of(&text, "''", 0),
        "checkpoint: \"",
    );
    let text = edit(
        "point_of_no_return: the tuning rewrites the index",
        "point_of_no_return:",
    );
    refused(
        &text,
        "`point_of_no_return` needs a reason",
        pos_of(&text, "point_of_no_return:", 0),
        "point_of_no_return: \"",
    );
    let text = edit(
        "    read_only: only counts documents\n",
        "    read_only: only counts documents\n    point_of_no_return: never\n",
    );
    refused(
        &text,
        "step `count` changes nothing, so it cannot be a point of no return",
        pos_of(&text, "point_of_no_return: never", 0),
        "cannot be rolled back",
    );
    let text = edit("    read_only: only counts documents\n", "");
    refused(
        &text,
        "action `count` says `mutating: false` but not why",
        pos_of(&text, "mutating: false", 0),
        "read_only: \"why it changes nothing\"",
    );
    let text = edit(
        "    run: esctl health\n    wait_until",
        "    run: esctl health\n    read_only: checks\n    wait_until",
    );
    refused(
        &text,
        "`read_only` belongs only on an action with `mutating: false`",
        pos_of(&text, "read_only: checks", 0),
        "remove `read_only`",
    );
}

#[test]
fn a_manual_rollback_entry_is_instructions_alone() {
    let text = edit(
        "{ manual: 'Check {{ node }} joined' }",
        "{ manual: 'Check {{ node }} joined', run: true }",
    );
    refused(
        &text,
        "a `manual:` rollback entry has `run` too",
        pos_of(&text, "run: true", 0),
        "two entries",
    );
    let text = edit("{ manual: 'Check {{ node }} joined' }", "{ manual: '' }");
    refused(
        &text,
        "a `manual:` rollback entry has no instructions",
        pos_of(&text, "''", 0),
        "how they know",
    );
    let text = edit(
        "{ manual: 'Check {{ node }} joined' }",
        "{ manual: 'Check {{ nod }} joined' }",
    );
    refused(
        &text,
        "unknown variable `nod` in step `stop`",
        pos_of(&text, "{{ nod }}", 0),
        "did you mean `node`?",
    );
}

#[test]
fn a_list_cannot_be_secret() {
    let text = edit(
        "nodes: { list: true,",
        "nodes: { secret: true, from_env: NODES, list: true,",
    );
    refused(
        &text,
        "parameter `nodes` is both a list and a secret",
        pos_of(&text, "true, pattern", 0),
        "keep secrets in a parameter of their own",
    );
}

#[test]
fn approval_names_how_many_people_and_a_group_name() {
    let ok = edit(
        "    run: esctl alloc off\n",
        "    run: esctl alloc off\n    approval: { reviewers: 2, group: es-admins }\n",
    );
    let rb = match super::load_str("t.yaml", &ok) {
        Ok(l) => l.runbook,
        Err(d) => panic!("{d:#?}"),
    };
    let step = rb.steps.iter().find(|s| s.id == "disable-alloc").unwrap();
    assert_eq!(
        step.approval,
        crate::runbook::model::Approval::Required {
            allow_self: false,
            reviewers: 2,
            group: Some(crate::runbook::model::ApproverGroup {
                text: "es-admins".into(),
                pos: {
                    let (line, col) = pos_of(&ok, "es-admins", 0);
                    crate::runbook::diag::Pos { line, col }
                },
            }),
        }
    );
    assert!(step.approval.needs_another_person());
    let text = ok.replace("reviewers: 2", "reviewers: 0");
    refused(
        &text,
        "`approval.reviewers` is 0; it must be from 1 to 9",
        pos_of(&text, "0, group", 0),
        "distinct people",
    );
    let text = ok.replace("reviewers: 2", "reviewers: two");
    refused(&text, "`approval.reviewers`", pos_of(&text, "two", 0), "");
    let text = ok.replace("group: es-admins", "group: 'dba; rm -rf /'");
    refused(
        &text,
        "`dba; rm -rf /` is not a group name",
        pos_of(&text, "'dba;", 0),
        "group: dba",
    );
    let text = ok.replace("group: es-admins", "groups: es-admins");
    refused(
        &text,
        "groups",
        pos_of(&text, "groups", 0),
        "did you mean `group`?",
    );
}

#[test]
fn approval_group_may_be_a_declared_plain_parameter() {
    let with = |params: &str, group: &str| {
        edit(
            "    run: esctl alloc off\n",
            &format!("    run: esctl alloc off\n    approval: {{ group: '{group}' }}\n"),
        )
        .replace("params:\n", &format!("params:\n{params}"))
    };
    let ok = with(
        "  approvers: { pattern: '^[a-z_][a-z0-9_-]*$' }\n",
        "{{ approvers }}",
    );
    let l = match super::load_str("t.yaml", &ok) {
        Ok(l) => l,
        Err(d) => panic!("{d:#?}"),
    };
    assert!(l.warnings.is_empty(), "{:#?}", l.warnings);
    let step = l
        .runbook
        .steps
        .iter()
        .find(|s| s.id == "disable-alloc")
        .unwrap();
    let group = step.approval.group().unwrap();
    assert_eq!(group.param(), Some("approvers"));
    let values = [("approvers".to_string(), "es-admins".to_string())].into();
    assert_eq!(group.resolve(&values), "es-admins");
    // Unresolved, it stays a name no group has: nobody is a member.
    assert_eq!(group.resolve(&Default::default()), "{{ approvers }}");

    let text = with("", "{{ approvers }}");
    refused(
        &text,
        "`approval.group` reads parameter `approvers`, which is not declared",
        pos_of(&text, "'{{ approvers", 0),
        "declare it under `params:`",
    );
    let text = with("  approvers: { secret: true }\n", "{{ approvers }}");
    refused(
        &text,
        "reads secret parameter `approvers`",
        pos_of(&text, "'{{ approvers", 0),
        "declare it",
    );
}
