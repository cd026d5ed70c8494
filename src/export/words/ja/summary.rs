//! Japanese: how a run ended or stands, as the summary, the runs table and the timeline's
//! last line say it.

use super::super::{CutAt, CutStep, Markup, Unfinished};
use crate::journal::record::Outcome;
use crate::phrase::quote_ja as quote;

pub fn verdict(outcome: Outcome, exit: u8, reason: Option<&str>) -> String {
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

pub fn left_in_place(m: &dyn Markup, steps: &[(&str, &str, bool)]) -> String {
    let list: Vec<String> = steps
        .iter()
        .map(|(title, id, doubt)| {
            // As the cut-off warning says it, inside the id's bracket: none stands beside
            // another.
            let doubt = if *doubt {
                "、適用されたかは不明"
            } else {
                ""
            };
            format!("{}（{}{doubt}）", quote(&m.esc(title)), m.code(id, true))
        })
        .collect();
    list.join("、")
}

pub fn left_past_damage(left: &str) -> String {
    match left {
        "" => "不明（破損箇所より後は確かめられない）".into(),
        left => format!(
            "不明（破損箇所より後は確かめられない）。破損前の最後のレコードまでに着手した変更：{left}"
        ),
    }
}

pub fn verdict_and_left(verdict: &str, left: &str) -> String {
    format!("{verdict}。戻していない変更：{left}")
}

pub fn unfinished_short(u: Unfinished) -> String {
    match u {
        Unfinished::Live { .. } => "実行中：まだ終わっていない".into(),
        // As the chart's lane says it; the reason is sentences of its own, not a
        // bracketed aside holding its own 。
        Unfinished::Halted { reason } => {
            format!("中断（再開可能）：{}", reason.trim_end_matches('。'))
        }
        // A cut-off run ended abnormally, and its record stops: both are its outcome.
        Unfinished::CutOff { .. } => {
            "異常終了（記録途絶）：`run_finished` がないままジャーナルが終わっている。クラッシュまたは強制終了の可能性がある"
                .into()
        }
        Unfinished::Damaged => "不明：終了の記録より前でジャーナルが破損している".into(),
    }
}

pub fn unfinished_long(u: Unfinished, dir: &str, resume: &str) -> String {
    match u {
        Unfinished::Live { at } => format!(
            "実行中：この実行はまだ続いている（別の shisa プロセスが {dir} を保持している）。このエクスポートは {at} 時点のジャーナルを示す。"
        ),
        Unfinished::Halted { reason } => {
            // The reason stands as its own sentence: pasted inside brackets it nests
            // its own （…） and reads as a frame around a frame.
            let reason = reason.trim_end_matches('。');
            format!("中断（再開可能）：{reason}。この実行は完了していない。{resume}。")
        }
        Unfinished::CutOff { torn, doubt, unchanged } => {
            let torn = torn
                .map(|n| format!("。最終行が {n} バイトで途切れており、レコードの書き込み中にクラッシュした可能性が高い"))
                .unwrap_or_default();
            let awaiting = |d: &&CutStep| matches!(d.at, CutAt::Awaiting { .. });
            let mut said: Vec<String> = doubt.iter().filter(awaiting).map(cut_step).collect();
            let changes: Vec<String> = doubt.iter().filter(|d| d.mutating && !awaiting(d)).map(cut_step).collect();
            let others: Vec<String> = doubt.iter().filter(|d| !d.mutating && !awaiting(d)).map(|d| quote(&d.title)).collect();
            // A change in doubt is what matters; read-only steps are named only without one.
            if !changes.is_empty() {
                said.extend(changes);
            } else if !others.is_empty() {
                said.push(format!("{}は終わっていない", others.join("、")));
            }
            if said.is_empty() {
                said.push("その時点で進行中だったステップは未確定".into());
            }
            if unchanged {
                said.push("この実行では変更は行っていない".into());
            }
            let doubt = said.join("。");
            format!(
                "異常終了（記録途絶）：ジャーナルが `run_finished` なしで終わっており、この実行のプロセスも残っていない。shisa が強制終了されたか、マシンが停止した可能性がある{torn}。{doubt}。{resume}。"
            )
        }
        Unfinished::Damaged => "不明：ジャーナルに `run_finished` はあるが、破損箇所より後にあり信頼できない。この実行がどう終わったかは、このジャーナルからは分からない。".into(),
    }
}

pub fn resume_hint(dir: &str) -> String {
    format!("`shisa resume {dir}` で再開できる")
}

pub fn resume_damaged(dir: &str) -> String {
    format!("破損したジャーナルは再開できない（破損箇所は `shisa verify {dir}` で確認できる）")
}

pub fn resume_needs_runbook(why: &str) -> String {
    format!("再開には実行時と同じ手順書が必要（{why}）")
}

pub fn end_unfinished(u: Unfinished, end: &str) -> String {
    match u {
        Unfinished::Live { .. } => format!("未終了：実行中（最終レコード {end}）"),
        Unfinished::Halted { .. } => format!("未完了：中断（最終レコード {end}）"),
        Unfinished::CutOff { .. } => format!("未完了：異常終了（記録途絶、最終レコード {end}）"),
        Unfinished::Damaged => {
            format!("不明：終了の記録は破損箇所より後（破損前の最後のレコード {end}）")
        }
    }
}

pub fn timeline_stops(u: Unfinished) -> &'static str {
    match u {
        Unfinished::Live { .. } => "実行は継続中。これ以降の出来事はこのエクスポートに含まれない。",
        Unfinished::Halted { .. } => {
            "ジャーナルはここで終わる。実行は中断されたままで、完了していない。"
        }
        Unfinished::CutOff { .. } => {
            "ジャーナルは `run_finished` なしでここで終わる。実行は異常終了し、記録はここで途絶えている。"
        }
        Unfinished::Damaged => {
            "信頼できるジャーナルはここまで。破損箇所より後の行（実行終了の記録を含む）は除外した。"
        }
    }
}

/// What a step that changes something had done where the journal stops: only what was in
/// flight is unknown.
fn cut_step(s: &CutStep) -> String {
    let t = &s.title;
    match s.at {
        CutAt::ChangeRunning => {
            format!(
                "{q_t}の変更コマンドは実行中だったため、変更が適用されたかは不明",
                q_t = quote(t)
            )
        }
        CutAt::ChangeEnded => format!(
            "{q_t}の変更コマンドは終了したが、結果のレコードが途中で途切れており、終了コードは分からない。変更が適用されたかは不明",
            q_t = quote(t)
        ),
        CutAt::ChangeMaybeEnded { of } => format!(
            "{q_t}の変更コマンドは実行中だったか、終了した直後だった（途切れた最終行は、結果が記録されていない {of} 件のコマンドのうちいずれかの結果だが、どれのものかを示す前で途切れている）。変更が適用されたかは不明",
            q_t = quote(t)
        ),
        CutAt::Awaiting { precheck } => format!(
            "{what}{q_t}が失敗し、作業者の判断を待つ間に記録が途絶えた",
            what = if precheck { "事前チェック" } else { "" },
            q_t = quote(t)
        ),
        CutAt::Verifying { passed, of } if passed >= of => format!(
            "{q_t}の変更コマンドは終了コード 0 で終わり、検証も {of} 件すべて成功したが、ステップの終了は記録されていない",
            q_t = quote(t)
        ),
        CutAt::Verifying { passed: 0, of } => format!(
            "{q_t}の変更コマンドは終了コード 0 で終わったが、検証は {of} 件中 1 件目が終わる前に止まっており、変更は検証されていない",
            q_t = quote(t)
        ),
        CutAt::Verifying { passed, of } => format!(
            "{q_t}の変更コマンドは終了コード 0 で終わったが、検証は {of} 件中 {passed} 件目まで成功した後で止まっており、変更は検証されていない",
            q_t = quote(t)
        ),
        CutAt::Unknown => format!("{q_t}の変更が適用されたかは不明", q_t = quote(t)),
    }
}
