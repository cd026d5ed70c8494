//! Counted approvals: `approval: { reviewers: N, group: NAME }`. People, not accounts, are
//! counted; a group's non-member is refused; a rejection stops the step whatever came before.

use super::tests::{Sim, operator, to_approval};
use super::*;
use crate::journal::record::ChoiceKind as K;
use crate::journal::record::{Actor, Body, Choice, Person, Prompt, Purpose, Role};

const TWO_DBAS: &str = r#"version: 1
name: approve
steps:
  - id: snap
    kind: snapshot
    run: cp state "$SHISA_RUN_DIR/state.bak"
  - id: attach
    kind: action
    target: { describe: echo admin@% }
    approval: { reviewers: 2, group: dba }
    argv: [dbadm, alter]
    verify: [ { run: check } ]
    rollback: [ { run: undo } ]
"#;

fn account(user: &str, uid: u32) -> Actor {
    Actor {
        role: Role::Reviewer,
        user: user.into(),
        uid,
        host: "bastion-1".into(),
    }
}

fn person(user: &str, uid: u32, groups: &[&str]) -> Who {
    Who {
        person: Person {
            user: user.into(),
            uid,
            login_uid: None,
            sudo_user: None,
        },
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
}

fn at_approval(yaml: &str) -> (Sim, String) {
    to_approval(yaml, &[], "admin@%")
}

fn offer(sha: &str, reviewer: Actor, who: Who) -> Event {
    Event::Answer(Answer {
        reviewer,
        step: "attach".into(),
        command_sha256: sha.into(),
        who,
        verdict: Verdict::Approve {
            typed: "admin@%".into(),
        },
    })
}

fn refusals(sim: &Sim) -> Vec<String> {
    sim.journal
        .iter()
        .filter_map(|e| match &e.body {
            Body::ApprovalRefused { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect()
}

fn main_ran(sim: &Sim) -> bool {
    sim.spawned
        .iter()
        .any(|s| s.purpose == Purpose::Main && s.step_id == "attach")
}

#[test]
fn the_step_runs_only_after_two_distinct_members_approved() {
    let (mut sim, sha) = at_approval(TWO_DBAS);
    let request = sim
        .journal
        .iter()
        .find(|e| matches!(e.body, Body::ApprovalRequested { .. }))
        .unwrap();
    assert!(matches!(
        &request.body,
        Body::ApprovalRequested { reviewers: Some(2), group: Some(g), .. } if g == "dba"
    ));
    sim.send(offer(
        &sha,
        account("alice", 1001),
        person("alice", 1001, &["alice", "dba"]),
    ));
    assert!(matches!(sim.e.phase(), Phase::Approval { .. }));
    assert!(!main_ran(&sim));
    let tally = sim.e.pending_approval().unwrap().tally;
    assert_eq!(tally.approvals.len(), 1);
    assert_eq!(
        tally.waiting_for(),
        "2 distinct people of group `dba`; 1 of 2 so far: alice"
    );
    let first = sim.journal.last().unwrap();
    assert!(matches!(
        &first.body,
        Body::ApprovalGranted { count: Some(1), needed: Some(2), group: Some(g), person: Some(p), .. }
            if g == "dba" && p.user == "alice"
    ));
    sim.send(offer(
        &sha,
        account("bob", 1002),
        person("bob", 1002, &["dba"]),
    ));
    assert!(main_ran(&sim));
    assert_eq!(sim.finished, Some(0));
    // Replaying the journal counts the same two people.
    let replayed = Engine::replay(
        sim.e.runbook().clone(),
        operator(),
        Default::default(),
        &sim.journal,
    );
    assert_eq!(replayed.phase(), sim.e.phase());
}

#[test]
fn two_sessions_of_one_person_count_once() {
    let (mut sim, sha) = at_approval(TWO_DBAS);
    sim.send(offer(
        &sha,
        account("alice", 1001),
        person("alice", 1001, &["dba"]),
    ));
    // The same person again from a second terminal, and through `sudo` (root's account,
    // alice's login uid): neither is a second approval.
    sim.send(offer(
        &sha,
        account("alice", 1001),
        person("alice", 1001, &["dba"]),
    ));
    let mut via_sudo = person("alice", 1001, &["dba"]);
    via_sudo.person.login_uid = Some(1001);
    via_sudo.person.sudo_user = Some("alice".into());
    sim.send(offer(&sha, account("root", 0), via_sudo));
    assert!(matches!(sim.e.phase(), Phase::Approval { .. }));
    assert!(!main_ran(&sim));
    let refused = refusals(&sim);
    assert_eq!(refused.len(), 2, "{refused:?}");
    for r in &refused {
        assert!(r.contains("alice has already approved this step (two sessions of one person are one person); 1 of 2"), "{r}");
    }
    // The refused one through sudo is journaled as root's account, alice's person.
    let last = sim.journal.last().unwrap();
    assert_eq!(last.actor.user, "root");
    assert!(matches!(
        &last.body,
        Body::ApprovalRefused { person: Some(p), .. }
            if p.user == "alice" && p.login_uid == Some(1001) && p.sudo_user.as_deref() == Some("alice")
    ));
    sim.send(offer(
        &sha,
        account("bob", 1002),
        person("bob", 1002, &["dba"]),
    ));
    assert!(main_ran(&sim));
}

#[test]
fn a_non_member_is_refused_and_the_refusal_is_journaled() {
    let (mut sim, sha) = at_approval(TWO_DBAS);
    sim.send(offer(
        &sha,
        account("eve", 1003),
        person("eve", 1003, &["eve", "dev"]),
    ));
    assert_eq!(
        refusals(&sim),
        [
            "eve is not a member of group `dba` on this host; only its members may approve or reject this step"
        ]
    );
    assert_eq!(sim.e.pending_approval().unwrap().tally.approvals.len(), 0);
    // Nor may a non-member reject: nothing is journaled, the request still waits.
    let before = sim.journal.len();
    let r = sim.e.update(
        sim.now,
        Event::Answer(Answer {
            reviewer: account("eve", 1003),
            step: "attach".into(),
            command_sha256: sha.clone(),
            who: person("eve", 1003, &["dev"]),
            verdict: Verdict::Reject {
                reason: "no".into(),
            },
        }),
    );
    assert!(r.is_err());
    assert_eq!(sim.journal.len(), before);
}

#[test]
fn the_operator_counts_once_and_only_with_allow_self() {
    let yaml = TWO_DBAS.replace(
        "approval: { reviewers: 2, group: dba }",
        "approval: { reviewers: 2, group: dba, allow_self: true }",
    );
    let (sim0, _) = at_approval(&yaml);
    let mut sim = Sim {
        e: sim0.e.clone().operated_by(person("ops1", 1000, &["dba"])),
        ..sim0
    };
    sim.send(Event::SelfApproval {
        typed: "admin@%".into(),
    });
    assert!(matches!(sim.e.phase(), Phase::Approval { .. }));
    assert!(matches!(
        &sim.journal.last().unwrap().body,
        Body::ApprovalGranted {
            self_approved: true,
            count: Some(1),
            ..
        }
    ));
    // Never twice: not by the TUI again, nor from another terminal of theirs.
    let sha = sim.e.pending_approval().unwrap().command_sha256;
    sim.send(offer(&sha, operator(), person("ops1", 1000, &["dba"])));
    assert_eq!(refusals(&sim).len(), 1);
    assert!(refusals(&sim)[0].contains("ops1 has already approved"));
    sim.send(offer(
        &sha,
        account("bob", 1002),
        person("bob", 1002, &["dba"]),
    ));
    assert!(main_ran(&sim));

    // Without allow_self the operator is refused, here too by person: their login under
    // another account is still them.
    let (sim0, sha) = at_approval(TWO_DBAS);
    let mut sim = Sim {
        e: sim0.e.clone().operated_by(person("ops1", 1000, &["dba"])),
        ..sim0
    };
    sim.send(offer(
        &sha,
        account("dbsvc", 1500),
        person("ops1", 1000, &["dba"]),
    ));
    assert!(refusals(&sim)[0].contains("this is ops1, the operator, under another account"));
    assert_eq!(sim.e.pending_approval().unwrap().tally.approvals.len(), 0);
}

#[test]
fn a_rejection_stops_the_step_after_an_approval_and_asking_again_starts_the_count_over() {
    let (mut sim, sha) = at_approval(TWO_DBAS);
    sim.send(offer(
        &sha,
        account("alice", 1001),
        person("alice", 1001, &["dba"]),
    ));
    sim.send(Event::Answer(Answer {
        reviewer: account("bob", 1002),
        step: "attach".into(),
        command_sha256: sha.clone(),
        who: person("bob", 1002, &["dba"]),
        verdict: Verdict::Reject {
            reason: "the API server logs in as admin too".into(),
        },
    }));
    let rejected = sim
        .journal
        .iter()
        .find(|e| matches!(e.body, Body::ApprovalRejected { .. }))
        .unwrap();
    assert!(matches!(
        &rejected.body,
        Body::ApprovalRejected { person: Some(p), .. } if p.user == "bob"
    ));
    let Phase::Failed {
        prompt: Prompt::Rejected,
        ..
    } = sim.e.phase()
    else {
        panic!("{:?}", sim.e.phase())
    };
    assert_eq!(sim.e.choices(), vec![K::Retry, K::Abort]);
    assert!(!main_ran(&sim));
    // Asking again: alice's earlier approval was given before the objection; it does not
    // carry over, both must approve the new request.
    sim.send(Event::Choice(Choice::Retry));
    assert_eq!(sim.e.pending_approval().unwrap().tally.approvals.len(), 0);
    sim.send(offer(
        &sha,
        account("alice", 1001),
        person("alice", 1001, &["dba"]),
    ));
    assert!(!main_ran(&sim));
    sim.send(offer(
        &sha,
        account("bob", 1002),
        person("bob", 1002, &["dba"]),
    ));
    assert!(main_ran(&sim));
}

/// One rule for who is the operator: the operator's person from another account (`sudo`,
/// a second login) acts as the operator; another person, even in the operator's group, as
/// a reviewer. The driver labels a client's notes by it; approvals are journaled by it.
#[test]
fn the_operators_person_from_another_account_is_the_operator_and_anyone_else_a_reviewer() {
    let (sim, _) = at_approval(TWO_DBAS);
    let me = operator();
    let mut via_sudo = person("root", 0, &[]);
    via_sudo.person.uid = me.uid;
    via_sudo.person.login_uid = Some(me.uid);
    assert_eq!(sim.e.role_of(&via_sudo), Role::Operator);
    assert_eq!(sim.e.role_of(&Who::account(&me)), Role::Operator);
    assert_eq!(
        sim.e.role_of(&person("alice", 1001, &["dba"])),
        Role::Reviewer
    );
}

/// A change that needs an approval (and captures a secret), then a manual step.
const AHEAD: &str = r#"version: 1
name: ahead
steps:
  - id: snap
    kind: snapshot
    run: cp state "$SHISA_RUN_DIR/state.bak"
  - id: flip
    kind: action
    target: { describe: echo switch-a }
    approval: { allow_self: true }
    run: flip
    capture: { token: { regex: 'token: (\S+)', secret: true } }
    verify: [ { run: check } ]
    rollback: [ { run: unflip } ]
  - id: tell
    kind: manual
    instructions: Tell them.
"#;

fn ahead() -> Sim {
    Sim::new(AHEAD, &[]).answers(|s| match s.purpose {
        Purpose::Describe => (0, "switch-a\n".into()),
        Purpose::Main if s.step_id == "flip" => (0, "token: t0k3n\n".into()),
        _ => (0, String::new()),
    })
}

/// What `resume` judges `--share-with` by: the approval is due until the change it guards
/// is done, then no more; a later rollback meets it afresh; and a change whose secret
/// capture a new process lost may run again through its gates, so it is due again there.
#[test]
fn an_approval_is_ahead_until_its_step_is_done_and_again_where_it_may_be_asked_again() {
    let mut sim = ahead();
    sim.start(super::tests::tuesday_10am(), None);
    sim.run();
    assert!(matches!(sim.e.phase(), Phase::Confirm { step: 1, .. }));
    assert_eq!(sim.e.approvals_ahead(), [1], "before the change");
    sim.send(Event::Typed("switch-a".into()));
    assert!(matches!(sim.e.phase(), Phase::Approval { step: 1, .. }));
    assert_eq!(sim.e.approvals_ahead(), [1], "asked, not given");
    sim.send(Event::SelfApproval {
        typed: String::new(),
    });
    sim.run();
    assert_eq!(sim.e.phase(), Phase::Manual(2), "{:?}", sim.kinds());
    assert!(sim.e.approvals_ahead().is_empty(), "approved and done");

    // A new process lost the secret the change captured: it may run again to capture it.
    let replayed = Engine::replay(
        sim.e.rb.clone(),
        operator(),
        sim.e.params().clone(),
        &sim.journal,
    );
    assert_eq!(replayed.approvals_ahead(), [1]);

    // Aborted, then rolled back later: the undo meets the step's gates afresh.
    sim.send(Event::Abort(Some("wait".into())));
    sim.send(Event::RollbackRequested {
        reason: "the customer asked".into(),
        outside_window: None,
    });
    assert!(sim.e.rollback().is_some_and(|r| r.gated));
    assert_eq!(sim.e.approvals_ahead(), [1], "{:?}", sim.e.phase());
}
