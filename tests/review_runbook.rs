//! `shisa review RUNBOOK`: the change ticket's checklist and failure-mode table, through the
//! real binary. Each bundled runbook's review is a snapshot; each kind of finding has a
//! runbook broken on purpose (`tests/fixtures/review/`); `--strict` turns findings into
//! exit 1, a bad runbook is exit 2 as for `check`.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{Scratch, bin, root};

fn review(file: &Path, extra: &[&str]) -> Output {
    Command::new(bin())
        .arg("review")
        .arg(file)
        .args(extra)
        .current_dir(root())
        // Values the runbooks read from the environment must not change the document.
        .env_remove("API_VALID_TOKEN")
        .env_remove("API_EXPIRED_TOKEN")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// The document without the file's hash, which changes with any edit of the runbook.
fn without_hash(doc: &str) -> String {
    doc.lines()
        .map(|l| match l.find("· sha256 `") {
            Some(at) => {
                let rest = &l[at + "· sha256 `".len()..];
                let end = rest.find('`').unwrap_or(0);
                format!("{}· sha256 `…`{}", &l[..at], &rest[end + 1..])
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn bundled() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["runbooks", "runbooks/real"] {
        let mut names: Vec<String> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml"))
            .map(|n| format!("{dir}/{n}"))
            .collect();
        names.sort();
        out.extend(names);
    }
    out
}

#[test]
fn every_bundled_runbook_has_its_checklist_and_failure_modes_and_no_finding() {
    let files = bundled();
    assert!(files.len() >= 11, "{files:?}");
    for f in files {
        let o = review(Path::new(&f), &["--strict"]);
        let doc = stdout(&o);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{f}:\n{doc}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        for heading in [
            "## Checklist",
            "## Failure modes",
            "## Choices and branches",
            "## Findings (0)",
        ] {
            assert!(doc.contains(heading), "{f}: no {heading}\n{doc}");
        }
        assert!(
            !doc.contains("## Where the walk stopped"),
            "{f}: the walk got stuck\n{doc}"
        );
        let name = f.trim_end_matches(".yaml").replace('/', "__");
        insta::assert_snapshot!(name, without_hash(&doc));
    }
}

fn fixture(name: &str) -> std::path::PathBuf {
    root().join("tests/fixtures/review").join(name)
}

/// The findings section's lines.
fn findings(doc: &str) -> Vec<String> {
    doc.lines()
        .skip_while(|l| !l.starts_with("## Findings"))
        .filter(|l| l.starts_with("- **"))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_rollback_reading_a_capture_a_skipped_step_never_set_is_a_finding() {
    let f = fixture("unset-capture.yaml");
    let o = review(&f, &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "findings alone do not fail without --strict"
    );
    let doc = stdout(&o);
    assert_eq!(
        findings(&doc),
        [format!(
            "- **unset capture** — {}:33:9: `raise` (rollback-1) reads `old_limit`, which `read-old` never set on the path where `ask` answered `skip`",
            f.display()
        )]
    );
    // The failure-mode table shows the same: the value on that path is not set.
    assert!(
        doc.contains("`old_limit` = **never set on this path**"),
        "{doc}"
    );
    assert!(
        doc.contains("`old_limit` = captured by `read-old`"),
        "{doc}"
    );
    assert_eq!(review(&f, &["--strict"]).status.code(), Some(1));
}

#[test]
fn a_when_that_holds_on_no_path_is_a_finding() {
    let f = fixture("when-never.yaml");
    let doc = stdout(&review(&f, &[]));
    assert_eq!(
        findings(&doc),
        [format!(
            "- **`when` never holds** — {}:14:11: `maintenance-check` never runs: its `when` holds on no path",
            f.display()
        )]
    );
    assert_eq!(review(&f, &["--strict"]).status.code(), Some(1));
}

#[test]
fn a_step_no_path_reaches_is_a_finding_with_why() {
    let f = fixture("unreachable.yaml");
    let o = review(&f, &["--strict"]);
    assert_eq!(o.status.code(), Some(1));
    let doc = stdout(&o);
    let file = f.display();
    assert_eq!(
        findings(&doc),
        [
            format!(
                "- **unreachable step** — {file}:21:11: `drain` never runs: `confirm-drain` is never asked"
            ),
            format!(
                "- **unreachable step** — {file}:28:5: `report` never runs: every path stops before it (`ready`: no made-up output of `ready` (main) meets its expectations)"
            ),
            format!(
                "- **`when` never holds** — {file}:15:11: `confirm-drain` never runs: its `when` holds on no path"
            ),
        ]
    );
}

#[test]
fn a_bad_runbook_is_exit_2_with_its_place_and_nothing_is_printed() {
    let s = Scratch::new();
    let bad = s.write(
        "bad.yaml",
        "version: 1\nname: x\nsteps:\n  - id: a\n    kind: nonsense\n",
    );
    for extra in [&[][..], &["--strict"][..]] {
        let o = review(&bad, extra);
        assert_eq!(o.status.code(), Some(2));
        assert!(o.stdout.is_empty());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(&format!("{}:5:11", bad.display())), "{err}");
    }
}

#[test]
fn a_list_parameter_without_a_value_is_walked_over_one_made_up_item_and_says_so() {
    let s = Scratch::new();
    let rb = s.write(
        "loop.yaml",
        r#"version: 1
name: Restart nodes
params:
  nodes: { list: true, pattern: '^node-[0-9]+$' }
steps:
  - id: save
    kind: snapshot
    run: svcctl nodes
  - id: roll
    for_each: { var: node, in: nodes }
    steps:
      - id: restart
        kind: action
        target: { describe: 'svcctl describe "$node"', capture: 'Name: (\S+)' }
        run: svcctl restart "$node"
        verify: [ { run: 'svcctl health "$node"', expect: { stdout_equals: green } } ]
        rollback: [ { run: 'svcctl start "$node"' } ]
"#,
    );
    let doc = stdout(&review(&rb, &[]));
    assert!(
        doc.contains("- `nodes` = 1 item(s): `node-0` (made up: no value given)"),
        "{doc}"
    );
    assert!(
        doc.contains("loop `roll`: one pass per item of `nodes` (1 pass(es))"),
        "{doc}"
    );
    assert!(doc.contains("`roll[node-0]/restart` rollback 1"), "{doc}");
    let two = stdout(&review(&rb, &["-p", "nodes=node-1,node-2"]));
    // A failure in pass 2 undoes pass 2, then pass 1 — or pass 2 only, if the operator says so.
    assert!(
        two.contains("`roll[node-2]/restart` — its command | failure: rollback · rollback-item · retry · abort<br>“exit 1 (expected 0)” | `roll[node-2]/restart` (1) → `roll[node-1]/restart` (1)<br>or `rollback-item`: `roll[node-2]/restart` |"),
        "{two}"
    );
    assert!(two.contains("`node` = `node-2` (the loop's item)"), "{two}");
}
