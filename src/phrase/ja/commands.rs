//! Japanese: a step's commands: its start, each command, its checks and waits, its
//! snapshot, a stop.

use super::*;

pub(super) fn say(book: &Japanese, rec: &Record, names: &dyn Names) -> Phrase {
    // The step a sentence is about, in 「」, followed by a colon.
    let step = || match step_title(rec, names) {
        Some(t) => Phrase::new().plain(format!("{q_t}：", q_t = quote(&t))),
        None => Phrase::new(),
    };
    let named = || quote(&title_or_run(rec, names));
    match &rec.body {
        Body::StepStarted {
            step_kind,
            mutating,
            ..
        } => {
            // An action that changes something is a 変更作業, one word, not a list.
            let kind = match (step_kind.as_str(), *mutating) {
                ("action", true) => "変更作業".to_string(),
                (k, true) => format!("{}、変更を伴う", kind_words(k)),
                (k, false) => kind_words(k).to_string(),
            };
            Phrase::new()
                .marked(Mark::Started)
                .plain(format!("{}を開始（{kind}）", named()))
        }
        Body::CommandStarted {
            purpose,
            attempt,
            command,
            poll,
            ..
        } => step()
            .plain(lead(*purpose))
            .code(command_line(command))
            .plain(format!(" の実行を開始{}", again(*attempt, *poll))),
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
            poll,
            ..
        } => {
            let say = |text: &Option<String>| {
                said(why.as_ref(), text.as_deref(), |w| book.command_failure(w))
            };
            if let Some(why) = not_yet.as_ref().and(say(not_yet)) {
                // A colon, not an em dash, inside a Japanese sentence (issue 17).
                return step().plain(format!(
                    "{}はまだ条件を満たさない（{} 回目の試行、{}）：{why}",
                    spaced(purpose_words(*purpose)),
                    attempt,
                    book.duration(*duration_ms)
                ));
            }
            let left = left_behind(background);
            let what = purpose_words(*purpose);
            let took = book.duration(*duration_ms);
            // The last poll of a wait that ran out is a poll like those before it; the
            // failure is the wait's, said once by `wait_finished` (issue 17).
            if let (false, Some(CommandFailure::Deadline { last, .. })) = (*ok, why) {
                return step()
                    .plain(format!(
                        "{}は最後の試行でも条件を満たさなかった（{attempt} 回目の試行、{took}）：",
                        spaced(what)
                    ))
                    .ticked(&book.command_failure(last))
                    .plain(left);
            }
            let command = names.command_of(rec);
            if *ok {
                let result = match exit {
                    Some(code) => format!(" → 終了コード {code}（{took}）"),
                    None => format!("（{took}）"),
                };
                let p = match (purpose, &command) {
                    (Purpose::Main, Some(c)) => step().code(c).plain(" を実行"),
                    (Purpose::Main, None) => step().plain("コマンドを実行"),
                    (Purpose::Verify(_), Some(c)) => step().plain(format!("{what} 成功：")).code(c),
                    (Purpose::Verify(_), None) => step().plain(format!("{what} 成功")),
                    (_, Some(c)) => step().plain(format!("{what}：")).code(c),
                    (_, None) => step().plain(format!("{what}を実行")),
                };
                p.plain(result + &again(*attempt, *poll) + &left)
            } else {
                let why = say(failure).unwrap_or_else(|| match (exit, signal) {
                    _ if *timed_out => "タイムアウト".into(),
                    (_, Some(s)) => format!("シグナル {s} で強制終了"),
                    (Some(c), _) => format!("終了コード {c}"),
                    (None, None) => "失敗".into(),
                });
                // How long it ran before failing, said with the failure (39 ミリ秒後に失敗),
                // and the reason as a sentence of its own: no dash inside a Japanese
                // sentence. The command is the subject where it is known; a check keeps
                // its number beside it (検証 2（`…`）が).
                let p = step().marked(Mark::Failed);
                let p = match (purpose, &command) {
                    (Purpose::Main, Some(c)) => p.code(c).plain(" "),
                    (_, Some(c)) => p.plain(format!("{what}（")).code(c).plain("）"),
                    (_, None) => p.plain(spaced(what.clone())),
                };
                p.plain(format!("が {took}後に失敗。"))
                    .ticked(&why)
                    .plain(format!("{}{left}", again(*attempt, *poll)))
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
                (Some(e), Some(s)) => book.unmet(e, s),
                // An old journal: the English words, quoted as journaled.
                _ => format!("が期待「{expectation}」を満たさない：{detail}"),
            };
            step().plain(format!("{}{clause}", spaced(purpose_words(*purpose))))
        }
        Body::WaitStarted {
            purpose: Purpose::Main,
            every_ms: None,
            deadline_ms,
            ..
        } => step().plain(format!(
            "手作業ステップの待機を開始（{} 経過後に完了を記録できる）",
            book.duration(*deadline_ms)
        )),
        Body::WaitStarted {
            purpose,
            every_ms,
            deadline_ms,
            restarted: Some(r),
            ..
        } => step().plain(format!(
            "停止により前回の待機は試行 {} 回で中断された（期限切れではない）。{}を {}ごとに改めて試行し、今から最大 {}待つ",
            r.polls,
            spaced(purpose_words(*purpose)),
            book.duration(every_ms.unwrap_or(0)),
            book.duration(*deadline_ms)
        )),
        Body::WaitStarted {
            purpose,
            every_ms,
            deadline_ms,
            ..
        } => step().plain(format!(
            "{}を {}ごとに試行し、条件を満たすまで最大 {}待つ",
            spaced(purpose_words(*purpose)),
            book.duration(every_ms.unwrap_or(0)),
            book.duration(*deadline_ms)
        )),
        Body::WaitFinished {
            polls: 0,
            waited_ms,
            ..
        } => step().plain(format!(
            "{} 待機した。完了を記録できる",
            book.duration(*waited_ms)
        )),
        Body::WaitFinished {
            purpose,
            polls,
            waited_ms,
            met: true,
        } => step().plain(format!(
            "{}が {}後に条件を満たした（試行 {polls} 回）",
            spaced(purpose_words(*purpose)),
            book.duration(*waited_ms)
        )),
        Body::WaitFinished {
            purpose,
            polls,
            waited_ms,
            met: false,
        } => step().marked(Mark::Failed).plain(format!(
            "{}は {}待っても条件を満たさなかった（試行 {polls} 回）",
            spaced(purpose_words(*purpose)),
            book.duration(*waited_ms)
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
        Body::StopRequested {
            purpose,
            attempt,
            reason,
        } => {
            let what = match purpose {
                Purpose::Main => "コマンド".to_string(),
                p => purpose_words(*p),
            };
            step().marked(Mark::Interrupted).plain(format!(
                "{what}{}を停止中：{reason}",
                again(*attempt, false)
            ))
        }
        // The others are said by the other files of this phrasebook (`mod.rs` sends each
        // record to its file).
        _ => Phrase::new(),
    }
}

/// A wait that ran out, as an export's row says it (`Phrasebook::wait_ran_out`): the figure
/// once, in the last poll's row.
pub(super) fn ran_out(book: &Japanese, rec: &Record, waited_ms: u64, names: &dyn Names) -> Phrase {
    let step = || match step_title(rec, names) {
        Some(t) => Phrase::new().plain(format!("{q_t}：", q_t = quote(&t))),
        None => Phrase::new(),
    };
    match &rec.body {
        Body::CommandFinished {
            purpose,
            duration_ms,
            why: Some(CommandFailure::Deadline { polls, last, .. }),
            ..
        } => {
            let p = step().marked(Mark::Failed).plain(lead(*purpose));
            let p = match names.command_of(rec) {
                Some(c) => p.code(c).plain(" "),
                None => p,
            };
            let miss = book.command_failure(last);
            p.plain("は ")
                .ticked(&book.wait_missed(waited_ms, *polls, &miss, Some(*duration_ms)))
        }
        Body::WaitFinished { purpose, .. } => step().plain(format!(
            "{}の試行を終了（一度も条件を満たさなかった）",
            spaced(purpose_words(*purpose))
        )),
        // The step's failure reads as the live timeline says it: it names the check.
        _ => book.record(rec, names),
    }
}
