//! The integrity section's advice on comparing heads, decided run by run.

use super::{HeadCopies, HeadGroup, HeadsToCompare, of};
use crate::export::markup::Markdown;
use crate::phrase::Lang;

fn heads(every: bool, groups: &[(&[&str], bool, bool)]) -> HeadsToCompare {
    HeadsToCompare {
        every,
        groups: groups
            .iter()
            .map(|(runs, printed, watched)| HeadGroup {
                runs: runs.iter().map(|r| r.to_string()).collect(),
                copies: HeadCopies {
                    printed: *printed,
                    watched: *watched,
                },
            })
            .collect(),
    }
}

fn said(lang: Lang, h: &HeadsToCompare) -> String {
    of(lang).compare_head(&Markdown, h)
}

/// One run: a watcher's copy only when it had a watcher, the printed one only when it
/// printed one, and nothing to compare when neither.
#[test]
fn a_single_runs_head_is_compared_with_the_copies_it_has() {
    let cmd = "`shisa verify RUN_DIR --head HASH`";
    for (printed, watched, en, ja) in [
        (
            true,
            true,
            format!(
                "Compare the head with the one printed at the end of the run or kept by a watcher: {cmd}."
            ),
            format!(
                "このヘッドを、実行終了時に表示されたものや閲覧者が控えたものと照合すること：{cmd}。"
            ),
        ),
        (
            true,
            false,
            format!("Compare the head with the one printed at the end of the run: {cmd}."),
            format!("このヘッドを、実行終了時に表示されたものと照合すること：{cmd}。"),
        ),
        (
            false,
            true,
            format!(
                "Compare the head with the one kept by a watcher (none was printed at the end: the run did not finish): {cmd}."
            ),
            format!(
                "このヘッドを、閲覧者が控えたものと照合すること（実行終了時には表示されていない）：{cmd}。"
            ),
        ),
        (
            false,
            false,
            format!(
                "There is nothing to compare the head with: none was printed at the end (the run did not finish) and no watcher kept one; {cmd} checks a head kept some other way."
            ),
            format!(
                "このヘッドと照合できる控えはない（実行終了時に表示されておらず、閲覧者もいない）。ほかの方法で控えたヘッドがあれば {cmd} で照合できる。"
            ),
        ),
    ] {
        let h = heads(false, &[(&[], printed, watched)]);
        assert_eq!(said(Lang::En, &h), en);
        assert_eq!(said(Lang::Ja, &h), ja);
    }
}

/// Merged runs with different copies: each clause names its runs, and the note that none
/// was printed stays with the runs it is about.
#[test]
fn merged_runs_are_each_offered_their_own_copies() {
    let h = heads(
        false,
        &[
            (&["#1", "#3"], false, true),
            (&["#2"], true, false),
            (&["#4"], false, false),
        ],
    );
    assert_eq!(
        said(Lang::En, &h),
        "Compare the heads of #1, #3 with the ones kept by a watcher (none was printed at the end: the runs did not finish), \
         and #2's head with the one printed at the end of the run: `shisa verify RUN_DIR --head HASH`. \
         There is nothing to compare #4's head with: none was printed at the end (the run did not finish) and no watcher kept one."
    );
    assert_eq!(
        said(Lang::Ja, &h),
        "#1、#3 のヘッドを閲覧者が控えたもの（実行終了時には表示されていない）と、\
         #2 のヘッドを実行終了時に表示されたものと照合すること：`shisa verify RUN_DIR --head HASH`。\
         #4 のヘッドと照合できる控えはない（実行終了時に表示されておらず、閲覧者もいない）。"
    );
    // All runs alike: one clause for every run.
    let h = heads(true, &[(&[], true, false)]);
    assert_eq!(
        said(Lang::En, &h),
        "Compare each run's head with the one printed at the end of that run: `shisa verify RUN_DIR --head HASH`."
    );
    assert_eq!(
        said(Lang::Ja, &h),
        "各実行のヘッドを、実行終了時に表示されたものと照合すること：`shisa verify RUN_DIR --head HASH`。"
    );
}
