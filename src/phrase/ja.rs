//! Japanese: records as a 時系列の報告 says them — plain form, the step named by its title
//! in 「」, people by account. What a person wrote (a title, a note, a reason) is kept as
//! written. Reasons shisa journaled as data are said in Japanese (`ja_words.rs`); an old
//! journal's reasons, English sentences only, are quoted as journaled.

use super::ja_words::{self as words, purpose_words};
use super::{
    Attempts, Mark, Marker, Names, Phrase, Phrasebook, StepPassed, command_line, said, step_title,
    title,
};
use crate::journal::record::{
    Actor, Background, Body, Choice, CommandFailure, Expected, Outcome, OverrideKind, Person,
    Prompt, Purpose, Record, Role, RunEnd, Saw, StepFailure, StepStatus,
};

pub struct Japanese;

impl Phrasebook for Japanese {
    fn record(&self, rec: &Record, names: &dyn Names) -> Phrase {
        let who = &rec.actor.user;
        // The step a sentence is about, in 「」, followed by a colon.
        let step = || match step_title(rec, names) {
            Some(t) => Phrase::new().plain(format!("「{t}」: ")),
            None => Phrase::new(),
        };
        let named = || format!("「{}」", title_or_run(rec, names));
        let why = |r: &Option<String>| r.as_ref().map(|r| format!(" — {r}")).unwrap_or_default();
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
                        "{who} が {} で手順書「{}」の実行 ",
                        rec.actor.host, runbook.name
                    ))
                    .code(run_id)
                    .plain(format!(" を開始（{place}{mode} モード、手順書の sha256 "))
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
            } => Phrase::new().plain(format!("作業時間帯内であることを確認（{local}）")),
            Body::WindowChecked { local, reason, .. } => {
                Phrase::new().marked(Mark::WindowClosed).plain(format!(
                    "作業時間帯外（{local}）: {}",
                    reason.as_deref().unwrap_or("許可された時間帯の外")
                ))
            }
            Body::Override { what, reason } => {
                let text = match what {
                    OverrideKind::Clock => format!("この実行では時計を偽装している: {reason}"),
                    OverrideKind::Window => {
                        format!("{who} が作業時間帯外での開始を決定: 「{reason}」")
                    }
                    OverrideKind::Precheck => {
                        format!("{who} が失敗した事前チェックをオーバーライド: 「{reason}」")
                    }
                };
                step().marked(Mark::Override).plain(text)
            }
            Body::Waiver { guard, reason } => step().marked(Mark::Waived).plain(format!(
                "手順書が {guard} ガードを免除している: 「{reason}」"
            )),
            Body::StepStarted {
                step_kind,
                mutating,
                ..
            } => {
                let m = if *mutating { "、変更を伴う" } else { "" };
                Phrase::new().marked(Mark::Started).plain(format!(
                    "{}を開始（{}{m}）",
                    named(),
                    kind_words(step_kind)
                ))
            }
            Body::CommandStarted {
                purpose,
                attempt,
                command,
                ..
            } => step()
                .plain(lead(*purpose))
                .code(command_line(command))
                .plain(format!(" を実行中{}", again(*attempt))),
            Body::CommandFinished {
                purpose,
                attempt,
                exit,
                signal,
                timed_out,
                duration_ms,
                ok,
                failure,
                background,
                not_yet,
                why,
                ..
            } => {
                let say = |text: &Option<String>| {
                    said(why.as_ref(), text.as_deref(), |w| self.command_failure(w))
                };
                if let Some(why) = not_yet.as_ref().and(say(not_yet)) {
                    return step().plain(format!(
                        "{}: まだ条件を満たさない — {why}（{} 回目の確認、{}）",
                        purpose_words(*purpose),
                        attempt,
                        self.duration(*duration_ms)
                    ));
                }
                let left = left_behind(background);
                let what = purpose_words(*purpose);
                let took = self.duration(*duration_ms);
                let command = names.command_of(rec);
                if *ok {
                    let result = match exit {
                        Some(code) => format!(" → 終了コード {code}（{took}）"),
                        None => format!("（{took}）"),
                    };
                    let p = match (purpose, &command) {
                        (Purpose::Main, Some(c)) => step().code(c).plain(" を実行"),
                        (Purpose::Main, None) => step().plain("コマンドを実行"),
                        (Purpose::Verify(_), Some(c)) => {
                            step().plain(format!("{what} 成功: ")).code(c)
                        }
                        (Purpose::Verify(_), None) => step().plain(format!("{what} 成功")),
                        (_, Some(c)) => step().plain(format!("{what}: ")).code(c),
                        (_, None) => step().plain(format!("{what}を実行")),
                    };
                    p.plain(result + &again(*attempt) + &left)
                } else {
                    let why = say(failure).unwrap_or_else(|| match (exit, signal) {
                        _ if *timed_out => "タイムアウト".into(),
                        (_, Some(s)) => format!("シグナル {s} で強制終了"),
                        (Some(c), _) => format!("終了コード {c}"),
                        (None, None) => "失敗".into(),
                    });
                    let p = step().marked(Mark::Failed).plain(format!("{what} 失敗"));
                    let p = match &command {
                        Some(c) => p.plain(": ").code(c),
                        None => p,
                    };
                    p.plain(format!(" — {why}（{took} 経過）{}{left}", again(*attempt)))
                }
            }
            Body::ExpectFailed {
                purpose,
                expectation,
                detail,
                expected,
                saw,
                ..
            } => {
                let clause = match (expected, saw) {
                    (Some(e), Some(s)) => self.unmet(e, s),
                    // An old journal: the English words, quoted as journaled.
                    _ => format!(" が期待「{expectation}」を満たさない: {detail}"),
                };
                step().plain(format!("{}{clause}", purpose_words(*purpose)))
            }
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
                let p = step().plain(self.impact(*count, unit.as_deref(), *at_most).text());
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
                .plain("対象 ")
                .code(resolved)
                .plain(format!(" は {rule} ルール "))
                .code(pattern)
                .plain(" に該当するため拒否"),
            Body::TargetConfirmed {
                resolved,
                reused_from: Some(earlier),
                ..
            } => step()
                .plain("対象 ")
                .code(resolved)
                .plain(" はこのループ回の「")
                .plain(title(earlier, names))
                .plain("」で確認済みのため、再入力は求めない"),
            Body::TargetConfirmed { blind: true, .. } => step().plain(format!(
                "{who} が意図する対象をブラインドで入力し、実際の対象と一致"
            )),
            Body::TargetConfirmed { typed, .. } => step()
                .plain(format!("{who} が "))
                .code(typed)
                .plain(" と入力し、実際の対象と一致"),
            Body::WaitStarted {
                purpose: Purpose::Main,
                every_ms: None,
                deadline_ms,
                ..
            } => step().plain(format!(
                "手作業ステップの待機を開始（{} 経過後に完了を記録できる）",
                self.duration(*deadline_ms)
            )),
            Body::WaitStarted {
                purpose,
                every_ms,
                deadline_ms,
                ..
            } => step().plain(format!(
                "{}を {} ごとに確認し、条件を満たすまで最大 {} 待つ",
                purpose_words(*purpose),
                self.duration(every_ms.unwrap_or(0)),
                self.duration(*deadline_ms)
            )),
            Body::WaitFinished {
                polls: 0,
                waited_ms,
                ..
            } => step().plain(format!(
                "{} 待機した。完了を記録できる",
                self.duration(*waited_ms)
            )),
            Body::WaitFinished {
                purpose,
                polls,
                waited_ms,
                met: true,
            } => step().plain(format!(
                "{}が {} 後に条件を満たした（確認 {polls} 回）",
                purpose_words(*purpose),
                self.duration(*waited_ms)
            )),
            Body::WaitFinished {
                purpose,
                polls,
                waited_ms,
                met: false,
            } => step().marked(Mark::Failed).plain(format!(
                "{}は {} 待っても条件を満たさなかった（確認 {polls} 回）",
                purpose_words(*purpose),
                self.duration(*waited_ms)
            )),
            Body::NoReturnConfirmed { reason, typed } => step()
                .marked(Mark::Override)
                .plain(format!("{who} が "))
                .code(typed)
                .plain(format!(" と入力し、後戻りできない地点を越えた — {reason}")),
            Body::TargetMismatch {
                typed,
                misses,
                blind: true,
                ..
            } => {
                let after = if rec.actor.role == Role::Reviewer {
                    "。承認されていない".to_string()
                } else {
                    format!("（3 回中 {misses} 回目）。何も実行していない")
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
                    " と一致しない（3 回中 {misses} 回目）。何も実行していない"
                )),
            Body::SnapshotRecorded { captures, .. } => {
                let list: Vec<String> = captures.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let p = step().plain("スナップショットを取得");
                if list.is_empty() {
                    p
                } else {
                    p.plain("（").code(list.join(", ")).plain("）")
                }
            }
            Body::ApprovalRequested { blind: true, .. } => step().plain(
                "第二者の承認待ち（ブラインド: 承認者は対象が表示される前に、意図する対象を入力する）",
            ),
            Body::ApprovalRequested {
                expected,
                reviewers: None,
                group: None,
                allow_self: true,
                ..
            } => step()
                .plain("承認待ち：オペレーター自身も承認できる（手順書で許可）。第二者が承認する場合は ")
                .code(expected)
                .plain(" と入力する"),
            Body::ApprovalRequested {
                expected,
                reviewers: None,
                group: None,
                ..
            } => step()
                .plain("第二者の承認待ち（承認者は ")
                .code(expected)
                .plain(" と入力する必要がある）"),
            Body::ApprovalRequested {
                expected,
                reviewers,
                group,
                ..
            } => {
                let n = reviewers.unwrap_or(1);
                let of = group
                    .as_ref()
                    .map(|g| format!("グループ {g} の"))
                    .unwrap_or_default();
                step()
                    .plain(format!("{of}別々の {n} 人の承認待ち（各承認者は "))
                    .code(expected)
                    .plain(" と入力する必要がある）")
            }
            Body::ApprovalGranted {
                typed,
                self_approved,
                person,
                count: Some(count),
                needed: Some(needed),
                group,
            } => {
                let who = person_words(&rec.actor, person);
                let group = group
                    .as_ref()
                    .map(|g| format!("（{g}）"))
                    .unwrap_or_default();
                let how = if *self_approved {
                    "。オペレーター本人（手順書で許可されている）。入力は "
                } else {
                    "。独立に入力した値は "
                };
                step()
                    .marked(Mark::Approved)
                    .plain(format!("承認 {count}/{needed}: {who}{group}{how}"))
                    .code(typed)
            }
            Body::ApprovalGranted {
                typed,
                self_approved,
                person,
                ..
            } => {
                let who = person_words(&rec.actor, person);
                let how = if *self_approved {
                    format!("{who} が自分のステップを承認（手順書で許可されている）。入力は ")
                } else {
                    format!("{who} が承認。独立に入力した値は ")
                };
                step().marked(Mark::Approved).plain(how).code(typed)
            }
            Body::ApprovalRejected { reason, person } => {
                let who = person_words(&rec.actor, person);
                step()
                    .marked(Mark::Refused)
                    .plain(format!("{who} が承認を却下: 「{reason}」"))
            }
            Body::ApprovalRefused { reason, person, .. } => {
                let who = person_words(&rec.actor, person);
                step()
                    .marked(Mark::Refused)
                    .plain(format!("{who} の承認を拒否: {reason}"))
            }
            Body::ManualDone { note, choice, undo } => {
                let what = match (undo, choice) {
                    (Some(n), _) => format!("{who} が手作業のロールバック {n} を実施"),
                    (None, Some(c)) => format!("{who} が「{c}」と回答"),
                    (None, None) => format!("{who} が手作業の完了を記録"),
                };
                match note {
                    Some(n) => step().plain(format!("{what}: 「{n}」")),
                    None => step().plain(what),
                }
            }
            Body::OperatorNote { text } => {
                Phrase::new().plain(format!("{} のメモ: 「{text}」", self.actor(&rec.actor)))
            }
            Body::StepFailed {
                prompt: Prompt::Window,
                reason,
                ..
            } => step()
                .marked(Mark::WindowClosed)
                .plain(format!("変更の前に停止: {reason}")),
            Body::StepFailed { reason, why, .. } => {
                let reason = said(why.as_ref(), Some(reason), |w| self.step_failure(w, reason));
                step()
                    .marked(Mark::Failed)
                    .plain(format!("ステップ失敗: {}", reason.unwrap_or_default()))
            }
            Body::OperatorChoice {
                prompt: Prompt::LostCapture,
                choice: Choice::Rerun,
            } => step().plain(format!(
                "{who} が失われた値を取得したステップの再実行を選択"
            )),
            Body::OperatorChoice { choice, .. } => {
                let p = step();
                match choice {
                    Choice::Rollback => p.plain(format!("{who} がロールバックを選択")),
                    Choice::RollbackItem => {
                        p.plain(format!("{who} がこのループ回だけのロールバックを選択"))
                    }
                    Choice::Retry => p.plain(format!("{who} が再試行を選択")),
                    Choice::Abort(Some(r)) => p.plain(format!("{who} が中止を選択: 「{r}」")),
                    Choice::Abort(None) => p.plain(format!("{who} が中止を選択")),
                    Choice::Continue => p.plain(format!("{who} が失敗を越えて続行することを選択")),
                    Choice::Rerun => p.plain(format!("{who} が未確定ステップの再実行を選択")),
                    Choice::Override(r) => p
                        .marked(Mark::Override)
                        .plain(format!("{who} がオーバーライドを選択: 「{r}」")),
                    Choice::Done(r) => p.marked(Mark::Override).plain(format!(
                        "{who} が未確定ステップを再実行せずに完了とした: 「{r}」"
                    )),
                }
            }
            Body::StepFinished { status, reason } => {
                let why = why(reason);
                let t = named();
                let (mark, words) = match status {
                    StepStatus::Ok => (Mark::Done, format!("{t}が完了")),
                    StepStatus::Failed => (Mark::Failed, format!("{t}が失敗")),
                    StepStatus::Skipped => (Mark::Skipped, format!("{t}をスキップ")),
                    StepStatus::RolledBack => (Mark::StepRolledBack, format!("{t}を戻した")),
                    StepStatus::Continued => (
                        Mark::Continued,
                        format!("{t}は失敗したが、未検証のまま実行を続行"),
                    ),
                    StepStatus::Overridden => (
                        Mark::Override,
                        format!("{t}: 事前チェックが失敗し、オーバーライドされた"),
                    ),
                    StepStatus::Unproven => (
                        Mark::Unproven,
                        format!("{t}を完了として受け入れたが未検証（確認で裏付けられていない）"),
                    ),
                };
                Phrase::new().marked(mark).plain(format!("{words}{why}"))
            }
            Body::RollbackStarted {
                plan,
                without_rollback,
                kept,
            } => {
                let titles = |ids: &[String]| -> Vec<String> {
                    ids.iter()
                        .map(|id| format!("「{}」", title(id, names)))
                        .collect()
                };
                let mut s = if plan.is_empty() {
                    "ロールバック開始: 戻すステップはない".to_string()
                } else {
                    format!("ロールバック開始: {}の順に戻す", titles(plan).join("→"))
                };
                if !without_rollback.is_empty() {
                    let none = titles(without_rollback).join("、");
                    s.push_str(&format!("（ロールバックが定義されていない: {none}）"));
                }
                if !kept.is_empty() {
                    let stay = titles(kept).join("、");
                    s.push_str(&format!("。そのまま残す: {stay}"));
                }
                Phrase::new().marked(Mark::Rollback).plain(s)
            }
            Body::RollbackRequested { reason } => Phrase::new().marked(Mark::Rollback).plain(
                format!("{who} が残った変更のロールバックを要求: 「{reason}」"),
            ),
            Body::RollbackFinished { ok: true } => Phrase::new()
                .marked(Mark::Rollback)
                .plain("ロールバック完了。すべてのステップを戻した"),
            Body::RollbackFinished { ok: false } => Phrase::new()
                .marked(Mark::Failed)
                .plain("ロールバックは不完全なまま終了: 失敗したロールバックコマンドを飛ばした"),
            Body::WatcherJoined { watcher } => {
                Phrase::new().plain(format!("{watcher} が閲覧を開始"))
            }
            Body::WatcherLeft { watcher } => Phrase::new().plain(format!("{watcher} が閲覧を終了")),
            Body::ClientRefused { who, reason } => Phrase::new()
                .marked(Mark::Refused)
                .plain(format!("共有セッションが {who} の接続を拒否: {reason}")),
            Body::StopRequested {
                purpose,
                attempt,
                reason,
            } => {
                let what = match purpose {
                    Purpose::Main => "コマンド".to_string(),
                    p => purpose_words(*p),
                };
                step()
                    .marked(Mark::Interrupted)
                    .plain(format!("{what}{}を停止中: {reason}", again(*attempt)))
            }
            Body::RunInterrupted { reason } => Phrase::new()
                .marked(Mark::Interrupted)
                .plain(format!("実行を中断: {reason}")),
            Body::RunResumed { in_doubt } => {
                let p = Phrase::new().marked(Mark::Resumed);
                match in_doubt {
                    Some(id) => p.plain(format!(
                        "{who} が実行を再開。「{}」は未確定だった",
                        title(id, names)
                    )),
                    None => p.plain(format!("{who} が実行を再開")),
                }
            }
            Body::JournalRecovered { moved_to, bytes } => Phrase::new()
                .plain(format!(
                    "ジャーナルの途切れた最終行（{bytes} バイト、書き込み中のクラッシュ）を "
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
                    ids => format!("、{what}: {}", ids.join(", ")),
                };
                Phrase::new()
                    .marked(Mark::Resumed)
                    .plain(format!("{who} が編集後のランブック（sha256 "))
                    .code(&to_sha256[..to_sha256.len().min(12)])
                    .plain(format!(
                        "）で続行。完了済みのステップは変更なし{}{}{} —「{reason}」",
                        list("変更", changed),
                        list("追加", added),
                        list("削除", removed)
                    ))
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
                let why = said(why.as_ref(), reason.as_deref(), |w| self.run_end(w))
                    .map(|r| format!("：{r}"))
                    .unwrap_or_default();
                Phrase::new()
                    .marked(mark)
                    .plain(format!("実行終了（終了コード {exit_code}）{why}"))
            }
        }
    }

    fn never_finished(&self, started: &Record, names: &dyn Names) -> Phrase {
        let command = match &started.body {
            Body::CommandStarted { command, .. } => command_line(command),
            _ => String::new(),
        };
        Phrase::new()
            .plain(format!("「{}」: ", title_or_run(started, names)))
            .code(command)
            .plain(" はジャーナルが終わった時点で実行中だった。結果は記録されていない")
    }

    fn label(&self, marker: Marker) -> &'static str {
        match marker {
            Marker::Failed => "失敗",
            Marker::Approved => "承認",
            Marker::Refused => "拒否",
            Marker::Rollback => "ロールバック",
            Marker::Override => "オーバーライド",
            Marker::Waived => "免除",
            Marker::Mismatch => "不一致",
            Marker::WindowClosed => "作業時間帯外",
            Marker::Interrupted => "中断",
            Marker::Resumed => "再開",
            Marker::Completed => "完了",
            Marker::Exceptions => "例外ありで完了",
            Marker::RolledBack => "ロールバック済み",
            Marker::Aborted => "中止",
        }
    }

    fn actor(&self, actor: &Actor) -> String {
        match actor.role {
            Role::Operator => actor.user.clone(),
            Role::Reviewer => format!("{}（レビュアー）", actor.user),
            Role::Shisa => "shisa".into(),
        }
    }

    fn person(&self, actor: &Actor, person: &Option<Person>) -> String {
        person_words(actor, person)
    }

    /// `12 ミリ秒`, `3.4 秒`, `2分5秒`, `1時間4分`.
    fn duration(&self, ms: u64) -> String {
        words::duration(ms)
    }

    fn step_passed(&self, s: &StepPassed) -> Phrase {
        let mut p = Phrase::new().marked(Mark::Done).plain(format!(
            "「{}」が完了（{}）",
            s.title,
            self.duration(s.took_ms)
        ));
        if let Some(cmd) = s.main().and_then(|m| m.command.clone()) {
            p = p.plain(": ").code(cmd).plain(" を実行");
        }
        let checks = s.checks();
        if checks > 0 {
            p = p.plain(format!("、確認 {checks} 件すべて成功"));
        }
        let n = s.most_attempts();
        if n > 1 {
            p = p.plain(format!("（最大 {n} 回目で成功）"));
        }
        match &s.snapshot {
            Some(caps) if !caps.is_empty() => {
                let list: Vec<String> = caps.iter().map(|(k, v)| format!("{k}={v}")).collect();
                p.plain("、スナップショットを取得（")
                    .code(list.join(", "))
                    .plain("）")
            }
            Some(_) => p.plain("、スナップショットを取得"),
            None => p,
        }
    }

    fn command_failure(&self, f: &CommandFailure) -> String {
        words::command_failure(f)
    }

    fn unmet(&self, expected: &Expected, saw: &Saw) -> String {
        words::unmet(expected, saw)
    }

    fn step_failure(&self, f: &StepFailure, _journaled: &str) -> String {
        words::step_failure(f)
    }

    fn run_end(&self, e: &RunEnd) -> String {
        words::run_end(e)
    }

    fn impact(&self, count: u64, unit: Option<&str>, at_most: u64) -> Phrase {
        let what = unit.map(|u| format!(" {u}")).unwrap_or_default();
        if count > at_most {
            Phrase::new().plain(format!(
                "影響範囲は {count}{what} で、上限 {at_most} を超える"
            ))
        } else {
            Phrase::new().plain(format!("影響範囲は {count}{what}（上限 {at_most}）"))
        }
    }

    fn target_ask(&self, ask: &super::TargetAsk<'_>) -> Phrase {
        self.ask(ask)
    }

    fn reviewer_ask(&self, blind: bool) -> Phrase {
        Phrase::new().plain(if blind {
            "ブラインド確認: チケットにある、意図する対象を入力してください。入力するまで対象は表示しません"
        } else {
            "承認するには対象を入力してください"
        })
    }

    fn attempts(&self, a: &Attempts) -> Phrase {
        let mut p = match &a.step {
            Some(t) => Phrase::new().plain(format!("「{t}」: ")),
            None => Phrase::new(),
        };
        let n = a.ran.attempts;
        let took = self.duration(a.took_ms);
        p = p.plain(lead(a.ran.purpose));
        if let Some(c) = &a.ran.command {
            p = p.code(c).plain(" ");
        }
        let miss = a.last_miss.as_deref().unwrap_or("失敗");
        match (a.polls, a.ran.ok) {
            (Some(polls), false) if a.pending => {
                return p.plain(format!(
                    "は {took} 待った時点でまだ条件を満たしていなかった（確認 {polls} 回: {miss}）"
                ));
            }
            (Some(1), true) => return p.plain("が初回の確認で条件を満たした"),
            (Some(polls), true) => {
                return p.plain(format!(
                    "が {took} 待って条件を満たした（確認 {polls} 回。それまでは {miss}）"
                ));
            }
            (Some(polls), false) => {
                return p.marked(Mark::Failed).plain(format!(
                    "は {took} 待っても条件を満たさなかった（確認 {polls} 回）: {miss}"
                ));
            }
            (None, _) => {}
        }
        if a.ran.ok {
            p.plain(format!(
                "が {n} 回目で成功（最初の試行から {took}。それまでの {} 回は {miss}）",
                n - 1
            ))
        } else {
            p.marked(Mark::Failed)
                .plain(format!("が {n} 回とも失敗（{took}）: {miss}"))
        }
    }
}

impl Japanese {
    pub(super) fn ask(&self, a: &super::TargetAsk<'_>) -> Phrase {
        let left = a.tries_left;
        match a.resolved {
            Some(resolved) => Phrase::new()
                .plain("対象 ")
                .code(resolved)
                .plain(format!(" を入力して確認してください（残り {left} 回）")),
            None => Phrase::new().plain(format!(
                "ブラインド確認 — チケットにある、意図する対象を入力してください。一致するまで実際の対象は表示しません（残り {left} 回）"
            )),
        }
    }
}

/// The person behind an approval, and the account that connected when it was another
/// (`alice（root として）`: `sudo shisa approve`).
fn person_words(actor: &Actor, person: &Option<Person>) -> String {
    match person {
        Some(p) if p.user != actor.user => format!("{}（{} として）", p.user, actor.user),
        Some(p) => p.user.clone(),
        None => actor.user.clone(),
    }
}

/// What goes before a command's text: nothing for the step's own command.
fn lead(p: Purpose) -> String {
    match p {
        Purpose::Main => String::new(),
        p => format!("{} ", purpose_words(p)),
    }
}

fn kind_words(kind: &str) -> &str {
    match kind {
        "precheck" => "事前チェック",
        "snapshot" => "スナップショット",
        "action" => "作業",
        "verify" => "確認",
        "manual" => "手作業",
        other => other,
    }
}

fn again(attempt: u32) -> String {
    if attempt > 1 {
        format!("（{attempt} 回目）")
    } else {
        String::new()
    }
}

fn title_or_run(rec: &Record, names: &dyn Names) -> String {
    step_title(rec, names).unwrap_or_else(|| "実行".into())
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

/// What a command left running when it exited, said after its result: never silent.
fn left_behind(b: &Background) -> String {
    let list = |ps: &[crate::journal::record::BackgroundProcess]| {
        ps.iter()
            .map(|p| format!("{} (pid {})", p.name, p.pid))
            .collect::<Vec<_>>()
            .join("、")
    };
    let mut out = String::new();
    if !b.killed.is_empty() {
        out.push_str(&format!(
            "。残っていたプロセスを強制終了: {}",
            list(&b.killed)
        ));
    }
    if b.output_held_open {
        let who = if b.held_by.is_empty() {
            "shisa から見えないプロセス".to_string()
        } else {
            list(&b.held_by)
        };
        out.push_str(&format!(
            "。出力は {who} が開いたままで、そのプロセスは残した（以降の出力はログにない）"
        ));
    }
    out
}
