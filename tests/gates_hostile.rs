//! The safety gates (blind targets, impact, rehearsal, approvals, review) under a hostile pass: each test is a way someone got past
//! a gate (or read what it hides) through the real binary, kept so it stays closed.

mod common;

use common::blind::blind_runbook;
use common::{Live, Scratch, Shared};

/// A late watcher is sent the output of earlier commands from their logs; the blind
/// lookup's log holds the very name the operator must come up with unaided. Anyone who may
/// watch (the operator in a second terminal included) read `Name: Root` there before it
/// was named.
#[test]
fn a_late_watcher_is_not_sent_the_blind_lookups_output_before_the_target_is_named() {
    let sh = Shared::new();
    let rb = blind_runbook(&sh.s);
    let mut c = sh.s.shisa();
    c.env("SHISA_SOCKET_DIR", &sh.sockets)
        .env("ORGCTL_STATE", sh.s.path().join("org"))
        .arg("run")
        .arg(&rb)
        .args(["--headless", "-p", "target_id=r-7x2q"]);
    let mut op = Live::start(c);
    op.wait_for("blind confirmation — name the target you intend", 30);
    let id = sh.run_id();

    let watcher = Live::start(sh.as_operator(&["watch", &id, "--headless"]));
    watcher.wait_for("started watching", 30);
    watcher.wait_for("the target is resolved; blind confirmation", 30);
    // The lookup ran and its record came; its output did not.
    watcher.wait_for("target lookup", 30);
    let seen = watcher.output();
    assert!(
        !seen.contains("Root") && !seen.contains("ROOT"),
        "the watcher was shown the blind lookup's output:\n{seen}"
    );
    // The rest of the backlog still comes: the snapshot's command and its end.
    assert!(seen.contains("snapshot taken"), "{seen}");

    op.close_stdin();
    let run = op.finish();
    assert_eq!(run.code, 3, "{}", run.explain());
    let mut w = watcher;
    let _ = w.child.kill();
    let _ = w.child.wait();
}

/// A count printed with its thousands grouped by a space (`printf "%'d"` in many locales,
/// `numfmt --grouping`) was read as its first group: `1 000 accounts` passed `at_most: 3`
/// as a count of 1, and the step ran.
#[test]
fn a_count_with_grouped_digits_is_not_read_as_its_first_group() {
    let s = Scratch::new();
    for printed in ["1 000 accounts", "1\u{202f}000 accounts", "2 4"] {
        let rb = s.write(
            "grouped.yaml",
            &format!(
                r#"version: 1
name: Grouped count
steps:
  - id: snap
    kind: snapshot
    run: 'touch "$SHISA_RUN_DIR/saved"'
  - id: change
    kind: action
    target:
      describe: echo thing
      impact: {{ run: printf '%s\n' '{printed}', at_most: 3 }}
    run: touch "$SHISA_RUN_DIR/changed"
    verify: [{{ run: test -e "$SHISA_RUN_DIR/changed" }}]
    rollback: [{{ run: rm "$SHISA_RUN_DIR/changed" }}]
"#
            ),
        );
        let run = s.run(&rb, &[], "thing\n");
        assert_eq!(run.code, 4, "{printed}: {}", run.explain());
        assert!(
            run.stdout
                .contains("the blast radius is unknown, so the step is refused"),
            "{printed}: {}",
            run.explain()
        );
        assert!(run.records("target_impact", None).is_empty(), "{printed}");
        assert!(!run.dir().join("changed").exists(), "{printed}");
    }
}

/// A runbook that needs a staging rehearsal before production; its precheck reads
/// `$SHISA_ENV` so each run says where it ran.
fn env_runbook(s: &Scratch, name: &str, says: &str) -> std::path::PathBuf {
    s.write(
        name,
        &format!(
            r#"version: 1
name: Env gate
environments:
  staging: {{}}
  production: {{ needs_rehearsal: staging, within: 14d }}
steps:
  - id: look
    kind: precheck
    run: echo "{says} in $SHISA_ENV"
"#
        ),
    )
}

fn run_env(s: &Scratch, rb: &std::path::Path, env: &str, fake_now: Option<&str>) -> common::Run {
    let mut c = s.shisa();
    c.arg("run").arg(rb).args(["--headless", "--env", env]);
    if let Some(t) = fake_now {
        c.env("SHISA_FAKE_NOW", t);
    }
    common::Run::from(common::feed(c, ""))
}

/// A staging run stamped in the future (a clock set ahead, then put right; here the debug
/// build's faked clock) was "finished within 14d" for ever: a negative age read as fresh.
#[test]
fn a_rehearsal_stamped_after_now_is_no_evidence() {
    let s = Scratch::new();
    let rb = env_runbook(&s, "env.yaml", "looked");
    let staging = run_env(&s, &rb, "staging", Some("2099-01-01T00:00:00Z"));
    assert_eq!(staging.code, 0, "{}", staging.explain());
    let prod = run_env(&s, &rb, "production", None);
    assert_eq!(prod.code, 4, "{}", prod.explain());
    assert!(
        prod.stdout.contains("completed after this run's clock")
            || prod.stderr.contains("completed after this run's clock"),
        "{}",
        prod.explain()
    );
    assert!(prod.records("step_started", None).is_empty(), "nothing ran");
}

/// `resume --runbook FILE --reason` lets a run go on with an edited runbook where every
/// finished step is unchanged. Such a staging run rehearsed the edited text, not the one it
/// started with: yet it was the evidence for the first version (whose failing precheck
/// never passed anywhere) and none for the second.
#[test]
fn a_rehearsal_resumed_with_an_edited_runbook_is_evidence_for_the_edit_only() {
    let s = Scratch::new();
    let first = env_runbook(&s, "v1.yaml", "v1");
    let text = std::fs::read_to_string(&first).unwrap();
    // The first version's precheck fails in staging; the edit fixes it.
    std::fs::write(&first, text.replace("echo \"v1", "false \"v1")).unwrap();
    let edited = s.write("v2.yaml", &text.replace("echo \"v1", "echo \"v2"));

    let staging = run_env(&s, &first, "staging", None);
    assert_eq!(staging.code, 3, "{}", staging.explain());
    let mut c = s.shisa();
    c.arg("resume")
        .arg(staging.dir())
        .arg("--runbook")
        .arg(&edited)
        .args(["--reason", "the precheck was wrong", "--headless"]);
    let resumed = common::Run::from(common::feed(c, "retry\n"));
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
    assert_eq!(resumed.outcome(), "completed", "{}", resumed.explain());
    let id = staging
        .dir()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();

    let prod_first = run_env(&s, &first, "production", None);
    assert_eq!(prod_first.code, 4, "{}", prod_first.explain());
    assert!(prod_first.records("step_started", None).is_empty());

    let prod_edited = run_env(&s, &edited, "production", None);
    assert_eq!(prod_edited.code, 0, "{}", prod_edited.explain());
    let started = &prod_edited.records("run_started", None)[0];
    assert_eq!(
        started["data"]["rehearsal"]["run_id"],
        id.as_str(),
        "{started}"
    );
}

/// A staging run's directory copied under another run id was the evidence, named by the
/// copy's id: the production run and its export cited a run that never happened.
#[test]
fn a_rehearsal_copied_under_another_run_id_is_no_evidence() {
    let s = Scratch::new();
    let rb = env_runbook(&s, "env.yaml", "looked");
    let staging = run_env(&s, &rb, "staging", None);
    assert_eq!(staging.code, 0, "{}", staging.explain());
    // The copy, then the original moved out of the journal directory.
    let copy = s.journals().join("20261201T000000Z-beef");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(staging.dir())
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::rename(staging.dir(), s.path().join("moved")).unwrap();

    let prod = run_env(&s, &rb, "production", None);
    assert_eq!(prod.code, 4, "{}", prod.explain());
    assert!(
        prod.stdout.contains("20261201T000000Z-beef") && prod.stdout.contains("not its own"),
        "{}",
        prod.explain()
    );
}

/// `shisa review`'s failure-mode table promises one row per way a single command can fail.
/// An impact count that fails with no change in place ends the run refused, with no
/// question, and the walk wrote rows only at questions: the row was missing (incident
/// 002's own runbook included). The row now says what the real run does.
#[test]
fn the_review_has_a_row_for_an_impact_count_that_fails_and_it_matches_the_real_run() {
    let s = Scratch::new();
    let rb = s.write(
        "count.yaml",
        r#"version: 1
name: Count fails
steps:
  - id: snap
    kind: snapshot
    run: 'touch "$SHISA_RUN_DIR/saved"'
  - id: change
    kind: action
    target:
      describe: echo thing
      impact: { run: 'exit 3', at_most: 5 }
    run: touch "$SHISA_RUN_DIR/changed"
    verify: [{ run: test -e "$SHISA_RUN_DIR/changed" }]
    rollback: [{ run: rm "$SHISA_RUN_DIR/changed" }]
"#,
    );
    let doc = s.shisa().arg("review").arg(&rb).output().unwrap();
    let doc = String::from_utf8_lossy(&doc.stdout).into_owned();
    let row = doc
        .lines()
        .find(|l| l.contains("`change` — its target's `impact` count"))
        .unwrap_or_else(|| panic!("no row for the impact count:\n{doc}"));
    assert!(
        row.contains("nothing: the run ends")
            && row.contains("the blast radius is unknown, so the step is refused: exit 1")
            && row.ends_with("| refused |"),
        "{row}"
    );

    let run = s.run(&rb, &[], "");
    assert_eq!(run.code, 4, "{}", run.explain());
    assert_eq!(run.outcome(), "refused");
    assert!(
        !run.stdout.contains("? "),
        "nothing was asked: {}",
        run.stdout
    );
}

/// Two ✓ in `shisa review`'s checklist that were false: "rehearsal evidence required" when
/// one environment needed it but production did not (`run --env production` ran with no
/// evidence), and "a notice step" for a manual step that only mentioned the customer.
#[test]
fn the_review_checklist_gives_no_tick_for_a_rehearsal_production_skips_or_a_mere_mention() {
    let s = Scratch::new();
    let rb = s.write(
        "loose.yaml",
        r#"version: 1
name: Loose
environments:
  staging: {}
  qa: { needs_rehearsal: staging, within: 14d }
  production: {}
steps:
  - id: save
    kind: snapshot
    run: 'touch "$SHISA_RUN_DIR/saved"'
  - id: lookup
    kind: manual
    title: Look up the customer id in the CRM
    instructions: Open the CRM and note the customer id for the ticket.
  - id: change
    kind: action
    target: { describe: echo thing }
    run: touch "$SHISA_RUN_DIR/changed"
    verify: [{ run: test -e "$SHISA_RUN_DIR/changed" }]
    rollback: [{ run: rm "$SHISA_RUN_DIR/changed" }]
"#,
    );
    let doc = s.shisa().arg("review").arg(&rb).output().unwrap();
    let doc = String::from_utf8_lossy(&doc.stdout).into_owned();
    let point = |name: &str| {
        doc.lines()
            .find(|l| l.starts_with(&format!("| {name}")))
            .unwrap_or_else(|| panic!("no {name}:\n{doc}"))
            .to_string()
    };
    let rehearsal = point("Rehearsal evidence required");
    assert!(
        rehearsal.contains("| ✗ |")
            && rehearsal.contains("`production` starts with no rehearsal evidence"),
        "{rehearsal}"
    );
    let notice = point("A notice step");
    assert!(
        notice.contains("| a human must judge |")
            && notice.contains("`lookup` (")
            && notice.contains("mentions the customer but says no notice"),
        "{notice}"
    );

    // What the ✗ says is what happens: production runs with no evidence at all.
    let mut c = s.shisa();
    c.arg("run")
        .arg(&rb)
        .args(["--headless", "--env", "production"]);
    let run = common::Run::from(common::feed(c, "done\nthing\n"));
    assert_eq!(run.code, 0, "{}", run.explain());
}

/// Production started on the evidence of a rehearsed version, stopped at a manual step, and
/// was resumed with an edited runbook (`resume --runbook FILE --reason`): the edited step,
/// never rehearsed anywhere, ran in production. The evidence was checked at the start only.
#[test]
fn resuming_production_with_an_unrehearsed_edit_is_refused_and_a_rehearsed_one_goes_on() {
    let s = Scratch::new();
    let text = r#"version: 1
name: Env resume
environments:
  staging: {}
  production: { needs_rehearsal: staging, within: 14d }
steps:
  - id: look
    kind: precheck
    run: "true"
  - id: ask
    kind: manual
    title: Wait here
    instructions: Press done when ready.
  - id: after
    kind: precheck
    run: echo "VERSION in $SHISA_ENV"
"#;
    let first = s.write("v1.yaml", &text.replace("VERSION", "rehearsed"));
    let edited = s.write("v2.yaml", &text.replace("VERSION", "unrehearsed"));
    let feed = |mut c: std::process::Command, stdin: &str| {
        c.arg("--headless");
        common::Run::from(common::feed(c, stdin))
    };
    let run = |rb: &std::path::Path, env: &str, stdin: &str| {
        let mut c = s.shisa();
        c.arg("run").arg(rb).args(["--env", env]);
        feed(c, stdin)
    };
    let resume = |dir: &std::path::Path, rb: &std::path::Path| {
        let mut c = s.shisa();
        c.arg("resume")
            .arg(dir)
            .arg("--runbook")
            .arg(rb)
            .args(["--reason", "a late edit"]);
        feed(c, "done\n")
    };
    assert_eq!(run(&first, "staging", "done\n").code, 0);
    let prod = run(&first, "production", "");
    assert_eq!(
        prod.code,
        3,
        "stopped at the manual step: {}",
        prod.explain()
    );

    let refused = resume(prod.dir(), &edited);
    assert_eq!(refused.code, 4, "{}", refused.explain());
    let all = format!("{}{}", refused.stdout, refused.stderr);
    assert!(
        all.contains("`production` needs a rehearsal in `staging`")
            && all.contains("a different version of the runbook"),
        "{all}"
    );
    assert!(
        !common::journal(prod.dir())
            .iter()
            .any(|r| r["kind"] == "runbook_changed" || r["kind"] == "run_resumed"),
        "the refused resume wrote nothing"
    );

    // Rehearse the edit, and the same resume goes on.
    assert_eq!(run(&edited, "staging", "done\n").code, 0);
    let went_on = resume(prod.dir(), &edited);
    assert_eq!(went_on.code, 0, "{}", went_on.explain());
    assert!(
        went_on.stdout.contains("unrehearsed in production"),
        "{}",
        went_on.explain()
    );
}

/// `shisa approve` took any number of blind guesses from one reviewer; three misses and
/// their fourth try is refused, to their face and on the operator's screen.
#[test]
fn a_reviewer_has_three_blind_guesses_through_shisa_approve() {
    if !common::is_root() {
        return;
    }
    let sh = Shared::new();
    let mut op = sh.operator(
        &common::runbook("quarantine-accounts.yaml"),
        &["target_id=ou-7x2q-quar2312", "policy_id=p-denyall01"],
    );
    op.wait_for("blind confirmation — name the target you intend", 30);
    op.send("quarantine-2023-12");
    op.wait_for("waiting for another person to run `shisa approve", 30);
    let id = sh.run_id();
    let approve = |typed: &str| {
        let o = sh
            .as_nobody(&["approve", &id, "--typed", typed])
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    for guess in ["quarantine-2023-10", "quarantine-2023-11", "Root"] {
        let (code, out) = approve(guess);
        assert_eq!(code, Some(1), "{out}");
        assert!(out.contains("is not the resolved target"), "{out}");
    }
    let (code, out) = approve("quarantine-2023-12");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(
            "you named the target wrong 3 times; a blind confirmation gives no more tries"
        ),
        "{out}"
    );
    op.wait_for("you named the target wrong 3 times", 30);
    op.send("abort enough");
    let run = op.finish();
    assert!(
        run.records("approval_granted", None).is_empty(),
        "{}",
        run.explain()
    );
}

/// An empty line at the blind prompt (Enter pressed twice, a paste ending in a blank line)
/// was a miss: three Enters halted the run, and the halt names the resolved target, which
/// `shisa resume` then accepts typed back, a copy after all. An empty line is no try.
#[test]
fn an_empty_line_at_the_blind_prompt_is_not_a_miss() {
    let s = Scratch::new();
    let rb = blind_runbook(&s);
    let run = s.run_with(
        &rb,
        &["target_id=ou-7x2q-quar2312"],
        "\n\n  \n\nquarantine-2023-12\n",
        |c| {
            c.env("ORGCTL_STATE", s.path().join("org"));
        },
    );
    assert_eq!(run.code, 0, "{}", run.explain());
    assert!(
        run.records("target_mismatch", None).is_empty(),
        "{}",
        run.explain()
    );
    assert!(
        run.stdout
            .contains("nothing was typed: name the target you intend"),
        "{}",
        run.explain()
    );
    let (before, _) = run
        .stdout
        .split_once("named the intended target blind")
        .expect("confirmed blind");
    assert!(!before.contains("resolved `"), "{before}");
}
