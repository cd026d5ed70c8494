//! Whether the run finished, is live, halted or was cut off, in words; what `shisa verify`
//! would say about its journal; and the warnings a reader must not miss.

use super::ctx::Ctx;
use super::model::{Integrity, RunState, Summary};
use super::source::OpenedRun;
use crate::journal::record::Body;

/// How the run stands, for the summary.
pub struct State {
    pub state: RunState,
    /// The outcome's key (`completed`, `rolled_back`, …) once it finished.
    pub outcome: Option<String>,
    pub exit_code: Option<u8>,
    pub reason: Option<String>,
    /// A short verdict.
    pub verdict: String,
    /// The full explanation (a warning) when the run has not finished.
    pub explanation: String,
}

pub fn state(ctx: &Ctx, finish: Option<usize>) -> State {
    let records = &ctx.src.journal.records;
    if let Some(Body::RunFinished {
        outcome,
        exit_code,
        reason,
    }) = finish.map(|i| &records[i].body)
    {
        let why = reason
            .as_ref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        let key = serde_json::to_value(outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string));
        let verdict = format!("{} (exit {exit_code}){why}", outcome.name());
        return State {
            state: RunState::Finished,
            outcome: key,
            exit_code: Some(*exit_code),
            reason: reason.clone(),
            verdict,
            explanation: String::new(),
        };
    }
    let dir = ctx.src.run_dir.display();
    if ctx.src.live {
        let why = format!(
            "LIVE: the run is still going on (another shisa process holds {dir}); this export shows the journal as written at {}",
            ctx.zone.at(chrono::Utc::now().fixed_offset()).with_offset()
        );
        return State::unfinished(RunState::Live, None, "LIVE: still running".into(), why);
    }
    let interrupted = records.iter().rev().find_map(|r| match &r.body {
        Body::RunInterrupted { reason } => Some(Some(reason.clone())),
        Body::RunResumed { .. } => Some(None),
        _ => None,
    });
    if let Some(Some(reason)) = interrupted {
        let why = format!(
            "HALTED: the run was interrupted ({reason}) and has not finished; {}",
            resume_hint(ctx)
        );
        let short = format!("HALTED: interrupted, not finished ({reason})");
        return State::unfinished(RunState::Halted, Some(reason), short, why);
    }
    let torn = match &ctx.src.journal.torn {
        Some(t) => format!(
            "; its last line is torn ({} bytes without a newline), so the crash came while a record was being written",
            t.len()
        ),
        None => String::new(),
    };
    let why = format!(
        "CUT OFF: the journal ends without `run_finished` and no process holds the run, so shisa was killed or its machine went down{torn}. Steps in progress then are in doubt; {}",
        resume_hint(ctx)
    );
    let short = "CUT OFF: the journal ends without run_finished (crash or kill)".to_string();
    State::unfinished(RunState::CutOff, None, short, why)
}

impl State {
    fn unfinished(state: RunState, reason: Option<String>, verdict: String, why: String) -> State {
        State {
            state,
            outcome: None,
            exit_code: None,
            reason,
            verdict,
            explanation: why,
        }
    }
}

/// What resuming this run takes: only suggest `shisa resume` where it would be accepted.
fn resume_hint(ctx: &Ctx) -> String {
    let dir = ctx.src.run_dir.display();
    if ctx.src.broken.is_some() {
        format!("a damaged journal is never resumed (`shisa verify {dir}` shows where it breaks)")
    } else if ctx.src.runbook.is_none() {
        let why = ctx
            .src
            .runbook_note
            .as_deref()
            .unwrap_or("the runbook is not as it was when the run started");
        format!("resuming needs the runbook exactly as it was ({why})")
    } else {
        format!("`shisa resume {dir}` continues it")
    }
}

pub fn integrity(src: &OpenedRun) -> Integrity {
    let j = &src.journal;
    let (verify_passed, detail) = match (&src.broken, &src.logs) {
        (Some(b), _) => (
            false,
            format!(
                "BROKEN at line {}: {}; only the {} records before it are shown",
                b.line,
                b.reason,
                j.records.len()
            ),
        ),
        (None, Some(Err(b))) => (false, format!("BROKEN at line {}: {}", b.line, b.reason)),
        (None, Some(Ok(n))) => (
            true,
            format!(
                "chain intact over {} records, {n} output logs match",
                j.records.len()
            ),
        ),
        (None, None) => (true, "chain intact".into()),
    };
    Integrity {
        records: j.records.len(),
        chain_head: j.head().to_string(),
        verify_passed,
        detail,
        // While the run is live, a partial last line is a write in progress, not a crash.
        torn_bytes: j.torn.as_ref().filter(|_| !src.live).map(Vec::len),
        untrusted_lines: src.untrusted_lines,
    }
}

pub fn warnings(src: &OpenedRun, run: &Summary, integrity: &Integrity) -> Vec<String> {
    let mut w = Vec::new();
    if !integrity.verify_passed {
        w.push(format!(
            "JOURNAL INTEGRITY: {}. Treat this export as evidence of tampering or damage, not as the record of the run.",
            integrity.detail
        ));
    }
    if run.state != RunState::Finished {
        w.push(run.explanation.clone());
    }
    if let Some(note) = &src.runbook_note {
        w.push(format!("Runbook: {note}."));
    }
    w
}
