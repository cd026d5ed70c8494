//! Japanese: the run as a whole: its start, the window, overrides, watchers, halts,
//! rollbacks and its end.

use super::*;
use crate::engine::messages::unexplained_abort;

pub(super) fn say(book: &Japanese, rec: &Record, names: &dyn Names) -> Phrase {
    let who = &rec.actor.user;
    // The step a sentence is about, in 「」, followed by a colon.
    let step = || match step_title(rec, names) {
        Some(t) => Phrase::new().plain(format!("{q_t}：", q_t = quote(&t))),
        None => Phrase::new(),
    };
    match &rec.body {
        Body::RunStarted {
            run_id,
            runbook,
            mode,
            env,
            rehearsal,
            ..
        } => {
            let place = env
                .as_ref()
                .map(|e| format!("環境 {e}、"))
                .unwrap_or_default();
            let p = Phrase::new()
                .plain(format!(
                    "{who} が {} で手順書{}の実行 ",
                    rec.actor.host,
                    quote(&runbook.name)
                ))
                .code(run_id)
                .plain(format!(" を開始（{place}{mode} モード、手順書の SHA-256 "))
                .code(short(&runbook.sha256))
                .plain("）");
            match rehearsal {
                Some(r) => p
                    .plain(format!("。根拠は {} でのリハーサル実行 ", r.env))
                    .code(&r.run_id)
                    .plain(format!(
                        "（{} に完了、ジャーナル検証済み、チェーンヘッド ",
                        r.finished
                    ))
                    .code(short(&r.chain_head))
                    .plain("）"),
                None => p,
            }
        }
        Body::WindowChecked {
            inside: true,
            local,
            ..
        } => Phrase::new().plain(format!(
            "作業時間帯内であることを確認（{}）",
            reasons::local(local)
        )),
        // The reason names the local time with its weekday in （）: said once, outside any
        // bracket, so brackets never nest (an old journal's sentence keeps the time first).
        Body::WindowChecked {
            why: Some(shut), ..
        } => Phrase::new()
            .marked(Mark::WindowClosed)
            .ticked(&book.shut(shut)),
        Body::WindowChecked { local, reason, .. } => Phrase::new()
            .marked(Mark::WindowClosed)
            .plain(format!("作業時間帯外（{}）：", reasons::local(local)))
            .ticked(reason.as_deref().unwrap_or("許可された時間帯の外")),
        Body::Override { what, reason } => {
            let text = match what {
                OverrideKind::Clock => format!("この実行では時計を偽装している：{reason}"),
                OverrideKind::Window => {
                    format!("{who} が作業時間帯外での開始を決定：{q_reason}", q_reason = quote(reason))
                }
                OverrideKind::Precheck => {
                    format!("{who} が失敗した事前チェックをオーバーライド：{q_reason}", q_reason = quote(reason))
                }
            };
            step().marked(Mark::Override).plain(text)
        }
        Body::Waiver { guard, reason } => step().marked(Mark::Waived).plain(format!(
            "手順書が{}ガードを免除している：{q_reason}",
            words::guard_words(guard), q_reason = quote(reason))),
        Body::RollbackStarted {
            plan,
            without_rollback,
            kept,
            pass_only,
        } => {
            let titles = |ids: &[String]| -> Vec<String> {
                ids.iter()
                    .map(|id| quote(&title(id, names)))
                    .collect()
            };
            let mut s = if plan.is_empty() {
                "戻すステップはない".to_string()
            } else {
                match titles(plan).as_slice() {
                    [one] => format!("{one}を戻す"),
                    many => format!("{}の順に戻す", many.join("→")),
                }
            };
            if !without_rollback.is_empty() {
                let none = titles(without_rollback).join("、");
                s.push_str(&format!("（ロールバックが定義されていない：{none}）"));
            }
            if *pass_only {
                s = format!("このループ回だけ：{s}");
            }
            if !kept.is_empty() {
                let stay = titles(kept).join("、");
                s.push_str(&format!("。そのまま残す：{stay}"));
            }
            Phrase::new().marked(Mark::Rollback).plain(s)
        }
        Body::RollbackRequested { reason } => Phrase::new().marked(Mark::Rollback).plain(format!(
            "{who} が残った変更のロールバックを要求：{q_reason}", q_reason = quote(reason))),
        Body::RollbackFinished {
            ok: true,
            undone,
            kept,
        } if !kept.is_empty() => {
            let titles = |ids: &[String]| -> String {
                let t: Vec<String> = ids.iter().map(|id| quote(&title(id, names))).collect();
                t.join("、")
            };
            let done = if undone.is_empty() {
                "戻した変更はない".to_string()
            } else {
                format!("戻した：{}", titles(undone))
            };
            Phrase::new().marked(Mark::Rollback).plain(format!(
                "ロールバック完了。{done}。そのまま残した：{}",
                titles(kept)
            ))
        }
        Body::RollbackFinished { ok: true, .. } => Phrase::new()
            .marked(Mark::Rollback)
            .plain("ロールバック完了。すべての変更を戻した"),
        Body::RollbackFinished { ok: false, .. } => Phrase::new()
            .marked(Mark::Failed)
            .plain("ロールバックは不完全なまま終了：失敗したロールバックコマンドを飛ばした"),
        Body::WatcherJoined { watcher } => Phrase::new().plain(format!("{watcher} が閲覧を開始")),
        // Why after " — " when the watcher did not simply leave (dropped, its process gone).
        Body::WatcherLeft { watcher } => match watcher.split_once(" — ") {
            Some((who, why)) if why == crate::engine::messages::PROCESS_ENDED => {
                Phrase::new().plain(format!("{who} が閲覧を終了：実行のプロセスが終了したため"))
            }
            // Other reasons are journaled in English: quoted as written.
            Some((who, why)) => Phrase::new().plain(format!("{who} が閲覧を終了：{why}")),
            None => Phrase::new().plain(format!("{watcher} が閲覧を終了")),
        },
        Body::ClientRefused { who, reason } => Phrase::new()
            .marked(Mark::Refused)
            .plain(format!("共有セッションが {who} の接続を拒否：{reason}")),
        Body::RunInterrupted { reason, why } => {
            let reason = said(why.as_ref(), Some(reason), |w| book.halt(w)).unwrap_or_default();
            Phrase::new()
                .marked(Mark::Interrupted)
                .plain("実行を中断：")
                .ticked(&reason)
        }
        Body::RunResumed { in_doubt } => {
            let p = Phrase::new().marked(Mark::Resumed);
            match in_doubt {
                Some(id) => p.plain(format!(
                    "{who} が実行を再開。{}は未確定だった",
                    quote(&title(id, names))
                )),
                None => p.plain(format!("{who} が実行を再開")),
            }
        }
        Body::JournalRecovered { moved_to, bytes } => Phrase::new()
            .plain(format!(
                "ジャーナルの途切れた最終行（{bytes} バイト。書き込み中のクラッシュによる可能性が高い）を "
            ))
            .code(moved_to)
            .plain(" に退避"),
        Body::CaptureRerun {
            needed_by,
            names,
            mutating,
        } => {
            let p = step()
                .marked(Mark::Resumed)
                .plain("実行の停止で失われた ")
                .code(names.join(", "))
                .plain(" を取得し直すため再実行（")
                .code(needed_by)
                .plain(" が使う）");
            if *mutating {
                p.plain("。変更を伴うため、変更をもう一度行い、対象の確認と承認もやり直す")
            } else {
                p
            }
        }
        Body::RunbookChanged {
            to_sha256,
            reason,
            changed,
            added,
            removed,
            ..
        } => {
            let list = |what: &str, ids: &[String]| match ids {
                [] => String::new(),
                ids => format!("、{what}：{}", ids.join(", ")),
            };
            Phrase::new()
                .marked(Mark::Resumed)
                .plain(format!("{who} が編集後の手順書（SHA-256 "))
                .code(&to_sha256[..to_sha256.len().min(12)])
                .plain(format!(
                    "）で続行。完了済みのステップは変更なし{}{}{}。理由：{q_reason}",
                    list("変更", changed),
                    list("追加", added),
                    list("削除", removed), q_reason = quote(reason)))
        }
        Body::RunFinished {
            outcome,
            exit_code,
            reason,
            why,
        } => {
            let mark = match outcome {
                Outcome::Completed => Mark::Completed,
                Outcome::CompletedWithExceptions => Mark::Exceptions,
                Outcome::RolledBack => Mark::RolledBack,
                Outcome::Aborted => Mark::Aborted,
                Outcome::Refused => Mark::Refused,
                Outcome::Failed => Mark::Failed,
            };
            // The failed step by its title, as every other row names it (fourth cold read).
            let titled = match why {
                Some(RunEnd::RolledBack {
                    failed: Some(id),
                    checks,
                }) => names
                    .title_of(id)
                    .map(|t| book.rolled_back_after(&t, checks, None)),
                _ => None,
            };
            let why = titled
                .or_else(|| run_end_said(book, why.as_ref(), reason.as_deref(), who))
                .map(|r| format!("：{r}"))
                .unwrap_or_default();
            Phrase::new()
                .marked(mark)
                .plain(format!("実行終了（終了コード {exit_code}）"))
                .ticked(&why)
        }
        // The others are said by the other files of this phrasebook (`mod.rs` sends each
        // record to its file).
        _ => Phrase::new(),
    }
}

/// An abort's row: who, where, why (unless the engine's sentence only says the operator
/// aborted, which the row's start already says) and what stays in place.
pub(super) fn aborted_at(
    book: &Japanese,
    rec: &Record,
    at: Option<&str>,
    left: &[String],
    undone: Option<&str>,
) -> Phrase {
    let who = &rec.actor.user;
    let Body::RunFinished {
        exit_code,
        reason,
        why,
        ..
    } = &rec.body
    else {
        return Phrase::new();
    };
    let head = match at {
        Some(step) => format!(
            "{who} が{q_step}で中止（終了コード {exit_code}）",
            q_step = quote(step)
        ),
        None => format!("{who} が中止（終了コード {exit_code}）"),
    };
    let words = match reason.as_deref().and_then(unexplained_abort) {
        Some(AbortedAt::Elsewhere) => None,
        _ => run_end_said(book, why.as_ref(), reason.as_deref(), who),
    };
    let left = match left {
        [] => String::new(),
        titles => {
            let named: Vec<String> = titles.iter().map(|t| quote(t).to_string()).collect();
            // Until a later rollback, if one came: in place from the abort to then.
            let until = undone
                .map(|t| format!("（{t} にロールバック）"))
                .unwrap_or_default();
            format!("。{}の変更は戻していない{until}", named.join("、"))
        }
    };
    Phrase::new()
        .marked(Mark::Aborted)
        .plain(head)
        .ticked(&words.map(|r| format!("：{r}")).unwrap_or_default())
        .plain(left)
}
