//! A shared-session client's answer to an approval request: whether it names this run,
//! whether it answers the request waiting now (an answer to an earlier request is stale),
//! then the approval or rejection rules (`confirm.rs`, `reject.rs`). The driver only passes
//! on what arrived and the hash of the latest request's line, which only its writer knows.

use super::event::{Answer, ClientAnswer, Effect, Offer, Rejection, Verdict};
use super::messages as msg;
use super::state::Engine;
use super::update::Refusal;

impl Engine {
    pub(super) fn client_answer(
        &mut self,
        a: ClientAnswer,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        if self.run_id() != Some(a.run_id.as_str()) {
            // Nothing is journaled: the client named another run; it is told which this is.
            fx.push(Effect::Reply {
                client: a.client,
                granted: false,
                message: msg::wrong_run(self.run_id().unwrap_or_default(), &a.run_id),
            });
            return Ok(());
        }
        let fresh = a.latest_request.as_deref() == Some(a.request.as_str());
        let answer = Answer {
            step: a.step,
            command_sha256: a.command_sha256,
            reviewer: a.reviewer,
            who: a.who,
            verdict: a.verdict,
        };
        self.judge_answer(answer, fresh, Some(a.client), fx)
    }

    /// An answer given in this process: it answers the request waiting now (no journal
    /// line of a request to tell an earlier one by), and no client waits for a reply.
    pub(super) fn answer(&mut self, a: Answer, fx: &mut Vec<Effect>) -> Result<(), Refusal> {
        self.judge_answer(a, true, None, fx)
    }

    fn judge_answer(
        &mut self,
        a: Answer,
        fresh: bool,
        client: Option<u64>,
        fx: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        match a.verdict {
            Verdict::Approve { typed } => self.approval(
                Offer {
                    reviewer: a.reviewer,
                    step: a.step,
                    command_sha256: a.command_sha256,
                    typed,
                    fresh,
                    who: a.who,
                    client,
                },
                fx,
            ),
            Verdict::Reject { reason } => self.reject(
                Rejection {
                    reviewer: a.reviewer,
                    step: a.step,
                    command_sha256: a.command_sha256,
                    reason,
                    fresh,
                    who: a.who,
                    client,
                },
                fx,
            ),
        }
    }
}

impl Engine {
    /// What watchers are told when the run's process ends (the `end` frame): how the run
    /// ended, or that it stopped on an error outside the engine (`stopped_by_error`: the
    /// journal could not be written), or that it halted and can be resumed.
    pub fn end_for_watchers(&self, stopped_by_error: bool) -> String {
        match self.finished() {
            Some((outcome, _)) => outcome.name().to_string(),
            None if stopped_by_error => "stopped: journal error".to_string(),
            None => "halted (resumable)".to_string(),
        }
    }
}
