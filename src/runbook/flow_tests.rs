//! The control-flow keys (loops, `when`, choices, waits, phases) at load time: one runbook that uses every one of them loads, and
//! each mistake is refused with its message, its place and a hint.

use super::diag::{Diagnostic, Severity};
use super::model::{Compare, StepKind, Undo, When};
use super::{Loaded, load_str};

/// Every new key, used correctly. Each test edits one thing.
pub const GOOD: &str = r#"version: 1
name: Rolling restart
params:
  nodes: { list: true, pattern: '^es-[0-9]+$' }
  mode: { choices: [fast, slow], default: fast }
steps:
  - id: save
    kind: snapshot
    run: esctl export > "$SHISA_RUN_DIR/s.json" && echo "saved s.json"
    capture: { snap: 'saved (\S+)' }
  - id: disable-alloc
    kind: action
    target: { describe: esctl cluster, capture: 'Name: (\S+)' }
    run: esctl alloc off
    verify: [ { run: esctl alloc, expect: { stdout_equals: 'off' } } ]
    rollback: [ { run: esctl alloc on } ]
  - id: roll
    title: Restart {{ node }}
    for_each: { var: node, in: nodes }
    steps:
      - id: stop
        kind: action
        target: { describe: 'esctl describe "$node"', capture: 'Name: (\S+)' }
        run: esctl stop "$node"
        verify:
          - run: esctl health
            wait_until: { every: 5s, deadline: 10m }
            expect: { stdout_equals: green }
        rollback: [ { run: 'esctl start "$node"' }, { manual: 'Check {{ node }} joined' } ]
      - id: size
        kind: verify
        argv: [esctl, size, '{{ node }}']
        capture: { size_after: '^([0-9]+)$' }
        expect: { stdout_number: { lt: 1000, ge: 0 } }
  - id: decide
    kind: manual
    instructions: Look at the dashboard.
    choices: { go: Go on, halt: Stop here }
    links: ['https://grafana.example/d/es']
    wait: 5m
  - id: enable-alloc
    kind: action
    when: { choice: decide, equals: go }
    target: { describe: esctl cluster, capture: 'Name: (\S+)' }
    run: esctl alloc on
    verify: [ { run: esctl alloc, expect: { stdout_equals: 'on' } } ]
    closes: disable-alloc
    checkpoint: allocation is back on
  - id: tune
    kind: action
    when: { param: mode, equals: slow }
    target: { describe: esctl cluster, capture: 'Name: (\S+)' }
    run: esctl tune
    verify: [ { run: esctl health, expect: { stdout_number: { eq: '{{ snap }}' } } } ]
    rollback: [ { manual: 'Restore the settings from {{ snap }}' } ]
    point_of_no_return: the tuning rewrites the index
  - id: count
    kind: action
    mutating: false
    read_only: only counts documents
    run: esctl count
  - id: settle
    kind: verify
    run: esctl health
    wait_until: { every: 10s, deadline: 5m }
    expect: { stdout_equals: green }
"#;

pub fn load(text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    load_str("t.yaml", text).map_err(|r| r.diags)
}

/// The 1-based line and column where `needle` first occurs in `text` (`nth` 0-based).
pub fn pos_of(text: &str, needle: &str, nth: usize) -> (u32, u32) {
    let at = text
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("{needle:?} not in the runbook"));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line as u32, col as u32)
}

/// `text` is refused with an error containing `message`, at `at`, whose hint has `hint`.
pub fn refused(text: &str, message: &str, at: (u32, u32), hint: &str) {
    reported(text, Severity::Error, message, at, hint);
}

/// `text` gets a diagnostic of `severity` containing `message`, at `at`, with `hint`.
pub fn reported(text: &str, severity: Severity, message: &str, at: (u32, u32), hint: &str) {
    let diags = match load(text) {
        Ok(_) if severity == Severity::Error => panic!("accepted; expected {message:?}"),
        Ok(l) => l.warnings,
        Err(d) => d,
    };
    let found = diags
        .iter()
        .find(|d| d.severity == severity && d.message.contains(message))
        .unwrap_or_else(|| panic!("no {severity:?} {message:?} in {diags:#?}"));
    assert_eq!((found.pos.line, found.pos.col), at, "{found:#?}");
    let h = found.hint.as_deref().unwrap_or("");
    assert!(h.contains(hint), "hint {h:?} lacks {hint:?}");
}

/// Replaces exactly one occurrence, so a test cannot silently edit nothing.
pub fn edit(from: &str, to: &str) -> String {
    assert_eq!(GOOD.matches(from).count(), 1, "{from:?}");
    GOOD.replacen(from, to, 1)
}

#[test]
fn every_new_key_loads_into_the_model() {
    let l = match load(GOOD) {
        Ok(l) => l,
        Err(d) => panic!("{d:#?}"),
    };
    let w: Vec<&str> = l.warnings.iter().map(|d| d.message.as_str()).collect();
    assert!(w.is_empty(), "{w:?}");
    let rb = l.runbook;
    let ids: Vec<&str> = rb.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "save",
            "disable-alloc",
            "stop",
            "size",
            "decide",
            "enable-alloc",
            "tune",
            "count",
            "settle"
        ]
    );
    assert_eq!(rb.loops.len(), 1);
    let l = &rb.loops[0];
    assert_eq!(
        (l.id.as_str(), l.var.as_str(), l.list.as_str()),
        ("roll", "node", "nodes")
    );
    assert_eq!(
        l.title.as_ref().map(|t| t.to_string()).as_deref(),
        Some("Restart {{ node }}")
    );
    let in_loop: Vec<Option<&str>> = rb.steps.iter().map(|s| s.in_loop.as_deref()).collect();
    assert_eq!(in_loop[2..4], [Some("roll"), Some("roll")]);
    assert!(
        in_loop[..2]
            .iter()
            .chain(&in_loop[4..])
            .all(Option::is_none)
    );
    assert!(rb.param("nodes").is_some_and(|p| p.list));

    let stop = &rb.steps[2];
    let w = stop.verify[0].wait_until.expect("verify wait_until");
    assert_eq!((w.every.as_secs(), w.deadline.as_secs()), (5, 600));
    assert!(matches!(
        &stop.rollback[..],
        [Undo::Run(_), Undo::Manual { .. }]
    ));

    let size = &rb.steps[3].expect.stdout_number;
    let ops: Vec<(Compare, String)> = size.iter().map(|n| (n.op, n.value.to_string())).collect();
    assert_eq!(
        ops,
        [(Compare::Lt, "1000".into()), (Compare::Ge, "0".into())]
    );

    let decide = &rb.steps[4];
    assert_eq!(decide.kind, StepKind::Manual);
    let keys: Vec<(&str, &str)> = decide
        .choices
        .iter()
        .map(|c| (c.key.as_str(), c.label.as_str()))
        .collect();
    assert_eq!(keys, [("go", "Go on"), ("halt", "Stop here")]);
    assert_eq!(decide.links, ["https://grafana.example/d/es"]);
    assert_eq!(decide.wait.map(|d| d.as_secs()), Some(300));

    let enable = &rb.steps[5];
    assert!(
        matches!(&enable.when.as_ref().map(|c| &c.test), Some(When::Choice { step, equals }) if step.id == "decide" && equals == "go")
    );
    assert_eq!(
        enable.closes.as_ref().map(|r| r.id.as_str()),
        Some("disable-alloc")
    );
    assert_eq!(enable.checkpoint.as_deref(), Some("allocation is back on"));

    let tune = &rb.steps[6];
    assert!(
        matches!(&tune.when.as_ref().map(|c| &c.test), Some(When::Param { name, equals }) if name == "mode" && equals == "slow")
    );
    assert_eq!(
        tune.point_of_no_return.as_deref(),
        Some("the tuning rewrites the index")
    );
    assert_eq!(
        tune.verify[0].expect.stdout_number[0].value.to_string(),
        "{{ snap }}"
    );

    let count = &rb.steps[7];
    assert!(!count.mutating);
    assert_eq!(count.read_only.as_deref(), Some("only counts documents"));
    assert_eq!(rb.steps[8].wait_until.map(|w| w.every.as_secs()), Some(10));
}

#[test]
fn a_loop_over_a_missing_or_plain_parameter_is_refused() {
    let text = edit("in: nodes }", "in: nodez }");
    refused(
        &text,
        "`for_each` walks `nodez`, which is not a parameter",
        pos_of(&text, "nodez", 0),
        "did you mean `nodes`?",
    );
    let text = edit("in: nodes }", "in: mode }");
    refused(
        &text,
        "`for_each` walks `mode`, which is not a list parameter",
        pos_of(&text, "mode }", 0),
        "give parameter `mode` `list: true`",
    );
}

#[test]
fn a_loop_variable_must_be_a_fresh_name() {
    let text = edit("var: node,", "var: mode,");
    refused(
        &text,
        "loop variable `mode` has the name of a parameter",
        pos_of(&text, "mode, in", 0),
        "two values",
    );
    let text = edit("var: node,", "var: Node,");
    refused(
        &text,
        "`Node` cannot be a loop variable name",
        pos_of(&text, "Node,", 0),
        "lower-case",
    );
    let text = edit("{ size_after: ", "{ node: ");
    refused(
        &text,
        "loop variable `node` has the name of a capture of step `size`",
        pos_of(&text, "node,", 0),
        "rename one",
    );
}

#[test]
fn a_loop_needs_steps_one_level_and_its_own_keys() {
    let body_start = GOOD
        .find("    steps:\n      - id: stop")
        .expect("loop body");
    let body_end = GOOD.find("  - id: decide").expect("after loop");
    let empty = format!(
        "{}    steps: []\n{}",
        &GOOD[..body_start],
        &GOOD[body_end..]
    );
    refused(
        &empty,
        "`for_each` block `roll` has no steps",
        pos_of(&empty, "[]", 0),
        "once per item",
    );

    let nested = edit(
        "      - id: size\n",
        "      - id: inner\n        for_each: { var: x, in: nodes }\n        steps: []\n      - id: size\n",
    );
    refused(
        &nested,
        "a `for_each` block inside block `roll`: loops nest one level only",
        pos_of(&nested, "id: inner", 0),
        "inner loop",
    );

    let text = edit("    title: Restart {{ node }}\n", "    kind: action\n");
    refused(
        &text,
        "`kind` belongs on a step, not on a `for_each` block",
        pos_of(&text, "kind: action\n    for_each", 0),
        "id, title, for_each, steps",
    );
    let text = edit("    title: Restart {{ node }}\n", "    tilte: x\n");
    refused(
        &text,
        "unknown key `tilte` in a `for_each` block",
        pos_of(&text, "tilte", 0),
        "did you mean `title`?",
    );

    let text = edit("    for_each: { var: node, in: nodes }\n", "");
    refused(
        &text,
        "block `roll` has `steps` but no `for_each`",
        pos_of(&text, "id: roll", 0),
        "for_each: { var: node, in: nodes }",
    );
}

#[test]
fn ids_are_unique_across_loops_and_steps() {
    let text = edit("      - id: size", "      - id: save");
    refused(
        &text,
        "step id `save` is used twice",
        pos_of(&text, "id: save", 1),
        "the first is at line 7",
    );
    let text = edit("  - id: decide", "  - id: roll");
    refused(
        &text,
        "step id `roll` is used twice",
        pos_of(&text, "id: roll", 1),
        "the first is at line 17",
    );
}

#[test]
fn the_loop_variable_is_known_inside_its_block_only() {
    let text = edit("run: esctl count", "run: esctl count \"$node\"");
    refused(
        &text,
        "`$node` in step `count` has no value here",
        pos_of(&text, "$node\"\n  - id: settle", 0),
        "known only inside it",
    );
    let text = edit(
        "    run: esctl tune\n",
        "    argv: [esctl, tune, '{{ node }}']\n",
    );
    refused(
        &text,
        "unknown variable `node` in step `tune`",
        pos_of(&text, "'{{ node }}']\n    verify", 0),
        "item of `for_each` block `roll`",
    );
    let text = edit("title: Restart {{ node }}", "title: Restart {{ nod }}");
    refused(
        &text,
        "unknown variable `nod` in the title of block `roll`",
        pos_of(&text, "{{ nod }}", 0),
        "did you mean `node`?",
    );
    // A capture taken once per item has no single value after the block.
    let text = edit(
        "run: esctl count",
        "argv: [esctl, count, '{{ size_after }}']",
    );
    refused(
        &text,
        "unknown variable `size_after` in step `count`",
        pos_of(&text, "'{{ size_after", 0),
        "captured by `size` once per item of block `roll`",
    );
}
