//! The operator at the quit question: nothing that may change something starts under it.
//! A front end that opens the question says so (`Event::Deciding`), and says when it closes;
//! the engine, not the screen, holds the work back (ARCHITECTURE.md, "The engine decides").
//!
//! What arrives meanwhile is recorded at once: an approval is journaled when it is given, a
//! command's result when it comes. Only the next change waits: the approved command, a
//! retry of a change falling due, a rollback command. If the operator stays, it starts then;
//! if they quit, it never started, and the journal says exactly that (the approval, then the
//! stop; a resume asks the approval afresh, `lifecycle::cut_off`). The hold itself is the
//! operator's screen, not the run: it is not journaled.

use crate::journal::record::Purpose;

use super::event::Effect;
use super::phase::{Phase, Todo};
use super::state::Engine;

impl Engine {
    /// The quit question opened (`true`) or closed (`false`). Closing it goes on with what
    /// was held back, as if the operator had never looked away.
    pub(super) fn set_deciding(&mut self, on: bool, fx: &mut Vec<Effect>) {
        self.deciding = on;
        if on || self.halted().is_some() || self.finished_as().is_some() {
            return;
        }
        if let Some((step, purpose, attempt)) = self.retry_held.take()
            && self.phase()
                == (Phase::RetryWait {
                    step,
                    purpose,
                    attempt,
                })
        {
            self.spawn(step, purpose, fx);
        }
        self.advance(fx);
    }

    /// Work that waits while the operator decides: it may change something.
    pub(super) fn held_back(&self, todo: Todo) -> bool {
        self.deciding && matches!(todo, Todo::Main(_) | Todo::RollbackCmd(..))
    }

    /// A retry of a change falling due while the operator decides: kept for when they stay.
    pub(super) fn holds_retry(&mut self, step: usize, purpose: Purpose, attempt: u32) -> bool {
        if !(self.deciding && purpose.may_change()) {
            return false;
        }
        self.retry_held = Some((step, purpose, attempt));
        true
    }

    /// Whether the operator is at the quit question (the hold above is on).
    pub fn deciding(&self) -> bool {
        self.deciding
    }
}
