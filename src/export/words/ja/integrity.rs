//! Japanese: what `shisa verify` would say of the journal, and the warnings when it or the
//! runbook is not as the run left it.

use super::super::{HeadsToCompare, Markup};

const FALLBACK: &str = "ステップ名はジャーナルの記録どおりで、未実施のステップは載らない";

pub fn chain_intact(records: usize, logs: Option<usize>) -> String {
    match logs {
        Some(0) => format!("チェーンは {records} レコードすべて正常、出力ログなし"),
        Some(n) => format!("チェーンは {records} レコードすべて正常、出力ログ {n} 件も一致"),
        None => "チェーンは正常".into(),
    }
}

pub fn chain_broken(line: usize, reason: &str, kept: Option<usize>) -> String {
    match kept {
        Some(n) => {
            format!("{line} 行目で破損：{reason}。1〜{n} 行目の {n} レコードのみを示す")
        }
        None => format!("{line} 行目で破損：{reason}"),
    }
}

pub fn chain_altered(line: usize, kept: usize) -> String {
    let before = line - 1;
    format!(
        "{line} 行目で破損：{line} 行目の prev が {before} 行目のハッシュと一致しないため、{before} 行目か {line} 行目が改変されている。1〜{kept} 行目の {kept} レコードのみを示す"
    )
}

pub fn integrity_warning(detail: &str) -> String {
    format!(
        "ジャーナルの完全性：{detail}。このエクスポートは実行の記録ではなく、改ざんまたは破損の証拠として扱うこと。"
    )
}

pub fn runbook_warning(note: &str) -> String {
    format!("手順書：{note}。")
}

pub fn runbook_changed(path: &str, sha: &str) -> String {
    format!("{path} は実行後に変更されている（現在の SHA-256 は {sha}）。{FALLBACK}")
}

pub fn runbook_unreadable(path: &str) -> String {
    format!("{path} を読めないか、もう有効な手順書ではない。{FALLBACK}")
}

pub fn no_run_started() -> String {
    "ジャーナルが run_started で始まっていない".into()
}

pub fn verify_line(m: &dyn Markup, passed: bool, detail: &str) -> String {
    let verdict = if passed {
        "成功".to_string()
    } else {
        m.strong("失敗")
    };
    format!(
        "{}：{verdict}（{}）",
        m.code("shisa verify", false),
        m.esc(detail)
    )
}

pub fn torn_line(bytes: usize) -> String {
    format!(
        "最終行が途切れている（{bytes} バイト）。書き込み中にクラッシュした可能性が高い（改ざんの可能性は低い）。"
    )
}

pub fn untrusted_line(first: usize, last: usize) -> String {
    if first == last {
        format!("{first} 行目は、このエクスポートから除外した。")
    } else {
        let n = last + 1 - first;
        format!("{first}〜{last} 行目（{n} 行）は、このエクスポートから除外した。")
    }
}

/// Only the heads there are to compare, 実行終了時に表示されたもの only for a run that
/// printed one (issue 17, third cold read), and 閲覧者が控えたもの only for a run that had
/// a watcher, run by run (fourth cold read, N5): the runs with the same copies in one clause.
pub fn compare_head(m: &dyn Markup, h: &HeadsToCompare) -> String {
    let cmd = m.code("shisa verify RUN_DIR --head HASH", false);
    let named = |runs: &[String]| match runs {
        [] if h.every => "各実行のヘッド".to_string(),
        [] => "このヘッド".to_string(),
        many => format!("{} のヘッド", many.join("、")),
    };
    // Each clause: whose head, the copies to compare it with, and whether none was printed.
    let mut compare: Vec<(String, &str, bool)> = Vec::new();
    let mut nothing = None;
    for g in &h.groups {
        let which = named(&g.runs);
        match (g.copies.printed, g.copies.watched) {
            (true, true) => compare.push((
                which,
                "実行終了時に表示されたものや閲覧者が控えたもの",
                false,
            )),
            (true, false) => compare.push((which, "実行終了時に表示されたもの", false)),
            (false, true) => compare.push((which, "閲覧者が控えたもの", true)),
            (false, false) => nothing = Some(which),
        }
    }
    let not_printed = "（実行終了時には表示されていない）";
    let sentence = match compare.as_slice() {
        [] => String::new(),
        // One clause: the note on what was not printed closes the sentence.
        [(which, with, unprinted)] => {
            let note = if *unprinted { not_printed } else { "" };
            format!("{which}を、{with}と照合すること{note}：{cmd}。")
        }
        // Several: each clause carries its own note.
        many => {
            let clauses: Vec<String> = many
                .iter()
                .map(|(which, with, unprinted)| {
                    let note = if *unprinted { not_printed } else { "" };
                    format!("{which}を{with}{note}と")
                })
                .collect();
            format!("{}照合すること：{cmd}。", clauses.join("、"))
        }
    };
    match nothing {
        None => sentence,
        Some(which) if compare.is_empty() => format!(
            "{which}と照合できる控えはない（実行終了時に表示されておらず、閲覧者もいない）。ほかの方法で控えたヘッドがあれば {cmd} で照合できる。"
        ),
        Some(which) => format!(
            "{sentence}{which}と照合できる控えはない（実行終了時に表示されておらず、閲覧者もいない）。"
        ),
    }
}
