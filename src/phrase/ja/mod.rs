//! Japanese: records as a 時系列の報告 says them — plain form, the step named by its title
//! in 「」, people by account. What a person wrote (a title, a note, a reason) is kept as
//! written. Reasons shisa journaled as data are said in Japanese (`words.rs`, `reasons.rs`); an old
//! journal's reasons, English sentences only, are quoted as journaled.

mod commands;
mod decisions;
mod reasons;
mod run;
mod ssh;
mod targets;
mod words;

use super::{
    Attempts, Mark, Marker, Names, Phrase, Phrasebook, StepPassed, Unended, command_line,
    run_end_said, said, step_title, title,
};
use crate::engine::messages::AbortedAt;
use crate::journal::record::{
    Actor, Background, Body, Choice, CommandFailure, Expected, Outcome, OverrideKind, Person,
    Prompt, Purpose, Record, Role, RunEnd, Saw, StepFailure, StepStatus,
};
use crate::journal::record::{Halt, NotCounted, Shut, StepEnd};
pub use words::{guard_words, purpose_words, quote};

pub struct Japanese;

impl Phrasebook for Japanese {
    fn record(&self, rec: &Record, names: &dyn Names) -> Phrase {
        match &rec.body {
            Body::RunStarted { .. }
            | Body::WindowChecked { .. }
            | Body::Override { .. }
            | Body::Waiver { .. }
            | Body::RollbackStarted { .. }
            | Body::RollbackRequested { .. }
            | Body::RollbackFinished { .. }
            | Body::WatcherJoined { .. }
            | Body::WatcherLeft { .. }
            | Body::ClientRefused { .. }
            | Body::RunInterrupted { .. }
            | Body::RunResumed { .. }
            | Body::JournalRecovered { .. }
            | Body::RunbookChanged { .. }
            | Body::CaptureRerun { .. }
            | Body::RunFinished { .. } => run::say(self, rec, names),
            Body::StepStarted { .. }
            | Body::CommandStarted { .. }
            | Body::CommandFinished { .. }
            | Body::ExpectFailed { .. }
            | Body::WaitStarted { .. }
            | Body::WaitFinished { .. }
            | Body::SnapshotRecorded { .. }
            | Body::StopRequested { .. } => commands::say(self, rec, names),
            Body::TargetResolved { .. }
            | Body::TargetImpact { .. }
            | Body::TargetDenied { .. }
            | Body::TargetConfirmed { .. }
            | Body::TargetMismatch { .. }
            | Body::NoReturnConfirmed { .. } => targets::say(self, rec, names),
            Body::ApprovalRequested { .. }
            | Body::ApprovalGranted { .. }
            | Body::ApprovalRejected { .. }
            | Body::ApprovalRefused { .. }
            | Body::ManualDone { .. }
            | Body::OperatorNote { .. }
            | Body::StepFailed { .. }
            | Body::OperatorChoice { .. }
            | Body::StepFinished { .. } => decisions::say(self, rec, names),
        }
    }

    fn aborted_at(
        &self,
        finished: &Record,
        at: Option<&str>,
        left: &[String],
        undone: Option<&str>,
    ) -> Phrase {
        run::aborted_at(self, finished, at, left, undone)
    }

    fn never_finished(&self, started: &Record, names: &dyn Names, how: Unended) -> Phrase {
        let command = match &started.body {
            Body::CommandStarted { command, .. } => command_line(command),
            _ => String::new(),
        };
        let said = match how {
            Unended::Running => {
                " はジャーナルが終わった時点で実行中だった。結果は記録されていない".to_string()
            }
            // The crash came while its result was being written: it had ended.
            Unended::ResultTorn => {
                " は終了したが、結果のレコードが途中で途切れており、終了コードは分からない".into()
            }
            // Never more than the torn bytes say: one of these ended.
            Unended::OneOfTorn { of } => format!(
                " は実行中だったか、終了した直後だった。途切れた最終行は、結果が記録されていない {of} 件のコマンドのうちいずれかの結果だが、どれのものかを示す前で途切れている。終了コードは分からない"
            ),
            // The result is journaled, on a line the export cannot trust: not "none". That
            // line may itself be the damaged one: "left out", not "past the damage".
            Unended::PastDamage { first_left_out: n } => {
                format!(" の結果は除外した {n} 行目以降にあり、ここには示していない")
            }
        };
        Phrase::new()
            .plain(format!("{}：", quote(&title_or_run(started, names))))
            .code(command)
            .plain(said)
    }

    fn window_overridden(&self, checked: &Record, names: &dyn Names) -> Phrase {
        let Body::WindowChecked {
            local, reason, why, ..
        } = &checked.body
        else {
            return self.record(checked, names);
        };
        // The reason names the time (its weekday in （）): said once, outside any bracket.
        let shut = match (why, reason) {
            (Some(w), _) => self.shut(w),
            (None, r) => format!(
                "作業時間帯外（{}）：{}",
                reasons::local(local),
                r.as_deref().unwrap_or("許可された時間帯の外")
            ),
        };
        Phrase::new()
            .marked(Mark::WindowClosed)
            .plain(format!("{}：", quote(&title_or_run(checked, names))))
            .ticked(&shut)
            .plain("。オーバーライドにより続行")
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

    /// `12 ミリ秒`, `3.4 秒`, `2 分 5 秒`, `1 時間 4 分`.
    fn duration(&self, ms: u64) -> String {
        words::duration(ms)
    }

    fn step_passed(&self, s: &StepPassed) -> Phrase {
        let mut p = Phrase::new().marked(Mark::Done).plain(format!(
            "{}が完了（{}）",
            quote(&s.title),
            self.duration(s.took_ms)
        ));
        if let Some(cmd) = s.main().and_then(|m| m.command.clone()) {
            p = p.plain("：").code(cmd).plain(" を実行");
        }
        let checks = s.checks();
        match checks {
            0 => {}
            // 「1 件も」 reads as the negative 「1 件も…ない」: the count in brackets.
            1 => p = p.plain("、検証（1 件）も成功"),
            n => p = p.plain(format!("、検証 {n} 件すべて成功")),
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

    fn wait_missed(
        &self,
        waited_ms: u64,
        polls: u32,
        miss: &str,
        last_try_ms: Option<u64>,
    ) -> String {
        let last = last_try_ms.map_or_else(String::new, |ms| format!("（{}）", self.duration(ms)));
        format!(
            "{}待っても条件を満たさなかった（試行 {polls} 回）。最後の試行{last}では、{miss}",
            self.duration(waited_ms)
        )
    }

    fn wait_ran_out(&self, rec: &Record, waited_ms: u64, names: &dyn Names) -> Phrase {
        commands::ran_out(self, rec, waited_ms, names)
    }

    fn command_failure(&self, f: &CommandFailure) -> String {
        words::command_failure(f)
    }

    fn unmet(&self, expected: &Expected, saw: &Saw) -> String {
        words::unmet(expected, saw)
    }

    fn step_failure(&self, f: &StepFailure, _journaled: &str) -> String {
        reasons::step_failure(f)
    }

    fn run_end(&self, e: &RunEnd) -> String {
        reasons::run_end(e)
    }

    fn aborted(&self, at: AbortedAt, operator: &str) -> String {
        reasons::aborted(at, operator)
    }

    fn rolled_back_on_request(&self, operator: &str) -> String {
        format!("{operator} の求めに応じてロールバックした")
    }

    fn rolled_back_after(&self, title: &str, checks: &[u32], chose: Option<&str>) -> String {
        let what = match checks {
            [] => quote(title).to_string(),
            n => {
                let n: Vec<String> = n.iter().map(u32::to_string).collect();
                format!("{}の検証 {} ", quote(title), n.join("、"))
            }
        };
        match chose {
            Some(who) => format!("{what}が失敗し、{who} の判断でロールバックした"),
            None => format!("{what}が失敗したため、ロールバックした"),
        }
    }

    fn step_end(&self, e: &StepEnd) -> String {
        reasons::step_end(e)
    }

    fn halt(&self, h: &Halt) -> String {
        reasons::halt(h)
    }

    fn shut(&self, s: &Shut) -> String {
        reasons::shut(s)
    }

    fn not_counted(&self, n: &NotCounted) -> String {
        reasons::not_counted(n)
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
            "ブラインド確認：チケットにある、意図する対象を入力してください。入力するまで対象は表示しません"
        } else {
            "承認するには対象を入力してください"
        })
    }

    fn attempts(&self, a: &Attempts) -> Phrase {
        let mut p = match &a.step {
            Some(t) => Phrase::new().plain(format!("{q_t}：", q_t = quote(t))),
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
                    "は {took}待った時点でまだ条件を満たしていなかった（試行 {polls} 回：{miss}）"
                ));
            }
            (Some(1), true) => return p.plain("が初回の試行で条件を満たした"),
            (Some(polls), true) => {
                return p.plain(format!(
                    "が {took}待って条件を満たした（試行 {polls} 回。それまでは {miss}）"
                ));
            }
            (Some(polls), false) => {
                return p.marked(Mark::Failed).plain(format!(
                    "は {}",
                    self.wait_missed(a.took_ms, polls, miss, None)
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
                .plain(format!("が {n} 回とも失敗（{took}）：{miss}"))
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
                "ブラインド確認：チケットにある、意図する対象を入力してください。一致するまで実際の対象は表示しません（残り {left} 回）"
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

/// A step's kind (`action`) in Japanese (`作業`); an unknown one as journaled.
pub fn kind_words(kind: &str) -> &str {
    match kind {
        "precheck" => "事前チェック",
        "snapshot" => "スナップショット",
        "action" => "作業",
        "verify" => "検証",
        "manual" => "手作業",
        other => other,
    }
}

/// A command's name before a particle: "コマンドが失敗", "検証 2 が失敗" — a space only
/// after a number.
fn spaced(what: String) -> String {
    if what.ends_with(|c: char| c.is_ascii_digit()) {
        what + " "
    } else {
        what
    }
}

/// 待機の試行は試行と呼び、再試行の「回目」とは分ける。
fn again(attempt: u32, poll: bool) -> String {
    match (attempt > 1, poll) {
        (false, _) => String::new(),
        (true, true) => format!("（{attempt} 回目の試行）"),
        (true, false) => format!("（{attempt} 回目）"),
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
            "。残っていたプロセスを強制終了：{}",
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
