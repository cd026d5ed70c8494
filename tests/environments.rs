//! `environments:` and `run --env` through the real binary (incident 002's
//! remedy): production starts only on a completed, verified staging run of the same
//! runbook within the period, names it in `run_started` and the export; otherwise it is
//! refused with exit 4, nothing runs, and the refusal says what was looked for, what was
//! nearest and how to rehearse.

mod common;
#[path = "common/schema.rs"]
mod schema;

use std::path::Path;

use common::{Run, Scratch, runbook};
use serde_json::Value;

/// A runbook of its own, so a test can change its text (another version) or make it fail.
fn gate(precheck: &str) -> String {
    format!(
        "version: 1\nname: Env gate\nenvironments:\n  staging: {{}}\n  production: {{ needs_rehearsal: staging, within: 14d }}\nsteps:\n  - id: look\n    kind: precheck\n    run: {precheck}\n"
    )
}

/// `shisa run RUNBOOK --headless --env ENV -p …`, `fake_now` faking the clock.
fn run_in(
    s: &Scratch,
    env: &str,
    rb: &Path,
    params: &[&str],
    stdin: &str,
    fake_now: Option<&str>,
) -> Run {
    let mut c = s.shisa();
    c.arg("run").arg(rb).arg("--headless").arg("--env").arg(env);
    for p in params {
        c.arg("-p").arg(p);
    }
    if let Some(t) = fake_now {
        c.env("SHISA_FAKE_NOW", t);
    }
    Run::from(common::feed(c, stdin))
}

fn run_id(r: &Run) -> String {
    r.dir().file_name().unwrap().to_string_lossy().into_owned()
}

/// The chain head `shisa run` printed at its end.
fn printed_head(r: &Run) -> String {
    r.stdout
        .lines()
        .find_map(|l| {
            l.split_once("chain head ")
                .map(|(_, h)| h.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no chain head in {}", r.explain()))
}

fn sha256_of(path: &Path) -> String {
    shisa::hash::sha256_hex(&std::fs::read(path).unwrap())
}

fn refused(r: &Run, words: &[&str]) {
    assert_eq!(r.code, 4, "{}", r.explain());
    assert_eq!(r.outcome(), "refused", "{}", r.explain());
    let kinds = r.kinds();
    assert_eq!(kinds.first().map(String::as_str), Some("run_started"));
    assert_eq!(kinds.last().map(String::as_str), Some("run_finished"));
    assert!(
        kinds
            .iter()
            .all(|k| k == "run_started" || k == "override" || k == "run_finished"),
        "nothing ran: {kinds:?}"
    );
    let all = format!("{}{}", r.stdout, r.stderr);
    for w in words {
        assert!(all.contains(w), "{w:?} not in {}", r.explain());
    }
}

#[test]
fn production_without_a_staging_rehearsal_is_refused_with_exit_4_and_nothing_runs() {
    let s = Scratch::new();
    let rb = runbook("api-authorizer.yaml");
    let run = run_in(
        &s,
        "production",
        &rb,
        &["template=good"],
        "accounts-api\n",
        None,
    );
    let sha = sha256_of(&rb);
    refused(
        &run,
        &[
            "`production` needs a rehearsal in `staging`",
            &format!(
                "a completed run of this runbook (SHA-256 {}) with --env staging",
                &sha[..16]
            ),
            "finished within 14d (since ",
            &format!("in {}", s.journals().canonicalize().unwrap().display()),
            "found no staging run of this runbook",
            &format!(
                "Rehearse it first: shisa run --env staging {} --headless",
                rb.display()
            ),
        ],
    );
    assert!(
        run.commands().is_empty(),
        "no command ran: {:?}",
        run.commands()
    );
    let started = &run.records("run_started", None)[0]["data"];
    assert_eq!(started["env"], "production");
    assert!(started.get("rehearsal").is_none(), "{started}");
    let ok = s.verify(run.dir());
    assert_eq!(ok.status.code(), Some(0), "the refusal's journal verifies");
}

#[test]
fn a_completed_staging_run_lets_production_start_and_is_its_evidence_in_the_journal_and_export() {
    let s = Scratch::new();
    let rb = runbook("api-authorizer.yaml");
    let staging = run_in(
        &s,
        "staging",
        &rb,
        &["template=good"],
        "accounts-api\n",
        None,
    );
    assert_eq!(staging.code, 0, "{}", staging.explain());
    let prod = run_in(
        &s,
        "production",
        &rb,
        &["template=good"],
        "accounts-api\n",
        None,
    );
    assert_eq!(prod.code, 0, "{}", prod.explain());
    assert!(!prod.commands().is_empty());
    let started = &prod.records("run_started", None)[0]["data"];
    assert_eq!(started["env"], "production");
    let evidence = &started["rehearsal"];
    assert_eq!(evidence["run_id"], run_id(&staging).as_str());
    assert_eq!(evidence["env"], "staging");
    assert_eq!(evidence["chain_head"], printed_head(&staging).as_str());
    let finished = &staging.records("run_finished", None)[0]["ts"];
    assert_eq!(&evidence["finished"], finished);
    assert!(
        prod.stdout.contains(&format!(
            "in production, on the evidence of staging run `{}`",
            run_id(&staging)
        )),
        "{}",
        prod.explain()
    );

    // The export says the same, in every format.
    let export = |format: &str| {
        let o = s
            .shisa()
            .arg("export")
            .arg(prod.dir())
            .args(["--format", format])
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let md = export("md");
    for row in [
        "| Environment | production |".to_string(),
        format!("| Rehearsal run | `{}` (staging) |", run_id(&staging)),
        format!(
            "| Rehearsal journal chain head (verified) | `{}` |",
            printed_head(&staging)
        ),
    ] {
        assert!(md.contains(&row), "{row:?} not in\n{md}");
    }
    let html = export("html");
    assert!(
        html.contains(&run_id(&staging)) && html.contains("Rehearsal run"),
        "{html}"
    );
    let json: Value = serde_json::from_str(&export("json")).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("assets/export.schema.json")).unwrap(),
    )
    .unwrap();
    let errors = schema::errors(&schema, &json);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let run = &json["runs"][0];
    assert_eq!(run["env"], "production");
    assert_eq!(run["rehearsal"]["run_id"], run_id(&staging).as_str());
}

#[test]
fn a_rehearsal_older_than_the_period_is_refused() {
    let s = Scratch::new();
    let rb = s.write("gate.yaml", &gate("echo \"in $SHISA_ENV\""));
    let staging = run_in(&s, "staging", &rb, &[], "", None);
    assert_eq!(staging.code, 0, "{}", staging.explain());
    assert!(
        staging.stdout.contains("│ in staging"),
        "SHISA_ENV: {}",
        staging.explain()
    );
    let later = (chrono::Utc::now() + chrono::Duration::days(16)).to_rfc3339();
    let prod = run_in(&s, "production", &rb, &[], "", Some(&later));
    refused(
        &prod,
        &[
            "found a staging run of this version that completed 1",
            &format!("days ago, longer ago than 14d ({})", run_id(&staging)),
        ],
    );
    // Within the period it is evidence.
    let sooner = (chrono::Utc::now() + chrono::Duration::days(13)).to_rfc3339();
    let prod = run_in(&s, "production", &rb, &[], "", Some(&sooner));
    assert_eq!(prod.code, 0, "{}", prod.explain());
    assert!(
        prod.stdout.contains("│ in production"),
        "{}",
        prod.explain()
    );
}

#[test]
fn a_staging_run_of_another_version_of_the_runbook_is_refused() {
    let s = Scratch::new();
    let rb = s.write("gate.yaml", &gate("echo one"));
    let staging = run_in(&s, "staging", &rb, &[], "", None);
    assert_eq!(staging.code, 0, "{}", staging.explain());
    // The same file, edited after its rehearsal.
    s.write("gate.yaml", &gate("echo two"));
    let prod = run_in(&s, "production", &rb, &[], "", None);
    refused(
        &prod,
        &[
            "found a staging run of a different version of the runbook",
            &run_id(&staging),
            &format!("SHA-256 {}", &sha256_of(&rb)[..16]),
        ],
    );
}

#[test]
fn an_aborted_staging_run_is_refused() {
    let s = Scratch::new();
    // The operator aborts at a manual step.
    let text = gate("echo x")
        + "  - id: tell\n    kind: manual\n    title: Tell the team\n    instructions: Post in the channel\n";
    let rb = s.write("gate.yaml", &text);
    let staging = run_in(&s, "staging", &rb, &[], "abort not today\n", None);
    assert_eq!(staging.outcome(), "aborted", "{}", staging.explain());
    let prod = run_in(&s, "production", &rb, &[], "", None);
    refused(
        &prod,
        &[
            "found a staging run of this version that ended aborted",
            &run_id(&staging),
        ],
    );
    // One that stopped (end of input at the manual step, resumable) is named as such.
    let stopped = run_in(&s, "staging", &rb, &[], "", None);
    assert_eq!(stopped.code, 3, "{}", stopped.explain());
    let prod = run_in(&s, "production", &rb, &[], "", None);
    refused(
        &prod,
        &[
            "found a staging run of this version that stopped before finishing (resumable)",
            &run_id(&stopped),
        ],
    );
}

#[test]
fn a_staging_run_whose_journal_does_not_verify_is_refused() {
    let s = Scratch::new();
    let rb = s.write("gate.yaml", &gate("echo evidence"));
    let staging = run_in(&s, "staging", &rb, &[], "", None);
    assert_eq!(staging.code, 0, "{}", staging.explain());
    // Its output log altered after the fact: `shisa verify` fails it, and so does the gate.
    let log = std::fs::read_dir(staging.dir().join("output"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "log"))
        .unwrap();
    std::fs::write(&log, "forged\n").unwrap();
    let prod = run_in(&s, "production", &rb, &[], "", None);
    refused(
        &prod,
        &[
            "found a completed staging run of this version whose journal does not verify",
            &run_id(&staging),
        ],
    );
}

#[test]
fn without_env_or_with_an_unknown_one_nothing_is_created_and_the_names_are_listed() {
    let s = Scratch::new();
    let rb = s.write("gate.yaml", &gate("echo x"));
    let o = s
        .shisa()
        .arg("run")
        .arg(&rb)
        .arg("--headless")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "give --env NAME, one of staging, production (needs a completed staging run within 14d)"
        ),
        "{err}"
    );
    let o = s
        .shisa()
        .args(["run", "--headless", "--env", "stagin"])
        .arg(&rb)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "--env stagin: the runbook names no such environment; did you mean `staging`?"
        ),
        "{err}"
    );
    let plain = s.write(
        "plain.yaml",
        "version: 1\nname: p\nsteps:\n  - id: a\n    kind: precheck\n    run: echo\n",
    );
    let o = s
        .shisa()
        .args(["run", "--headless", "--env", "staging"])
        .arg(&plain)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("this runbook names no environments"));
    assert!(
        !s.journals().exists() || std::fs::read_dir(s.journals()).unwrap().next().is_none(),
        "no run directory"
    );
}

#[test]
fn a_resumed_production_run_goes_on_in_production_without_asking_again() {
    let s = Scratch::new();
    let text = gate("echo \"in $SHISA_ENV\"")
        + "  - id: tell\n    kind: manual\n    title: Tell the team\n    instructions: Post in the channel\n  - id: after\n    kind: precheck\n    run: echo \"still in $SHISA_ENV\"\n";
    let rb = s.write("gate.yaml", &text);
    let staging = run_in(&s, "staging", &rb, &[], "done\n", None);
    assert_eq!(staging.code, 0, "{}", staging.explain());
    let prod = run_in(&s, "production", &rb, &[], "", None);
    assert_eq!(
        prod.code,
        3,
        "stopped at the manual step: {}",
        prod.explain()
    );
    let resumed = s.resume(prod.dir(), "done\n");
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
    assert!(
        resumed.stdout.contains(&format!(
            "shisa: environment production, rehearsed by staging run {} (as the run started)",
            run_id(&staging)
        )),
        "{}",
        resumed.explain()
    );
    assert!(
        resumed.stdout.contains("│ still in production"),
        "{}",
        resumed.explain()
    );
}

#[test]
fn check_and_plan_show_the_environments_and_what_each_needs() {
    let s = Scratch::new();
    let rb = runbook("redis-volume.yaml");
    let check = s.shisa().arg("check").arg(&rb).output().unwrap();
    assert_eq!(check.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&check.stdout).contains(
            "; environments: staging, production (needs a completed staging run within 14d)"
        ),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let plan = s.shisa().arg("plan").arg(&rb).output().unwrap();
    let text = String::from_utf8_lossy(&plan.stdout);
    assert!(
        text.contains("  envs      staging\n            production (needs a completed staging run within 14d)\n"),
        "{text}"
    );
    // A cycle is a runbook error with its place, exit 2.
    let bad = s.write(
        "cycle.yaml",
        &gate("echo x").replace(
            "staging: {}",
            "staging: { needs_rehearsal: production, within: 1d }",
        ),
    );
    let check = s.shisa().arg("check").arg(&bad).output().unwrap();
    let err = String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(2), "{err}");
    assert!(err.contains("cycle.yaml:4:31"), "{err}");
    assert!(
        err.contains("the rehearsals go round in a circle: staging → production → staging"),
        "{err}"
    );
}
