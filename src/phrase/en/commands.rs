//! English: a step's commands: its start, each command, its checks and waits, its
//! snapshot, a stop.

use super::*;

pub(super) fn say(book: &English, rec: &Record, names: &dyn Names) -> Phrase {
    // The sentence starts with the step it is about, if any.
    let step = || match step_title(rec, names) {
        Some(t) => Phrase::new().plain(format!("{t}: ")),
        None => Phrase::new(),
    };
    match &rec.body {
        Body::StepStarted {
            step_kind,
            mutating,
            ..
        } => {
            let m = if *mutating { ", changes something" } else { "" };
            step()
                .marked(Mark::Started)
                .plain(format!("started ({step_kind}{m})"))
        }
        Body::CommandStarted {
            purpose,
            attempt,
            command,
            poll,
            ..
        } => {
            let lead = match purpose {
                Purpose::Main => String::new(),
                p => format!("{} ", purpose_words(*p)),
            };
            step()
                .plain(lead)
                .code(command_line(command))
                .plain(format!(" is running{}", again(*attempt, *poll)))
        }
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
            let left = left_behind(background);
            let say = |text: &Option<String>| {
                said(why.as_ref(), text.as_deref(), |w| book.command_failure(w))
            };
            if let Some(why) = not_yet.as_ref().and(say(not_yet)) {
                let what = purpose_words(*purpose);
                return step().plain(format!(
                    "{what}: not yet — {why} (poll {attempt}, {})",
                    book.duration(*duration_ms)
                ));
            }
            let what = purpose_words(*purpose);
            let took = book.duration(*duration_ms);
            // The last poll of a wait that ran out is a poll like those before it: it says
            // what it saw. The failure is the wait's, said once by `wait_finished` with the
            // time waited; the deadline is not a second figure (issue 17).
            if let (false, Some(CommandFailure::Deadline { last, .. })) = (*ok, why) {
                return step()
                    .plain(format!("{what}: did not hold at the last poll — "))
                    .ticked(&book.command_failure(last))
                    .plain(format!(" (poll {attempt}, {took}){left}"));
            }
            let command = names.command_of(rec);
            // "verify 1 passed: `cmd` → exit 0", or without the command "verify 1 passed → exit 0".
            let with = |p: Phrase, lead: &str, bare: &str| match &command {
                Some(c) => p.plain(format!("{lead}: ")).code(c),
                None => p.plain(bare.to_string()),
            };
            if *ok {
                let result = match exit {
                    Some(code) => format!(" → exit {code} ({took})"),
                    None => format!(" ({took})"),
                };
                let p = match purpose {
                    Purpose::Main => match &command {
                        Some(c) => step().plain("ran ").code(c),
                        None => step().plain("the command ran"),
                    },
                    Purpose::Verify(_) => {
                        with(step(), &format!("{what} passed"), &format!("{what} passed"))
                    }
                    _ => with(step(), &what, &format!("{what} ran")),
                };
                p.plain(result + &again(*attempt, *poll) + &left)
            } else {
                let why = say(failure).unwrap_or_else(|| match (exit, signal) {
                    _ if *timed_out => "timed out".into(),
                    (_, Some(s)) => format!("killed by signal {s}"),
                    (Some(c), _) => format!("exit {c}"),
                    (None, None) => "failed".into(),
                });
                let lead = format!("{what} failed");
                with(step().marked(Mark::Failed), &lead, &lead)
                    .plain(" — ")
                    .ticked(&why)
                    .plain(format!(" (after {took}){}{left}", again(*attempt, *poll)))
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
                _ => format!("did not meet “{expectation}”: {detail}"),
            };
            step().plain(format!("{} {clause}", purpose_words(*purpose)))
        }
        Body::WaitStarted {
            purpose: Purpose::Main,
            every_ms: None,
            deadline_ms,
            ..
        } => step().plain(format!(
            "waiting {} before the manual step can be marked done",
            book.duration(*deadline_ms)
        )),
        Body::WaitStarted {
            purpose,
            every_ms,
            deadline_ms,
            restarted: Some(r),
            ..
        } => step().plain(format!(
            "polling {} again every {} until it holds, for at most {} from now: the wait before the stop was cut short after {}, not run out",
            purpose_words(*purpose),
            book.duration(every_ms.unwrap_or(0)),
            book.duration(*deadline_ms),
            crate::phrase::counted(r.polls, "poll", "polls")
        )),
        Body::WaitStarted {
            purpose,
            every_ms,
            deadline_ms,
            ..
        } => step().plain(format!(
            "polling {} every {} until it holds, for at most {}",
            purpose_words(*purpose),
            book.duration(every_ms.unwrap_or(0)),
            book.duration(*deadline_ms)
        )),
        Body::WaitFinished {
            polls: 0,
            waited_ms,
            ..
        } => step().plain(format!(
            "waited {}; the step may be marked done",
            book.duration(*waited_ms)
        )),
        Body::WaitFinished {
            purpose,
            polls,
            waited_ms,
            met: true,
        } => step().plain(format!(
            "{} held after {} ({})",
            purpose_words(*purpose),
            book.duration(*waited_ms),
            crate::phrase::counted(*polls, "poll", "polls")
        )),
        Body::WaitFinished {
            purpose,
            polls,
            waited_ms,
            met: false,
        } => step().marked(Mark::Failed).plain(format!(
            "{} {}",
            purpose_words(*purpose),
            book.never_held(*waited_ms, *polls)
        )),
        Body::SnapshotRecorded { captures, .. } => {
            let list: Vec<String> = captures.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let p = step().plain("snapshot taken");
            if list.is_empty() {
                p
            } else {
                p.plain(" (").code(list.join(", ")).plain(")")
            }
        }
        Body::StopRequested {
            purpose,
            attempt,
            reason,
        } => {
            let what = match purpose {
                Purpose::Main => "the command".to_string(),
                p => purpose_words(*p),
            };
            step().marked(Mark::Interrupted).plain(format!(
                "stopping {what}{}: {reason}",
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
pub(super) fn ran_out(book: &English, rec: &Record, waited_ms: u64, names: &dyn Names) -> Phrase {
    let step = || match step_title(rec, names) {
        Some(t) => Phrase::new().plain(format!("{t}: ")),
        None => Phrase::new(),
    };
    match &rec.body {
        Body::CommandFinished {
            purpose,
            duration_ms,
            why: Some(CommandFailure::Deadline { polls, last, .. }),
            ..
        } => {
            let p = step()
                .marked(Mark::Failed)
                .plain(format!("{} ", purpose_words(*purpose)));
            let p = match names.command_of(rec) {
                Some(c) => p.code(c).plain(" "),
                None => p,
            };
            let miss = book.command_failure(last);
            p.ticked(&book.wait_missed(waited_ms, *polls, &miss, Some(*duration_ms)))
        }
        Body::WaitFinished { purpose, .. } => step().plain(format!(
            "stopped polling {}: it never held",
            checked(*purpose)
        )),
        // The step's failure reads as the live timeline says it: it names the check.
        _ => book.record(rec, names),
    }
}

/// What was polled or failed, as a sentence names it: `verify 1`, `rollback 2`, or the
/// step's own `the command`, `the target lookup`.
pub(super) fn checked(p: Purpose) -> String {
    match p {
        Purpose::Main => "the command".into(),
        Purpose::Describe | Purpose::Impact => format!("the {}", purpose_words(p)),
        p => purpose_words(p),
    }
}
