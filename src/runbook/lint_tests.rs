//! The safety lint on runbooks with loops, conditions and phases: grouped guard errors, hollow snapshots and
//! rollbacks, snapshots `when` may skip, `closes`, and `$name` read the way bash reads it.

use super::diag::Severity;
use super::flow_tests::{GOOD, edit, load, pos_of, refused};

fn warnings(text: &str) -> Vec<(String, (u32, u32))> {
    match load(text) {
        Ok(l) => l
            .warnings
            .into_iter()
            .filter(|d| d.severity == Severity::Warning)
            .map(|d| (d.message, (d.pos.line, d.pos.col)))
            .collect(),
        Err(d) => panic!("{d:#?}"),
    }
}

#[test]
fn missing_guards_are_one_error_per_step_naming_each() {
    let text = edit(
        "    target: { describe: esctl cluster, capture: 'Name: (\\S+)' }\n    run: esctl alloc off\n    verify: [ { run: esctl alloc, expect: { stdout_equals: 'off' } } ]\n    rollback: [ { run: esctl alloc on } ]\n",
        "    run: esctl alloc off\n",
    );
    let at = pos_of(&text, "action\n    run: esctl alloc off", 0);
    refused(
        &text,
        "mutating step `disable-alloc` has no `target` confirmation, no `verify` checks and no `rollback`",
        at,
        "or `waive: { target: \"why\", verify: \"why\", rollback: \"why\" }`",
    );
    let errors = match load(&text) {
        Err(d) => d,
        Ok(_) => panic!("accepted"),
    };
    let here: Vec<&str> = errors
        .iter()
        .filter(|d| (d.pos.line, d.pos.col) == at)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(here.len(), 1, "{here:?}");
}

#[test]
fn guards_of_steps_in_a_loop_are_checked_with_the_nearest_snapshot_before_them() {
    assert!(load(GOOD).is_ok(), "`save` before the block guards `stop`");
    // Without the snapshot before the loop, `stop` has none before it in the flat order.
    let text = edit("    kind: snapshot\n", "    kind: precheck\n");
    let at = pos_of(
        &text,
        "action\n        target: { describe: 'esctl describe",
        0,
    );
    refused(
        &text,
        "mutating step `stop` has no snapshot step before it",
        at,
        "kind: snapshot",
    );
}

#[test]
fn a_snapshot_or_rollback_that_only_prints_is_reported() {
    let text = edit(
        "run: esctl export > \"$SHISA_RUN_DIR/s.json\" && echo \"saved s.json\"",
        "run: echo \"saved s.json\"",
    );
    refused(
        &text,
        "snapshot step `save` saves nothing: it only prints",
        pos_of(&text, "echo \"saved", 0),
        "$SHISA_RUN_DIR/before.json",
    );
    let text = edit(
        "rollback: [ { run: esctl alloc on } ]",
        "rollback: [ { run: 'echo undone; true' }, { argv: [':'] } ]",
    );
    refused(
        &text,
        "the rollback of step `disable-alloc` undoes nothing: it only prints",
        pos_of(&text, "{ run: 'echo undone", 0),
        "- manual:",
    );
    // A manual entry beside a printing command is a real way back.
    let text = edit(
        "rollback: [ { run: esctl alloc on } ]",
        "rollback: [ { run: echo undo }, { manual: Turn allocation on } ]",
    );
    assert_eq!(warnings(&text), []);
}

#[test]
fn a_snapshot_when_may_skip_cannot_guard_an_unconditional_change() {
    let text = edit(
        "    kind: snapshot\n",
        "    kind: snapshot\n    when: { param: mode, equals: slow }\n",
    );
    refused(
        &text,
        "mutating step `disable-alloc` runs unconditionally, but its snapshot `save` may be skipped (`when` at line 9)",
        pos_of(&text, "action\n    target: { describe: esctl cluster", 0),
        "add a snapshot step without `when` between `save` and `disable-alloc`",
    );
    // The same condition on both is fine: the change runs only when the snapshot did.
    let text = GOOD
        .replacen(
            "    kind: snapshot\n",
            "    kind: snapshot\n    when: { param: mode, equals: slow }\n",
            1,
        )
        .replacen(
            "  - id: disable-alloc\n",
            "  - id: disable-alloc\n    when: { param: mode, equals: slow }\n",
            1,
        );
    let errors: Vec<String> = match load(&text) {
        Ok(_) => Vec::new(),
        Err(d) => d.into_iter().map(|d| d.message).collect(),
    };
    assert!(
        !errors.iter().any(|m| m.contains("disable-alloc")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|m| m.contains("mutating step `stop` runs unconditionally")),
        "{errors:?}"
    );
}

#[test]
fn a_closing_step_needs_no_rollback_and_one_is_a_warning() {
    // `enable-alloc` has no rollback and no waiver: accepted (GOOD loads).
    assert!(GOOD.contains("closes: disable-alloc") && load(GOOD).is_ok());
    let text = edit(
        "    closes: disable-alloc\n",
        "    closes: disable-alloc\n    rollback: [ { run: esctl alloc off } ]\n",
    );
    let w = warnings(&text);
    assert_eq!(
        w,
        [(
            "step `enable-alloc` closes `disable-alloc`, so its own `rollback` is not needed"
                .to_string(),
            pos_of(&text, "{ run: esctl alloc off }", 0)
        )]
    );
    let text = edit("    closes: disable-alloc\n", "");
    refused(
        &text,
        "mutating step `enable-alloc` has no `rollback`",
        pos_of(&text, "action\n    when: { choice", 0),
        "add `rollback:`",
    );
}

#[test]
fn dollar_names_are_read_as_bash_reads_them_and_pointed_at() {
    // Literal in single quotes, escaped, or in a comment: not a variable.
    let text = edit(
        "run: esctl count",
        "run: |\n      esctl count '$nodez' \\$nodez # $nodez\n      echo \"$nodez\"",
    );
    let w = warnings(&text);
    assert_eq!(
        w,
        [(
            "`$nodez` in step `count` is not a parameter or capture".to_string(),
            pos_of(&text, "$nodez\"", 0)
        )]
    );
}

#[test]
fn a_parameter_read_only_in_a_comment_or_quotes_is_unused() {
    let text = GOOD
        .replacen(
            "  mode: { choices: [fast, slow], default: fast }\n",
            "  mode: { choices: [fast, slow], default: fast }\n  spare: { default: x }\n",
            1,
        )
        .replacen("run: esctl count", "run: esctl count # \"$spare\"", 1);
    let w = warnings(&text);
    assert_eq!(
        w,
        [(
            "parameter `spare` is never used".to_string(),
            pos_of(&text, "spare:", 0)
        )]
    );
    // `when` and `for_each` use parameters too: `mode` and `nodes` are not reported.
    // A script that reads only the length of a value reads the value.
    let text = text.replacen(
        "run: esctl count # \"$spare\"",
        "run: '[ ${#spare} -gt 0 ] && esctl count'",
        1,
    );
    assert_eq!(warnings(&text), []);
}
