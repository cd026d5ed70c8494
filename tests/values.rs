//! Values that stay data, through the real binary: a value in a regex is literal text,
//! a value may be part of an argv element, a value that would be read as an option is
//! refused before anything runs, and a secret capture never reaches disk or the screen.

mod common;

use std::path::Path;

use common::Scratch;

const REGEX: &str = r#"version: 1
name: regex values
params:
  host: { pattern: '^[a-z.]+$' }
  out: { pattern: '^[a-z.]+$' }
steps:
  - id: look
    kind: verify
    run: echo "$out"
    expect: { stdout_matches: '^{{ host }}$' }
"#;

#[test]
fn a_value_in_a_regex_is_matched_as_literal_text() {
    let s = Scratch::new();
    let rb = s.write("re.yaml", REGEX);
    let same = s.run(&rb, &["host=a.b", "out=a.b"], "");
    assert_eq!(same.code, 0, "{}", same.explain());
    // `.` in the value is a dot, not "any character".
    let other = s.run(&rb, &["host=a.b", "out=axb"], "");
    assert_ne!(other.code, 0, "{}", other.explain());
    let failed = other.records("expect_failed", Some("look"));
    assert_eq!(failed.len(), 1, "{}", other.explain());
    assert_eq!(
        failed[0]["data"]["expectation"],
        "stdout matches /^{{ host }}$/"
    );
}

#[test]
fn a_value_in_a_capture_regex_is_refused_with_a_clear_message() {
    let s = Scratch::new();
    let rb = s.write(
        "re.yaml",
        &REGEX.replace(
            "    expect: { stdout_matches: '^{{ host }}$' }\n",
            "    capture: { seen: '^{{ host }}$' }\n",
        ),
    );
    let out = s.shisa().arg("check").arg(&rb).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("capture `seen` cannot read a value (`{{ host }}`)"),
        "{err}"
    );
    assert!(err.contains("re.yaml:10:"), "{err}");
}

const ARGV: &str = r#"version: 1
name: argv values
params:
  node: { pattern: '^n[0-9]$' }
  x: {}
steps:
  - id: select
    kind: verify
    argv: [printf, '%s\n', '--field-selector=spec.nodeName={{ node }}']
    expect: { stdout_equals: '--field-selector=spec.nodeName={{ node }}' }
  - id: list
    kind: verify
    argv: [printf, '[%s]\n', '{{ x }}']
"#;

#[test]
fn a_value_may_be_part_of_an_argv_element() {
    let s = Scratch::new();
    let rb = s.write("argv.yaml", ARGV);
    let run = s.run(&rb, &["node=n1", "x=plain"], "");
    assert_eq!(run.code, 0, "{}", run.explain());
    let started = run.records("command_started", Some("select"));
    assert_eq!(
        started[0]["data"]["command"],
        "printf '%s\\n' --field-selector=spec.nodeName=n1"
    );
}

#[test]
fn a_value_that_would_be_read_as_an_option_is_refused_before_anything_runs() {
    let s = Scratch::new();
    let rb = s.write("argv.yaml", ARGV);
    let run = s.run(&rb, &["node=n1", "x=-la"], "");
    assert_eq!(run.code, 2, "{}", run.explain());
    assert!(
        run.stderr
            .contains("a value starts an argv element with `-`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`x` = \"-la\" in step `list`. Nothing ran."),
        "{}",
        run.stderr
    );
    assert!(run.run_dir.is_none(), "{}", run.explain());
    assert!(!s.journals().exists() || std::fs::read_dir(s.journals()).unwrap().next().is_none());
    // `check` warns ahead: `x` has no pattern to rule such a value out.
    let out = s.shisa().arg("check").arg(&rb).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`x` fills a whole argv element but has no `pattern`"),
        "{err}"
    );
    assert!(!err.contains("`node`"), "{err}");
}

const SECRET: &str = r#"version: 1
name: secret capture
steps:
  - id: rotate
    kind: snapshot
    # Made at run time, so that the runbook itself does not hold it.
    run: |
      printf 'new password: %s-XYZ-%s\n' "$(echo s3cr3t | tr a-z A-Z)" "$((100 + 23))"
    capture: { pw: { regex: 'new password: (\S+)', secret: true } }
  - id: use-it
    kind: verify
    title: Use {{ pw }}
    run: |
      test "$pw" = "$(echo s3cr3t | tr a-z A-Z)-XYZ-$((100 + 23))"
      echo "logged in with $pw"
    expect: { stdout_contains: 'logged in with {{ pw }}' }
"#;

fn holds(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::read(&p)
                .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
            {
                found.push(p.display().to_string());
            }
        }
    }
    found
}

#[test]
fn a_secret_capture_is_used_but_never_written_or_shown() {
    let s = Scratch::new();
    let rb = s.write("secret.yaml", SECRET);
    let run = s.run(&rb, &[], "");
    assert_eq!(run.code, 0, "{}", run.explain());
    // The later step received the real value (its `test` passed) …
    assert_eq!(run.outcome(), "completed");
    // … but nothing on disk and nothing on screen holds it.
    assert_eq!(holds(run.dir(), "S3CR3T-XYZ-123"), Vec::<String>::new());
    assert!(!run.stdout.contains("S3CR3T"), "{}", run.stdout);
    assert!(!run.stderr.contains("S3CR3T"), "{}", run.stderr);
    let finished = run.records("command_finished", Some("rotate"));
    assert_eq!(finished[0]["data"]["captures"]["pw"], "[REDACTED:pw]");
    assert!(run.stdout.contains("[REDACTED:pw]"), "{}", run.stdout);
}

#[test]
fn a_resumed_run_that_lost_a_secret_capture_names_the_step_to_run_again() {
    let s = Scratch::new();
    let rb = s.write(
        "secret.yaml",
        &SECRET.replace(
            "  - id: use-it\n",
            "  - id: pause\n    kind: manual\n    instructions: wait\n  - id: use-it\n",
        ),
    );
    // No answer at the manual step: the run stops there, with the secret only in memory.
    let run = s.run(&rb, &[], "");
    assert_ne!(run.code, 0, "{}", run.explain());
    let again = s.resume(run.dir(), "done\n");
    let failed = again.records("step_failed", Some("use-it"));
    assert_eq!(failed.len(), 1, "{}", again.explain());
    let reason = failed[0]["data"]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("reads pw"), "{reason}");
    assert!(reason.contains("Run `rotate` again"), "{reason}");
    // The command never ran with the mask in place of the value.
    assert!(again.records("command_started", Some("use-it")).is_empty());
    assert_eq!(holds(run.dir(), "S3CR3T-XYZ-123"), Vec::<String>::new());
}
