//! Japanese words the phrasebook builds its sentences with: a command's purpose, a
//! duration, and why a command failed (`journal::reason`), each said whole, in the plain
//! form the timeline uses (the other reasons are in `reasons.rs`). Values from the run (an
//! expected text, a pattern, output lines) stay as they were, quoted; output lines are
//! quoted with escapes, so a control character in them shows and never acts.

use crate::journal::record::{CommandFailure, Excerpt, Expected, Purpose, Saw};

pub fn command_failure(f: &CommandFailure) -> String {
    match f {
        CommandFailure::NotStarted { error } => format!("起動できなかった（{error}）"),
        CommandFailure::LogLost { error } => format!("出力ログに書き込めなかった（{error}）"),
        CommandFailure::TimedOut { limit_ms: Some(ms) } => {
            format!("制限時間 {} を過ぎてタイムアウト", duration(*ms))
        }
        CommandFailure::TimedOut { limit_ms: None } => "制限時間を過ぎてタイムアウト".into(),
        CommandFailure::Killed { signal } => format!("シグナル {signal} で強制終了"),
        CommandFailure::Exit { code, expected } => {
            format!("終了コード {code}（期待値 {expected}）")
        }
        CommandFailure::Unmet {
            expected,
            saw,
            truncated,
        } => {
            let note = if *truncated {
                "（標準出力は最初の 1 MiB だけを確認した）"
            } else {
                ""
            };
            format!(
                "期待「{}」に対し、{}{note}",
                expectation(expected, saw),
                seen(expected, saw)
            )
        }
        CommandFailure::NoCapture { name, pattern } => {
            format!("取得値 `{name}` の /{pattern}/ に一致するものが標準出力にない")
        }
        CommandFailure::NothingDescribed => "`describe` が確認する対象を何も出力しなかった".into(),
        CommandFailure::NoCount { first_line: None } => {
            "影響範囲の計数が何も出力しなかった（1 行目は件数、整数であること）".into()
        }
        CommandFailure::NoCount {
            first_line: Some(first),
        } => format!(
            "影響範囲の計数の 1 行目 `{first}` が件数ではない（整数で始まること。例：`412 accounts`）"
        ),
        CommandFailure::Ssh { kind, message } => super::ssh::failure(kind, message),
        CommandFailure::Deadline {
            deadline_ms,
            polls,
            last,
        } => format!(
            // The limit, said as one: how long the wait lasted is `wait_missed`'s figure.
            "制限時間 {}以内に条件を満たさなかった（試行 {polls} 回）— 最後の試行：{}",
            duration(*deadline_ms),
            command_failure(last)
        ),
    }
}

/// The clause after a check's name in an `expect_failed` sentence.
pub fn unmet(expected: &Expected, saw: &Saw) -> String {
    format!(
        "が期待「{}」を満たさない：{}",
        expectation(expected, saw),
        seen(expected, saw)
    )
}

fn expectation(expected: &Expected, saw: &Saw) -> String {
    match expected {
        Expected::Contains { text } => format!("標準出力に {text:?} を含む"),
        Expected::NotContains { text } => format!("標準出力に {text:?} を含まない"),
        Expected::Matches { pattern } => format!("標準出力が /{pattern}/ に一致する"),
        Expected::Equals { text } => format!("標準出力が {text:?} である"),
        Expected::Number { op, limit } => {
            let number = match saw {
                Saw::NotANumber(_) | Saw::NoOutput => "数値で、",
                _ => "",
            };
            format!("標準出力が{number}{limit} {}", compare(op))
        }
    }
}

fn compare(op: &str) -> &'static str {
    match op {
        "lt" => "未満",
        "le" => "以下",
        "gt" => "より大きい",
        "ge" => "以上",
        "eq" => "と等しい",
        _ => "と比べて条件を満たす",
    }
}

fn seen(expected: &Expected, saw: &Saw) -> String {
    match (saw, expected) {
        (Saw::NoOutput, _) => "出力がなかった".into(),
        (Saw::Output(e), _) => format!("実際の出力は {}", excerpt(e)),
        (Saw::NotANumber(e), _) => format!("出力は数値でなかった：{}", excerpt(e)),
        (Saw::LimitNotANumber, Expected::Number { limit, .. }) => {
            format!("比べる値 {limit:?} が数値でない（手順書の誤り）")
        }
        (Saw::LimitNotANumber, _) => "比べる値が数値でない（手順書の誤り）".into(),
    }
}

fn excerpt(e: &Excerpt) -> String {
    let quote = |l: &String| format!("{l:?}");
    let head: Vec<String> = e.head.iter().map(quote).collect();
    let tail: Vec<String> = e.tail.iter().map(quote).collect();
    match e.skipped {
        0 => head.into_iter().chain(tail).collect::<Vec<_>>().join(" / "),
        n => format!(
            "{} / …（ほか {n} 行）… / {}",
            head.join(" / "),
            tail.join(" / ")
        ),
    }
}

/// Which command of a step, in words (`検証 2`, `ロールバック 1`).
/// A guard a runbook may waive (`waive:`), as the Japanese sentences name it: `target`
/// reads 対象ガード, not a half-English `target ガード`.
pub fn guard_words(guard: &str) -> &str {
    match guard {
        "snapshot" => "スナップショット",
        "target" => "対象",
        "verify" => "検証",
        "rollback" => "ロールバック",
        other => other,
    }
}

/// Someone's words (a title, a note, a reason) in Japanese quotes: 「…」, or 『…』 when
/// they hold 「」 themselves, so brackets never nest (issue 17). The words are kept as
/// written; only the quotes around them change.
pub fn quote(s: &str) -> String {
    if s.contains(['「', '」']) {
        format!("『{s}』")
    } else {
        format!("「{s}」")
    }
}

pub fn purpose_words(p: Purpose) -> String {
    match p {
        Purpose::Main => "コマンド".into(),
        Purpose::Describe => "対象の確認".into(),
        Purpose::Impact => "影響範囲の計数".into(),
        // A verify check is a 検証; 確認 is kept for the target's (対象の確認), and each
        // poll of a wait is a 試行 (issue 17).
        Purpose::Verify(n) => format!("検証 {n}"),
        Purpose::Rollback(n) => format!("ロールバック {n}"),
    }
}

/// A duration as a Japanese timeline says one (`2 分 30 秒`, `1.5 秒`): a space between
/// each figure and its unit, as `250 ミリ秒` and `25.0 秒` have (issue 17).
pub fn duration(ms: u64) -> String {
    match ms {
        0..1000 => format!("{ms} ミリ秒"),
        1000..60_000 => format!("{:.1} 秒", ms as f64 / 1000.0),
        _ => {
            let s = ms / 1000;
            let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
            [(h, "時間"), (m, "分"), (s, "秒")]
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, unit)| format!("{n} {unit}"))
                .collect::<Vec<_>>()
                .join(" ")
        }
    }
}
