//! Japanese: a step's target: what it resolved to, its count, the rules, what was
//! typed; the point of no return.

use super::*;
use crate::engine::MAX_MISSES;

pub(super) fn say(book: &Japanese, rec: &Record, names: &dyn Names) -> Phrase {
    let who = &rec.actor.user;
    // The step a sentence is about, in 「」, followed by a colon.
    let step = || match step_title(rec, names) {
        Some(t) => Phrase::new().plain(format!("{q_t}：", q_t = quote(&t))),
        None => Phrase::new(),
    };
    match &rec.body {
        Body::TargetResolved { blind: true, .. } => step().plain(
            "対象を取得した。ブラインド確認のため、作業者が意図する対象を入力するまで表示しない",
        ),
        Body::TargetResolved { resolved, .. } => step().plain("実際の対象は ").code(resolved),
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
                _ => p.plain("：").code(listed.join("; ")),
            }
        }
        // `deny` names what must never be touched (拒否ルール); any other rule, what the
        // target must match, so a refusal there is a miss, not a match.
        Body::TargetDenied {
            resolved,
            rule,
            pattern,
        } if rule == "deny" => step()
            .marked(Mark::Refused)
            .plain("対象 ")
            .code(resolved)
            .plain(" は拒否ルール ")
            .code(pattern)
            .plain(" に該当するため拒否"),
        Body::TargetDenied {
            resolved,
            rule,
            pattern,
        } => step()
            .marked(Mark::Refused)
            .plain("対象 ")
            .code(resolved)
            .plain(format!(" は {rule} のパターン "))
            .code(pattern)
            .plain(" に一致しないため拒否"),
        Body::TargetConfirmed {
            resolved,
            reused_from: Some(earlier),
            ..
        } => step()
            .plain("対象 ")
            .code(resolved)
            .plain(" は、このループの同じ回の「")
            .plain(title(earlier, names))
            .plain("」で確認済みのため、再入力は求めない"),
        Body::TargetConfirmed { blind: true, .. } => step().plain(format!(
            "{who} が意図する対象をブラインドで入力し、実際の対象と一致"
        )),
        Body::TargetConfirmed { typed, .. } => step()
            .plain(format!("{who} が "))
            .code(typed)
            .plain(" と入力し、実際の対象と一致"),
        Body::NoReturnConfirmed { reason, typed } => step()
            .marked(Mark::Override)
            .plain(format!("{who} が "))
            .code(typed)
            .plain(format!(
                " と入力し、後戻りできない地点を越えた。理由：{reason}"
            )),
        Body::TargetMismatch {
            typed,
            misses,
            blind: true,
            ..
        } => {
            let after = if rec.actor.role == Role::Reviewer {
                "。承認されていない".to_string()
            } else {
                format!("（{MAX_MISSES} 回中 {misses} 回目）。何も実行していない")
            };
            step()
                .marked(Mark::Mismatch)
                .plain(format!("{who} がブラインドで "))
                .code(typed)
                .plain(format!(" と入力したが、実際の対象と一致しない{after}"))
        }
        Body::TargetMismatch {
            resolved, typed, ..
        } if rec.actor.role == Role::Reviewer => step()
            .marked(Mark::Mismatch)
            .plain(format!("{who} が "))
            .code(typed)
            .plain(" と入力したが、実際の対象 ")
            .code(resolved)
            .plain(" と一致しない。承認されていない"),
        Body::TargetMismatch {
            resolved,
            typed,
            misses,
            ..
        } => step()
            .marked(Mark::Mismatch)
            .plain(format!("{who} が "))
            .code(typed)
            .plain(" と入力したが、実際の対象 ")
            .code(resolved)
            .plain(format!(
                " と一致しない（{MAX_MISSES} 回中 {misses} 回目）。何も実行していない"
            )),
        // The others are said by the other files of this phrasebook (`mod.rs` sends each
        // record to its file).
        _ => Phrase::new(),
    }
}
