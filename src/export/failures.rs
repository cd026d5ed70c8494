//! The failures section: each failed command with its exit code, failure reason and the last
//! lines of its output log, and each step a safety gate refused.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::ctx::Ctx;
use super::model::Failure;
use super::sections::{each, step};
use super::text::{clip, command_line};
use crate::journal::record::{Body, CommandFailure};
use crate::phrase::said;
use crate::text_safety::{one_line, sanitize};

/// How much of a failed command's output the failures section quotes.
const LAST_LINES: usize = 10;
const TAIL_BYTES: u64 = 64 * 1024;

pub fn failures(ctx: &Ctx) -> Vec<Failure> {
    let records = &ctx.src.journal.records;
    each(ctx, |i, r| {
        let (step, step_title) = step(ctx, r);
        match &r.body {
            Body::CommandFinished {
                purpose,
                attempt,
                exit,
                signal,
                timed_out,
                log,
                ok: false,
                failure,
                not_yet: None,
                why,
                ..
            } => {
                let command = records[..i].iter().rev().find_map(|s| match &s.body {
                    Body::CommandStarted {
                        purpose: p,
                        attempt: a,
                        command,
                        ..
                    } if s.step == r.step && p == purpose && a == attempt => {
                        Some(command_line(command))
                    }
                    _ => None,
                });
                let (last_lines, log_problem) = tail(ctx, log);
                Some(Failure {
                    time: ctx.time(i),
                    step,
                    step_title,
                    purpose: Some(purpose.to_string()),
                    purpose_of: Some(*purpose),
                    attempt: Some(*attempt),
                    command,
                    exit_code: *exit,
                    signal: *signal,
                    timed_out: *timed_out,
                    reason: match why {
                        // A wait that ran out of time: as long as it lasted, as its timeline
                        // row says it, not its limit.
                        Some(CommandFailure::Deadline {
                            deadline_ms,
                            polls,
                            last,
                        }) => {
                            let waited = ctx.waited_ms(i).unwrap_or(*deadline_ms);
                            ctx.book.wait_missed(
                                waited,
                                *polls,
                                &ctx.book.command_failure(last),
                                None,
                            )
                        }
                        _ => said(why.as_ref(), failure.as_deref(), |w| {
                            ctx.book.command_failure(w)
                        })
                        .unwrap_or_else(|| "failed".into()),
                    },
                    log: Some(log.clone()).filter(|l| !l.is_empty()),
                    last_lines,
                    log_problem,
                    seq: r.seq,
                })
            }
            // A gate's refusal: no command failed, the step did.
            Body::StepFailed { reason, why, .. } if !ctx.follows_failed_command(r) => {
                Some(Failure {
                    time: ctx.time(i),
                    step,
                    step_title,
                    purpose: None,
                    purpose_of: None,
                    attempt: None,
                    command: None,
                    exit_code: None,
                    signal: None,
                    timed_out: false,
                    reason: said(why.as_ref(), Some(reason), |w| {
                        ctx.book.step_failure(w, reason)
                    })
                    .unwrap_or_default(),
                    log: None,
                    last_lines: Vec::new(),
                    log_problem: None,
                    seq: r.seq,
                })
            }
            _ => None,
        }
    })
}

/// The last lines of an output log (at most the last 64 KiB are read), made safe to print.
/// The log is already redacted by the runner; nothing unredacted is read here.
fn tail(ctx: &Ctx, log: &str) -> (Vec<String>, Option<String>) {
    let run_dir: &Path = &ctx.src.run_dir;
    if log.is_empty() {
        return (Vec::new(), Some(ctx.words.log_none()));
    }
    if log.contains("..") || log.starts_with('/') {
        return (Vec::new(), Some(ctx.words.log_outside(log)));
    }
    let read = || -> std::io::Result<(Vec<u8>, bool)> {
        let mut f = std::fs::File::open(run_dir.join(log))?;
        let len = f.metadata()?.len();
        let from = len.saturating_sub(TAIL_BYTES);
        f.seek(SeekFrom::Start(from))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        Ok((buf, from > 0))
    };
    let (bytes, cut) = match read() {
        Ok(v) => v,
        Err(e) => return (Vec::new(), Some(format!("{log}: {e}"))),
    };
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    if cut && !lines.is_empty() {
        lines.remove(0); // a partial first line
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    if lines.is_empty() {
        return (Vec::new(), Some(ctx.words.log_empty()));
    }
    let from = lines.len().saturating_sub(LAST_LINES);
    let out = lines[from..]
        .iter()
        .map(|l| clip(&one_line(&sanitize(l, false)), 400))
        .collect();
    (out, None)
}
