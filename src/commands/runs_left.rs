//! What a listed run leaves in place, as the engine says it (`Engine::left_in_place`): the
//! run's journal replayed over the runbook it used (`engine::Replay`), so `shisa runs`, the
//! run's own last words, the TUI's end screen and `shisa export` name the same changes
//! (ARCHITECTURE.md, "The engine decides; the driver performs").
//!
//! A replay costs a runbook load, so `runs` asks only for a run that did not complete and
//! in which some change may have begun (`run_history.rs`): the engine counts a change only
//! once its own command started, its manual part was answered, or it ended as if passed,
//! and those records are exactly what the listing's one read looks for.

use std::path::Path;
use std::sync::Arc;

use super::runbook_copy;
use crate::engine::Replay;
use crate::journal::record::Record;
use crate::runbook::load_file;

/// The ids of the steps whose change the engine says the run leaves in place; `None` when
/// the runbook the run used is gone (no kept copy, and the file named changed or missing).
pub fn left_in_place(
    dir: &Path,
    text: &str,
    runbook_path: &str,
    sha256: &str,
) -> Option<Vec<String>> {
    let loaded = match runbook_copy::find(dir, sha256) {
        Some(copy) => runbook_copy::load_copy(&copy).ok()?,
        None => load_file(Path::new(runbook_path))
            .ok()
            .filter(|l| l.sha256 == sha256)?,
    };
    // Line by line, as the listing reads: a torn last line (a crash mid-write) ends it.
    let records: Vec<Record> = text
        .split('\n')
        .filter(|l| !l.is_empty())
        .map_while(|l| serde_json::from_str(l).ok())
        .collect();
    let operator = records.first()?.actor.clone();
    let mut e = Replay::new(Arc::new(loaded.runbook), operator);
    for r in &records {
        e.apply(&r.entry());
    }
    Some(
        e.left_in_place()
            .into_iter()
            .map(|j| e.runbook().steps[j].id.clone())
            .collect(),
    )
}
