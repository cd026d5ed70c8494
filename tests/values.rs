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

/// `SECRET` with a manual step between the capture and its use: with no answer there the
/// run stops, the secret only in memory.
fn secret_paused(rotate: &str) -> String {
    SECRET
        .replace(
            "  - id: use-it\n",
            "  - id: pause\n    kind: manual\n    instructions: wait\n  - id: use-it\n",
        )
        .replace("  - id: rotate\n    kind: snapshot\n", rotate)
}

#[test]
fn a_resumed_run_that_lost_a_secret_capture_runs_the_capturing_step_again_when_asked() {
    let s = Scratch::new();
    let rb = s.write(
        "secret.yaml",
        &secret_paused("  - id: rotate\n    kind: snapshot\n"),
    );
    let run = s.run(&rb, &[], "");
    assert_ne!(run.code, 0, "{}", run.explain());
    let again = s.resume(run.dir(), "done\nrerun\n");
    // Asked, with the step to run again named, before anything ran with the mask.
    let failed = again.records("step_failed", Some("use-it"));
    assert_eq!(failed.len(), 1, "{}", again.explain());
    assert_eq!(failed[0]["data"]["prompt"], "lost_capture");
    let reason = failed[0]["data"]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("reads pw"), "{reason}");
    assert!(reason.contains("`rerun` runs `rotate` again"), "{reason}");
    assert!(
        again
            .stdout
            .contains("cannot run: a captured secret is gone"),
        "{}",
        again.explain()
    );
    assert!(
        again.stdout.contains("answer `rerun`, `abort"),
        "{}",
        again.explain()
    );
    // Journaled, the step ran again, and the run went on with the fresh value.
    let rerun = again.records("capture_rerun", Some("rotate"));
    assert_eq!(rerun.len(), 1, "{}", again.explain());
    assert_eq!(rerun[0]["data"]["needed_by"], "use-it");
    assert_eq!(rerun[0]["data"]["mutating"], false);
    assert!(
        again
            .stdout
            .contains("runs again to capture `pw`, lost when the run stopped, for `use-it`"),
        "{}",
        again.explain()
    );
    assert_eq!(again.code, 0, "{}", again.explain());
    assert_eq!(again.outcome(), "completed");
    assert_eq!(again.records("command_started", Some("rotate")).len(), 2);
    // Still nowhere on disk or screen.
    assert_eq!(holds(run.dir(), "S3CR3T-XYZ-123"), Vec::<String>::new());
    assert!(!again.stdout.contains("S3CR3T"), "{}", again.stdout);
}

#[test]
fn a_lost_capture_of_a_change_says_it_is_made_again_and_asks_its_target_again() {
    let s = Scratch::new();
    let rotate = "  - id: rotate\n    kind: action\n    target: { describe: echo db-1, must_match: '^db-' }\n    \
                  waive: { snapshot: scratch, verify: use-it proves it }\n    \
                  rollback: [ { run: 'rm -f \"$SHISA_RUN_DIR/none\"' } ]\n";
    let rb = s.write("secret.yaml", &secret_paused(rotate));
    let run = s.run(&rb, &[], "db-1\n");
    assert_ne!(run.code, 0, "{}", run.explain());
    assert_eq!(run.records("target_confirmed", Some("rotate")).len(), 1);
    // Run it again: its target is typed again before the change is made again.
    let again = s.resume(run.dir(), "done\nrerun\ndb-1\n");
    let reason = again.records("step_failed", Some("use-it"))[0]["data"]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        reason.contains("`rotate` changes something: running it again makes that change again, and its target and approval are asked again"),
        "{reason}"
    );
    assert!(
        again.stdout.contains("answer `rerun`, `rollback`, `abort"),
        "{}",
        again.explain()
    );
    let rerun = again.records("capture_rerun", Some("rotate"));
    assert_eq!(rerun[0]["data"]["mutating"], true, "{}", again.explain());
    assert!(
        again
            .stdout
            .contains("a change, made again; its target and approval are asked again"),
        "{}",
        again.explain()
    );
    assert_eq!(again.records("target_confirmed", Some("rotate")).len(), 2);
    assert_eq!(again.code, 0, "{}", again.explain());
    assert_eq!(again.outcome(), "completed");
    assert_eq!(holds(run.dir(), "S3CR3T-XYZ-123"), Vec::<String>::new());
}
