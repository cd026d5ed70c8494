//! Fragments (`uses:` / `use:` / `with:`) through the real binary: errors that point into
//! the fragment's own file, circles refused, the fragment's steps run, journaled and
//! exported under their prefixed ids, copies kept with the run, and an edited fragment
//! seen by `resume` as an edited runbook.

mod common;

use std::path::Path;

use common::Scratch;

const MAIN: &str = r#"version: 1
name: with a fragment
params:
  nodes: { list: true, pattern: '^n[0-9]$' }
uses:
  mark: lib/mark.yaml
steps:
  - id: before
    kind: precheck
    run: "true"
  - id: roll
    for_each: { var: node, in: nodes }
    steps:
      - id: m
        use: mark
        with: { who: 'node-{{ node }}' }
  - id: after
    kind: verify
    run: echo after
"#;

const MARK: &str = r#"version: 1
name: mark one
params:
  who: { pattern: '^node-n[0-9]$' }
  how: { default: plain }
steps:
  - id: look
    kind: precheck
    title: Look at {{ who }}
    run: echo "look $who $how" >> "$SHISA_RUN_DIR/effects"
"#;

/// A scratch directory holding `files` (path, text), their directories made as needed.
fn scratch(files: &[(&str, &str)]) -> Scratch {
    let s = Scratch::new();
    for (name, text) in files {
        put(&s, name, text);
    }
    s
}

/// Writes a file under the scratch directory, its directories made as needed.
fn put(s: &Scratch, name: &str, text: &str) -> std::path::PathBuf {
    let p = s.path().join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

/// `shisa check` of `runbook` among `files` refuses it (exit 2): what it said.
fn refused(files: &[(&str, &str)], runbook: &str) -> String {
    let s = scratch(files);
    let out = s
        .shisa()
        .arg("check")
        .arg(s.path().join(runbook))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    err
}

/// The usual pair: `lib/mark.yaml` as given, and `main.yaml` using it.
fn with_mark<'a>(mark: &'a str, main: &'a str) -> [(&'a str, &'a str); 2] {
    [("lib/mark.yaml", mark), ("main.yaml", main)]
}

#[test]
fn a_fragments_steps_run_under_prefixed_ids_with_their_values() {
    let s = scratch(&with_mark(MARK, MAIN));
    let rb = s.path().join("main.yaml");
    let run = s.run(&rb, &["nodes=n1,n2"], "");
    assert_eq!(run.code, 0, "{}", run.explain());
    let started: Vec<String> = run
        .records("step_started", None)
        .iter()
        .map(|r| r["step"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        started,
        ["before", "roll[n1]/m/look", "roll[n2]/m/look", "after"]
    );
    let effects = std::fs::read_to_string(run.dir().join("effects")).unwrap();
    assert_eq!(effects, "look node-n1 plain\nlook node-n2 plain\n");
    // Both files are kept with the run, under their relative names.
    let kept: Vec<String> = walk(run.dir())
        .into_iter()
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    assert!(
        kept.iter().any(|p| p.ends_with(".d/lib/mark.yaml")),
        "{kept:?}"
    );
    assert_eq!(
        std::fs::read_to_string(
            run.dir()
                .join(kept.iter().find(|p| p.ends_with("lib/mark.yaml")).unwrap())
        )
        .unwrap(),
        MARK
    );
    // The export names the fragment's steps as the journal does.
    let out = s
        .shisa()
        .args(["export", "--format", "json"])
        .arg(run.dir())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("\"roll[n1]/m/look\""), "{text}");
    assert!(text.contains("\"roll[n2]/m/look\""), "{text}");
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(dir) {
                out.push(rel.display().to_string());
            }
        }
    }
    out
}

#[test]
fn an_error_in_a_fragment_names_the_fragments_file_line_and_column() {
    let mark = MARK.replace("    kind: precheck\n", "    kind: precheck\n    rn: oops\n");
    let err = refused(&with_mark(&mark, MAIN), "main.yaml");
    assert!(err.contains("unknown key `rn` in a step"), "{err}");
    assert!(err.contains("lib/mark.yaml:9:5"), "{err}");
    assert!(err.contains("9 |     rn: oops"), "{err}");
}

#[test]
fn a_fragment_reading_a_name_it_was_not_given_is_refused_in_its_own_file() {
    let mark = MARK.replace("{{ who }}", "{{ node }}");
    let err = refused(&with_mark(&mark, MAIN), "main.yaml");
    assert!(
        err.contains("unknown variable `node` in step `look`"),
        "{err}"
    );
    assert!(err.contains("lib/mark.yaml:9:"), "{err}");
}

#[test]
fn unknown_and_missing_fragment_parameters_are_errors_at_the_use() {
    let main = MAIN.replace(
        "with: { who: 'node-{{ node }}' }",
        "with: { whom: 'node-{{ node }}' }",
    );
    let err = refused(&with_mark(MARK, &main), "main.yaml");
    assert!(
        err.contains("fragment `mark` has no parameter `whom`"),
        "{err}"
    );
    assert!(err.contains("did you mean `who`?"), "{err}");
    assert!(
        err.contains("fragment `mark` needs a value for `who`"),
        "{err}"
    );
    assert!(err.contains("main.yaml:14:9"), "{err}");
}

#[test]
fn fragments_that_include_each_other_are_refused_naming_the_circle() {
    let mark = MARK.replace("steps:\n", "uses: { back: ../lib/other.yaml }\nsteps:\n");
    let other = "version: 1\nuses: { again: mark.yaml }\nsteps:\n  - { id: x, kind: precheck, run: \"true\" }\n";
    let [m, main] = with_mark(&mark, MAIN);
    let err = refused(&[m, main, ("lib/other.yaml", other)], "main.yaml");
    assert!(
        err.contains("fragments include each other in a circle"),
        "{err}"
    );
    assert!(err.contains("lib/mark.yaml → "), "{err}");
    assert!(err.contains("lib/other.yaml → "), "{err}");
    assert!(err.contains("lib/other.yaml:2:"), "{err}");
}

#[test]
fn a_fragment_outside_the_runbooks_directory_is_refused() {
    let main = MAIN.replace("lib/mark.yaml", "../mark.yaml");
    let err = refused(
        &[("sub/main.yaml", &main), ("mark.yaml", MARK)],
        "sub/main.yaml",
    );
    assert!(
        err.contains("lies outside the runbook's directory"),
        "{err}"
    );
}

#[test]
fn a_literal_value_a_fragment_refuses_is_an_error() {
    let main = MAIN.replace("'node-{{ node }}'", "'db-1'");
    let err = refused(&with_mark(MARK, &main), "main.yaml");
    assert!(err.contains("is refused by fragment `mark`"), "{err}");
}

#[test]
fn resume_sees_an_edited_fragment_as_an_edited_runbook() {
    let main = MAIN.replace(
        "  - id: after\n",
        "  - id: pause\n    kind: manual\n    instructions: wait\n  - id: after\n",
    );
    let s = scratch(&with_mark(MARK, &main));
    let rb = s.path().join("main.yaml");
    // No answer at the manual step: the run stops there, resumable.
    let run = s.run(&rb, &["nodes=n1"], "");
    assert!(run.dir().is_dir(), "{}", run.explain());
    let started = run.records("run_started", None);
    let sha = started[0]["data"]["runbook"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    // The hash covers the fragment: an edit to it alone changes the runbook's hash.
    put(&s, "lib/mark.yaml", &MARK.replace("look $who", "LOOK $who"));
    let out = s
        .shisa()
        .arg("resume")
        .arg(run.dir())
        .arg("--runbook")
        .arg(&rb)
        .arg("--headless")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("is not the runbook this run uses"), "{err}");
    assert!(err.contains(&sha[..12]), "{err}");
    // Without --runbook the kept copies are used, fragment included.
    let again = s.resume(run.dir(), "done\n");
    assert_eq!(again.code, 0, "{}", again.explain());
    let effects = std::fs::read_to_string(run.dir().join("effects")).unwrap();
    assert_eq!(effects, "look node-n1 plain\n");
}

#[test]
fn plan_shows_a_fragments_steps_with_the_values_their_use_gives() {
    let s = scratch(&with_mark(MARK, MAIN));
    let out = s
        .shisa()
        .arg("plan")
        .arg(s.path().join("main.yaml"))
        .args(["-p", "nodes=n1,n2"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for n in ["n1", "n2"] {
        assert!(text.contains(&format!("roll[{n}]/m/look")), "{text}");
        assert!(text.contains(&format!("Look at node-{n}\n")), "{text}");
        assert!(
            text.contains(&format!("with who=node-{n} how=plain")),
            "{text}"
        );
    }
}
