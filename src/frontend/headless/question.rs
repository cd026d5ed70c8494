//! Line mode's questions: the one line, starting `? `, that asks the operator for each
//! phase that waits for them, and the answers it lists (the engine's choices).

use std::io::Write;

use crate::engine::{Engine, Phase};
use crate::journal::record::{ChoiceKind, ReasonNeed};
use crate::phrase::questions as say;
use crate::text_safety::one_line;

use super::Headless;

impl<W: Write> Headless<W> {
    /// The question for the current phase, if the operator is being asked something.
    pub(super) fn question(&self, e: &Engine) -> Option<String> {
        let title = |i: usize| e.title(i);
        // A later rollback meets each step's target and approval again: the question must
        // say that what is confirmed or approved now is the undoing, not the change.
        let gate = |i: usize| match e.rollback() {
            Some(_) => format!("rollback of {}", e.title(i)),
            None => e.title(i),
        };
        let instructions = |i: usize| {
            e.runbook().steps[i]
                .instructions
                .as_ref()
                .map(|t| t.render(&e.shown_step_vars(i)))
                .unwrap_or_default()
        };
        Some(match e.phase() {
            Phase::Confirm {
                step,
                resolved,
                misses,
            } => ask(&gate(step), Some(&resolved), misses),
            // Blind: the phase does not carry the resolved target, so it cannot be printed.
            Phase::Blind { step, misses } => ask(&gate(step), None, misses),
            Phase::Manual(i) => {
                let step = &e.runbook().steps[i];
                let links = match step.links.len() {
                    0 => String::new(),
                    _ => format!(" (see {})", step.links.join(", ")),
                };
                let answer = if step.choices.is_empty() {
                    "answer `done`, `done <note>` or `abort`".to_string()
                } else {
                    let keys: Vec<String> = step
                        .choices
                        .iter()
                        .map(|c| format!("`{}` ({})", c.key, one_line(&c.label)))
                        .collect();
                    format!(
                        "answer one of {}, optionally followed by a note; or `abort`",
                        keys.join(", ")
                    )
                };
                format!(
                    "? {}: {}{links} — {answer}",
                    title(i),
                    instructions(i).trim()
                )
            }
            Phase::ManualUndo { step, n } => {
                let what = match e.runbook().steps[step].rollback.get(n as usize - 1) {
                    Some(crate::runbook::model::Undo::Manual { instructions, .. }) => {
                        instructions.render(&e.shown_step_vars(step))
                    }
                    _ => String::new(),
                };
                format!(
                    "? {} — answer `done`, `done <note>` or `abort`",
                    say::manual_undo(n, &title(step), what.trim())
                )
            }
            Phase::NoReturn {
                step,
                expected,
                reason,
            } => format!("? {}", say::no_return(&title(step), &reason, &expected)),
            Phase::Approval {
                step, allow_self, ..
            } => {
                let own = say::approve_own(e.self_approval_needs_typing());
                let or_own = if allow_self {
                    format!(", or {own}")
                } else {
                    String::new()
                };
                // Unshared, nobody else can join: the operator is not sent to find someone.
                match (e.tally(step), allow_self, self.shared) {
                    (Some(t), _, _) if t.counted() => format!(
                        "? {}{or_own}; `abort` to stop",
                        say::awaiting_approval_by(&gate(step), &t.waiting_for(), &self.run_id)
                    ),
                    (_, true, false) => {
                        format!(
                            "? {}; `abort` to stop",
                            say::needs_own_approval(&gate(step), own)
                        )
                    }
                    _ => format!(
                        "? {}{or_own}; `abort` to stop",
                        say::awaiting_another(&gate(step), &self.run_id)
                    ),
                }
            }
            Phase::Failed {
                step,
                prompt,
                reason,
            } => {
                let what = say::failed(prompt);
                format!("? {} {what}: {reason} — answer {}", title(step), answers(e))
            }
            Phase::InDoubt(i) if e.rollback().is_some() => {
                let n = e.step(i).undone() + 1;
                format!(
                    "? {} — answer {}",
                    say::undo_in_doubt(n, &title(i)),
                    answers(e)
                )
            }
            Phase::InDoubt(i) => {
                let verifies = !e.runbook().steps[i].verify.is_empty()
                    && e.choices().contains(&ChoiceKind::Done);
                format!(
                    "? {} — answer {}",
                    say::in_doubt(&title(i), verifies),
                    answers(e)
                )
            }
            _ => return None,
        })
    }
}

pub(super) fn answers(e: &Engine) -> String {
    e.choices()
        .iter()
        .map(|c| match c.reason() {
            ReasonNeed::None => format!("`{}`", c.name()),
            _ => format!("`{} <reason>`", c.name()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The target question, in the words that say which confirmation is in force.
fn ask(title: &str, resolved: Option<&str>, misses: u32) -> String {
    use crate::phrase::Phrasebook as _;
    let ask = crate::phrase::TargetAsk {
        resolved,
        tries_left: crate::engine::tries_left(misses),
    };
    format!("? {title}: {}", crate::phrase::EN.target_ask(&ask).text())
}
