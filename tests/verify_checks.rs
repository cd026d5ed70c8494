//! Every verify check runs, even after one fails, and the failure question names each one
//! (issue 14, item 3), through the binary in line mode.

mod common;

use common::Scratch;

const CHECKS: &str = r#"version: 1
name: checks
steps:
  - id: snap
    kind: snapshot
    run: '[ ! -e "$SHISA_RUN_DIR/effects" ] || cp "$SHISA_RUN_DIR/effects" "$SHISA_RUN_DIR/effects.before"; echo saved'
  - id: change
    kind: action
    title: Flip the flag
    target: { describe: echo flag-7 }
    run: echo flipped
    verify:
      - run: echo "flag is off"; false
      - run: echo "API server answers"
      - run: echo "403 for the anonymous user"
        expect: { stdout_contains: '401' }
    rollback:
      - run: echo unflipped >> "$SHISA_RUN_DIR/effects"
"#;

#[test]
fn a_failed_check_does_not_hide_the_others() {
    let s = Scratch::new();
    let rb = s.write("checks.yaml", CHECKS);
    let run = s.run(&rb, &[], "flag-7\nrollback\n");
    assert_eq!(run.code, 1, "{}", run.explain());
    assert_eq!(run.outcome(), "rolled_back");
    let ran = run.commands();
    for check in ["change:verify-1", "change:verify-2", "change:verify-3"] {
        assert!(
            ran.contains(&check.to_string()),
            "{check} did not run: {ran:?}"
        );
    }
    let failed = run.records("step_failed", Some("change"));
    assert_eq!(failed.len(), 1, "one question for all the checks");
    let reason = failed[0]["data"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("2 of 3 checks failed — verify-1: "),
        "{reason}"
    );
    assert!(
        reason.contains("; verify-3: expected stdout contains \"401\""),
        "{reason}"
    );
    // Each result is on the operator's screen, the passing check included.
    assert!(run.stdout.contains("verify 2 passed"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("? Flip the flag failed: 2 of 3 checks failed"),
        "{}",
        run.stdout
    );
}
