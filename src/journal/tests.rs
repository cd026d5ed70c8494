//! The journal's rules across writer and reader: the end of a run, torn tails, the format
//! stamp, symbolic links and group commit.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use chrono::Utc;

use super::reader::{self, ReadError, journal_path, parse};
use super::record::{Actor, Body, CommandFailure, Entry, Expected, Outcome, Role, RunbookRef, Saw};
use super::writer::{JOURNAL, Writer};
use crate::hash::sha256_hex;

fn entry(body: Body) -> Entry {
    Entry {
        body,
        step: Some("s1".into()),
        actor: Actor {
            role: Role::Operator,
            user: "ops1".into(),
            uid: 1000,
            host: "h".into(),
        },
    }
}

fn started() -> Body {
    Body::RunStarted {
        run_id: "r".into(),
        runbook: RunbookRef {
            path: "/rb.yaml".into(),
            sha256: "0".repeat(64),
            name: "rb".into(),
        },
        params: BTreeMap::new(),
        tool_version: "0.1.0".into(),
        mode: "headless".into(),
        clock_faked: None,
        env: None,
        rehearsal: None,
    }
}

fn note(text: &str) -> Body {
    Body::OperatorNote { text: text.into() }
}

fn finished() -> Body {
    Body::RunFinished {
        outcome: Outcome::Completed,
        exit_code: 0,
        reason: None,
        why: None,
    }
}

fn write(dir: &Path, bodies: Vec<Body>) -> Vec<u8> {
    let mut w = Writer::create(dir, &[]).unwrap();
    let entries: Vec<Entry> = bodies.into_iter().map(entry).collect();
    w.append_all(&entries, Utc::now()).unwrap();
    fs::read(journal_path(dir)).unwrap()
}

fn kinds(bytes: &[u8]) -> Vec<&'static str> {
    parse(bytes)
        .unwrap()
        .records
        .iter()
        .map(|r| r.body.kind())
        .collect()
}

#[test]
fn nothing_but_a_continuation_follows_the_end_of_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = write(dir.path(), vec![started(), finished(), note("forged")]);
    let b = parse(&bytes).unwrap_err();
    assert_eq!(b.line, 3, "{b}");
    assert!(
        b.reason
            .contains("`operator_note` record after the run finished at line 2"),
        "{b}"
    );

    // Watchers dropped as the last records go out, and a resume that starts its segment.
    let dir = tempfile::tempdir().unwrap();
    let bodies = vec![
        started(),
        finished(),
        Body::WatcherLeft {
            watcher: "bob".into(),
        },
        Body::RunResumed { in_doubt: None },
        note("after the resume"),
        finished(),
    ];
    let bytes = write(dir.path(), bodies);
    assert_eq!(kinds(&bytes).len(), 6);
    assert_eq!(reader::ended_at(&parse(&bytes).unwrap().records, 4), None);
    assert_eq!(
        reader::ended_at(&parse(&bytes).unwrap().records, 6),
        Some(6)
    );
}

/// The complete lines `head`, then the first `cut` bytes of `line` (a crash mid-write).
fn cut_after(line: &[u8], head: &[u8], cut: usize) -> Vec<u8> {
    let mut bytes = head.to_vec();
    bytes.extend_from_slice(&line[..cut]);
    bytes
}

#[test]
fn every_prefix_of_the_next_record_is_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let tricky = Body::CommandFinished {
        poll: false,
        purpose: crate::journal::record::Purpose::Verify(1),
        attempt: 2,
        exit: None,
        signal: Some(-9),
        timed_out: true,
        duration_ms: 0,
        bytes: 10_007,
        sha256: "ab".repeat(32),
        log: "output/s1.verify-1.2.log".into(),
        ok: false,
        failure: Some("naïve \"quoted\" \\ tab\t bell\u{7} 日本".into()),
        captures: [("k".to_string(), "[v]".to_string())].into(),
        background: Default::default(),
        not_yet: None,
        ssh_failure: None,
        // A structured reason nests tagged objects, an array and escapes: a cut anywhere
        // inside it (a tag cut mid-word) is still a crash's torn tail.
        why: Some(CommandFailure::Deadline {
            deadline_ms: 120_000,
            polls: 5,
            last: Box::new(CommandFailure::Unmet {
                expected: Expected::Matches {
                    pattern: "^ok\"$".into(),
                },
                saw: Saw::output("a\n\u{1b}[31mb\n"),
                truncated: true,
            }),
        }),
    };
    let bytes = write(dir.path(), vec![started(), note("a"), tricky]);
    let text = std::str::from_utf8(&bytes).unwrap();
    let last = text.lines().nth(2).unwrap().as_bytes();
    let head = &bytes[..bytes.len() - last.len() - 1];
    for cut in 1..=last.len() {
        let j = parse(&cut_after(last, head, cut))
            .unwrap_or_else(|b| panic!("cut at {cut} ({:?}): {b}", &last[..cut]));
        assert_eq!(j.records.len(), 2);
        assert_eq!(j.torn.as_deref(), Some(&last[..cut]));
    }
}

#[test]
fn a_tail_that_no_crash_could_leave_is_damage() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = write(dir.path(), vec![started(), note("a")]);
    let head = sha256_hex(
        bytes[..bytes.len() - 1]
            .rsplit(|&b| b == b'\n')
            .next()
            .unwrap(),
    );
    let damaged = [
        "garbage".to_string(),
        "{}".into(),
        "{\"seq\":3,\"ts\":\"x\",\"kind\":\"k\",\"data\":{},\"actor\":{}".into(),
        "{\"seq\":3,anything at all".into(),
        "{\"seq\":3,\"kind\":\"operator_note\"".into(),
        "{\"seq\":3,\"ts\":\"x\",\"kind\":\"k\",\"data\":{},\"actor\":{},\"step\"".into(),
        "{\"seq\":4,\"ts\":\"".into(),
        "{\"seq\": 3,".into(),
        "{\"seq\":3,\"ts\":\"a\tb".into(),
        "{\"seq\":3,\"ts\":\"x\",\"kind\":\"Operator Note\"".into(),
        "{\"seq\":3,\"ts\":\"x\",\"kind\":\"k\",\"data\":{},\"actor\":{\"role\":\"root\"".into(),
        format!(
            "{{\"seq\":3,\"ts\":\"x\",\"kind\":\"k\",\"data\":{{}},\"actor\":{{\"role\":\"shisa\",\"user\":\"u\",\"uid\":1,\"host\":\"h\"}},\"prev\":\"{}\"",
            "0".repeat(64)
        ),
        format!(
            "{{\"seq\":3,\"ts\":\"x\",\"kind\":\"k\",\"data\":{{}},\"actor\":{{\"role\":\"shisa\",\"user\":\"u\",\"uid\":1,\"host\":\"h\"}},\"prev\":\"{head}\"}}x"
        ),
        format!(
            "{{\"seq\":3,\"ts\":\"x\",\"kind\":\"k\",\"data\":{}",
            "[".repeat(40)
        ),
        "{\"seq\":3,\"ts\":\"\\x".into(),
    ];
    for tail in damaged {
        let mut b = bytes.clone();
        b.extend_from_slice(tail.as_bytes());
        let err = parse(&b).expect_err(&tail);
        assert_eq!(err.line, 3, "{tail}: {err}");
        assert!(
            err.reason.contains("not the start of the next record"),
            "{err}"
        );
    }
    let mut b = bytes.clone();
    b.extend_from_slice(&[b'{', b'"', 0xff]);
    assert!(parse(&b).is_err(), "bytes that are not UTF-8");
    // Zeros where the data never reached the disk, after a cut record or alone: a crash.
    for tail in [&b"{\"seq\":3,\"ts\":\"20\0\0\0"[..], b"\0\0\0\0"] {
        let mut b = bytes.clone();
        b.extend_from_slice(tail);
        assert_eq!(parse(&b).unwrap().torn.as_deref(), Some(tail));
    }
    let mut b = bytes.clone();
    b.extend_from_slice(b"\0\0{\"seq\":3,");
    assert!(
        parse(&b).is_err(),
        "zeros before a record start are not a crash"
    );
    // The same record, whole but for its newline, with this journal's head: a crash.
    let mut b = bytes.clone();
    b.extend_from_slice(format!("{{\"seq\":3,\"ts\":\"2023-12-05T17:15:02.113+09:00\",\"kind\":\"operator_note\",\"data\":{{\"text\":\"n\"}},\"actor\":{{\"role\":\"shisa\",\"user\":\"u\",\"uid\":1,\"host\":\"h\"}},\"prev\":\"{head}\"}}").as_bytes());
    assert!(parse(&b).unwrap().torn.is_some());
}

#[test]
fn a_batch_cut_anywhere_keeps_its_complete_lines() {
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), vec![started()]);
    let mut w = Writer::resume(dir.path(), 2, sha256_hex(&first[..first.len() - 1]), &[]).unwrap();
    let batch: Vec<Entry> = (0..4).map(|i| entry(note(&format!("n{i}")))).collect();
    let written = w.append_all(&batch, Utc::now()).unwrap();
    assert_eq!(written.len(), 4);
    assert_eq!(w.records(), 5);
    let bytes = fs::read(journal_path(dir.path())).unwrap();
    let j = parse(&bytes).unwrap();
    assert_eq!(j.records.len(), 5);
    assert_eq!(w.head(), j.head(), "each line chained on its own");
    for (w, r) in written.iter().zip(&j.records[1..]) {
        assert_eq!(&w.record, r);
    }
    for cut in first.len()..bytes.len() {
        let j = parse(&bytes[..cut]).unwrap_or_else(|b| panic!("cut at {cut}: {b}"));
        let complete = bytes[..cut].iter().filter(|&&b| b == b'\n').count();
        assert_eq!(j.records.len(), complete);
        assert_eq!(j.torn.is_some(), bytes[cut - 1] != b'\n');
    }
}

#[test]
fn run_started_carries_the_format_and_a_newer_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = write(dir.path(), vec![started(), note("a")]);
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("\"kind\":\"run_started\",\"data\":{\"format\":3,"),
        "{text}"
    );
    assert_eq!(reader::read(dir.path()).unwrap().records.len(), 2);

    // A journal from before the stamp reads as format 1, and so does one stamped 1; one
    // from a newer shisa is refused, even re-chained so that nothing else is wrong with it.
    for (format, refused) in [
        ("", false),
        ("\"format\":1,", false),
        ("\"format\":2,", false),
        ("\"format\":4,", true),
    ] {
        let first = text
            .lines()
            .next()
            .unwrap()
            .replace("\"format\":3,", format);
        let second = text.lines().nth(1).unwrap();
        let old_prev = &second[second.find("\"prev\":\"").unwrap() + 8..][..64];
        let second = second.replace(old_prev, &sha256_hex(first.as_bytes()));
        fs::write(journal_path(dir.path()), format!("{first}\n{second}\n")).unwrap();
        match reader::read(dir.path()) {
            Err(ReadError::Newer(4)) if refused => {}
            Ok(j) if !refused => assert_eq!(j.records.len(), 2),
            other => panic!("format {format:?}: {other:?}"),
        }
    }
    let msg = ReadError::Newer(4).to_string();
    assert_eq!(
        msg,
        "this journal was written by a newer shisa (format 4); this shisa reads format 3 — upgrade shisa"
    );
    assert!(parse(&fs::read(journal_path(dir.path())).unwrap()).is_err());
}

#[test]
fn a_symbolic_link_is_never_opened_as_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    fs::create_dir(&real).unwrap();
    write(&real, vec![started()]);
    let linked = dir.path().join("linked");
    std::os::unix::fs::symlink(&real, &linked).unwrap();
    let err = Writer::resume(&linked, 2, "x".into(), &[]).err().unwrap();
    assert!(err.to_string().contains("is a symbolic link"), "{err}");
    assert!(super::writer::refuse_linked_dir(&linked).is_err());
    assert!(super::writer::refuse_linked_dir(&dir.path().join("linked/")).is_err());
    assert!(super::writer::refuse_linked_dir(&real).is_ok());

    let other = dir.path().join("other");
    fs::create_dir(&other).unwrap();
    std::os::unix::fs::symlink(real.join(JOURNAL), other.join(JOURNAL)).unwrap();
    let err = Writer::resume(&other, 2, "x".into(), &[]).err().unwrap();
    assert!(err.to_string().contains("is a symbolic link"), "{err}");
    assert!(Writer::create(&other, &[]).is_err());
    match reader::read(&other) {
        Err(ReadError::Io { source, .. }) => {
            assert!(
                source.to_string().contains("is a symbolic link"),
                "{source}"
            )
        }
        other => panic!("{other:?}"),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Whatever text a record holds, every cut of its line is a crash, never damage.
    #[test]
    fn every_cut_of_any_written_record_is_torn(text in "\\PC*|[\\x00-\\x7f]*", uid in 0u32..) {
        let dir = tempfile::tempdir().unwrap();
        let mut e = entry(note(&text));
        e.actor.uid = uid;
        e.step = (uid % 2 == 0).then(|| text.clone());
        let mut w = Writer::create(dir.path(), &[]).unwrap();
        w.append(&entry(started()), Utc::now()).unwrap();
        let line = w.append(&e, Utc::now()).unwrap().line.into_bytes();
        let bytes = fs::read(journal_path(dir.path())).unwrap();
        let head = &bytes[..bytes.len() - line.len() - 1];
        for cut in 1..=line.len() {
            let j = parse(&cut_after(&line, head, cut));
            proptest::prop_assert!(j.is_ok(), "cut at {}: {:?}", cut, j.err());
        }
    }
}

#[test]
fn a_torn_tail_names_only_a_kind_and_a_time_the_writer_writes() {
    let prev = "ab".repeat(32);
    let ts = "2023-12-05T17:15:02.113+09:00";
    let ok = |t: &str| super::torn::check(t.as_bytes(), 3, &prev);
    assert!(ok(r#"{"seq":3,"ts":"2023-12-05T17:1"#).is_ok());
    assert!(ok(&format!(r#"{{"seq":3,"ts":"{ts}","kind":"run_fin"#)).is_ok());
    assert!(ok(r#"{"seq":3,"ts":"x"#).is_err(), "any ts");
    assert!(
        ok(r#"{"seq":3,"ts":"2023-12-05T17:15:02Z","#).is_err(),
        "another format"
    );
    assert!(
        ok(&format!(r#"{{"seq":3,"ts":"{ts}","kind":"bogus_kind"#)).is_err(),
        "a kind no record has"
    );
}

#[test]
fn the_kinds_list_names_every_kind_a_body_can_have() {
    let source = include_str!("kinds.rs");
    let body = source
        .split("pub fn kind(&self) -> &'static str {")
        .nth(1)
        .and_then(|rest| rest.split("\n    }\n").next())
        .expect("Body::kind");
    let named: Vec<&str> = body
        .split("=> \"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    let mut listed = crate::journal::kinds::KINDS.to_vec();
    let mut named_sorted = named.clone();
    listed.sort_unstable();
    named_sorted.sort_unstable();
    assert_eq!(listed, named_sorted);
}

#[test]
fn a_torn_tail_says_only_what_a_record_of_its_kind_could_say() {
    let prev = "ab".repeat(32);
    let start = r#"{"seq":3,"ts":"2023-12-05T17:15:02.113+09:00","kind":"#;
    let check = |kind: &str, data: &str| {
        let tail = format!("{start}\"{kind}\",\"data\":{data}");
        super::torn::check(tail.as_bytes(), 3, &prev)
    };
    // The start of real data: fields in order, optional ones left out, cut anywhere.
    for (kind, data) in [
        ("operator_note", r#"{"te"#),
        ("operator_note", r#"{"text":"half a sente"#),
        ("operator_note", r#"{"text":"an escape \u00"#),
        ("step_finished", r#"{"status":"rolled_"#),
        ("step_finished", r#"{"status":"ok","reason":"#),
        (
            "command_finished",
            r#"{"purpose":"main","attempt":1,"exit":nu"#,
        ),
        (
            "command_finished",
            r#"{"purpose":"main","attempt":1,"exit":12"#,
        ),
        (
            "command_finished",
            r#"{"purpose":"main","attempt":1,"exit":0,"timed_out":false,"duration_ms":3,"bytes":0,"sha256":"","log":"l","ok":true,"captures":{"k":"v","#,
        ),
        (
            "run_started",
            r#"{"format":1,"run_id":"r","runbook":{"path":"p","sha"#,
        ),
        (
            "operator_choice",
            r#"{"prompt":"failure","choice":"abort","reason":"x"#,
        ),
        ("operator_note", r#"{"text":"whole"}"#),
    ] {
        assert!(
            check(kind, data).is_ok(),
            "{kind} {data}: {:?}",
            check(kind, data)
        );
    }
    // JSON, but no record of that kind could begin so: a field it does not have, fields
    // out of order, a value of the wrong type, a closed object missing a field.
    for (kind, data) in [
        ("operator_note", r#"{"hidden":"anything at all"#),
        ("operator_note", r#"{"texts"#),
        ("operator_note", r#"{"text":"a","extra":1"#),
        ("step_finished", r#"{"reason":"r","status":"ok""#),
        ("command_finished", r#"{"purpose":"main","attempt":"one""#),
        ("command_finished", r#"{"purpose":"main","attempt":{"#),
        ("command_finished", r#"{"purpose":"sideways","attempt":1"#),
        ("step_finished", r#"{"status":"done","#),
        ("operator_note", r#"{}"#),
        ("operator_note", r#"{"text":5}"#),
        ("operator_note", r#"{"text":tr"#),
    ] {
        assert!(
            check(kind, data).is_err(),
            "{kind} {data} passed for a crash"
        );
    }
}
