//! The typed target and the second person's approval.

use crate::hash::sha256_hex;
use crate::journal::record::{Actor, Body, Halt, NotCounted, Purpose};
use crate::runbook::model::Approval as Needs;

use super::event::{Effect, Offer};
use super::messages as msg;
use super::phase::Phase;
use super::stage::{Request, TargetState};
use super::state::Engine;
use super::update::{Refusal, refuse};

/// How many typed (or blind) targets may miss before the run halts, and how many wrong
/// blind names a reviewer has for one request.
pub const MAX_MISSES: u32 = 3;

/// The tries left at a target after `misses`: the count the front ends show is the one
/// the engine halts by (none left: the run has halted).
pub fn tries_left(misses: u32) -> u32 {
    MAX_MISSES.saturating_sub(misses)
}

/// The approval the run waits for: what a reviewer must answer, and bind their answer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingApproval {
    pub step: usize,
    pub step_id: String,
    /// SHA-256 of the command as shown, which the approval is bound to.
    pub command_sha256: String,
    /// The resolved target the reviewer must type.
    pub expected: String,
    pub allow_self: bool,
    /// Who has approved so far, and how many distinct people are needed.
    pub tally: super::approvers::Tally,
    /// `confirm: blind`: the reviewer names the target before it is shown to them, so
    /// `expected` must not be shown to a reviewer.
    pub blind: bool,
    /// What is approved, as the request journaled it (`approval_command`): for a later
    /// rollback, the rollback, never the change.
    pub command: String,
}

impl Engine {
    /// The approval the run is waiting for, if it is waiting for one.
    pub fn pending_approval(&self) -> Option<PendingApproval> {
        let Phase::Approval {
            step,
            expected,
            allow_self,
        } = self.phase()
        else {
            return None;
        };
        let Request { command_sha256, .. } = self.steps[step].request()?;
        Some(PendingApproval {
            step,
            step_id: self.rb.steps[step].id.clone(),
            command_sha256: command_sha256.clone(),
            expected,
            allow_self,
            tally: self.tally(step)?,
            blind: self.blind(step),
            command: self.approval_command(step),
        })
    }

    pub(super) fn typed(&mut self, text: String, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        if let Phase::NoReturn {
            step,
            expected,
            reason,
        } = self.phase()
        {
            return self.no_return_typed(step, &expected, reason, &text, fx);
        }
        // Blind or echo, the check is the same: what was typed names the resolved target.
        // Only what is shown before, and said after a miss, differs.
        let (i, resolved, misses, blind) = match self.phase() {
            Phase::Confirm {
                step,
                resolved,
                misses,
            } => (step, resolved, misses, false),
            Phase::Blind { step, misses } => {
                let resolved = self.steps[step].target().resolved().unwrap_or_default();
                (step, resolved.to_string(), misses, true)
            }
            _ => return refuse(msg::NO_TARGET_WAITING),
        };
        // An empty line (Enter pressed twice, a paste ending in a blank line) is no try: a
        // miss for it would spend the tries whose end names the resolved target.
        if text.trim().is_empty() && !resolved.is_empty() {
            return refuse(if blind {
                msg::NOTHING_NAMED
            } else {
                msg::NOTHING_TYPED
            });
        }
        let typed = self.mask(text.trim());
        if self.names_target(text.trim(), &resolved) {
            self.emit(
                fx,
                Some(i),
                self.operator.clone(),
                Body::TargetConfirmed {
                    resolved,
                    typed,
                    reused_from: None,
                    blind,
                },
            );
            self.advance(fx);
        } else {
            let misses = misses + 1;
            let body = Body::TargetMismatch {
                resolved: resolved.clone(),
                typed: typed.clone(),
                misses,
                blind,
            };
            self.emit(fx, Some(i), self.operator.clone(), body);
            if tries_left(misses) == 0 {
                // Refused for now, not for good: what the run did (prechecks, the snapshot)
                // stands, and a resume asks again with the target looked up afresh.
                let why = if blind {
                    Halt::BlindMisses {
                        misses: MAX_MISSES,
                        intended: typed,
                        resolved,
                    }
                } else {
                    Halt::Misses {
                        misses: MAX_MISSES,
                        resolved,
                    }
                };
                self.halt(Some(i), why, crate::exit::Exit::Refused, fx);
            }
        }
        Ok(())
    }

    /// The text a reviewer approves for step `i` (and whose hash the approval is bound
    /// to): the command as shown, or its rollback in a later rollback, and where it runs.
    /// One function, so the request journaled and what a reviewer joining later is sent
    /// cannot differ.
    fn approval_command(&self, i: usize) -> String {
        let step = &self.rb.steps[i];
        let command = match self.undoing_gated(i) {
            true => self.shown_rollback(i),
            false => self
                .shown_command(i, Purpose::Main)
                .unwrap_or_else(|| msg::manual_step(&step.id)),
        };
        // Where it runs is part of what the reviewer signs: the same command on another
        // host is another change, and its hash must differ.
        let host = self.remote_target(i, Purpose::Main).map(|t| {
            t.map(|t| self.mask(&t.label()))
                .map_err(|_| step.on.as_ref().map_or("?", |o| o.name.as_str()))
        });
        let host = host
            .as_ref()
            .map(|h| h.as_ref().map(String::as_str).map_err(|e| *e));
        msg::approval_command(host, &command)
    }

    pub(super) fn request_approval(&mut self, i: usize, fx: &mut Vec<Effect>) {
        let step = &self.rb.steps[i];
        let (allow_self, reviewers, group) = match &step.approval {
            Needs::Required {
                allow_self,
                reviewers,
                group,
            } => (
                *allow_self,
                *reviewers,
                group.as_ref().map(|g| g.resolve(&self.params.values)),
            ),
            Needs::None => (false, 1, None),
        };
        let command = self.approval_command(i);
        let expected = self.steps[i]
            .target()
            .resolved()
            .map_or_else(|| step.id.clone(), str::to_string);
        let body = Body::ApprovalRequested {
            command_sha256: sha256_hex(command.as_bytes()),
            command,
            expected,
            allow_self,
            reviewers: (reviewers > 1).then_some(reviewers),
            group,
            blind: self.blind(i),
        };
        self.emit(fx, Some(i), self.shisa(), body);
    }

    /// Whether typed text names the resolved target. The target is kept as journaled, with
    /// secrets masked, so the typed text is masked the same way before comparing; typing
    /// the mask itself (`[REDACTED:…]`) is not naming anything for the operator, who knows
    /// the secret. A reviewer sees only the masked target and may type it as shown.
    fn names_target(&self, typed: &str, resolved: &str) -> bool {
        !crate::runbook::params::is_masked(typed) && self.mask(typed) == resolved
    }

    /// Whether the operator approving the waiting step themselves must type its target:
    /// not where they typed that very target to confirm this step (asking twice in a row
    /// checks nothing more). A step without a target is named by typing its id.
    pub fn self_approval_needs_typing(&self) -> bool {
        let Some(p) = self.pending_approval() else {
            return true;
        };
        !matches!(self.steps[p.step].target(),
            TargetState::Confirmed { resolved, by }
                if resolved == p.expected && by == self.operator.user)
    }

    /// The operator's own approval of the request waiting now. Nothing typed, where the
    /// operator confirmed the target already, approves that target (journaled as typed).
    pub(super) fn own_offer(&self, typed: String) -> Result<Offer, Refusal> {
        let Some(pending) = self.pending_approval() else {
            return refuse(msg::NO_APPROVAL_WAITING);
        };
        let typed = if typed.trim().is_empty() && !self.self_approval_needs_typing() {
            pending.expected.clone()
        } else {
            typed
        };
        Ok(Offer {
            reviewer: self.operator.clone(),
            step: pending.step_id,
            command_sha256: pending.command_sha256,
            typed,
            fresh: true,
            who: self.operator_who(),
            client: None,
        })
    }

    /// How many times `user` named step `i`'s blind target wrong at the approval waiting.
    fn blind_misses_of(&self, i: usize, user: &str) -> u32 {
        self.steps[i]
            .request()
            .map_or(0, |r| r.missed.iter().filter(|u| *u == user).count() as u32)
    }

    pub(super) fn approval(&mut self, offer: Offer, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        let Offer {
            reviewer,
            step,
            command_sha256: sha,
            typed,
            fresh,
            who,
            client,
        } = offer;
        let (step, sha) = (step.as_str(), sha.as_str());
        let Phase::Approval {
            step: i,
            expected,
            allow_self,
        } = self.phase()
        else {
            return refuse(msg::NO_APPROVAL_WAITING);
        };
        let Some(Request { command_sha256, .. }) = self.steps[i].request().cloned() else {
            return refuse(msg::NO_APPROVAL_WAITING);
        };
        let self_approved = self.is_operator(&who);
        let refusal = if self.rb.steps[i].id != step {
            Some(NotCounted::WrongStep {
                named: step.into(),
                waiting: self.rb.steps[i].id.clone(),
            })
        } else if sha != command_sha256 {
            Some(NotCounted::OtherCommand)
        } else if !fresh {
            Some(NotCounted::Stale)
        } else if self.blind(i) && self.blind_misses_of(i, &reviewer.user) >= MAX_MISSES {
            Some(NotCounted::BlindTriesSpent { max: MAX_MISSES })
        } else {
            self.approver_refusal(i, &reviewer, &who, allow_self)
        };
        let mistyped = refusal.is_none()
            && !(self.names_target(typed.trim(), &expected) || typed.trim() == expected);
        let reviewer = Actor {
            role: self.role_of(&who),
            ..reviewer
        };
        let typed = self.mask(typed.trim());
        let tally = self.tally(i);
        let (count, needed) = tally
            .as_ref()
            .map_or((1, 1), |t| (t.approvals.len() as u32 + 1, t.needed));
        if let Some(client) = client {
            let (granted, message) = match &refusal {
                Some(why) => (false, self.mask(&msg::not_counted(why))),
                None if mistyped => (false, msg::approval_mistyped(&typed)),
                None if count < needed => (true, msg::approved_so_far(count, needed)),
                None if self.deciding => (true, msg::APPROVED_HELD.to_string()),
                None => (true, msg::APPROVED.to_string()),
            };
            fx.push(Effect::Reply {
                client,
                granted,
                message,
            });
        }
        let person = Some(who.person);
        match refusal {
            // A mistyped target is a miss, like the operator's, not a refusal of the
            // approval: the request still waits for the right target (or a rejection).
            None if mistyped => {
                let body = Body::TargetMismatch {
                    resolved: expected,
                    typed,
                    misses: 0,
                    blind: self.blind(i),
                };
                self.emit(fx, Some(i), reviewer, body);
            }
            Some(why) => {
                let body = Body::ApprovalRefused {
                    reason: msg::not_counted(&why),
                    typed: Some(typed),
                    person,
                    why: Some(why),
                };
                self.emit(fx, Some(i), reviewer, body);
            }
            None => {
                let counted = tally.as_ref().is_some_and(super::approvers::Tally::counted);
                self.emit(
                    fx,
                    Some(i),
                    reviewer,
                    Body::ApprovalGranted {
                        typed,
                        self_approved,
                        person,
                        count: counted.then_some(count),
                        needed: counted.then_some(needed),
                        group: tally.and_then(|t| t.group),
                    },
                );
                self.advance(fx);
            }
        }
        Ok(())
    }
}
