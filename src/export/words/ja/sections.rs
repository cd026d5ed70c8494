//! Japanese: the words of the sections after the timeline — targets, approvals, overrides,
//! failures and rollbacks.

use super::super::{Markup, RollbackLine};
use crate::journal::record::{OverrideKind, Purpose};
use crate::phrase::quote_ja as quote;
use crate::phrase::{JA, Marker, Phrasebook};

pub fn target_confirmed() -> String {
    "一致".into()
}

pub fn target_reused(from: &str) -> String {
    format!("再入力なし（{q_from}で確認済み）", q_from = quote(from))
}

pub fn target_mismatch(misses: u32) -> String {
    // 0: a reviewer's miss, which is not counted against the operator's tries.
    if misses == 0 {
        return "不一致（レビュー担当者の入力）。承認されていない".into();
    }
    format!("不一致（3 回中 {misses} 回目）。何も実行していない")
}

pub fn target_confirmed_blind() -> String {
    "ブラインドで一致（表示前に入力した意図する対象が実際の対象と一致）".into()
}

pub fn target_mismatch_blind(intended: &str, resolved: &str, miss: &str) -> String {
    format!(
        "ブラインド：意図した対象{q_intended}、実際の対象{q_resolved}。{miss}",
        q_intended = quote(intended),
        q_resolved = quote(resolved)
    )
}

pub fn target_impact(count: u64, unit: Option<&str>, at_most: u64) -> String {
    let what = unit.map(|u| format!(" {u}")).unwrap_or_default();
    if count > at_most {
        format!("影響範囲：{count}{what}。上限 {at_most} を超えるため拒否")
    } else {
        format!("影響範囲：{count}{what}（上限 {at_most}）")
    }
}

pub fn target_denied(rule: &str, pattern: &str) -> String {
    if rule == "deny" {
        format!("拒否ルール '{pattern}' に該当するため拒否")
    } else {
        format!("{rule} のパターン '{pattern}' に一致しないため拒否")
    }
}

pub fn approval_result(self_approved: bool, refused: Option<&str>) -> String {
    match (refused, self_approved) {
        (Some(r), _) => format!("拒否：{r}"),
        (None, true) => "本人が承認".into(),
        (None, false) => "承認".into(),
    }
}

pub fn override_what(kind: Option<OverrideKind>, step: Option<&str>) -> String {
    let what = match kind {
        Some(OverrideKind::Window) => "作業時間帯",
        Some(OverrideKind::Precheck) => "事前チェック",
        Some(OverrideKind::Clock) => "時計",
        None => "未確定ステップ",
    };
    match step {
        Some(s) => format!("{what}（{s}）"),
        None => what.to_string(),
    }
}

pub fn waiver_what(guard: &str, step: &str) -> String {
    format!("{}ガード（{step}）", crate::phrase::guard_ja(guard))
}

pub fn note_on_done(note: &str) -> String {
    format!("（ステップ完了時）{note}")
}

pub fn failure_status(
    exit: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
    attempt: u32,
) -> Option<String> {
    let mut status = Vec::new();
    status.extend(exit.map(|c| format!("終了コード {c}")));
    status.extend(signal.map(|s| format!("シグナル {s}")));
    if timed_out {
        status.push("タイムアウト".into());
    }
    let status = status.join("、");
    // Listed as a failure, an exit 0 is one whose output missed what was expected: said,
    // so that the line does not read as a success, the attempt after it (fourth cold
    // read, N4).
    if (exit, signal, timed_out) == (Some(0), None, false) {
        let miss = "終了コード 0 だが出力が期待と異なる";
        return Some(if attempt > 1 {
            format!("{miss}（{attempt} 回目の試行）")
        } else {
            miss.into()
        });
    }
    // Which attempt first, as Japanese orders it: 15 回目の試行で終了コード 1.
    match (attempt > 1, status.is_empty()) {
        (true, true) => Some(format!("{attempt} 回目の試行")),
        (true, false) => Some(format!("{attempt} 回目の試行で{status}")),
        (false, true) => None,
        (false, false) => Some(status),
    }
}

/// 「手順」の検証 2: the step in brackets as every timeline row names it, then which
/// command, joined with の (not an English comma and a bare noun).
pub fn failure_heading(step: &str, p: Option<Purpose>) -> String {
    match p {
        Some(p) => format!(
            "{q_step}の{}",
            crate::phrase::purpose_ja(p),
            q_step = quote(step)
        ),
        None => quote(step),
    }
}

pub fn failure_command(m: &dyn Markup, command: &str) -> String {
    format!("コマンド：{}", m.code(command, false))
}

pub fn failure_state(status: &str) -> String {
    format!("状態：{status}")
}

pub fn failure_reason(m: &dyn Markup, reason: &str) -> String {
    format!(
        "失敗の内容：{}",
        m.rich(&crate::export::text::Text::ticked(reason))
    )
}

pub fn failure_last_lines(m: &dyn Markup, n: usize, log: &str) -> String {
    format!("{} の最後の {n} 行：", m.code(log, false))
}

pub fn failure_log_problem(m: &dyn Markup, log: &str, problem: &str) -> String {
    format!("出力ログ {}：{}", m.code(log, false), m.esc(problem))
}

pub fn log_none() -> String {
    "出力ログは記録されていない".into()
}

pub fn log_empty() -> String {
    "コマンドは何も出力しなかった".into()
}

pub fn log_outside(log: &str) -> String {
    format!("ログのパス `{log}` が実行ディレクトリの外を指すため、読んでいない")
}

pub fn rollback_line(m: &dyn Markup, r: &RollbackLine) -> String {
    let plan = if r.plan.is_empty() {
        "戻すステップはない".to_string()
    } else {
        let steps: Vec<String> = r.plan.iter().map(|p| quote(&m.esc(p))).collect();
        match steps.as_slice() {
            [one] => format!("{one}を戻す"),
            many => format!("{}の順に戻す", many.join("→")),
        }
    };
    let result = match r.ok {
        Some(true) if r.kept.is_empty() => {
            format!("{} に完了し、すべての変更を戻した", r.finished)
        }
        Some(true) => {
            let kept: Vec<String> = r.kept.iter().map(|p| quote(&m.esc(p))).collect();
            format!(
                "{} に完了した。そのまま残した：{}",
                r.finished,
                kept.join("、")
            )
        }
        Some(false) => format!(
            "{}：失敗したロールバックコマンドを飛ばして終了した",
            m.strong("不完全")
        ),
        None => format!("ジャーナルの終わりまでに{}", m.strong("完了していない")),
    };
    let label = JA.label(Marker::Rollback);
    format!(
        "{} {} {} が開始：{plan}。{result}。",
        r.at,
        m.marker("ROLLBACK", label),
        m.esc(r.by)
    )
}

pub fn rollback_without(m: &dyn Markup, steps: &[String]) -> String {
    let steps: Vec<String> = steps.iter().map(|p| quote(&m.esc(p))).collect();
    format!("ロールバックが定義されていない：{}", steps.join("、"))
}

pub fn rollback_command_result(ok: bool, exit: Option<i32>, failure: Option<&str>) -> String {
    match (failure, exit) {
        (Some(f), _) if !ok => format!(" が失敗。{f}"),
        (_, Some(code)) => format!(" → 終了コード {code}"),
        _ => String::new(),
    }
}

/// The step in 「」 as every timeline row names it.
pub fn rollback_command_lead(at: &str, step: &str) -> String {
    format!("{at} {q_step}：", q_step = quote(step))
}
