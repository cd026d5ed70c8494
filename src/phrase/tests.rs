//! The phrasebooks on records that are easy to say wrongly.

use std::collections::BTreeMap;

use super::*;
use crate::journal::record::{Actor, Choice, Prompt, Role, StepStatus};

/// Titles known for two steps; `push` has a title with a person's own punctuation.
struct Titles;

impl Names for Titles {
    fn title_of(&self, step: &str) -> Option<String> {
        match step {
            "push" => Some("Push the config to *all* hosts".into()),
            "drain" => Some("Drain the edge".into()),
            _ => None,
        }
    }

    fn command_of(&self, _finished: &Record) -> Option<String> {
        Some("curl -s https://eu.example/health".into())
    }
}

fn rec(step: Option<&str>, role: Role, body: Body) -> Record {
    Record {
        seq: 9,
        ts: "2023-12-05T17:15:02.113+09:00".into(),
        body,
        step: step.map(str::to_string),
        actor: Actor {
            role,
            user: "ops1".into(),
            uid: 1000,
            host: "bastion-1".into(),
        },
        prev: "0".repeat(64),
    }
}

fn say(r: &Record) -> Phrase {
    phrase(&EN, r, &Titles).expect("a sentence")
}

#[test]
fn a_failed_command_names_the_step_the_command_and_the_reason() {
    let r = rec(
        Some("push"),
        Role::Shisa,
        Body::CommandFinished {
            poll: false,
            purpose: Purpose::Verify(1),
            attempt: 2,
            exit: Some(1),
            signal: None,
            timed_out: false,
            duration_ms: 1534,
            bytes: 3,
            sha256: String::new(),
            log: String::new(),
            ok: false,
            failure: Some("exit 1 (expected 0)".into()),
            captures: BTreeMap::new(),
            background: Default::default(),
            not_yet: None,
            ssh_failure: None,
            // A journal from before structured reasons: the sentence only.
            why: None,
        },
    );
    let p = say(&r);
    assert_eq!(p.mark, Some(Mark::Failed));
    assert_eq!(
        p.runs,
        vec![
            Run::Plain("Push the config to *all* hosts: verify 1 failed: ".into()),
            Run::Code("curl -s https://eu.example/health".into()),
            Run::Plain(" — exit 1 (expected 0) (after 1.5 s) (attempt 2)".into()),
        ]
    );
    assert_eq!(
        p.line(&EN),
        "✗ FAILED Push the config to *all* hosts: verify 1 failed: `curl -s https://eu.example/health` — exit 1 (expected 0) (after 1.5 s) (attempt 2)"
    );
    // Without the command (a terminal line), the sentence still stands.
    let bare = phrase(&EN, &r, &()).unwrap();
    assert_eq!(
        bare.text(),
        "push: verify 1 failed — exit 1 (expected 0) (after 1.5 s) (attempt 2)"
    );
}

#[test]
fn an_override_says_who_set_which_rule_aside_and_their_words() {
    let window = rec(
        None,
        Role::Operator,
        Body::Override {
            what: crate::journal::record::OverrideKind::Window,
            reason: "incident 42 *cannot* wait".into(),
        },
    );
    assert_eq!(
        say(&window).line(&EN),
        "! OVERRIDE ops1 started outside the change window: “incident 42 *cannot* wait”"
    );
    let precheck = rec(
        Some("drain"),
        Role::Operator,
        Body::Override {
            what: crate::journal::record::OverrideKind::Precheck,
            reason: "the check is known broken".into(),
        },
    );
    assert_eq!(
        say(&precheck).text(),
        "Drain the edge: ops1 overrode the failed precheck: “the check is known broken”"
    );
    // The choice that led to it speaks through the override record.
    let choice = rec(
        Some("drain"),
        Role::Operator,
        Body::OperatorChoice {
            prompt: Prompt::Precheck,
            choice: Choice::Override("the check is known broken".into()),
        },
    );
    assert!(silent(&choice) && phrase(&EN, &choice, &Titles).is_none());
}

#[test]
fn steps_that_went_on_unproven_never_read_as_passed() {
    let finished = |status, reason: Option<&str>| {
        say(&rec(
            Some("drain"),
            Role::Shisa,
            Body::StepFinished {
                status,
                reason: reason.map(str::to_string),
                why: None,
            },
        ))
    };
    let cases = [
        (
            StepStatus::Continued,
            "! FAILED Drain the edge: step failed; the run continued past it, unproven",
        ),
        (
            StepStatus::Overridden,
            "! OVERRIDE Drain the edge: precheck failed and was overridden",
        ),
        (
            StepStatus::Unproven,
            "! OVERRIDE Drain the edge: accepted as done but unproven: no check confirmed it",
        ),
        (StepStatus::Ok, "✓ Drain the edge: done"),
    ];
    for (status, want) in cases {
        assert_eq!(finished(status, None).line(&EN), want);
    }
    assert_eq!(
        finished(StepStatus::Unproven, Some("checked by hand")).text(),
        "Drain the edge: accepted as done but unproven: no check confirmed it — checked by hand"
    );
    assert_eq!(
        finished(StepStatus::Continued, None)
            .mark
            .and_then(Mark::marker),
        Some(Marker::Failed)
    );
}

#[test]
fn a_stop_names_the_step_and_the_command_being_stopped() {
    let stop = |purpose, attempt| {
        say(&rec(
            Some("push"),
            Role::Operator,
            Body::StopRequested {
                purpose,
                attempt,
                reason: "stopped by ops1 (Ctrl-C)".into(),
            },
        ))
        .line(&EN)
    };
    assert_eq!(
        stop(Purpose::Main, 1),
        "? INTERRUPTED Push the config to *all* hosts: stopping the command: stopped by ops1 (Ctrl-C)"
    );
    assert_eq!(
        stop(Purpose::Rollback(2), 3),
        "? INTERRUPTED Push the config to *all* hosts: stopping rollback 2 (attempt 3): stopped by ops1 (Ctrl-C)"
    );
}

#[test]
fn a_rollback_plan_names_steps_by_title_in_the_order_they_are_undone() {
    let r = rec(
        None,
        Role::Shisa,
        Body::RollbackStarted {
            plan: vec!["push".into(), "drain".into()],
            without_rollback: vec!["notify".into()],
            kept: vec![],
            pass_only: false,
        },
    );
    assert_eq!(
        say(&r).line(&EN),
        "↺ ROLLBACK undoing Push the config to *all* hosts, then Drain the edge (no rollback defined for notify)"
    );
    let empty = rec(
        None,
        Role::Shisa,
        Body::RollbackStarted {
            plan: vec![],
            without_rollback: vec![],
            kept: vec![],
            pass_only: false,
        },
    );
    assert_eq!(say(&empty).text(), "nothing to undo");
}

/// A failed command in Japanese: the command is the sentence's subject and the reason a
/// sentence of its own, no dash inside a Japanese sentence (issue 17, third cold read).
#[test]
fn a_failed_command_in_japanese_has_no_dash_inside_its_sentence() {
    let failed = |purpose| {
        rec(
            Some("push"),
            Role::Shisa,
            Body::CommandFinished {
                poll: false,
                purpose,
                attempt: 1,
                exit: Some(1),
                signal: None,
                timed_out: false,
                duration_ms: 52,
                bytes: 3,
                sha256: String::new(),
                log: String::new(),
                ok: false,
                failure: Some("exit 1 (expected 0)".into()),
                captures: BTreeMap::new(),
                background: Default::default(),
                not_yet: None,
                ssh_failure: None,
                why: Some(crate::journal::record::CommandFailure::Exit {
                    code: 1,
                    expected: 0,
                }),
            },
        )
    };
    let main = phrase(&JA, &failed(Purpose::Main), &Titles).unwrap().text();
    assert_eq!(
        main,
        "「Push the config to *all* hosts」：`curl -s https://eu.example/health` が 52 ミリ秒後に失敗。終了コード 1（期待値 0）"
    );
    let check = phrase(&JA, &failed(Purpose::Verify(2)), &Titles)
        .unwrap()
        .text();
    assert_eq!(
        check,
        "「Push the config to *all* hosts」：検証 2（`curl -s https://eu.example/health`）が 52 ミリ秒後に失敗。終了コード 1（期待値 0）"
    );
    let bare = phrase(&JA, &failed(Purpose::Main), &()).unwrap().text();
    assert_eq!(
        bare,
        "「push」：コマンドが 52 ミリ秒後に失敗。終了コード 1（期待値 0）"
    );
}

/// Durations over a minute are spaced as the shorter ones are (`250 ミリ秒`, `25.0 秒`).
#[test]
fn japanese_durations_are_spaced_alike() {
    assert_eq!(JA.duration(250), "250 ミリ秒");
    assert_eq!(JA.duration(25_000), "25.0 秒");
    assert_eq!(JA.duration(71_000), "1 分 11 秒");
    assert_eq!(JA.duration(3_840_000), "1 時間 4 分");
}

/// Someone's words that hold 「」 are quoted with 『』, so brackets never nest; the words
/// themselves are kept as written, and English is untouched.
#[test]
fn a_note_holding_japanese_quotes_is_quoted_with_double_ones() {
    let text = "「#inc-42」に投稿済み — *bold*";
    let note = rec(
        Some("push"),
        Role::Operator,
        Body::OperatorNote { text: text.into() },
    );
    let ja = phrase(&JA, &note, &Titles).unwrap().text();
    assert!(ja.ends_with(&format!("『{text}』")), "{ja}");
    assert!(!ja.contains("「「"), "{ja}");
    assert!(phrase(&EN, &note, &Titles).unwrap().text().contains(text));
    assert_eq!(quote_ja("plain words"), "「plain words」");
    assert_eq!(quote_ja("「x」 said"), "『「x」 said』");
}

/// A rollback someone asked for names them, in both languages; Japanese says 作業者 for
/// the role, never オペレーター.
#[test]
fn a_rollback_on_request_names_who_asked() {
    let asked = Some(&RunEnd::RolledBackOnRequest);
    assert_eq!(
        run_end_said(&JA, asked, None, "root").unwrap(),
        "root の求めに応じてロールバックした"
    );
    assert_eq!(
        run_end_said(&EN, asked, None, "root").unwrap(),
        "rolled back, as root asked"
    );
    assert!(
        !JA.step_end(&StepEnd::ContinueChosen)
            .contains("オペレーター")
    );
    assert_eq!(JA.step_end(&StepEnd::ContinueChosen), "作業者が続行を選択");
}

#[test]
fn what_people_write_passes_through_as_written() {
    let note = rec(
        Some("push"),
        Role::Reviewer,
        Body::OperatorNote {
            text: "`rm -rf` was *not* run — 確認済み".into(),
        },
    );
    assert_eq!(
        say(&note).runs,
        vec![Run::Plain(
            "note from ops1 (reviewer): “`rm -rf` was *not* run — 確認済み”".into()
        )]
    );
    assert_eq!(say(&note).mark, None);
}

#[test]
fn every_marker_has_a_word_and_marks_map_onto_markers() {
    assert_eq!(Mark::Started.marker(), None);
    assert_eq!(Mark::StepRolledBack.marker(), Some(Marker::Rollback));
    assert_eq!(Marker::Exceptions.label(), "COMPLETED WITH EXCEPTIONS");
    assert_eq!(Mark::Unproven.sign(), "!");
}

/// A command's reason journaled as data is said in each language; the same record as an
/// older journal holds it (the English sentence only) still reads, quoted as journaled.
#[test]
fn a_reason_journaled_as_data_is_said_in_each_language_and_an_old_sentence_is_kept() {
    use crate::journal::record::{CommandFailure, Expected, Saw};
    let failed = |why: Option<CommandFailure>| {
        rec(
            Some("push"),
            Role::Shisa,
            Body::CommandFinished {
                poll: false,
                purpose: Purpose::Verify(2),
                attempt: 1,
                exit: Some(0),
                signal: None,
                timed_out: false,
                duration_ms: 40,
                bytes: 4,
                sha256: String::new(),
                log: String::new(),
                ok: false,
                failure: Some("expected stdout is \"401\", saw \"403\"".into()),
                captures: BTreeMap::new(),
                background: Default::default(),
                not_yet: None,
                ssh_failure: None,
                why,
            },
        )
    };
    let why = CommandFailure::Unmet {
        expected: Expected::Equals { text: "401".into() },
        saw: Saw::output("403\n"),
        truncated: false,
    };
    let new = failed(Some(why));
    let old = failed(None);
    // English says the data in the very words the engine journaled beside it.
    assert_eq!(
        phrase(&EN, &new, &()).unwrap().text(),
        phrase(&EN, &old, &()).unwrap().text()
    );
    let ja = phrase(&JA, &new, &()).unwrap().text();
    assert_eq!(
        ja,
        "「push」：検証 2 が 40 ミリ秒後に失敗。期待「標準出力が \"401\" である」に対し、実際の出力は \"403\""
    );
    let ja_old = phrase(&JA, &old, &()).unwrap().text();
    assert!(
        ja_old.ends_with("に失敗。expected stdout is \"401\", saw \"403\""),
        "{ja_old}"
    );
}

/// Every reason the engine journals as data has Japanese words of its own: none of the
/// engine's English is left in them (values from the run are quoted as they were).
#[test]
fn no_english_is_left_in_japanese_reasons() {
    use crate::journal::record::{
        CommandFailure as F, Excerpt, Expected, RunEnd, Saw, StepFailure,
    };
    let long: String = (1..=9).map(|n| format!("line{n}\n")).collect();
    let unmet = |expected, saw| F::Unmet {
        expected,
        saw,
        truncated: true,
    };
    let failures = [
        F::NotStarted {
            error: "ENOENT".into(),
        },
        F::LogLost {
            error: "ENOSPC".into(),
        },
        F::TimedOut {
            limit_ms: Some(120_000),
        },
        F::TimedOut { limit_ms: None },
        F::Killed { signal: 9 },
        F::Exit {
            code: 3,
            expected: 0,
        },
        unmet(Expected::Contains { text: "ok".into() }, Saw::output(&long)),
        unmet(Expected::NotContains { text: "err".into() }, Saw::NoOutput),
        unmet(
            Expected::Matches {
                pattern: "^ok$".into(),
            },
            Saw::output("no"),
        ),
        unmet(
            Expected::Number {
                op: "lt".into(),
                limit: "5".into(),
            },
            Saw::NotANumber(Excerpt::of("n/a").unwrap()),
        ),
        unmet(
            Expected::Number {
                op: "ge".into(),
                limit: "x".into(),
            },
            Saw::LimitNotANumber,
        ),
        F::NoCapture {
            name: "id".into(),
            pattern: "id=(\\S+)".into(),
        },
        F::NothingDescribed,
        F::Deadline {
            deadline_ms: 600_000,
            polls: 29,
            last: Box::new(unmet(
                Expected::Equals {
                    text: "green".into(),
                },
                Saw::output("yellow"),
            )),
        },
    ];
    let english = [
        "expected",
        "saw",
        "exit",
        "timed",
        "killed",
        "could not",
        "capture",
        "stdout",
        "polls",
        "output",
        "limit",
        "number",
        "describe printed",
        "line",
        "more",
    ];
    let mut said: Vec<String> = failures.iter().map(|f| JA.command_failure(f)).collect();
    said.push(JA.step_failure(
        &StepFailure::Checks {
            failed: vec![1, 3],
            of: 4,
        },
        "2 of 4 checks failed",
    ));
    said.push(JA.step_failure(
        &StepFailure::Command {
            purpose: Purpose::Rollback(1),
            failure: F::Killed { signal: 15 },
        },
        "rollback-1: killed by signal 15",
    ));
    for end in [
        RunEnd::Exceptions {
            steps: vec!["push".into()],
        },
        RunEnd::StoppedAfterFailure { said: None },
        RunEnd::StoppedAfterFailure {
            said: Some("too risky".into()),
        },
        RunEnd::RolledBack {
            failed: None,
            checks: vec![],
        },
        RunEnd::RolledBack {
            failed: Some("attach".into()),
            checks: vec![2],
        },
        RunEnd::RolledBackKeeping {
            kept: vec!["push".into()],
            pass_only: false,
        },
        RunEnd::RolledBackKeeping {
            kept: vec!["push".into()],
            pass_only: true,
        },
        RunEnd::RolledBackOnRequest,
        RunEnd::RollbackIncomplete { not_undone: vec![] },
        RunEnd::RollbackIncomplete {
            not_undone: vec!["push".into()],
        },
    ] {
        said.push(JA.run_end(&end));
    }
    for s in &said {
        // Values from the run are quoted; what is around them must be Japanese.
        let words: String = s
            .split('"')
            .step_by(2)
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        for e in english {
            assert!(!words.contains(e), "{e:?} in {s}");
        }
    }
    assert!(
        said[6].contains(
            "\"line1\" / \"line2\" / \"line3\" / …（ほか 4 行）… / \"line8\" / \"line9\""
        ),
        "{}",
        said[6]
    );
}

/// Blind records never say the resolved target, in either language; what was named is said.
#[test]
fn blind_records_keep_the_resolved_target_unsaid_in_both_languages() {
    let records = [
        rec(
            Some("drain"),
            Role::Shisa,
            Body::TargetResolved {
                resolved: "Root".into(),
                blind: true,
            },
        ),
        rec(
            Some("drain"),
            Role::Operator,
            Body::TargetMismatch {
                resolved: "Root".into(),
                typed: "quarantine-2023-12".into(),
                misses: 1,
                blind: true,
            },
        ),
        rec(
            Some("drain"),
            Role::Reviewer,
            Body::TargetMismatch {
                resolved: "Root".into(),
                typed: "quarantine-2023-11".into(),
                misses: 0,
                blind: true,
            },
        ),
        rec(
            Some("drain"),
            Role::Operator,
            Body::TargetConfirmed {
                resolved: "Root".into(),
                typed: "Root".into(),
                reused_from: None,
                blind: true,
            },
        ),
        rec(
            Some("drain"),
            Role::Shisa,
            Body::ApprovalRequested {
                command: "orgctl attach".into(),
                command_sha256: "0".repeat(64),
                expected: "Root".into(),
                allow_self: false,
                reviewers: None,
                group: None,
                blind: true,
            },
        ),
    ];
    for book in [&EN as &dyn Phrasebook, &JA] {
        for r in &records {
            let text = phrase(book, r, &Titles).expect("a sentence").text();
            assert!(!text.contains("Root"), "{text}");
        }
        let named = phrase(book, &records[1], &Titles).unwrap().text();
        assert!(named.contains("`quarantine-2023-12`"), "{named}");
    }
    assert_eq!(
        say(&records[1]).line(&EN),
        "✗ MISMATCH Drain the edge: ops1 named `quarantine-2023-12` blind, which is not the target the system resolved (miss 1 of 3); nothing ran"
    );
}

#[test]
fn the_impact_and_the_target_question_in_both_languages() {
    let over = rec(
        Some("drain"),
        Role::Shisa,
        Body::TargetImpact {
            count: 412,
            unit: Some("accounts".into()),
            at_most: 50,
            listed: vec!["111 a".into()],
        },
    );
    let p = say(&over);
    assert_eq!(p.mark, Some(Mark::Refused));
    assert_eq!(
        p.text(),
        "Drain the edge: this touches 412 accounts, more than the 50 allowed: `111 a`"
    );
    assert_eq!(
        JA.impact(3, Some("accounts"), 50).text(),
        "影響範囲は 3 accounts（上限 50）"
    );
    let blind = TargetAsk {
        resolved: None,
        tries_left: 2,
    };
    assert!(
        EN.target_ask(&blind)
            .text()
            .starts_with("blind confirmation — name the target you intend")
    );
    assert!(JA.target_ask(&blind).text().starts_with("ブラインド確認"));
    let echo = TargetAsk {
        resolved: Some("quarantine-2023-12"),
        tries_left: 3,
    };
    assert_eq!(
        EN.target_ask(&echo).text(),
        "type the target `quarantine-2023-12` to confirm (3 tries left)"
    );
    assert!(JA.target_ask(&echo).text().contains("`quarantine-2023-12`"));
    assert!(JA.reviewer_ask(true).text().starts_with("ブラインド確認"));
}

#[test]
fn a_run_in_an_environment_names_it_and_the_rehearsal_it_started_on() {
    let started = |env: Option<&str>, rehearsal| {
        rec(
            None,
            Role::Operator,
            Body::RunStarted {
                run_id: "20231205T081500Z-3f9a".into(),
                runbook: crate::journal::record::RunbookRef {
                    path: "/rb/q.yaml".into(),
                    sha256: "ab".repeat(32),
                    name: "Quarantine".into(),
                },
                params: BTreeMap::new(),
                tool_version: "0.1.0".into(),
                mode: "headless".into(),
                clock_faked: None,
                env: env.map(str::to_string),
                rehearsal,
            },
        )
    };
    let evidence = crate::journal::record::Rehearsed {
        run_id: "20231201T090000Z-77aa".into(),
        env: "staging".into(),
        chain_head: "cd".repeat(32),
        finished: "2023-12-01T09:04:00.000+00:00".into(),
    };
    let prod = started(Some("production"), Some(evidence));
    assert_eq!(
        say(&prod).text(),
        "ops1 started run `20231205T081500Z-3f9a` of “Quarantine” on bastion-1 (headless mode; runbook SHA-256 `abababababab`) in production, \
         on the evidence of staging run `20231201T090000Z-77aa` (completed 2023-12-01T09:04:00.000+00:00; journal verified, chain head `cdcdcdcdcdcd`)"
    );
    let ja = phrase(&crate::phrase::JA, &prod, &Titles).unwrap().text();
    assert!(
        ja.contains("を開始（環境 production、headless モード")
            && ja.contains("根拠は staging でのリハーサル実行 `20231201T090000Z-77aa`"),
        "{ja}"
    );
    let staging = say(&started(Some("staging"), None)).text();
    assert!(staging.ends_with("`abababababab`) in staging"), "{staging}");
    let plain = say(&started(None, None)).text();
    assert!(plain.ends_with("`abababababab`)"), "{plain}");
}

#[test]
fn one_poll_is_said_in_the_singular() {
    let waited = |polls: u32, met: bool| {
        rec(
            Some("push"),
            Role::Shisa,
            Body::WaitFinished {
                purpose: Purpose::Main,
                polls,
                waited_ms: 2_000,
                met,
            },
        )
    };
    let one = say(&waited(1, false)).text();
    assert!(one.contains("(1 poll)"), "{one}");
    let many = say(&waited(3, true)).text();
    assert!(many.contains("(3 polls)"), "{many}");
    let ja = phrase(&JA, &waited(1, true), &Titles).unwrap().text();
    assert!(ja.contains("試行 1 回"), "{ja}");
}

/// A torn last line is most likely a crash mid-write, but nothing proves it: the resume's
/// row says it as a likelihood, as the integrity section does, in both languages (issue 17).
#[test]
fn a_recovered_torn_line_is_said_as_a_likely_crash() {
    let recovered = rec(
        None,
        Role::Shisa,
        Body::JournalRecovered {
            moved_to: "journal.torn-1".into(),
            bytes: 80,
        },
    );
    let en = say(&recovered).text();
    assert!(
        en.contains("(80 bytes, likely from a crash mid-write)"),
        "{en}"
    );
    let ja = phrase(&crate::phrase::JA, &recovered, &Titles)
        .unwrap()
        .text();
    assert!(ja.contains("クラッシュによる可能性が高い"), "{ja}");
    assert!(!ja.contains("書き込み中のクラッシュ）"), "{ja}");
}

/// A wait that ran out, as the live timeline says it: the last poll says what it saw and is
/// not marked failed; the wait's end is the failure, with the time waited (not the limit);
/// the step's failure names the check and nothing of the reason, as after any command that
/// failed (issue 17: the reason three times, "after 15s" beside "15.0 s").
#[test]
fn a_wait_that_ran_out_is_one_failure_with_one_figure_in_both_languages() {
    let miss = CommandFailure::Exit {
        code: 1,
        expected: 0,
    };
    let deadline = CommandFailure::Deadline {
        deadline_ms: 15_000,
        polls: 16,
        last: Box::new(miss.clone()),
    };
    let last_poll = rec(
        Some("push"),
        Role::Shisa,
        Body::CommandFinished {
            poll: false,
            purpose: Purpose::Verify(1),
            attempt: 16,
            exit: Some(1),
            signal: None,
            timed_out: false,
            duration_ms: 21,
            bytes: 0,
            sha256: String::new(),
            log: String::new(),
            ok: false,
            failure: Some("still not met after 15s (16 polls): exit 1 (expected 0)".into()),
            captures: BTreeMap::new(),
            background: Default::default(),
            not_yet: None,
            ssh_failure: None,
            why: Some(deadline.clone()),
        },
    );
    let end = rec(
        Some("push"),
        Role::Shisa,
        Body::WaitFinished {
            purpose: Purpose::Verify(1),
            polls: 16,
            waited_ms: 15_040,
            met: false,
        },
    );
    let failed = |failure: CommandFailure, purpose: Purpose| {
        let why = StepFailure::Command { purpose, failure };
        rec(
            Some("push"),
            Role::Shisa,
            Body::StepFailed {
                prompt: Prompt::Failure,
                reason: crate::engine::messages::step_failure(&why, &[]),
                why: Some(why),
            },
        )
    };
    let p = "Push the config to *all* hosts: ";
    let en = |r: &Record| say(r).line(&EN);
    assert_eq!(
        en(&last_poll),
        format!(
            "{p}verify 1: did not hold at the last poll — exit 1 (expected 0) (poll 16, 21 ms)"
        )
    );
    assert_eq!(
        en(&end),
        format!("✗ FAILED {p}verify 1 still did not hold after waiting 15.0 s (16 polls)")
    );
    assert_eq!(
        en(&failed(deadline.clone(), Purpose::Verify(1))),
        format!("✗ FAILED {p}step failed: verify 1 did not hold within its wait")
    );
    // The same rule after a command that failed outright: the line above said why.
    assert_eq!(
        en(&failed(miss.clone(), Purpose::Main)),
        format!("✗ FAILED {p}step failed: the command failed")
    );
    let checks = rec(
        Some("push"),
        Role::Shisa,
        Body::StepFailed {
            prompt: Prompt::Failure,
            reason: "2 of 4 checks failed — verify-2: exit 1 (expected 0); verify-3: exit 1 (expected 0)".into(),
            why: Some(StepFailure::Checks {
                failed: vec![2, 3],
                of: 4,
            }),
        },
    );
    assert_eq!(
        en(&checks),
        format!("✗ FAILED {p}step failed: verify 2 and 3 failed (2 of 4 checks)")
    );
    let ja = |r: &Record| phrase(&JA, r, &Titles).unwrap();
    let q = "「Push the config to *all* hosts」：";
    assert_eq!(ja(&last_poll).mark, None);
    assert_eq!(
        ja(&last_poll).text(),
        format!(
            "{q}検証 1 は最後の試行でも条件を満たさなかった（16 回目の試行、21 ミリ秒）：終了コード 1（期待値 0）"
        )
    );
    assert_eq!(
        ja(&end).text(),
        format!("{q}検証 1 は 15.0 秒待っても条件を満たさなかった（試行 16 回）")
    );
    assert_eq!(
        ja(&failed(deadline, Purpose::Verify(1))).text(),
        format!("{q}ステップ失敗：検証 1 が待機時間内に条件を満たさなかった")
    );
    assert_eq!(
        ja(&failed(miss, Purpose::Main)).text(),
        format!("{q}ステップ失敗：コマンドが失敗")
    );
}
