//! `shisa plan`: what a reviewer reads before anything runs.

mod common;

use common::{Scratch, runbook};

#[test]
fn the_plan_fills_values_masks_secrets_and_gives_the_window_verdict() {
    let s = Scratch::new();
    let rb = s.write(
        "plan.yaml",
        r#"version: 1
name: Quarantine
params:
  ou_id: { pattern: '^ou-' }
  token: { secret: true, from_env: PLAN_TEST_TOKEN }
window:
  timezone: Asia/Tokyo
  allow: ['Mon-Thu 10:00-16:00']
  deny: ['Fri 12:00-24:00']
steps:
  - id: save
    kind: snapshot
    run: orgctl export && echo saved x
    capture: { snap: 'saved (\S+)' }
  - id: attach
    kind: action
    title: Attach to {{ ou_id }}
    target: { describe: 'orgctl describe --id "$ou_id"', capture: 'Name: (\S+)', deny: ['^Root$'] }
    approval: required
    argv: [orgctl, attach, '{{ ou_id }}', --token, '{{ token }}']
    verify: [ { run: 'orgctl policies --target "$ou_id"', expect: { stdout_contains: 'p-deny' } } ]
    rollback: [ { argv: [orgctl, restore, '{{ snap }}'] } ]
  - id: tell
    kind: manual
    instructions: Post in the channel.
"#,
    );
    let out = s
        .shisa()
        .env("PLAN_TEST_TOKEN", "tok-s3cret-999")
        .env("SHISA_FAKE_NOW", "2023-12-08T17:15:00+09:00")
        .args(["plan", rb.to_str().unwrap(), "-p", "ou_id=ou-7x2q-quar2312"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("tok-s3cret-999"), "{text}");
    for want in [
        "token='[REDACTED:token]'",
        "Attach to ou-7x2q-quar2312",
        "MUTATING · approval required",
        "snapshot `save` (step 1) must have succeeded in this run",
        "orgctl attach ou-7x2q-quar2312 --token '[REDACTED:token]'",
        "with ou_id=ou-7x2q-quar2312",
        "capture /Name: (\\S+)/ · deny /^Root$/",
        "expect stdout contains \"p-deny\"",
        "orgctl restore '<snap from save>'",
        "OUTSIDE — Fri 2023-12-08 17:15 JST is inside the denied window `Fri 12:00-24:00`",
        "next opening Mon 2023-12-11 10:00 JST",
        "if attach",
        "Nothing has run.",
        // Three mistyped targets halt the run, resumable; they do not end it (cold read).
        "the operator types the resolved target back; 3 misses halt the run (exit 4); `shisa resume` looks the target up again and asks afresh",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(!text.contains("misses end the run"), "{text}");
}

/// The README shows `mutating: false`; `check` then asks for `read_only:` (cold read: the
/// README never said so). Wherever the README shows it, it shows `read_only:` beside it,
/// and an action written that way passes `check`.
#[test]
fn the_readme_shows_read_only_wherever_it_shows_mutating_false() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let paragraphs: Vec<&str> = readme.split("\n\n").collect();
    let shown: Vec<&&str> = paragraphs
        .iter()
        .filter(|p| p.contains("mutating: false"))
        .collect();
    assert!(!shown.is_empty());
    for p in shown {
        assert!(
            p.contains("read_only: "),
            "`mutating: false` without `read_only:` in:\n{p}"
        );
    }
    let s = Scratch::new();
    let rb = s.write(
        "ro.yaml",
        r#"version: 1
name: ro
steps:
  - id: look
    kind: action
    mutating: false
    read_only: "it lists the pool and changes nothing"
    run: echo pool
"#,
    );
    let out = s
        .shisa()
        .args(["check", rb.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_plan_with_a_refused_parameter_exits_2() {
    let s = Scratch::new();
    let out = s
        .shisa()
        .args([
            "plan",
            runbook("redis-volume.yaml").to_str().unwrap(),
            "-p",
            "data_dir=/",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("redis-volume.yaml:"));
}

#[test]
fn a_plan_shows_placeholders_for_values_not_given_yet() {
    let s = Scratch::new();
    let out = s
        .shisa()
        .args([
            "plan",
            runbook("quarantine-accounts.yaml").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "MISSING   policy_id, target_id — `shisa run` refuses until each has a value"
        ),
        "{text}"
    );
    assert!(
        text.contains("--target '<target_id: no value yet>'"),
        "{text}"
    );
}

/// `plan` names a step's failure choices where they differ from the usual ones, and they
/// are the ones the run then offers: a precheck that may be overridden, a change the
/// operator may go on past. A plain change says nothing.
#[test]
fn plan_names_the_failure_choices_the_run_offers_where_they_are_not_the_usual() {
    let s = Scratch::new();
    let rb = s.write(
        "choices.yaml",
        r#"version: 1
name: Choices
steps:
  - id: healthy
    kind: precheck
    run: "false"
    allow_override: true
  - id: tune
    kind: action
    run: "true"
    on_failure: continue
    waive: { snapshot: test, target: test, verify: test, rollback: test }
  - id: push
    kind: action
    run: "true"
    waive: { snapshot: test, target: test, verify: test, rollback: test }
"#,
    );
    let out = s
        .shisa()
        .args(["plan", rb.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let on_fail: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("on fail"))
        .map(str::trim)
        .collect();
    // The default is the engine's, as the TUI preselects it: rollback only where it would
    // undo something, and `tune` has no rollback of its own, nor anything before it to undo.
    assert_eq!(
        on_fail,
        [
            "retry (default), abort, override with a reason",
            "rollback, retry (default), abort, continue"
        ],
        "{text}"
    );
    // The precheck's question, when the run reaches it, offers exactly that.
    let run = s.run(&rb, &[], "abort\n");
    assert!(
        run.stdout
            .contains("— answer `retry`, `abort <reason>`, `override <reason>`"),
        "{}",
        run.explain()
    );
}
