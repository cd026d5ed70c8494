//! `shisa check` on runbooks using the format's control flow (README, "Loops, waits,
//! decisions, phases") through the real binary: a runbook using loops, conditions, choices,
//! waits and phases passes; each mistake exits 2 at its `file:line:column` with a hint;
//! nothing runs either way.

mod common;

use common::Scratch;

/// A runbook whose every command would leave a mark in `MARK` if it ran.
const GOOD: &str = r#"version: 1
name: Roll
params:
  nodes: { list: true, pattern: '^n[0-9]+$' }
steps:
  - id: save
    kind: snapshot
    run: touch MARK/save && esctl export > "$SHISA_RUN_DIR/s.json"
  - id: roll
    for_each: { var: node, in: nodes }
    steps:
      - id: stop
        kind: action
        target: { describe: 'touch MARK/describe; echo "$node"' }
        run: touch MARK/stop
        verify:
          - run: touch MARK/verify
            wait_until: { every: 1s, deadline: 1m }
        rollback: [ { run: touch MARK/undo }, { manual: 'Check {{ node }} is back' } ]
  - id: decide
    kind: manual
    instructions: Go on?
    choices: { go: Go on, halt: Stop }
  - id: after
    kind: verify
    when: { choice: decide, equals: go }
    run: touch MARK/after
"#;

/// `text` with `MARK` made a real directory, as written to the file.
fn marked(s: &Scratch, text: &str) -> String {
    let mark = s.path().join("marks");
    std::fs::create_dir_all(&mark).unwrap();
    text.replace("MARK", mark.to_str().unwrap())
}

fn check(s: &Scratch, text: &str) -> (i32, String, String) {
    let mark = s.path().join("marks");
    let rb = s.write("rb.yaml", &marked(s, text));
    let out = s.shisa().arg("check").arg(&rb).output().unwrap();
    let marks: Vec<_> = std::fs::read_dir(&mark).unwrap().collect();
    assert!(marks.is_empty(), "check ran something: {marks:?}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).replace(&rb.display().to_string(), "rb.yaml"),
    )
}

/// Where `needle` first occurs in `text`, as `line:column`.
fn at(text: &str, needle: &str) -> String {
    let i = text.find(needle).unwrap_or_else(|| panic!("{needle:?}"));
    let before = &text[..i];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{line}:{col}")
}

fn refused(text: &str, needle: &str, message: &str, hint: &str) {
    let s = Scratch::new();
    let (code, _, stderr) = check(&s, text);
    assert_eq!(code, 2, "{stderr}");
    let place = format!(
        "--> rb.yaml:{}\n",
        at(&marked(&s, text), &marked(&s, needle))
    );
    let block = stderr
        .split("\n\n")
        .find(|b| b.contains(message))
        .unwrap_or_else(|| panic!("no {message:?} in:\n{stderr}"));
    assert!(block.contains(&place), "expected {place:?} in:\n{block}");
    assert!(block.contains(hint), "expected hint {hint:?} in:\n{block}");
    assert!(stderr.contains("error(s); nothing ran"), "{stderr}");
}

fn edit(from: &str, to: &str) -> String {
    assert_eq!(GOOD.matches(from).count(), 1, "{from:?}");
    GOOD.replacen(from, to, 1)
}

#[test]
fn a_runbook_with_loops_and_decisions_passes_and_nothing_runs() {
    let s = Scratch::new();
    let (code, stdout, stderr) = check(&s, GOOD);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("ok — 4 steps (1 mutating, 1 manual), 0 waivers, 1 for_each block"),
        "{stdout}"
    );
}

#[test]
fn a_loop_over_a_parameter_that_is_not_a_list() {
    let text = edit("nodes: { list: true, ", "nodes: { ");
    refused(
        &text,
        "nodes }",
        "`for_each` walks `nodes`, which is not a list parameter",
        "list: true",
    );
}

#[test]
fn a_loop_inside_a_loop() {
    let text = edit(
        "      - id: stop\n",
        "      - id: inner\n        for_each: { var: x, in: nodes }\n        steps: []\n      - id: stop\n",
    );
    refused(
        &text,
        "id: inner",
        "loops nest one level only",
        "inner loop",
    );
}

#[test]
fn a_condition_on_a_later_or_unknown_step() {
    let text = edit(
        "{ choice: decide, equals: go }",
        "{ choice: decided, equals: go }",
    );
    refused(
        &text,
        "decided",
        "names `decided`, which is not a step",
        "did you mean `decide`?",
    );
    let text = GOOD.replacen(
        "    kind: snapshot\n",
        "    kind: snapshot\n    when: { choice: decide, equals: go }\n",
        1,
    );
    refused(
        &text,
        "decide, equals: go }\n    run: touch",
        "which comes later",
        "run before it",
    );
}

#[test]
fn the_loop_variable_outside_its_block() {
    let text = edit("run: touch MARK/after", "argv: [touch, '{{ node }}']");
    refused(
        &text,
        "'{{ node }}'",
        "unknown variable `node` in step `after`",
        "known only inside it",
    );
}

#[test]
fn a_wait_until_with_retry() {
    let text = edit(
        "wait_until: { every: 1s, deadline: 1m }",
        "wait_until: { every: 1s, deadline: 1m }\n            retry: { attempts: 2 }",
    );
    refused(
        &text,
        "retry: { attempts: 2 }",
        "`retry` and `wait_until` on the same check",
        "remove `retry`",
    );
}

#[test]
fn missing_guards_are_one_error_naming_each() {
    let text = edit(
        "        rollback: [ { run: touch MARK/undo }, { manual: 'Check {{ node }} is back' } ]\n",
        "",
    )
    .replacen(
        "        target: { describe: 'touch MARK/describe; echo \"$node\"' }\n",
        "",
        1,
    );
    refused(
        &text,
        "action\n        run: touch MARK/stop",
        "mutating step `stop` has no `target` confirmation and no `rollback`",
        "`waive: { target: \"why\", rollback: \"why\" }`",
    );
    let s = Scratch::new();
    let (_, _, stderr) = check(&s, &text);
    assert_eq!(
        stderr.matches("mutating step `stop`").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn a_new_key_written_as_a_scalar_says_what_it_takes() {
    let text = edit("when: { choice: decide, equals: go }", "when: yes");
    refused(
        &text,
        "yes",
        "`when` must be a mapping, found a string",
        "write it as `{ param: … }`; `when` takes: param, capture, choice, equals, matches",
    );
    let text = edit(
        "for_each: { var: node, in: nodes }",
        "for_each: [node, nodes]",
    );
    refused(
        &text,
        "[node, nodes]",
        "`for_each` must be a mapping, found a list",
        "`for_each` takes: var, in",
    );
}

/// Every error has a hint line, including the ones about the file itself, YAML the loader
/// refuses, a value of the wrong shape or out of range, and hosts and windows (issue 14,
/// item 12): each case exits 2, and each `error:` is followed by `= hint:` before the next
/// diagnostic.
#[test]
fn every_error_has_a_hint_line() {
    let s = Scratch::new();
    let head = "version: 1\nname: h\n";
    let step = "steps:\n  - id: p\n    kind: precheck\n    run: 'true'\n";
    let cases: Vec<(&str, String)> = vec![
        (
            "env",
            format!("{head}params:\n  t: {{ secret: true, from_env: 1BAD }}\n{step}"),
        ),
        (
            "window",
            format!("{head}window: {{ timezone: UTC, allow: ['Mon 9-5'] }}\n{step}"),
        ),
        (
            "empty",
            format!("{head}steps:\n  - id: p\n    kind: precheck\n    run: '  '\n"),
        ),
        (
            "user",
            format!("{head}hosts:\n  h: {{ ssh: web, user: '-x' }}\n{step}"),
        ),
        (
            "dest",
            format!("{head}hosts:\n  h: {{ ssh: '-oProxyCommand=x' }}\n{step}"),
        ),
        ("type", format!("{head}steps: x\n")),
        (
            "range",
            format!(
                "{head}steps:\n  - id: p\n    kind: precheck\n    run: 'false'\n    expect: {{ exit: 300 }}\n"
            ),
        ),
        (
            "default",
            format!("{head}params:\n  p: {{ pattern: '^a$', default: b }}\n{step}"),
        ),
        (
            "tag",
            format!("{head}steps: !foo\n  - id: p\n    kind: precheck\n    run: 'true'\n"),
        ),
    ];
    let mut files: Vec<(String, std::path::PathBuf)> = cases
        .iter()
        .map(|(name, text)| (name.to_string(), s.write(&format!("{name}.yaml"), text)))
        .collect();
    files.push(("missing".into(), s.path().join("no-such.yaml")));
    files.push(("directory".into(), s.path().to_path_buf()));
    for (name, path) in files {
        let out = s.shisa().arg("check").arg(&path).output().unwrap();
        let text = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{name}:\n{text}");
        let mut errors = 0;
        let mut open: Option<&str> = None;
        for line in text.lines() {
            if line.starts_with("error:") || line.starts_with("warning:") {
                assert!(open.is_none(), "{name}: no hint for {open:?}:\n{text}");
                open = line.starts_with("error:").then_some(line);
                errors += open.is_some() as usize;
            } else if line.trim_start().starts_with("= hint:") {
                open = None;
            }
        }
        assert!(open.is_none(), "{name}: no hint for {open:?}:\n{text}");
        assert!(errors > 0, "{name}: an error is reported:\n{text}");
    }
}

/// An unquoted `#` in prose starts a YAML comment: `check` warns that the instructions were
/// cut there (exit 0, it is a warning), with the place and how to keep the `#`.
#[test]
fn a_hash_that_cut_instructions_is_a_warning_with_its_place() {
    let s = Scratch::new();
    let rb = s.write(
        "hash.yaml",
        "version: 1\nname: t\nsteps:\n  - id: tell\n    kind: manual\n    title: Tell the customer\n    \
         instructions: Post the status in #inc-4411 and wait\n",
    );
    let out = s.shisa().arg("check").arg(&rb).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "warning: `instructions` ends at “…in”: the ` #` after it starts a YAML comment"
        ),
        "{err}"
    );
    assert!(err.contains("hash.yaml:7:38"), "{err}");
    assert!(err.contains("hint: quote the whole value"), "{err}");
}
