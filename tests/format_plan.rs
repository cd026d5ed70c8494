//! `shisa plan` on runbooks using the format's control flow (README, "Loops, waits,
//! decisions, phases") through the real binary: list parameters from the command line,
//! loops unrolled per item, conditions, waits, choices, phases and the rollback map per
//! pass; bad values exit 2; nothing runs.

mod common;

use std::process::Output;

use common::Scratch;

const RB: &str = r#"version: 1
name: Rolling restart
params:
  nodes: { list: true, pattern: '^es-[0-9]+$' }
  mode: { choices: [fast, slow], default: fast }
steps:
  - id: save
    kind: snapshot
    run: touch MARK/save && echo saved > "$SHISA_RUN_DIR/s"
  - id: disable-alloc
    kind: action
    target: { describe: esctl cluster }
    run: touch MARK/disable
    verify: [ { run: esctl alloc, expect: { stdout_equals: 'off' } } ]
    rollback: [ { run: esctl alloc on } ]
  - id: roll
    for_each: { var: node, in: nodes }
    steps:
      - id: stop
        kind: action
        target: { describe: 'esctl describe "$node"' }
        run: touch MARK/stop
        verify:
          - run: esctl health
            wait_until: { every: 30s, deadline: 2h }
            expect: { stdout_equals: green }
        rollback: [ { run: 'esctl start "$node"' }, { manual: 'Check {{ node }} rejoined' } ]
  - id: decide
    kind: manual
    instructions: Look at the dashboard.
    choices: { go: Go on, halt: Stop here }
    links: ['https://grafana.example/d/es']
    wait: 30m
  - id: enable-alloc
    kind: action
    when: { choice: decide, equals: go }
    target: { describe: esctl cluster }
    run: touch MARK/enable
    verify: [ { run: esctl alloc, expect: { stdout_number: { ge: 1 } } } ]
    closes: disable-alloc
    checkpoint: allocation is back on
  - id: upgrade
    kind: action
    when: { param: mode, equals: slow }
    target: { describe: esctl cluster }
    run: touch MARK/upgrade
    verify: [ { run: esctl version } ]
    rollback: [ { manual: Restore from the snapshot } ]
    point_of_no_return: the old nodes cannot read the new index format
"#;

fn plan(s: &Scratch, args: &[&str]) -> (Output, String) {
    let mark = s.path().join("marks");
    std::fs::create_dir_all(&mark).unwrap();
    let rb = s.write("rb.yaml", &RB.replace("MARK", mark.to_str().unwrap()));
    let out = s.shisa().arg("plan").arg(&rb).args(args).output().unwrap();
    let ran: Vec<_> = std::fs::read_dir(&mark).unwrap().collect();
    assert!(ran.is_empty(), "plan ran something: {ran:?}");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out, text)
}

fn has_all(text: &str, wants: &[&str]) {
    for want in wants {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

#[test]
fn a_list_from_repeated_p_unrolls_the_loop_in_the_order_given() {
    let s = Scratch::new();
    let (out, text) = plan(&s, &["-p", "nodes=es-3", "-p", "nodes=es-1,es-2"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    has_all(
        &text,
        &[
            "params    mode=fast  nodes=es-3,es-1,es-2",
            "loop      roll: for each node in nodes, one at a time: stop",
            "3 item(s), in this order: es-3, es-1, es-2",
            "── roll · pass 1 of 3: node = es-3",
            "── roll · pass 3 of 3: node = es-2",
            "roll[es-1]/stop  · action · MUTATING",
            "with node=es-1",
            "rollback 2 by hand Check es-2 rejoined",
            "poll every 30s until it holds (a poll that does not is not a failure); fails after 2h",
            "Nothing has run.",
        ],
    );
    let passes: Vec<usize> = [
        "roll[es-3]/stop  ·",
        "roll[es-1]/stop  ·",
        "roll[es-2]/stop  ·",
    ]
    .iter()
    .map(|id| text.find(id).unwrap_or_else(|| panic!("{id} in:\n{text}")))
    .collect();
    assert!(passes.windows(2).all(|w| w[0] < w[1]), "{passes:?}");
}

#[test]
fn conditions_answers_waits_and_phases_are_shown() {
    let s = Scratch::new();
    let (out, text) = plan(&s, &["-p", "nodes=es-1"]);
    assert_eq!(out.status.code(), Some(0), "{text}");
    has_all(
        &text,
        &[
            "NO RETURN upgrade: the old nodes cannot read the new index format — earlier steps are not rolled back once it starts",
            "upgrade  · action · MUTATING · POINT OF NO RETURN",
            "before it starts the operator types `upgrade`",
            "when              only if parameter mode = fast"
                .replace("fast", "slow")
                .as_str(),
            "when              only if the answer at `decide` is `go` (Go on); otherwise skipped",
            "choice            go — Go on",
            "choice            halt — Stop here",
            "link              https://grafana.example/d/es",
            "wait              `done` is refused until 30m have passed",
            "expect stdout is a number >= 1",
            "closes            `disable-alloc`: once this is done, neither step is rolled back",
            "CHECKPOINT        allocation is back on",
            "rollback 1 by hand Restore from the snapshot",
        ],
    );
}

#[test]
fn the_rollback_map_is_given_per_pass_and_honours_closes_and_phases() {
    let s = Scratch::new();
    let (_, text) = plan(&s, &["-p", "nodes=es-1,es-2"]);
    let map = text
        .split("Rollback map")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    has_all(
        map,
        &[
            "if roll[es-2]/stop      fails → undo roll[es-2]/stop (1 command, 1 by hand)\n",
            "then, unless the operator stops after this pass: roll[es-1]/stop (1 command, 1 by hand), then disable-alloc (1 command)\n",
            "if enable-alloc         fails → undo enable-alloc (no rollback), then roll[es-2]/stop",
            // Once enable-alloc has closed disable-alloc, neither is undone.
            "if upgrade              fails → undo upgrade (1 by hand)\n",
            "stops at point of no return `upgrade`; kept in place: roll[es-2]/stop, roll[es-1]/stop\n",
        ],
    );
    assert!(
        !map.split("if upgrade")
            .nth(1)
            .unwrap_or("")
            .contains("disable-alloc"),
        "{map}"
    );
}

#[test]
fn a_loop_over_a_list_not_given_yet_shows_one_stand_in_pass() {
    let s = Scratch::new();
    let (out, text) = plan(&s, &[]);
    assert_eq!(out.status.code(), Some(0), "{text}");
    has_all(
        &text,
        &[
            "MISSING   nodes — `shisa run` refuses until each has a value",
            "no items yet (pass `-p nodes=a,b`); one pass shown with <node>",
            "roll[<node>]/stop  · action · MUTATING",
        ],
    );
}

#[test]
fn bad_list_values_exit_2_and_name_the_item() {
    for (args, why) in [
        (vec!["-p", "nodes=es-1,,es-2"], "item 2 is empty"),
        (
            vec!["-p", "nodes=es-1", "-p", "nodes=db-1"],
            "item `db-1`: it does not match",
        ),
        (vec!["-p", "nodes=es-1,es-1"], "item `es-1` is given twice"),
        (
            vec!["-p", "nodes=es-1", "-p", "mode=slow", "-p", "mode=fast"],
            "`-p mode=…` is given twice",
        ),
    ] {
        let s = Scratch::new();
        let (out, _) = plan(&s, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(why), "{args:?}: {stderr}");
        assert!(stderr.contains("rb.yaml"), "{stderr}");
    }
}
