//! Blind target confirmation and the blast radius (`impact` / `at_most`), through the real
//! binary against the simulators (incidents 002 and 001).

mod common;

use std::process::Command;

use common::blind::blind_runbook;
use common::{Scratch, root, runbook};

/// Asks a simulator about the world a run left behind.
fn sim(run: &common::Run, tool: &str, args: &[&str]) -> String {
    let out = Command::new(root().join("assets/sim").join(tool))
        .args(args)
        .env("SHISA_RUN_DIR", run.dir())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn blind_confirmation_refuses_the_root_even_though_deny_does_not_name_it() {
    let s = Scratch::new();
    let rb = blind_runbook(&s);
    // The operator names the OU the ticket names, three times; the system resolved Root.
    let intended = "quarantine-2023-12\n".repeat(3);
    let run = s.run(&rb, &["target_id=r-7x2q"], &intended);
    assert_eq!(run.code, 4, "{}", run.explain());
    assert!(
        run.stdout.contains(
            "? Attach the Deny-all policy: blind confirmation — name the target you intend, from the ticket"
        ),
        "{}",
        run.explain()
    );
    // Nothing the operator saw before the refusal named the root: not the lookup's output,
    // not its record, not a miss.
    let (before, after) = run
        .stdout
        .split_once("INTERRUPTED")
        .expect("the run halts at the target");
    assert!(
        !before.contains("Root"),
        "shown before it was named:\n{before}"
    );
    assert!(
        after.contains("the last named was `quarantine-2023-12`, the system resolved `Root`"),
        "{after}"
    );
    let misses = run.records("target_mismatch", Some("attach"));
    assert_eq!(misses.len(), 3);
    for m in &misses {
        assert_eq!(m["data"]["typed"], "quarantine-2023-12");
        assert_eq!(m["data"]["resolved"], "Root");
        assert_eq!(m["data"]["blind"], true);
    }
    assert!(
        !run.commands().iter().any(|c| c == "attach:main"),
        "the change never started: {:?}",
        run.commands()
    );
    assert_eq!(
        sim(&run, "orgctl", &["policies", "--target", "root"]),
        "p-FullAWSAccess"
    );

    // The postmortem says what was intended beside what the system resolved.
    let md = s.shisa().arg("export").arg(run.dir()).output().unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(
        md.contains(
            "blind: intended “quarantine-2023-12”, the system resolved “Root” — mismatch: miss 3 of 3"
        ),
        "{md}"
    );
    let json = s
        .shisa()
        .args(["export", "--format", "json"])
        .arg(run.dir())
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let targets = &json["runs"][0]["targets"];
    assert_eq!(targets[0]["confirm"], "blind");
    assert_eq!(targets[0]["intended"], "quarantine-2023-12");
    assert_eq!(targets[0]["resolved"], "Root");
    assert_eq!(targets[0]["result"], "mismatch");
}

#[test]
fn naming_the_intended_ou_goes_on_and_the_export_shows_both() {
    let s = Scratch::new();
    let rb = blind_runbook(&s);
    let run = s.run(&rb, &["target_id=ou-7x2q-quar2312"], "quarantine-2023-12\n");
    assert_eq!(run.code, 0, "{}", run.explain());
    // Named and matched: only now is the operator told what the system resolved.
    let (before, after) = run
        .stdout
        .split_once("named the intended target blind")
        .expect("confirmed blind");
    assert!(!before.contains("resolves to"), "{before}");
    assert!(
        after.contains("the target resolves to `quarantine-2023-12`"),
        "{after}"
    );
    let confirmed = &run.records("target_confirmed", Some("attach"))[0];
    assert_eq!(confirmed["data"]["blind"], true);
    assert_eq!(confirmed["data"]["typed"], "quarantine-2023-12");
    assert_eq!(confirmed["data"]["resolved"], "quarantine-2023-12");
    let json = s
        .shisa()
        .args(["export", "--format", "json"])
        .arg(run.dir())
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let t = &json["runs"][0]["targets"][0];
    assert_eq!(t["confirm"], "blind");
    assert_eq!(t["intended"], "quarantine-2023-12");
    assert_eq!(t["resolved"], "quarantine-2023-12");
    assert_eq!(t["result"], "confirmed");
}

/// The seeded organization with two more compromised accounts in the quarantine OU: four,
/// one more than the runbook's `at_most: 3`.
fn crowded_org(s: &Scratch) -> std::path::PathBuf {
    let state = s.path().join("org");
    let orgctl = root().join("assets/sim/orgctl");
    let seeded = Command::new(&orgctl)
        .arg("whoami")
        .env("ORGCTL_STATE", &state)
        .output()
        .unwrap();
    assert!(seeded.status.success());
    let mut nodes = std::fs::read_to_string(state.join("nodes")).unwrap();
    for (id, name) in [
        ("678901234567", "customer-1203"),
        ("789012345678", "customer-1207"),
    ] {
        nodes.push_str(&format!("{id}\tACCOUNT\t{name}\tou-7x2q-quar2312\n"));
    }
    std::fs::write(state.join("nodes"), nodes).unwrap();
    state
}

/// Every file of the simulator's state, to compare before and after.
fn world(state: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(state)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn an_impact_above_at_most_refuses_before_anything_changes() {
    let s = Scratch::new();
    let state = crowded_org(&s);
    let before = world(&state);
    let run = s.run_with(
        &runbook("quarantine-accounts.yaml"),
        &["target_id=ou-7x2q-quar2312", "policy_id=p-denyall01"],
        "quarantine-2023-12\n",
        |c| {
            c.env("ORGCTL_STATE", &state)
                .arg("--share-with")
                .arg(common::my_group());
        },
    );
    assert_eq!(run.code, 4, "{}", run.explain());
    let impact = &run.records("target_impact", Some("attach-deny"))[0];
    assert_eq!(impact["data"]["count"], 4);
    assert_eq!(impact["data"]["unit"], "accounts");
    assert_eq!(impact["data"]["at_most"], 3);
    assert!(
        run.stdout
            .contains("this touches 4 accounts, more than the 3 allowed"),
        "{}",
        run.explain()
    );
    assert!(
        run.stdout
            .contains("touches 4 accounts, more than `at_most: 3`; refused, with no override"),
        "{}",
        run.explain()
    );
    // Refused before anyone was asked anything, and before the change.
    assert!(
        !run.stdout.contains("name the target you intend"),
        "{}",
        run.stdout
    );
    assert!(run.records("approval_requested", None).is_empty());
    assert!(run.records("target_confirmed", None).is_empty());
    assert!(
        !run.commands().iter().any(|c| c == "attach-deny:main"),
        "{:?}",
        run.commands()
    );
    assert_eq!(world(&state), before, "the organization is as it was");
}

#[test]
fn an_impact_that_prints_no_count_is_refused_too() {
    let s = Scratch::new();
    let rb = s.write(
        "nocount.yaml",
        r#"version: 1
name: No count
steps:
  - id: snap
    kind: snapshot
    run: '[ ! -e "$SHISA_RUN_DIR/changed" ] || cp "$SHISA_RUN_DIR/changed" "$SHISA_RUN_DIR/changed.before"; echo saved'
  - id: change
    kind: action
    target:
      describe: echo thing
      impact: { run: echo lots, at_most: 5 }
    run: touch "$SHISA_RUN_DIR/changed"
    verify: [{ run: test -e "$SHISA_RUN_DIR/changed" }]
    rollback: [{ run: rm "$SHISA_RUN_DIR/changed" }]
"#,
    );
    let run = s.run(&rb, &[], "thing\n");
    assert_eq!(run.code, 4, "{}", run.explain());
    assert!(
        run.stdout.contains(
            "the blast radius is unknown, so the step is refused: the impact command's first line `lots` is not a count"
        ),
        "{}",
        run.explain()
    );
    assert!(!run.dir().join("changed").exists());
}

#[test]
fn bad_target_shapes_are_errors_with_a_place() {
    let s = Scratch::new();
    for (body, line_col, says) in [
        (
            "confirm: maybe",
            "t.yaml:9:16",
            "`confirm: maybe` is not known",
        ),
        (
            "impact: { run: wc -l }",
            "t.yaml:9:15",
            "`impact` has no `at_most`",
        ),
        (
            "impact: { at_most: 3 }",
            "t.yaml:9:15",
            "`impact` has no command",
        ),
        (
            "impact: { run: wc -l, at_most: lots }",
            "t.yaml:9:38",
            "`at_most` must be a whole number",
        ),
        (
            "impact: { run: wc -l, argv: [wc], at_most: 1 }",
            "t.yaml:9:29",
            "`impact` has both `run` and `argv`",
        ),
        (
            "impact: { run: wc -l, at_most: 1, limit: 2 }",
            "t.yaml:9:41",
            "unknown key `limit` in `impact`",
        ),
    ] {
        let rb = s.write(
            "t.yaml",
            &format!(
                r#"version: 1
name: t
steps:
  - id: change
    kind: action
    run: echo change
    target:
      describe: echo thing
      {body}
    waive: {{ snapshot: test, verify: test, rollback: test }}
"#
            ),
        );
        let o = s.shisa().arg("check").arg(&rb).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{body}: {err}");
        assert!(err.contains(line_col), "{body}: want {line_col}\n{err}");
        assert!(err.contains(says), "{body}: want {says}\n{err}");
    }
}

#[test]
fn a_reviewer_names_a_blind_target_before_it_is_shown_to_them() {
    if !common::is_root() {
        return;
    }
    let sh = common::Shared::new();
    let mut op = sh.operator(
        &runbook("quarantine-accounts.yaml"),
        &["target_id=ou-7x2q-quar2312", "policy_id=p-denyall01"],
    );
    op.wait_for("blind confirmation — name the target you intend", 30);
    op.send("quarantine-2023-12");
    op.wait_for("waiting for another person to run `shisa approve", 30);
    let id = sh.run_id();
    let text = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();
    let wrong = sh
        .as_nobody(&["approve", &id, "--typed", "quarantine-2023-11"])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1), "{}", text(&wrong));
    // The reviewer is told to name it, and is shown neither the target nor the answer.
    assert!(
        text(&wrong).contains("blind confirmation: name the target you intend"),
        "{}",
        text(&wrong)
    );
    assert!(
        !text(&wrong).contains("quarantine-2023-12"),
        "{}",
        text(&wrong)
    );
    let right = sh
        .as_nobody(&["approve", &id, "--typed", "quarantine-2023-12"])
        .output()
        .unwrap();
    assert_eq!(right.status.code(), Some(0), "{}", text(&right));
    op.wait_for("Tell the customer", 30);
    op.send("done posted");
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    let miss = &run.records("target_mismatch", Some("attach-deny"))[0];
    assert_eq!(miss["actor"]["role"], "reviewer");
    assert_eq!(miss["data"]["blind"], true);
    assert_eq!(miss["data"]["typed"], "quarantine-2023-11");
    let requested = &run.records("approval_requested", Some("attach-deny"))[0];
    assert_eq!(requested["data"]["blind"], true);
}

/// A change whose blast radius `count` prints, limited by the parameter `max`.
fn limited(s: &Scratch, count: &str) -> std::path::PathBuf {
    s.write(
        "limited.yaml",
        &format!(
            r#"version: 1
name: Limit from a parameter
params:
  max: {{ description: How many things the ticket names }}
steps:
  - id: snap
    kind: snapshot
    run: echo none > "$SHISA_RUN_DIR/before"; echo saved
  - id: change
    kind: action
    target:
      describe: echo thing
      impact: {{ run: echo {count} things, at_most: '{{{{ max }}}}' }}
    run: touch "$SHISA_RUN_DIR/changed"
    verify: [{{ run: test -e "$SHISA_RUN_DIR/changed" }}]
    rollback: [{{ run: rm "$SHISA_RUN_DIR/changed" }}]
"#
        ),
    )
}

#[test]
fn at_most_from_a_parameter_limits_the_run_and_a_bad_value_stops_it_before_it_starts() {
    let s = Scratch::new();
    let rb = limited(&s, "3");
    // `check` accepts it; `plan` shows the value the limit takes.
    let check = s.shisa().arg("check").arg(&rb).output().unwrap();
    assert_eq!(check.status.code(), Some(0), "{check:?}");
    let plan = s
        .shisa()
        .args(["plan"])
        .arg(&rb)
        .args(["-p", "max=2"])
        .output()
        .unwrap();
    let plan_out = String::from_utf8_lossy(&plan.stdout);
    assert!(
        plan_out.contains("refused, with no override, if it counts more than 2 (max)"),
        "{plan_out}"
    );
    // `review` makes up a count for the limit, so the walk gets past it.
    let review = s
        .shisa()
        .args(["review", "--strict"])
        .arg(&rb)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&review.stdout);
    assert_eq!(review.status.code(), Some(0), "{text}");
    assert!(
        text.contains("- `max` = `10` (made up: no value given)"),
        "{text}"
    );
    assert!(
        text.contains("| every command succeeds | — | completed |"),
        "{text}"
    );
    // `plan --resolve` runs the count against the value, and exits 4 for a refusal.
    let resolved = s
        .shisa()
        .args(["plan", "--resolve"])
        .arg(&rb)
        .args(["-p", "max=2"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&resolved.stdout);
    assert_eq!(resolved.status.code(), Some(4), "{text}");
    assert!(
        text.contains("REFUSED: this touches 3 things, more than the 2 allowed"),
        "{text}"
    );

    // Over the value: refused before the change, the limit journaled as the number.
    let run = s.run(&rb, &["max=2"], "thing\n");
    assert_eq!(run.code, 4, "{}", run.explain());
    assert_eq!(
        run.records("target_impact", Some("change"))[0]["data"]["at_most"],
        2
    );
    assert!(!run.dir().join("changed").exists());
    // At the value: the change goes ahead.
    let run = s.run(&rb, &["max=3"], "thing\n");
    assert_eq!(run.code, 0, "{}", run.explain());
    assert!(run.dir().join("changed").exists());

    // Not a whole number: exit 2 with the place of the `at_most`, and no run at all.
    let runs_before = std::fs::read_dir(s.journals()).unwrap().count();
    for bad in ["ten", "-1", "2.5"] {
        let run = s.run(&rb, &[&format!("max={bad}")], "thing\n");
        assert_eq!(run.code, 2, "{}", run.explain());
        let want = format!("{}:13:46", rb.display());
        assert!(run.stderr.contains(&want), "{}", run.explain());
        assert!(
            run.stderr.contains(&format!(
                "`at_most` reads parameter `max` = `{bad}`, which is not a whole number"
            )),
            "{}",
            run.explain()
        );
        assert!(run.stderr.contains("-p max=N"), "{}", run.explain());
    }
    assert_eq!(
        std::fs::read_dir(s.journals()).unwrap().count(),
        runs_before
    );
}

#[test]
fn a_fragments_at_most_takes_the_value_its_use_passes() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path().join("lib")).unwrap();
    s.write(
        "lib/change.yaml",
        r#"version: 1
name: one counted change
params:
  limit: { pattern: '^[0-9a-z]+$' }
steps:
  - id: snap
    kind: snapshot
    run: echo none > "$SHISA_RUN_DIR/before"; echo saved
  - id: change
    kind: action
    target:
      describe: echo thing
      impact: { run: echo 3 things, at_most: '{{ limit }}' }
    run: touch "$SHISA_RUN_DIR/changed"
    verify: [{ run: test -e "$SHISA_RUN_DIR/changed" }]
    rollback: [{ run: rm "$SHISA_RUN_DIR/changed" }]
"#,
    );
    let rb = s.write(
        "main.yaml",
        r#"version: 1
name: uses a counted change
params:
  max: { pattern: '^[0-9a-z]+$' }
uses:
  change: lib/change.yaml
steps:
  - id: c
    use: change
    with: { limit: '{{ max }}' }
"#,
    );
    let check = s.shisa().arg("check").arg(&rb).output().unwrap();
    assert_eq!(check.status.code(), Some(0), "{check:?}");
    let run = s.run(&rb, &["max=2"], "thing\n");
    assert_eq!(run.code, 4, "{}", run.explain());
    assert_eq!(
        run.records("target_impact", Some("c/change"))[0]["data"]["at_most"],
        2
    );
    assert!(!run.dir().join("changed").exists());
    let run = s.run(&rb, &["max=3"], "thing\n");
    assert_eq!(run.code, 0, "{}", run.explain());
    assert!(run.dir().join("changed").exists());
    // Refused before the run starts, pointing into the fragment.
    let run = s.run(&rb, &["max=ten"], "thing\n");
    assert_eq!(run.code, 2, "{}", run.explain());
    assert!(
        run.stderr.contains("lib/change.yaml:13:46"),
        "{}",
        run.explain()
    );
    assert!(
        run.stderr.contains(
            "step `c/change`: `at_most` reads `limit` = `ten`, which is not a whole number"
        ),
        "{}",
        run.explain()
    );
}

/// A blind step's reviewer is never shown the target, so `approve --typed` must not tell
/// them to type it "as you read it": the help names the blind case and what to type there.
#[test]
fn approve_help_tells_a_blind_reviewer_what_to_type() {
    let out = Command::new(common::bin())
        .args(["approve", "--help"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    let typed = help
        .split("--typed")
        .nth(1)
        .and_then(|rest| rest.split("--reject").next())
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(!typed.contains("as you read it"), "{help}");
    assert!(
        typed.contains("for a blind step (not shown to you) the one you intend"),
        "{help}"
    );
}
