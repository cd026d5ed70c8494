//! `assets/export.schema.json` is what `shisa export --format json` emits: real exports —
//! one run and several, finished, rolled back, cut off and live, in both languages — are
//! checked against it, and the schema is strict (every property required, none unknown),
//! so a field the code adds, drops or renames without the schema fails here.

mod common;
#[path = "common/schema.rs"]
mod schema;

use std::path::Path;
use std::process::Stdio;

use common::{Scratch, runbook};
use serde_json::Value;

fn schema() -> Value {
    let text = std::fs::read_to_string(common::root().join("assets/export.schema.json")).unwrap();
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn export_json(s: &Scratch, runs: &[&Path], args: &[&str]) -> Value {
    let o = s
        .shisa()
        .arg("export")
        .args(runs)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn valid(doc: &Value) {
    let errors = schema::errors(&schema(), doc);
    assert!(
        errors.is_empty(),
        "the export does not match the schema:\n{}",
        errors.join("\n")
    );
}

#[test]
fn real_exports_match_the_schema() {
    let s = Scratch::new();
    let done = s.run(
        &runbook("demo.yaml"),
        &[],
        "quarantine-2023-12\ndone posted\n",
    );
    assert_eq!(done.code, 0, "{}", done.explain());
    let back = s.run(
        &runbook("api-authorizer.yaml"),
        &["template=broken"],
        "accounts-api\nrollback\n",
    );
    assert_eq!(back.outcome(), "rolled_back");
    let secret = s.write(
        "stop.yaml",
        "version: 1\nname: stop\nsteps:\n  - id: p\n    kind: precheck\n    run: exit 3\n",
    );
    let aborted = s.run(&secret, &[], "abort giving up\n");
    // Aborted after its change: `left_in_place` names the step.
    let left = s.run(
        &runbook("demo.yaml"),
        &[],
        "quarantine-2023-12\nabort posting is blocked\n",
    );
    assert_eq!(left.outcome(), "aborted", "{}", left.explain());
    // Aborted the same way, then undone by `shisa rollback`: `aborted` keeps the abort.
    let later = s.run(
        &runbook("demo.yaml"),
        &[],
        "quarantine-2023-12\nabort posting is blocked\n",
    );
    let mut c = s.shisa();
    c.arg("rollback")
        .arg(later.dir())
        .args(["--headless", "--reason", "undo it"]);
    let undo = common::Run::from(common::feed(c, "quarantine-2023-12\n"));
    assert_eq!(undo.code, 0, "{}", undo.explain());
    for lang in ["en", "ja"] {
        for runs in [
            vec![done.dir()],
            vec![back.dir()],
            vec![aborted.dir()],
            vec![left.dir()],
            vec![later.dir()],
            vec![done.dir(), back.dir(), aborted.dir(), left.dir()],
        ] {
            for mode in [&[][..], &["--full"][..]] {
                let mut args = vec!["--lang", lang];
                args.extend(mode);
                let doc = export_json(&s, &runs, &args);
                valid(&doc);
                assert_eq!(doc["lang"], lang);
                assert_eq!(doc["runs"].as_array().unwrap().len(), runs.len());
                let last = &doc["runs"][runs.len() - 1];
                if runs.last() == Some(&left.dir()) {
                    assert_eq!(last["left_in_place"][0]["step"], "attach-deny");
                    assert_eq!(last["aborted"], Value::Null);
                }
                if runs.last() == Some(&later.dir()) {
                    assert_eq!(
                        (&last["outcome"], &last["exit_code"]),
                        (&"rolled_back".into(), &0.into())
                    );
                    assert_eq!(last["aborted"]["exit_code"], 3, "{last}");
                    assert_eq!(last["aborted"]["by"], later.journal()[0]["actor"]["user"]);
                }
            }
        }
    }
}

#[test]
fn a_live_run_and_a_cut_off_one_match_the_schema() {
    let s = Scratch::new();
    let rb = s.write(
        "slow.yaml",
        "version: 1\nname: slow\nsteps:\n  - id: s\n    kind: precheck\n    run: echo started; sleep 60\n",
    );
    let mut child = s
        .shisa()
        .arg("run")
        .arg(&rb)
        .arg("--headless")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let dir = loop {
        let dir = s.newest_run_dir();
        if let Some(dir) = dir
            && common::journal(&dir)
                .iter()
                .any(|r| r["kind"] == "command_started")
        {
            break dir;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the slow step never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let live = export_json(&s, &[&dir], &[]);
    assert_eq!(live["runs"][0]["state"], "live");
    valid(&live);
    let _ = child.kill();
    let _ = child.wait();
    let cut = export_json(&s, &[&dir], &["--lang", "ja"]);
    assert_eq!(cut["runs"][0]["state"], "cut_off");
    valid(&cut);
}

#[test]
fn the_check_catches_what_the_schema_does_not_allow() {
    // The check itself must be able to fail: an unknown field, a missing one, a bad enum.
    let s = Scratch::new();
    let done = s.run(
        &runbook("demo.yaml"),
        &[],
        "quarantine-2023-12\ndone posted\n",
    );
    let mut doc = export_json(&s, &[done.dir()], &[]);
    valid(&doc);
    doc["runs"][0]["surprise"] = Value::Bool(true);
    doc["timeline"][0]["marker"] = Value::String("LOUD".into());
    doc["timezone"].as_object_mut().unwrap().remove("label");
    doc["runs"][0]["start"] = Value::String("yesterday".into());
    let errors = schema::errors(&schema(), &doc);
    for want in [
        "`surprise` is not in the schema",
        "LOUD",
        "`label` is missing",
        "yesterday",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(want)),
            "{want} in {errors:#?}"
        );
    }
}

/// A damaged journal's export (it exits 1) matches the schema too: its run's `state` is
/// `damaged`, and so is the status of the step whose end lies past the break.
#[test]
fn a_damaged_journals_export_matches_the_schema() {
    let s = Scratch::new();
    let run = s.run(
        &runbook("demo.yaml"),
        &[],
        "quarantine-2023-12\ndone posted\n",
    );
    assert_eq!(run.code, 0, "{}", run.explain());
    let path = run.dir().join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen(
        "\"resolved\":\"quarantine-2023-12\"",
        "\"resolved\":\"x\"",
        1,
    );
    assert_ne!(edited, text);
    std::fs::write(&path, edited).unwrap();
    let o = s
        .shisa()
        .args(["export", "--format", "json"])
        .arg(run.dir())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["runs"][0]["state"], "damaged");
    let steps = doc["runs"][0]["steps"].as_array().unwrap();
    let attach = steps.iter().find(|s| s["id"] == "attach-deny").unwrap();
    assert_eq!(attach["status"], "damaged", "{attach}");
    valid(&doc);
}
