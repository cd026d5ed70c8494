//! The operator's screen while counted approvals arrive (`approval: { reviewers: 2, group }`):
//! each approval on the timeline as it comes ("1 of 2 approvals: rev2 (keyops)"), and the
//! waiting dialog naming who has approved so far. Snapshots at 80×24 and 120×40.

use crossterm::event::KeyCode;

use super::tests::{APPROVAL, Sim, sizes, snap};
use crate::engine::{Answer, Event, Phase, Verdict, Who};
use crate::journal::record::{Actor, Person, Role};
use crate::runbook::load_str;

fn reviewer(user: &str, uid: u32) -> (Actor, Who) {
    let actor = Actor {
        role: Role::Reviewer,
        user: user.into(),
        uid,
        host: "bastion-1".into(),
    };
    let who = Who {
        person: Person {
            user: user.into(),
            uid,
            login_uid: Some(uid),
            sudo_user: None,
        },
        groups: vec!["keyops".into()],
    };
    (actor, who)
}

/// The approval runbook, asking two members of `keyops`, at its request.
fn two_keyops(w: u16, h: u16) -> Sim {
    let yaml = APPROVAL.replace(
        "approval: { allow_self: true }",
        "approval: { reviewers: 2, group: keyops }",
    );
    let mut sim = Sim::new(load_str("approval.yaml", &yaml).unwrap(), w, h);
    sim.key(KeyCode::Enter);
    sim.done(0, "");
    sim.key(KeyCode::Enter);
    sim.done(0, "k-2023-live\n");
    sim.typed("k-2023-live");
    sim.key(KeyCode::Enter);
    assert!(matches!(sim.e().phase(), Phase::Approval { .. }));
    sim
}

fn approve(sim: &mut Sim, user: &str, uid: u32) {
    let pending = sim.e().pending_approval().unwrap();
    let (reviewer, who) = reviewer(user, uid);
    sim.feed(Event::Answer(Answer {
        reviewer,
        step: pending.step_id,
        command_sha256: pending.command_sha256,
        who,
        verdict: Verdict::Approve {
            typed: "k-2023-live".into(),
        },
    }));
}

#[test]
fn each_approval_is_on_the_operators_screen_as_it_arrives() {
    for (w, h) in sizes() {
        let mut sim = two_keyops(w, h);
        approve(&mut sim, "rev2", 1002);
        let screen = sim.screen();
        assert!(
            screen.contains("1 of 2 approvals: rev2 (keyops)"),
            "{screen}"
        );
        assert!(screen.contains("1 of 2 so far: rev2"), "{screen}");
        assert!(matches!(sim.e().phase(), Phase::Approval { .. }));
        snap!("approval_1_of_2", sim);
        // The same person again does not move the count.
        approve(&mut sim, "rev2", 1002);
        assert_eq!(sim.e().pending_approval().unwrap().tally.approvals.len(), 1);
        assert!(sim.screen().contains("approval by rev2 refus"));
        approve(&mut sim, "rev3", 1003);
        assert!(matches!(sim.e().phase(), Phase::Running { .. }));
    }
}

#[test]
fn a_rejection_after_an_approval_is_on_the_operators_screen() {
    let mut sim = two_keyops(120, 40);
    approve(&mut sim, "rev2", 1002);
    let pending = sim.e().pending_approval().unwrap();
    let (reviewer, who) = reviewer("rev3", 1003);
    sim.feed(Event::Answer(Answer {
        reviewer,
        step: pending.step_id,
        command_sha256: pending.command_sha256,
        who,
        verdict: Verdict::Reject {
            reason: "billing still signs with k-2023-live".into(),
        },
    }));
    let screen = sim.screen();
    assert!(screen.contains("Rejected by a reviewer"), "{screen}");
    assert!(
        screen.contains("rev3 rejected the approval: “billing still signs with k-2023-live”"),
        "{screen}"
    );
}
