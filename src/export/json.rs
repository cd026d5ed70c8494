//! The postmortem as data, for incident tools. The shape (version 1; fields are only ever
//! added):
//!
//! ```text
//! {
//!   "format": "shisa-export", "version": 1,
//!   "run": { runbook {name, path, sha256, matches_file, note}, run_id, operator, host,
//!            reviewers [], watchers [], start, end, duration_ms,
//!            state ("finished" | "live" | "halted" | "cut_off"),
//!            outcome ("completed" | "failed" | "rolled_back" | "aborted" | "refused" | null),
//!            exit_code, reason, verdict, timezone {name, label, source, multi_day},
//!            params {name: value, secrets as "[REDACTED:name]"}, mode, tool_version,
//!            clock_faked },
//!   "timeline": [ { time, actor, type (the journal record kind), marker ("FAILED",
//!                   "APPROVED", "ROLLBACK", "OVERRIDE", … or null), summary, step,
//!                   step_title, exit_code, duration_ms, seq, record_hash } ],
//!   "steps":     [ { id, title, kind, mutating, status, started, ended,
//!                    rollback_started, rollback_ended } ],
//!   "snapshots": [ { time, step, step_title, captures {}, log } ],
//!   "targets":   [ { time, step, step_title, resolved, typed, by, result, detail } ],
//!   "approvals": [ { time, step, step_title, by, typed, result, detail } ],
//!   "failures":  [ { time, step, step_title, purpose, attempt, command, exit_code, signal,
//!                    timed_out, reason, log, last_lines [], log_problem, seq } ],
//!   "rollbacks": [ { started, by, plan [], without_rollback [], commands [ {time,
//!                    step_title, command, exit_code, ok, failure} ], finished, ok } ],
//!   "overrides": [ { time, by, what, step_title, reason } ],
//!   "waivers":   [ { step, step_title, guard, reason } ],
//!   "notes":     [ { time, by, step_title, text } ],
//!   "integrity": { records, chain_head, verify_passed, detail, torn_bytes,
//!                  untrusted_lines },
//!   "warnings":  [ "…" ]
//! }
//! ```
//!
//! Every time is RFC 3339 with milliseconds, in the export's zone (`run.timezone`).
//! `record_hash` is the SHA-256 of the journal line, the value the next line's `prev`
//! holds; the last one is `integrity.chain_head`. Absent values are `null`.

use serde::Serialize;

use super::model::RunReport;

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    version: u32,
    #[serde(flatten)]
    report: &'a RunReport,
}

pub fn render(r: &RunReport) -> String {
    let doc = Document {
        format: "shisa-export",
        version: 1,
        report: r,
    };
    // Serializing plain structs of strings and numbers cannot fail.
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
