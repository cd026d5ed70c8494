//! Whole export documents compared with insta snapshots: a completed run, a rolled-back run
//! and the two merged into one timeline, each in English and Japanese. The journals come from
//! the real binary driving bundled runbooks headless; only what differs between machines and
//! moments (times, durations, hashes, run ids, the user, the host, paths) is masked, so any
//! change to what an export says shows up as a diff.

mod common;

use std::path::Path;

use common::{Run, Scratch, runbook};
use regex::Regex;
use serde_json::Value;

fn completed(s: &Scratch) -> Run {
    let run = s.run(
        &runbook("demo.yaml"),
        &[],
        "quarantine-2023-12\ndone posted\n",
    );
    assert_eq!(run.code, 0, "{}", run.explain());
    run
}

fn rolled_back(s: &Scratch) -> Run {
    let run = s.run(
        &runbook("api-authorizer.yaml"),
        &["template=broken"],
        "accounts-api\nrollback\n",
    );
    assert_eq!(run.outcome(), "rolled_back", "{}", run.explain());
    run
}

/// `shisa export RUNS… ARGS…` with times in Tokyo, its stdout after checking it exited 0.
fn export(s: &Scratch, runs: &[&Path], args: &[&str]) -> String {
    let o = s
        .shisa()
        .arg("export")
        .args(runs)
        .args(args)
        .env("TZ", "Asia/Tokyo")
        .output()
        .unwrap();
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// What differs between machines and moments, masked; everything else kept as written.
fn masked(s: &Scratch, run: &Run, text: &str) -> String {
    let first = &run.journal()[0];
    let user = first["actor"]["user"].as_str().unwrap().to_string();
    let host = first["actor"]["host"].as_str().unwrap().to_string();
    let mut t = text
        .replace(common::root().to_str().unwrap(), "<repo>")
        .replace(s.path().to_str().unwrap(), "<tmp>");
    let (u, h) = (regex::escape(&user), regex::escape(&host));
    let rules: Vec<(String, &str)> = vec![
        (r"[0-9a-f]{64}".into(), "<sha256>"),
        (r"\d{8}T\d{6}Z-[0-9a-f]{4}".into(), "<run-id>"),
        (
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}".into(),
            "<date> <time>",
        ),
        (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d".into(), "<date> <time>"),
        (r"\d{4}-\d\d-\d\d \d\d:\d\d".into(), "<date> <time>"),
        (
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}".into(),
            "<date>T<time>",
        ),
        (r"\d{4}-\d\d-\d\d".into(), "<date>"),
        (r"\b\d\d:\d\d:\d\d\.\d{3}\b".into(), "<time>"),
        (r"\b\d+ ms\b|\b\d+\.\d s\b|\b\d+m\d+s\b".into(), "<took>"),
        (r"\d+ ミリ秒|\d+\.\d 秒|\d+分\d*秒?".into(), "<took>"),
        (r#""(duration_ms)": \d+"#.into(), r#""$1": 0"#),
        (format!(r"\| {u} \|"), "| <user> |"),
        (
            format!(r"\b{u} (started|typed|chose|marked|が|の)"),
            "<user> $1",
        ),
        (
            format!(r#""(operator|actor|by)": "{u}""#),
            r#""$1": "<user>""#,
        ),
        (format!(r"\| {h} \|"), "| <host> |"),
        (format!(r"on {h} \("), "on <host> ("),
        (format!(r"が {h} で"), "が <host> で"),
        (format!(r#""host": "{h}""#), r#""host": "<host>""#),
    ];
    for (re, with) in rules {
        t = Regex::new(&re).unwrap().replace_all(&t, with).into_owned();
    }
    t
}

#[test]
fn a_completed_run_in_both_languages() {
    let s = Scratch::new();
    let run = completed(&s);
    let en = export(&s, &[run.dir()], &[]);
    insta::assert_snapshot!("completed_en", masked(&s, &run, &en));
    let ja = export(&s, &[run.dir()], &["--lang", "ja"]);
    insta::assert_snapshot!("completed_ja", masked(&s, &run, &ja));
}

#[test]
fn a_rolled_back_run_in_both_languages() {
    let s = Scratch::new();
    let run = rolled_back(&s);
    let en = export(&s, &[run.dir()], &[]);
    insta::assert_snapshot!("rolled_back_en", masked(&s, &run, &en));
    let ja = export(&s, &[run.dir()], &["--lang", "ja"]);
    insta::assert_snapshot!("rolled_back_ja", masked(&s, &run, &ja));
}

#[test]
fn two_runs_merge_into_one_timeline_by_time_in_both_languages() {
    let s = Scratch::new();
    let first = completed(&s);
    let second = rolled_back(&s);
    // Given newest first: the document still puts them in the order they started.
    let runs = [second.dir(), first.dir()];
    let en = export(&s, &runs, &[]);
    insta::assert_snapshot!("merged_en", masked(&s, &first, &en));
    let ja = export(&s, &runs, &["--lang", "ja"]);
    insta::assert_snapshot!("merged_ja", masked(&s, &first, &ja));

    let json: Value = serde_json::from_str(&export(&s, &runs, &["--format", "json"])).unwrap();
    let id = |r: &Run| r.journal()[0]["data"]["run_id"].clone();
    let ids: Vec<Value> = json["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run_id"].clone())
        .collect();
    assert_eq!(ids, vec![id(&first), id(&second)]);
    let heads: Vec<&str> = [&first, &second]
        .iter()
        .map(|r| {
            let (_, rest) = r.stdout.split_once("chain head ").expect("chain head");
            rest.split_whitespace().next().unwrap()
        })
        .collect();
    for (k, head) in heads.iter().enumerate() {
        assert_eq!(json["runs"][k]["integrity"]["chain_head"], *head);
        assert_eq!(json["runs"][k]["integrity"]["verify_passed"], true);
    }
    let rows = json["timeline"].as_array().unwrap();
    let times: Vec<&str> = rows.iter().map(|r| r["time"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "one timeline, in time order");
    for want in [id(&first), id(&second)] {
        assert!(rows.iter().any(|r| r["run_id"] == want), "rows of {want}");
    }
}

const RETRIED: &str = r#"version: 1
name: Wait for green
steps:
  - id: health
    kind: verify
    title: The cluster is green
    run: |
      n=$(cat "$SHISA_RUN_DIR/polls" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$SHISA_RUN_DIR/polls"
      if [ $n -ge 3 ]; then echo green; else echo yellow; fi
    expect: { stdout_equals: green }
    retry: { attempts: 5, delay: 100ms }
"#;

#[test]
fn repeated_attempts_of_one_check_are_one_row_unless_full() {
    let s = Scratch::new();
    let rb = s.write("retried.yaml", RETRIED);
    let run = s.run(&rb, &[], "");
    assert_eq!(run.code, 0, "{}", run.explain());
    let starts = run.records("command_started", Some("health")).len();
    assert_eq!(starts, 3, "the check ran three times");
    let json: Value =
        serde_json::from_str(&export(&s, &[run.dir()], &["--format", "json"])).unwrap();
    let rows = json["timeline"].as_array().unwrap();
    let health: Vec<&Value> = rows.iter().filter(|r| r["step"] == "health").collect();
    // Start, three attempts and end: one row, a step that passed after its check's attempts.
    assert_eq!(health.len(), 1, "{health:#?}");
    assert_eq!(health[0]["type"], "step_passed");
    let md = export(&s, &[run.dir()], &[]);
    assert!(md.contains("The cluster is green: done ("), "{md}");
    assert!(md.contains("(after up to 3 attempts)"), "{md}");
    let ja = export(&s, &[run.dir()], &["--lang", "ja"]);
    assert!(ja.contains("（最大 3 回目で成功）"), "{ja}");
    // `--full`: every record its own row again.
    let full: Value =
        serde_json::from_str(&export(&s, &[run.dir()], &["--format", "json", "--full"])).unwrap();
    assert_eq!(
        full["timeline"].as_array().unwrap().len(),
        run.journal().len()
    );
    assert_eq!(full["timeline_mode"], "full");
}

/// The engine's English reasons, which a Japanese document must say in Japanese.
const ENGINE_ENGLISH: &[&str] = &[
    "expected stdout",
    ", saw ",
    "checks failed",
    "rolled back after",
    "exit 1 (expected 0)",
];

/// A run whose verify failed, exported in Japanese (condensed and `--full`): every reason
/// the engine gave is said in Japanese.
#[test]
fn a_japanese_export_of_a_failed_verify_says_its_reasons_in_japanese() {
    let s = Scratch::new();
    let run = rolled_back(&s);
    for args in [&["--lang", "ja"][..], &["--lang", "ja", "--full"]] {
        let ja = export(&s, &[run.dir()], args);
        for english in ENGINE_ENGLISH {
            assert!(!ja.contains(english), "{english:?} in {args:?}:\n{ja}");
        }
        assert!(
            ja.contains("期待「標準出力が \"401\" である」に対し、実際の出力は \"403\""),
            "{ja}"
        );
    }
}

/// A journal written before reasons were journaled as data holds the English sentences
/// only. It still verifies and exports: in English word for word as the same run with the
/// data, in Japanese with those sentences quoted as journaled.
#[test]
fn a_journal_from_before_structured_reasons_still_verifies_and_exports() {
    let s = Scratch::new();
    let run = rolled_back(&s);
    let en = masked(&s, &run, &export(&s, &[run.dir()], &[]));
    let path = run.dir().join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut prev = String::new();
    let mut old = String::new();
    let mut stripped = 0;
    for (n, line) in text.lines().enumerate() {
        let mut v: Value = serde_json::from_str(line).unwrap();
        let data = v["data"].as_object_mut().unwrap();
        for field in ["why", "expected", "saw"] {
            stripped += usize::from(data.remove(field).is_some());
        }
        if n > 0 {
            v["prev"] = Value::String(prev.clone());
        }
        let line = serde_json::to_string(&v).unwrap();
        prev = shisa::hash::sha256_hex(line.as_bytes());
        old.push_str(&line);
        old.push('\n');
    }
    assert!(stripped >= 4, "the run journaled its reasons as data");
    std::fs::write(&path, old).unwrap();
    let verified = s.verify(run.dir());
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    let en_old = masked(&s, &run, &export(&s, &[run.dir()], &[]));
    assert_eq!(en_old, en);
    let ja_old = export(&s, &[run.dir()], &["--lang", "ja"]);
    assert!(
        ja_old.contains("expected stdout is \"401\", saw \"403\""),
        "{ja_old}"
    );
}
