//! `shisa watch [RUN_ID] [--headless]`: follow a live run from another terminal, in line
//! mode here or on the TUI (`watch_tui.rs`). Either way the watcher rebuilds the run's
//! state from the records it receives and checks their hash chain as they come
//! (`witness.rs`), so its copy is an independent witness of the journal.

use std::io::Write;
use std::path::PathBuf;

use futures_util::{FutureExt, StreamExt};
use tokio::io::AsyncBufReadExt;

use super::share_clients::runtime;
use super::witness::{Ask, Witness, connection_lost, dropped, finish, message, open_copy};
use crate::exit::{Error, Exit, Result};
use crate::frontend::output_lines::{OutputLines, output_line};
use crate::journal::record::Body;
use crate::share::client;
use crate::share::frame;
use crate::share::protocol::{FrameError, ServerMsg, Want};
use crate::text_safety::one_line;
use crate::timeline;

pub fn run(run_id: Option<&str>, headless: bool, copy: Option<&PathBuf>) -> Result<Exit> {
    let socket = client::find(run_id).map_err(Error::Invalid)?;
    yield_to_the_run();
    let rt = runtime()?;
    if crate::commands::session::is_interactive(headless) {
        super::watch_tui::run(&rt, socket, copy)
    } else {
        let done = rt.block_on(watch_lines(socket, copy));
        // Standard input is read on a blocking thread that waits for a line which may never
        // come (a terminal, an open pipe): the watch is over, so the runtime does not wait
        // for it, or the watcher would hang after the run's end until Enter.
        rt.shutdown_background();
        done
    }
}

/// A watcher yields the processor to the run it watches: twenty watchers on two cores must
/// not delay the run's next step. `SCHED_IDLE` (Linux) runs a watcher only on a processor
/// nothing else wants and lets any waking task preempt it at once, so the run's chain of
/// wake-ups (command exits, journal written, next command spawned) never queues behind a
/// watcher. Nice 19 alone did not do that: its tasks still finish their slice before the
/// run's woken thread gets the processor (20 watchers: 1.12–1.28× at nice 19, 1.05× idle;
/// README, Performance). Under full load an idle watcher gets about what a nice-19 one gets
/// (kernel weights 3 and 15 against the run's 1024: both next to nothing), and one that
/// falls too far behind is dropped by the run, never waited for. Nice 19 stays as well, for
/// systems without `SCHED_IDLE`.
fn yield_to_the_run() {
    use thread_priority::{
        NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy,
        set_thread_priority_and_policy, thread_native_id,
    };
    // Before the runtime starts its threads: they inherit both.
    let _ = set_thread_priority_and_policy(
        thread_native_id(),
        ThreadPriority::Min,
        ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
    );
    let _ = rustix::process::nice(WATCHER_NICENESS);
}

/// How much lower a watcher's scheduling priority is than the run's (nice(2)): the lowest
/// there is.
const WATCHER_NICENESS: i32 = 19;

/// Line mode prints lines, not screens: a quarter of a second between batches reads as
/// live, and the run wakes this watcher a fifth as often as the TUI's 50 ms (README,
/// Performance). The first record after a quiet spell and the run's end still come at once.
const LINES_FRAME_MS: u32 = 250;
/// What line mode gathers before writing to stdout.
const OUT_BUFFER: usize = 256 * 1024;
/// How long line mode holds what it printed while more is still ready to read.
const CATCH_UP_FLUSH: std::time::Duration = std::time::Duration::from_millis(50);

async fn watch_lines(socket: PathBuf, copy: Option<&PathBuf>) -> Result<Exit> {
    let client::Connection {
        mut frames,
        mut writer,
        welcome: w,
    } = match client::connect_paced(&socket, Want::Watch, Some(LINES_FRAME_MS)).await {
        Err(why) if client::refused_as_too_new(&why) => {
            client::connect_paced(&socket, Want::Watch, None).await
        }
        connected => connected,
    }
    .map_err(Error::Failed)?;
    let mut lines = Lines {
        witness: Witness::for_run(&w),
        copy: open_copy(copy)?.map(std::io::BufWriter::new),
        // Large enough for a frame's lines: each batch reaches stdout in one write (8 KiB
        // took two or three, the line-buffered stdout under it splitting at a newline).
        out: std::io::BufWriter::with_capacity(OUT_BUFFER, std::io::stdout().lock()),
        run_id: w.run_id.clone(),
        partial: OutputLines::default(),
    };
    let out = &mut lines.out;
    let _ = writeln!(
        out,
        "watching run {} — {} — operator {}@{}; you are {}",
        w.run_id, w.runbook_name, w.operator, w.host, w.you
    );
    let _ = writeln!(
        out,
        "type `note <text>` to add a note, `approve <target>` to approve the step waiting for it"
    );
    let _ = out.flush();
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    loop {
        tokio::select! {
            got = frame::next(&mut frames) => {
                // Everything that has already arrived is printed with one write; a watcher
                // catching up on a flood still shows what it has every 50 ms, so an approval
                // request is not held behind output still being read.
                let mut got = got;
                let mut batch = std::time::Instant::now();
                loop {
                    if let Some(end) = lines.show(got) {
                        lines.flush();
                        return end;
                    }
                    if batch.elapsed() >= CATCH_UP_FLUSH {
                        lines.flush();
                        batch = std::time::Instant::now();
                    }
                    match frames.next().now_or_never() {
                        Some(next) => got = next.unwrap_or(Err(FrameError::Closed)),
                        None => break,
                    }
                }
                lines.flush();
            }
            line = stdin.next_line(), if stdin_open => match line {
                Ok(Some(line)) => {
                    if let Some(msg) = Ask::parse(&line).and_then(|ask| message(ask, &lines.witness, &w.run_id)) {
                        let _ = frame::write(&mut writer, &msg).await;
                    } else if !line.trim().is_empty() {
                        let _ = writeln!(lines.out, "say `note <text>` or `approve <target>`");
                        lines.flush();
                    }
                }
                _ => stdin_open = false,
            },
        }
    }
}

/// The line-mode watcher's state: its witness, its copy of the journal, its output.
struct Lines<W: Write> {
    witness: Witness,
    copy: Option<std::io::BufWriter<std::fs::File>>,
    out: W,
    run_id: String,
    /// Output lines a piece ended inside of, waiting for the rest.
    partial: OutputLines,
}

impl<W: Write> Lines<W> {
    /// Prints one message from the run; `Some` when the watch is over.
    fn show(&mut self, got: std::result::Result<ServerMsg, FrameError>) -> Option<Result<Exit>> {
        let out = &mut self.out;
        match got {
            Ok(ServerMsg::Record { line }) => {
                if let Some(f) = self.copy.as_mut() {
                    let _ = writeln!(f, "{line}");
                }
                if let Some(rec) = self.witness.take(&line) {
                    // A command's last line, if it had no newline, above its result.
                    if matches!(rec.body, Body::CommandFinished { .. }) {
                        self.partial
                            .finish(|line, stderr| output_line(out, false, line, stderr));
                    }
                    if let Some(text) = timeline::describe(&rec, self.witness.engine.as_deref()) {
                        let _ = writeln!(out, "{}  {}", timeline::clock(&rec.ts), one_line(&text));
                    }
                }
                if let Some(why) = &self.witness.newer {
                    return Some(Err(Error::Invalid(why.clone())));
                }
            }
            Ok(ServerMsg::Output { step, stderr, text }) => {
                self.partial
                    .push(step, stderr, text.as_bytes(), |line, stderr| {
                        output_line(out, false, line, stderr)
                    });
            }
            Ok(ServerMsg::Result { ok, message }) => {
                let verdict = if ok { "ok:" } else { "REFUSED:" };
                let _ = writeln!(out, "{verdict} {}", one_line(&message));
            }
            Ok(ServerMsg::End {
                outcome,
                exit,
                head,
            }) => {
                self.partial
                    .finish(|line, stderr| output_line(out, false, line, stderr));
                let _ = writeln!(out, "the run is over: {} (exit {exit})", one_line(&outcome));
                return Some(Ok(finish(out, &self.witness, Some(&head))));
            }
            // After the welcome an error frame is the run cutting this watcher off: a
            // refusal at hello never gets here (`client::connect` says "refused").
            // What arrived until then is still said to verify or not, as when the
            // connection closes.
            Ok(ServerMsg::Error { message }) => {
                self.partial
                    .finish(|line, stderr| output_line(out, false, line, stderr));
                finish(out, &self.witness, None);
                return Some(Err(Error::Failed(dropped(&message, &self.run_id))));
            }
            Ok(ServerMsg::Welcome(_)) => {}
            Err(e) => {
                self.partial
                    .finish(|line, stderr| output_line(out, false, line, stderr));
                let _ = writeln!(out, "{}", connection_lost(&e));
                return Some(Ok(match finish(out, &self.witness, None) {
                    Exit::Ok => Exit::Failed,
                    other => other,
                }));
            }
        }
        None
    }

    fn flush(&mut self) {
        if let Some(f) = self.copy.as_mut() {
            let _ = f.flush();
        }
        let _ = self.out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::record::{Actor, Role};

    fn lines() -> Lines<Vec<u8>> {
        let operator = Actor {
            role: Role::Operator,
            user: "ops1".into(),
            uid: 1000,
            host: "h".into(),
        };
        Lines {
            witness: Witness::new("version: 1\nname: w\nsteps: []\n", operator),
            copy: None,
            out: Vec::new(),
            run_id: "r-1".into(),
            partial: OutputLines::default(),
        }
    }

    /// A line the run's pipe read cut in two reaches the watcher in two pieces; it is
    /// printed as one line, as the operator's line mode prints it, and a last line without
    /// a newline is printed when the run ends.
    #[test]
    fn a_line_split_between_two_pieces_is_printed_once_whole() {
        let mut l = lines();
        let piece = |text: &str| {
            Ok(ServerMsg::Output {
                step: 0,
                stderr: false,
                text: text.into(),
            })
        };
        for text in ["row 1\nro", "w 2\nrow 3\nno newline"] {
            assert!(l.show(piece(text)).is_none());
        }
        let ended = l.show(Ok(ServerMsg::End {
            outcome: "completed".into(),
            exit: 0,
            head: String::new(),
        }));
        assert!(ended.is_some());
        let said = String::from_utf8(l.out.clone()).unwrap();
        let rows: Vec<&str> = said
            .lines()
            .filter_map(|line| line.trim_start().strip_prefix("│ "))
            .collect();
        assert_eq!(rows, ["row 1", "row 2", "row 3", "no newline"], "{said}");
    }

    /// A watcher the run cuts off after letting it in was dropped, not refused: it is told
    /// why, and that watching again rejoins from the start.
    #[test]
    fn a_watcher_cut_off_later_is_told_it_was_dropped_and_how_to_rejoin() {
        let mut l = lines();
        let why = "dropped: not reading (2048 records behind the run)";
        let ended = l.show(Ok(ServerMsg::Error {
            message: why.into(),
        }));
        let Some(Err(e)) = ended else {
            panic!("the watch ends with an error");
        };
        assert_eq!(e.exit(), Exit::Failed);
        let said = e.to_string();
        assert!(!said.contains("refused"), "{said}");
        assert!(
            said.contains(
                "the run dropped this watcher: not reading (2048 records behind the run)"
            ),
            "{said}"
        );
        assert!(said.contains("`shisa watch r-1` again"), "{said}");
        assert!(said.contains("from the start"), "{said}");
        let printed = String::from_utf8(l.out.clone()).unwrap();
        assert!(
            printed.contains("copy verified: 0 records"),
            "whether what arrived verifies is said: {printed}"
        );
    }
}
