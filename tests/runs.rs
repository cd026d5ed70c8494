//! `shisa runs` and run ids: the history a returning operator reads, through the binary.

mod common;

use common::{Live, Scratch, runbook};

fn runs(s: &Scratch, args: &[&str]) -> (i32, String, String) {
    let out = s.shisa().arg("runs").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn runs_are_listed_newest_first_with_outcome_reason_and_live_mark() {
    let s = Scratch::new();
    let (code, out, _) = runs(&s, &[]);
    assert_eq!(code, 0);
    assert!(out.starts_with("no runs in "), "{out}");

    let demo = runbook("demo.yaml");
    let done = s.run(&demo, &[], "quarantine-2023-12\ndone\n");
    assert_eq!(done.code, 0, "{}", done.explain());
    let refused = s.run(&demo, &["ou_id=r-7x2q"], "");
    assert_eq!(refused.code, 4, "{}", refused.explain());
    // Stopped at the manual step with the change in place: resumable, and the change is
    // listed as left in place.
    let stopped = s.run(&demo, &[], "quarantine-2023-12\n");
    assert_eq!(stopped.code, 3, "{}", stopped.explain());

    let (code, out, err) = runs(&s, &[]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("20")).collect();
    assert_eq!(rows.len(), 3, "{out}");
    let id = |r: &common::Run| r.dir().file_name().unwrap().to_str().unwrap().to_string();
    let ids: Vec<String> = rows
        .iter()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted, "newest first:\n{out}");
    for (run, outcome) in [
        (&done, "completed"),
        (&refused, "refused"),
        (&stopped, "stopped (resumable)"),
    ] {
        let row = rows.iter().find(|l| l.starts_with(&id(run))).unwrap();
        assert!(row.ends_with(outcome), "{row}");
        assert!(row.contains("Demo - isolate a quarantine OU"), "{row}");
    }
    assert!(
        out.contains("denied by `deny: '^Root$'`"),
        "the refusal's reason is shown:\n{out}"
    );
    assert!(
        out.contains("! changes left in place: attach-deny"),
        "the stopped run's change:\n{out}"
    );
    assert_eq!(
        out.matches("changes left in place").count(),
        1,
        "a completed run's changes are its point; a refused run made none:\n{out}"
    );

    // --json: the same, as data.
    let (_, json, _) = runs(&s, &["--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 3);
    let stopped_json = list.iter().find(|r| r["id"] == id(&stopped)).unwrap();
    assert_eq!(stopped_json["left_in_place"][0], "attach-deny");
    assert_eq!(stopped_json["live"], false);

    // --runbook: only runs of that file.
    let other = s.write(
        "other.yaml",
        "version: 1\nname: Other\nsteps:\n  - id: a\n    kind: precheck\n    run: 'true'\n",
    );
    assert_eq!(s.run(&other, &[], "").code, 0);
    let (_, only, _) = runs(&s, &["--runbook", other.to_str().unwrap()]);
    assert_eq!(
        only.lines().filter(|l| l.starts_with("20")).count(),
        1,
        "{only}"
    );
    assert!(only.contains("Other"), "{only}");

    // A live run (waiting at its target) is marked as such.
    let mut c = s.shisa();
    c.arg("run").arg(&demo).arg("--headless");
    let live = Live::start(c);
    live.wait_for("? Attach Deny-all", 30);
    let (_, out, _) = runs(&s, &[]);
    assert!(out.contains("● live"), "{out}");
    let finished = live.finish();
    assert_eq!(finished.code, 3, "end of input at the prompt");
}

#[test]
fn a_run_id_is_accepted_wherever_a_run_directory_is_and_a_wrong_one_is_explained() {
    let s = Scratch::new();
    let run = s.run(&runbook("demo.yaml"), &["ou_id=r-7x2q"], "");
    let id = run.dir().file_name().unwrap().to_str().unwrap().to_string();
    let verify = s.shisa().args(["verify", &id]).output().unwrap();
    assert_eq!(verify.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&verify.stdout).starts_with("intact: "));

    for cmd in ["verify", "resume", "export"] {
        let out = s
            .shisa()
            .args([cmd, "20991231T000000Z-dead"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains("no run with that id in") && err.contains("`shisa runs` lists"),
            "{cmd}: {err}"
        );
        assert!(!err.contains("os error"), "{cmd}: {err}");
    }
}

/// A change whose command ran and failed may be in place: the run's last words say so, and
/// so must the history a returning operator reads (the cold pass found it empty).
#[test]
fn a_failed_change_left_in_place_is_listed_as_the_runs_last_words_list_it() {
    let s = Scratch::new();
    let rb = s.write(
        "half.yaml",
        "version: 1\nname: Half a change\nsteps:\n  - id: save\n    kind: snapshot\n    run: cp /etc/hostname \"$SHISA_RUN_DIR/saved\"\n  - id: change\n    kind: action\n    waive: { target: \"a test of the history\" }\n    run: 'echo half > \"$SHISA_RUN_DIR/state\"; exit 1'\n    verify: [ { run: 'test -s \"$SHISA_RUN_DIR/state\"' } ]\n    rollback: [ { run: 'cp \"$SHISA_RUN_DIR/saved\" \"$SHISA_RUN_DIR/state\"' } ]\n",
    );
    let run = s.run(&rb, &[], "abort vendor says wait\n");
    assert_eq!(run.code, 1, "{}", run.explain());
    assert!(
        run.stderr.contains("CHANGES LEFT IN PLACE") && run.stderr.contains("(change)"),
        "{}",
        run.explain()
    );
    let (_, json, _) = runs(&s, &["--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["outcome"], "failed");
    assert_eq!(v[0]["left_in_place"], serde_json::json!(["change"]));
    let (_, table, _) = runs(&s, &[]);
    assert!(table.contains("! changes left in place: change"), "{table}");
}

/// The history names what the engine says a run leaves in place, as the run's last words
/// do: a change a later `closes:` step undid is not in place (the journal alone would list
/// both of the pair, as `shisa runs` did before it asked the engine).
#[test]
fn a_change_a_later_step_closed_is_not_listed_as_left_in_place() {
    let s = Scratch::new();
    let rb = s.write(
        "pair.yaml",
        r#"version: 1
name: A closed pair
steps:
  - id: snap
    kind: snapshot
    run: 'echo up > "$SHISA_RUN_DIR/saved"'
  - id: drain
    kind: action
    run: 'echo drain >> "$SHISA_RUN_DIR/effects"'
    verify: [ { run: "true" } ]
    rollback: [ { run: 'echo undo-drain >> "$SHISA_RUN_DIR/effects"' } ]
    waive: { target: history test }
  - id: undrain
    kind: action
    closes: drain
    run: 'echo undrain >> "$SHISA_RUN_DIR/effects"'
    verify: [ { run: "true" } ]
    waive: { target: history test }
  - id: push
    kind: action
    run: 'echo push >> "$SHISA_RUN_DIR/effects"; exit 1'
    verify: [ { run: "true" } ]
    rollback: [ { run: 'echo undo-push >> "$SHISA_RUN_DIR/effects"' } ]
    waive: { target: history test }
"#,
    );
    let run = s.run(&rb, &[], "abort vendor says wait\n");
    assert_eq!(run.code, 1, "{}", run.explain());
    let last_words = run
        .stderr
        .split("CHANGES LEFT IN PLACE")
        .nth(1)
        .unwrap_or("");
    assert!(
        last_words.contains("(push)") && !last_words.contains("drain"),
        "{}",
        run.explain()
    );
    let (_, json, _) = runs(&s, &["--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["left_in_place"], serde_json::json!(["push"]), "{json}");
    let (_, table, _) = runs(&s, &[]);
    assert!(table.contains("! changes left in place: push\n"), "{table}");
}
