//! Every reason journaled as data, said by each phrasebook: English word for word as the
//! engine journals it, Japanese whole, with no English sentence of shisa's left in it.

use super::*;
use crate::engine::messages as msg;
use crate::journal::record::{Gate, Nearest, NoRehearsal, NotCounted, Skip};

fn shut() -> Shut {
    Shut::Denied {
        local: "Fri 2023-12-08 17:15 JST".into(),
        span: "Fri 12:00-24:00".into(),
    }
}

fn gates() -> Vec<Gate> {
    vec![
        Gate::SnapshotMissing {
            snapshot: "save".into(),
            step: "attach".into(),
        },
        Gate::Target {
            resolved: "r-0001".into(),
            rule: "must_match".into(),
            pattern: "^ou-".into(),
        },
        Gate::ImpactUnknown {
            failure: CommandFailure::NoCount { first_line: None },
        },
        Gate::ImpactOver {
            resolved: "ou-1".into(),
            count: 412,
            unit: None,
            at_most: 100,
        },
        Gate::LostCaptures {
            purpose: Purpose::Main,
            names: vec!["token".into()],
            by: vec!["login".into()],
        },
        Gate::UnknownHost { on: "db".into() },
        Gate::UnusableHost {
            host: "db".into(),
            error: "`-x` starts with `-`".into(),
        },
    ]
}

fn halts() -> Vec<Halt> {
    vec![
        Halt::Quit,
        Halt::TerminalGone,
        Halt::CtrlC,
        Halt::EndOfInput,
        Halt::Sigterm,
        Halt::Sighup,
        Halt::ConnectionLost {
            message: "ssh: connection to es-2 lost".into(),
        },
        Halt::OutputLogLost {
            error: "No space left on device".into(),
        },
        Halt::NoProgress {
            phase: "Ready(2)".into(),
        },
        Halt::Misses {
            misses: 3,
            resolved: "ou-1".into(),
        },
        Halt::BlindMisses {
            misses: 3,
            intended: "ou-2".into(),
            resolved: "r-0001".into(),
        },
        Halt::OutsideWindow { shut: shut() },
    ]
}

fn rehearsal(nearest: Nearest) -> RunEnd {
    RunEnd::NoRehearsal(Box::new(NoRehearsal {
        env: "production".into(),
        needs: "staging".into(),
        within_s: 14 * 86_400,
        sha256: "ab".repeat(32),
        since: "2026-11-18T08:00:00Z".into(),
        looked_in: "/var/lib/shisa/runs".into(),
        rehearse: "shisa run --env staging /rb/e.yaml".into(),
        nearest,
    }))
}

fn ends() -> Vec<RunEnd> {
    let ended = Some("2026-11-16T08:00:00Z".to_string());
    let mut ends: Vec<RunEnd> = gates()
        .into_iter()
        .map(|gate| RunEnd::Refused { gate })
        .collect();
    ends.extend([
        RunEnd::OutsideWindow {
            shut: shut(),
            opens: Some("Mon 2023-12-11 10:00 JST".into()),
        },
        RunEnd::NoSuchEnvironment { name: "qa".into() },
        rehearsal(Nearest::Nothing),
        rehearsal(Nearest::TooOld {
            run_id: "r1".into(),
            ended: ended.clone(),
        }),
        rehearsal(Nearest::Ahead {
            run_id: "r9".into(),
            ended: ended.clone(),
        }),
        rehearsal(Nearest::Broken {
            run_id: "r2".into(),
            why: "broken at line 3".into(),
        }),
        rehearsal(Nearest::NotCompleted {
            run_id: "r3".into(),
            outcome: "aborted".into(),
            ended: ended.clone(),
        }),
        rehearsal(Nearest::NotCompleted {
            run_id: "r4".into(),
            outcome: "live".into(),
            ended: None,
        }),
        rehearsal(Nearest::OtherVersion {
            run_id: "r5".into(),
            ended,
        }),
    ]);
    ends
}

fn step_ends() -> Vec<StepEnd> {
    let mut ends: Vec<StepEnd> = gates()
        .into_iter()
        .map(|gate| StepEnd::Refused { gate })
        .collect();
    let skips = [
        Skip::Param {
            name: "region".into(),
            have: "eu".into(),
            wanted: "us".into(),
        },
        Skip::Capture {
            name: "state".into(),
            have: Some("green".into()),
            pattern: "red".into(),
        },
        Skip::Capture {
            name: "state".into(),
            have: None,
            pattern: "red".into(),
        },
        Skip::Choice {
            step: "soak".into(),
            chosen: Some("keep".into()),
            wanted: "defrag".into(),
        },
        Skip::Choice {
            step: "soak".into(),
            chosen: None,
            wanted: "defrag".into(),
        },
    ];
    ends.extend(skips.into_iter().map(|skip| StepEnd::Skipped { skip }));
    ends.extend([
        StepEnd::ContinueChosen,
        StepEnd::RollbackChosen,
        StepEnd::RolledBackInstead,
        StepEnd::LeftInPlace,
        StepEnd::NotUndone { failed: vec![1] },
        StepEnd::Accepted {
            said: "checked by hand".into(),
            proven: false,
            has_verify: false,
        },
        StepEnd::Accepted {
            said: "checked by hand".into(),
            proven: true,
            has_verify: true,
        },
    ]);
    ends
}

fn step_failures() -> Vec<StepFailure> {
    let mut asked: Vec<StepFailure> = gates()
        .into_iter()
        .map(|gate| StepFailure::Gate { gate })
        .collect();
    asked.push(StepFailure::Window { shut: shut() });
    // The reviewer's words are theirs (kept as written): Japanese here, so the check
    // below sees shisa's words only.
    asked.push(StepFailure::Rejected {
        by: "alice".into(),
        reason: "権限一覧を確認中".into(),
    });
    asked
}

/// English words shisa's own sentences are made of, which a Japanese sentence must not
/// carry (the values in the samples above use none of them).
const ENGLISH: &[&str] = &[
    "the ",
    " is ",
    " not ",
    " and ",
    " was ",
    "skipped",
    "refused",
    "outside the",
    "operator",
    "rehearsal",
    "found",
    "ago",
    "chose",
    "marked",
];

fn japanese(said: &str, english: &str) {
    assert_ne!(said, english);
    assert!(
        said.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
        "{said}"
    );
    for w in ENGLISH {
        assert!(!said.contains(w), "{w:?} in {said}");
    }
}

#[test]
fn english_says_each_reason_as_the_engine_journals_it_and_japanese_says_it_whole() {
    for h in halts() {
        assert_eq!(EN.halt(&h), msg::halt(&h));
        japanese(&JA.halt(&h), &msg::halt(&h));
    }
    for e in ends() {
        assert_eq!(EN.run_end(&e), msg::run_end(&e));
        japanese(&JA.run_end(&e), &msg::run_end(&e));
    }
    for e in step_ends() {
        assert_eq!(EN.step_end(&e), msg::step_end(&e));
        japanese(&JA.step_end(&e), &msg::step_end(&e));
    }
    for f in step_failures() {
        let journaled = msg::step_failure(&f, &[]);
        assert_eq!(EN.step_failure(&f, &journaled), journaled);
        japanese(&JA.step_failure(&f, &journaled), &journaled);
    }
    for n in [
        NotCounted::WrongStep {
            named: "a".into(),
            waiting: "b".into(),
        },
        NotCounted::OtherCommand,
        NotCounted::Stale,
        NotCounted::BlindTriesSpent { max: 3 },
        NotCounted::Operator {
            user: "ops1".into(),
        },
        NotCounted::SameLogin {
            person: "ops1".into(),
        },
        NotCounted::NotInGroup {
            person: "daemon".into(),
            group: "dba".into(),
        },
        NotCounted::AlreadyApproved {
            person: "alice".into(),
            have: 1,
            needed: 2,
        },
    ] {
        assert_eq!(EN.not_counted(&n), msg::not_counted(&n));
        japanese(&JA.not_counted(&n), &msg::not_counted(&n));
    }
    assert_eq!(EN.shut(&shut()), msg::shut(&shut()));
    japanese(&JA.shut(&shut()), &msg::shut(&shut()));
}

#[test]
fn the_japanese_refusals_name_what_a_reader_needs() {
    assert_eq!(
        JA.shut(&shut()),
        "2023-12-08（金）17:15 JST は禁止時間帯 `Fri 12:00-24:00` に入っている"
    );
    let old = JA.run_end(&rehearsal(Nearest::TooOld {
        run_id: "r1".into(),
        ended: Some("2026-11-16T08:00:00Z".into()),
    }));
    assert!(old.contains("（16 日前、r1）"), "{old}");
    assert!(
        old.contains("14 日以内（2026-11-18 08:00 UTC 以降）"),
        "{old}"
    );
    assert!(old.contains("shisa run --env staging /rb/e.yaml"), "{old}");
    let rejected = JA.step_failure(
        &StepFailure::Rejected {
            by: "alice".into(),
            reason: "the grant list is being checked".into(),
        },
        "",
    );
    assert_eq!(
        rejected,
        "alice が承認を却下：「the grant list is being checked」"
    );
}
