//! Japanese: the words of an export as a 時系列の報告 in a Japanese postmortem is written —
//! plain form (である調), dates as `2023-12-05 17:15`, user-written text kept as written.

use chrono::Datelike;

use super::{DocumentWords, Label, Markup, RollbackLine, Unfinished};
use crate::export::bar_status::BarStatus;
use crate::export::zone::{Time, ZoneChoice};
use crate::journal::record::{Outcome, OverrideKind, Purpose};
use crate::phrase::{JA, Marker, Phrasebook};

pub struct Japanese;

const FALLBACK: &str = "ステップ名はジャーナルの記録どおりで、未実施のステップは載らない";

impl DocumentWords for Japanese {
    fn label(&self, l: Label) -> &'static str {
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
            Warning => "警告:",
            Nobody => "なし",
            NoneYet => "なし。",
            TheRunbook => "手順書",
            ChartRunLane => "実行",
            ChartNotReached => "未実施",
            ChartJournalEnds => "ジャーナル終端",
            ChartNow => "現在",
            ChartInDoubt => "未確定: 終了の記録なし",
            ChartRunning => "実行中",
            LegendOk => "成功",
            LegendFailed => "失敗／拒否",
            LegendRolledBack => "ロールバック済み",
            LegendRollbackRunning => "ロールバック中",
            LegendOpen => "実行中／中断／途絶",
            LegendApproval => "承認",
            LegendFailure => "失敗／拒否",
            LegendRollback => "ロールバック",
            LegendOverride => "オーバーライド",
            LegendFinished => "実行終了",
        }
    }

    fn title(&self, names: &[&str]) -> String {
        format!("時系列の報告: {}", names.join("、"))
    }

    fn zone_line(
        &self,
        label: &str,
        source: ZoneChoice,
        from: Option<&(usize, String)>,
        _day: Option<&str>,
    ) -> String {
        let says = match (source, from) {
            (ZoneChoice::Flag, _) => "--tz で指定した".to_string(),
            (ZoneChoice::Runbook, Some((n, name))) => {
                format!("実行 #{n} の手順書「{name}」の作業時間帯のタイムゾーン")
            }
            (ZoneChoice::Runbook, None) => "手順書の作業時間帯のタイムゾーン".to_string(),
            (ZoneChoice::Local, _) => "このマシンのタイムゾーン".to_string(),
        };
        // The label's offset in full-width brackets, and whose zone said before it rather
        // than in a second bracket: one bracket style, none doubled (issue 17).
        let label = label.replace(" (", "（").replace(')', "）");
        format!("日時は{says} {label}で記す。")
    }

    /// Always with the date, to the minute as the document style writes it
    /// (`2023-12-05 17:15`); to the second in `--full` (`2023-12-05 17:15:42`), where a
    /// minute can hold dozens of rows that would otherwise read alike.
    fn row_time(&self, t: &Time, _multi_day: bool, seconds: bool) -> String {
        let format = if seconds {
            "%Y-%m-%d %H:%M:%S"
        } else {
            "%Y-%m-%d %H:%M"
        };
        t.0.format(format).to_string()
    }

    /// As the timeline writes times (`2023-12-05 17:15`): the zone is stated once, under
    /// the timeline's heading.
    fn moment(&self, t: &Time) -> String {
        t.0.format("%Y-%m-%d %H:%M").to_string()
    }

    fn chart_date(&self, t: &Time) -> String {
        const DAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
        let day = DAYS[t.0.weekday().num_days_from_monday() as usize];
        format!("{}月{}日({day})", t.0.month(), t.0.day())
    }

    fn verdict(&self, outcome: Outcome, exit: u8, reason: Option<&str>) -> String {
        let name = match outcome {
            Outcome::Completed => "完了",
            Outcome::CompletedWithExceptions => "例外ありで完了",
            Outcome::Failed => "失敗",
            Outcome::RolledBack => "ロールバック済み",
            Outcome::Aborted => "中止",
            // A gate may refuse mid-run, after earlier steps ran: not "refused to start".
            Outcome::Refused => "拒否により終了",
        };
        let why = reason.map(|r| format!("：{r}")).unwrap_or_default();
        format!("{name}（終了コード {exit}）{why}")
    }

    fn left_in_place(&self, m: &dyn Markup, steps: &[(&str, &str)]) -> String {
        let list: Vec<String> = steps
            .iter()
            .map(|(title, id)| format!("「{}」（{}）", m.esc(title), m.code(id, true)))
            .collect();
        list.join("、")
    }

    fn verdict_and_left(&self, verdict: &str, left: &str) -> String {
        format!("{verdict}。戻していない変更：{left}")
    }

    fn unfinished_short(&self, u: Unfinished) -> String {
        match u {
            Unfinished::Live { .. } => "実行中: まだ終わっていない".into(),
            // As the chart's lane says it; the reason is sentences of its own, not a
            // bracketed aside holding its own 。
            Unfinished::Halted { reason } => {
                format!("中断（再開可能）: {}", reason.trim_end_matches('。'))
            }
            Unfinished::CutOff { .. } => {
                "途絶: run_finished がないままジャーナルが終わっている（クラッシュまたは強制終了の可能性）"
                    .into()
            }
            Unfinished::Damaged => "不明：終了の記録より前でジャーナルが破損している".into(),
        }
    }

    fn unfinished_long(&self, u: Unfinished, dir: &str, resume: &str) -> String {
        match u {
            Unfinished::Live { at } => format!(
                "実行中: この実行はまだ続いている（別の shisa プロセスが {dir} を保持している）。このエクスポートは {at} 時点のジャーナルを示す"
            ),
            Unfinished::Halted { reason } => {
                // The reason stands as its own sentence: pasted inside brackets it nests
                // its own （…） and reads as a frame around a frame.
                let reason = reason.trim_end_matches('。');
                format!("中断（再開可能）: {reason}。この実行は完了していない。{resume}")
            }
            Unfinished::CutOff { torn } => {
                let torn = torn
                    .map(|n| format!("。最終行が {n} バイトで途切れており、レコードの書き込み中にクラッシュした"))
                    .unwrap_or_default();
                format!(
                    "途絶: ジャーナルが `run_finished` なしで終わっており、実行を保持するプロセスもない。shisa が強制終了されたか、マシンが停止した可能性がある{torn}。その時点で進行中だったステップは未確定。{resume}"
                )
            }
            Unfinished::Damaged => "不明：ジャーナルに `run_finished` はあるが、破損箇所より後にあり信頼できない。この実行がどう終わったかは、このジャーナルからは分からない".into(),
        }
    }

    fn resume_hint(&self, dir: &str) -> String {
        format!("`shisa resume {dir}` で再開できる")
    }

    fn resume_damaged(&self, dir: &str) -> String {
        format!("破損したジャーナルは再開できない（破損箇所は `shisa verify {dir}` で確認できる）")
    }

    fn resume_needs_runbook(&self, why: &str) -> String {
        format!("再開には実行時と同じ手順書が必要（{why}）")
    }

    fn end_unfinished(&self, u: Unfinished, end: &str) -> String {
        match u {
            Unfinished::Live { .. } => format!("未終了: 実行中（最終レコード {end}）"),
            Unfinished::Halted { .. } => format!("未完了: 中断（最終レコード {end}）"),
            Unfinished::CutOff { .. } => format!("未完了: 途絶（最終レコード {end}）"),
            Unfinished::Damaged => {
                format!("不明：終了の記録は破損箇所より後（信頼できる最後のレコード {end}）")
            }
        }
    }

    fn timeline_stops(&self, u: Unfinished) -> &'static str {
        match u {
            Unfinished::Live { .. } => {
                "実行は継続中。これ以降の出来事はこのエクスポートに含まれない。"
            }
            Unfinished::Halted { .. } => {
                "ジャーナルはここで終わる。実行は中断されたままで、完了していない。"
            }
            Unfinished::CutOff { .. } => {
                "ジャーナルは run_finished なしでここで終わる。実行は途絶した。"
            }
            Unfinished::Damaged => {
                "信頼できるジャーナルはここまで。破損箇所より後の行（実行終了の記録を含む）は除外した。"
            }
        }
    }

    fn chain_intact(&self, records: usize, logs: Option<usize>) -> String {
        match logs {
            Some(0) => format!("チェーンは {records} レコードすべて正常、出力ログなし"),
            Some(n) => format!("チェーンは {records} レコードすべて正常、出力ログ {n} 件も一致"),
            None => "チェーンは正常".into(),
        }
    }

    fn chain_broken(&self, line: usize, reason: &str, kept: Option<usize>) -> String {
        match kept {
            Some(n) => {
                format!("{line} 行目で破損: {reason}。それより前の {n} レコードのみを示す")
            }
            None => format!("{line} 行目で破損: {reason}"),
        }
    }

    fn integrity_warning(&self, detail: &str) -> String {
        format!(
            "ジャーナルの完全性: {detail}。このエクスポートは実行の記録ではなく、改ざんまたは破損の証拠として扱うこと。"
        )
    }

    fn runbook_warning(&self, note: &str) -> String {
        format!("手順書: {note}。")
    }

    fn runbook_changed(&self, path: &str, sha: &str) -> String {
        format!("{path} は実行後に変更されている（現在の SHA-256 は {sha}）。{FALLBACK}")
    }

    fn runbook_unreadable(&self, path: &str) -> String {
        format!("{path} を読めないか、もう有効な手順書ではない。{FALLBACK}")
    }

    fn no_run_started(&self) -> String {
        "ジャーナルが run_started で始まっていない".into()
    }

    fn verify_line(&self, m: &dyn Markup, passed: bool, detail: &str) -> String {
        let verdict = if passed {
            "成功".to_string()
        } else {
            m.strong("失敗")
        };
        format!(
            "{}: {verdict}（{}）",
            m.code("shisa verify", false),
            m.esc(detail)
        )
    }

    fn torn_line(&self, bytes: usize) -> String {
        format!(
            "最終行が途切れている（{bytes} バイト）。書き込み中のクラッシュであり、改ざんではない。"
        )
    }

    fn untrusted_line(&self, lines: usize) -> String {
        format!("破損箇所以降の {lines} 行は、このエクスポートから除外した。")
    }

    fn compare_head(&self, m: &dyn Markup) -> String {
        format!(
            "このヘッドを、実行終了時に表示されたものや閲覧者が控えたものと照合すること: {}。",
            m.code("shisa verify RUN_DIR --head HASH", false)
        )
    }

    fn bar_tip(&self, status: &str, took: &str, from: &str) -> String {
        format!("{status}、{from} から {took}")
    }

    fn step_lane(&self, id: &str, status: BarStatus, kind: &str) -> String {
        format!(
            "{id} — {}（{}）",
            self.bar_status(status),
            crate::phrase::kind_ja(kind)
        )
    }

    /// The verdict alone: it names the state already (`完了（終了コード 0）`), and beside
    /// the state word it would nest one bracket in another of another style.
    fn run_lane(&self, id: &str, _status: BarStatus, verdict: &str) -> String {
        format!("{id} — {verdict}")
    }

    fn bar_status(&self, s: BarStatus) -> &'static str {
        match s {
            BarStatus::Ok => "成功",
            BarStatus::Failed => "失敗",
            BarStatus::RolledBack => "ロールバック済み",
            BarStatus::Skipped => "スキップ",
            BarStatus::Continued => "失敗したが続行",
            BarStatus::Overridden => "失敗をオーバーライド",
            BarStatus::Unproven => "未検証のまま受け入れ",
            BarStatus::Running => "実行中",
            BarStatus::InDoubt => "未確定（途絶）",
            BarStatus::Refused => "拒否",
            BarStatus::Halted => "中断（再開可能）",
            BarStatus::Stopped => "未完了で停止",
            BarStatus::NotStarted => "未実施",
        }
    }

    fn target_confirmed(&self) -> String {
        "一致".into()
    }

    fn target_reused(&self, from: &str) -> String {
        format!("再入力なし（「{from}」で確認済み）")
    }

    fn target_mismatch(&self, misses: u32) -> String {
        // 0: a reviewer's miss, which is not counted against the operator's tries.
        if misses == 0 {
            return "不一致（レビュー担当者の入力）。承認されていない".into();
        }
        format!("不一致（3 回中 {misses} 回目）。何も実行していない")
    }

    fn target_confirmed_blind(&self) -> String {
        "ブラインドで一致（表示前に入力した意図する対象が実際の対象と一致）".into()
    }

    fn target_mismatch_blind(&self, intended: &str, resolved: &str, miss: &str) -> String {
        format!("ブラインド: 意図した対象「{intended}」、実際の対象「{resolved}」 — {miss}")
    }

    fn target_impact(&self, count: u64, unit: Option<&str>, at_most: u64) -> String {
        let what = unit.map(|u| format!(" {u}")).unwrap_or_default();
        if count > at_most {
            format!("影響範囲: {count}{what}。上限 {at_most} を超えるため拒否")
        } else {
            format!("影響範囲: {count}{what}（上限 {at_most}）")
        }
    }

    fn target_denied(&self, rule: &str, pattern: &str) -> String {
        format!("拒否: {rule} ルール '{pattern}' に該当")
    }

    fn approval_result(&self, self_approved: bool, refused: Option<&str>) -> String {
        match (refused, self_approved) {
            (Some(r), _) => format!("拒否: {r}"),
            (None, true) => "本人が承認".into(),
            (None, false) => "承認".into(),
        }
    }

    fn override_what(&self, kind: Option<OverrideKind>, step: Option<&str>) -> String {
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

    fn waiver_what(&self, guard: &str, step: &str) -> String {
        format!("{guard} ガード（{step}）")
    }

    fn note_on_done(&self, note: &str) -> String {
        format!("（ステップ完了時）{note}")
    }

    fn failure_status(
        &self,
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
        if attempt > 1 {
            status.push(format!("{attempt} 回目"));
        }
        (!status.is_empty()).then(|| status.join("、"))
    }

    /// 「手順」の確認 2: the step in brackets as every timeline row names it, then which
    /// command, joined with の (not an English comma and a bare noun).
    fn failure_heading(&self, step: &str, p: Option<Purpose>) -> String {
        match p {
            Some(p) => format!("「{step}」の{}", crate::phrase::purpose_ja(p)),
            None => format!("「{step}」"),
        }
    }

    fn failure_command(&self, m: &dyn Markup, command: &str) -> String {
        format!("コマンド: {}", m.code(command, false))
    }

    fn failure_state(&self, status: &str) -> String {
        format!("状態: {status}")
    }

    fn failure_reason(&self, m: &dyn Markup, reason: &str) -> String {
        format!(
            "失敗の内容: {}",
            m.rich(&crate::export::text::Text::ticked(reason))
        )
    }

    fn failure_last_lines(&self, m: &dyn Markup, n: usize, log: &str) -> String {
        format!("{} の最後の {n} 行:", m.code(log, false))
    }

    fn failure_log_problem(&self, m: &dyn Markup, log: &str, problem: &str) -> String {
        format!("出力ログ {}: {}", m.code(log, false), m.esc(problem))
    }

    fn log_none(&self) -> String {
        "出力ログは記録されていない".into()
    }

    fn log_empty(&self) -> String {
        "コマンドは何も出力しなかった".into()
    }

    fn log_outside(&self, log: &str) -> String {
        format!("ログのパス `{log}` が実行ディレクトリの外を指すため、読んでいない")
    }

    fn rollback_line(&self, m: &dyn Markup, r: &RollbackLine) -> String {
        let plan = if r.plan.is_empty() {
            "戻すステップはない".to_string()
        } else {
            let steps: Vec<String> = r.plan.iter().map(|p| format!("「{}」", m.esc(p))).collect();
            match steps.as_slice() {
                [one] => format!("{one}を戻す"),
                many => format!("{}の順に戻す", many.join("→")),
            }
        };
        let result = match r.ok {
            Some(true) => format!("{} に完了し、すべて戻した", r.finished),
            Some(false) => format!(
                "{}: 失敗したロールバックコマンドを飛ばして終了した",
                m.strong("不完全")
            ),
            None => format!("ジャーナルの終わりまでに{}", m.strong("完了していない")),
        };
        let label = JA.label(Marker::Rollback);
        format!(
            "{} {} {} が開始: {plan}。{result}。",
            r.at,
            m.marker("ROLLBACK", label),
            m.esc(r.by)
        )
    }

    fn rollback_without(&self, m: &dyn Markup, steps: &[String]) -> String {
        let steps: Vec<String> = steps.iter().map(|p| format!("「{}」", m.esc(p))).collect();
        format!("ロールバックが定義されていない: {}", steps.join("、"))
    }

    fn rollback_command_result(
        &self,
        ok: bool,
        exit: Option<i32>,
        failure: Option<&str>,
    ) -> String {
        match (failure, exit) {
            (Some(f), _) if !ok => format!(" — 失敗: {f}"),
            (_, Some(code)) => format!(" → 終了コード {code}"),
            _ => String::new(),
        }
    }

    /// The step in 「」 as every timeline row names it.
    fn rollback_command_lead(&self, at: &str, step: &str) -> String {
        format!("{at} 「{step}」: ")
    }

    fn wrote(&self, format: &str, runs: &[&str], path: &str) -> String {
        let runs = runs.join("、");
        format!("実行 {runs} の {format} エクスポートを {path} に書き出した")
    }
}
