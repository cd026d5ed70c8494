//! `shisa run --headless` end to end: the journal a user would read after each kind of run.

mod common;

use common::{Scratch, runbook};

#[test]
fn the_demo_runs_green_and_its_journal_verifies() {
    let s = Scratch::new();
    let run = s.run(
        &runbook("demo.yaml"),
        &[],
        "quarantine-2023-12\ndone posted in #inc-42\n",
    );
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(run.outcome(), "completed");
    assert_eq!(
        run.commands(),
        [
            "caller:main",
            "save-attachments:main",
            "attach-deny:describe",
            "attach-deny:main",
            "attach-deny:verify-1",
            "attach-deny:verify-2",
            "attach-deny:verify-3"
        ]
    );
    let confirmed = &run.records("target_confirmed", Some("attach-deny"))[0];
    assert_eq!(confirmed["data"]["typed"], "quarantine-2023-12");
    assert_eq!(confirmed["actor"]["role"], "operator");
    let done = &run.records("manual_done", Some("tell-customer"))[0];
    assert_eq!(done["data"]["note"], "posted in #inc-42");
    // Write-ahead: each command's start is journaled before its result, and the output
    // log the result names holds the bytes it counted.
    let finished = &run.records("command_finished", Some("attach-deny"))[1];
    let log = std::fs::read(run.dir().join(finished["data"]["log"].as_str().unwrap())).unwrap();
    assert_eq!(
        log.len() as u64,
        finished["data"]["bytes"].as_u64().unwrap()
    );
    assert!(String::from_utf8_lossy(&log).contains("attached p-denyall01 to ou-7x2q-quar2312"));
    let verify = s.verify(run.dir());
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    assert!(run.stdout.contains("shisa: journal verified — "));
    assert!(
        run.stdout.contains(
            "? Attach Deny-all to the quarantine OU: type the target `quarantine-2023-12`"
        )
    );
}

#[test]
fn three_wrong_targets_refuse_the_step_and_the_run_resumes_where_it_stood() {
    let s = Scratch::new();
    let run = s.run(
        &runbook("demo.yaml"),
        &[],
        "quarantine\nRoot\nquarantine-2023-11\n",
    );
    assert_eq!(run.code, 4, "{}", run.explain());
    assert_eq!(
        run.outcome(),
        "",
        "not finished for good: {}",
        run.explain()
    );
    assert_eq!(run.records("target_mismatch", None).len(), 3);
    let stopped = &run.records("run_interrupted", Some("attach-deny"))[0];
    let why = stopped["data"]["reason"].as_str().unwrap();
    assert!(why.contains("did not match `quarantine-2023-12`"), "{why}");
    assert!(
        run.stdout.contains(why),
        "the reason is printed: {}",
        run.stdout
    );
    assert!(run.stdout.contains("shisa resume"), "{}", run.stdout);
    assert!(run.stdout.contains("(1 try left)"), "{}", run.stdout);
    assert!(!run.commands().contains(&"attach-deny:main".to_string()));
    // What --help says about exit 4 is what happened: halted, and resumable.
    let help = s.shisa().arg("--help").output().unwrap();
    // Read as words: clap wraps to the terminal's width.
    let help = String::from_utf8_lossy(&help.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        help.contains(
            "halted and resumable (three mistyped targets: `shisa resume RUN` asks again"
        ),
        "{help}"
    );

    let resumed = s.resume(run.dir(), "quarantine-2023-12\ndone\n");
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
    assert_eq!(resumed.outcome(), "completed");
    let ran = resumed.commands();
    // The precheck and the snapshot ran once, before the misses; the lookup twice.
    assert_eq!(ran.iter().filter(|c| *c == "caller:main").count(), 1);
    assert_eq!(
        ran.iter().filter(|c| *c == "save-attachments:main").count(),
        1
    );
    assert_eq!(
        ran.iter().filter(|c| *c == "attach-deny:describe").count(),
        2
    );
    assert!(ran.contains(&"attach-deny:main".to_string()));
    assert!(
        !resumed.stdout.contains("did it finish?"),
        "a target never typed is not in doubt: {}",
        resumed.stdout
    );
}

#[test]
fn a_denied_target_is_refused_with_no_way_around() {
    let s = Scratch::new();
    let run = s.run(&runbook("demo.yaml"), &["ou_id=r-7x2q"], "Root\n");
    assert_eq!(run.code, 4, "{}", run.explain());
    let denied = &run.records("target_denied", None)[0];
    assert_eq!(denied["data"]["resolved"], "Root");
    assert_eq!(denied["data"]["rule"], "deny");
    assert!(!run.commands().contains(&"attach-deny:main".to_string()));
    assert!(
        !run.stdout.contains("? Attach"),
        "no prompt is offered for a denied target"
    );
}

const GATES: &str = r#"version: 1
name: gates
params:
  fail_snapshot: { choices: ['yes', 'no'], default: 'no' }
  fail_precheck: { choices: ['yes', 'no'], default: 'no' }
steps:
  - id: pre
    kind: precheck
    run: '[ "$fail_precheck" = no ]'
  - id: snap
    kind: snapshot
    run: '[ "$fail_snapshot" = no ] && echo saved'
    on_failure: continue
  - id: change
    kind: action
    target: { describe: echo thing }
    run: echo changed >> "$SHISA_RUN_DIR/effects"
    verify: [ { run: 'true' } ]
    rollback: [ { run: 'echo undone >> "$SHISA_RUN_DIR/effects"' } ]
"#;

#[test]
fn a_snapshot_that_failed_at_run_time_blocks_the_change() {
    let s = Scratch::new();
    let rb = s.write("gates.yaml", GATES);
    let run = s.run(&rb, &["fail_snapshot=yes"], "continue\nthing\n");
    assert_eq!(run.code, 4, "{}", run.explain());
    let finished = run.records("step_finished", Some("change"));
    assert!(
        finished[0]["data"]["reason"]
            .as_str()
            .unwrap()
            .contains("snapshot step `snap` has not succeeded")
    );
    assert!(
        !run.dir().join("effects").exists(),
        "the change must not run"
    );
}

#[test]
fn a_failed_precheck_stops_the_run_when_aborted() {
    let s = Scratch::new();
    let rb = s.write("gates.yaml", GATES);
    let run = s.run(
        &rb,
        &["fail_precheck=yes"],
        "override no way\nabort the role is wrong\n",
    );
    assert_eq!(run.code, 1, "{}", run.explain());
    assert!(
        run.stdout
            .contains("not possible: `override` is not possible here; choose retry, abort"),
        "{}",
        run.explain()
    );
    assert_eq!(
        run.records("operator_choice", None)[0]["data"]["reason"],
        "the role is wrong"
    );
    assert_eq!(run.commands(), ["pre:main"]);
}

#[test]
fn outside_the_window_nothing_starts_unless_overridden_with_a_reason() {
    let s = Scratch::new();
    // Tuesday 12:30 in Tokyo is peak time for the database runbook.
    let peak = |c: &mut std::process::Command| {
        c.env("SHISA_FAKE_NOW", "2026-11-24T12:30:00+09:00")
            .arg("--share-with")
            .arg(common::my_group());
    };
    let run = s.run_with(
        &runbook("narrow-db-admin.yaml"),
        &[
            "new_host=10.0.%",
            &format!("approvers={}", common::my_group()),
        ],
        "",
        peak,
    );
    assert_eq!(run.code, 4, "{}", run.explain());
    assert_eq!(
        run.kinds(),
        ["run_started", "override", "window_checked", "run_finished"]
    );
    let checked = &run.records("window_checked", None)[0];
    assert_eq!(checked["data"]["inside"], false);
    assert_eq!(
        run.records("override", None)[0]["data"]["what"],
        "clock",
        "a faked clock is always journaled"
    );
    assert!(run.commands().is_empty());

    let run = s.run_with(
        &runbook("narrow-db-admin.yaml"),
        &[
            "new_host=10.0.%",
            &format!("approvers={}", common::my_group()),
        ],
        "10.0.%\nadmin@%\n",
        |c| {
            peak(c);
            c.arg("--outside-window")
                .arg("INC-7: the console is exposed to the internet now");
        },
    );
    let window = run
        .records("override", None)
        .into_iter()
        .find(|r| r["data"]["what"] == "window")
        .expect("override journaled");
    assert_eq!(
        window["data"]["reason"],
        "INC-7: the console is exposed to the internet now"
    );
    assert!(
        run.commands().len() >= 3,
        "the prechecks ran: {}",
        run.explain()
    );
}

const THREE: &str = r#"version: 1
name: three changes
steps:
  - id: snap
    kind: snapshot
    run: '[ ! -e "$SHISA_RUN_DIR/effects" ] || cp "$SHISA_RUN_DIR/effects" "$SHISA_RUN_DIR/effects.before"; echo saved'
  - id: one
    kind: action
    target: { describe: echo one }
    run: echo do-1 >> "$SHISA_RUN_DIR/effects"
    verify: [ { run: 'true' } ]
    rollback: [ { run: 'echo undo-1 >> "$SHISA_RUN_DIR/effects"' } ]
  - id: two
    kind: action
    target: { describe: echo two }
    run: echo do-2 >> "$SHISA_RUN_DIR/effects"
    verify: [ { run: 'true' } ]
    rollback: [ { run: 'echo undo-2 >> "$SHISA_RUN_DIR/effects"' } ]
  - id: three
    kind: action
    target: { describe: echo three }
    run: echo do-3 >> "$SHISA_RUN_DIR/effects"
    verify:
      - run: echo 403
        expect: { stdout_equals: '401' }
    rollback: [ { run: 'echo undo-3 >> "$SHISA_RUN_DIR/effects"' } ]
"#;

#[test]
fn a_failure_at_the_third_change_unwinds_all_three_in_reverse() {
    let s = Scratch::new();
    let rb = s.write("three.yaml", THREE);
    let run = s.run(&rb, &[], "one\ntwo\nthree\nrollback\n");
    assert_eq!(run.code, 1, "{}", run.explain());
    assert_eq!(run.outcome(), "rolled_back");
    let effects = std::fs::read_to_string(run.dir().join("effects")).unwrap();
    assert_eq!(effects, "do-1\ndo-2\ndo-3\nundo-3\nundo-2\nundo-1\n");
    let failed = &run.records("expect_failed", Some("three"))[0];
    assert_eq!(failed["data"]["expectation"], "stdout is \"401\"");
    assert_eq!(failed["data"]["detail"], "\"403\"");
    let rolled: Vec<String> = run
        .records("step_finished", None)
        .iter()
        .filter(|r| r["data"]["status"] == "rolled_back")
        .map(|r| r["step"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(rolled, ["three", "two", "one"]);
    assert_eq!(
        run.records("rollback_started", None)[0]["data"]["plan"],
        serde_json::json!(["three", "two", "one"])
    );
}

const ECHO: &str = r#"version: 1
name: hostile values
params:
  value: {}
steps:
  - id: argv
    kind: precheck
    argv: [printf, '%s', '{{ value }}']
  - id: script
    kind: precheck
    run: printf '%s' "$value"
"#;

#[test]
fn hostile_parameter_values_arrive_byte_for_byte_and_execute_nothing() {
    let s = Scratch::new();
    let rb = s.write("echo.yaml", ECHO);
    let canary = s.path().join("pwned");
    let c = canary.display();
    let values = [
        format!("$(touch {c})"),
        format!("`touch {c}`"),
        format!("'; touch {c}; '"),
        format!("\"; touch {c}; \""),
        format!("x; touch {c}"),
        format!("$((1+1)) ${{HOME}} \\ * ? [a] ~ && || | > {c}"),
    ];
    for v in &values {
        let run = s.run(&rb, &[&format!("value={v}")], "");
        assert_eq!(run.code, 0, "{v}: {}", run.explain());
        for step in ["argv", "script"] {
            let log = std::fs::read(run.dir().join(format!("output/{step}.1.log"))).unwrap();
            assert_eq!(
                String::from_utf8(log).unwrap(),
                *v,
                "{step} got other bytes than given"
            );
        }
        assert!(!canary.exists(), "{v} executed something");
    }
}

const SECRET: &str = r#"version: 1
name: secret
params:
  token: { secret: true, from_env: SHISA_TEST_TOKEN }
steps:
  - id: use
    kind: precheck
    run: |
      echo "token is $token"
      echo "again: ${token}" >&2
      printf '%s' "$token" | rev
    expect: { stdout_contains: 'token is' }
  - id: argv
    kind: precheck
    argv: [echo, '{{ token }}']
"#;

#[test]
fn a_secret_is_in_no_file_of_the_run_and_not_on_screen() {
    let s = Scratch::new();
    let rb = s.write("secret.yaml", SECRET);
    let secret = "s3cr3t-Hunter2-value";
    let run = s.run_with(&rb, &[], "note the token is s3cr3t-Hunter2-value\n", |c| {
        c.env("SHISA_TEST_TOKEN", secret);
    });
    assert_eq!(run.code, 0, "{}", run.explain());
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "{}",
        run.explain()
    );
    assert!(run.stdout.contains("token is [REDACTED:token]"));
    let mut files = 0;
    for entry in walk(run.dir()) {
        let bytes = std::fs::read(&entry).unwrap();
        files += 1;
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "{} holds the secret",
            entry.display()
        );
    }
    assert!(files >= 4);
    let use_log = std::fs::read_to_string(run.dir().join("output/use.1.log")).unwrap();
    assert!(use_log.contains("again: [REDACTED:token]"), "{use_log}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}

#[test]
fn verify_names_the_first_edited_or_missing_line() {
    let s = Scratch::new();
    let run = s.run(&runbook("demo.yaml"), &[], "quarantine-2023-12\ndone\n");
    let path = run.dir().join("journal.jsonl");
    let original = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = original.lines().collect();

    let edited = original.replacen(
        "quarantine-2023-12\",\"typed",
        "quarantine-2023-13\",\"typed",
        1,
    );
    assert_ne!(edited, original);
    let edited_line = lines
        .iter()
        .position(|l| l.contains("target_confirmed"))
        .unwrap()
        + 1;
    std::fs::write(&path, &edited).unwrap();
    let out = s.verify(run.dir());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("BROKEN at line {}", edited_line + 1)),
        "{text}"
    );

    let mut deleted = lines.clone();
    deleted.remove(5);
    std::fs::write(&path, deleted.join("\n") + "\n").unwrap();
    let out = s.verify(run.dir());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("BROKEN at line 6: seq is 7, expected 6")
    );

    std::fs::write(&path, &original).unwrap();
    let log = run.dir().join("output/attach-deny.1.log");
    std::fs::write(&log, "attached nothing\n").unwrap();
    let out = s.verify(run.dir());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("output/attach-deny.1.log was changed"));
}

#[test]
fn missing_parameters_are_an_error_not_a_prompt() {
    let s = Scratch::new();
    let run = s.run(
        &runbook("quarantine-accounts.yaml"),
        &["policy_id=p-denyall01"],
        "",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("parameter `target_id`"),
        "{}",
        run.explain()
    );
    assert!(run.run_dir.is_none(), "nothing ran, so no run directory");
}

#[test]
fn a_timeout_stops_the_whole_process_group() {
    let s = Scratch::new();
    let rb = s.write(
        "slow.yaml",
        "version: 1\nname: slow\nsteps:\n  - id: slow\n    kind: precheck\n    timeout: 500ms\n    \
         run: 'sleep 31.4159 & sleep 31.4159; wait'\n",
    );
    let started = std::time::Instant::now();
    let run = s.run(&rb, &[], "abort too slow\n");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(run.code, 1, "{}", run.explain());
    let finished = &run.records("command_finished", Some("slow"))[0];
    assert_eq!(finished["data"]["timed_out"], true);
    assert_eq!(finished["data"]["failure"], "timed out after 500ms");
    let left = std::process::Command::new("pgrep")
        .args(["-f", "sleep 31.4159"])
        .output()
        .unwrap();
    assert!(
        left.stdout.is_empty(),
        "the background child survived: {}",
        String::from_utf8_lossy(&left.stdout)
    );
}

#[test]
fn a_secret_with_quotes_in_a_failed_expectation_stays_out_of_every_file() {
    let s = Scratch::new();
    let rb = s.write(
        "leak.yaml",
        "version: 1\nname: leak\nparams:\n  pw: { secret: true, from_env: LEAK_PW }\n  pin: { secret: true, from_env: LEAK_PIN }\n\
         steps:\n  - id: login\n    kind: precheck\n    run: 'echo \"pw is $pw and pin $pin\"'\n    expect: { stdout_equals: welcome }\n",
    );
    let secret = r#"s3cr"et\x-long-enough-to-cross-the-cut"#;
    let run = s.run_with(&rb, &[], "abort\n", |c| {
        c.env("LEAK_PW", secret).env("LEAK_PIN", "731946");
    });
    assert_eq!(run.code, 1, "{}", run.explain());
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains("s3cr"), "{text}");
    }
    for f in walk(run.dir()) {
        let body = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(
            !body.contains("s3cr") && !body.contains("731946"),
            "{} holds a secret:\n{body}",
            f.display()
        );
    }
    let failed = &run.records("step_failed", Some("login"))[0];
    assert!(
        failed["data"]["reason"]
            .as_str()
            .unwrap()
            .contains("[REDACTED:pw]"),
        "{failed}"
    );
    assert_eq!(s.verify(run.dir()).status.code(), Some(0));
}

#[test]
fn escape_sequences_in_captures_never_reach_the_terminal_raw() {
    let s = Scratch::new();
    let rb = s.write(
        "esc.yaml",
        "version: 1\nname: esc\nsteps:\n  - id: snap\n    kind: snapshot\n    \
         run: printf 'saved \\033]0;PWNED\\007\\033[2Jx\\n' | tee \"$SHISA_RUN_DIR/snapshot.txt\"\n    capture: { id: 'saved (\\S+)' }\n",
    );
    let run = s.run(&rb, &[], "");
    assert_eq!(run.code, 0, "{}", run.explain());
    assert!(
        !run.stdout.contains('\u{1b}') && !run.stdout.contains('\u{7}'),
        "{:?}",
        run.stdout
    );
    assert!(
        run.stdout.contains("snapshot taken (`id="),
        "{}",
        run.stdout
    );
}

#[test]
fn a_runbook_needing_a_second_person_does_not_start_unshared() {
    let s = Scratch::new();
    let run = s.run(
        &runbook("quarantine-accounts.yaml"),
        &["target_id=ou-7x2q-quar2312", "policy_id=p-denyall01"],
        "",
    );
    assert_eq!(run.code, 2, "{}", run.explain());
    assert!(
        run.stderr
            .contains("step `attach-deny` needs a second person's approval"),
        "{}",
        run.explain()
    );
    assert!(
        run.stderr.contains("--share-with GROUP"),
        "{}",
        run.explain()
    );
    assert!(run.run_dir.is_none(), "nothing ran");
}

/// `allow_self` on a run shared with nobody: the prompt sends the operator to no one else,
/// and the operator who has just typed the target approves with `approve` alone; the
/// journal has the target as typed (issue 14, items 9 and 12).
#[test]
fn self_approval_unshared_names_nobody_else_and_asks_no_second_typing() {
    let s = Scratch::new();
    let rb = s.write(
        "self.yaml",
        "version: 1\nname: self approval\nsteps:\n  - id: snap\n    kind: snapshot\n    run: 'echo off > \"$SHISA_RUN_DIR/flag.before\"'\n  \
         - id: change\n    kind: action\n    title: Flip the flag\n    target: { describe: echo flag-7 }\n    \
         approval: { allow_self: true }\n    run: echo on > \"$SHISA_RUN_DIR/flag\"\n    verify: [ { run: 'true' } ]\n    \
         rollback: [ { run: 'cp \"$SHISA_RUN_DIR/flag.before\" \"$SHISA_RUN_DIR/flag\"' } ]\n",
    );
    let run = s.run(&rb, &[], "flag-7\napprove\n");
    assert_eq!(run.code, 0, "{}", run.explain());
    assert!(
        run.stdout.contains(
            "Flip the flag: needs approval; `approve` to approve it yourself (you typed the target already)"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("another person"), "{}", run.stdout);
    let granted = &run.records("approval_granted", Some("change"))[0];
    assert_eq!(granted["data"]["typed"], "flag-7");
    assert_eq!(granted["data"]["self_approved"], true);
}
