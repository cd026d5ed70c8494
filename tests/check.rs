//! `shisa check` through the real binary: every rule refuses its own bad runbook with
//! exit 2 at the right `file:line:column`, and the bundled runbooks pass.

#[path = "check/hostile.rs"]
mod hostile;
#[path = "check/secrets.rs"]
mod secrets;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn shisa() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_shisa"));
    c.env_remove("NO_COLOR").env("NO_COLOR", "1");
    c
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn check_text(text: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "rb.yaml", text);
    let out = shisa().arg("check").arg(&path).output().unwrap();
    let stderr =
        String::from_utf8_lossy(&out.stderr).replace(&path.display().to_string(), "rb.yaml");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        stderr,
    )
}

/// A runbook that passes: one guarded mutating step. Each case edits one thing.
const GOOD: &str = r#"version: 1
name: Rotate the flag
params:
  flag: { pattern: '^[a-z-]+$' }
steps:
  - id: save
    kind: snapshot
    run: flagctl export > "$SHISA_RUN_DIR/flags.json" && echo "saved flags.json"
    capture: { saved: 'saved (\S+)' }
  - id: flip
    kind: action
    title: Flip {{ flag }}
    target:
      describe: flagctl describe "$flag"
      capture: 'Name: (\S+)'
    argv: [flagctl, flip, '{{ flag }}']
    timeout: 30s
    verify:
      - run: flagctl get "$flag"
        expect: { stdout_contains: 'on' }
    rollback:
      - argv: [flagctl, import, '{{ saved }}']
"#;

fn refused(text: &str, location: &str, message: &str, hint: &str) {
    let (code, _, stderr) = check_text(text);
    assert_eq!(code, 2, "exit code; stderr:\n{stderr}");
    let at = format!("--> rb.yaml:{location}\n");
    let block = stderr
        .split("\n\n")
        .find(|b| b.contains(&at))
        .unwrap_or_else(|| panic!("no error at {location}; stderr:\n{stderr}"));
    assert!(
        block.contains(message),
        "expected {message:?} at {location}; got:\n{block}"
    );
    assert!(
        block.contains(hint),
        "expected hint {hint:?}; got:\n{block}"
    );
}

#[test]
fn the_good_runbook_passes() {
    let (code, stdout, stderr) = check_text(GOOD);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("ok — 2 steps (1 mutating, 0 manual), 0 waivers"),
        "{stdout}"
    );
}

/// Counts agree with their nouns: one step, one waiver.
#[test]
fn a_one_step_runbook_is_counted_in_the_singular() {
    let one = r#"version: 1
name: one
steps:
  - id: look
    kind: precheck
    run: uname -a
"#;
    let (code, stdout, stderr) = check_text(one);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("ok — 1 step (0 mutating, 0 manual), 0 waivers"),
        "{stdout}"
    );
}

#[test]
fn unknown_key_suggests_the_known_one() {
    refused(
        &GOOD.replace("    timeout: 30s", "    timeot: 30s"),
        "17:5",
        "unknown key `timeot` in a step",
        "did you mean `timeout`?",
    );
}

#[test]
fn mutating_step_needs_an_earlier_snapshot() {
    let text = GOOD.replace("    kind: snapshot", "    kind: precheck");
    refused(
        &text,
        "11:11",
        "mutating step `flip` has no snapshot step before it",
        "kind: snapshot",
    );
}

#[test]
fn mutating_step_needs_a_target() {
    let text = GOOD.replace(
        "    target:\n      describe: flagctl describe \"$flag\"\n      capture: 'Name: (\\S+)'\n",
        "",
    );
    refused(
        &text,
        "11:11",
        "mutating step `flip` has no `target` confirmation",
        "types back what will really be touched",
    );
}

#[test]
fn mutating_step_needs_verify_and_rollback() {
    let text = GOOD.split("    verify:").next().unwrap().to_string();
    let (code, _, stderr) = check_text(&text);
    assert_eq!(code, 2);
    // One error for the step, naming both guards and both fixes.
    assert!(
        stderr.contains("mutating step `flip` has no `verify` checks and no `rollback`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("add `verify:` health checks") && stderr.contains("add `rollback:`"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("--> rb.yaml:11:11").count(), 1, "{stderr}");
}

#[test]
fn a_waiver_needs_a_reason_and_one_with_a_reason_is_accepted() {
    let text =
        GOOD.split("    rollback:").next().unwrap().to_string() + "    waive: { rollback: }\n";
    refused(
        &text,
        "21:14",
        "waiving `rollback` needs a reason",
        "rollback: \"",
    );
    let text = GOOD.split("    rollback:").next().unwrap().to_string()
        + "    waive: { rollback: \"the flag service keeps history\" }\n";
    let (code, stdout, stderr) = check_text(&text);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("1 waiver"));
}

#[test]
fn duplicate_step_ids() {
    refused(
        &GOOD.replace("  - id: flip", "  - id: save"),
        "10:5",
        "step id `save` is used twice",
        "the first is at line 6",
    );
}

#[test]
fn unknown_variable_lists_the_known_ones() {
    refused(
        &GOOD.replace(
            "argv: [flagctl, flip, '{{ flag }}']",
            "argv: [flagctl, flip, '{{ flga }}']",
        ),
        "16:27",
        "unknown variable `flga` in step `flip`",
        "did you mean `flag`? known here: flag, saved (captured by `save`)",
    );
    refused(
        &GOOD.replace("stdout_contains: 'on'", "stdout_contains: 'on {{ nope }}'"),
        "20:40",
        "unknown variable `nope`",
        "known here: flag, saved (captured by `save`)",
    );
}

#[test]
fn bad_regex() {
    refused(
        &GOOD.replace("'^[a-z-]+$'", "'^[a-z-+$'"),
        "4:20",
        "`pattern` is not a valid regular expression",
        "regex",
    );
}

#[test]
fn bad_duration() {
    refused(
        &GOOD.replace("timeout: 30s", "timeout: 30 seconds"),
        "17:14",
        "`timeout`: unknown unit",
        "durations look like",
    );
}

#[test]
fn bad_window_spec_and_zone() {
    let with_window = GOOD.replace(
        "steps:\n",
        "window:\n  timezone: Asia/Tokio\n  allow: ['Mon-Fry 10:00-16:00']\nsteps:\n",
    );
    refused(
        &with_window,
        "6:13",
        "`Asia/Tokio` is not an IANA time zone",
        "did you mean `Asia/Tokyo`?",
    );
    refused(&with_window, "7:11", "`Fry` is not a day", "Mon, Tue");
    let bad_time = GOOD.replace(
        "steps:\n",
        "window:\n  timezone: UTC\n  deny: ['Fri 12:00-25:00']\nsteps:\n",
    );
    refused(&bad_time, "7:10", "`25:00` is not a time", "HH:MM");
}

#[test]
fn template_inside_run_is_refused() {
    refused(
        &GOOD.replace("run: flagctl get \"$flag\"", "run: flagctl get {{ flag }}"),
        "19:26",
        "`{{ }}` inside `run` would splice a value into shell text",
        "write \"$flag\" (quoted), or use `argv:`",
    );
}

#[test]
fn both_or_neither_of_run_and_argv() {
    refused(
        &GOOD.replace(
            "    timeout: 30s",
            "    run: flagctl flip \"$flag\"\n    timeout: 30s",
        ),
        "16:5",
        "step `flip` has both `run` and `argv`",
        "keep one",
    );
    refused(
        &GOOD.replace("    argv: [flagctl, flip, '{{ flag }}']\n", ""),
        "10:5",
        "step `flip` has neither `run` nor `argv`",
        "`run:` (a bash script)",
    );
}

#[test]
fn unsupported_version() {
    refused(
        &GOOD.replace("version: 1", "version: 2"),
        "1:10",
        "runbook format version 2 is not supported",
        "`version: 1`",
    );
}

#[test]
fn wrong_types_say_what_was_found() {
    refused(
        &GOOD.replace("timeout: 30s", "timeout: [30s]"),
        "17:14",
        "`timeout` must be a string, found a list",
        "",
    );
    refused(
        GOOD.replace("steps:\n", "steps: 3\nx:\n")
            .split("\n  - id: save")
            .next()
            .unwrap(),
        "5:8",
        "`steps` must be a list, found a number",
        "",
    );
}

#[test]
fn every_error_is_reported_in_one_pass() {
    let text = GOOD
        .replace("version: 1", "version: 2")
        .replace("    timeout: 30s", "    timeot: 30s")
        .replace("'{{ flag }}']", "'{{ flga }}']");
    let (code, _, stderr) = check_text(&text);
    assert_eq!(code, 2);
    for at in ["rb.yaml:1:10", "rb.yaml:16:27", "rb.yaml:17:5"] {
        assert!(stderr.contains(at), "missing {at} in:\n{stderr}");
    }
    assert!(stderr.contains("3 error(s); nothing ran"), "{stderr}");
}

#[test]
fn hostile_documents_are_refused_quickly_and_cleanly() {
    let cases: Vec<(String, &str, &str)> = vec![
        (String::new(), "1:1", "the runbook is empty"),
        (
            "- just\n- a list\n".into(),
            "1:1",
            "the runbook must be a mapping, found a list",
        ),
        (
            "version: 1\nname: x\nsteps: [\n".into(),
            "4:1",
            "invalid YAML",
        ),
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n".to_string()
                + &('b'..='l')
                    .map(|c| {
                        format!(
                            "{c}: &{c} [{}]\n",
                            vec![format!("*{}", (c as u8 - 1) as char); 10].join(", ")
                        )
                    })
                    .collect::<String>(),
            "",
            "expands to more than",
        ),
        ("[".repeat(100_000), "", "nests deeper than 64 levels"),
        (
            "version: 1\nname: \"\\xff\"\n".replace("\\xff", "\u{fffd}"),
            "",
            "has no `steps`",
        ),
    ];
    for (text, location, message) in cases {
        let (code, _, stderr) = check_text(&text);
        assert_eq!(code, 2, "{message}: {stderr}");
        assert!(
            stderr.contains(message),
            "expected {message:?} in:\n{stderr}"
        );
        if !location.is_empty() {
            assert!(
                stderr.contains(&format!("rb.yaml:{location}")),
                "expected {location} in:\n{stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_fifty_megabyte_file_is_refused_without_being_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yaml");
    let line = "# padding padding padding padding padding padding padding padding\n";
    std::fs::write(&path, line.repeat(50 * 1024 * 1024 / line.len())).unwrap();
    let out: Output = shisa().arg("check").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("the runbook is 50.0 MiB; the limit is 8 MiB"),
        "{stderr}"
    );
}

#[test]
fn invalid_utf8_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bin.yaml");
    std::fs::write(&path, b"version: 1\nname: caf\xe9\n").unwrap();
    let out = shisa().arg("check").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("bin.yaml:2:10") && stderr.contains("not valid UTF-8"),
        "{stderr}"
    );
}

#[test]
fn the_committed_schema_is_what_shisa_prints() {
    let out = shisa().arg("schema").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/runbook.schema.json"
    ))
    .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        committed,
        "run `shisa schema > assets/runbook.schema.json`"
    );
}

#[test]
fn names_that_would_turn_values_into_code_are_refused() {
    refused(
        &GOOD.replace("  flag: { pattern", "  BASH_ENV: {}\n  flag: { pattern"),
        "4:3",
        "`BASH_ENV` cannot be a parameter name: bash reads it",
        "pick a name of your own",
    );
    refused(
        &GOOD.replace("capture: { saved:", "capture: { LD_PRELOAD:"),
        "9:16",
        "`LD_PRELOAD` cannot be a capture name",
        "pick a name of your own",
    );
}

/// A `for_each` over a wrong parameter is one error, the real one: the loop's own variable
/// is not also called unknown in its steps (cold read: a second error listed
/// `known here: hosts, state,  (the loop's item)`, with the variable's name missing).
#[test]
fn a_loop_over_a_wrong_parameter_is_one_error_and_its_variable_stays_known() {
    let (code, _, stderr) = check_text(
        r#"version: 1
name: fe
params:
  hosts: { list: true, pattern: '^w[0-9]$', default: 'w1' }
  state: { default: x }
steps:
  - id: roll
    for_each: { var: host, in: hostz }
    steps:
      - id: look
        kind: verify
        argv: [echo, '{{ host }}', '{{ state }}']
      - id: again
        kind: verify
        run: echo "$host"
"#,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`for_each` walks `hostz`, which is not a parameter"),
        "{stderr}"
    );
    assert!(
        stderr.contains("rb.yaml: 1 error(s); nothing ran"),
        "{stderr}"
    );
    assert!(!stderr.contains("unknown variable"), "{stderr}");
    assert!(!stderr.contains("`$host`"), "{stderr}");
}
