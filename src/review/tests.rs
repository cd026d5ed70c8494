//! The review's own rules: made-up output the engine accepts, the checklist's answers, and
//! that the failure table reports the rollback the engine really ran.

use std::collections::BTreeMap;

use super::checklist::{self, Answer};
use super::madeup;
use crate::engine::expect::{capture, target_refusal};
use crate::runbook::load_str;
use crate::runbook::params::Params;

fn load(yaml: &str) -> crate::runbook::Runbook {
    load_str("t.yaml", yaml)
        .unwrap_or_else(|r| panic!("{}", r.render(false)))
        .runbook
}

const STEP: &str = r#"version: 1
name: t
steps:
  - id: s
    kind: precheck
    run: thing
    expect:
      stdout_contains: ['ready', 'port=80']
      stdout_matches: '(?m)^Version: [0-9]+\.[0-9]+$'
      stdout_not_contains: error
    capture: { build: 'build=([0-9a-f]{6})' }
"#;

#[test]
fn made_up_output_meets_every_expectation_and_captures_the_value_asked_for() {
    let rb = load(STEP);
    let s = &rb.steps[0];
    let wanted = BTreeMap::from([("build".to_string(), "0a1b2c".to_string())]);
    let out = madeup::passing(&s.expect, &s.capture, &wanted, &BTreeMap::new()).unwrap();
    assert!(
        out.contains("ready") && out.contains("port=80") && !out.contains("error"),
        "{out}"
    );
    assert_eq!(
        capture(&s.capture[0].pattern, &out).as_deref(),
        Some("0a1b2c")
    );
}

#[test]
fn contradictory_expectations_have_no_made_up_output() {
    let rb = load(
        "version: 1\nname: t\nsteps:\n  - id: s\n    kind: precheck\n    run: x\n    expect: { stdout_equals: ready, stdout_not_contains: ready }\n",
    );
    let s = &rb.steps[0];
    assert_eq!(
        madeup::passing(&s.expect, &[], &BTreeMap::new(), &BTreeMap::new()),
        None
    );
}

#[test]
fn a_number_check_gets_a_number_that_meets_it() {
    let rb = load(
        "version: 1\nname: t\nsteps:\n  - id: s\n    kind: precheck\n    run: x\n    expect: { stdout_number: { gt: 5, lt: 7 } }\n",
    );
    let out = madeup::passing(&rb.steps[0].expect, &[], &BTreeMap::new(), &BTreeMap::new());
    assert_eq!(out.as_deref(), Some("6"));
}

#[test]
fn a_made_up_target_is_accepted_by_must_match_and_not_denied() {
    let rb = load(
        r#"version: 1
name: t
steps:
  - id: s
    kind: action
    target: { describe: x, capture: 'Name: (\S+)', must_match: '^(Root|quarantine-[a-z]+)$', deny: ['^Root$'] }
    run: y
    verify: [ { run: z } ]
    rollback: [ { run: w } ]
    waive: { snapshot: none here }
"#,
    );
    let t = rb.steps[0].target.as_ref().unwrap();
    let (out, resolved) = madeup::describe(t, "s").unwrap();
    assert!(
        target_refusal(t, &resolved, &std::collections::BTreeMap::new()).is_none(),
        "{resolved}"
    );
    assert_eq!(
        capture(t.capture.as_ref().unwrap(), &out).as_deref(),
        Some(resolved.as_str())
    );
    assert!(resolved.starts_with("quarantine-"), "{resolved}");
}

fn answers(yaml: &str) -> Vec<(&'static str, Answer)> {
    let rb = load(yaml);
    checklist::answer(&checklist::Ctx {
        rb: &rb,
        file: "t.yaml",
    })
    .into_iter()
    .map(|p| (p.title, p.answer))
    .collect()
}

fn answer_of(all: &[(&'static str, Answer)], starts: &str) -> Answer {
    all.iter().find(|(t, _)| t.starts_with(starts)).unwrap().1
}

const CHANGE: &str = r#"version: 1
name: t
WINDOW
steps:
  - id: who
    kind: precheck
    run: cloudctl sts get-caller-identity
  - id: save
    kind: snapshot
    run: cloudctl export
  - id: change
    kind: action
    target: { describe: x }
    run: cloudctl set
    verify: [ { run: cloudctl get } ]
    rollback: [ { run: cloudctl restore } ]
  - id: tell
    kind: manual
    instructions: Notify the customer on the status page.
"#;

#[test]
fn the_checklist_answers_from_the_file_and_says_when_a_person_must_judge() {
    let friday_open = answers(&CHANGE.replace(
        "WINDOW",
        "window: { timezone: Europe/Paris, allow: ['Mon-Fri 09:00-20:00'] }",
    ));
    assert_eq!(
        answer_of(&friday_open, "Change window avoids Friday"),
        Answer::No
    );
    assert_eq!(
        answer_of(&friday_open, "Change window avoids peak"),
        Answer::Judge
    );
    assert_eq!(answer_of(&friday_open, "Rollback"), Answer::Yes);
    assert_eq!(answer_of(&friday_open, "Health checks"), Answer::Yes);
    assert_eq!(
        answer_of(&friday_open, "Precheck of the caller"),
        Answer::Yes
    );
    assert_eq!(answer_of(&friday_open, "A notice step"), Answer::Yes);
    let closed = answers(&CHANGE.replace(
        "WINDOW",
        "window: { timezone: Europe/Paris, allow: ['Mon-Thu 09:00-16:00'] }",
    ));
    assert_eq!(
        answer_of(&closed, "Change window avoids Friday"),
        Answer::Yes
    );
    let none = answers(&CHANGE.replace("WINDOW", ""));
    assert_eq!(answer_of(&none, "Change window avoids Friday"), Answer::No);
    // Keys this build does not read yet answer "not declared".
    for p in ["Impact limits", "Blind targets", "Rehearsal evidence"] {
        assert_eq!(answer_of(&none, p), Answer::No, "{p}");
    }
}

#[test]
fn a_waived_guard_is_for_a_person_to_judge_and_a_missing_precheck_is_a_no() {
    let all = answers(
        r#"version: 1
name: t
steps:
  - id: save
    kind: snapshot
    run: cloudctl export
  - id: change
    kind: action
    target: { describe: x }
    run: cloudctl set
    verify: [ { run: cloudctl get } ]
    waive: { rollback: the old value is in the snapshot and restored by hand }
"#,
    );
    assert_eq!(answer_of(&all, "Rollback"), Answer::Judge);
    assert_eq!(answer_of(&all, "Precheck of the caller"), Answer::No);
    assert_eq!(answer_of(&all, "A notice step"), Answer::No);
}

/// For every bundled runbook: where rollback was chosen, the rollback commands the engine
/// then started belong to the steps of its `rollback_plan`, in that order.
#[test]
fn each_failure_rows_rollbacks_are_the_ones_the_engine_ran_in_its_plans_order() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["runbooks", "runbooks/real"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let loaded = crate::runbook::load_file(&path).unwrap();
            let mut params: Params = loaded.resolve_params_with(&[], true).unwrap();
            for name in std::mem::take(&mut params.missing) {
                params.values.insert(name, "x-1".into());
            }
            let r = super::review(&loaded.runbook, "f", &loaded.sha256, params);
            assert!(!r.walk.rows.is_empty(), "{}", path.display());
            for row in &r.walk.rows {
                let mut ran: Vec<usize> = Vec::new();
                for u in &row.undone {
                    if ran.last() != Some(&u.step) {
                        ran.push(u.step);
                    }
                }
                if row
                    .choices
                    .contains(&crate::journal::record::ChoiceKind::Rollback)
                {
                    assert_eq!(ran, row.plan.undo, "{} row {row:?}", path.display());
                } else {
                    assert!(ran.is_empty());
                }
            }
        }
    }
}

/// What a walk reports, all of it, as text to compare.
fn walked(w: &super::Walk) -> String {
    format!(
        "{:#?}\n{:#?}\n{:#?}\n{:?}\n{:?}\n{:?}\n{}",
        w.rows, w.branches, w.unset, w.stuck, w.ran, w.reached, w.paths
    )
}

/// Sharing a rollback already walked between the failure paths that end in it changes
/// nothing the walk reports: every bundled runbook, and one with no checkpoint where each
/// failure undoes every earlier change (some entries by hand, some reading a capture).
#[test]
fn sharing_rollbacks_between_failure_paths_changes_no_row() {
    let mut chain = String::from(
        "version: 1\nname: t\nsteps:\n  - id: save\n    kind: snapshot\n    run: export\n    capture: { snap: 'saved (\\S+)' }\n",
    );
    for i in 1..=6 {
        chain.push_str(&format!(
            "  - id: c{i}\n    kind: action\n    target: {{ describe: describe c{i}, capture: 'Name: (\\S+)', must_match: '^svc-' }}\n    run: set {i}\n    verify: [ {{ run: get {i}, expect: {{ stdout_equals: 'on' }} }} ]\n    rollback:\n      - run: restore \"$snap\" {i}\n"
        ));
        if i % 2 == 0 {
            chain.push_str("      - manual: Check the dashboard.\n");
        }
    }
    let mut runbooks = vec![("chain".to_string(), chain)];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["runbooks", "runbooks/real"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let text = std::fs::read_to_string(&path).unwrap();
                runbooks.push((path.display().to_string(), text));
            }
        }
    }
    for (name, text) in runbooks {
        let loaded = match name.as_str() {
            "chain" => load_str(&name, &text).unwrap_or_else(|r| panic!("{}", r.render(false))),
            // From its file: a bundled runbook may use fragments beside it.
            _ => crate::runbook::load_file(std::path::Path::new(&name)).unwrap(),
        };
        compare(&name, loaded);
    }

    fn compare(name: &str, loaded: crate::runbook::Loaded) {
        let mut params: Params = loaded.resolve_params_with(&[], true).unwrap();
        for name in std::mem::take(&mut params.missing) {
            params.values.insert(name, "x-1".into());
        }
        let rb = std::sync::Arc::new(loaded.runbook);
        let shared = super::walk::walk_sharing(rb.clone(), params.clone(), "s", true);
        let each = super::walk::walk_sharing(rb, params, "s", false);
        assert!(!each.rows.is_empty(), "{name}");
        assert_eq!(walked(&shared), walked(&each), "{name}");
    }
}
