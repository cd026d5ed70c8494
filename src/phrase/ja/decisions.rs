//! Japanese: what people decided: approvals, manual steps, notes, the questions a
//! step asked and how it ended.

use super::*;

pub(super) fn say(book: &Japanese, rec: &Record, names: &dyn Names) -> Phrase {
    let who = &rec.actor.user;
    // The step a sentence is about, in 「」, followed by a colon.
    let step = || match step_title(rec, names) {
        Some(t) => Phrase::new().plain(format!("{q_t}：", q_t = quote(&t))),
        None => Phrase::new(),
    };
    let named = || quote(&title_or_run(rec, names));
    // The reason as a sentence of its own: no dash inside a Japanese sentence (issue 17).
    let why = |r: &Option<String>| r.as_ref().map(|r| format!("。{r}")).unwrap_or_default();
    match &rec.body {
        Body::ApprovalRequested { blind: true, .. } => step().plain(
            "第二者の承認待ち（ブラインド：承認者は対象が表示される前に、意図する対象を入力する）",
        ),
        Body::ApprovalRequested {
            expected,
            reviewers: None,
            group: None,
            allow_self: true,
            ..
        } => step()
            .plain("承認待ち：作業者自身も承認できる（手順書で許可）。第二者が承認する場合は ")
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
                "。作業者本人（手順書で許可されている）。入力は "
            } else {
                "。独立に入力した値は "
            };
            step()
                .marked(Mark::Approved)
                .plain(format!("承認 {count}/{needed}：{who}{group}{how}"))
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
            step().marked(Mark::Refused).plain(format!(
                "{who} が承認を却下：{q_reason}",
                q_reason = quote(reason)
            ))
        }
        Body::ApprovalRefused {
            reason,
            person,
            why,
            ..
        } => {
            let reason =
                said(why.as_ref(), Some(reason), |w| book.not_counted(w)).unwrap_or_default();
            let who = person_words(&rec.actor, person);
            step()
                .marked(Mark::Refused)
                .plain(format!("{who} の承認を拒否："))
                .ticked(&reason)
        }
        Body::ManualDone { note, choice, undo } => {
            let what = match (undo, choice) {
                (Some(n), _) => format!("{who} が手作業のロールバック {n} を実施"),
                (None, Some(c)) => format!("{who} が{q_c}と回答", q_c = quote(c)),
                (None, None) => format!("{who} が手作業の完了を記録"),
            };
            match note {
                Some(n) => step().plain(format!("{what}：{q_n}", q_n = quote(n))),
                None => step().plain(what),
            }
        }
        Body::OperatorNote { text } => {
            let who = book.actor(&rec.actor);
            // A space only between a Latin name and kana: never after a full-width bracket.
            let gap = if who.ends_with('）') { "" } else { " " };
            Phrase::new().plain(format!("{who}{gap}のメモ：{q_text}", q_text = quote(text)))
        }
        Body::StepFailed {
            prompt: Prompt::Window,
            reason,
            why,
        } => {
            let reason = said(why.as_ref(), Some(reason), |w| book.step_failure(w, reason))
                .unwrap_or_default();
            step()
                .marked(Mark::WindowClosed)
                .plain("変更の前に停止：")
                .ticked(&reason)
        }
        // One command's failure: its own row, just above, said why; this one names it,
        // as the checks' failure names the checks (issue 17).
        Body::StepFailed {
            why: Some(StepFailure::Command { purpose, failure }),
            ..
        } => {
            let how = match failure {
                CommandFailure::Deadline { .. } => "待機時間内に条件を満たさなかった",
                _ => "失敗",
            };
            step().marked(Mark::Failed).plain(format!(
                "ステップ失敗：{}が{how}",
                spaced(purpose_words(*purpose))
            ))
        }
        Body::StepFailed { reason, why, .. } => {
            let reason = said(why.as_ref(), Some(reason), |w| book.step_failure(w, reason));
            step()
                .marked(Mark::Failed)
                .plain("ステップ失敗：")
                .ticked(&reason.unwrap_or_default())
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
                Choice::RollbackItem => p.plain(format!(
                    "{who} がこのループの今の回だけをロールバックすることを選択"
                )),
                Choice::Retry => p.plain(format!("{who} が再試行を選択")),
                Choice::Abort(Some(r)) => {
                    p.plain(format!("{who} が中止を選択：{q_r}", q_r = quote(r)))
                }
                Choice::Abort(None) => p.plain(format!("{who} が中止を選択")),
                Choice::Continue => p.plain(format!("{who} が失敗を越えて続行することを選択")),
                Choice::Rerun => p.plain(format!("{who} が未確定ステップの再実行を選択")),
                Choice::Override(r) => p.marked(Mark::Override).plain(format!(
                    "{who} がオーバーライドを選択：{q_r}",
                    q_r = quote(r)
                )),
                Choice::Done(r) => p.marked(Mark::Override).plain(format!(
                    "{who} が未確定ステップを再実行せずに完了とした：{q_r}",
                    q_r = quote(r)
                )),
            }
        }
        Body::StepFinished {
            status,
            reason,
            why: end,
        } => {
            let reason = said(end.as_ref(), reason.as_deref(), |w| book.step_end(w));
            let why = why(&reason);
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
                    format!("{t}：事前チェックが失敗し、オーバーライドされた"),
                ),
                StepStatus::Unproven => (
                    Mark::Unproven,
                    format!("{t}を完了として受け入れたが未検証（検証で裏付けられていない）"),
                ),
            };
            // A skip's reason opens with スキップ：, which 「…」をスキップ has just said.
            let why = match why.strip_prefix("。スキップ：") {
                Some(rest) if *status == StepStatus::Skipped => format!("：{rest}"),
                _ => why,
            };
            Phrase::new().marked(mark).plain(words).ticked(&why)
        }
        // The others are said by the other files of this phrasebook (`mod.rs` sends each
        // record to its file).
        _ => Phrase::new(),
    }
}
