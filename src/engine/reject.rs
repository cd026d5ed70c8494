//! A reviewer's rejection: bound like an approval to the waiting request, journaled with the
//! reviewer's reason, and then a question for the operator (ask again, roll back, abort) —
//! the step does not run. With `approval.reviewers` above one, a rejection stops the step
//! however many approvals came before it: one "no" from the group outweighs the "yes"es
//! until the operator decides, and asking again is a new request that every approver
//! must answer again (the earlier ones approved before the objection was known).

use crate::journal::record::{Body, NotCounted, Prompt, StepFailure};

use super::event::{Effect, Rejection};
use super::messages as msg;
use super::phase::Phase;
use super::stage::Request;
use super::state::Engine;
use super::update::{Refusal, has_controls, refuse};

impl Engine {
    /// The operator cannot reject their own step: they abort it instead.
    pub(super) fn operator_rejects(&self) -> Result<(), Refusal> {
        match self.phase() {
            Phase::Approval { .. } => refuse(msg::operator_rejects(&self.operator.user)),
            _ => refuse(msg::NO_APPROVAL_WAITING),
        }
    }

    pub(super) fn reject(&mut self, r: Rejection, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        let Phase::Approval { step: i, .. } = self.phase() else {
            return refuse(msg::NO_APPROVAL_WAITING);
        };
        let Some(Request { command_sha256, .. }) = self.steps[i].request() else {
            return refuse(msg::NO_APPROVAL_WAITING);
        };
        let reason = self.mask(r.reason.trim());
        let refusal = if self.is_operator(&r.who) {
            Some(msg::operator_rejects(&r.reviewer.user))
        } else if let Some(why) = self.outside_group(i, &r.who) {
            Some(msg::not_counted(&why))
        } else if self.rb.steps[i].id != r.step {
            Some(msg::not_counted(&NotCounted::WrongStep {
                named: r.step.clone(),
                waiting: self.rb.steps[i].id.clone(),
            }))
        } else if &r.command_sha256 != command_sha256 {
            Some(msg::not_counted(&NotCounted::OtherCommand))
        } else if !r.fresh {
            Some(msg::not_counted(&NotCounted::Stale))
        } else if reason.is_empty() {
            Some(msg::REJECTION_NEEDS_REASON.to_string())
        } else if has_controls(&reason) {
            Some(msg::REJECTION_CONTROLS.to_string())
        } else {
            None
        };
        if let Some(why) = refusal {
            // Nothing is journaled for a rejection that does not count: the one who sent it
            // is told why; the run is where it was.
            return match r.client {
                Some(client) => {
                    fx.push(Effect::Reply {
                        client,
                        granted: false,
                        message: self.mask(&why),
                    });
                    Ok(())
                }
                None => refuse(why),
            };
        }
        // The operator was refused above: this is a reviewer's.
        let reviewer = crate::journal::record::Actor {
            role: self.role_of(&r.who),
            ..r.reviewer
        };
        let user = reviewer.user.clone();
        self.emit(
            fx,
            Some(i),
            reviewer,
            Body::ApprovalRejected {
                reason: reason.clone(),
                person: Some(r.who.person),
            },
        );
        if let Some(client) = r.client {
            fx.push(Effect::Reply {
                client,
                granted: true,
                message: msg::REJECTED.to_string(),
            });
        }
        let why = StepFailure::Rejected { by: user, reason };
        let body = Body::StepFailed {
            prompt: Prompt::Rejected,
            reason: msg::step_failure(&why, &[]),
            why: Some(why),
        };
        self.emit(fx, Some(i), self.shisa(), body);
        Ok(())
    }
}
