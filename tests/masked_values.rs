//! Masking is for what is shown and stored: the values commands receive are never masked
//! text. A value the journal had to mask comes again on resume (or the run says it is
//! gone); it is never replaced by `[REDACTED:…]`.

mod common;

use std::process::Command;

use common::{Run, Scratch, feed};

const TOKEN: &str = "s3cr3t01";

fn with_token(c: &mut Command) {
    c.env("TOK", TOKEN);
}

fn resume(s: &Scratch, dir: &std::path::Path, args: &[&str], stdin: &str) -> Run {
    let mut c = s.shisa();
    c.arg("resume").arg(dir).arg("--headless").args(args);
    with_token(&mut c);
    Run::from(feed(c, stdin))
}

fn effects(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join("effects")).unwrap_or_default()
}

#[test]
fn a_value_containing_a_secret_comes_again_on_resume_never_masked() {
    let s = Scratch::new();
    let rb = s.write(
        "host.yaml",
        "version: 1\nname: host\nparams:\n  tok: { secret: true, from_env: TOK }\n  host: {}\nsteps:\n  \
         - id: ask\n    kind: manual\n    instructions: wait\n  \
         - id: use\n    kind: verify\n    run: 'echo \"$host\" >> \"$SHISA_RUN_DIR/effects\"'\n",
    );
    let host = format!("db-{TOKEN}-01");
    let first = s.run_with(&rb, &[&format!("host={host}")], "", with_token);
    assert_eq!(first.code, 3, "{}", first.explain());
    let dir = first.dir().to_path_buf();
    // The journal keeps it masked: it cannot come from there.
    let refused = resume(&s, &dir, &[], "");
    assert_eq!(refused.code, 2, "{}", refused.explain());
    assert!(refused.stderr.contains("-p host="), "{}", refused.explain());
    // A different value is not the run's value.
    let wrong = resume(&s, &dir, &["-p", "host=db-other-01"], "");
    assert_eq!(wrong.code, 2, "{}", wrong.explain());
    let resumed = resume(&s, &dir, &["-p", &format!("host={host}")], "done waited\n");
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
    assert_eq!(
        effects(&dir),
        format!("{host}\n"),
        "the command got the real value"
    );
}

const CAPTURE: &str = "version: 1\nname: cap\nparams:\n  tok: { secret: true, from_env: TOK }\nsteps:\n  \
     - id: snap\n    kind: snapshot\n    run: '[ ! -e \"$SHISA_RUN_DIR/effects\" ] || cp \"$SHISA_RUN_DIR/effects\" \"$SHISA_RUN_DIR/effects.before\"; echo \"saved id=$tok-77\"'\n    capture: { cid: 'id=(\\S+)' }\n  \
     - id: change\n    kind: action\n    run: echo changed >> \"$SHISA_RUN_DIR/effects\"\n    waive: { target: test }\n    \
     verify: [ { run: 'test -e \"$SHISA_RUN_DIR/healthy\"' } ]\n    \
     rollback: [ { run: 'echo \"restore $cid\" >> \"$SHISA_RUN_DIR/effects\"' } ]\n";

#[test]
fn a_capture_holding_a_secret_reaches_the_rollback_as_its_real_value() {
    let s = Scratch::new();
    let rb = s.write("cap.yaml", CAPTURE);
    let run = s.run_with(&rb, &[], "rollback\n", with_token);
    assert_eq!(run.outcome(), "rolled_back", "{}", run.explain());
    let e = effects(run.dir());
    assert!(
        e.contains(&format!("restore {TOKEN}-77")),
        "the rollback got masked text: {e}"
    );
    // Shown and stored masked all the same.
    let journal = std::fs::read_to_string(run.dir().join("journal.jsonl")).unwrap();
    assert!(!journal.contains(TOKEN), "a secret in the journal");
}

#[test]
fn after_a_restart_a_lost_capture_stops_the_command_that_needs_it() {
    let s = Scratch::new();
    let rb = s.write("cap.yaml", CAPTURE);
    // End of input at the failure prompt: the run stops, resumable, before any choice.
    let first = s.run_with(&rb, &[], "", with_token);
    assert_eq!(first.code, 3, "{}", first.explain());
    let dir = first.dir().to_path_buf();
    let resumed = resume(&s, &dir, &[], "rollback\nabort gone\n");
    let e = effects(&dir);
    assert!(
        !e.contains("REDACTED"),
        "a command received masked text: {e}\n{}",
        resumed.explain()
    );
    assert!(
        resumed.stdout.contains("cid") && resumed.stdout.contains("value is gone"),
        "{}",
        resumed.explain()
    );
}

#[test]
fn a_runbook_whose_path_holds_a_secret_is_resumed_by_naming_the_file() {
    let s = Scratch::new();
    std::fs::create_dir(s.path().join(format!("dir-{TOKEN}"))).unwrap();
    let rb = s.write(
        &format!("dir-{TOKEN}/rb.yaml"),
        "version: 1\nname: p\nparams:\n  tok: { secret: true, from_env: TOK }\nsteps:\n  \
         - id: ask\n    kind: manual\n    instructions: wait\n",
    );
    let first = s.run_with(&rb, &[], "", with_token);
    assert_eq!(first.code, 3, "{}", first.explain());
    let dir = first.dir().to_path_buf();
    let refused = resume(&s, &dir, &[], "");
    assert_eq!(refused.code, 2, "{}", refused.explain());
    assert!(
        refused.stderr.contains("--runbook"),
        "{}",
        refused.explain()
    );
    let resumed = resume(
        &s,
        &dir,
        &["--runbook", rb.to_str().unwrap()],
        "done waited\n",
    );
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
}

#[test]
fn a_refused_value_is_shown_with_the_secret_inside_it_masked() {
    let s = Scratch::new();
    let rb = s.write(
        "p.yaml",
        "version: 1\nname: p\nparams:\n  tok: { secret: true, from_env: TOK }\n  host: { pattern: '^[a-z0-9-]+$' }\nsteps:\n  \
         - id: a\n    kind: verify\n    run: 'true'\n",
    );
    let run = s.run_with(&rb, &[&format!("host=db {TOKEN}")], "", with_token);
    assert_eq!(run.code, 2, "{}", run.explain());
    assert!(!run.stderr.contains(TOKEN), "{}", run.explain());
    assert!(run.stderr.contains("[REDACTED:tok]"), "{}", run.explain());
}

#[test]
fn a_lost_capture_is_unset_for_commands_never_masked_text() {
    let s = Scratch::new();
    // The rollback reads the capture only through the environment: nothing in its text names
    // it, so only its absence can keep masked text away.
    let rb = s.write(
        "cap.yaml",
        &CAPTURE.replace(
            "rollback: [ { run: 'echo \"restore $cid\" >> \"$SHISA_RUN_DIR/effects\"' } ]",
            "rollback: [ { run: '(env | grep ^cid= || echo unset) >> \"$SHISA_RUN_DIR/effects\"' } ]",
        ),
    );
    let first = s.run_with(&rb, &[], "", with_token);
    assert_eq!(first.code, 3, "{}", first.explain());
    let dir = first.dir().to_path_buf();
    let resumed = resume(&s, &dir, &[], "rollback\n");
    let e = effects(&dir);
    assert!(
        !e.contains("REDACTED"),
        "masked text reached a command: {e}"
    );
    assert!(e.contains("unset"), "{e}\n{}", resumed.explain());
}

#[test]
fn a_capture_that_starts_a_secret_stays_masked_in_titles_checks_and_logs() {
    let s = Scratch::new();
    let rb = s.write(
        "prefix.yaml",
        "version: 1\nname: p\nparams:\n  tok: { secret: true, from_env: TOK }\nsteps:\n  \
         - id: snap\n    kind: snapshot\n    run: '[ ! -e \"$SHISA_RUN_DIR/effects\" ] || cp \"$SHISA_RUN_DIR/effects\" \"$SHISA_RUN_DIR/effects.before\"; echo \"id=$tok\"'\n    capture: { cid: 'id=([a-z0-9]+)' }\n  \
         - id: look\n    kind: verify\n    title: \"restore point {{ cid }}\"\n    run: 'echo \"$cid\"'\n    \
         expect: { stdout_contains: 'nope {{ cid }}' }\n",
    );
    let mut c = s.shisa();
    c.env("TOK", "abcd1234-zz")
        .arg("run")
        .arg(&rb)
        .arg("--headless");
    let run = Run::from(feed(c, "abort\n"));
    assert_eq!(run.code, 1, "{}", run.explain());
    for (name, text) in [
        ("stdout", run.stdout.clone()),
        (
            "journal",
            std::fs::read_to_string(run.dir().join("journal.jsonl")).unwrap(),
        ),
        (
            "log",
            std::fs::read_to_string(run.dir().join("output/look.1.log")).unwrap(),
        ),
    ] {
        assert!(
            !text.contains("abcd1234"),
            "the start of the secret in the {name}:\n{text}"
        );
    }
}
