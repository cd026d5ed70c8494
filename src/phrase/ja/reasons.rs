//! The reasons shisa journals as data (`journal::reason`, `journal::stops`), in Japanese as
//! a 時系列の報告 says them: why a step's question was asked, why a step ended or was
//! skipped, why a run halted or ended. Each is said whole from its data; what a person
//! wrote (a reviewer's reason, the operator's words) and the system's own words (an ssh
//! transport's explanation, a journal check's error) are kept as written.

use chrono::{DateTime, Utc};

use super::words::{command_failure, duration, purpose_words, quote};
use crate::engine::messages::AbortedAt;
use crate::journal::record::{
    Gate, Halt, Nearest, NoRehearsal, NotCounted, Purpose, RunEnd, Shut, Skip, StepEnd, StepFailure,
};
use crate::journal::stops::{utc, utc_minute};

pub fn step_failure(f: &StepFailure) -> String {
    match f {
        StepFailure::Command {
            purpose: Purpose::Main,
            failure,
        } => command_failure(failure),
        StepFailure::Command { purpose, failure } => {
            format!("{}：{}", purpose_words(*purpose), command_failure(failure))
        }
        StepFailure::Checks { failed, of } => {
            let named: Vec<String> = failed
                .iter()
                .map(|k| purpose_words(Purpose::Verify(*k)))
                .collect();
            format!(
                "検証 {of} 件のうち {} 件が失敗（{}）",
                failed.len(),
                named.join("、")
            )
        }
        StepFailure::Gate { gate: g } => gate(g),
        StepFailure::Window { shut: s } => format!(
            "{}。変更はまだ始めていない。理由を記録してオーバーライドするか、中止する",
            outside_window(s)
        ),
        StepFailure::Rejected { by, reason } => {
            format!("{by} が承認を却下：{q_reason}", q_reason = quote(reason))
        }
        StepFailure::LostCapture {
            purpose,
            names,
            by,
            mutating,
        } => {
            let change = if *mutating {
                format!(
                    "`{by}` は変更を伴うステップで、再実行するとその変更をもう一度行う（対象の確認と承認もやり直す）。"
                )
            } else {
                String::new()
            };
            format!(
                "{} は {} を読むが、これは秘密を含む取得値で、実行の停止とともに失われた（秘密は書き出さない）。`rerun` で `{by}` を再実行して新しい値を取得し、その後ここから続ける。{change}",
                purpose_words(*purpose),
                names.join("、")
            )
        }
    }
}

/// The engine's reason for an abort given without words, naming who aborted.
pub fn aborted(at: AbortedAt, operator: &str) -> String {
    match at {
        AbortedAt::NoReturn => format!("{operator} が引き返せない地点の手前で止めた"),
        AbortedAt::Approval => format!("{operator} が承認待ちの間に中止した"),
        AbortedAt::Elsewhere => format!("{operator} が中止した"),
    }
}

pub fn run_end(e: &RunEnd) -> String {
    match e {
        RunEnd::Exceptions { steps } => format!(
            "すべてのステップが終わったが、{} は検証を通らないまま先へ進んだ",
            steps.join("、")
        ),
        RunEnd::StoppedAfterFailure { said: None } => "失敗。作業者が失敗の時点で中止した".into(),
        RunEnd::StoppedAfterFailure { said: Some(said) } => {
            format!("失敗。作業者が失敗の時点で中止した：「{said}」")
        }
        RunEnd::RolledBack {
            failed: Some(step),
            checks,
        } if checks.is_empty() => format!("`{step}` が失敗したため、ロールバックした"),
        RunEnd::RolledBack {
            failed: Some(step),
            checks,
        } => {
            let n: Vec<String> = checks.iter().map(u32::to_string).collect();
            format!(
                "`{step}` の検証 {} が失敗したため、ロールバックした",
                n.join("、")
            )
        }
        RunEnd::RolledBack { failed: None, .. } => {
            "ステップが失敗したため、ロールバックした".into()
        }
        RunEnd::RolledBackKeeping {
            kept,
            pass_only: true,
        } => format!(
            "作業者の選択により、失敗したループ回だけをロールバックした。次の変更は残した：{}",
            kept.join("、")
        ),
        RunEnd::RolledBackKeeping { kept, .. } => format!(
            "ステップが失敗したため、ロールバックした。次の変更は残した（チェックポイント、後戻りできない地点、または作業者が残した前のループ回）：{}",
            kept.join("、")
        ),
        RunEnd::RolledBackOnRequest => "作業者の求めに応じてロールバックした".into(),
        RunEnd::RollbackIncomplete { not_undone } if not_undone.is_empty() => {
            "ロールバックは未完了：実行されなかったロールバックコマンドがある".into()
        }
        RunEnd::RollbackIncomplete { not_undone } => format!(
            "ロールバックは未完了：実行されなかったロールバックコマンドがある。戻っていない変更：{}",
            not_undone.join("、")
        ),
        RunEnd::Refused { gate: g } => gate(g),
        RunEnd::OutsideWindow { shut, opens } => {
            let next = opens
                .as_deref()
                .map(|t| format!("。次に作業時間帯が開くのは {}", local(t)))
                .unwrap_or_default();
            format!(
                "{}{next}。今すぐ開始するには `--outside-window \"理由\"` を付けること",
                outside_window(shut)
            )
        }
        RunEnd::NoRehearsal(n) => no_rehearsal(n),
        RunEnd::NoSuchEnvironment { name } => {
            format!("手順書に環境 `{name}` の定義がない。何も実行していない")
        }
    }
}

pub fn step_end(e: &StepEnd) -> String {
    match e {
        StepEnd::Refused { gate: g } => gate(g),
        StepEnd::Skipped { skip: s } => skip(s),
        StepEnd::ContinueChosen => "作業者が続行を選択".into(),
        StepEnd::RollbackChosen => "ロールバックを選択".into(),
        StepEnd::RolledBackInstead => "作業者が先へ進まずにロールバックした".into(),
        StepEnd::LeftInPlace => {
            "後からのロールバックがこのステップの確認（対象、承認）を通らず、作業者はこの変更を残して先へ進んだ".into()
        }
        StepEnd::NotUndone { failed } => format!(
            "戻していない：ロールバックコマンド {} が失敗し、作業者はそのまま先へ進んだ。変更は残っている",
            failed.iter().map(u32::to_string).collect::<Vec<_>>().join("、")
        ),
        StepEnd::Accepted {
            said,
            proven,
            has_verify,
        } => match (proven, has_verify) {
            (false, _) => {
                format!("作業者が完了とした（{q_said}）。検証で裏付けられていない", q_said = quote(said))
            }
            (true, true) => format!("作業者が完了とした（{q_said}）。検証は成功", q_said = quote(said)),
            (true, false) => format!("作業者が完了とした（{q_said}）", q_said = quote(said)),
        },
    }
}

pub fn halt(h: &Halt) -> String {
    const RESUME: &str =
        "`shisa resume` で対象を取得し直し、改めて入力を求める（それまでのステップは完了のまま）";
    match h {
        Halt::Quit => "作業者が終了した".into(),
        Halt::TerminalGone => "端末が切断された".into(),
        Halt::CtrlC => "Ctrl-C で中断".into(),
        Halt::EndOfInput => "入力待ちの間に標準入力が閉じられた。以降は何も実行していない".into(),
        Halt::Sigterm => "SIGTERM を受信".into(),
        Halt::Sighup => "SIGHUP を受信（端末が切断された）".into(),
        Halt::ConnectionLost { message } => {
            format!("コマンドの実行中にホストとの接続が切れた（{message}）")
        }
        Halt::OutputLogLost { error } => {
            format!("出力ログに書き込めない（{error}）。記録のないまま実行しないよう、ここで停止")
        }
        Halt::NoProgress { phase } => {
            format!("shisa が {phase} で先に進めなかった（不具合）。ここで停止（再開可能）")
        }
        Halt::Misses { misses, resolved } => format!(
            "入力した対象が {misses} 回続けて `{resolved}` と一致せず、ステップは開始していない。{RESUME}"
        ),
        Halt::BlindMisses {
            misses,
            intended,
            resolved,
        } => format!(
            "ブラインドで入力した対象が {misses} 回続けて実際の対象と一致しなかった。最後の入力は `{intended}`、実際の対象は `{resolved}`。ステップは開始していない。先へ進む前に原因を確かめること。{RESUME}"
        ),
        Halt::OutsideWindow { shut } => format!(
            "{}。作業時間帯内に再開するか、`--outside-window \"理由\"` を付けて再開すること",
            outside_window(shut)
        ),
    }
}

/// Why the window is shut.
pub fn shut(s: &Shut) -> String {
    match s {
        Shut::Denied { local: at, span } => {
            format!("{} は禁止時間帯 `{span}` に入っている", local(at))
        }
        Shut::NotAllowed { local: at, allowed } => format!(
            "{} は許可された作業時間帯（{}）の外",
            local(at),
            allowed.join("、")
        ),
    }
}

fn outside_window(s: &Shut) -> String {
    format!("作業時間帯外：{}", shut(s))
}

/// A window's local time (`Fri 2023-12-08 17:15 JST`) as a Japanese report writes one:
/// `2023-12-08（金）17:15 JST`. Anything else is kept as it is.
pub fn local(at: &str) -> String {
    const DAYS: [(&str, &str); 7] = [
        ("Mon", "月"),
        ("Tue", "火"),
        ("Wed", "水"),
        ("Thu", "木"),
        ("Fri", "金"),
        ("Sat", "土"),
        ("Sun", "日"),
    ];
    let Some((day, rest)) = at.split_once(' ') else {
        return at.to_string();
    };
    let Some((_, ja)) = DAYS.iter().find(|(en, _)| *en == day) else {
        return at.to_string();
    };
    match rest.split_once(' ') {
        Some((date, time)) => format!("{date}（{ja}）{time}"),
        None => at.to_string(),
    }
}

pub fn gate(g: &Gate) -> String {
    match g {
        Gate::SnapshotMissing { snapshot, step } => format!(
            "スナップショットのステップ `{snapshot}` がこの実行で成功していないため、`{step}` は変更を行えない"
        ),
        Gate::Target {
            resolved,
            rule,
            pattern,
        } if rule == "deny" => {
            format!("対象 `{resolved}` は `deny: '{pattern}'` に該当するため拒否")
        }
        Gate::Target {
            resolved,
            rule,
            pattern,
        } => format!("対象 `{resolved}` は `{rule}: '{pattern}'` に一致しないため拒否"),
        Gate::ImpactUnknown { failure } => format!(
            "影響範囲が不明のため、ステップを拒否：{}",
            command_failure(failure)
        ),
        Gate::ImpactOver {
            resolved,
            count,
            unit,
            at_most,
        } => {
            let what = unit.as_ref().map(|u| format!(" {u}")).unwrap_or_default();
            format!(
                "対象 `{resolved}` の影響範囲は {count}{what} で、`at_most: {at_most}` を超えるため拒否（オーバーライド不可）"
            )
        }
        Gate::LostCaptures { purpose, names, by } => {
            let rerun = match by.as_slice() {
                [] => "それを取得したステップ".to_string(),
                by => by
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join("、"),
            };
            format!(
                "{}が読む {} は、実行が止まる前にシークレットを含む値として取得された。シークレットは記録しないため、値は失われている。{rerun} をもう一度実行して（新しい実行で、または手作業で）値を取り直すか、この部分を手作業で行うこと",
                purpose_words(*purpose),
                names.join("、")
            )
        }
        Gate::LimitUnknown { name, value: None } => format!(
            "上限が不明のため、ステップを拒否：`at_most` が読むパラメーター `{name}` に値がない"
        ),
        Gate::LimitUnknown {
            name,
            value: Some(v),
        } => format!(
            "上限が不明のため、ステップを拒否：`at_most` が読む `{name}` の値 `{v}` は 0 から {} までの整数ではない",
            crate::runbook::target::MAX_AT_MOST
        ),
        Gate::UnknownHost { on } => format!("`on: {on}` が `hosts:` にないホストを指している"),
        Gate::UnusableHost { host, error } => {
            format!("ホスト `{host}` が使用できる ssh の接続先にならない: {error}")
        }
    }
}

pub fn skip(s: &Skip) -> String {
    match s {
        Skip::Param { name, have, wanted } => format!(
            "スキップ：`when` はパラメーター `{name}` が `{wanted}` であることを求めるが、値は `{have}`"
        ),
        Skip::Capture {
            name,
            have: Some(have),
            pattern,
        } => format!(
            "スキップ：`when` は取得値 `{name}` が /{pattern}/ に一致することを求めるが、値は `{have}`"
        ),
        Skip::Capture {
            name,
            have: None,
            pattern,
        } => format!(
            "スキップ：`when` は取得値 `{name}` が /{pattern}/ に一致することを求めるが、どのステップも取得していない"
        ),
        Skip::Choice {
            step,
            chosen: Some(c),
            wanted,
        } => format!(
            "スキップ：`when` は `{step}` の回答が `{wanted}` であることを求めるが、回答は `{c}`"
        ),
        Skip::Choice {
            step,
            chosen: None,
            wanted,
        } => format!(
            "スキップ：`when` は `{step}` の回答が `{wanted}` であることを求めるが、回答がなかった"
        ),
    }
}

/// Why a reviewer's approval did not count.
pub fn not_counted(n: &NotCounted) -> String {
    match n {
        NotCounted::WrongStep { named, waiting } => {
            format!("承認はステップ `{named}` に対するものだが、待っているのは `{waiting}`")
        }
        NotCounted::OtherCommand => "承認は待っているものとは別のコマンドに対するもの".into(),
        NotCounted::Stale => "古い承認：レビュアーが確認した後にジャーナルが先に進んでいる".into(),
        NotCounted::BlindTriesSpent { max } => format!(
            "対象の名前を {max} 回誤った。ブラインド確認にこれ以上の試行はない：別の人が承認（または却下）する必要がある"
        ),
        NotCounted::Operator { user } => {
            format!("{user} は作業者本人。別の人が承認する必要がある")
        }
        NotCounted::SameLogin { person } => format!(
            "別アカウント（同じログイン UID、または sudo）の作業者本人 {person}。別の人が承認する必要がある"
        ),
        NotCounted::NotInGroup { person, group } => format!(
            "{person} はこのホストのグループ `{group}` のメンバーではない。このステップを承認・却下できるのはそのメンバーだけ"
        ),
        NotCounted::AlreadyApproved {
            person,
            have,
            needed,
        } => format!(
            "{person} はこのステップを承認済み（同じ人の 2 つのセッションは 1 人と数える）。承認は {needed} 人中 {have} 人。別の人の承認が必要"
        ),
    }
}

/// The rehearsal refusal: what was looked for, what was found nearest, how to rehearse.
fn no_rehearsal(n: &NoRehearsal) -> String {
    let needs = &n.needs;
    let within = period(n.within_s);
    let (since, now) = n.period();
    let ago = |ended: &Option<String>| match (now, ended.as_deref().and_then(utc)) {
        (Some(now), Some(t)) => format!("{}、", ago(now, t)),
        _ => String::new(),
    };
    let found = match &n.nearest {
        Nearest::Nothing => format!("この手順書の {needs} での実行は見つからなかった"),
        Nearest::TooOld { run_id, ended } => format!(
            "この版の {needs} での完了した実行（{}{run_id}）はあるが、{within} より前",
            ago(ended)
        ),
        Nearest::Ahead { run_id, ended } => format!(
            "この版の {needs} での完了した実行（{run_id}、{} 終了）はあるが、この実行の時計より後の時刻になっている：どちらかの時計が誤っており、期間の根拠にならない",
            utc_minute(ended.as_deref())
        ),
        Nearest::Broken { run_id, why } => format!(
            "この版の {needs} での完了した実行はあるが、ジャーナルを検証できない（{run_id}：{why}）"
        ),
        Nearest::NotCompleted {
            run_id,
            outcome,
            ended,
        } => match outcome.as_str() {
            "live" => format!("この版の {needs} での実行はまだ実行中（{run_id}）"),
            o if o.starts_with("stopped") => format!(
                "この版の {needs} での実行は終わる前に停止している（再開可能。{}{run_id}）",
                ago(ended)
            ),
            o => format!(
                "この版の {needs} での実行は「{}」で終わっている（{}{run_id}）",
                outcome_words(o),
                ago(ended)
            ),
        },
        Nearest::OtherVersion { run_id, ended } => format!(
            "{needs} での実行（{}{run_id}）は手順書の別の版のもので、この版の根拠にならない",
            ago(ended)
        ),
    };
    format!(
        "`{}` にはリハーサルが必要：この版の手順書（SHA-256 {}）を `--env {needs}` で完了し、{within}以内（{} UTC 以降）に終わった実行を {} で探したが、{found}。先にリハーサルを行うこと：{}",
        n.env,
        &n.sha256[..16.min(n.sha256.len())],
        since.map_or_else(
            || n.since.clone(),
            |s| s.format("%Y-%m-%d %H:%M").to_string()
        ),
        n.looked_in,
        n.rehearse,
    )
}

/// A run's outcome as `shisa runs` names it, in Japanese.
fn outcome_words(o: &str) -> &str {
    match o {
        "completed" => "完了",
        "completed with exceptions" => "例外ありで完了",
        "failed" => "失敗",
        "rolled back" => "ロールバック済み",
        "aborted" => "中止",
        "refused" => "拒否",
        other => other,
    }
}

/// `14 日`, `12 時間`, else as a duration.
fn period(s: u64) -> String {
    match s {
        0 => duration(0),
        s if s % 86_400 == 0 => format!("{} 日", s / 86_400),
        s if s % 3600 == 0 => format!("{} 時間", s / 3600),
        s => duration(s * 1000),
    }
}

/// `16 日前`, `5 時間前`, `12 分前`.
fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let m = now.signed_duration_since(then).num_minutes().max(0);
    match m {
        m if m >= 2 * 24 * 60 => format!("{} 日前", m / (24 * 60)),
        m if m >= 120 => format!("{} 時間前", m / 60),
        0 => "1 分以内".into(),
        m => format!("{m} 分前"),
    }
}
