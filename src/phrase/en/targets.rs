//! English: a step's target: what it resolved to, its count, the rules, what was
//! typed; the point of no return.

use super::*;
use crate::engine::MAX_MISSES;

pub(super) fn say(book: &English, rec: &Record, names: &dyn Names) -> Phrase {
    let who = &rec.actor.user;
    // The sentence starts with the step it is about, if any.
    let step = || match step_title(rec, names) {
        Some(t) => Phrase::new().plain(format!("{t}: ")),
        None => Phrase::new(),
    };
    match &rec.body {
        Body::TargetResolved { blind: true, .. } => step().plain(
            "the target is resolved; blind confirmation: it is shown once the operator names the target they intend",
        ),
        Body::TargetResolved { resolved, .. } => {
            step().plain("the target resolves to ").code(resolved)
        }
        Body::TargetImpact {
            count,
            unit,
            at_most,
            listed,
        } => {
            let p = step().plain(book.impact(*count, unit.as_deref(), *at_most).text());
            let p = if count > at_most {
                p.marked(Mark::Refused)
            } else {
                p
            };
            match listed.len() {
                0 => p,
                _ => p.plain(": ").code(listed.join("; ")),
            }
        }
        Body::TargetDenied {
            resolved,
            rule,
            pattern,
        } => step()
            .marked(Mark::Refused)
            .plain("target ")
            .code(resolved)
            .plain(format!(" refused by the {rule} rule "))
            .code(pattern),
        Body::TargetConfirmed {
            resolved,
            reused_from: Some(earlier),
            ..
        } => step()
            .plain("target ")
            .code(resolved)
            .plain(" already confirmed at ")
            .code(title(earlier, names))
            .plain(" in this loop pass; not asked again"),
        // The value is not said: a reviewer who must name it blind may read this line.
        Body::TargetConfirmed { blind: true, .. } => step().plain(format!(
            "{who} named the intended target blind, and it is the one the system resolved"
        )),
        Body::TargetConfirmed { typed, .. } => step()
            .plain(format!("{who} typed "))
            .code(typed)
            .plain(", matching the resolved target"),
        Body::NoReturnConfirmed { reason, typed } => step()
            .marked(Mark::Override)
            .plain(format!("{who} passed the point of no return, typing "))
            .code(typed)
            .plain(format!(" — {reason}")),
        // A reviewer's miss is theirs alone: it does not count against the operator's
        // tries (`engine::tries_left`), and the approval still waits.
        // Blind: what was named is said, what the system resolved is not (it would
        // give the answer away to the next try).
        Body::TargetMismatch {
            typed,
            misses,
            blind: true,
            ..
        } => {
            let after = if rec.actor.role == Role::Reviewer {
                "; nothing was approved".to_string()
            } else {
                format!(" (miss {misses} of {MAX_MISSES}); nothing ran")
            };
            step()
                .marked(Mark::Mismatch)
                .plain(format!("{who} named "))
                .code(typed)
                .plain(format!(
                    " blind, which is not the target the system resolved{after}"
                ))
        }
        Body::TargetMismatch {
            resolved, typed, ..
        } if rec.actor.role == Role::Reviewer => step()
            .marked(Mark::Mismatch)
            .plain(format!("{who} typed "))
            .code(typed)
            .plain(", which is not ")
            .code(resolved)
            .plain("; nothing was approved"),
        Body::TargetMismatch {
            resolved,
            typed,
            misses,
            ..
        } => step()
            .marked(Mark::Mismatch)
            .plain(format!("{who} typed "))
            .code(typed)
            .plain(", which is not ")
            .code(resolved)
            .plain(format!(" (miss {misses} of {MAX_MISSES}); nothing ran")),
        // The others are said by the other files of this phrasebook (`mod.rs` sends each
        // record to its file).
        _ => Phrase::new(),
    }
}
