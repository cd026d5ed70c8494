//! Whether a person's approval counts: `approval.reviewers` distinct people, each a member of
//! `approval.group` on this host, the operator only with `allow_self` and never twice. Two
//! sessions of one person (two terminals, or `sudo`) are one person: people are told apart
//! by `Who::person`, which the driver looked up from the kernel, not by account.

use crate::journal::record::{Actor, NotCounted, Person, Role};
use crate::runbook::model::Approval as Needs;

use super::event::Who;
use super::messages as msg;
use super::state::{Engine, Progress};

/// Where an approval request stands: who has approved and how many are needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// The people who approved, in order.
    pub approvals: Vec<Person>,
    pub needed: u32,
    pub group: Option<String>,
}

impl Tally {
    /// Whether this request is more than one person's say (counted, or a group's).
    pub fn counted(&self) -> bool {
        self.needed > 1 || self.group.is_some()
    }

    /// "2 distinct people of group `dba`" (the engine's words: `messages`).
    pub fn wanted(&self) -> String {
        msg::approvals_wanted(self.needed, self.group.as_deref())
    }

    /// "2 distinct people of group `dba`; 1 of 2 so far: alice" — for the prompts that wait.
    pub fn waiting_for(&self) -> String {
        let names: Vec<&str> = self.approvals.iter().map(|p| p.user.as_str()).collect();
        msg::approvals_waiting(&self.wanted(), &names, self.needed)
    }
}

impl Engine {
    /// Whether `who` is the person running the run.
    pub(super) fn is_operator(&self, who: &Who) -> bool {
        who.person.uid == self.operator_who.person.uid
    }

    /// The role `who` acts in at this run: the person running it is its operator from any
    /// account or session of theirs (`sudo` included), anyone else a reviewer. The one
    /// rule: approvals, rejections and a connected client's notes are journaled by it.
    pub fn role_of(&self, who: &Who) -> Role {
        if self.is_operator(who) {
            Role::Operator
        } else {
            Role::Reviewer
        }
    }

    /// The person the operator is, for their own approval.
    pub(super) fn operator_who(&self) -> Who {
        self.operator_who.clone()
    }

    /// The approvals step `i` needs and has.
    pub fn tally(&self, i: usize) -> Option<Tally> {
        let Needs::Required {
            reviewers, group, ..
        } = &self.rb.steps.get(i)?.approval
        else {
            return None;
        };
        let approvals = self.steps[i]
            .request()
            .map(|r| r.approvals.clone())
            .unwrap_or_default();
        Some(Tally {
            approvals,
            needed: *reviewers,
            group: group.as_ref().map(|g| g.resolve(&self.params.values)),
        })
    }

    /// Why `who` may not judge step `i` (approve or reject it): they are not in its group.
    pub(super) fn outside_group(&self, i: usize, who: &Who) -> Option<NotCounted> {
        let group = self.tally(i)?.group?;
        (!who.groups.contains(&group)).then(|| NotCounted::NotInGroup {
            person: person_name(&who.person),
            group,
        })
    }

    /// Why this approval of step `i` does not count, if it does not: the operator without
    /// `allow_self`, someone outside the group, or a person who already approved.
    pub(super) fn approver_refusal(
        &self,
        i: usize,
        reviewer: &Actor,
        who: &Who,
        allow_self: bool,
    ) -> Option<NotCounted> {
        let tally = self.tally(i)?;
        if self.is_operator(who) && !allow_self {
            return Some(if reviewer.uid == self.operator.uid {
                NotCounted::Operator {
                    user: reviewer.user.clone(),
                }
            } else {
                NotCounted::SameLogin {
                    person: person_name(&who.person),
                }
            });
        }
        if let Some(why) = self.outside_group(i, who) {
            return Some(why);
        }
        let again = tally.approvals.iter().any(|p| p.uid == who.person.uid);
        again.then(|| NotCounted::AlreadyApproved {
            person: person_name(&who.person),
            have: tally.approvals.len() as u32,
            needed: tally.needed,
        })
    }
}

/// The person as a refusal names them.
fn person_name(p: &Person) -> String {
    p.user.clone()
}

impl Engine {
    /// The steps that need an approval and may still ask for it in this run, from where it
    /// stands: each not finished (not begun, under way, verifying: a step in doubt may run
    /// again), each a later rollback has still to undo (its gates are met afresh, `later.rs`),
    /// and each finished one that captured a value the run has lost, which may run again,
    /// through its gates, to capture it anew (`recapture.rs`). A finished step is never
    /// asked again otherwise (a rollback in the run undoes without its gates). What
    /// `resume` judges `--share-with` by: never a step already done, never skipping one due.
    pub fn approvals_ahead(&self) -> Vec<usize> {
        let lost = self.lost_captures();
        let gated = self.rollback_state().is_some_and(|r| r.gated);
        (0..self.rb.steps.len())
            .filter(|&i| matches!(self.rb.steps[i].approval, Needs::Required { .. }))
            .filter(|&i| match self.steps[i].progress() {
                Progress::Finished(_) => self.rb.steps[i]
                    .capture
                    .iter()
                    .any(|c| lost.contains(&c.name.as_str())),
                Progress::Undoing { .. } => gated,
                Progress::NotStarted { .. }
                | Progress::Underway(_)
                | Progress::Verifying { .. } => true,
            })
            .collect()
    }
}
