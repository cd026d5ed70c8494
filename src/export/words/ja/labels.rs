//! Japanese: the document's fixed words and headings, and the chart's words for a step's
//! state and its tooltips.

use super::super::Label;
use crate::export::bar_status::BarStatus;

pub fn label(l: Label) -> &'static str {
    use Label::*;
    match l {
        Summary => "概要",
        Runs => "実行一覧",
        Timeline => "時系列",
        Snapshots => "取得したスナップショット",
        Targets => "対象の確認",
        Approvals => "承認",
        Failures => "失敗",
        Rollbacks => "ロールバック",
        Overrides => "オーバーライドと免除",
        Notes => "メモ",
        Integrity => "ジャーナルの完全性",
        Runbook => "手順書",
        RunId => "実行 ID",
        Run => "実行",
        Operator => "作業者",
        Reviewers => "レビュアー",
        Watchers => "閲覧者",
        Host => "ホスト",
        Start => "開始",
        End => "終了",
        Duration => "所要時間",
        Outcome => "結果",
        Parameters => "パラメーター",
        ChainHead => "ジャーナルのチェーンヘッド",
        LastIntactHead => "破損前の最後のレコードのハッシュ",
        LeftInPlace => "戻していない変更",
        Clock => "時計",
        Environment => "環境",
        RehearsalRun => "リハーサル実行",
        RehearsalFinished => "リハーサル完了日時",
        RehearsalChainHead => "リハーサルのジャーナルのチェーンヘッド（検証済み）",
        Time => "日時",
        Actor => "実施者",
        Event => "内容",
        Step => "ステップ",
        Captured => "取得値",
        OutputLog => "出力ログ",
        Resolved => "実際の対象",
        Typed => "入力値",
        By => "実施者",
        Result => "結果",
        Reviewer => "レビュアー",
        Kind => "種別",
        What => "対象",
        Reason => "理由",
        From => "記入者",
        Note => "メモ",
        Records => "レコード数",
        Verify => "ジャーナル",
        Warning => "警告：",
        Nobody => "なし",
        NoneYet => "なし。",
        TheRunbook => "手順書",
        FromTheRunbook => "（手順書）",
        ChartRunLaneTip => "実行全体の出来事：承認、失敗、ロールバック、オーバーライド、終了",
        ChartRunLane => "実行",
        ChartNotReached => "未実施",
        ChartJournalEnds => "ジャーナル終端",
        ChartJournalBreaks => "破損箇所",
        ChartDamaged => "破損：以降の記録は除外",
        LegendDamaged => "破損",
        LegendAborted => "中止",
        ChartNow => "現在",
        ChartInDoubt => "未確定：終了の記録なし",
        ChartRunning => "実行中",
        LegendOk => "成功",
        LegendFailed => "失敗／拒否",
        LegendRolledBack => "ロールバック済み",
        LegendRollbackRunning => "ロールバック中",
        LegendOpen => "実行中／中断／異常終了",
        LegendApproval => "承認",
        LegendFailure => "失敗／拒否",
        LegendRollback => "ロールバック",
        LegendOverride => "オーバーライド",
        LegendFinished => "実行終了",
    }
}

pub fn bar_status(s: BarStatus) -> &'static str {
    match s {
        BarStatus::Ok => "成功",
        BarStatus::Failed => "失敗",
        BarStatus::RolledBack => "ロールバック済み",
        BarStatus::Skipped => "スキップ",
        BarStatus::Continued => "失敗したが続行",
        BarStatus::Overridden => "失敗をオーバーライド",
        BarStatus::Unproven => "未検証のまま受け入れ",
        BarStatus::Running => "実行中",
        BarStatus::InDoubt => "未確定（異常終了）",
        BarStatus::Refused => "拒否",
        BarStatus::Halted => "中断（再開可能）",
        BarStatus::Stopped => "未完了で停止",
        BarStatus::Damaged => "破損",
        BarStatus::Aborted => "中止",
        BarStatus::NotStarted => "未実施",
    }
}

/// A bar's state said once, then its time: a step cut off or past the damage has no end,
/// so it says when it started and how far the record goes (issue 17, third cold read).
pub fn bar_tip(status: BarStatus, took: &str, from: &str) -> String {
    let word = bar_status(status);
    match status {
        BarStatus::InDoubt => format!("{word}：{from} に開始、終了の記録なし"),
        BarStatus::Damaged => format!("{word}：{from} に開始、破損前の最後のレコードまで {took}"),
        BarStatus::Running => format!("{word}：{from} に開始"),
        _ => format!("{word}、{from} から {took}"),
    }
}

/// The kind as the timeline says it: a changing action is one word, 変更作業.
pub fn step_lane(id: &str, status: BarStatus, kind: &str, mutating: bool) -> String {
    let kind = match (kind, mutating) {
        ("action", true) => "変更作業".to_string(),
        (k, true) => format!("{}、変更を伴う", crate::phrase::kind_ja(k)),
        (k, false) => crate::phrase::kind_ja(k).to_string(),
    };
    format!("{id} — {}（{kind}）", bar_status(status))
}

/// The verdict alone: it names the state already (`完了（終了コード 0）`), and beside
/// the state word it would nest one bracket in another of another style.
pub fn run_lane(id: &str, _status: BarStatus, verdict: &str) -> String {
    format!("{id} — {verdict}")
}
