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
            format!(r"\b{u} (started|typed|chose|marked|aborted|が|の)"),
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

/// The demo aborted at its manual step, after its change was made and verified.
fn aborted_in_place(s: &Scratch) -> Run {
    let run = s.run(
        &runbook("demo.yaml"),
        &[],
        "quarantine-2023-12\nabort posting is blocked\n",
    );
    assert_eq!(run.outcome(), "aborted", "{}", run.explain());
    run
}

/// An abort without words is journaled with the engine's own English sentence; a Japanese
/// export says it anew, naming who aborted, in the summary, the timeline and the JSON; an
/// English one names them too.
#[test]
fn an_abort_without_words_is_said_in_japanese() {
    let s = Scratch::new();
    let run = s.run(&runbook("demo.yaml"), &[], "quarantine-2023-12\nabort\n");
    assert_eq!(run.outcome(), "aborted", "{}", run.explain());
    let user = run.journal()[0]["actor"]["user"]
        .as_str()
        .unwrap()
        .to_string();
    let said = format!("中止（終了コード 3）：{user} が中止した");
    let ja = export(&s, &[run.dir()], &["--lang", "ja"]);
    assert!(ja.contains(&format!("| 結果 | **{said}** |")), "{ja}");
    assert!(!ja.contains("the operator"), "{ja}");
    let json: Value = serde_json::from_str(&export(
        &s,
        &[run.dir()],
        &["--lang", "ja", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(json["runs"][0]["verdict"], said.as_str(), "{json}");
    // The last row says who aborted, at which step, and the change it leaves in place.
    let row = format!(
        "| {user} | **中止** {user} が「Tell the customer isolation is in place」で中止（終了コード 3）。「Attach Deny-all to the quarantine OU」の変更は戻していない |"
    );
    assert!(ja.contains(&row), "{ja}");
    let en = export(&s, &[run.dir()], &[]);
    // English names them too, from the same record (issue 17).
    assert!(
        en.contains(&format!(
            "| Outcome | **aborted (exit 3): {user} aborted** |"
        )),
        "{en}"
    );
    assert!(!en.contains("the operator"), "{en}");
    let row = format!(
        "| {user} | **ABORTED** {user} aborted at “Tell the customer isolation is in place” (exit 3); “Attach Deny-all to the quarantine OU” left in place, not rolled back |"
    );
    assert!(en.contains(&row), "{en}");
}

/// `--full` in Japanese gives every time to the second — a row per record, many within one
/// second of each other — while the condensed timeline keeps the document style's minutes.
#[test]
fn a_full_japanese_timeline_gives_seconds() {
    let s = Scratch::new();
    let run = aborted_in_place(&s);
    let rows = |md: &str, time: &str| {
        let re = Regex::new(&format!(r"^\| \d{{4}}-\d\d-\d\d {time} \| ")).unwrap();
        md.lines().filter(|l| re.is_match(l)).count()
    };
    let full = export(&s, &[run.dir()], &["--lang", "ja", "--full"]);
    let records = run.journal().len();
    // Every timeline row, and the sections' rows (a snapshot, a target check).
    assert_eq!(rows(&full, r"\d\d:\d\d:\d\d"), records + 2, "{full}");
    assert_eq!(rows(&full, r"\d\d:\d\d"), 0, "{full}");
    let seconds = Regex::new(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").unwrap();
    let shown = seconds.replace_all(&full, "<date> <hh:mm:ss>");
    insta::assert_snapshot!("aborted_in_place_full_ja", masked(&s, &run, &shown));
    let condensed = export(&s, &[run.dir()], &["--lang", "ja"]);
    assert_eq!(rows(&condensed, r"\d\d:\d\d:\d\d"), 0, "{condensed}");
    assert!(rows(&condensed, r"\d\d:\d\d") > 10, "{condensed}");
}

/// An aborted run that left its change in place: the summary names the change, and the
/// abort's row names the operator who aborted, not shisa, in both languages; the JSON lists
/// the step, and a merged export says it beside the run's outcome.
#[test]
fn an_aborted_run_says_the_change_it_left_in_place_in_both_languages() {
    let s = Scratch::new();
    let run = aborted_in_place(&s);
    let en = export(&s, &[run.dir()], &[]);
    assert!(
        en.contains("| Left in place, not rolled back | Attach Deny-all to the quarantine OU (`attach-deny`) |"),
        "{en}"
    );
    insta::assert_snapshot!("aborted_in_place_en", masked(&s, &run, &en));
    let ja = export(&s, &[run.dir()], &["--lang", "ja"]);
    assert!(
        ja.contains(
            "| 戻していない変更 | 「Attach Deny-all to the quarantine OU」（`attach-deny`） |"
        ),
        "{ja}"
    );
    insta::assert_snapshot!("aborted_in_place_ja", masked(&s, &run, &ja));

    let user = run.journal()[0]["actor"]["user"].clone();
    let json: Value =
        serde_json::from_str(&export(&s, &[run.dir()], &["--format", "json"])).unwrap();
    assert_eq!(
        json["runs"][0]["left_in_place"],
        serde_json::json!([{ "step": "attach-deny", "step_title": "Attach Deny-all to the quarantine OU", "in_doubt": false }])
    );
    let end = json["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&end["type"], &end["actor"]),
        (&"run_finished".into(), &user)
    );

    let done = completed(&s);
    let json: Value =
        serde_json::from_str(&export(&s, &[done.dir()], &["--format", "json"])).unwrap();
    assert_eq!(json["runs"][0]["left_in_place"], serde_json::json!([]));
    let merged = export(&s, &[done.dir(), run.dir()], &[]);
    // Who aborted is named with their reason, as without one (second cold read, item 10).
    let who = user.as_str().unwrap();
    assert!(
        merged.contains(&format!("**aborted (exit 3): {who} aborted: posting is blocked**; left in place, not rolled back: Attach Deny-all to the quarantine OU (`attach-deny`) |")),
        "{merged}"
    );
    let merged = export(&s, &[done.dir(), run.dir()], &["--lang", "ja"]);
    assert!(
        merged.contains(&format!("**中止（終了コード 3）：{who} が中止した。理由：posting is blocked**。戻していない変更：")),
        "{merged}"
    );
    assert!(!merged.contains("**completed (exit 0)**; left"), "{merged}");
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

const NEVER_GREEN: &str = r#"version: 1
name: Never green
steps:
  - id: health
    kind: verify
    title: The cluster is green
    run: echo yellow
    wait_until: { every: 100ms, deadline: 500ms }
    expect: { stdout_equals: green }
"#;

/// A wait that ran out of time: its row says the time waited and the polls once, then the
/// last poll's miss, in both languages (before, the deadline's own sentence followed again).
#[test]
fn a_wait_past_its_deadline_says_its_time_and_polls_once() {
    let s = Scratch::new();
    let rb = s.write("never.yaml", NEVER_GREEN);
    let run = s.run(&rb, &[], "abort not green\n");
    assert_eq!(run.outcome(), "failed", "{}", run.explain());
    let en = export(&s, &[run.dir()], &[]);
    let row = en
        .lines()
        .find(|l| l.contains("still did not hold after waiting"))
        .unwrap_or_else(|| panic!("{en}"));
    assert_eq!(row.matches("polls").count(), 1, "{row}");
    assert!(!row.contains("still not met after"), "{row}");
    assert!(
        row.contains("polls); on the last try, expected stdout"),
        "{row}"
    );
    let ja = export(&s, &[run.dir()], &["--lang", "ja"]);
    let row = ja
        .lines()
        .find(|l| l.contains("待っても条件を満たさなかった"))
        .unwrap_or_else(|| panic!("{ja}"));
    assert_eq!(row.matches("待っても").count(), 1, "{row}");
    assert!(!row.contains("秒 待"), "{row}");
    // A sentence ends before the last try: no em dash inside a Japanese sentence.
    assert!(
        row.contains("回）。最後の試行では、期待「標準出力が"),
        "{row}"
    );
}

const SLOW_GREEN: &str = r#"version: 1
name: Never green
steps:
  - id: health
    kind: verify
    title: The cluster is green
    run: echo yellow
    wait_until: { every: 300ms, deadline: 1s }
    expect: { stdout_equals: green }
"#;

/// One wait, one figure: the timeline's row and the failures section say how long the
/// wait lasted from its journaled start to its journaled end — not the limit, and not the
/// first poll to the last — in the same words, in both languages (issue 17).
#[test]
fn a_wait_that_ran_out_says_one_figure_in_the_timeline_and_the_failures() {
    let s = Scratch::new();
    let rb = s.write("slow-green.yaml", SLOW_GREEN);
    let run = s.run(&rb, &[], "abort not green\n");
    assert_eq!(run.outcome(), "failed", "{}", run.explain());
    let at = |kind: &str| {
        let ts = run.records(kind, Some("health"))[0]["ts"].clone();
        chrono::DateTime::parse_from_rfc3339(ts.as_str().unwrap()).unwrap()
    };
    let waited = (at("wait_finished") - at("wait_started")).num_milliseconds();
    // Past its 1 s limit: the figure is the wait's own, said as the books say seconds.
    assert!(waited >= 1000, "{waited}");
    let polls = run.records("wait_finished", Some("health"))[0]["data"]["polls"].clone();
    let (en_took, ja_took) = (
        format!("{:.1} s", waited as f64 / 1000.0),
        format!("{:.1} 秒", waited as f64 / 1000.0),
    );
    for (args, says) in [
        (
            &[][..],
            format!("still did not hold after waiting {en_took} ({polls} polls); on the last try"),
        ),
        (
            &["--lang", "ja"][..],
            format!("{ja_took}待っても条件を満たさなかった（試行 {polls} 回）。最後の試行"),
        ),
    ] {
        let md = export(&s, &[run.dir()], args);
        let (timeline, failures) = md.split_once("\n### ").unwrap_or_else(|| panic!("{md}"));
        let row = timeline.lines().filter(|l| l.contains(&says)).count();
        assert_eq!(row, 1, "the timeline's row: {says:?}\n{md}");
        let failure = failures.lines().find(|l| l.contains(&says));
        assert!(failure.is_some(), "the failures section: {says:?}\n{md}");
        // A verify check is a 検証 and each poll a 試行: 確認 is the target's word alone.
        if !args.is_empty() {
            assert!(!md.replace("対象の確認", "").contains("確認"), "{md}");
        }
        // No second figure for the same wait anywhere in the document.
        for limit in ["1s (", "1.0 s (", "1.0 秒待って"] {
            if en_took != "1.0 s" {
                assert!(!md.contains(limit), "{limit:?} in\n{md}");
            }
        }
    }
}

/// `--full` too: the wait that ran out gives one figure, the journaled start to end, once,
/// in its last poll's row; that poll's own time is the last try's, never the check's; the
/// `wait_finished` and `step_failed` rows name no time, and nothing says the limit as if
/// it were how long the wait took (issue 17: "failed after 71 ms", "after 1s" then "1.2 s").
#[test]
fn a_full_export_of_a_wait_that_ran_out_says_its_one_figure_once() {
    let s = Scratch::new();
    let rb = s.write("slow-green.yaml", SLOW_GREEN);
    let run = s.run(&rb, &[], "abort not green\n");
    assert_eq!(run.outcome(), "failed", "{}", run.explain());
    let at = |kind: &str| {
        let ts = run.records(kind, Some("health"))[0]["ts"].clone();
        chrono::DateTime::parse_from_rfc3339(ts.as_str().unwrap()).unwrap()
    };
    let waited = (at("wait_finished") - at("wait_started")).num_milliseconds() as f64 / 1000.0;
    let last = run.records("command_finished", Some("health"));
    let last = last.last().unwrap()["data"]["duration_ms"]
        .as_u64()
        .unwrap();
    let polls = run.records("wait_finished", Some("health"))[0]["data"]["polls"].clone();
    let time = Regex::new(r"\d m?s\b|秒").unwrap();
    for (args, figure, try_said, ends) in [
        (
            &["--full"][..],
            format!("still did not hold after waiting {waited:.1} s ({polls} polls)"),
            format!("on the last try ({last} ms), expected stdout"),
            [
                "stopped polling the command: it never held",
                "step failed: the command did not hold within its wait",
            ],
        ),
        (
            &["--full", "--lang", "ja"][..],
            format!("{waited:.1} 秒待っても条件を満たさなかった（試行 {polls} 回）"),
            format!("。最後の試行（{last} ミリ秒）では、期待"),
            [
                "コマンドの試行を終了（一度も条件を満たさなかった）",
                "ステップ失敗：コマンドが待機時間内に条件を満たさなかった",
            ],
        ),
    ] {
        let md = export(&s, &[run.dir()], args);
        let timeline = md.split_once("\n### ").unwrap_or_else(|| panic!("{md}")).0;
        let rows: Vec<&str> = timeline.lines().filter(|l| l.contains(&figure)).collect();
        assert_eq!(rows.len(), 1, "{figure:?} once in the timeline\n{md}");
        assert!(rows[0].contains(&try_said), "{try_said:?} in {}", rows[0]);
        if args.contains(&"ja") {
            assert!(
                timeline.contains("コマンドはまだ条件を満たさない（1 回目の試行、"),
                "{md}"
            );
        }
        for end in ends {
            let row = timeline.lines().find(|l| l.contains(end));
            let row = row.unwrap_or_else(|| panic!("{end:?}\n{md}"));
            assert!(!time.is_match(row.rsplit(" | ").nth(1).unwrap()), "{row}");
        }
        for old in [
            "still not met after",
            "still did not hold after 1",
            "ミリ秒後に失敗",
            "制限時間",
            "— 最後の試行",
            // Each poll's miss after a colon, not an em dash, in a Japanese sentence.
            "まだ条件を満たさない —",
        ] {
            assert!(!timeline.contains(old), "{old:?} in\n{md}");
        }
    }
}

/// The zone chosen with `--tz` is named as other option names are (code, set off by spaces
/// in Japanese), in Markdown and HTML; a Japanese summary's start and end give the offset,
/// as the English ones do (second cold read, item 10).
#[test]
fn the_tz_option_is_code_and_the_japanese_summary_gives_the_offset() {
    let s = Scratch::new();
    let run = completed(&s);
    let tz = ["--tz", "Asia/Kolkata"];
    let ja = export(&s, &[run.dir()], &[&tz[..], &["--lang", "ja"]].concat());
    assert!(
        ja.contains("日時は `--tz` で指定した Asia/Kolkata（UTC+05:30）で記す。"),
        "{ja}"
    );
    let start = Regex::new(r"\| 開始 \| \d{4}-\d\d-\d\d \d\d:\d\d UTC\+05:30 \|").unwrap();
    assert!(start.is_match(&ja), "{ja}");
    let html = export(
        &s,
        &[run.dir()],
        &[&tz[..], &["--lang", "ja", "--format", "html"]].concat(),
    );
    assert!(
        html.contains("日時は <code>--tz</code> で指定した"),
        "{html}"
    );
    let en = export(&s, &[run.dir()], &tz);
    assert!(
        en.contains("Asia/Kolkata (UTC+05:30), chosen with `--tz`."),
        "{en}"
    );
    let html = export(&s, &[run.dir()], &[&tz[..], &["--format", "html"]].concat());
    assert!(html.contains("chosen with <code>--tz</code>."), "{html}");
}

/// A loop's later step reuses the target confirmed at an earlier one: its row in the
/// targets section says where it was confirmed, not an empty typed value.
#[test]
fn a_reused_target_confirmation_says_where_it_was_confirmed() {
    let s = Scratch::new();
    let run = s.run(
        &runbook("rolling-restart.yaml"),
        &[],
        "svc-1\nsvc-2\nsvc-3\nkeep looks fine\n",
    );
    assert_eq!(run.code, 0, "{}", run.explain());
    for (args, says) in [
        (&[][..], "not typed again: confirmed at "),
        (&["--lang", "ja"][..], "再入力なし（「"),
    ] {
        let md = export(&s, &[run.dir()], args);
        assert!(!md.contains("` `"), "an empty code span:\n{md}");
        assert!(!md.contains("``"), "an empty code span:\n{md}");
        assert_eq!(md.matches(says).count(), 3, "{md}");
    }
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
/// data (but for the end's reason, which only the data can name by the failed step's title
/// and who chose the rollback, and the step's failure, which the data names by its checks
/// while an old journal has only the sentence with each check's reason), in Japanese with
/// those sentences quoted as journaled.
#[test]
fn a_journal_from_before_structured_reasons_still_verifies_and_exports() {
    let s = Scratch::new();
    let run = rolled_back(&s);
    let but_the_end = |md: &str| {
        md.lines()
            .filter(|l| {
                !l.contains("rolled back after")
                    && !l.contains("| Outcome |")
                    && !l.contains("step failed: ")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let en = masked(&s, &run, &export(&s, &[run.dir()], &[]));
    let stripped = as_before_structured_reasons(&s, run.dir());
    assert!(stripped >= 4, "the run journaled its reasons as data");
    let en_old = masked(&s, &run, &export(&s, &[run.dir()], &[]));
    assert_eq!(but_the_end(&en_old), but_the_end(&en));
    assert!(
        en.contains("step failed: verify 2 and 3 failed (2 of 4 checks) |"),
        "{en}"
    );
    assert!(
        en_old.contains(
            "step failed: 2 of 4 checks failed — verify-2: expected stdout is \"401\", saw \"403\"; verify-3: "
        ),
        "{en_old}"
    );
    assert!(en_old.contains(
        "| Outcome | **rolled back (exit 1): rolled back after verify 2 and 3 of `deploy` failed** |"
    ));
    let ja_old = export(&s, &[run.dir()], &["--lang", "ja"]);
    assert!(
        ja_old.contains("expected stdout is \"401\", saw \"403\""),
        "{ja_old}"
    );
}

/// A change guarded at every gate: a `when` that skips a step, a `deny` rule, a blast radius
/// with a limit, a typed target.
const GATED: &str = r#"version: 1
name: Quarantine the OU
params:
  target: { pattern: '^[a-z0-9-]+$' }
  region: { default: eu, pattern: '^(eu|us)$' }
  count: { default: '3', pattern: '^[0-9]+$' }
steps:
  - id: tell-us
    kind: precheck
    title: The US desk knows
    when: { param: region, equals: us }
    run: echo told
  - id: save
    kind: snapshot
    title: Save the attachments
    run: echo saved > "$SHISA_RUN_DIR/attachments.txt"
  - id: attach
    kind: action
    title: Attach Deny-all to the OU
    target:
      describe: echo "$target"
      deny: ['^o-root$']
      impact:
        run: echo "$count accounts"
        at_most: 100
    run: touch "$SHISA_RUN_DIR/attached"
    verify:
      - run: test -e "$SHISA_RUN_DIR/attached"
    rollback:
      - run: rm "$SHISA_RUN_DIR/attached"
"#;

/// A change window that never opens.
const FROZEN: &str = r#"version: 1
name: Freeze week change
window:
  timezone: Asia/Tokyo
  deny: ['* 00:00-24:00']
steps:
  - id: look
    kind: precheck
    title: Look around
    run: echo fine
"#;

/// Production needs a staging rehearsal of the same text.
const REHEARSED: &str = r#"version: 1
name: Rotate the signing key
environments:
  staging: {}
  production: { needs_rehearsal: staging, within: 14d }
steps:
  - id: look
    kind: precheck
    title: Look around
    run: echo fine
"#;

/// Every way a rule stops a step or a run that reaches a document — a `when` skip, a `deny`
/// refusal, a blast radius over its limit, three mistyped targets, input ending at a
/// question, a closed change window, a missing rehearsal — merged into one export, whole,
/// in both languages: each reason said by the language's phrasebook, none quoted in English.
#[test]
fn gates_halts_and_refusals_in_both_languages() {
    let s = Scratch::new();
    let gated = s.write("gated.yaml", GATED);
    let frozen = s.write("frozen.yaml", FROZEN);
    let rehearsed = s.write("rehearsed.yaml", REHEARSED);
    let denied = s.run(&gated, &["target=o-root"], "");
    assert_eq!(denied.outcome(), "refused", "{}", denied.explain());
    let over = s.run(&gated, &["target=ou-1", "count=412"], "");
    assert_eq!(over.outcome(), "refused", "{}", over.explain());
    let missed = s.run(&gated, &["target=ou-1"], "ou-2\nou-3\nou-4\n");
    assert_eq!(missed.code, 4, "{}", missed.explain());
    let ended = s.run(&gated, &["target=ou-1"], "");
    assert_eq!(ended.code, 3, "{}", ended.explain());
    let closed = s.run(&frozen, &[], "");
    assert_eq!(closed.outcome(), "refused", "{}", closed.explain());
    let mut production = s.shisa();
    production
        .arg("run")
        .arg(&rehearsed)
        .args(["--headless", "--env", "production"]);
    let unrehearsed = Run::from(common::feed(production, ""));
    assert_eq!(
        unrehearsed.outcome(),
        "refused",
        "{}",
        unrehearsed.explain()
    );
    let runs = [&denied, &over, &missed, &ended, &closed, &unrehearsed].map(|r| r.dir());
    // Every reason is journaled as data beside its sentence.
    for (run, kind) in [
        (&denied, "step_finished"),
        (&denied, "run_finished"),
        (&over, "run_finished"),
        (&missed, "run_interrupted"),
        (&ended, "run_interrupted"),
        (&closed, "window_checked"),
        (&closed, "run_finished"),
        (&unrehearsed, "run_finished"),
    ] {
        let rec = run.records(kind, None);
        let rec = rec.last().expect(kind);
        assert!(rec["data"]["why"].is_object(), "{kind}: {rec}");
    }
    let en = export(&s, &runs, &[]);
    insta::assert_snapshot!("gates_en", weekdays(&masked(&s, &denied, &en)));
    let ja = export(&s, &runs, &["--lang", "ja"]);
    for english in [
        "skipped:",
        "is denied by",
        "more than `at_most",
        "typed targets did not match",
        "end of input",
        "is inside the denied window",
        "needs a rehearsal",
    ] {
        assert!(!ja.contains(english), "{english:?} in:\n{ja}");
    }
    insta::assert_snapshot!("gates_ja", weekdays(&masked(&s, &denied, &ja)));
    // The same journals as an older shisa wrote them (sentences only) still verify and
    // export, in English word for word.
    for dir in runs {
        assert!(
            as_before_structured_reasons(&s, dir) >= 1,
            "{}",
            dir.display()
        );
    }
    let old = export(&s, &runs, &[]);
    assert_eq!(masked(&s, &denied, &old), masked(&s, &denied, &en));
}

/// Rewrites a run's journal as shisa wrote it before reasons were journaled as data: the
/// data fields removed, the chain re-linked. Checks it still verifies; returns how many
/// fields it removed.
fn as_before_structured_reasons(s: &Scratch, dir: &Path) -> usize {
    let path = dir.join("journal.jsonl");
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
    std::fs::write(&path, old).unwrap();
    let verified = s.verify(dir);
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    stripped
}

/// The day of the week a window names beside a masked date, masked too.
fn weekdays(text: &str) -> String {
    let en = Regex::new(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) <date>").unwrap();
    let ja = Regex::new(r"<date>（[月火水木金土日]）\d\d:\d\d").unwrap();
    let text = en.replace_all(text, "<day> <date>");
    ja.replace_all(&text, "<date>（<day>）<time>").into_owned()
}

/// A change a second person must approve.
const REVIEWED: &str = r#"version: 1
name: Rotate the API key
steps:
  - id: rotate
    kind: action
    title: Rotate the API key
    approval: { reviewers: 1 }
    waive: { snapshot: "the old key stays valid for a day", target: "one key per run" }
    run: touch "$SHISA_RUN_DIR/rotated"
    verify:
      - run: test -e "$SHISA_RUN_DIR/rotated"
    rollback:
      - run: rm "$SHISA_RUN_DIR/rotated"
"#;

/// A reviewer's rejection reaches the document in both languages: shisa's words around it
/// in the document's language, the reviewer's reason as they wrote it.
#[test]
fn a_rejected_approval_in_both_languages() {
    if !common::is_root() {
        return;
    }
    let sh = common::Shared::new();
    let rb = sh.s.write("reviewed.yaml", REVIEWED);
    let mut op = sh.operator(&rb, &[]);
    op.wait_for("to run `shisa approve", 30);
    let id = sh.run_id();
    let o = sh
        .as_nobody(&[
            "approve",
            &id,
            "--reject",
            "the old key is still in the CI secrets",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    op.wait_for("answer `retry`, `abort <reason>`", 30);
    op.send("abort until CI is moved to the new key");
    let run = op.finish();
    assert_eq!(run.outcome(), "refused", "{}", run.explain());
    let asked = run.records("step_failed", Some("rotate"));
    assert_eq!(asked[0]["data"]["why"]["kind"], "rejected", "{asked:?}");
    let s = &sh.s;
    let en = export(s, &[run.dir()], &[]);
    insta::assert_snapshot!("rejected_en", masked(s, &run, &en));
    let ja = export(s, &[run.dir()], &["--lang", "ja"]);
    assert!(!ja.contains("rejected the approval"), "{ja}");
    assert!(
        ja.contains("nobody が承認を却下：「the old key is still in the CI secrets」"),
        "{ja}"
    );
    insta::assert_snapshot!("rejected_ja", masked(s, &run, &ja));
}

/// What a merged HTML chart says of each run's lane — its name and tooltip, its bar's state
/// and tooltip, the words beside the bar — one line per lane, in lane order.
fn chart_lanes(html: &str) -> String {
    let svg = html
        .split_once("<svg id=\"chart\"")
        .and_then(|(_, rest)| rest.split_once("</svg>"))
        .map(|(svg, _)| svg)
        .expect("the page draws a chart");
    let label =
        Regex::new(r#"<text class="step-label[^"]*"[^>]*><title>([^<]*)</title>([^<]*)</text>"#)
            .unwrap();
    let bar = Regex::new(r#"<rect class="bar ([a-z-]+)"[^>]*><title>([^<]*)</title>"#).unwrap();
    let took = Regex::new(r#"<text class="took"[^>]*>([^<]*)</text>"#).unwrap();
    let labels: Vec<_> = label.captures_iter(svg).collect();
    let bars: Vec<_> = bar.captures_iter(svg).collect();
    let tooks: Vec<_> = took.captures_iter(svg).collect();
    assert_eq!(labels.len(), bars.len(), "one bar per lane:\n{svg}");
    let mut out = String::new();
    for (k, l) in labels.iter().enumerate() {
        out.push_str(&format!(
            "{}\n  lane: {}\n  bar ({}): {}\n  beside: {}\n",
            &l[2],
            &l[1],
            &bars[k][1],
            &bars[k][2],
            tooks.get(k).map_or("—", |t| t.get(1).unwrap().as_str())
        ));
    }
    out
}

/// The HTML chart of a merged export names each run's lane by how it ended: a run a gate
/// refused is "refused" (拒否), not "failed"; a halted run "halted, resumable" (中断（再開
/// 可能）), not cut off, its bar ending where it stopped. The tooltips say the verdict in
/// one bracket style.
#[test]
fn a_merged_chart_names_refused_and_halted_runs_in_both_languages() {
    let s = Scratch::new();
    let done = completed(&s);
    let refused = s.run(&runbook("demo.yaml"), &["ou_id=r-7x2q"], "");
    assert_eq!(refused.outcome(), "refused", "{}", refused.explain());
    let halted = s.run(&runbook("demo.yaml"), &[], "");
    assert_eq!(halted.code, 3, "{}", halted.explain());
    let runs = [done.dir(), refused.dir(), halted.dir()];
    for (lang, name) in [("en", "chart_lanes_en"), ("ja", "chart_lanes_ja")] {
        let html = export(&s, &runs, &["--format", "html", "--lang", lang]);
        let lanes = chart_lanes(&html);
        insta::assert_snapshot!(name, masked(&s, &done, &lanes));
    }
    let html = export(&s, &runs, &["--format", "html", "--lang", "ja"]);
    assert!(!chart_lanes(&html).contains("異常終了"), "{html}");
}

/// Without `--tz`, a merged export whose first run has no change window takes the zone of
/// a later run's window — not the machine's — and says whose it is.
#[test]
fn a_merged_export_takes_any_runs_window_zone_and_says_whose() {
    let s = Scratch::new();
    let first = completed(&s);
    let windowed = s.write(
        "windowed.yaml",
        "version: 1\nname: Night change\nwindow:\n  timezone: America/New_York\n  deny: []\nsteps:\n  - id: look\n    kind: precheck\n    title: Look around\n    run: echo fine\n",
    );
    let second = s.run(&windowed, &[], "");
    assert_eq!(second.code, 0, "{}", second.explain());
    let runs = [first.dir(), second.dir()];
    // The machine says Tokyo; the second run's runbook says New York.
    let en = export(&s, &runs, &[]);
    assert!(
        en.contains(
            "Times are America/New\\_York (UTC-05:00), the change-window zone of run \\#2's runbook, “Night change”."
        ),
        "{en}"
    );
    let ja = export(&s, &runs, &["--lang", "ja"]);
    assert!(
        ja.contains("日時は実行 \\#2 の手順書「Night change」の作業時間帯のタイムゾーン America/New\\_York（UTC-05:00）で記す。"),
        "{ja}"
    );
    let json: Value = serde_json::from_str(&export(&s, &runs, &["--format", "json"])).unwrap();
    assert_eq!(json["timezone"]["source"], "runbook");
    assert_eq!(
        json["timezone"]["from_run"],
        second.journal()[0]["data"]["run_id"]
    );
    // `--tz` still wins, and names no run.
    let json: Value = serde_json::from_str(&export(
        &s,
        &runs,
        &["--format", "json", "--tz", "Europe/Berlin"],
    ))
    .unwrap();
    assert_eq!(json["timezone"]["source"], "flag");
    assert_eq!(json["timezone"]["from_run"], Value::Null);
}

/// `export`, for runs whose export exits `code` (1: a damaged journal among them).
fn export_exiting(s: &Scratch, runs: &[&Path], args: &[&str], code: i32) -> String {
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
        Some(code),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// A completed demo run whose 14th journal line (the target the change step resolved) was
/// edited afterwards, as a cold reader did: line 15's `prev` no longer matches it.
fn damaged_at_its_change(s: &Scratch) -> Run {
    let run = completed(s);
    let path = run.dir().join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text.lines().nth(13).unwrap();
    assert!(line.contains("\"kind\":\"target_resolved\""), "{line}");
    let edited = text.replacen(
        "\"resolved\":\"quarantine-2023-12\"",
        "\"resolved\":\"quarantine-2023-11\"",
        1,
    );
    assert_ne!(edited, text);
    std::fs::write(&path, edited).unwrap();
    run
}

/// The x where an SVG element's attribute `a` puts it, for the one element `re` matches.
fn svg_x(svg: &str, re: &str, a: &str) -> f64 {
    let m = Regex::new(re)
        .unwrap()
        .find(svg)
        .expect(re)
        .as_str()
        .to_string();
    let v = Regex::new(&format!(r#"\b{a}="([0-9.]+)""#)).unwrap();
    v.captures(&m).unwrap()[1].parse().unwrap()
}

/// A damaged journal's chart says damaged (破損), as the summary does, not in doubt or cut
/// off: the run ended, its end is among the lines left out. The step whose end lies past
/// the break has its bar end at the last intact record, where the chart marks the break,
/// not at a journal end padded after it; a merged chart's lane for the run says the same.
#[test]
fn a_damaged_journals_chart_says_damaged_and_stops_at_the_break() {
    let s = Scratch::new();
    let run = damaged_at_its_change(&s);
    for (lang, damaged, breaks, not) in [
        ("en", "damaged", "journal breaks", ["in doubt", "cut off)"]),
        ("ja", "破損", "破損箇所", ["（異常終了）", "未確定"]),
    ] {
        let html = export_exiting(&s, &[run.dir()], &["--format", "html", "--lang", lang], 1);
        let svg = html.split_once("<svg id=\"chart\"").unwrap().1;
        let svg = svg.split_once("</svg>").unwrap().0;
        assert!(
            svg.contains(&format!("<title>attach-deny — {damaged}")),
            "{svg}"
        );
        for word in not {
            assert!(!svg.contains(word), "{word}: {svg}");
        }
        assert!(svg.contains(&format!("\">{breaks}</text>")), "{svg}");
        assert!(
            svg.contains(&format!("\">{damaged}</text>")),
            "legend: {svg}"
        );
        let bar = r#"<rect class="bar damaged" data-step="attach-deny"[^>]*>"#;
        let (x, w) = (svg_x(svg, bar, "x"), svg_x(svg, bar, "width"));
        let cut = svg_x(svg, r#"<line class="cut"[^>]*>"#, "x1");
        assert!((x + w - cut).abs() < 0.2, "bar ends at {} not {cut}", x + w);
    }
    let done = completed(&s);
    for (lang, name) in [("en", "chart_damaged_en"), ("ja", "chart_damaged_ja")] {
        let html = export_exiting(
            &s,
            &[run.dir(), done.dir()],
            &["--format", "html", "--lang", lang],
            1,
        );
        insta::assert_snapshot!(name, masked(&s, &done, &chart_lanes(&html)));
    }
}

/// A merged chart's lane for an aborted run says aborted (中止), not failed (失敗): someone
/// stopped the run, nothing it ran failed. The legend names that colour when it is drawn.
#[test]
fn a_merged_chart_says_an_aborted_run_was_aborted() {
    let s = Scratch::new();
    let aborted = aborted_in_place(&s);
    let done = completed(&s);
    for (lang, name, word, failed) in [
        ("en", "chart_aborted_en", "aborted", "failed"),
        ("ja", "chart_aborted_ja", "中止", "失敗"),
    ] {
        let html = export(
            &s,
            &[aborted.dir(), done.dir()],
            &["--format", "html", "--lang", lang],
        );
        let lanes = chart_lanes(&html);
        assert!(!lanes.contains(failed), "{lanes}");
        assert!(
            html.contains("<text class=\"legend\" x=")
                && html.contains(&format!("\">{word}</text>")),
            "{html}"
        );
        insta::assert_snapshot!(name, masked(&s, &aborted, &lanes));
    }
}

/// Line 14 edited: line 15's `prev` gives it away. The export says which line fails its
/// check and why (line 14 or 15 was altered), and counts what it shows and leaves out
/// exactly — lines 1–13 shown, lines 14–28 left out — in both languages.
#[test]
fn a_damaged_journal_names_its_lines_exactly_in_both_languages() {
    let s = Scratch::new();
    let run = damaged_at_its_change(&s);
    let total = std::fs::read_to_string(run.dir().join("journal.jsonl"))
        .unwrap()
        .lines()
        .count();
    for (lang, broken, left_out) in [
        (
            "en",
            "BROKEN at line 15: its prev does not match the hash of line 14, so line 14 or line 15 was altered; only the 13 records on lines 1–13 are shown".to_string(),
            format!("- Lines 14–{total} ({} lines) are left out of this export.", total - 13),
        ),
        (
            "ja",
            "15 行目で破損：15 行目の prev が 14 行目のハッシュと一致しないため、14 行目か 15 行目が改変されている。1〜13 行目の 13 レコードのみを示す".to_string(),
            format!("- 14〜{total} 行目（{} 行）は、このエクスポートから除外した。", total - 13),
        ),
    ] {
        let md = export_exiting(&s, &[run.dir()], &["--lang", lang], 1);
        assert_eq!(md.matches(&broken).count(), 2, "warning and integrity: {md}");
        assert!(md.contains(&left_out), "{md}");
        // The timeline shows exactly those 13 records' rows, up to the change's start.
        let json: Value = serde_json::from_str(&export_exiting(
            &s,
            &[run.dir()],
            &["--lang", lang, "--format", "json", "--full"],
            1,
        ))
        .unwrap();
        let rows = json["timeline"].as_array().unwrap();
        assert_eq!(rows.last().unwrap()["seq"], 13, "{json}");
        assert_eq!(json["runs"][0]["integrity"]["records"], 13);
    }
}

/// A damaged journal has no head to compare: its export does not ask for a comparison, and
/// a merged runs table labels its hash cell as the last intact record's, in both languages.
#[test]
fn a_damaged_journals_hash_is_never_offered_as_its_head() {
    let s = Scratch::new();
    let run = damaged_at_its_change(&s);
    let done = completed(&s);
    for (lang, compare, named, label) in [
        (
            "en",
            "Compare the head",
            "#2's head with the one printed at the end",
            "Last intact record's hash: `",
        ),
        (
            "ja",
            "このヘッドを",
            "#2 のヘッドを、実行終了時に",
            "破損前の最後のレコードのハッシュ：`",
        ),
    ] {
        let md = export_exiting(&s, &[run.dir()], &["--lang", lang], 1);
        assert!(!md.contains(compare), "{md}");
        for format in ["md", "html"] {
            let merged = export_exiting(
                &s,
                &[run.dir(), done.dir()],
                &["--lang", lang, "--format", format],
                1,
            );
            // The runs table alone: the HTML timeline's rows begin with a run number too.
            let table = match merged.split_once("<table id=\"runs\">") {
                Some((_, t)) => t.split_once("</table>").unwrap().0,
                None => merged.as_str(),
            };
            let rows: Vec<&str> = table
                .lines()
                .filter(|l| l.starts_with("| #") || l.starts_with("<tr><td>#"))
                .collect();
            assert_eq!(rows.len(), 2, "{merged}");
            let label = if format == "html" {
                label.replace('`', "<code>")
            } else {
                label.to_string()
            };
            assert!(rows[0].contains(&label), "{}", rows[0]);
            assert!(!rows[1].contains(&label), "{}", rows[1]);
            // The intact run's head can still be compared, and the line names that run
            // alone, not the damaged one (issue 17, third cold read).
            let line = merged
                .lines()
                .find(|l| l.contains("--head HASH"))
                .unwrap_or_else(|| panic!("no compare line in {merged}"));
            assert!(line.replace("\\#", "#").contains(named), "{line}");
            assert!(!line.contains("#1"), "{line}");
        }
    }
}

/// A damaged run's end is unknown, so its duration is too: the summary gives the time up
/// to the last intact record and says that is what it is, in both languages; the JSON
/// schema says what `end` and `duration_ms` hold for such a run.
#[test]
fn a_damaged_runs_duration_is_said_to_stop_at_the_break() {
    let s = Scratch::new();
    let run = damaged_at_its_change(&s);
    for (lang, row, end) in [
        (
            "en",
            r"\| Duration \| unknown; \d+ ms until the last intact record \|",
            "(last intact record ",
        ),
        (
            "ja",
            r"\| 所要時間 \| 不明（破損前の最後のレコードまで \d+ ミリ秒） \|",
            "（破損前の最後のレコード ",
        ),
    ] {
        let md = export_exiting(&s, &[run.dir()], &["--lang", lang], 1);
        assert!(Regex::new(row).unwrap().is_match(&md), "{row} in\n{md}");
        // The end cell names the same record the duration runs to, in the same words.
        assert!(md.contains(end), "{end} in\n{md}");
    }
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("assets/export.schema.json")).unwrap(),
    )
    .unwrap();
    let run_props = &schema["$defs"]["run"]["properties"];
    for field in ["end", "duration_ms"] {
        let said = run_props[field]["description"].as_str().unwrap_or_default();
        assert!(said.contains("damaged"), "{field}: {said}");
    }
}

/// The completed demo's journal cut after its first `keep` lines, plus half of the next
/// line, as a crash mid-write leaves it.
fn cut_after(s: &Scratch, keep: usize) -> Run {
    // Torn before the next record names its kind: nothing says what was being written.
    torn_after(s, keep, |next| next.find(r#","kind""#).unwrap())
}

/// A completed run's journal cut after line `keep`, with the first `tail(next)` bytes of the
/// next line left torn, as a crash mid-write leaves it.
fn torn_after(s: &Scratch, keep: usize, tail: fn(&str) -> usize) -> Run {
    let run = completed(s);
    let path = run.dir().join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let next = lines[keep];
    let cut = format!("{}\n{}", lines[..keep].join("\n"), &next[..tail(next)]);
    std::fs::write(&path, cut).unwrap();
    run
}

/// The line number (1-based) of the change step's first record of `kind` with `purpose`.
fn line_of(run: &Run, kind: &str, purpose: &str) -> usize {
    run.journal()
        .iter()
        .position(|r| {
            r["step"] == "attach-deny" && r["kind"] == kind && r["data"]["purpose"] == purpose
        })
        .unwrap()
        + 1
}

/// A journal cut off says what was in flight at the cut, not that the change's fate is
/// unknown when the timeline shows its command exited 0: after verify check 1 passed, that
/// verification stopped there; with the change command started and not ended, that it was
/// running; with the record of its end torn, that it ended and its exit code is lost
/// (fourth cold read, N1). Both languages.
#[test]
fn a_cut_off_journal_names_what_was_in_flight() {
    let s = Scratch::new();
    let whole = completed(&s);
    let checks = line_of(&whole, "command_finished", "verify-1");
    let change = line_of(&whole, "command_started", "main");
    assert_eq!(line_of(&whole, "command_finished", "main"), change + 1);
    let verifying = cut_after(&s, checks);
    let running = cut_after(&s, change);
    // The crash tore the change command's `command_finished` after its kind was written.
    let ended = torn_after(&s, change, |next| next.find(r#""data""#).unwrap() + 10);
    let cases = [
        (
            &ended,
            "en",
            "“Attach Deny-all to the quarantine OU”'s change command ended, but the record of its result is torn: its exit code, and so whether its change was made, is unknown",
        ),
        (
            &ended,
            "ja",
            "「Attach Deny-all to the quarantine OU」の変更コマンドは終了したが、結果のレコードが途中で途切れており、終了コードは分からない。変更が適用されたかは不明",
        ),
        (
            &verifying,
            "en",
            "“Attach Deny-all to the quarantine OU”'s change command exited 0; verification stopped after check 1 of 3 passed, so the change is not verified",
        ),
        (
            &verifying,
            "ja",
            "「Attach Deny-all to the quarantine OU」の変更コマンドは終了コード 0 で終わったが、検証は 3 件中 1 件目まで成功した後で止まっており、変更は検証されていない",
        ),
        (
            &running,
            "en",
            "“Attach Deny-all to the quarantine OU”'s change command was running, so whether its change was made is unknown",
        ),
        (
            &running,
            "ja",
            "「Attach Deny-all to the quarantine OU」の変更コマンドは実行中だったため、変更が適用されたかは不明",
        ),
    ];
    for (run, lang, said) in cases {
        let md = export(&s, &[run.dir()], &["--lang", lang]);
        let warning = md.lines().find(|l| l.starts_with("> **")).unwrap();
        assert!(warning.contains(said), "{said}\nin {warning}");
    }
    // The timeline's row for that command says the same, not that it was still running.
    for (run, lang, said, not) in [
        (
            &ended,
            "en",
            " ended, but the record of its result is torn: exit code unknown |",
            "was running when the journal stops",
        ),
        (
            &ended,
            "ja",
            " は終了したが、結果のレコードが途中で途切れており、終了コードは分からない |",
            "実行中だった",
        ),
        (
            &running,
            "ja",
            " はジャーナルが終わった時点で実行中だった。結果は記録されていない |",
            "途中で途切れており、終了コード",
        ),
    ] {
        let md = export(&s, &[run.dir()], &["--lang", lang]);
        let row = md.lines().rfind(|l| l.contains("`orgctl")).unwrap();
        assert!(row.contains(said), "{said}\nin {row}");
        assert!(!md.contains(not), "{not}\nin {md}");
    }
    let md = export(&s, &[verifying.dir()], &["--lang", "ja"]);
    assert!(!md.contains("の変更が適用されたかは不明"), "{md}");
    // Its outcome is named as a Japanese report names it, in the warning, the summary's
    // end and outcome, and the timeline's last line; no bracket holds another.
    for said in [
        "> **警告：** 異常終了（記録途絶）：ジャーナルが `run_finished` なしで終わっており、この実行のプロセスも残っていない。",
        "| 終了 | 未完了：異常終了（記録途絶、最終レコード ",
        "| 結果 | **異常終了（記録途絶）：",
        "実行は異常終了し、記録はここで途絶えている。",
    ] {
        assert!(md.contains(said), "{said}\nin {md}");
    }
    assert!(!md.contains("途絶："), "{md}");
    for l in md.lines().filter(|l| l.contains("記録途絶")) {
        assert!(!nested(l), "{l}");
    }
}

/// A run killed inside its change command and resumed, the change run again (attempt 2):
/// its journal then holds two starts of that change and one finish, whose line is torn
/// `keep(line)` bytes in, as a second crash while writing it leaves it.
fn rerun_then_torn(s: &Scratch, keep: fn(&str) -> usize) -> Run {
    let rb = s.write(
        "rerun.yaml",
        "version: 1\nname: killed in its change\nsteps:\n  - id: snap\n    kind: snapshot\n    \
         run: 'echo saved > \"$SHISA_RUN_DIR/before\"; echo saved'\n  - id: change\n    kind: action\n    \
         title: Make the change\n    waive: { target: \"test step\" }\n    \
         run: '[ -e \"$SHISA_RUN_DIR/killed\" ] || { touch \"$SHISA_RUN_DIR/killed\"; kill -9 $PPID; sleep 0.2; }; echo changed'\n    \
         verify: [ { run: 'true' } ]\n    rollback: [ { run: 'echo undone >> \"$SHISA_RUN_DIR/undone\"' } ]\n",
    );
    let killed = s.run(&rb, &[], "");
    assert_ne!(killed.code, 0, "{}", killed.explain());
    let dir = s.newest_run_dir().unwrap();
    // The killed shisa's change command ends on its own: wait for that, as an operator
    // would before resuming.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !shisa::exec::survivors::of_run(&dir).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the change never ended"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let resumed = s.resume(&dir, "rerun\n");
    assert_eq!(resumed.outcome(), "completed", "{}", resumed.explain());
    let path = dir.join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mains: Vec<usize> = resumed
        .journal()
        .iter()
        .enumerate()
        .filter(|(_, r)| r["step"] == "change" && r["data"]["purpose"] == "main")
        .map(|(i, r)| {
            let said = (
                r["kind"].as_str().unwrap(),
                r["data"]["attempt"].as_u64().unwrap(),
            );
            assert!(
                matches!(said, ("command_started", 1 | 2) | ("command_finished", 2)),
                "{said:?}"
            );
            i
        })
        .collect();
    assert_eq!(mains.len(), 3, "{}", resumed.explain());
    let finish = lines[mains[2]];
    let cut = format!(
        "{}\n{}",
        lines[..mains[2]].join("\n"),
        &finish[..keep(finish)]
    );
    std::fs::write(&path, cut).unwrap();
    resumed
}

/// A torn result with more than one command open (the change killed, then run again) names
/// the command by what survives of the line: with its attempt whole, the second attempt
/// ended and the first was running; cut before the attempt, one of the two ended and which
/// is not known, said so in the warning and in both rows. Never more than the bytes say;
/// both languages.
#[test]
fn a_torn_result_with_two_commands_open_names_one_only_when_its_bytes_do() {
    let s = Scratch::new();
    let whole = |n: &str| n.find(r#""attempt":2,"#).unwrap() + 12;
    let named = rerun_then_torn(&s, whole);
    let unsaid = rerun_then_torn(&s, |n| n.find(r#""attempt":"#).unwrap() + 10);
    let maybe = (
        " was running or had just ended: the torn last line is the result of one of the 2 commands left without a result, cut off before it says which; exit code unknown |",
        " は実行中だったか、終了した直後だった。途切れた最終行は、結果が記録されていない 2 件のコマンドのうちいずれかの結果だが、どれのものかを示す前で途切れている。終了コードは分からない |",
    );
    let ended = (
        " ended, but the record of its result is torn: exit code unknown |",
        " は終了したが、結果のレコードが途中で途切れており、終了コードは分からない |",
    );
    let running = (
        " was running when the journal stops: no result was recorded |",
        " はジャーナルが終わった時点で実行中だった。結果は記録されていない |",
    );
    let cases = [
        (
            &named,
            "en",
            "“Make the change”'s change command ended, but the record of its result is torn: its exit code, and so whether its change was made, is unknown",
            [running.0, ended.0],
        ),
        (
            &named,
            "ja",
            "「Make the change」の変更コマンドは終了したが、結果のレコードが途中で途切れており、終了コードは分からない。変更が適用されたかは不明",
            [running.1, ended.1],
        ),
        (
            &unsaid,
            "en",
            "“Make the change”'s change command was running or had just ended (the torn last line is the result of one of 2 commands left without a result, cut off before it says which), so whether its change was made is unknown",
            [maybe.0, maybe.0],
        ),
        (
            &unsaid,
            "ja",
            "「Make the change」の変更コマンドは実行中だったか、終了した直後だった（途切れた最終行は、結果が記録されていない 2 件のコマンドのうちいずれかの結果だが、どれのものかを示す前で途切れている）。変更が適用されたかは不明",
            [maybe.1, maybe.1],
        ),
    ];
    for (run, lang, warned, rows) in cases {
        let md = export(&s, &[run.dir()], &["--lang", lang]);
        let warning = md.lines().find(|l| l.starts_with("> **")).unwrap();
        assert!(warning.contains(warned), "{warned}\nin {warning}");
        // The change's two starts, in order: each row says what became of its attempt.
        let said: Vec<&str> = md
            .lines()
            .filter(|l| l.contains("; echo changed`"))
            .collect();
        assert_eq!(said.len(), 2, "{md}");
        for (row, want) in said.iter().zip(rows) {
            assert!(row.ends_with(want), "{want}\nin {row}");
        }
    }
}

/// Whether a bracket opens inside one of its own kind (（…（…）…）, 「…「…」…」, “…“…”…”).
fn nested(line: &str) -> bool {
    let mut open: Vec<char> = Vec::new();
    for c in line.chars() {
        match c {
            '（' | '「' | '“' => {
                if open.contains(&c) {
                    return true;
                }
                open.push(c);
            }
            '）' | '」' | '”' => {
                open.pop();
            }
            _ => {}
        }
    }
    false
}

/// A run started with `--outside-window` meets its shut window at each check: every such
/// row names its step and says the run went on under the override, in both languages,
/// rather than three identical "WINDOW CLOSED" rows that name nothing and read as stops.
#[test]
fn a_shut_window_passed_under_the_override_says_so_at_each_step() {
    let s = Scratch::new();
    let rb = s.write(
        "night.yaml",
        "version: 1\nname: Night change\nwindow:\n  timezone: Asia/Tokyo\n  allow: [\"Mon 00:00-00:01\"]\nsteps:\n  - id: look\n    kind: precheck\n    title: Look around\n    run: echo fine\n  - id: change\n    kind: action\n    title: Make the change\n    run: echo changed\n    waive: { snapshot: \"test\", target: \"test\", rollback: \"test\" }\n    verify:\n      - run: echo ok\n",
    );
    let run = s.run_with(&rb, &[], "", |c| {
        c.arg("--outside-window").arg("INC-42: now");
    });
    assert_eq!(run.code, 0, "{}", run.explain());
    let checks = run.records("window_checked", None).len();
    assert!(checks >= 2, "{}", run.explain());
    // The time is said once, in the reason, and no bracket holds another (its weekday's).
    for (lang, said) in [
        ("en", "; continuing under the override |"),
        ("ja", "）の外。オーバーライドにより続行 |"),
    ] {
        let md = export(&s, &[run.dir()], &["--lang", lang]);
        let rows: Vec<&str> = md.lines().filter(|l| l.contains(said)).collect();
        assert_eq!(rows.len(), checks, "{md}");
        for r in &rows {
            assert_eq!(r.matches(" JST").count(), 1, "{r}");
            assert!(!nested(r), "{r}");
        }
        for title in ["Look around", "Make the change"] {
            assert!(rows.iter().any(|r| r.contains(title)), "{title}: {md}");
        }
    }
}

/// A note given when marking a manual step done stays exactly as written in the JSON, in
/// every language; when it was written is its own field. The document still says it.
#[test]
fn a_json_note_is_kept_as_written_in_both_languages() {
    let s = Scratch::new();
    let run = completed(&s);
    for lang in ["en", "ja"] {
        let json: Value = serde_json::from_str(&export(
            &s,
            &[run.dir()],
            &["--lang", lang, "--format", "json"],
        ))
        .unwrap();
        let notes = json["runs"][0]["notes"].as_array().unwrap();
        assert_eq!(notes.len(), 1, "{json}");
        assert_eq!(notes[0]["text"], "posted", "{lang}");
        assert_eq!(notes[0]["written"], "marking_done", "{lang}");
    }
    let md = export(&s, &[run.dir()], &["--lang", "ja"]);
    // The notes section, after the timeline's row of the same moment.
    let row = md.lines().rfind(|l| l.contains("posted")).unwrap();
    assert!(row.contains("完了") && row.ends_with("posted |"), "{row}");
}

/// The demo aborted at its manual step with its change in place, then undone later by
/// `shisa rollback` (as the third cold reader's run C was).
fn aborted_then_undone(s: &Scratch) -> Run {
    let run = aborted_in_place(s);
    let mut c = s.shisa();
    c.arg("rollback")
        .arg(run.dir())
        .args(["--headless", "--reason", "顧客の指示で隔離を解除"]);
    let undo = Run::from(common::feed(c, "quarantine-2023-12\n"));
    assert_eq!(undo.code, 0, "{}", undo.explain());
    assert_eq!(run.outcome(), "rolled_back", "{}", run.explain());
    run
}

/// The abort's row of a run undone later says what the abort left in place and until when
/// — the change stayed from the abort to the rollback — not nothing, as if the abort had
/// left no change (third cold read, item 1). Both languages, the JSON row alike.
#[test]
fn an_abort_undone_later_says_what_stayed_in_place_until_when() {
    let s = Scratch::new();
    let run = aborted_then_undone(&s);
    let undone = run
        .journal()
        .iter()
        .find(|r| r["kind"] == "rollback_finished")
        .map(|r| r["ts"].as_str().unwrap().to_string())
        .unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(&undone)
        .unwrap()
        .with_timezone(&chrono_tz::Asia::Tokyo);
    for (lang, said) in [
        (
            "en",
            format!(
                "; “Attach Deny-all to the quarantine OU” left in place, not rolled back (rolled back at {}) |",
                at.format("%H:%M:%S%.3f")
            ),
        ),
        (
            "ja",
            format!(
                "。「Attach Deny-all to the quarantine OU」の変更は戻していない（{} にロールバック） |",
                at.format("%Y-%m-%d %H:%M")
            ),
        ),
    ] {
        let md = export(&s, &[run.dir()], &["--lang", lang]);
        let row = md
            .lines()
            .find(|l| l.contains("**ABORTED**") || l.contains("**中止**"));
        assert!(row.is_some_and(|r| r.ends_with(&said)), "{said}\nin {md}");
        let json: Value = serde_json::from_str(&export(
            &s,
            &[run.dir()],
            &["--lang", lang, "--format", "json"],
        ))
        .unwrap();
        let row = json["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == "run_finished")
            .unwrap();
        let text = row["summary"].as_str().unwrap();
        assert!(text.ends_with(said.trim_end_matches(" |")), "{text}");
    }
}

/// The summary of a run aborted and undone later keeps the abort — who, when, the run's own
/// exit 3 — and then says whose request rolled back what it left, rather than only the
/// rollback's exit 0 (en said "rolled back, as the operator asked" twice over). The merged
/// runs table gives the same verdict; the JSON keeps `outcome` the rollback's and carries the
/// abort in `aborted` (third cold read, item 2).
#[test]
fn an_abort_undone_later_keeps_the_abort_in_its_outcome() {
    let s = Scratch::new();
    let run = aborted_then_undone(&s);
    let journal = run.journal();
    let user = journal[0]["actor"]["user"].as_str().unwrap().to_string();
    let abort = journal
        .iter()
        .find(|r| r["kind"] == "run_finished")
        .unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(abort["ts"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono_tz::Asia::Tokyo);
    let done = completed(&s);
    for (lang, said) in [
        (
            "en",
            format!(
                "**rolled back (exit 0): {user} aborted at {} (exit 3); the changes left in place were rolled back later, at {user}'s request**",
                at.format("%H:%M:%S%.3f")
            ),
        ),
        (
            "ja",
            format!(
                "**ロールバック済み（終了コード 0）：{user} が {} に中止（終了コード 3）した後、{user} の求めに応じて残った変更を戻した**",
                at.format("%Y-%m-%d %H:%M")
            ),
        ),
    ] {
        let md = export(&s, &[run.dir()], &["--lang", lang]);
        let outcome = md
            .lines()
            .find(|l| l.starts_with("| Outcome |") || l.starts_with("| 結果 |"))
            .unwrap();
        assert_eq!(
            outcome,
            format!("{} | {said} |", &outcome[..outcome.find(" | ").unwrap()])
        );
        assert!(
            !outcome.contains("rolled back, as the operator asked"),
            "{outcome}"
        );
        let merged = export(&s, &[done.dir(), run.dir()], &["--lang", lang]);
        assert!(
            merged.contains(&format!(" | {said} | ")),
            "{said}\nin {merged}"
        );
        let json: Value = serde_json::from_str(&export(
            &s,
            &[run.dir()],
            &["--lang", lang, "--format", "json"],
        ))
        .unwrap();
        let r = &json["runs"][0];
        assert_eq!(
            (&r["outcome"], &r["exit_code"]),
            (&"rolled_back".into(), &0.into())
        );
        assert_eq!(r["verdict"], said.trim_matches('*'), "{r}");
        assert_eq!(r["aborted"]["by"], user.as_str());
        assert_eq!(r["aborted"]["exit_code"], 3);
        assert_eq!(
            r["aborted"]["at"].as_str().unwrap(),
            at.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
        );
    }
}

/// A completed demo run whose change command's result (its `command_finished` line) was
/// edited afterwards, as the third cold reader did: the next line's `prev` gives it away,
/// and the trusted journal ends with that command started.
fn damaged_at_its_result(s: &Scratch) -> Run {
    let run = completed(s);
    let at = line_of(&run, "command_finished", "main");
    let path = run.dir().join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let edited = Regex::new(r#""duration_ms":\d+"#)
        .unwrap()
        .replace(&lines[at - 1], r#""duration_ms":99999"#)
        .into_owned();
    assert_ne!(edited, lines[at - 1]);
    lines[at - 1] = edited;
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    run
}

/// In a damaged journal, a command whose result is on a line left out is not said to have
/// had no result: its result lies on the lines left out, from the first of them, which is
/// the edited line itself, not "past the damage" (third cold read, item 3; fourth, its
/// gap). `--full` says it after the command's bare start. Both languages, md and JSON.
#[test]
fn a_damaged_journal_says_a_commands_result_lies_past_the_damage() {
    let s = Scratch::new();
    let run = damaged_at_its_result(&s);
    let edited = line_of(&run, "command_finished", "main");
    let command = "`orgctl attach-policy --policy p-denyall01 --target ou-7x2q-quar2312`";
    for (lang, said, not) in [
        (
            "en",
            format!(
                "Attach Deny-all to the quarantine OU: the result of {command} lies on the lines left out, from line {edited} on, and is not shown"
            ),
            "no result was recorded",
        ),
        (
            "ja",
            format!(
                "「Attach Deny-all to the quarantine OU」：{command} の結果は除外した {edited} 行目以降にあり、ここには示していない"
            ),
            "結果は記録されていない",
        ),
    ] {
        let md = export_exiting(&s, &[run.dir()], &["--lang", lang], 1);
        let row = format!(" | {said} |");
        assert!(md.lines().any(|l| l.ends_with(&row)), "{said}\nin {md}");
        assert!(!md.contains(not), "{md}");
        assert!(!md.contains("past the damage and"), "{md}");
        let full = export_exiting(&s, &[run.dir()], &["--lang", lang, "--full"], 1);
        let rows: Vec<&str> = full.lines().filter(|l| l.starts_with("| ")).collect();
        let at = rows.iter().rposition(|l| l.ends_with(&row)).expect(&full);
        assert!(rows[at - 1].contains(command), "{}", rows[at - 1]);
        let json: Value = serde_json::from_str(&export_exiting(
            &s,
            &[run.dir()],
            &["--lang", lang, "--format", "json"],
            1,
        ))
        .unwrap();
        let rows = json["timeline"].as_array().unwrap();
        assert_eq!(rows.last().unwrap()["summary"], said.as_str(), "{json}");
    }
}

/// A cut-off journal's summary lists a change in flight at the cut as left in place only
/// with what the warning says of it: whether it was made is unknown. A change whose command
/// exited 0 before the cut is listed plainly (third cold read, item 5). Both languages, md,
/// HTML and JSON.
#[test]
fn a_cut_off_runs_change_in_flight_is_not_said_to_be_left_in_place_flatly() {
    let s = Scratch::new();
    let whole = completed(&s);
    let running = cut_after(&s, line_of(&whole, "command_started", "main"));
    let verifying = cut_after(&s, line_of(&whole, "command_finished", "verify-1"));
    for (lang, doubt, plain) in [
        (
            "en",
            "| Left in place, not rolled back | Attach Deny-all to the quarantine OU (`attach-deny`; whether it was made is unknown) |",
            "| Left in place, not rolled back | Attach Deny-all to the quarantine OU (`attach-deny`) |",
        ),
        (
            "ja",
            "| 戻していない変更 | 「Attach Deny-all to the quarantine OU」（`attach-deny`、適用されたかは不明） |",
            "| 戻していない変更 | 「Attach Deny-all to the quarantine OU」（`attach-deny`） |",
        ),
    ] {
        let md = export(&s, &[running.dir()], &["--lang", lang]);
        assert!(md.contains(doubt), "{doubt}\nin {md}");
        let html = export(&s, &[running.dir()], &["--lang", lang, "--format", "html"]);
        let said = doubt
            .split(" | ")
            .nth(1)
            .unwrap()
            .trim_end_matches(" |")
            .replace("`attach-deny`", "<code>attach-deny</code>");
        assert!(html.contains(&said), "{said}\nin {html}");
        let md = export(&s, &[verifying.dir()], &["--lang", lang]);
        assert!(md.contains(plain), "{plain}\nin {md}");
    }
    for (run, doubt) in [(&running, true), (&verifying, false)] {
        let json: Value =
            serde_json::from_str(&export(&s, &[run.dir()], &["--format", "json"])).unwrap();
        assert_eq!(
            json["runs"][0]["left_in_place"][0]["in_doubt"], doubt,
            "{json}"
        );
    }
}

/// A damaged journal's summary does not claim what the run left in place: past the damage
/// it cannot be told. It says so, and names what had begun by the last intact record — here
/// the change whose result lies past the damage, itself in doubt (third cold read, item 4).
#[test]
fn a_damaged_runs_summary_does_not_claim_what_it_left_in_place() {
    let s = Scratch::new();
    let run = damaged_at_its_result(&s);
    for (lang, row) in [
        (
            "en",
            "| Left in place, not rolled back | unknown: it cannot be told past the damage; changes begun by the last intact record: Attach Deny-all to the quarantine OU (`attach-deny`; whether it was made is unknown) |",
        ),
        (
            "ja",
            "| 戻していない変更 | 不明（破損箇所より後は確かめられない）。破損前の最後のレコードまでに着手した変更：「Attach Deny-all to the quarantine OU」（`attach-deny`、適用されたかは不明） |",
        ),
    ] {
        let md = export_exiting(&s, &[run.dir()], &["--lang", lang], 1);
        assert!(md.contains(row), "{row}\nin {md}");
        let html = export_exiting(&s, &[run.dir()], &["--lang", lang, "--format", "html"], 1);
        let said = row
            .split(" | ")
            .nth(1)
            .unwrap()
            .trim_end_matches(" |")
            .replace("`attach-deny`", "<code>attach-deny</code>");
        assert!(html.contains(&said), "{said}\nin {html}");
        // A merged runs table says it beside the run's outcome.
        let done = completed(&s);
        let merged = export_exiting(&s, &[run.dir(), done.dir()], &["--lang", lang], 1);
        let cell = row.split(" | ").nth(1).unwrap().trim_end_matches(" |");
        assert!(merged.contains(cell), "{cell}\nin {merged}");
    }
    let json: Value =
        serde_json::from_str(&export_exiting(&s, &[run.dir()], &["--format", "json"], 1)).unwrap();
    assert_eq!(json["runs"][0]["state"], "damaged");
    assert_eq!(
        json["runs"][0]["left_in_place"][0]["in_doubt"], true,
        "{json}"
    );
}

/// A cut-off run's end is unknown as a damaged one's is: its duration reads as the damaged
/// one does, up to its last record, not as a plain figure for the whole run (third cold
/// read, item 6). Both languages, md and HTML; the schema says what `duration_ms` holds.
#[test]
fn a_cut_off_runs_duration_is_said_to_stop_at_its_last_record() {
    let s = Scratch::new();
    let whole = completed(&s);
    let run = cut_after(&s, line_of(&whole, "command_started", "main"));
    for (lang, md_row, html_row) in [
        (
            "en",
            r"\| Duration \| unknown; \d+ ms until the last record \|",
            r"<th>Duration</th><td>unknown; \d+ ms until the last record</td>",
        ),
        (
            "ja",
            r"\| 所要時間 \| 不明（最後のレコードまで \d+ ミリ秒） \|",
            r"<th>所要時間</th><td>不明（最後のレコードまで \d+ ミリ秒）</td>",
        ),
    ] {
        let md = export(&s, &[run.dir()], &["--lang", lang]);
        assert!(
            Regex::new(md_row).unwrap().is_match(&md),
            "{md_row} in\n{md}"
        );
        let html = export(&s, &[run.dir()], &["--lang", lang, "--format", "html"]);
        assert!(
            Regex::new(html_row).unwrap().is_match(&html),
            "{html_row} in\n{html}"
        );
    }
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("assets/export.schema.json")).unwrap(),
    )
    .unwrap();
    let said = schema["$defs"]["run"]["properties"]["duration_ms"]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(said.contains("`cut_off`"), "{said}");
}

/// A precheck that fails, then a change it guards.
const UNHEALTHY: &str = r#"version: 1
name: Roll the tier
steps:
  - id: green
    kind: precheck
    title: The tier is healthy
    run: echo yellow
    expect: { stdout_equals: green }
  - id: save
    kind: snapshot
    title: Save the versions
    run: echo saved > "$SHISA_RUN_DIR/versions.txt"
  - id: roll
    kind: action
    title: Roll the tier
    target: { describe: echo tier-1 }
    run: touch "$SHISA_RUN_DIR/rolled"
    verify:
      - run: test -e "$SHISA_RUN_DIR/rolled"
    rollback:
      - run: rm "$SHISA_RUN_DIR/rolled"
"#;

/// A journal that stops on a failed precheck's `step_failed`, shisa killed while it waited
/// for the operator's retry or abort: the warning says the check failed and the run was
/// waiting for that decision, and that no change was made; the condensed timeline keeps
/// the row that shows it (fourth cold read, N2). Both languages.
#[test]
fn a_journal_cut_while_waiting_for_a_decision_says_so() {
    let s = Scratch::new();
    let book = s.write("unhealthy.yaml", UNHEALTHY);
    let run = s.run(&book, &[], "abort\n");
    let path = run.dir().join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let keep = run
        .journal()
        .iter()
        .position(|r| r["kind"] == "step_failed")
        .unwrap()
        + 1;
    let lines: Vec<&str> = text.lines().take(keep).collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    for (lang, said, row) in [
        (
            "en",
            "The precheck “The tier is healthy” failed, and shisa was waiting for the operator's decision when the record stops; no change was made in this run; `shisa resume ",
            "| **FAILED** The tier is healthy: step failed: ",
        ),
        (
            "ja",
            "事前チェック「The tier is healthy」が失敗し、作業者の判断を待つ間に記録が途絶えた。この実行では変更は行っていない。`shisa resume ",
            "| **失敗** 「The tier is healthy」：ステップ失敗：",
        ),
    ] {
        let md = export(&s, &[run.dir()], &["--lang", lang]);
        let warning = md.lines().find(|l| l.starts_with("> **")).unwrap();
        assert!(warning.contains(said), "{said}\nin {warning}");
        assert!(md.contains(row), "{row}\nin {md}");
    }
}

/// A step that passed with one verify check: the Japanese row gives the count in brackets,
/// since 「検証 1 件も成功」 reads as the negative 「1 件も…ない」 (fourth cold read, 14).
#[test]
fn one_passed_check_is_counted_in_brackets_in_japanese() {
    let s = Scratch::new();
    let book = s.write(
        "one-check.yaml",
        "version: 1\nname: One check\nsteps:\n  - id: look\n    kind: precheck\n    title: Look around\n    run: echo fine\n    verify:\n      - run: \"true\"\n",
    );
    let run = s.run(&book, &[], "");
    assert_eq!(run.code, 0, "{}", run.explain());
    let ja = export(&s, &[run.dir()], &["--lang", "ja"]);
    assert!(
        ja.contains("`echo fine` を実行、検証（1 件）も成功"),
        "{ja}"
    );
    assert!(!ja.contains("検証 1 件も"), "{ja}");
}
