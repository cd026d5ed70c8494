//! A later rollback (`shisa rollback`, of an ended run) meets the same gates as the change:
//! the window now (not the run's old override), the target as the system names it now,
//! and a new approval of the rollback itself.

use std::cell::RefCell;
use std::rc::Rc;

use chrono::{DateTime, Utc};

use super::tests::{Sim, tuesday_10am};
use super::*;
use crate::journal::record::{Body, Choice, ChoiceKind as K, Prompt, Purpose, StepStatus};

/// One change with a typed target (`must_match` and `deny`), an approval the operator may
/// give themself, and a manual step after it to abort at.
const GATED: &str = r#"version: 1
name: gated
window:
  timezone: Asia/Tokyo
  allow: ['Mon-Thu 10:00-16:00']
steps:
  - id: save
    kind: snapshot
    run: cp state "$SHISA_RUN_DIR/state.bak"
  - id: flip
    kind: action
    target:
      describe: show switch
      must_match: '^switch-a$'
      deny: ['^Root$']
    approval: { allow_self: true }
    run: flip on
    verify: [ { run: check flip } ]
    rollback: [ { run: flip off } ]
  - id: tell
    kind: manual
    instructions: Tell the customer.
"#;

fn thursday_night() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2023-12-07T22:00:00+09:00")
        .unwrap()
        .into()
}

/// The run, aborted at its manual step with `flip` in place; `named` is what the
/// target's `describe` prints, which a test may change afterwards.
fn aborted(outside: Option<&str>) -> (Sim, Rc<RefCell<String>>) {
    let named = Rc::new(RefCell::new("switch-a".to_string()));
    let said = named.clone();
    let mut sim = Sim::new(GATED, &[]).answers(move |s| match s.purpose {
        Purpose::Describe => (0, format!("{}\n", said.borrow())),
        _ => (0, String::new()),
    });
    let at = if outside.is_some() {
        thursday_night()
    } else {
        tuesday_10am()
    };
    sim.start(at, outside);
    sim.run();
    sim.send(Event::Typed("switch-a".into()));
    sim.send(Event::SelfApproval {
        typed: String::new(),
    });
    sim.run();
    assert_eq!(sim.e.phase(), Phase::Manual(2), "{:?}", sim.kinds());
    sim.send(Event::Abort(Some("customer asked to wait".into())));
    assert_eq!(sim.finished, Some(3));
    (sim, named)
}

fn later(reason: &str, outside: Option<&str>) -> Event {
    Event::RollbackRequested {
        reason: reason.into(),
        outside_window: outside.map(str::to_string),
    }
}

#[test]
fn the_runs_own_window_override_does_not_carry_to_a_later_rollback() {
    let (mut sim, _) = aborted(Some("INC-9: exposed now"));
    let refused = sim
        .e
        .clone()
        .update(sim.now, later("undo", None))
        .unwrap_err();
    assert!(
        refused.0.contains("outside") && refused.0.contains("--outside-window"),
        "{refused}"
    );
    sim.send(later("undo", Some("INC-9 closed")));
    assert_eq!(sim.e.window_override(), Some("INC-9 closed"));
    assert!(matches!(sim.e.phase(), Phase::Confirm { step: 1, .. }));
}

#[test]
fn a_live_runs_override_still_holds_for_its_own_rollback() {
    let named = Rc::new(RefCell::new("switch-a".to_string()));
    let said = named.clone();
    let mut sim = Sim::new(GATED, &[]).answers(move |s| match s.purpose {
        Purpose::Describe => (0, format!("{}\n", said.borrow())),
        _ => (0, String::new()),
    });
    sim.start(thursday_night(), Some("INC-9: exposed now"));
    sim.run();
    sim.send(Event::Typed("switch-a".into()));
    sim.send(Event::SelfApproval {
        typed: String::new(),
    });
    sim.run();
    // From the quit dialog, mid-run: the override given at the start is this session's.
    sim.send(later("customer withdrew", None));
    assert!(sim.ran().contains(&"flip:rollback-1".to_string()));
    assert_eq!(sim.finished, Some(0));
}

#[test]
fn a_later_rollback_types_the_target_the_system_names_now_and_asks_a_new_approval() {
    let (mut sim, named) = aborted(None);
    let first = sim.journal.iter().find_map(|e| match &e.body {
        Body::ApprovalRequested { command_sha256, .. } => Some(command_sha256.clone()),
        _ => None,
    });
    // The change made the system name it differently: `must_match` described it before
    // the change and no longer holds, so only what it is called now is asked for.
    *named.borrow_mut() = "switch-b".into();
    sim.send(later("planned revert", None));
    assert_eq!(
        sim.e.phase(),
        Phase::Confirm {
            step: 1,
            resolved: "switch-b".into(),
            misses: 0
        }
    );
    sim.send(Event::Typed("switch-a".into()));
    assert!(matches!(sim.e.phase(), Phase::Confirm { misses: 1, .. }));
    sim.send(Event::Typed("switch-b".into()));
    let pending = sim
        .e
        .pending_approval()
        .expect("a new approval is asked for");
    assert_eq!(pending.expected, "switch-b");
    assert_ne!(Some(pending.command_sha256), first);
    let command = sim.journal.iter().rev().find_map(|e| match &e.body {
        Body::ApprovalRequested { command, .. } => Some(command.clone()),
        _ => None,
    });
    assert_eq!(command.as_deref(), Some("rollback of `flip`: flip off"));
    assert!(!sim.ran().contains(&"flip:rollback-1".to_string()));
    sim.send(Event::SelfApproval {
        typed: String::new(),
    });
    assert!(sim.ran().contains(&"flip:rollback-1".to_string()));
    assert_eq!(sim.finished, Some(0));
}

#[test]
fn a_denied_target_stops_before_the_rollback_and_may_be_left_in_place() {
    let (mut sim, named) = aborted(None);
    *named.borrow_mut() = "Root".into();
    sim.send(later("planned revert", None));
    assert!(
        matches!(
            sim.e.phase(),
            Phase::Failed {
                step: 1,
                prompt: Prompt::Rollback,
                ..
            }
        ),
        "{:?}",
        sim.e.phase()
    );
    assert_eq!(sim.e.choices(), [K::Retry, K::Continue, K::Abort]);
    // Retry looks the target up again.
    *named.borrow_mut() = "switch-b".into();
    sim.send(Event::Choice(Choice::Retry));
    assert!(matches!(sim.e.phase(), Phase::Confirm { .. }));
    assert!(!sim.ran().contains(&"flip:rollback-1".to_string()));
}

#[test]
fn continuing_past_a_refused_target_leaves_that_change_in_place() {
    let (mut sim, named) = aborted(None);
    *named.borrow_mut() = "Root".into();
    sim.send(later("planned revert", None));
    sim.send(Event::Choice(Choice::Continue));
    assert!(!sim.ran().contains(&"flip:rollback-1".to_string()));
    assert!(sim.e.in_effect(1), "still in place, and said so");
    assert_eq!(sim.e.step(1).status(), Some(StepStatus::Ok));
    assert_eq!(
        sim.e.phase(),
        Phase::Finished {
            outcome: crate::journal::record::Outcome::Failed,
            exit: crate::exit::Exit::Failed
        },
        "an incomplete rollback is a failure: {:?}",
        sim.kinds()
    );
}
